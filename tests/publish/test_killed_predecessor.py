"""A run cleans up after a killed predecessor: the temporary files of a publish killed
with SIGKILL are removed when the next run starts (never the published file or history,
never a live publisher's), and the dbt child dies with the process that started it."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from expectations.publish import publish
from expectations.results import GateResult
from orchestration.defs.warehouse.project import dbt_executable
from perfchain.core.published import remove_stale_temporaries
from perfchain.core.settings import ExtractSettings, Settings, load_settings
from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import RunFailed, run_pipeline
from tests.conftest import RUN_PARENT, alive, dbt_parse_command
from tests.publish.test_published_lock import run_nightly_steps
from tests.quality.warehouse import DAY, build_warehouse

pytestmark = pytest.mark.slow  # runs and kills publishing processes

REPO = Path(__file__).resolve().parents[2]
RUN_DAY = date(2026, 1, 20)  # a day the demo simulator serves


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("template") / "warehouse.duckdb")


@pytest.fixture
def killed_publish(template: Path, tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """A published file, and a second publish stopped after writing its temporary file
    (alive, holding the publisher lock, until the test kills it)."""
    warehouse = Path(shutil.copyfile(template, tmp_path / "warehouse.duckdb"))
    published = tmp_path / "home" / "published" / "perfchain.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        publish(con, published, run_id="old", data_through=DAY, gate=GateResult("old", DAY, []))
    worker = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests/publish/publish_worker.py"),
            str(warehouse),
            str(published),
            "killed",
            "written",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert worker.stdout is not None
    assert worker.stdout.readline().strip() == "at written"
    try:
        yield published, worker
    finally:
        worker.kill()
        worker.wait()


def _temporaries(published: Path) -> list[str]:
    return sorted(path.name for path in published.parent.glob(".perfchain-*"))


def _digests(published: Path) -> dict[str, str]:
    files = [published, *sorted((published.parent / "history").iterdir())]
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def test_live_publishers_temporary_file_is_kept_a_killed_ones_removed(
    killed_publish: tuple[Path, subprocess.Popen[str]],
) -> None:
    published, worker = killed_publish
    (temporary,) = [name for name in _temporaries(published) if name.endswith(".tmp")]
    assert temporary.endswith("-killed.duckdb.tmp")

    assert remove_stale_temporaries(published) == []  # the publisher is still at work
    assert temporary in _temporaries(published)

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    before = _digests(published)
    removed = remove_stale_temporaries(published)

    assert temporary in [path.name for path in removed]
    assert _temporaries(published) == []
    assert _digests(published) == before  # published file and history untouched
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select run_id from meta.publish_log").fetchall() == [("old",)]


def test_a_blocked_gate_still_removes_a_killed_publishs_files(
    killed_publish: tuple[Path, subprocess.Popen[str]],
) -> None:
    published, worker = killed_publish
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert any(name.endswith(".tmp") for name in _temporaries(published))
    before = _digests(published)

    result = run_nightly_steps(published.parent.parent, ("duplicated_order_row",))

    assert not result.success  # the gate blocked: publishing never started
    assert _temporaries(published) == []
    assert _digests(published) == before


@pytest.fixture
def settings(simulator, demo_data, tmp_path, monkeypatch) -> Settings:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    use_demo_credentials()
    simulator.set_as_of(RUN_DAY)
    base = load_settings()
    base.extract = ExtractSettings(max_attempts=2, backoff_max_seconds=0.1, timeout_seconds=5)
    return point_at_simulator(
        base, {name: simulator.url(name) for name in base.sources}, demo_data / "excel"
    )


def test_next_run_removes_a_killed_publishs_files_even_when_it_fails(
    killed_publish: tuple[Path, subprocess.Popen[str]], settings: Settings, simulator
) -> None:  # type: ignore[no-untyped-def]
    published, worker = killed_publish
    assert settings.published_path == published
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    assert any(name.endswith(".tmp") for name in _temporaries(published))
    before = _digests(published)
    # A run that fails at once (extraction of a failing source) still cleaned up first.
    simulator.faults.add("hr:server_error@1x*")

    with pytest.raises(RunFailed):
        run_pipeline(
            settings,
            [RUN_DAY],
            sources=["hr"],
            show_progress=False,
            extract_only=True,
        )

    assert _temporaries(published) == []
    assert _digests(published) == before


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process state from /proc")
def test_dbt_child_exits_promptly_when_the_run_is_killed(tmp_path: Path) -> None:
    executable = dbt_executable()
    assert Path(executable).name == "perfchain-dbt", executable
    stderr = tmp_path / "dbt.stderr"
    command = dbt_parse_command(executable, tmp_path)
    parent = subprocess.Popen(
        [sys.executable, "-c", RUN_PARENT, str(stderr), *command],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    # The watcher thread is the child's second thread: wait until it is armed.
    deadline = time.monotonic() + 20
    while alive(child) and _threads(child) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert alive(child), stderr.read_text()

    parent.send_signal(signal.SIGKILL)
    parent.wait()
    killed = time.monotonic()
    while alive(child) and time.monotonic() - killed < 5:
        time.sleep(0.02)
    gone_after = time.monotonic() - killed

    assert not alive(child)
    assert gone_after < 2.0, f"dbt child ran on for {gone_after:.2f} s"
    assert f"the run that started dbt (pid {parent.pid}) is gone" in stderr.read_text()
