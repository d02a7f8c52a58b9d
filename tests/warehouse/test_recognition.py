"""Recognition on the demo warehouse (SPEC 9.4-9.5, docs/recognition.md): the planted
training records give the 「设备语言翻译官」 badge to exactly the two maintainers who passed
the course, at plant midnight of the day they passed it; the badge ledger is append-only
and identical on a re-run and on a rebuild from scratch; the capability profile counts
the planted training as evidence."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from tests.warehouse.conftest import Warehouse, run_dbt

LEDGER = ("fct_badge_award", "fct_badge_evidence")


def _plant_midnight_utc(day: str) -> datetime:
    # Asia/Shanghai is UTC+8 all year: plant midnight of D is D-1 16:00 UTC.
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), UTC) - timedelta(hours=8)


def _ledger(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        return {
            table: con.execute(f"select * from marts.{table} order by all").fetchall()
            for table in LEDGER
        }
    finally:
        con.close()


def test_the_planted_course_gives_the_translator_badge(warehouse: Warehouse) -> None:
    planted = warehouse.planted["training"]
    assert planted["course_code"] == "MES-FAULT-101"
    with warehouse.connect() as con:
        rows = con.execute(
            """
            select employee_id, level, awarded_at, evidence_count, evidence
            from marts.fct_badge_award
            where badge_code = 'equipment_translator'
            order by employee_id
            """
        ).fetchall()
        evidence = con.execute(
            """
            select award.employee_id, evidence.evidence_type, evidence.evidence_ref
            from marts.fct_badge_evidence as evidence
            inner join marts.fct_badge_award as award using (badge_award_id)
            where award.badge_code = 'equipment_translator'
            order by 1
            """
        ).fetchall()
    expected = sorted(planted["completed"], key=lambda entry: entry["employee_no"])
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (entry["employee_no"], 1, _plant_midnight_utc(entry["completed_on"]), 1)
        for entry in expected
    ]
    assert all(r[4].startswith("MES-FAULT-101 MES故障代码解读 @ ") for r in rows)
    # Enrolled only: no badge.
    assert not {r[0] for r in rows} & set(planted["enrolled_only"])
    assert [(r[0], r[1]) for r in evidence] == [
        (entry["employee_no"], "training_record") for entry in expected
    ]


def test_the_training_is_capability_evidence(warehouse: Warehouse) -> None:
    planted = warehouse.planted["training"]
    with warehouse.connect() as con:
        rows = con.execute(
            """
            select employee_id, skill_name, evidence_count, level
            from marts.fct_capability_profile
            where skill_code = 'equipment_diagnosis' and employee_id in (?, ?)
            order by employee_id
            """,
            [entry["employee_no"] for entry in planted["completed"]],
        ).fetchall()
    # Nothing but the course in the 45-day factory's history for these two (R3's OA tasks
    # are created by a running perfchain, not in the dataset).
    assert rows == [
        (entry["employee_no"], "设备故障诊断", 1, 1)
        for entry in sorted(planted["completed"], key=lambda e: e["employee_no"])
    ]


def test_the_badge_ledger_is_identical_on_rerun_and_rebuild(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse.path, copy)
    before = _ledger(copy)
    assert before["fct_badge_award"], "the demo earns at least one badge"

    rerun = run_dbt(copy, tmp_path, "run", "--select", *LEDGER)
    assert rerun.returncode == 0, rerun.output[-2000:]
    assert _ledger(copy) == before  # appended nothing, changed nothing

    # An award already in the ledger stays, even when the data would no longer earn it
    # (append-only: never deleted).
    con = duckdb.connect(str(copy))
    con.execute(
        "insert into marts.fct_badge_award values ('kept', 'E999', 'lean_pioneer', "
        "'精益先锋', 'Lean pioneer', 1, timestamptz '2026-01-02 00:00:00+00', 0, '')"
    )
    con.close()
    again = run_dbt(copy, tmp_path, "run", "--select", *LEDGER)
    assert again.returncode == 0, again.output[-2000:]
    kept = _ledger(copy)
    assert len(kept["fct_badge_award"]) == len(before["fct_badge_award"]) + 1

    rebuilt = run_dbt(copy, tmp_path, "run", "--full-refresh", "--select", *LEDGER)
    assert rebuilt.returncode == 0, rebuilt.output[-2000:]
    assert _ledger(copy) == before  # from scratch: the same rows, byte for byte


def test_the_planted_oee_streaks_give_exactly_the_planted_lean_pioneer_awards(
    warehouse: Warehouse,
) -> None:
    """「精益先锋」 on a stretch team OEE target (docs/planted.md, "Recognition"): the planted
    crew's members get it at the end of the third planted week's last shift, with the three
    weeks as evidence; the crew one shift short in its third week gets nothing, and no
    other crew earns it by chance."""
    planted = warehouse.planted["badge_streaks"]
    pioneer, short = planted["lean_pioneer"], planted["one_shift_short"]
    awarded_at = datetime.fromisoformat(pioneer["awarded_at"]).astimezone(UTC)
    with warehouse.connect() as con:
        awards = con.execute(
            "select employee_id, level, awarded_at, evidence_count from marts.fct_badge_award "
            "where badge_code = 'lean_pioneer' order by employee_id"
        ).fetchall()
        evidence = con.execute(
            """
            select distinct evidence.evidence_ref, evidence.evidence_text
            from marts.fct_badge_evidence as evidence
            inner join marts.fct_badge_award as award using (badge_award_id)
            where award.badge_code = 'lean_pioneer' order by 1
            """
        ).fetchall()
        weeks = con.execute(
            """
            select team_id, cast(week_start as varchar), shift_count, shifts_on_target,
                is_week_met, streak_length
            from intermediate.int_team_oee_weeks_streaked
            where team_id in (?, ?) and cast(week_start as varchar) in (?, ?, ?)
            order by 1, 2
            """,
            [pioneer["team"], short["team"], *pioneer["weeks"]],
        ).fetchall()
        # The crew at that moment, from the HR history (transfers in and out, new hires).
        members = [
            row[0]
            for row in con.execute(
                """
                select employee_id from intermediate.int_employee_teams_historized
                where team_id = ? and (valid_from_at is null or valid_from_at <= ?)
                    and (valid_to_at is null or valid_to_at > ?)
                order by employee_id
                """,
                [pioneer["team"], awarded_at, awarded_at],
            ).fetchall()
        ]
    assert len(members) > 100  # the assembly crew
    assert awards == [(employee, 1, awarded_at, 3) for employee in members]
    assert [ref for ref, _ in evidence] == [
        f"{pioneer['team']}@{week}" for week in pioneer["weeks"]
    ]
    n = short["shifts_in_third_week"]
    by_team = {(team, week): row for team, week, *row in weeks}
    for week in pioneer["weeks"]:
        shifts = by_team[(pioneer["team"], week)][0]
        assert by_team[(pioneer["team"], week)][1] == shifts  # every shift on target
    assert [by_team[(short["team"], week)][3] for week in short["weeks"]] == [1, 2, 0]
    assert by_team[(short["team"], short["weeks"][2])][:3] == [n, n - 1, False]
