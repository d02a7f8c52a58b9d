"""OA extractor: Weaver e-cology 9 (docs/sources/oa.md)."""

from extractors.oa.client import CreateRequestFailed, WeaverClient

__all__ = ["CreateRequestFailed", "WeaverClient"]
