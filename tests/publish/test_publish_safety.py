"""Publishing is atomic for readers and for crashes; rollback restores the previous file;
the published file opens read-only through DuckDB and SQLAlchemy (the BI route)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

from expectations.publish import publish, rollback
from expectations.results import GateResult
from perfchain.core.published import read_publish_log
from tests.quality.warehouse import DAY, build_warehouse

pytestmark = pytest.mark.slow  # kills a publish at every step, in subprocesses

REPO = Path(__file__).resolve().parents[2]


def _publish(warehouse: Path, published: Path, run_id: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        publish(con, published, run_id=run_id, data_through=DAY, gate=GateResult(run_id, DAY, []))


def _read(published: Path) -> str:
    """What a new reader sees. This process keeps no connection open to the published file,
    so DuckDB's per-path instance cache cannot hand back an older file."""
    with duckdb.connect(str(published), read_only=True) as con:
        target, orders = con.execute(
            "select max(target)::double, (select count(*) from marts.fct_order_delivery) "
            "from marts.kpi_daily"
        ).fetchone()
        (run_id,) = con.execute(
            "select run_id from meta.publish_log order by published_at desc limit 1"
        ).fetchone()
    return f"{target} {orders} {run_id}"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("template") / "warehouse.duckdb")


@pytest.fixture
def setup(template: Path, tmp_path: Path) -> tuple[Path, Path]:
    warehouse = Path(shutil.copyfile(template, tmp_path / "warehouse.duckdb"))
    published = tmp_path / "published" / "perfchain.duckdb"
    _publish(warehouse, published, "old")
    return warehouse, published


@pytest.mark.parametrize(
    "step",
    ["start", "copied:fct_order_delivery", "written", "closed", "synced", "linked", "replaced"],
)
def test_sigkill_at_any_step_leaves_a_valid_published_file(
    setup: tuple[Path, Path], step: str
) -> None:
    warehouse, published = setup
    worker = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "tests/publish/publish_worker.py"),
            str(warehouse),
            str(published),
            "new",
            step,
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == f"at {step}"
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()

    seen = _read(published)
    if step == "replaced":
        assert seen == "0.5 72 new"
    else:
        assert seen == "0.95 72 old"
    # The next publish clears what the killed one left behind and succeeds.
    _publish(warehouse, published, "after")
    assert _read(published).endswith("after")
    assert not list(published.parent.glob(".*.tmp*"))


def test_reader_holding_old_file_keeps_reading_during_publish(
    setup: tuple[Path, Path],
) -> None:
    warehouse, published = setup
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent("""
            import duckdb, sys
            con = duckdb.connect(sys.argv[1], read_only=True)
            query = "select count(*), max(target)::double from marts.kpi_daily"
            print(con.execute(query).fetchone(), flush=True)
            sys.stdin.readline()  # the test publishes meanwhile
            print(con.execute(query).fetchone(), flush=True)
        """),
            str(published),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert reader.stdin is not None and reader.stdout is not None
    assert reader.stdout.readline().strip() == "(36, 0.95)"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.kpi_daily set target = 0.5")
    _publish(warehouse, published, "new")  # must not wait for the reader
    reader.stdin.write("\n")
    reader.stdin.flush()
    assert reader.stdout.readline().strip() == "(36, 0.95)"  # old inode, still whole
    assert reader.wait(timeout=30) == 0
    assert _read(published) == "0.5 72 new"


def test_rollback_restores_previous_file_and_logs_it(setup: tuple[Path, Path]) -> None:
    warehouse, published = setup
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.kpi_daily set target = 0.5")
    _publish(warehouse, published, "new")
    assert _read(published) == "0.5 72 new"

    restored = rollback(published, logs_dir=published.parent / "logs")

    assert "-old.duckdb" in restored.name
    log = read_publish_log(published)
    assert [(entry["run_id"], entry["action"]) for entry in log][:2] == [
        ("old", "publish"),
        ("new", "publish"),
    ]
    assert log[-1]["action"] == "rollback" and log[-1]["file_name"] == restored.name
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select max(target)::double from marts.kpi_daily").fetchone()[0] == 0.95


def test_history_keeps_the_last_n_files(setup: tuple[Path, Path]) -> None:
    warehouse, published = setup
    for number in range(3):
        with duckdb.connect(str(warehouse)) as con:
            gate = GateResult(f"run{number}", DAY, [])
            publish(con, published, run_id=f"run{number}", data_through=DAY, gate=gate, keep=2)
    history = sorted(path.name for path in (published.parent / "history").iterdir())
    assert len(history) == 2 and history[-1].endswith("-run2.duckdb")


def test_published_file_opens_read_only_through_sqlalchemy(setup: tuple[Path, Path]) -> None:
    _, published = setup
    engine = sqlalchemy.create_engine(f"duckdb:///{published}", connect_args={"read_only": True})
    with engine.connect() as connection:
        count = connection.execute(sqlalchemy.text("select count(*) from marts.kpi_daily"))
        assert count.scalar_one() == 36
        names = sqlalchemy.inspect(connection).get_table_names(schema="marts")
        assert "fct_order_delivery" in names
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
            connection.execute(sqlalchemy.text("delete from marts.kpi_daily"))
    engine.dispose()
    # The URL form a BI tool's connection dialog takes.
    by_url = sqlalchemy.create_engine(f"duckdb:///{published}?access_mode=read_only")
    with by_url.connect() as connection, pytest.raises(sqlalchemy.exc.DBAPIError):
        connection.execute(sqlalchemy.text("delete from marts.kpi_daily"))
    by_url.dispose()
    comment = (
        duckdb.connect(str(published), read_only=True)
        .execute(
            "select comment from duckdb_columns() "
            "where table_name = 'fct_oee_shift' and column_name = 'oee'"
        )
        .fetchone()[0]
    )
    assert comment.startswith("OEE (SPEC 5.4, ISO 22400-2) = availability x performance x quality.")
