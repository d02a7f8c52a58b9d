"""OA extractor: Weaver e-cology 9 (docs/sources/oa.md)."""

from extractors.oa.client import WeaverClient

__all__ = ["WeaverClient"]
