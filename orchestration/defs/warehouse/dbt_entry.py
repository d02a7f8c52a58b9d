"""`perfchain-dbt`: dbt's own command line, less two costs dbt pays at every node: log
lines nobody reads, and compiling templates it compiled the night before.

dbt-common turns every event into a protobuf message and then, once per logger, into a
JSON line, and only then lets Python's logging drop the line for its level
(`EventManager.fire_event`, `_Logger.write_line`). A nightly build fires ≈ 15 debug events
per node (every SQL statement, connection and compiled file), which go to no logger at
the levels a run uses (stdout at info for Dagster, the file at warn): py-spy on the
nightly increment's build put 21 % of dbt's node-phase samples in that work, and the
223 nodes took 12.9 s against 10.9 s without it (medians of 3 alternated builds).

`install()` skips that work for exactly the lines the loggers would drop:

- an event below the level of every logger (and below warn: warnings stay for
  `--warn-error` and dbt's warning callbacks) is not built into a message at all;
- a logger does not format a line below its own level.

Print events (`dbt ls`, `dbt show`) go to the loggers as errors, as dbt sends them, so
`--quiet` keeps them. With `DBT_LOG_LEVEL_FILE=debug` nothing is skipped.

And dbt compiles every template it renders (each model's and test's SQL, each macro) from
its source with Jinja, in every process: ≈ 1,900 compiles, ≈ 2 s of thread time in the
nightly build, ≈ 0.9 s of it compiling sources it already compiled in the same process
(the 154 primary-key tests share one source). With `PERFCHAIN_DBT_TEMPLATES` naming a
file, `CompiledTemplates` keeps Jinja's code per source there between runs
(`install_templates()`).

It also ends with the process that started it (`exit_with_parent()`): dagster-dbt starts
dbt with a plain `subprocess.Popen`, so when the nightly run was killed, dbt ran on alone
for 4–10 s, writing to the working warehouse and holding its lock.

dagster-dbt calls this script instead of `dbt` (`project.dbt_executable()`); it takes
dbt's arguments.
"""

from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import sys
import threading
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from types import CodeType

import jinja2
from dbt_common.clients import jinja as dbt_jinja
from dbt_common.events import logger as _logger
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager

from orchestration.defs.warehouse.project import write_whole

_RANK = {
    EventLevel.DEBUG: 0,
    EventLevel.TEST: 0,
    EventLevel.INFO: 1,
    EventLevel.WARN: 2,
    EventLevel.ERROR: 3,
}
_PRINT = "PrintEvent"


def _rank(level: str | EventLevel) -> int:
    return _RANK[EventLevel(level)]


def install() -> None:
    """Filter dbt's events by level before they are serialised (this process only)."""
    fire_event = EventManager.fire_event
    write_line = _logger._Logger.write_line

    def fire_event_if_logged(
        self: EventManager,
        e: BaseEvent,
        level: EventLevel | None = None,
        node: object = None,
        force_warn_or_error_handling: bool = False,
    ) -> None:
        if self.loggers and not force_warn_or_error_handling and type(e).__name__ != _PRINT:
            floor = min(min(_rank(each.level) for each in self.loggers), _RANK[EventLevel.WARN])
            if _rank(level or e.level_tag()) < floor:
                return
        fire_event(
            self,
            e,
            level=level,
            node=node,
            force_warn_or_error_handling=force_warn_or_error_handling,
        )

    def write_line_if_logged(self: _logger._Logger, msg: object) -> None:
        info = msg.info  # type: ignore[attr-defined]
        if info.name != _PRINT and _rank(info.level) < _rank(self.level):
            return
        write_line(self, msg)

    EventManager.fire_event = fire_event_if_logged  # type: ignore[method-assign]
    _logger._Logger.write_line = write_line_if_logged  # type: ignore[method-assign]


TEMPLATES_ENV = "PERFCHAIN_DBT_TEMPLATES"


