"""The dashboard's queries on a small published file built by hand: every number below is
computed in the comments from the rows inserted, not read back from the code."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dashboard import data

DAY = date(2026, 3, 2)
NEXT = date(2026, 3, 3)


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "published.duckdb"
    with duckdb.connect(str(path)) as db:
        db.execute("create schema marts; create schema meta")
        db.execute(
            """
            create table marts.dim_team as select * from (values
                ('T1', 'Team one', 'D1', 'L1'),
                ('T2', 'Team two', 'D1', 'L2'),
                ('T3', 'Team three', 'D2', 'L3')
            ) as t(team_id, team_name, department_id, line_id)
            """
        )
        # Team hours: (id, team, line, date, hour, first_inspected, first_passed, reworked,
        # produced).
        db.execute(
            """
            create table marts.fct_team_quality_hourly as
            select team_hour_id, team_id, line_id, hour_date, hour_of_day,
                produced_qty, produced_qty - reworked_qty as good_qty,
                first_inspected_qty, first_passed_qty, reworked_qty,
                60.0 as planned_production_minutes, 0.0 as unplanned_downtime_minutes,
                1.0 as standard_hours_earned, 2.0 as attended_hours
            from (values
                ('h1', 'T1', 'L1', date '2026-03-02', 8, 100, 96, 2, 110),
                ('h2', 'T1', 'L1', date '2026-03-02', 9, 50, 45, 1, 60),
                ('h3', 'T2', 'L2', date '2026-03-02', 8, 40, 40, 0, 40),
                ('h4', 'T3', 'L3', date '2026-03-02', 8, 30, 20, 5, 30),
                ('h5', 'T1', 'L1', date '2026-03-03', 8, 80, 80, 0, 80)
            ) as t(team_hour_id, team_id, line_id, hour_date, hour_of_day,
                first_inspected_qty, first_passed_qty, reworked_qty, produced_qty)
            """
        )
        # Machine shifts: planned busy, run, ideal minutes, produced, good.
        db.execute(
            """
            create table marts.fct_oee_shift as select * from (values
                ('s1', 'M1', 'L1', 'T1', date '2026-03-02', 'A', 480.0, 400.0, 300.0, 100, 90,
                    0.8333, 0.75, 0.9, 0.5625),
                ('s2', 'M2', 'L1', 'T1', date '2026-03-02', 'B', 480.0, 480.0, 360.0, 200, 200,
                    1.0, 0.75, 1.0, 0.75),
                ('s3', 'M3', 'L3', 'T3', date '2026-03-02', 'A', 100.0, 50.0, 50.0, 10, 5,
                    0.5, 1.0, 0.5, 0.25)
            ) as t(machine_shift_id, machine_id, line_id, team_id, shift_date, shift_code,
                planned_busy_minutes, run_minutes, ideal_minutes, produced_qty, good_qty,
                availability, performance, quality, oee)
            """
        )
        db.execute(
            """
            create table marts.kpi_daily as select * from (values
                (date '2026-03-02', 'department', 'D1', 'first_pass_yield', 181.0, 190.0, 'red'),
                (date '2026-03-02', 'line', 'L1', 'oee', 579.0, 960.0, 'yellow')
            ) as t(kpi_date, scope_type, scope_id, kpi_code, numerator, denominator, status)
            """
        )
        db.execute(
            """
            alter table marts.kpi_daily add column value double;
            update marts.kpi_daily set value = numerator / denominator;
            alter table marts.kpi_daily add column source_model varchar;
            update marts.kpi_daily set source_model = case kpi_code when 'oee'
                then 'fct_oee_shift' else 'fct_team_quality_hourly' end;
            """
        )
        for column in (
            "kpi_name",
            "kpi_name_en",
            "unit",
            "direction",
            "target_source",
            "kpi_daily_id",
        ):
            db.execute(f"alter table marts.kpi_daily add column {column} varchar")
        for column in ("target", "yellow_threshold", "red_threshold"):
            db.execute(f"alter table marts.kpi_daily add column {column} double")
        db.execute(
            """
            create table marts.kpi_period as select * from (values
                ('week', date '2026-03-02', date '2026-03-03', 'team', 'T1', 'rework_rate',
                    3.0, 250.0, 0.012, 'green', 'fct_team_quality_hourly')
            ) as t(period_type, period_start, period_end, scope_type, scope_id, kpi_code,
                numerator, denominator, value, status, source_model)
            """
        )
        checks = [
            {
                "suite": "dim_date",
                "check": "key_unique",
                "severity": "blocking",
                "status": "passed",
            },
            {
                "suite": "fct_oee_shift",
                "check": "performance_in_range",
                "severity": "warning",
                "status": "failed",
                "reason": "a wrong ideal cycle time",
                "observed": "1 of 3",
                "error": None,
                "rows": [{"machine_id": "M9", "performance": "1.31"}],
            },
        ]
        db.execute(
            """
            create table meta.publish_log (run_id varchar, action varchar,
                published_at timestamptz, data_through date, checks_passed integer,
                checks_failed integer, checks json, row_counts json, file_name varchar)
            """
        )
        db.execute(
            "insert into meta.publish_log values ('r1', 'publish', timestamptz "
            "'2026-03-03 01:00:00+00', date '2026-03-02', 1, 1, ?, ?, 'f.duckdb')",
            [json.dumps(checks), json.dumps({"kpi_daily": 2})],
        )
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


def test_a_department_cell_drills_down_to_its_teams_hours(con) -> None:  # type: ignore[no-untyped-def]
    drill = data.drilldown(con, "first_pass_yield", "department", "D1", DAY, DAY)
    assert drill.source_model == "fct_team_quality_hourly"
    assert list(drill.kpi_rows["numerator"]) == [181.0]
    (source,) = drill.sources
    # D1 = T1 and T2; the day's hours h1, h2 (T1) and h3 (T2): not T3's h4, not h5 (next day).
    assert list(source.rows["team_hour_id"]) == ["h1", "h2", "h3"]
    assert source.numerator == 96 + 45 + 40  # 181 first passed
    assert source.denominator == 100 + 50 + 40  # 190 first inspected


def test_team_and_plant_cells_select_their_own_rows(con) -> None:  # type: ignore[no-untyped-def]
    team = data.drilldown(con, "rework_rate", "team", "T1", DAY, NEXT, "week")
    # A week cell: its kpi_period row, no kpi_daily row needed to follow the source model.
    assert team.period_row is not None and team.period_row["numerator"] == 3.0
    (source,) = team.sources
    assert list(source.rows["team_hour_id"]) == ["h1", "h2", "h5"]
    assert (source.numerator, source.denominator) == (2 + 1 + 0, 110 + 60 + 80)
    plant = data.drilldown(con, "rework_rate", "plant", "P01", DAY, DAY)
    assert plant.sources == []  # no kpi_daily row, so no source model to follow
    assert plant.kpi_rows.empty


def test_an_oee_cell_recomputes_productive_time_from_the_shifts(con) -> None:  # type: ignore[no-untyped-def]
    drill = data.drilldown(con, "oee", "line", "L1", DAY, DAY)
    (source,) = drill.sources
    assert list(source.rows["machine_shift_id"]) == ["s1", "s2"]
    # ideal 300 + 360 = 660 minutes × good 290 ÷ produced 300 = 638 productive minutes over
    # planned busy 480 + 480 = 960 (not the mean of the shifts' OEE).
    assert source.numerator == pytest.approx(638.0)
    assert source.denominator == 960.0


def test_the_oee_waterfall_by_line_and_shift(con) -> None:  # type: ignore[no-untyped-def]
    line = data.oee_losses(con, DAY, DAY, "L1")
    # busy 960; run 880 → availability loss 80; ideal 660 → performance loss 220;
    # productive 300×90/100 + 360×200/200 = 270 + 360 = 630 → quality loss 30.
    assert line["planned_busy"] == 960
    assert line["availability_loss"] == 80
    assert line["performance_loss"] == 220
    assert line["quality_loss"] == pytest.approx(30)
    assert line["productive"] == pytest.approx(630)
    assert line["oee"] == pytest.approx(630 / 960)
    shift_a = data.oee_losses(con, DAY, DAY, "L1", "A")
    assert (shift_a["planned_busy"], shift_a["productive"], shift_a["shifts"]) == (480, 270, 1)
    nothing = data.oee_losses(con, NEXT, NEXT)
    assert nothing["shifts"] == 0 and math.isnan(nothing["oee"])
    assert data.lines_and_shifts(con) == (["L1", "L3"], ["A", "B"])


def test_the_gate_runs_keep_failing_checks_and_their_sample_rows(con) -> None:  # type: ignore[no-untyped-def]
    (run,) = data.gate_runs(con)
    assert (run.run_id, run.data_through, run.checks_passed, run.checks_failed) == (
        "r1",
        DAY,
        1,
        1,
    )
    (failing,) = run.failing
    assert failing["check"] == "performance_in_range"
    assert failing["rows"] == [{"machine_id": "M9", "performance": "1.31"}]
    assert run.row_counts == {"kpi_daily": 2}
    assert data.publish_info(con).data_through == DAY


def test_goal_pages_say_goals_are_not_configured_without_their_marts(con) -> None:  # type: ignore[no-untyped-def]
    assert not data.goals_configured(con)
    assert data.employees_with_scores(con) == []
    assert data.person_card(con, "E001") is None


def test_the_file_identity_changes_when_a_publish_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "p.duckdb"
    path.write_bytes(b"one")
    before = data.file_identity(path)
    replacement = tmp_path / ".p-new.tmp"
    replacement.write_bytes(b"two!")
    replacement.replace(path)
    assert data.file_identity(path) != before


def test_a_missing_browser_fails_saying_how_to_install_it(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.dashboard import browser

    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "chromium")
    monkeypatch.setattr(browser, "CHROMEDRIVER", tmp_path / "chromedriver")
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    with pytest.raises(AssertionError, match="apt-get install -y chromium chromium-driver"):
        browser.executables()


def test_a_page_load_after_a_publish_reads_the_new_file_while_an_older_one_is_open(
    tmp_path: Path,
) -> None:
    """duckdb.connect would hand the second load the replaced file's database (one per path
    while a connection is open); open_latest opens the file now on the path."""
    path = tmp_path / "perfchain.duckdb"
    for name, through in (("perfchain.duckdb", DAY), (".perfchain-new.tmp", NEXT)):
        with duckdb.connect(str(tmp_path / name)) as db:
            db.execute("create schema marts")
            db.execute("create table marts.kpi_daily as select ?::date as kpi_date", [through])
    with data.open_latest(path) as first:
        assert data.publish_info(first).data_through == DAY
        (tmp_path / ".perfchain-new.tmp").replace(path)  # the publisher's os.replace
        with data.open_latest(path) as second:
            assert data.publish_info(second).data_through == NEXT
        assert data.publish_info(first).data_through == DAY  # the open load is unharmed
