"""Reads the Excel drop folder. openpyxl in read-only mode streams rows without loading
whole workbooks into memory."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
from openpyxl.utils import get_column_letter

from extractors._http.client import Window
from extractors.contract import Entity
from extractors.excel.departments import WorkbookProblem, department_problems
from extractors.excel.goals import goal_problems
from extractors.excel.problems import SheetProblem
from extractors.excel.recognition import (
    RecognitionSheetError,
    badge_problems,
    feedback_problems,
)
from extractors.excel.rules import kpi_codes, rule_problems
from extractors.excel.schema import (
    ALERT_RULES,
    BADGE_RULES,
    DEPARTMENT_ROWS,
    FEEDBACK_RULES,
    GOAL_SHEETS,
    TARGETS_FILE,
)
from perfchain.core.errors import PerfchainError

WEIGHT_TOLERANCE = 0.001


class ExcelCellError(PerfchainError):
    """A cell of the targets workbook that cannot be read; names where it is."""

    def __init__(
        self, path: Path, sheet: str, row: int, column: int, header: str, problem: str
    ) -> None:
        self.location = (path.name, sheet, row, get_column_letter(column))
        super().__init__(
            f"{path.name}, sheet {sheet!r}, row {row}, column {get_column_letter(column)} "
            f"({header}): {problem}. Fix the cell and run again."
        )


_TRUE = ("true", "yes", "y", "1", "是")
_FALSE = ("false", "no", "n", "0", "否")


def _typed(value: Any, type_: str) -> Any:
    """The cell as the schema type, or ValueError with what is wrong."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type_ in ("dec", "int"):
        if isinstance(value, str):
            text = value.strip()
            try:
                value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        return int(value) if type_ == "int" else value
    if type_ == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"{value!r} is not true or false")
    if type_ == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
    return str(value).strip()


class AlertRulesError(PerfchainError):
    """The alert_rules sheet's bad cells, every one of them (docs/sources/excel.md)."""

    def __init__(self, problems: list[SheetProblem | ExcelCellError]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the alert rules: "
            + "; ".join(str(problem) for problem in problems)
            + ". Fix the cells and run again."
        )


class GoalSheetsError(PerfchainError):
    """A goal sheet's refused rows, every one of them (extractors/excel/goals.py)."""

    def __init__(self, problems: list[SheetProblem | ExcelCellError]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} refused row(s) in the goal sheets: "
            + "; ".join(str(problem) for problem in problems)
            + ". Fix the cells and run again (docs/goals.md)."
        )


class DepartmentWorkbookError(PerfchainError):
    """Department workbooks that lack what they must hold; lists every problem."""

    def __init__(self, problems: list[WorkbookProblem]) -> None:
        self.problems = problems
        super().__init__(
            "department workbook(s) incomplete: "
            + "; ".join(str(problem) for problem in problems)
            + ". Add or fix the sheets (docs/sources/excel.md) and run again."
        )


