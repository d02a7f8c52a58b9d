"""Quarantine is a queue: a held record is read again on later nights, released when a
good version loads, and nothing is lost once the high-water mark has moved past it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from extractors._http.client import NdjsonPage
from extractors.contract import Entity, entity
from extractors.landing.files import BatchWriter, new_batch_id
from extractors.landing.load import load_batch
from extractors.landing.quarantine import OpenRecord, open_quarantine, retry_since
from extractors.landing.raw import read_watermark
from extractors.landing.run import EntityRun, end_of_day
from extractors.mes.mtconnect import retry_cursor
from simulator.clients import demo_client
from simulator.server.mtconnect import buffer as mtconnect_buffer
from simulator.server.state import DEFAULT_BUFFER_SIZE
from tests.extractors.support import FAST, TZ, client_for, extract, warehouse
from tests.warehouse.conftest import run_dbt

NIGHT_1, NIGHT_2 = date(2026, 1, 29), date(2026, 1, 30)
OVERLAP = timedelta(minutes=60)
# One entity per protocol family; mes.machine_states is the cursor-driven stream, whose
# spoiled record (its timestamp, a key field) has no readable key.
TARGETS = [
    ("erp", "customers"),
    ("crm", "accounts"),
    ("oa", "workflow_requests"),
    ("qms", "defects"),
    ("mes", "machine_states"),
]


def _nights(simulator, tmp_path: Path, faulted: bool) -> tuple[duckdb.DuckDBPyConnection, dict]:  # type: ignore[no-untyped-def]
    """Two nights of every target into a new warehouse; on the first, when `faulted`, each
    source's first data page carries one record with an unparseable value."""
    tmp_path.mkdir()
    con = warehouse(tmp_path)
    clients = {source: client_for(simulator, source) for source, _ in TARGETS}
    runs = {}
    for night in (NIGHT_1, NIGHT_2):
        simulator.faults.clear()
        if faulted and night == NIGHT_1:
            simulator.faults.add(",".join(f"{source}:invalid_field@1" for source, _ in TARGETS))
        simulator.set_as_of(night)
        for source, name in TARGETS:
            runs[night, name] = extract(
                clients[source], entity(source, name), con, tmp_path / "landing", night, OVERLAP
            )
    return con, runs


def _rows(target: Entity) -> str:
    """Every distinct version raw holds, as received: what staging is built from."""
    columns = ", ".join(f'"{name}"' for name in target.columns)
    return f"select distinct {columns}, cast(_extra as varchar) as _extra"


