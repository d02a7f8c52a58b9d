"""ERP extractor: Yonyou U8+ OpenAPI (docs/sources/erp.md)."""

from extractors.erp.client import U8Client

__all__ = ["U8Client"]
