"""Every simulator fault kind is survived, or ends in a clear error with nothing lost."""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import pytest

from extractors._http.errors import ExtractError
from extractors.contract import entity
from extractors.landing.raw import read_watermark
from tests.extractors.support import changed_keys, client_for, extract, loaded_keys, warehouse

pytestmark = pytest.mark.slow  # each case extracts whole entities through faults and retries

DAY = date(2026, 1, 30)

# One multi-page entity per protocol family.
TARGETS = {
    "crm": ("crm", "contracts"),
    "erp": ("erp", "sale_orders"),
    "oa": ("oa", "workflow_requests"),
    "mtconnect": ("mes", "machine_states"),
    "rest": ("qms", "inspections"),
}
SURVIVABLE = ["rate_limit", "server_error", "unavailable", "truncated", "malformed", "token_expiry"]


def _run(simulator, tmp_path, source, name, fault):  # type: ignore[no-untyped-def]
    target = entity(source, name)
    con = warehouse(tmp_path)
    simulator.set_as_of(DAY)
    simulator.faults.add(fault)
    run = extract(client_for(simulator, source), target, con, tmp_path / "landing", DAY)
    return target, con, run


@pytest.mark.parametrize("kind", SURVIVABLE)
@pytest.mark.parametrize("family", sorted(TARGETS))
def test_transient_faults_are_survived_with_every_record_loaded_once(
    simulator, demo_data, tmp_path, family, kind
):
    source, name = TARGETS[family]
    target, con, run = _run(simulator, tmp_path, source, name, f"{source}:{kind}@2")
    fired = [entry for entry in simulator.request_log if entry.fault]
    assert fired, f"the {kind} fault never fired"
    keys = loaded_keys(con, target)
    assert sorted(keys) == sorted(changed_keys(demo_data, target, None, DAY))
    assert run.rows_quarantined == 0


def test_a_slow_response_past_the_timeout_is_retried(simulator, demo_data, tmp_path):
    target, con, _ = _run(simulator, tmp_path, "qms", "inspections", "qms:slow@2:seconds=3")
    assert sorted(loaded_keys(con, target)) == sorted(changed_keys(demo_data, target, None, DAY))


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_a_record_served_twice_reaches_staging_once(simulator, demo_data, tmp_path, family):
    source, name = TARGETS[family]
    target, con, run = _run(simulator, tmp_path, source, name, f"{source}:duplicate@2")
    expected = changed_keys(demo_data, target, None, DAY)
    keys = loaded_keys(con, target)
    assert len(keys) == len(expected) + 1  # raw keeps what was sent ...
    assert set(keys) == expected  # ... and the key dedupes it


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_an_invalid_field_quarantines_that_record_only(simulator, demo_data, tmp_path, family):
    source, name = TARGETS[family]
    target, con, run = _run(simulator, tmp_path, source, name, f"{source}:invalid_field@2")
    assert run.rows_quarantined == 1
    reason, payload = con.execute(
        "select reason, payload from raw._quarantine where entity = ?", [name]
    ).fetchone()
    assert "not a" in reason or "required" in reason
    quarantined = json.loads(payload)
    expected = changed_keys(demo_data, target, None, DAY)
    loaded = set(loaded_keys(con, target))
    # Exactly one record is missing from raw, and the quarantined payload is that record
    # (its key fields other than the spoiled one match).
    (missing,) = expected - loaded
    assert loaded <= expected
    matching = [str(quarantined[k]) == part for k, part in zip(target.key, missing, strict=True)]
    assert sum(matching) >= len(target.key) - 1


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_an_unannounced_field_is_kept_not_fatal(simulator, demo_data, tmp_path, family):
    source, name = TARGETS[family]
    target, con, run = _run(
        simulator, tmp_path, source, name, f"{source}:new_field@2:name=Plant_Note__c;value=新字段"
    )
    assert run.rows_quarantined == 0
    extras = con.execute(
        f"select _extra->>'Plant_Note__c', count(*) from raw.{source}__{name} "
        "where _extra->>'Plant_Note__c' is not null group by all"
    ).fetchall()
    assert len(extras) == 1 and extras[0][0] == "新字段" and extras[0][1] > 0


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_a_persistent_failure_is_a_clear_error_and_nothing_moves(simulator, tmp_path, family):
    source, name = TARGETS[family]
    target = entity(source, name)
    con = warehouse(tmp_path)
    simulator.set_as_of(DAY)
    simulator.faults.add(f"{source}:server_error@2x*")
    with pytest.raises(ExtractError) as caught:
        extract(client_for(simulator, source), target, con, tmp_path / "landing", DAY)
    message = str(caught.value)
    assert message.startswith(f"{source}.{name}:") and "request:" in message
    assert "gave up after 4 attempts" in message
    # Nothing half-loaded, the mark did not move, the partial batch is kept for inspection.
    assert read_watermark(con, target) == (None, None)
    tables = {row[0] for row in con.execute("select table_name from duckdb_tables()").fetchall()}
    assert f"{source}__{name}" not in tables or not loaded_keys(con, target)
    batches = list((tmp_path / "landing" / source / name).iterdir())
    assert len(batches) == 1 and not (batches[0] / "_manifest.json").exists()