class ExcelDropClient:
    """The `excel` source: a folder, not an API; each run reads the current workbooks.

    `robots` (channel -> robot names of perfchain.yaml) checks the robots alert rules name.
    With `history_start`, department workbooks are checked before they land: every month
    from it through the run date must have its sheet (docs/sources/excel.md)."""

    source = "excel"

    def __init__(
        self,
        folder: Path | str,
        history_start: date | None = None,
        plant_tz: str = "Asia/Shanghai",
        robots: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        self.folder = Path(folder)
        # The robots perfchain.yaml configures per channel; a rule naming another is an
        # error. None: robot names are checked for their form only.
        self.robots = robots
        self.history_start = history_start
        self.plant_tz = plant_tz
        self.requests_made = 0
        self.warnings: list[str] = []

    def _modified(self, path: Path) -> str:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()

    def extract(self, entity: Entity, window: Window) -> Iterator[list[dict[str, Any]]]:
        if entity is DEPARTMENT_ROWS:
            self._check_departments(window)
            yield from self._department_rows()
            return
        path = self.folder / TARGETS_FILE
        if not path.exists():
            raise PerfchainError(
                f"targets workbook {path} not found (set paths.excel_drop in perfchain.yaml)"
            )
        self.requests_made += 1
        if entity is ALERT_RULES:
            yield self.alert_rules(path, self.robots)
            return
        if entity in GOAL_SHEETS:
            yield self.goal_sheet(path, entity)
            return
        if entity in (FEEDBACK_RULES, BADGE_RULES):
            yield self.recognition_rules(path, entity)
            return
        records = self._sheet(path, entity)
        if entity.name == "stage_weights":
            total = sum(record["weight"] for record in records)
            if abs(total - 1) > WEIGHT_TOLERANCE:
                raise PerfchainError(
                    f"{path.name}, sheet 'stage_weights': weights sum to {total:.4f}, not 1"
                )
        yield records

    def alert_rules(
        self, path: Path, robots: Mapping[str, Collection[str]] | None = None
    ) -> list[dict[str, Any]]:
        """The alert_rules rows, typed; AlertRulesError lists every bad cell at once (a rule
        half read is no rule, so nothing of the sheet lands then)."""
        workbook = openpyxl.load_workbook(path, read_only=True)
        present = ALERT_RULES.protocol_name in workbook.sheetnames
        workbook.close()
        if not present:
            # The sheet came after the others: a workbook without it has no alert rules,
            # which is a plant's choice, not a broken workbook.
            self.warnings.append(
                f"{path.name}: no sheet 'alert_rules', so no alert rule is evaluated "
                "(docs/sources/excel.md)"
            )
            return []
        cells: list[SheetProblem | ExcelCellError] = []
        columns: dict[str, str] = {}
        records = self._sheet(path, ALERT_RULES, cells, columns)
        # A cell already named as unreadable is not named again as missing.
        unreadable = {
            problem.location[2:] for problem in cells if isinstance(problem, ExcelCellError)
        }
        problems = cells + [
            problem
            for problem in rule_problems(records, path.name, columns, kpi_codes(), robots)
            if (problem.row, problem.column) not in unreadable
        ]
        if problems:
            problems.sort(key=_where)
            raise AlertRulesError(problems)
        return records

    def goal_sheet(self, path: Path, entity: Entity) -> list[dict[str, Any]]:
        """One goal sheet's rows, typed and checked with the other two (a weight rule
        names weights of kpi_weights); GoalSheetsError lists every refused row of this
        sheet at once, and nothing of it lands then. A workbook without the sheet has no
        goals (a warning, not an error)."""
        workbook = openpyxl.load_workbook(path, read_only=True)
        present = set(workbook.sheetnames)
        workbook.close()
        if entity.protocol_name not in present:
            self.warnings.append(
                f"{path.name}: no sheet {entity.protocol_name!r}, so no goal or weight of it "
                "is scored (docs/goals.md)"
            )
            return []
        cells: list[ExcelCellError] = []
        columns: dict[str, dict[str, str]] = {}
        sheets: dict[str, list[dict[str, Any]]] = {}
        for sheet in GOAL_SHEETS:
            if sheet.protocol_name not in present:
                continue
            found: list[ExcelCellError] = []
            columns[sheet.protocol_name] = {}
            sheets[sheet.protocol_name] = self._sheet(
                path, sheet, found, columns[sheet.protocol_name]
            )
            if sheet is entity:
                cells = found
        unreadable = {(entity.protocol_name, int(cell.location[2])) for cell in cells}
        problems: list[SheetProblem | ExcelCellError] = [
            *cells,
            *(
                problem
                for problem in goal_problems(sheets, path.name, columns, kpi_codes(), unreadable)
                if problem.sheet == entity.protocol_name
            ),
        ]
        if problems:
            problems.sort(key=_where)
            raise GoalSheetsError(problems)
        return sheets[entity.protocol_name]

    def recognition_rules(self, path: Path, entity: Entity) -> list[dict[str, Any]]:
        """The feedback_rules or badge_rules rows, typed (extractors/excel/recognition.py);
        RecognitionSheetError lists every bad cell at once. A workbook without the sheet
        has no such rules: a warning, no rows."""
        workbook = openpyxl.load_workbook(path, read_only=True)
        sheets = set(workbook.sheetnames)
        workbook.close()
        if entity.protocol_name not in sheets:
            self.warnings.append(
                f"{path.name}: no sheet {entity.protocol_name!r}, so no "
                f"{entity.protocol_name.replace('_', ' ')} apply (docs/recognition.md)"
            )
            return []
        cells: list[SheetProblem | ExcelCellError] = []
        columns: dict[str, str] = {}
        records = self._sheet(path, entity, cells, columns)
        unreadable = {
            problem.location[2:] for problem in cells if isinstance(problem, ExcelCellError)
        }
        if entity is FEEDBACK_RULES:
            alert_rule_ids = None
            if ALERT_RULES.protocol_name in sheets:
                try:
                    alert_rule_ids = {
                        record["rule_id"]
                        for record in self._sheet(path, ALERT_RULES, [], {})
                        if record.get("rule_id")
                    }
                except PerfchainError:
                    alert_rule_ids = None  # alert_rules' own check names its problem
            found = feedback_problems(records, path.name, columns, alert_rule_ids)
        else:
            found = badge_problems(records, path.name, columns)
        problems = cells + [
            problem for problem in found if (problem.row, problem.column) not in unreadable
        ]
        if problems:
            problems.sort(key=_where)
            raise RecognitionSheetError(entity.protocol_name, problems)
        return records

    def _sheet(
        self,
        path: Path,
        entity: Entity,
        problems: list[Any] | None = None,
        columns: dict[str, str] | None = None,
    ) -> list[dict[str, Any]]:
        """The sheet's rows typed. A bad cell raises ExcelCellError, or with `problems`
        is appended there (its cell left empty) and reading goes on; `columns` receives
        the column letter of each header."""
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            if entity.protocol_name not in workbook.sheetnames:
                raise PerfchainError(f"{path.name}: sheet {entity.protocol_name!r} is missing")
            rows = workbook[entity.protocol_name].iter_rows(values_only=True)
            header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
            wanted = [
                f
                for f in entity.fields
                if f.name not in ("source_file", "source_row", "file_modified_at")
            ]
            missing = [f.name for f in wanted if f.name not in header and not f.may_be_absent]
            absent = [f.name for f in wanted if f.name not in header and f.may_be_absent]
            if missing:
                raise PerfchainError(
                    f"{path.name}, sheet {entity.protocol_name!r}, row 1: missing column(s) {', '.join(missing)}"
                )
            if columns is not None:
                columns.update(
                    (name, get_column_letter(i)) for i, name in enumerate(header, start=1) if name
                )
            modified = self._modified(path)
            records = []
            for number, row in enumerate(rows, start=2):
                if all(cell is None or str(cell).strip() == "" for cell in row):
                    continue
                record: dict[str, Any] = {
                    "source_file": path.name,
                    "source_row": number,
                    "file_modified_at": modified,
                }
                for column, name in enumerate(header, start=1):
                    value = row[column - 1] if column - 1 < len(row) else None
                    if not name:
                        continue
                    field = next((f for f in wanted if f.name == name), None)
                    try:
                        typed = _typed(value, field.type if field else "str")
                        if field is not None and field.required and typed is None:
                            raise ValueError("required, empty")
                    except ValueError as error:
                        problem = ExcelCellError(
                            path, entity.protocol_name, number, column, name, str(error)
                        )
                        if problems is None:
                            raise problem from None
                        problems.append(problem)
                        typed = None
                    record[name] = typed
                record.update(dict.fromkeys(absent))
                records.append(record)
            return records
        finally:
            workbook.close()

    def _check_departments(self, window: Window) -> None:
        """Fail before anything lands when a closed month's sheet or a header is missing;
        the open month's missing sheet only warns (a department may not have started it)."""
        through = None
        if window.until is not None:
            # `until` is the first instant after the run date, plant time.
            through = (
                window.until.astimezone(ZoneInfo(self.plant_tz)) - timedelta(microseconds=1)
            ).date()
        problems = department_problems(self.folder, self.history_start, through)
        self.warnings = [str(problem) for problem in problems if problem.warning]
        errors = [problem for problem in problems if not problem.warning]
        if errors:
            raise DepartmentWorkbookError(errors)

    def _department_rows(self) -> Iterator[list[dict[str, Any]]]:
        for path in sorted(self.folder.glob("*.xlsx")):
            if path.name == TARGETS_FILE or path.name.startswith("~$"):
                continue
            self.requests_made += 1
            modified = self._modified(path)
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                for sheet in workbook.worksheets:
                    records = [
                        {
                            "source_file": path.name,
                            "sheet": sheet.title,
                            "source_row": number,
                            "cells": json.dumps(
                                [_cell(value) for value in row], ensure_ascii=False
                            ),
                            "file_modified_at": modified,
                        }
                        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
                        if any(value not in (None, "") for value in row)
                    ]
                    if records:
                        yield records
            finally:
                workbook.close()


def _where(
    problem: SheetProblem | ExcelCellError,
) -> tuple[int, int, str]:
    """Sort key: row, then column (B before AA)."""
    if isinstance(problem, ExcelCellError):
        _, _, row, column = problem.location
    else:
        row, column = problem.row, problem.column
    return int(row), len(column), column


def _cell(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
