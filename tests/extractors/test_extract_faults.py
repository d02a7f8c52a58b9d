"""Every simulator fault kind is survived, or ends in a clear error with nothing lost."""

from __future__ import annotations

import json
from datetime import date

import pytest

from extractors._http.errors import ExtractError
from extractors._http.load import read_watermark
from extractors.simulator.schema import entity
from tests.extractors.support import changed_keys, client_for, extract, loaded_keys, warehouse

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
    keys = set(loaded_keys(con, target))
    assert keys <= expected and len(keys) > 500  # the first page and the restart snapshot
    _, cursor = read_watermark(con, target)
    assert cursor["instance_id"] != "" and cursor["next_sequence"] > 1
    # The following night reads only what the new instance added since.
    simulator.set_as_of(date(2026, 1, 31))
    following = extract(client, target, con, tmp_path / "landing", date(2026, 1, 31))
    new_rows = changed_keys(demo_data, target, None, date(2026, 1, 31)) - expected
    assert set(loaded_keys(con, target, following.batch_id)) == new_rows
    assert run.rows_quarantined == following.rows_quarantined == 0
