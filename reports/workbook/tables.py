"""Writing a frame as a finished Excel table: styled header, typed cells with number and
date formats, widths that fit Chinese text, frozen header, autofilter, and the row ranges
of each filter key so the front sheet can link a red cell to the rows behind it."""

import math
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reports.common.style import HEADER_FILL, HEADER_TEXT, MUTED, STATUS_FILL, STATUS_TEXT
from reports.labels import Lang, label

# Cell kinds and their Excel number formats.
NUMBER_FORMATS: dict[str, str] = {
    "text": "@",
    "int": "#,##0",
    "qty": "#,##0.##",
    "minutes": "#,##0.0",
    "hours": "0.0",
    "percent": "0.0%",
    "ratio": "0.00",
    "money": "#,##0.00",
    "points": "#,##0.00",
    "pp": "+0.0;-0.0;0.0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "bool": "@",
}
_MIN_WIDTH = {"date": 11, "datetime": 17, "money": 13, "percent": 9, "int": 8}
FONT = "Microsoft YaHei"  # Office's CJK UI face; LibreOffice substitutes a CJK sans.


@dataclass(frozen=True)
class Column:
    source: str  # the frame's column
    header: str  # label key
    kind: str = "text"
    translate: Callable[[Any], str] | None = None


@dataclass
class Formats:
    """xlsxwriter formats, created once per combination (Excel caps the number of styles)."""

    book: Workbook
    _cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def get(self, kind: str = "text", *, status: str | None = None, **extra: Any) -> Any:
        key = (kind, status, tuple(sorted(extra.items())))
        if key not in self._cache:
            spec: dict[str, Any] = {"font_name": FONT, "font_size": 10, "valign": "vcenter"}
            if kind in NUMBER_FORMATS and kind not in ("text", "bool"):
                spec["num_format"] = NUMBER_FORMATS[kind]
            if status in STATUS_FILL:
                spec.update(
                    bg_color=STATUS_FILL[status],
                    font_color=STATUS_TEXT[status],
                    border=1,
                    border_color="#FFFFFF",
                )
            spec.update(extra)
            self._cache[key] = self.book.add_format(spec)
        return self._cache[key]

    @property
    def header(self) -> Any:
        return self.get(
            "header",
            bold=True,
            bg_color=HEADER_FILL,
            font_color=HEADER_TEXT,
            text_wrap=True,
            align="center",
            border=1,
            border_color="#FFFFFF",
        )

    @property
    def title(self) -> Any:
        return self.get("title", bold=True, font_size=16, font_color=HEADER_FILL)

    @property
    def note(self) -> Any:
        return self.get("note", font_color=MUTED, italic=True)

    @property
    def link(self) -> Any:
        return self.get("link", font_color="#1F4E99", underline=1)


def text_width(text: str) -> int:
    """Display width: East Asian wide characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


@dataclass(frozen=True)
class TableRange:
    header_row: int  # 0-based, as xlsxwriter counts
    first_row: int
    last_row: int  # == header_row when the table is empty
    columns: int
    blocks: dict[str, tuple[int, int]]  # filter key -> first, last row (0-based)


def write_table(
    sheet: Worksheet,
    formats: Formats,
    frame: pd.DataFrame,
    columns: list[Column],
    lang: Lang,
    *,
    top: int = 2,
    freeze_columns: int = 1,
    block_keys: Callable[[dict[str, Any]], list[str]] | None = None,
) -> TableRange:
    """Write `frame` under a header at row `top`; freeze it, filter it, size its columns."""
    widths = [text_width(label(column.header, lang)) + 2 for column in columns]
    for index, column in enumerate(columns):
        sheet.write(top, index, label(column.header, lang), formats.header)
    blocks: dict[str, tuple[int, int]] = {}
    row = top
    for row, record in enumerate(frame.to_dict("records"), start=top + 1):
        for index, column in enumerate(columns):
            shown = _write_cell(sheet, formats, row, index, record.get(column.source), column, lang)
            widths[index] = max(widths[index], shown)
        for key in block_keys(record) if block_keys else []:
            first, _ = blocks.get(key, (row, row))
            blocks[key] = (first, row)
    for index, column in enumerate(columns):
        width = max(widths[index], _MIN_WIDTH.get(column.kind, 6))
        sheet.set_column(index, index, min(width, 48))
    sheet.set_row(top, 32)
    sheet.freeze_panes(top + 1, freeze_columns)
    sheet.autofilter(top, 0, max(row, top), len(columns) - 1)
    return TableRange(top, top + 1, row, len(columns), blocks)


def _write_cell(
    sheet: Worksheet, formats: Formats, row: int, col: int, value: Any, column: Column, lang: Lang
) -> int:
    """Write one typed cell; return its display width for column sizing."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None, formats.get(column.kind))
        return 0
    if column.translate is not None:
        text = column.translate(value)
        sheet.write_string(row, col, text, formats.get("text"))
        return text_width(text)
    if column.kind == "bool":
        text = label("value.yes" if value else "value.no", lang)
        sheet.write_string(row, col, text, formats.get("text", align="center"))
        return text_width(text)
    if column.kind in ("date", "datetime"):
        moment = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
        if isinstance(moment, date) and not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day)
        sheet.write_datetime(row, col, moment, formats.get(column.kind))
        return 0
    if column.kind == "text":
        text = str(value)
        sheet.write_string(row, col, text, formats.get("text"))
        return text_width(text)
    sheet.write_number(row, col, float(value), formats.get(column.kind))
    return len(f"{float(value):,.1f}") + 1
