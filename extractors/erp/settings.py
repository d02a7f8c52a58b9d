"""Yonyou U8+ OpenAPI endpoints and paging (docs/sources/erp.md)."""

TOKEN_PATH = "/system/token"
ROWS_PER_PAGE = 2000  # the maximum is undocumented; large pages keep request counts low
# U8 writes local wall time; the incremental filter takes the same format.
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