def test_a_night_of_invalid_fields_then_a_clean_night_equals_a_fault_free_run(simulator, tmp_path):  # type: ignore[no-untyped-def]
    reference, _ = _nights(simulator, tmp_path / "reference", faulted=False)
    reference.close()
    con, runs = _nights(simulator, tmp_path / "faulted", faulted=True)

    held = dict(
        con.execute(
            "select entity, count(*) from raw._quarantine group by entity order by entity"
        ).fetchall()
    )
    assert held == {name: 1 for _, name in TARGETS}, "one spoiled record per source"
    assert all(runs[NIGHT_1, name].rows_quarantined == 1 for _, name in TARGETS)
    assert all(runs[NIGHT_2, name].retried == 1 for _, name in TARGETS)

    con.execute(f"attach '{tmp_path / 'reference' / 'warehouse.duckdb'}' as reference (read_only)")
    for source, name in TARGETS:
        target = entity(source, name)
        table = f"{source}__{name}"
        rows = _rows(target)
        for left, right in (("raw", "reference.raw"), ("reference.raw", "raw")):
            extra = con.execute(
                f"{rows} from {left}.{table} except {rows} from {right}.{table}"
            ).fetchall()
            assert extra == [], f"{table}: rows in {left} only: {extra[:3]}"
        # Staging keeps the latest version of each key: the same keys, one row each.
        keys = ", ".join(f'"{k}"' for k in target.key)
        counts = [
            con.execute(f"select count(distinct ({keys})) from {schema}.{table}").fetchone()[0]
            for schema in ("raw", "reference.raw")
        ]
        assert counts[0] == counts[1] > 0

    assert open_quarantine(con) == []
    released = con.execute(
        "select entity, record_key, released_by_batch, released_at is not null "
        "from raw._quarantine order by entity"
    ).fetchall()
    for name, record_key, by_batch, has_time in released:
        assert by_batch == runs[NIGHT_2, name].batch_id and has_time
        # The stream's spoiled record lost its timestamp, a key field: no key to match.
        assert (record_key is None) == (name == "machine_states")
    con.close()

    # Staging, built by dbt on each warehouse, row for row.
    models = [f"stg_{source}__{name}" for source, name in TARGETS]
    for run in ("reference", "faulted"):
        built = run_dbt(
            tmp_path / run / "warehouse.duckdb", tmp_path / f"dbt-{run}", "run", "--select", *models
        )
        assert built.returncode == 0 and built.count("model", "success") == len(models), (
            built.output
        )
    con = duckdb.connect(str(tmp_path / "faulted" / "warehouse.duckdb"), read_only=True)
    con.execute(f"attach '{tmp_path / 'reference' / 'warehouse.duckdb'}' as reference (read_only)")
    for model in models:
        for left, right in (("staging", "reference.staging"), ("reference.staging", "staging")):
            extra = con.execute(
                f"select * from {left}.{model} except all select * from {right}.{model}"
            ).fetchall()
            assert extra == [], f"{model}: rows in {left} only: {extra[:3]}"
        assert con.execute(f"select count(*) from staging.{model}").fetchone()[0] > 0


def test_a_record_older_than_the_mark_less_the_overlap_is_still_read_again(
    simulator, demo_data, tmp_path
):  # type: ignore[no-untyped-def]
    target = entity("erp", "sale_orders")
    con = warehouse(tmp_path)
    client = client_for(simulator, "erp")
    simulator.set_as_of(NIGHT_1)
    # The first record of the first page: the order changed longest ago, its tax rate spoiled.
    simulator.faults.add("erp:invalid_field@1:field=taxrate")
    first = extract(client, target, con, tmp_path / "landing", NIGHT_1, OVERLAP)
    (key, modified_at, reason) = con.execute(
        "select record_key, modified_at, reason from raw._quarantine"
    ).fetchone()
    mark, _ = read_watermark(con, target)
    assert first.rows_quarantined == 1 and "not a" in reason
    # The mark has moved far past it: a plain incremental read would never ask again.
    assert modified_at < mark - OVERLAP - timedelta(days=1)
    held = open_quarantine(con)
    assert [(r.record_key, r.reason) for r in held] == [(key, reason)]
    assert key not in {
        row[0] for row in con.execute("select code from raw.erp__sale_orders").fetchall()
    }

    simulator.faults.clear()
    simulator.set_as_of(NIGHT_2)
    second = extract(client, target, con, tmp_path / "landing", NIGHT_2, OVERLAP)
    assert second.since == modified_at - OVERLAP
    assert second.retried == 1
    in_batch = con.execute(
        "select count(*) from raw.erp__sale_orders where code = ? and _batch_id = ?",
        [key, second.batch_id],
    ).fetchone()[0]
    assert in_batch == 1
    assert open_quarantine(con) == [] and second.open_quarantine == ()
    # A third night has nothing to retry: the window is the plain one again.
    simulator.set_as_of(date(2026, 1, 31))
    third = extract(client, target, con, tmp_path / "landing", date(2026, 1, 31), OVERLAP)
    mark, _ = read_watermark(con, target)
    assert third.retried == 0 and third.since is not None and third.since > modified_at


