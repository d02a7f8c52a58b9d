"""The signals micro-batch beside the nightly run (SPEC §8): a batch during the day reads
through its moment and moves nothing the nightly run owns, and the nightly run after a
day of batches publishes the same marts as a night without them.

From the session's good night (2026-01-20) copied twice: home A runs a micro-batch at
2026-01-21 10:00 plant time and then the night of 01-21; home B runs the night of 01-21
alone. Their published KPI and fact marts must be equal row for row.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from perfchain.core.settings import Settings, load_settings
from perfchain.core.writer import warehouse_writer
from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import run_pipeline, run_signals
from simulator.server import SimulatorServer
from tests.conftest import GOOD_NIGHT, GoodNight

PLANT = ZoneInfo("Asia/Shanghai")
NEXT_NIGHT = GOOD_NIGHT + timedelta(days=1)
BATCH_AT = datetime(NEXT_NIGHT.year, NEXT_NIGHT.month, NEXT_NIGHT.day, 10, 0, tzinfo=PLANT)
# What the nightly run publishes as of its day and a batch must not change.
COMPARED = ("kpi_daily", "kpi_period", "fct_oee_shift", "fct_order_delivery", "order_360")


@pytest.fixture(scope="module")
def server(demo_data: Path) -> Iterator[SimulatorServer]:
    # Its own simulator (demo credentials), not the session's, so the as-of moment set here
    # moves under no other test.
    with SimulatorServer(demo_data, host="127.0.0.1", port=0) as running:
        yield running


def _settings(home: Path, server: SimulatorServer, demo_data: Path) -> Settings:
    base = load_settings()
    urls = {name: server.url(name) for name in base.sources}
    return point_at_simulator(base, urls, demo_data / "excel")


def _home_from(good_night: GoodNight, home: Path) -> Path:
    shutil.copytree(good_night.home, home)
    # The copy's lock files belong to no one; the Dagster instance config is rewritten.
    return home


def _marts(published: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(published), read_only=True) as con:
        return {
            name: con.execute(f"select * from marts.{name} order by all").fetchall()
            for name in COMPARED
        }


@pytest.mark.slow
def test_a_batch_reads_through_its_moment_and_the_next_night_publishes_as_without_it(
    good_night: GoodNight,
    server: SimulatorServer,
    demo_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert good_night.exit_code == 0, good_night.output
    use_demo_credentials()
    monkeypatch.delenv("PERFCHAIN_CONFIG", raising=False)

    # Home A: a micro-batch at 10:00 on the day after the good night.
    home_a = _home_from(good_night, tmp_path / "a")
    monkeypatch.setenv("PERFCHAIN_HOME", str(home_a))
    settings_a = _settings(home_a, server, demo_data)
    server.set_as_of(BATCH_AT)
    summary = run_signals(settings_a, BATCH_AT, show_progress=False)
    assert summary.skipped is None
    # Its dbt command ran on the process started on standby with the job (dbt_standby.py).
    assert summary.dbt_on_standby == [True]

    moment = BATCH_AT.astimezone(ZoneInfo("UTC"))
    day_end = datetime(NEXT_NIGHT.year, NEXT_NIGHT.month, NEXT_NIGHT.day, tzinfo=PLANT)
    with duckdb.connect(str(settings_a.warehouse_path), read_only=True) as con:
        horizon = con.execute(
            "select as_of_date, as_of_at, batches_through_at, data_through_at "
            "from intermediate.int_data_horizons_resolved"
        ).fetchone()
        # The machine states the batch landed: after the good night's day, up to 10:00.
        after_day = con.execute(
            "select count(*), max(state_started_at) from staging.stg_mes__machine_states "
            "where state_started_at >= ?",
            [day_end],
        ).fetchone()
    assert horizon is not None and after_day is not None
    as_of_date, as_of_at, batches_through_at, data_through_at = horizon
    # The KPIs stay as of the last night; the rules' "now" is the batch's moment.
    assert as_of_date == GOOD_NIGHT
    assert as_of_at == moment and batches_through_at == moment
    # The batch's events do not move the horizon of the night.
    assert data_through_at < day_end
    assert after_day[0] > 0 and day_end <= after_day[1] <= moment

    # A second batch while the nightly "runs" (holds the writer lock) is skipped, visibly.
    with warehouse_writer(settings_a.warehouse_path, "the nightly run as of test", wait=True):
        skipped = run_signals(settings_a, BATCH_AT + timedelta(minutes=15), show_progress=False)
    assert skipped.skipped is not None and "the nightly run as of test" in skipped.skipped

    server.set_as_of(NEXT_NIGHT)
    assert run_pipeline(settings_a, [NEXT_NIGHT], show_progress=False).dbt_on_standby == [True]
    with_batch = _marts(settings_a.published_path)

    # Home B: the same night without a batch.
    home_b = _home_from(good_night, tmp_path / "b")
    monkeypatch.setenv("PERFCHAIN_HOME", str(home_b))
    settings_b = _settings(home_b, server, demo_data)
    run_pipeline(settings_b, [NEXT_NIGHT], show_progress=False)
    without_batch = _marts(settings_b.published_path)

    assert {name: len(rows) for name, rows in with_batch.items()} == {
        name: len(rows) for name, rows in without_batch.items()
    }
    for name in COMPARED:
        assert with_batch[name] == without_batch[name], name
