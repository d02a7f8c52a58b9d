"""MTConnect gaps night by night: OEE stays honest and the next night is green unaided.

The demo plant's machine states reach the warehouse through the MES extractor and the
simulated agent (pages of 100 states), the other sources from their files; dbt and the
fct_oee_shift suite run after each night, as the nightly job does:

* night 1 (01-28): a normal read of everything so far;
* night 2 (01-29): the agent restarted between the nights, so of 01-29 it still has each
  machine's latest state only (the finding: "32 machine states instead of ≈ 266");
* night 3 (01-30): the agent restarts in the middle of the read, after the night's first
  page of 100 states;
* night 4 (01-31): a normal night, which must build and pass the gate with no manual step
  and equal a full refresh.

The expected OEE components are computed here from the states in the dataset file and
the gap rules of docs/sources/mes.md: a machine whose first state after the gap is later
than the last instant read is unknown from that instant to that state; every plant hour
touched by unknown time is left out of the shift whole.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from expectations.fct_oee_shift import SUITE
from expectations.gate import run_gate
from expectations.results import GateResult
from extractors.contract import ENTITIES, entity
from extractors.landing.raw import raw_table
from tests.extractors.support import FAST, TZ, extract
from tests.warehouse.conftest import DbtRun, land_targets_workbook, load_raw, run_dbt

pytestmark = pytest.mark.slow  # runs dbt night after night

NIGHTS = [date(2026, 1, 28), date(2026, 1, 29), date(2026, 1, 30), date(2026, 1, 31)]
PAGE = 100  # states per /sample page
HOUR = timedelta(hours=1)


@dataclass
class Nights:
    db: Path
    work: Path
    builds: dict[date, DbtRun]
    gates: dict[date, GateResult]
    states: list[tuple[str, datetime, str]]  # (uuid, UTC instant, state) in agent order

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(self.db), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con


def _modstamp(other: Any) -> str:
    column = f'"{other.modstamp}"'
    if other.field(other.modstamp).type == "ts_local":
        return f"timezone('{TZ}', {column})"
    return column


def _file_states(data_dir: Path) -> list[tuple[str, datetime, str]]:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    rows = con.execute(
        """
        select mtconnect_uuid, cast("timestamp" as timestamptz) as state_at, state
        from read_csv(?, header = true, all_varchar = true)
        order by state_at, mtconnect_uuid
        """,
        [str(data_dir / "mes" / "machine_states.csv")],
    ).fetchall()
    return [(uuid, at.astimezone(UTC), state) for uuid, at, state in rows]


def _build(db: Path, work: Path, night: date) -> DbtRun:
    run = run_dbt(
        db,
        work,
        "build",
        "--select",
        "+int_oee_kpis_computed",  # fct_oee_shift, its inputs, and the OEE KPIs on it
        "--indirect-selection",
        "cautious",  # the tests of these models, not those that also need others
        "--vars",
        f"{{as_of_date: '{night}'}}",
    )
    failed = [r for r in run.results if r["status"] not in ("success", "pass")]
    assert run.returncode == 0 and not failed, (
        f"night {night}: "
        + "; ".join(f"{r['unique_id']}: {r['status']} {r.get('message')}" for r in failed)
        + run.output[-3000:]
    )
    return run


@pytest.fixture(scope="module")
def nights(
    _simulator_session: Any, demo_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    from simulator.clients import demo_client

    server = _simulator_session
    server.reset()
    work = tmp_path_factory.mktemp("mes_gaps")
    db = work / "gaps.duckdb"
    load_raw(db, demo_data)
    land_targets_workbook(db, demo_data / "excel")
    con = duckdb.connect(str(db))
    con.execute("delete from raw.mes__machine_states")  # they come from the agent instead
    # Every other source's records arrive night by night too, as extraction batches.
    con.execute("create schema held_back")
    for other in ENTITIES:
        table, held = raw_table(other), f"held_back.{other.source}__{other.name}"
        con.execute(
            f"create table {held} as select * from {table} "
            f"where {_modstamp(other)} >= '{_local(NIGHTS[0] + timedelta(1))}'"
        )
        con.execute(
            f"delete from {table} where {_modstamp(other)} >= '{_local(NIGHTS[0] + timedelta(1))}'"
        )
    con.close()
    client = demo_client(
        "mes", server.url("mes"), policy=FAST, plant_tz=TZ, options={"sample_count": PAGE}
    )
    target = entity("mes", "machine_states")
    faults = {NIGHTS[1]: "mes:agent_restart@1", NIGHTS[2]: "mes:agent_restart@2"}
    builds: dict[date, DbtRun] = {}
    gates: dict[date, GateResult] = {}
    try:
        for night in NIGHTS:
            server.set_as_of(night)
            if night in faults:
                server.faults.add(faults[night])
            con = duckdb.connect(str(db))
            extract(client, target, con, work / "landing", night)
            night_end = _local(night + timedelta(1))
            for other in ENTITIES:
                table, held = raw_table(other), f"held_back.{other.source}__{other.name}"
                arriving = f"{_modstamp(other)} < '{night_end}'"
                con.execute(
                    f"insert into {table} select * replace ('night-{night}' as _batch_id) "
                    f"from {held} where {arriving}"
                )
                con.execute(f"delete from {held} where {arriving}")
            con.close()
            server.faults.clear()
            builds[night] = _build(db, work / f"dbt_{night}", night)
            con = duckdb.connect(str(db), read_only=True)
            gates[night] = run_gate(
                con,
                night,
                run_id=f"gaps-{night}",
                out_dir=work / f"gate_{night}",
                history={},
                suites=[SUITE],
                docs=False,
            )
            con.close()
    finally:
        server.reset()
    return Nights(db, work, builds, gates, _file_states(demo_data))


# --- the expectation, from the file's states and the gap rules ------------------------


def _local(day: date) -> datetime:
    """The start of a plant-local day, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(TZ)).astimezone(UTC)


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _ceil_hour(moment: datetime) -> datetime:
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + HOUR