class CompiledTemplates:
    """Jinja's code for dbt's templates, by source, read from and written back to `path`.

    Jinja's code for a source depends on the source and the environment's syntax options
    (dbt's are constant per environment class), on Python's version and Jinja's: the key
    holds the first two, the file's header the others (another header: the file is not
    used). The file is rewritten only when this process compiled something new."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.header = (sys.version, jinja2.__version__, version("dbt-common"))
        self.stored = self._read()
        self.used: dict[str, CodeType] = {}
        self.compiled = 0

    def _read(self) -> dict[str, CodeType]:
        try:
            header, stored = marshal.loads(self.path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        return stored if header == self.header else {}

    def code(self, key: str, compile_source: Callable[[], CodeType]) -> CodeType:
        code = self.used.get(key) or self.stored.get(key)
        if code is None:
            code = compile_source()
            self.compiled += 1
        self.used[key] = code
        return code

    def save(self) -> None:
        if not self.compiled:
            return
        # Keeps what other runs used (a subset run, an older model) unless it outgrows
        # what this run used: sources edited away do not pile up.
        kept = {**self.stored, **self.used}
        if len(kept) > 2 * len(self.used):
            kept = self.used
        try:
            write_whole(self.path, marshal.dumps((self.header, kept)))
        except OSError as error:  # the next run compiles again; this run has succeeded
            print(f"perfchain-dbt: compiled templates not kept: {error}", file=sys.stderr)


def _syntax(environment: jinja2.Environment) -> tuple[object, ...]:
    kind = type(environment)
    return (
        f"{kind.__module__}.{kind.__qualname__}",
        tuple(sorted(environment.extensions)),
        environment.optimized,
        environment.is_async,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.keep_trailing_newline,
        environment.newline_sequence,
        environment.block_start_string,
        environment.variable_start_string,
        environment.comment_start_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
    )


def install_templates(templates: CompiledTemplates) -> None:
    """dbt's Jinja environments take their compiled code from `templates` (this process)."""
    compile_source = dbt_jinja.MacroFuzzEnvironment.compile

    def compile_kept(
        self: jinja2.Environment,
        source: object,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> object:
        def compile_now() -> object:
            return compile_source(self, source, name, filename, raw, defer_init)

        # Raw Python source, a parsed tree, or dbt's macro debugging: as Jinja does it.
        if raw or not isinstance(source, str) or dbt_jinja.MACRO_DEBUGGING:
            return compile_now()
        key = repr((_syntax(self), name, filename, defer_init, source))
        digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()
        return templates.code(digest, compile_now)  # type: ignore[arg-type]

    dbt_jinja.MacroFuzzEnvironment.compile = compile_kept  # type: ignore[method-assign]


PARENT_POLL_SECONDS = 0.2


def exit_with_parent(poll_seconds: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """End this process within `poll_seconds` of the death of the process that started it.

    When a parent dies the kernel re-parents its children (to init or a subreaper), so a
    changed parent pid means the parent is gone; a daemon thread looks once per poll (one
    system call). Linux's PR_SET_PDEATHSIG would need a hook in dagster-dbt's `Popen`,
    and it fires when the parent's starting *thread* ends, not the process. The exit is
    immediate (`os._exit`): dbt's own shutdown could wait on a running query, and an
    unfinished DuckDB transaction is rolled back from the WAL like any killed writer's.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                print(
                    f"perfchain-dbt: the run that started dbt (pid {parent}) is gone; stopping",
                    file=sys.stderr,
                    flush=True,
                )
                os._exit(1)

    thread = threading.Thread(target=watch, name="perfchain-dbt-parent", daemon=True)
    thread.start()
    return thread


def main() -> None:
    exit_with_parent()
    install()
    if path := os.environ.get(TEMPLATES_ENV):
        templates = CompiledTemplates(Path(path))
        install_templates(templates)
        atexit.register(templates.save)
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())


if __name__ == "__main__":
    main()
