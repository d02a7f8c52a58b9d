"""A dbt process on standby (dbt_standby.py) runs the one command a `perfchain-dbt`
process hands it exactly as that process would have: same answer, streams, exit status,
environment and folder; it stops with its caller and passes an interrupt on to dbt."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from orchestration.defs.warehouse.dbt_standby import STANDBY_ENV, Standby, standby
from orchestration.defs.warehouse.project import DBT_PROJECT_DIR, dbt_executable
from tests.conftest import RUN_PARENT, alive, dbt_parse_command

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="Unix sockets and signals")


def _run(*args: str, **kwargs: object) -> tuple[int, str, str]:
    done = subprocess.run(
        [dbt_executable(), *args],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    return done.returncode, done.stdout, done.stderr


def _ready(waiting: Standby, seconds: float = 30.0) -> None:
    """Until the standby's socket is bound (it binds before importing dbt)."""
    deadline = time.monotonic() + seconds
    while not waiting.path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert waiting.path.exists()


def _taken(waiting: Standby, seconds: float = 30.0) -> None:
    """Until the standby has taken a command (its socket goes then)."""
    deadline = time.monotonic() + seconds
    while waiting.path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not waiting.path.exists()


def _ended(process: subprocess.Popen[bytes], seconds: float) -> float:
    started = time.monotonic()
    while process.poll() is None and time.monotonic() - started < seconds:
        time.sleep(0.02)
    return time.monotonic() - started


def test_a_command_on_standby_answers_as_dbt_does_and_the_next_one_runs_itself() -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    plain = subprocess.run(
        [dbt, "parse", "--no-such-flag"], capture_output=True, text=True, check=False
    )
    with standby(dbt_executable()) as waiting:
        assert waiting is not None and os.environ[STANDBY_ENV] == str(waiting.path)
        _ready(waiting)
        first = _run("parse", "--no-such-flag")
        _ended(waiting.process, 10)
        assert waiting.process.returncode == 2
        # Used up: the next command finds no standby and runs dbt in its own process.
        second = _run("parse", "--no-such-flag")
    assert waiting.served
    expected = (plain.returncode, plain.stdout, plain.stderr)
    assert first == expected and second == expected
    assert expected[0] == 2 and "--no-such-flag" in expected[2]
    assert STANDBY_ENV not in os.environ


def test_an_unused_standby_is_stopped_with_its_block() -> None:
    with standby(dbt_executable()) as waiting:
        assert waiting is not None
        _ready(waiting)
    assert waiting.process.poll() is not None and not waiting.served
    assert not waiting.path.parent.exists()
    with standby(dbt_executable(), enabled=False) as none:
        assert none is None and STANDBY_ENV not in os.environ


def test_no_standby_where_its_socket_path_would_be_too_long(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long = tmp_path / ("t" * 100)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    with standby(dbt_executable()) as waiting:
        assert waiting is None and STANDBY_ENV not in os.environ
    assert list(long.iterdir()) == []


@pytest.mark.slow  # dbt parses the whole project
def test_the_command_runs_in_the_callers_folder_environment_and_streams(tmp_path: Path) -> None:
    target = tmp_path / "target"
    env = {**os.environ, "DBT_TARGET_PATH": str(target), "DBT_LOG_FORMAT": "json"}
    with standby(dbt_executable()) as waiting:
        assert waiting is not None
        env[STANDBY_ENV] = str(waiting.path)
        _ready(waiting)
        # Relative to the caller's folder, not the standby's (the repository's root).
        code, out, err = _run(
            "parse",
            "--project-dir",
            ".",
            "--profiles-dir",
            ".",
            "--log-path",
            str(tmp_path / "logs"),
            cwd=DBT_PROJECT_DIR,
            env=env,
        )
        _ended(waiting.process, 10)
    assert waiting.served
    assert (code, err) == (0, ""), out[-2000:]
    # DBT_TARGET_PATH and DBT_LOG_FORMAT came from the caller's environment.
    assert (target / "manifest.json").exists()
    events = [json.loads(line) for line in out.splitlines()]
    assert events and all(event["info"]["pid"] == waiting.process.pid for event in events)
    assert events[0]["info"]["name"] == "MainReportVersion"
    assert events[-1]["info"]["name"] == "ParsePerfInfoPath"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process state from /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_dbt_on_standby_ends_with_its_caller(how: signal.Signals, tmp_path: Path) -> None:
    """Killed, the caller's socket closes and dbt stops at once; interrupted (dagster-dbt's
    cancel), the caller passes SIGINT on and exits with dbt's status: even when the run
    that starts the processes ignores SIGINT (a run in a script's background), which
    its children inherit."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        waiting, caller, gone_after, stderr = _interrupt_caller(how, tmp_path)
    finally:
        signal.signal(signal.SIGINT, before)
    assert waiting.process.returncode is not None, stderr
    assert gone_after < 2.0, f"dbt on standby ran on for {gone_after:.2f} s"
    if how == signal.SIGKILL:
        assert "the process that handed dbt its command is gone" in stderr
    else:
        # dbt's own answer to an interrupt, through the caller's exit status.
        assert caller.returncode == waiting.process.returncode != 0


def _interrupt_caller(
    how: signal.Signals, tmp_path: Path
) -> tuple[Standby, subprocess.Popen[bytes], float, str]:
    """A `dbt parse` handed to a standby, then `how` sent to the caller while dbt parses:
    the standby, the caller, how long dbt ran on, what was written to stderr."""
    stderr = tmp_path / "dbt.stderr"
    with standby(dbt_executable()) as waiting:
        assert waiting is not None
        _ready(waiting)
        with open(stderr, "wb") as errors:
            caller = subprocess.Popen(
                dbt_parse_command(dbt_executable(), tmp_path, "--no-partial-parse"),
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        _taken(waiting)
        time.sleep(0.3)  # dbt is parsing (seconds)
        assert waiting.process.poll() is None and caller.poll() is None
        caller.send_signal(how)
        gone_after = _ended(waiting.process, 10)
        caller.wait(timeout=10)
    return waiting, caller, gone_after, stderr.read_text()


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process state from /proc")
def test_a_standby_ends_with_the_run_that_started_it(tmp_path: Path) -> None:
    stderr, path = tmp_path / "standby.stderr", tmp_path / "standby.sock"
    run = subprocess.Popen(
        [sys.executable, "-c", RUN_PARENT, str(stderr), dbt_executable(), "--standby", str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert run.stdout is not None
    waiting = int(run.stdout.readline())
    deadline = time.monotonic() + 20
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert path.exists(), stderr.read_text()

    run.send_signal(signal.SIGKILL)
    run.wait()
    killed = time.monotonic()
    while alive(waiting) and time.monotonic() - killed < 5:
        time.sleep(0.02)
    assert time.monotonic() - killed < 2.0
    assert f"the run that started dbt (pid {run.pid}) is gone" in stderr.read_text()