def _expected_shift(
    con: duckdb.DuckDBPyConnection,
    machine_id: str,
    shift: tuple[date, str],
    timeline: list[tuple[datetime, str]],
    horizon: datetime,
) -> dict[str, float]:
    """Components of one machine-shift from its state timeline ('unavailable' = unknown):
    hours touched by unknown time are left out whole, with their production counts."""
    (window_start, window_end, shift_minutes) = con.execute(
        "select window_start_at, window_end_at, shift_minutes "
        "from intermediate.int_shift_windows_scheduled as windows "
        "inner join staging.stg_mes__equipment as equipment "
        "on windows.line_id = equipment.line_id "
        "where equipment.machine_id = ? and windows.shift_date = ? and windows.shift_code = ?",
        [machine_id, shift[0], shift[1]],
    ).fetchone()
    pieces: list[tuple[datetime, datetime, str]] = []
    for (start, state), (end, _) in zip(timeline, [*timeline[1:], (horizon, "")], strict=True):
        start, end = max(start, window_start), min(end, window_end, horizon)
        hour = _floor_hour(start)
        while hour < end:  # cut at plant hours
            piece_start, piece_end = max(start, hour), min(end, hour + HOUR)
            if piece_end > piece_start:
                pieces.append((piece_start, piece_end, state))
            hour += HOUR
    unknown_hours = {_floor_hour(start) for start, _, state in pieces if state == "unavailable"}

    def minutes(state: str) -> float:
        return sum(
            (end - start).total_seconds() / 60
            for start, end, piece_state in pieces
            if piece_state == state and _floor_hour(start) not in unknown_hours
        )

    unknown = sum(
        (end - start).total_seconds() / 60
        for start, end, _ in pieces
        if _floor_hour(start) in unknown_hours
    )
    produced, good, ideal = con.execute(
        "select coalesce(sum(counts.produced_qty), 0), coalesce(sum(counts.good_qty), 0), "
        "coalesce(sum(counts.produced_qty * routings.ideal_cycle_seconds), 0) / 60.0 "
        "from staging.stg_mes__production_counts as counts "
        "inner join staging.stg_mes__equipment as equipment "
        "on counts.machine_id = equipment.machine_id "
        "left join staging.stg_mes__routings as routings "
        "on counts.product_id = routings.product_id and equipment.line_id = routings.line_id "
        "where counts.machine_id = ? and counts.shift_code = ? "
        "and counts.hour_at >= ? and counts.hour_at < ? and not list_contains(?, counts.hour_at)",
        [machine_id, shift[1], window_start, window_end, sorted(unknown_hours)],
    ).fetchone()
    planned_busy = shift_minutes - unknown - minutes("planned_stop")
    run = planned_busy - minutes("unplanned_down")
    return {
        "unknown_minutes": unknown,
        "data_coverage": (shift_minutes - unknown) / shift_minutes,
        "planned_busy_minutes": planned_busy,
        "run_minutes": run,
        "produced_qty": float(produced),
        "good_qty": float(good),
        "ideal_minutes": float(ideal),
    }


def _published(con: duckdb.DuckDBPyConnection, machine_id: str, shift: tuple[date, str]) -> dict:
    names = [
        "unknown_minutes",
        "data_coverage",
        "planned_busy_minutes",
        "run_minutes",
        "produced_qty",
        "good_qty",
        "ideal_minutes",
        "unknown_from_at",
        "unknown_until_at",
        "availability",
    ]
    row = con.execute(
        f"select {', '.join(names)} from marts.fct_oee_shift "
        "where machine_id = ? and shift_date = ? and shift_code = ?",
        [machine_id, shift[0], shift[1]],
    ).fetchone()
    assert row is not None, (machine_id, shift)
    return dict(zip(names, row, strict=True))


