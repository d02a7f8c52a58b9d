"""The published file as one page load reads it: every query through Streamlit's
`st.cache_data`, keyed by the file's identity (`data.file_identity`: inode, modification
time, size) and the query's arguments.

A publish puts a whole new file in place (`os.replace`: a new inode), so the next page load
stats a new identity, misses the cache and reads the new file: no restart, no polling, and
the publisher never waits for the dashboard. While the file stays the same, a page load that
has been seen before (the heatmap of the day, a drill-down opened again in the morning
meeting) is answered from memory without opening the file at all; the file is attached only
when a read misses (`Reader.con`). A publish landing between a load's stat and its attach
files the new file's answers under the old identity: that one load may mix reads of the two
publishes, and no later load asks for the old identity again (the path's file has the new
one), so from the next load on only the new publish is read.

Why `st.cache_data` rather than a dictionary of our own: it is the framework's cache for
exactly this (shared by every session of the server process, bounded, thread-safe, returns
a copy so a page can change what it gets), and it hashes the arguments for us.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import streamlit as st

from dashboard import data

T = TypeVar("T")

# Distinct reads kept: every page of a few days' heatmaps and drill-downs; entries of a
# replaced file are never hit again and are the first to go.
MAX_ENTRIES = 512


class Reader:
    """One page load's reads of the published file at `path`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity = data.file_identity(path)
        self._stack = ExitStack()
        self._con: duckdb.DuckDBPyConnection | None = None
        self.opened = False  # whether any read missed the cache (the tests look)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The file, attached read-only on first use (`data.open_latest`)."""
        if self._con is None:
            self._con = self._stack.enter_context(data.open_latest(self.path))
            self.opened = True
        return self._con

    def get(self, read: Callable[..., T], *args: Any) -> T:
        """`read(con, *args)`, from the cache when this file has answered it before.
        `read` is a module-level function (its module and name are part of the key)."""
        return _cache()(self.identity, read.__module__, read.__qualname__, args, self)

    def close(self) -> None:
        self._stack.close()
        self._con = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read(
    identity: tuple[int, int, int], module: str, name: str, args: tuple, _reader: Reader
) -> Any:
    # `_reader` is left out of the key (the leading underscore): the identity stands for it.
    read = getattr(sys.modules[module], name)
    return read(_reader.con, *args)


@functools.cache
def _cache() -> Callable[..., Any]:
    """`_read` behind `st.cache_data`, made on the first read (in the server, where the
    cache has its runtime), not when the module is imported (by `perfchain dashboard`)."""
    return st.cache_data(show_spinner=False, max_entries=MAX_ENTRIES)(_read)
