"""Excel drop extractor: the targets workbook and department workbooks (docs/sources/excel.md)."""

from extractors.excel.client import DepartmentWorkbookError, ExcelCellError, ExcelDropClient
from extractors.excel.schema import EXCEL_ENTITIES

__all__ = ["EXCEL_ENTITIES", "DepartmentWorkbookError", "ExcelCellError", "ExcelDropClient"]