def _assert_components(published: dict, expected: dict[str, float]) -> None:
    for name, value in expected.items():
        assert math.isclose(float(published[name]), value, abs_tol=1e-6), (name, published)


def _machines(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select mtconnect_uuid, machine_id from staging.stg_mes__equipment "
            "where mtconnect_uuid is not null"
        ).fetchall()
    )


def _day_shift(con: duckdb.DuckDBPyConnection, machine_id: str, day: date) -> tuple[date, str]:
    """The machine's line's shift that starts first on `day` (plant-local)."""
    (code,) = con.execute(
        "select windows.shift_code from intermediate.int_shift_windows_scheduled as windows "
        "inner join staging.stg_mes__equipment as equipment "
        "on windows.line_id = equipment.line_id "
        "where equipment.machine_id = ? and windows.shift_date = ? "
        "order by windows.window_start_at limit 1",
        [machine_id, day],
    ).fetchone()
    return day, code


def _timeline(states: list[tuple[str, datetime, str]], uuid: str) -> list[tuple[datetime, str]]:
    """What the four nights leave the warehouse of one machine, by the gap rules."""
    night_1_end, night_2_end, night_3_end, night_4_end = (_local(n + timedelta(1)) for n in NIGHTS)
    mine = [(at, state) for u, at, state in states if u == uuid]
    rows = [(at, state) for at, state in mine if at < night_1_end]
    # Night 2: the restarted agent has the machine's latest state of 01-29 only.
    day_2 = [(at, state) for at, state in mine if night_1_end <= at < night_2_end]
    if day_2 and day_2[-1][0] > night_1_end:
        rows += [(night_1_end, "unavailable"), day_2[-1]]
    # Night 3: one page of the night's states is read, then the agent restarts with each
    # machine's latest state of 01-30.
    night_3 = [(u, at, state) for u, at, state in states if night_2_end <= at < night_3_end]
    gap_start = night_3[PAGE - 1][1]
    rows += [(at, state) for u, at, state in night_3[:PAGE] if u == uuid]
    day_3 = [(at, state) for u, at, state in night_3 if u == uuid]
    if day_3 and day_3[-1][0] > gap_start:
        # The gap wins over a state read at its very instant (docs/sources/mes.md "Gaps").
        rows = [entry for entry in rows if entry[0] != gap_start]
        rows += [(gap_start, "unavailable"), day_3[-1]]
    elif day_3:
        rows.append(day_3[-1])
    # Night 4: read whole.
    rows += [(at, state) for at, state in mine if night_3_end <= at < night_4_end]
    return sorted(dict(rows).items())


# --- every machine-shift of the three nights, against the computed components ----------


def test_every_machine_shift_of_the_gap_nights_matches_the_gap_rules(nights: Nights) -> None:
    """Each machine and shift of 01-28 to 01-30: the components equal those computed from
    the file's states with the unknown windows the two restarts leave."""
    horizon = _local(NIGHTS[3] + timedelta(1))
    con = nights.connect()
    checked = partly = wholly = 0
    for uuid, machine_id in sorted(_machines(con).items()):
        timeline = _timeline(nights.states, uuid)
        if not timeline:
            continue
        for shift in con.execute(
            "select windows.shift_date, windows.shift_code "
            "from intermediate.int_shift_windows_scheduled as windows "
            "inner join staging.stg_mes__equipment as equipment "
            "on windows.line_id = equipment.line_id "
            "where equipment.machine_id = ? and windows.shift_date between ? and ? "
            "order by 1, 2",
            [machine_id, NIGHTS[0], NIGHTS[2]],
        ).fetchall():
            expected = _expected_shift(con, machine_id, shift, timeline, horizon)
            published = _published(con, machine_id, shift)
            _assert_components(published, expected)
            if expected["data_coverage"] == 0:
                wholly += 1
                assert published["availability"] is None  # not 0: nothing is known
            elif expected["unknown_minutes"] > 0:
                partly += 1
            checked += 1
    assert checked >= 100 and partly >= 10 and wholly >= 1


