"""A BI tool holding the published file read-write never stops the nightly run.

DuckDB's read-only open takes a shared lock that a read-write holder in another process
refuses (`IO Error: Could not set lock on file`). The gate (publish history for the
volume checks), publish (the log it carries forward) and the report drop read the
published file through `open_published`, which falls back to a private copy.
"""

import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from expectations.gate import read_publish_history
from expectations.registry import SUITES
from expectations.results import load_gate_result
from orchestration.defs.as_of import AsOfResource
from orchestration.defs.ingest.resources import WarehouseResource
from orchestration.defs.publish.assets import build_publish_asset
from orchestration.defs.quality.checks import build_quality_checks, quality_run_dir
from perfchain.core.published import open_published, read_publish_log
from tests.quality.warehouse import DAY, plant

pytestmark = pytest.mark.slow  # runs a Dagster job against a locked file

MART_KEYS = {mart: dg.AssetKey(["marts", mart]) for mart in SUITES}

# Holds the file read-write as a careless BI client would; on each line from stdin prints
# how many publishes it sees, and after "reconnect" does so on a new connection.
HOLDER = textwrap.dedent("""
    import sys, duckdb
    con = duckdb.connect(sys.argv[1])
    def seen():
        return con.execute("select count(*) from meta.publish_log").fetchone()[0]
    print(seen(), flush=True)
    for line in sys.stdin:
        if line.strip() == "reconnect":
            con.close()
            con = duckdb.connect(sys.argv[1], read_only=True)
        print(seen(), flush=True)
""")


class Holder:
    def __init__(self, published: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(published)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.first = self._line()

    def _line(self) -> int:
        assert self.process.stdout is not None
        return int(self.process.stdout.readline())

    def ask(self, command: str = "") -> int:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._line()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=30) == 0


@pytest.fixture
def holder_factory() -> Iterator[list[Holder]]:
    holders: list[Holder] = []
    yield holders
    for holder in holders:
        if holder.process.poll() is None:
            holder.process.kill()
            holder.process.wait()


def run_nightly_steps(home: Path, defects: tuple[str, ...] = ()) -> dg.ExecuteInProcessResult:
    """Marts (with `defects` planted) → quality gate → publish, as the nightly job chains
    them."""

    @dg.multi_asset(
        specs=[dg.AssetSpec(key) for key in MART_KEYS.values()],
        required_resource_keys={"warehouse"},
    )
    def marts(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]
        with context.resources.warehouse.connect() as con:
            plant(con, defects)
        for key in MART_KEYS.values():
            yield dg.MaterializeResult(asset_key=key)

    paths = {
        "quality_dir": str(home / "quality"),
        "published_path": str(home / "published" / "perfchain.duckdb"),
        "logs_dir": str(home / "logs"),
    }
    return dg.materialize(
        [
            marts,
            *build_quality_checks(MART_KEYS, **paths),
            build_publish_asset(list(MART_KEYS.values()), **paths),
        ],
        resources={
            "warehouse": WarehouseResource(path=str(home / "warehouse.duckdb")),
            "as_of": AsOfResource(as_of_date=DAY.isoformat()),
        },
        raise_on_error=False,
    )


def _failure(result: dg.ExecuteInProcessResult) -> str:
    return "; ".join(
        str(event.step_failure_data.error.message)
        for event in result.all_events
        if event.is_step_failure and event.step_failure_data and event.step_failure_data.error
    )


def test_run_publishes_while_a_reader_holds_the_file_read_write(
    tmp_path: Path, holder_factory: list[Holder]
) -> None:
    published = tmp_path / "published" / "perfchain.duckdb"
    first = run_nightly_steps(tmp_path)
    assert first.success, _failure(first)
    holder = Holder(published)
    holder_factory.append(holder)
    assert holder.first == 1
    # What the run would otherwise hit: the lock refuses even a read-only open.
    with pytest.raises(duckdb.IOException, match="Could not set lock"):
        duckdb.connect(str(published), read_only=True)

    second = run_nightly_steps(tmp_path)

    assert second.success, _failure(second)
    # The gate had the first publish's row counts: its volume checks ran instead of
    # being skipped for want of history.
    gate = load_gate_result(quality_run_dir(str(tmp_path / "quality"), second.run_id))
    assert gate is not None
    volume = {
        suite.mart: check.status
        for suite in gate.suites
        for check in suite.checks
        if check.name == "volume_vs_trailing_average_drop"
    }
    assert set(volume.values()) == {"passed"} and set(volume) == set(SUITES)
    # The new file carries the whole log, read through the holder's lock.
    assert [entry["run_id"] for entry in read_publish_log(published)] == [
        first.run_id,
        second.run_id,
    ]
    assert not list(published.parent.glob(".perfchain-*"))
    # The holder keeps the file it opened (its inode) until it reconnects.
    assert holder.ask() == 1
    assert holder.ask("reconnect") == 2
    holder.close()


def test_open_published_reads_a_copy_when_another_process_holds_the_file(
    tmp_path: Path, holder_factory: list[Holder], monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "published" / "perfchain.duckdb"
    assert run_nightly_steps(tmp_path).success
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as working:
        expected = {
            mart: working.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in ("fct_order_delivery", "kpi_daily")
        }
    holder_factory.append(Holder(published))
    # A temporary folder of its own, so the copy can be watched (`tempfile.tempdir` is
    # tempfile's documented default folder).
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    with open_published(published) as con:
        (snapshot,) = temporary.iterdir()
        assert snapshot.name.startswith("perfchain-snapshot-")
        seen = {
            mart: con.execute(f"select count(*) from marts.{mart}").fetchone()[0]
            for mart in expected
        }
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("delete from marts.kpi_daily")

    assert seen == expected
    history = read_publish_history(published)
    assert history["fct_order_delivery"] == [expected["fct_order_delivery"]]
    # The private copies are gone; the holder still has its file.
    assert list(temporary.iterdir()) == []
    assert holder_factory[0].ask() == 1