def test_an_agent_restart_resumes_at_the_new_instance(simulator, demo_data, tmp_path, caplog):  # type: ignore[no-untyped-def]
    """MTConnect: a new instanceId mid-read is followed to the new buffer; what the old
    instance had not served is gone from the agent (the MES production API still has the
    hourly counts), and the next run resumes from the new instance's cursor."""
    target = entity("mes", "machine_states")
    con = warehouse(tmp_path)
    simulator.set_as_of(DAY)
    simulator.faults.add("mes:agent_restart@2")
    client = client_for(simulator, "mes")
    run = extract(client, target, con, tmp_path / "landing", DAY)
    assert "agent restarted" in caplog.text
    expected = changed_keys(demo_data, target, None, DAY)
    keys = set(_real_keys(con))
    assert keys <= expected and len(keys) > 500  # the first page and the restart snapshot
    _, cursor = read_watermark(con, target)
    assert cursor["instance_id"] != "" and cursor["next_sequence"] > 1
    # The following night reads only what the new instance added since.
    simulator.set_as_of(date(2026, 1, 31))
    following = extract(client, target, con, tmp_path / "landing", date(2026, 1, 31))
    new_rows = changed_keys(demo_data, target, None, date(2026, 1, 31)) - expected
    assert set(loaded_keys(con, target, following.batch_id)) == new_rows
    assert run.rows_quarantined == following.rows_quarantined == 0


# --- MTConnect gaps (docs/sources/mes.md "Gaps") -----------------------------------------


def _states(demo_data):  # type: ignore[no-untyped-def]
    """The agent's rows from the CSV, numbered as the simulator numbers them: (timestamp,
    uuid) order. Each row: (uuid, UTC timestamp as the warehouse prints it)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con.execute(
        """
        select mtconnect_uuid, cast(cast("timestamp" as timestamptz) as varchar) as at
        from read_csv(?, header = true, all_varchar = true)
        order by cast("timestamp" as timestamptz), mtconnect_uuid
        """,
        [str(demo_data / "mes" / "machine_states.csv")],
    ).fetchall()


def _devices(demo_data) -> set[str]:  # type: ignore[no-untyped-def]
    """What the agent's /probe lists: equipment with an MTConnect uuid, and state uuids."""
    con = duckdb.connect()
    equipment = con.execute(
        "select distinct mtconnect_uuid from read_csv(?, header = true, all_varchar = true) "
        "where mtconnect_uuid is not null",
        [str(demo_data / "mes" / "equipment.csv")],
    ).fetchall()
    return {row[0] for row in equipment} | {uuid for uuid, _ in _states(demo_data)}