def _hand_batch(con, tmp_path, target, since, until, body: bytes, records: int):  # type: ignore[no-untyped-def]
    """A landed batch of the given lines for the window, loaded as a run would load it."""
    writer = BatchWriter(tmp_path / "landing", target.source, target.name, new_batch_id())
    writer.write(NdjsonPage(body, records))
    batch_dir = writer.finish(since=since, until=until, requests=1)
    return load_batch(con, target, batch_dir, TZ)


def test_a_keyless_line_is_released_by_a_clean_read_of_its_window(simulator, tmp_path):  # type: ignore[no-untyped-def]
    target = entity("qms", "defects")
    con = warehouse(tmp_path)
    client = client_for(simulator, "qms")
    simulator.set_as_of(NIGHT_1)
    extract(client, target, con, tmp_path / "landing", NIGHT_1, OVERLAP)
    mark, _ = read_watermark(con, target)
    window_since, window_until = mark - OVERLAP, end_of_day(NIGHT_1, TZ)

    bad = _hand_batch(con, tmp_path, target, window_since, window_until, b"{not json}\n", 1)
    assert bad.rows_quarantined == 1
    (row,) = con.execute(
        "select record_key, window_since, window_until, reason from raw._quarantine"
    ).fetchall()
    assert row[0] is None and row[1] == window_since and row[2] == window_until
    assert "not valid JSON" in row[3]

    # A clean batch that asked for less than its window does not vouch for it.
    narrower = _hand_batch(
        con, tmp_path, target, window_since + timedelta(minutes=1), window_until, b"", 0
    )
    assert narrower.rows_quarantined == 0
    assert [r.record_key for r in open_quarantine(con)] == [None]

    simulator.set_as_of(NIGHT_2)
    night = extract(client, target, con, tmp_path / "landing", NIGHT_2, OVERLAP)
    assert night.since == window_since  # the retry window: no later than the held line's
    assert night.rows_quarantined == 0
    assert open_quarantine(con) == []
    assert con.execute("select released_by_batch from raw._quarantine").fetchone() == (
        night.batch_id,
    )


def test_a_stream_cursor_is_moved_back_only_to_states_its_agent_still_numbers_so():
    cursor = {"instance_id": "17", "next_sequence": 900, "known_through": "2026-01-29T16:00:00Z"}
    held = [
        {
            "mtconnect_uuid": "m1",
            "timestamp": "not-a-timestamp",
            "sequence": 412,
            "instance_id": "17",
        },
        {
            "mtconnect_uuid": "m2",
            "timestamp": "not-a-timestamp",
            "sequence": 380,
            "instance_id": "17",
        },
        {"mtconnect_uuid": "m3", "timestamp": "x", "sequence": 12, "instance_id": "16"},
    ]
    assert retry_cursor(cursor, held) == {**cursor, "next_sequence": 380, "resume_sequence": 900}
    # A restarted agent renumbered: its old sequences cannot be asked for.
    assert retry_cursor(cursor, held[2:]) is None
    # Nothing held before the cursor: nothing to go back for.
    assert retry_cursor({**cursor, "next_sequence": 300}, held[:2]) is None


def test_a_quarantine_table_of_the_old_shape_is_migrated_and_its_rows_retried(tmp_path):  # type: ignore[no-untyped-def]
    target = entity("qms", "defects")
    con = warehouse(tmp_path)
    con.execute("create schema raw")
    con.execute(
        "create table raw._quarantine (source varchar, entity varchar, batch_id varchar, "
        "reason varchar, payload json, quarantined_at timestamptz default current_timestamp)"
    )
    con.execute(
        "insert into raw._quarantine (source, entity, batch_id, reason, payload) "
        "values ('qms', 'defects', 'old', 'defect_qty: not a int: N/A', '{}')"
    )
    held = open_quarantine(con)  # migrates: the new columns are added, the row is open
    assert [(r.record_key, r.reason) for r in held] == [(None, "defect_qty: not a int: N/A")]
    assert retry_since(con, target, OVERLAP, timedelta(days=30)) == (1, None)  # a full read
    # A narrower clean batch does not release it; a clean full read does (its `until`, the
    # end of tonight's plant date, after the moment the old row was quarantined). The
    # plant's date, not UTC's: from 16:00 UTC Shanghai is a day ahead, and the end of the
    # UTC date would fall before the moment the row was quarantined.
    until = end_of_day(datetime.now(ZoneInfo(TZ)).date(), TZ)
    _hand_batch(con, tmp_path, target, until - timedelta(days=1), until, b"", 0)
    assert len(open_quarantine(con)) == 1
    full = _hand_batch(con, tmp_path, target, None, until, b"", 0)
    assert open_quarantine(con) == []
    assert con.execute("select released_by_batch from raw._quarantine").fetchone() == (
        full.batch_id,
    )


