"""Freshness and source coverage judged against the plant calendar (SPEC 7), night by night
on the hand-made warehouse, and volume checks that keep quiet at low volume.

The hand-made plant (tests/quality/warehouse.py) schedules team T01 every day; MES brings
8 hourly counts a day, every other source 2 rows a day. So MES is the one source owed rows
on a working day (at least 5 rows on each of the last same weekdays), and a quiet day of
the 2-row sources is no outage.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from expectations.gate import _parameters, run_gate
from expectations.publish import GateBlocked, publish
from expectations.registry import SUITES
from expectations.results import CheckResult, GateResult
from expectations.suite import GateInputs
from perfchain.core.published import read_publish_log
from tests.quality.warehouse import DAY, SUNDAY, build_warehouse

pytestmark = pytest.mark.slow  # runs the quality gate day after day

SATURDAY = SUNDAY - timedelta(days=1)


def _gate(con: duckdb.DuckDBPyConnection, day: date, home: Path, **kwargs: object) -> GateResult:
    return run_gate(
        con,
        day,
        run_id=f"night-{day}",
        out_dir=home / "quality" / str(day),
        published_path=home / "published" / "perfchain.duckdb",
        docs=False,
        **kwargs,  # type: ignore[arg-type]
    )


def _check(gate: GateResult, name: str) -> CheckResult:
    return next(c for s in gate.suites for c in s.checks if f"{c.suite}.{c.name}" == name)


def _frame(con: duckdb.DuckDBPyConnection, mart: str, check: str, day: date) -> list[tuple]:
    """The rows a check's query gives for the run of `day`."""
    suite = SUITES[mart]
    sql = suite.frame_sql(next(c for c in suite.checks if c.name == check))
    return con.execute(sql, _parameters(sql, GateInputs(day, "probe"))).fetchall()


def test_a_sunday_without_shifts_publishes_and_a_silent_source_on_monday_blocks(
    tmp_path: Path,
) -> None:
    published = tmp_path / "published" / "perfchain.duckdb"
    nights = [
        (SATURDAY, ()),
        (SUNDAY, ("sunday_without_shifts",)),
        (DAY, ("sunday_without_shifts", "source_missing_for_day")),
    ]
    gates = {}
    for day, situations in nights:
        warehouse = build_warehouse(tmp_path / f"warehouse-{day}.duckdb", situations, day)
        with duckdb.connect(str(warehouse)) as con:
            gates[day] = gate = _gate(con, day, tmp_path)
            if day == SUNDAY:
                # Nothing on the Sunday: the marts are judged against Saturday, the last
                # working day of the calendar, and they hold it.
                for mart, check in [
                    ("fct_oee_shift", "fresh_through_last_working_day"),
                    ("fct_team_quality_hourly", "fresh_through_last_working_day"),
                    ("kpi_daily", "fresh_through_last_working_day"),
                ]:
                    assert _frame(con, mart, check, day) == [(SATURDAY, SATURDAY, 0)], mart
                # The old rule (rows on 3 of the 4 Sundays before) would want MES today.
                assert _frame(con, "kpi_daily", "every_source_present_for_the_day", day) == []
            if gate.passed:
                publish(con, published, run_id=f"night-{day}", data_through=day, gate=gate)
            else:
                with pytest.raises(GateBlocked):
                    publish(con, published, run_id=f"night-{day}", data_through=day, gate=gate)

    assert gates[SATURDAY].passed, gates[SATURDAY].summary
    assert gates[SUNDAY].passed, gates[SUNDAY].summary
    assert [entry["data_through"] for entry in read_publish_log(published)] == [SATURDAY, SUNDAY]

    # Monday is a working day: MES brought 8 rows on each of the 4 Mondays before (02-02,
    # 02-09, 02-16, 02-23) and none today, so the night is blocked and names the source.
    monday = gates[DAY]
    blocked = {f"{c.suite}.{c.name}" for c in monday.blocking_failures}
    assert blocked == {"kpi_daily.every_source_present_for_the_day"}
    failing = _check(monday, "kpi_daily.every_source_present_for_the_day")
    assert failing.sample_rows == [
        {
            "source_entity": "mes.production_counts",
            "missing_date": "2026-03-02 00:00:00",
            "same_weekdays_with_rows": "4",
            "fewest_rows": "8",
        }
    ]


