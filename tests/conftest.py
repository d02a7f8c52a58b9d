"""Shared fixtures: a small demo factory, the simulator serving it on loopback, and one
good night run on it through the command line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import yaml
from filelock import FileLock

# A short, fixed slice of the demo factory: big enough to hold every planted situation,
# small enough to generate in seconds. Every test that needs source data reads this one.
DEMO_START = date(2026, 1, 1)
DEMO_DAYS = 45
DEMO_SEED = 7

# Tests that use these fixtures wait for the demo warehouse build (generate, load, dbt
# build: minutes on a cold run), so they are slow whatever they do themselves.
SLOW_FIXTURES = frozenset({"warehouse", "good_night"})

# The first night the demo factory has delivered and contributed orders to publish.
GOOD_NIGHT = date(2026, 1, 20)
SOURCES = ("crm", "erp", "oa", "mes", "qms", "wms", "hr")
REPO = Path(__file__).resolve().parents[1]


# The longest modules, longest first (each module's time on one worker, from
# `pytest --durations`, fixtures included). `make test` hands the workers one module at a
# time in collection order (`--dist loadscope`, which keeps a module's fixtures on one
# worker); these go first, so neither worker is left with a long one after everything
# else. The shared warehouse build (a few minutes) counts towards the first module that
# needs it; the modules after the first two keep the other worker busy meanwhile.
LONGEST_FIRST = (
    "orchestration/test_signals_batch.py",
    "publish/test_nights_on_the_plant_calendar.py",
    "publish/test_quarantine_nights.py",
    "warehouse/test_incremental.py",
    "extractors/test_no_secrets_leak.py",
    "warehouse/test_mes_gaps.py",
    "orchestration/test_dbt_asset.py",
    "orchestration/test_failure_lineage.py",
    "publish/test_published_lock.py",
    "publish/test_killed_predecessor.py",
    "orchestration/test_nightly_job.py",
    "perfchain/test_cli.py",
    "alerts/test_platform.py",
)


def _run_order(item: pytest.Item) -> int:
    tests = Path(__file__).parent
    path = item.path.relative_to(tests).as_posix() if item.path.is_relative_to(tests) else ""
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs the warehouse (directly or through a fixture), and
    put the longest modules first (a stable sort: the rest keep their order)."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    items.sort(key=_run_order)


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.generator import generate

    out = tmp_path_factory.mktemp("demo_factory")
    generate(out, scale="s", seed=DEMO_SEED, start=DEMO_START, days=DEMO_DAYS, progress=False)
    return out


@pytest.fixture(scope="session")
def _simulator_session(demo_data: Path) -> Iterator[object]:
    from simulator.server import SimulatorServer

    server = SimulatorServer(demo_data, host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def simulator(_simulator_session):  # type: ignore[no-untyped-def]
    """The session's simulator, reset to a clean state (no faults, empty log, last day)."""
    _simulator_session.reset()
    yield _simulator_session
    _simulator_session.reset()


def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A directory every xdist worker of this session sees (under the session's base temp):
    what one worker builds there under a file lock, the others reuse."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    path = base / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def planted_secrets() -> dict[str, str]:
    """A distinctive value for every secret variable: easy to find wherever it leaks,
    plain or URL-encoded (it holds characters a URL escapes)."""
    from extractors.credentials import SECRET_KEYS, env_name

    return {
        env_name(source, key): f"Zq{source}{key.title().replace('_', '')}-7Hx!&=/9"
        for source in SOURCES
        for key in SECRET_KEYS[source]
    }


@dataclass(frozen=True)
class GoodNight:
    """`perfchain run --date GOOD_NIGHT` into an empty home, every source answering."""

    home: Path
    exit_code: int
    output: str

    @property
    def published_path(self) -> Path:
        return self.home / "published" / "perfchain.duckdb"


@pytest.fixture(scope="session")
def good_night(tmp_path_factory: pytest.TempPathFactory, demo_data: Path) -> GoodNight:
    """One good night of the demo factory, run once per session (and once across xdist
    workers): the secrets test searches its files, the quarantine test compares its marts.
    Run through the command line with the planted secrets, against a simulator that
    accepts only those, on the repository's configuration pointed at that simulator.
    Tests read it; one that runs more nights copies the home first."""
    from click.testing import CliRunner

    from perfchain.cli import main
    from simulator.server import SimulatorServer
    from simulator.server.credentials import Credentials

    root = shared_dir(tmp_path_factory, "good_night")
    home, config, summary = root / "home", root / "perfchain.yaml", root / "run.json"
    with FileLock(str(root / "run.lock")):
        if not summary.exists():
            secrets = planted_secrets()
            with (
                pytest.MonkeyPatch.context() as env,
                SimulatorServer(
                    demo_data,
                    host="127.0.0.1",
                    port=0,
                    credentials=Credentials.from_env({**os.environ, **secrets}),
                ) as server,
            ):
                settings = yaml.safe_load((REPO / "perfchain.yaml").read_text(encoding="utf-8"))
                settings["paths"]["excel_drop"] = str(demo_data / "excel")
                for source in SOURCES:
                    settings["sources"][source]["base_url"] = server.url(source)
                config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
                for name, value in secrets.items():
                    env.setenv(name, value)
                env.setenv("PERFCHAIN_CONFIG", str(config))
                env.setenv("PERFCHAIN_HOME", str(home))
                env.setenv("DAGSTER_HOME", str(home / "dagster"))  # the run sets it
                server.set_as_of(GOOD_NIGHT)
                result = CliRunner().invoke(main, ["run", "--date", GOOD_NIGHT.isoformat()])
            summary.write_text(
                json.dumps({"exit_code": result.exit_code, "output": result.output}),
                encoding="utf-8",
            )
    saved = json.loads(summary.read_text(encoding="utf-8"))
    return GoodNight(home, saved["exit_code"], saved["output"])


# A run's place in the process tree: it starts a command as dagster-dbt starts dbt (a plain
# Popen) and prints the command's pid; a test then kills the "run" with SIGKILL.
# Usage: python -c RUN_PARENT STDERR_FILE COMMAND...
RUN_PARENT = """
import subprocess, sys
with open(sys.argv[1], "w") as stderr:
    child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=stderr)
print(child.pid, flush=True)
child.wait()
"""


def alive(pid: int) -> bool:
    """The process runs (Linux /proc); a zombie has exited, whoever reaps it."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def dbt_parse_command(executable: str, folder: Path, *extra: str) -> list[str]:
    """`dbt parse` of the project, its files under `folder`: seconds of work (imports,
    then the whole project), long enough to catch it running."""
    from orchestration.defs.warehouse.project import DBT_PROJECT_DIR

    return [
        executable,
        "parse",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(folder / "target"),
        "--log-path",
        str(folder / "logs"),
        *extra,
    ]