def _latest_at(states, moment: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each device's last state change at or before `moment` (what a restarted agent's
    buffer starts with when it restarts then)."""
    latest: dict[str, str] = {}
    for uuid, at in states:
        if at <= moment:
            latest[uuid] = at
    return latest


def _gap_markers(con, batch_id: str | None = None) -> dict[str, tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    where = f"and _batch_id = '{batch_id}'" if batch_id else ""
    rows = con.execute(
        'select mtconnect_uuid, cast("timestamp" as varchar), reason_code, reason_text '
        f"from raw.mes__machine_states where state = 'unavailable' {where}"
    ).fetchall()
    assert len(rows) == len({row[0] for row in rows}), "one marker per device and gap"
    return {uuid: (at, code, text) for uuid, at, code, text in rows}


def _real_keys(con, batch_id: str | None = None) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    where = f"and _batch_id = '{batch_id}'" if batch_id else ""
    return con.execute(
        'select mtconnect_uuid, cast("timestamp" as varchar) from raw.mes__machine_states '
        f"where state <> 'unavailable' {where}"
    ).fetchall()


@pytest.mark.parametrize(
    ("restart_local", "restart_utc"),
    [
        (datetime(2026, 1, 30, 23, 59, 59), "2026-01-30 15:59:59+00"),  # the day lost
        (datetime(2026, 1, 30, 1, 0), "2026-01-29 17:00:00+00"),  # one hour lost
    ],
)
def test_an_agent_restart_between_nights_lands_the_unknown_window_per_machine(
    simulator, demo_data, tmp_path, restart_local, restart_utc
):  # type: ignore[no-untyped-def]
    """Night 1 reads 01-29 whole; the agent restarts before night 2 reads (at
    `restart_local`, plant time), so its buffer starts with each machine's latest state as
    of then. A machine whose latest state is later than 01-29 24:00 (16:00 UTC) gets an
    unknown window from 16:00 UTC to that state; a machine whose latest state is older
    was known throughout and gets none."""
    target = entity("mes", "machine_states")
    con = warehouse(tmp_path)
    client = client_for(simulator, "mes")
    simulator.set_as_of(date(2026, 1, 29))
    extract(client, target, con, tmp_path / "landing", date(2026, 1, 29))
    _, cursor = read_watermark(con, target)
    assert cursor["known_through"] == "2026-01-29T16:00:00Z"

    simulator.set_as_of(restart_local)
    simulator.faults.add("mes:agent_restart@1")
    night = extract(client, target, con, tmp_path / "landing", DAY)

    states = _states(demo_data)
    end_of_night_1 = "2026-01-29 16:00:00+00"
    latest = _latest_at(states, restart_utc)
    changed = {uuid for uuid, at in latest.items() if at >= end_of_night_1}
    assert changed
    markers = _gap_markers(con, night.batch_id)
    assert set(markers) == changed | (_devices(demo_data) - set(latest))
    if restart_local.hour == 1:  # some machines did not change in that hour: no marker
        assert len(changed) < len(latest)
    else:  # the finding: one state a machine for the day, every machine changed
        assert changed == set(latest)
    for at, code, text in markers.values():
        assert at == end_of_night_1
        assert code == "AGENT_RESTART" and "agent restarted" in text
    # The states themselves: each machine's latest one, as the restarted agent has them.
    assert set(_real_keys(con, night.batch_id)) == set(latest.items())
    _, cursor = read_watermark(con, target)
    assert cursor["known_through"] == "2026-01-30T16:00:00Z"

    # The night after reads what the new instance added since, and no gap is left open.
    simulator.set_as_of(date(2026, 1, 31))
    following = extract(client, target, con, tmp_path / "landing", date(2026, 1, 31))
    assert not _gap_markers(con, following.batch_id)
    added = {(uuid, at) for uuid, at in states if restart_utc < at < "2026-01-31 16:00:00+00"}
    assert set(loaded_keys(con, target, following.batch_id)) == added


def test_an_agent_restart_mid_read_marks_unknown_from_the_last_state_read(
    simulator, demo_data, tmp_path
):  # type: ignore[no-untyped-def]
    """Pages of 500 states: the agent restarts on the third request (the page from 1001),
    after the first 1,000 states were read. Machines whose latest state (as of the
    restart) is later than the 1,000th state's time are unknown from that instant; the
    others were known through it."""
    target = entity("mes", "machine_states")
    con = warehouse(tmp_path)
    simulator.set_as_of(DAY)
    simulator.faults.add("mes:agent_restart@3")
    run = extract(client_for(simulator, "mes"), target, con, tmp_path / "landing", DAY)

    states = _states(demo_data)
    read_before = states[:1000]
    gap_start = read_before[-1][1]
    latest = _latest_at(states, "2026-01-30 15:59:59.999999+00")
    later = {uuid for uuid, at in latest.items() if at > gap_start}
    markers = _gap_markers(con, run.batch_id)
    assert set(markers) == later | (_devices(demo_data) - set(latest))
    assert {at for at, _, _ in markers.values()} == {gap_start}
    # The old cursor was answered OUT_OF_RANGE, then the new instanceId showed: one gap.
    (text,) = {text for _, _, text in markers.values()}
    assert "fell out of the agent buffer" in text and "agent restarted" in text
    assert set(_real_keys(con)) == set(read_before) | set(latest.items())


def test_an_out_of_range_at_the_agents_own_first_sequence_is_a_clear_error(simulator, tmp_path):  # type: ignore[no-untyped-def]
    """Nothing to recover from (here: a page larger than the agent's buffer): the read
    stops with the agent's message instead of asking again forever."""
    from simulator.clients import demo_client
    from tests.extractors.support import FAST, TZ

    client = demo_client(
        "mes", simulator.url("mes"), policy=FAST, plant_tz=TZ, options={"sample_count": 200_000}
    )
    con = warehouse(tmp_path)
    simulator.set_as_of(DAY)
    with pytest.raises(ExtractError, match="OUT_OF_RANGE: 'count' must be between 1 and"):
        extract(client, entity("mes", "machine_states"), con, tmp_path / "landing", DAY)
    assert len(simulator.request_log) == 1
