"""One refused cell of a targets sheet, where it is: what the alert-rule, goal and
recognition sheets' checks return (extractors/excel/rules.py, goals.py, recognition.py), all
at once per sheet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SheetProblem:
    """One refused row of a targets sheet, and the cell that refuses it."""

    file: str
    sheet: str
    row: int
    column: str  # the column letter
    header: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}, sheet {self.sheet!r}, row {self.row}, column {self.column} "
            f"({self.header}): {self.message}"
        )
