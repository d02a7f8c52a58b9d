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
    key = tuple(str(quarantined[k]) for k in target.key)
    expected = changed_keys(demo_data, target, None, DAY)
    assert key in expected
    assert set(loaded_keys(con, target)) == expected - {key}


@pytest.mark.parametrize("family", sorted(TARGETS))
def test_an_unannounced_field_is_kept_not_fatal(simulator, demo_data, tmp_path, family):
    source, name = TARGETS[family]
    target, con, run = _run(
        simulator, tmp_path, source, name, f"{source}:new_field@2:name=Plant_Note__c;value=新字段"
    )
    assert run.rows_quarantined == 0
    extras = con.execute(
        f"select distinct _extra->>'Plant_Note__c' from raw.{source}__{name} where _extra is not null"
    ).fetchall()
    assert extras == [("新字段",)]


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