def test_a_line_stopped_for_maintenance_all_day_publishes(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb", ("maintenance_all_day",))
    with duckdb.connect(str(warehouse)) as con:
        gate = _gate(con, DAY, tmp_path)
        # Every machine shift of the day is a planned stop: the calendar's last working
        # day is the Sunday before, which the marts hold (and they hold DAY too).
        assert _frame(con, "fct_oee_shift", "fresh_through_last_working_day", DAY) == [
            (DAY, SUNDAY, -1)
        ]
    assert gate.passed, gate.summary


def test_marts_behind_the_last_working_day_block(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb", ("oee_behind",))
    with duckdb.connect(str(warehouse)) as con:
        gate = _gate(con, DAY, tmp_path)
    blocked = {f"{c.suite}.{c.name}" for c in gate.blocking_failures}
    assert blocked == {"fct_oee_shift.fresh_through_last_working_day"}
    failing = _check(gate, "fct_oee_shift.fresh_through_last_working_day")
    assert failing.sample_rows == [
        {
            "newest_date": "2026-03-01 00:00:00",
            "expected_date": "2026-03-02 00:00:00",
            "days_behind": "1",
        }
    ]


def test_a_quiet_day_of_low_volume_sources_does_not_block(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb", ("quiet_day",))
    with duckdb.connect(str(warehouse)) as con:
        # WMS shipments and OA logs had rows on every Monday before, 2 a day: below the
        # floor of 5, so a Monday without them is not an outage.
        assert _frame(con, "kpi_daily", "every_source_present_for_the_day", DAY) == []
        gate = _gate(con, DAY, tmp_path)
    assert gate.passed, gate.summary


def test_volume_checks_need_a_real_change_at_low_volume(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    history = {
        # 3 customers on average, 1 today: a drop of 2 rows, under the floor of 20.
        "dim_customer": [3] * 7,
        # 17 KPI rows on average, 36 today: more than twice, but 19 more, under 20.
        "kpi_daily": [17] * 7,
        # 150 orders on average, 72 today: under half (75) and 78 fewer: a broken build.
        "fct_order_delivery": [150] * 7,
        # 10 signals on average, 36 today: over twice (20) and 26 more: a surge.
        "fct_signal_response": [10] * 7,
    }
    with duckdb.connect(str(warehouse)) as con:
        gate = _gate(con, DAY, tmp_path, history=history)
    status = {
        name: _check(gate, name).status
        for name in [
            "dim_customer.volume_vs_trailing_average_drop",
            "kpi_daily.volume_vs_trailing_average_surge",
            "fct_order_delivery.volume_vs_trailing_average_drop",
            "fct_signal_response.volume_vs_trailing_average_surge",
        ]
    }
    assert status == {
        "dim_customer.volume_vs_trailing_average_drop": "passed",
        "kpi_daily.volume_vs_trailing_average_surge": "passed",
        "fct_order_delivery.volume_vs_trailing_average_drop": "failed",
        "fct_signal_response.volume_vs_trailing_average_surge": "failed",
    }
    assert {f"{c.suite}.{c.name}" for c in gate.blocking_failures} == {
        "fct_order_delivery.volume_vs_trailing_average_drop"
    }


def test_signals_are_judged_by_when_their_source_was_read_not_by_the_newest_signal(
    tmp_path: Path,
) -> None:
    name = "fct_signal_response.signal_sources_read_through_run_date"
    quiet = build_warehouse(tmp_path / "quiet.duckdb", ("week_without_signals",))
    with duckdb.connect(str(quiet)) as con:
        newest = con.execute(
            "select max(cast(timezone('Asia/Shanghai', signal_at) as date)) "
            "from marts.fct_signal_response"
        ).fetchone()[0]
        gate = _gate(con, DAY, tmp_path / "quiet")
    # The newest signal is a week old, CRM was read at 02:00 the next night: all is known.
    assert newest == DAY - timedelta(days=7)
    assert _check(gate, name).status == "passed"
    assert gate.passed and gate.warnings == [], gate.summary

    late = build_warehouse(tmp_path / "late.duckdb", ("crm_read_before_day_ended",))
    with duckdb.connect(str(late)) as con:
        gate = _gate(con, DAY, tmp_path / "late")
    # Read at 18:00 on the run's day: 6 hours before the plant day ended. A warning only.
    assert gate.passed, gate.summary
    assert [f"{c.suite}.{c.name}" for c in gate.warnings] == [name]
    assert _check(gate, name).sample_rows == [
        {"extracted_through_at": "2026-03-02 10:00:00+00:00", "hours_short": "6"}
    ]
