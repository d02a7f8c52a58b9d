"""A progress hook that in-process runs attach to and assets report to.

`perfchain run` and `perfchain demo` execute the Dagster job in this process, so the
assets can tell the command line what they finished without going through Dagster's
event log; under `dagster dev` nobody listens and reporting is a no-op.
"""

from __future__ import annotations

from collections.abc import Callable

_listener: Callable[[str, str], None] | None = None


def listen(callback: Callable[[str, str], None] | None) -> None:
    global _listener
    _listener = callback


def report(step: str, detail: str = "") -> None:
    if _listener is not None:
        _listener(step, detail)
