"""perfchain-dbt: dbt's events below every logger's level are never serialised, and every
line a logger would have written still is; Jinja's code for dbt's templates is kept between
runs and renders exactly what compiling the source renders."""

from __future__ import annotations

import io
import marshal
import sys
from pathlib import Path

import pytest
from dbt_common.clients import jinja as dbt_jinja
from dbt_common.events import event_manager, logger
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LineFormat, LoggerConfig
from dbt_common.events.types import Note, PrintEvent
from dbt_common.exceptions import CompilationError
from dbt_common.exceptions.events import EventCompilationError

from orchestration.defs.warehouse import dbt_entry
from orchestration.defs.warehouse.project import dbt_executable


@pytest.fixture
def installed(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """dbt_entry.install() for this test only, counting the work it is meant to skip."""
    monkeypatch.setattr(EventManager, "fire_event", EventManager.fire_event)
    monkeypatch.setattr(logger._Logger, "write_line", logger._Logger.write_line)
    calls = {"messages": 0, "lines": 0}
    build_message = event_manager.msg_from_base_event
    create_line = logger._JsonLogger.create_line

    def counted_message(*args, **kwargs):
        calls["messages"] += 1
        return build_message(*args, **kwargs)

    def counted_line(self, msg):
        calls["lines"] += 1
        return create_line(self, msg)

    monkeypatch.setattr(event_manager, "msg_from_base_event", counted_message)
    monkeypatch.setattr(logger._JsonLogger, "create_line", counted_line)
    dbt_entry.install()
    return calls


def _manager(stdout_level: EventLevel, file_level: EventLevel) -> tuple[EventManager, dict]:
    """dbt's two loggers as a nightly run has them: JSON on stdout, and the file log."""
    manager = EventManager()
    streams = {"stdout": io.StringIO(), "file": io.StringIO()}
    for name, level in (("stdout", stdout_level), ("file", file_level)):
        manager.add_logger(
            LoggerConfig(
                name=f"perfchain-test-{name}-{stdout_level.value}-{file_level.value}",
                line_format=LineFormat.Json,
                level=level,
                output_stream=streams[name],
            )
        )
    return manager, streams


def _lines(streams: dict) -> dict[str, int]:
    return {name: len(stream.getvalue().splitlines()) for name, stream in streams.items()}


def test_events_below_every_logger_are_not_serialised(installed: dict[str, int]) -> None:
    manager, streams = _manager(EventLevel.INFO, EventLevel.WARN)

    manager.fire_event(Note(msg="select 1"), level=EventLevel.DEBUG)
    assert installed == {"messages": 0, "lines": 0}
    assert _lines(streams) == {"stdout": 0, "file": 0}

    # An info line is built once, for stdout only; a warning for both loggers.
    manager.fire_event(Note(msg="1 of 223 START"), level=EventLevel.INFO)
    assert installed == {"messages": 1, "lines": 1}
    assert _lines(streams) == {"stdout": 1, "file": 0}
    manager.fire_event(Note(msg="careful"), level=EventLevel.WARN)
    assert installed == {"messages": 2, "lines": 3}
    assert _lines(streams) == {"stdout": 2, "file": 1}


def test_a_debug_file_log_still_gets_every_event(installed: dict[str, int]) -> None:
    manager, streams = _manager(EventLevel.INFO, EventLevel.DEBUG)
    manager.fire_event(Note(msg="select 1"), level=EventLevel.DEBUG)
    assert _lines(streams) == {"stdout": 0, "file": 1}
    assert '"msg": "select 1"' in streams["file"].getvalue()


def test_quiet_keeps_print_events_and_warn_error(installed: dict[str, int]) -> None:
    # --quiet: stdout at error. dbt ls prints through PrintEvent, sent as an error line.
    manager, streams = _manager(EventLevel.ERROR, EventLevel.ERROR)
    manager.fire_event(PrintEvent(msg="model.perfchain.kpi_daily"))
    assert "model.perfchain.kpi_daily" in streams["stdout"].getvalue()
    manager.fire_event(Note(msg="not shown"), level=EventLevel.INFO)
    assert "not shown" not in streams["stdout"].getvalue()

    # Warnings are never skipped: --warn-error still turns them into errors.
    manager.require_warn_or_error_handling = True  # dbt: require_all_warnings_handled_by_warn_error
    manager.warn_error = True
    with pytest.raises(EventCompilationError):
        manager.fire_event(Note(msg="a deprecated config"), level=EventLevel.WARN)


def test_nightly_builds_call_perfchain_dbt() -> None:
    assert dbt_executable() == str(Path(sys.executable).with_name("perfchain-dbt"))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Sources Jinja parses (compiles) in this test; dbt's compile restored after it."""
    monkeypatch.setattr(
        dbt_jinja.MacroFuzzEnvironment, "compile", dbt_jinja.MacroFuzzEnvironment.compile
    )
    parsed: list[str] = []
    parse = dbt_jinja.MacroFuzzEnvironment._parse

    def counted(self, source, name, filename):
        parsed.append(source)
        return parse(self, source, name, filename)

    monkeypatch.setattr(dbt_jinja.MacroFuzzEnvironment, "_parse", counted)
    return parsed


def _render(source: str, **context: object) -> str:
    return dbt_jinja.get_template(source, {}).render(context)


def test_templates_compiled_in_one_run_are_not_compiled_again(
    tmp_path: Path, parses: list[str]
) -> None:
    path = tmp_path / "templates.marshal"
    first = dbt_entry.CompiledTemplates(path)
    dbt_entry.install_templates(first)
    tests = "select {{ column }} from {{ model }} group by 1 having count(*) > 1"
    assert _render(tests, column="id", model="stg_a") == (
        "select id from stg_a group by 1 having count(*) > 1"
    )
    assert _render(tests, column="key", model="stg_b").startswith("select key from stg_b")
    assert parses == [tests]  # the same source twice in one run: compiled once
    first.save()

    # The next run (a new process: a new CompiledTemplates over the same file).
    parses.clear()
    dbt_entry.install_templates(dbt_entry.CompiledTemplates(path))
    assert _render(tests, column="order_id", model="fct_x") == (
        "select order_id from fct_x group by 1 having count(*) > 1"
    )
    assert parses == []
    assert _render("{{ 6 * 7 }}") == "42"
    assert parses == ["{{ 6 * 7 }}"]
    # A native environment (dbt's `native=True`) has its own code for the same source.
    assert dbt_jinja.get_template("{{ 6 * 7 }}", {}, native=True).render({}) == "42"
    assert parses == ["{{ 6 * 7 }}", "{{ 6 * 7 }}"]


def test_a_file_from_another_python_or_jinja_is_not_used(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "templates.marshal"
    first = dbt_entry.CompiledTemplates(path)
    dbt_entry.install_templates(first)
    _render("{{ 1 }}")
    first.save()
    header, stored = marshal.loads(path.read_bytes())
    assert len(stored) == 1
    path.write_bytes(marshal.dumps((("3.10.0", "3.0.0", "1.0.0"), stored)))
    assert dbt_entry.CompiledTemplates(path).stored == {}
    path.write_bytes(b"not marshal")
    assert dbt_entry.CompiledTemplates(path).stored == {}


def test_a_file_that_cannot_be_written_costs_a_warning_only(
    tmp_path: Path, parses: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    templates = dbt_entry.CompiledTemplates(tmp_path / "missing" / "templates.marshal")
    dbt_entry.install_templates(templates)
    assert _render("{{ 2 + 2 }}") == "4"
    templates.save()
    assert "compiled templates not kept" in capsys.readouterr().err


def test_a_template_that_does_not_compile_is_an_error_every_time(
    tmp_path: Path, parses: list[str]
) -> None:
    templates = dbt_entry.CompiledTemplates(tmp_path / "templates.marshal")
    dbt_entry.install_templates(templates)
    for _ in range(2):
        with pytest.raises(CompilationError):
            _render("select {{ 1 + }}")
    assert templates.used == {}
