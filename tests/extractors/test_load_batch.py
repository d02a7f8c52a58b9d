"""The bulk load of one landed batch, on hand-written records: typed columns, unknown
fields kept in `_extra` (and only there), bad records quarantined with their reason and
payload, the high-water mark from the good records, and a second load a no-op."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extractors._http.landing import BatchWriter
from extractors._http.load import load_batch
from extractors.simulator.schema import ENTITIES

SHIPMENTS = next(e for e in ENTITIES if e.source == "wms" and e.name == "shipments")


def _record(shipment_id: str, updated_at: str, **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "shipment_id": shipment_id,
        "consignment_code": "DN1",
        "so_code": "SO1",
        "customer_code": "C1",
        "warehouse": "W1",
        "shipped_at": "2026-01-05T23:55:00+08:00",
        "carrier": "顺丰",
        "handled_by": "E1",
        "status": "shipped",
        "updated_at": updated_at,
    }
    record.update(changes)
    return record


def test_a_batch_loads_typed_keeps_new_fields_and_quarantines_bad_records(
    tmp_path: Path,
) -> None:
    writer = BatchWriter(tmp_path / "landing", "wms", "shipments", "b1")
    writer.write(
        [
            _record("S1", "2026-01-06T08:00:00+08:00"),
            _record("S2", "2026-01-06T09:30:00+08:00", dock_door=7),
            _record("S3", "2026-01-07T10:00:00+08:00", shipped_at="yesterday"),
            _record("S4", "2026-01-08T10:00:00+08:00", so_code=None),
        ]
    )
    batch = writer.finish()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("set TimeZone = 'UTC'")

    result = load_batch(con, SHIPMENTS, batch, "Asia/Shanghai")

    assert (result.rows_loaded, result.rows_quarantined) == (2, 2)
    # The newest good record, not the newer quarantined ones.
    assert result.high_water_mark == datetime(2026, 1, 6, 1, 30, tzinfo=UTC)
    rows = con.execute(
        "select shipment_id, shipped_at, carrier, _extra, _batch_id, _source "
        "from raw.wms__shipments order by shipment_id"
    ).fetchall()
    shipped = datetime(2026, 1, 5, 15, 55, tzinfo=UTC)
    assert rows[0] == ("S1", shipped, "顺丰", None, "b1", "wms")
    assert rows[1][:3] == ("S2", shipped, "顺丰")
    assert json.loads(rows[1][3]) == {"dock_door": 7}
    quarantined = con.execute(
        "select reason, payload->>'shipment_id' from raw._quarantine order by 2"
    ).fetchall()
    assert quarantined == [
        ("shipped_at: not a ts_offset: yesterday", "S3"),
        ("so_code: required, missing", "S4"),
    ]

    again = load_batch(con, SHIPMENTS, batch, "Asia/Shanghai")
    assert again.already_loaded
    assert con.execute("select count(*) from raw.wms__shipments").fetchone()[0] == 2
