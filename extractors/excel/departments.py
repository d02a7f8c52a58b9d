"""What a department workbook must hold (docs/sources/excel.md): a sheet for each month of
the period where the workbook keeps one per month, and the header rows that say which
column is which. Department workbooks land as kept, so nothing else of their layout is
checked; these are what reconciling them needs, and a missing month would otherwise land
as nothing at all.

One function serves `perfchain check-config`, the `excel` extraction and
`perfchain validate-dataset`; each problem names file, sheet, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from extractors.excel.schema import TARGETS_FILE

HEADER_ROWS = (2, 3)  # row 1 is the merged title


@dataclass(frozen=True)
class Layout:
    """A known department workbook: its sheets and the header cells each must have.

    `headers` maps (row, column) to the label, 1-based; a merged header has its label in
    its top-left cell only, which is what a reader sees."""

    monthly: bool  # one sheet per month, named like 2026年1月
    sheet: str | None  # the one sheet, when not monthly
    headers: dict[tuple[int, int], str]


LAYOUTS: dict[str, Layout] = {
    "生产部月度汇总.xlsx": Layout(
        monthly=True,
        sheet=None,
        headers={
            (2, 1): "班组",
            (2, 2): "产量(件)",
            (2, 5): "质量",
            (2, 7): "设备停机",
            (2, 10): "备注",
            (3, 2): "产出数",
            (3, 3): "良品数",
            (3, 4): "不良数",
            (3, 5): "一次合格率",
            (3, 6): "目标",
            (3, 7): "停机(分钟)",
            (3, 8): "计划生产(分钟)",
            (3, 9): "停机率",
        },
    ),
    "销售部订单跟踪.xlsx": Layout(
        monthly=False,
        sheet="订单跟踪",
        headers={
            (2, 1): "订单信息",
            (2, 5): "交付情况",
            (2, 10): "备注",
            (3, 1): "订单号",
            (3, 2): "客户",
            (3, 3): "下单日期",
            (3, 4): "金额(元,不含税)",
            (3, 5): "承诺交期",
            (3, 6): "已发货数量",
            (3, 7): "订单数量",
            (3, 8): "最后发货",
            (3, 9): "签收完成",
        },
    ),
}


@dataclass(frozen=True)
class WorkbookProblem:
    """One thing a department workbook lacks, where it is. `warning`: the sheet of the
    still-open month is missing, which a run reports but does not fail on."""

    file: str
    sheet: str
    message: str
    row: int | None = None
    column: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}, sheet {self.sheet!r}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


def month_sheet(year: int, month: int) -> str:
    return f"{year}年{month}月"


def months_owed(first: date, through: date) -> list[str]:
    """The month sheets from `first`'s month through `through`'s month, in order."""
    year, month = first.year, first.month
    names = []
    while (year, month) <= (through.year, through.month):
        names.append(month_sheet(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return names


def department_problems(
    folder: Path, first: date | None, through: date | None, *, open_month_warns: bool = True
) -> list[WorkbookProblem]:
    """Every problem of the known department workbooks in `folder`.

    With a period (`first`..`through`), each monthly workbook must have a sheet for every
    month of it; the month of `through` is still open, so its missing sheet is a warning
    when `open_month_warns`. Without a period only the sheets present are checked.
    Workbooks not in LAYOUTS, and known ones absent from the folder, are not checked here.
    """
    problems: list[WorkbookProblem] = []
    for path in sorted(Path(folder).glob("*.xlsx")):
        layout = LAYOUTS.get(path.name)
        if path.name == TARGETS_FILE or layout is None:
            continue
        problems += _workbook_problems(path, layout, first, through, open_month_warns)
    return problems


def _workbook_problems(
    path: Path, layout: Layout, first: date | None, through: date | None, open_month_warns: bool
) -> list[WorkbookProblem]:
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        present = list(workbook.sheetnames)
        found = ", ".join(repr(name) for name in present) or "none"
        problems = []
        if layout.monthly:
            owed = months_owed(first, through) if first and through else []
            checked = [name for name in present if _is_month(name)]
            for name in owed:
                if name in present:
                    continue
                still_open = name == owed[-1] and open_month_warns
                what = "the still-open month's sheet" if still_open else "month sheet"
                problems.append(
                    WorkbookProblem(
                        path.name,
                        name,
                        f"{what} is missing (sheets found: {found})",
                        warning=still_open,
                    )
                )
        else:
            assert layout.sheet is not None
            checked = [layout.sheet] if layout.sheet in present else []
            if not checked:
                problems.append(
                    WorkbookProblem(
                        path.name, layout.sheet, f"sheet is missing (sheets found: {found})"
                    )
                )
        for name in checked:
            problems += _header_problems(path.name, name, workbook[name], layout)
        return problems
    finally:
        workbook.close()


def _is_month(name: str) -> bool:
    year, sep, rest = name.partition("年")
    return bool(sep) and year.isdigit() and rest.endswith("月") and rest[:-1].isdigit()


def _header_problems(
    file: str, sheet: str, worksheet: object, layout: Layout
) -> list[WorkbookProblem]:
    rows = {
        number: row
        for number, row in enumerate(
            worksheet.iter_rows(  # type: ignore[attr-defined]
                min_row=1, max_row=max(HEADER_ROWS), values_only=True
            ),
            start=1,
        )
    }
    problems = []
    for (row, column), label in layout.headers.items():
        cells = rows.get(row, ())
        value = cells[column - 1] if column - 1 < len(cells) else None
        text = "" if value is None else str(value).strip()
        if text != label:
            shown = repr(text) if text else "an empty cell"
            problems.append(
                WorkbookProblem(
                    file,
                    sheet,
                    f"header {label!r} expected, found {shown}",
                    row,
                    get_column_letter(column),
                )
            )
    return problems