def test_held_states_that_left_the_agent_buffer_stay_open_and_open_no_gap(
    simulator, demo_data, tmp_path, caplog
):  # type: ignore[no-untyped-def]
    """The agent's buffer no longer reaches back to the held state's sequence, but still
    to where the last night stopped: the walk resumes there, as a plain night would, and
    the held state stays open (its batch's window is not claimed as read)."""
    target = entity("mes", "machine_states")
    con = warehouse(tmp_path)
    client = demo_client(
        "mes", simulator.url("mes"), policy=FAST, plant_tz=TZ, options={"sample_count": 50}
    )
    simulator.set_as_of(NIGHT_1)
    simulator.faults.add("mes:invalid_field@1")
    first = extract(client, target, con, tmp_path / "landing", NIGHT_1, OVERLAP)
    assert first.rows_quarantined == 1
    _, cursor = read_watermark(con, target)
    simulator.faults.clear()
    simulator.set_as_of(NIGHT_2)
    # The buffer starts exactly where night 1 stopped: the held state (sequence 1) is gone.
    length = mtconnect_buffer(simulator.state).length
    simulator.state.buffer_size = length - cursor["next_sequence"] + 1
    try:
        night = extract(client, target, con, tmp_path / "landing", NIGHT_2, OVERLAP)
    finally:
        simulator.state.buffer_size = DEFAULT_BUFFER_SIZE
    assert "no longer in the agent buffer" in caplog.text
    assert night.retried == 1 and night.rows_quarantined == 0
    assert [r.reason for r in open_quarantine(con)] == [
        con.execute("select reason from raw._quarantine").fetchone()[0]
    ]
    gaps = con.execute(
        "select count(*) from raw.mes__machine_states where state = 'unavailable'"
    ).fetchone()[0]
    assert gaps == 0
    # Exactly the states after night 1's cursor: what a plain night would have read.
    sequences = [
        row[0]
        for row in con.execute(
            "select cast(_extra->>'sequence' as integer) from raw.mes__machine_states "
            "where _batch_id = ? order by 1",
            [night.batch_id],
        ).fetchall()
    ]
    assert sequences == list(range(cursor["next_sequence"], length + 1))


def test_the_listing_names_the_oldest_twenty_and_counts_the_rest():
    held = tuple(
        OpenRecord(
            "oa", "workflow_logs", None, 2, f"part-00001.ndjson line {n}: not valid JSON", None
        )  # type: ignore[arg-type]
        for n in range(1, 26)
    )
    lines = (
        EntityRun("oa", "workflow_logs", "b", 0, 0, 0, None, None, None, 0, 0.0, 0, held)
        .as_metadata()["open_quarantine"]
        .splitlines()
    )
    assert len(lines) == 21
    assert (
        lines[0]
        == "oa.workflow_logs (no key): 2 day(s) old, part-00001.ndjson line 1: not valid JSON"
    )
    assert lines[19].endswith("line 20: not valid JSON")
    assert lines[20] == (
        "oa.workflow_logs: 5 more held (see raw._quarantine where released_at is null)"
    )
