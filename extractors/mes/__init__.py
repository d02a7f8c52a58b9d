"""MES extractor: MTConnect agent + plant REST API (docs/sources/mes.md)."""

from extractors.mes.client import MesClient

__all__ = ["MesClient"]