def test_the_unknown_window_is_named(nights: Nights) -> None:
    """unknown_from_at / unknown_until_at: the first and last unknown instant of the
    shift. Night 1 read through 01-28 24:00 local, so the 01-28 night shifts are unknown
    from exactly then; night 3's gap starts at the time of the 100th state it read."""
    con = nights.connect()
    night_1_end = _local(NIGHTS[1])
    night_3 = [row for row in nights.states if _local(NIGHTS[2]) <= row[1]]
    gap_3 = night_3[PAGE - 1][1]
    inside = {
        row[0]
        for row in con.execute(
            "select distinct unknown_from_at from marts.fct_oee_shift "
            "where unknown_from_at > window_start_at"
        ).fetchall()
    }
    assert night_1_end in inside and inside <= {night_1_end, gap_3}
    (from_gap_3,) = con.execute(
        "select count(*) from marts.fct_oee_shift where unknown_from_at = ?", [gap_3]
    ).fetchone()
    assert from_gap_3 > 0
    # A window never reaches past the shift, and always covers what it names.
    (outside,) = con.execute(
        "select count(*) from marts.fct_oee_shift where unknown_from_at < window_start_at "
        "or unknown_until_at > window_end_at or unknown_until_at <= unknown_from_at "
        "or (unknown_from_at is null) <> (unknown_minutes = 0)"
    ).fetchone()
    assert outside == 0


# --- the gate ---------------------------------------------------------------------------


def test_restart_nights_warn_naming_machine_and_window(nights: Nights) -> None:
    for night in NIGHTS[1:3]:
        gate = nights.gates[night]
        assert gate.passed  # a warning, not a block: the night publishes
        (warning,) = [check for check in gate.warnings if check.name == "machine_state_unknown"]
        assert warning.severity == "warning" and warning.sample_rows
        first = warning.sample_rows[0]
        assert {"machine_id", "shift_code", "unknown_from_at", "unknown_until_at"} <= set(first)
    # Night 2's earliest window: the 01-28 night shifts, from midnight, when night 1 stopped.
    first = nights.gates[NIGHTS[1]].checks
    (warning,) = [c for c in first if c.name == "machine_state_unknown"]
    assert str(warning.sample_rows[0]["unknown_from_at"]).startswith("2026-01-28 16:00:00")
    con = nights.connect()
    assert warning.sample_rows[0]["machine_id"] in set(_machines(con).values())
    assert not [c for c in nights.gates[NIGHTS[0]].warnings if c.name == "machine_state_unknown"]


def test_plant_oee_of_the_restart_day_is_computed_on_its_known_part(nights: Nights) -> None:
    """The plant's OEE rows of 01-29 no longer vanish: availability sums the known run and
    planned busy minutes of every machine-shift and divides once."""
    con = nights.connect()
    run, busy = con.execute(
        "select sum(run_minutes), sum(planned_busy_minutes) from marts.fct_oee_shift "
        "where shift_date = ?",
        [NIGHTS[1]],
    ).fetchone()
    assert busy > 0
    rows = dict(
        (code, (numerator, denominator))
        for code, numerator, denominator in con.execute(
            "select kpi_code, numerator, denominator from intermediate.int_oee_kpis_computed "
            "where kpi_date = ? and scope_type = 'plant'",
            [NIGHTS[1]],
        ).fetchall()
    )
    assert {"availability", "oee"} <= set(rows)
    numerator, denominator = rows["availability"]
    assert math.isclose(numerator, run, abs_tol=1e-5)
    assert math.isclose(denominator, busy, abs_tol=1e-5)


# --- night 4: a normal night after both ------------------------------------------------


def test_the_night_after_is_green_without_a_manual_step(nights: Nights) -> None:
    # Every night built with all its tests and constraints (the fixture asserts it) ...
    assert set(nights.builds) == set(NIGHTS)
    gate = nights.gates[NIGHTS[3]]
    assert gate.passed, [(c.name, c.sample_rows) for c in gate.blocking_failures]
    # ... and 01-31 itself is wholly known.
    con = nights.connect()
    (unknown,) = con.execute(
        "select coalesce(sum(unknown_minutes), 0) from marts.fct_oee_shift where shift_date = ?",
        [NIGHTS[3]],
    ).fetchone()
    assert unknown == 0


def test_after_the_nights_the_tables_equal_a_full_refresh(nights: Nights) -> None:
    work = nights.work / "full_refresh"
    fresh = work / "fresh.duckdb"
    work.mkdir()
    fresh.write_bytes(nights.db.read_bytes())
    run = run_dbt(
        fresh,
        work,
        "run",
        "--full-refresh",
        "--select",
        "+fct_oee_shift",
        "--vars",
        f"{{as_of_date: '{NIGHTS[3]}'}}",
    )
    assert run.returncode == 0, run.output[-3000:]
    con = nights.connect()
    con.execute(f"attach '{fresh}' as fresh (read_only)")
    for model in ("intermediate.int_machine_state_intervals_split", "marts.fct_oee_shift"):
        (differences,) = con.execute(
            f"select (select count(*) from (select * from {model} "
            f"except all select * from fresh.{model})) + (select count(*) from ("
            f"select * from fresh.{model} except all select * from {model}))"
        ).fetchone()
        assert differences == 0, model
