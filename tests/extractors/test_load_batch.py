"""The bulk load of one landed batch, on hand-written records: typed columns, unknown
fields kept in `_extra` (and only there), bad records quarantined with their reason and
payload, the high-water mark from the good records, and a second load a no-op."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from extractors.contract import ENTITIES
from extractors.landing import load
from extractors.landing.files import BatchWriter
from extractors.landing.load import load_batch

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


CONTRACTS = next(e for e in ENTITIES if e.source == "crm" and e.name == "contracts")
# Values as a source may send them: numbers and numeric strings, rounding, exponents, JSON
# booleans, nulls, a number where text is expected, Chinese text and quotes.
CONTRACT_RECORDS = [
    {
        "Id": "800A",
        "ContractNumber": "HT-0001",
        "AccountId": "001A",
        "Status": "Activated",
        "CustomerSignedDate": "2026-01-05",
        "ContractTerm": 12,
        "ActivatedDate": "2026-01-06T02:00:00.000+0000",
        "ERP_Order_No__c": 260105001,
        "Amount__c": 1234.56789,
        "CreatedDate": "2026-01-05T01:00:00.000+0000",
        "LastModifiedDate": "2026-01-06T02:00:00.000+0000",
        "SystemModstamp": "2026-01-06T02:00:00.000+0000",
        "IsDeleted": False,
    },
    {
        "Id": "800B",
        "ContractNumber": '合同 "B"',
        "AccountId": "001B",
        "OwnerId": None,
        "ContractTerm": "24",
        "Amount__c": "99.5",
        "CreatedDate": "2026-01-07T01:00:00.000+0000",
        "LastModifiedDate": "2026-01-07T01:00:00.000+0000",
        "SystemModstamp": "2026-01-07T03:00:00.000+0000",
        "IsDeleted": True,
    },
    {
        "Id": "800C",
        "ContractNumber": "HT-0003",
        "AccountId": "001C",
        "Amount__c": 1e3,
        "CompanySignedDate": "2026-02-28",
        "CreatedDate": "2026-01-08T01:00:00Z",
        "LastModifiedDate": "2026-01-08T01:00:00Z",
        "SystemModstamp": "2026-01-08T01:00:00Z",
        "IsDeleted": "false",
    },
]


def _load(tmp_path: Path, name: str, records: list[dict[str, object]]) -> duckdb.DuckDBPyConnection:
    writer = BatchWriter(tmp_path / name, "crm", "contracts", name)
    writer.write(records)
    con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
    con.execute("set TimeZone = 'UTC'")
    load_batch(con, CONTRACTS, writer.finish(), "Asia/Shanghai")
    return con


def _routes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    taken: list[str] = []
    for name in ("_load_direct", "_load_checked"):
        route = getattr(load, name)

        def spy(con, batch, route=route, name=name):  # type: ignore[no-untyped-def]
            taken.append(name)
            return route(con, batch)

        monkeypatch.setattr(load, name, spy)
    return taken


def _rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select * exclude (_batch_id, _extracted_at) from raw.crm__contracts order by Id"
    ).fetchall()


def test_the_direct_route_loads_exactly_what_the_checked_route_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _routes(monkeypatch)
    direct = _load(tmp_path, "direct", CONTRACT_RECORDS)
    assert taken == ["_load_direct"]

    monkeypatch.setattr(load, "_load_direct", lambda con, batch: None)  # declines every batch
    checked = _load(tmp_path, "checked", CONTRACT_RECORDS)
    assert taken == ["_load_direct", "_load_checked"]

    assert _rows(direct) == _rows(checked)
    # And the values themselves, typed.
    first, second, third = _rows(direct)
    assert first[CONTRACTS.fields.index(CONTRACTS.field("Amount__c"))] == Decimal("1234.5679")
    assert first[CONTRACTS.fields.index(CONTRACTS.field("ERP_Order_No__c"))] == "260105001"
    assert second[CONTRACTS.fields.index(CONTRACTS.field("ContractTerm"))] == 24
    assert second[CONTRACTS.fields.index(CONTRACTS.field("ContractNumber"))] == '合同 "B"'
    assert third[CONTRACTS.fields.index(CONTRACTS.field("Amount__c"))] == Decimal("1000")
    assert third[CONTRACTS.fields.index(CONTRACTS.field("IsDeleted"))] is False
    for con in (direct, checked):
        batch = con.execute("select rows_loaded, high_water_mark from raw._batches").fetchone()
        assert batch == (3, datetime(2026, 1, 8, 1, 0, tzinfo=UTC))


def test_a_bad_record_sends_the_batch_the_checked_route_without_loading_it_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _routes(monkeypatch)
    bad = {**CONTRACT_RECORDS[2], "Id": "800D", "ContractTerm": "twelve"}
    con = _load(tmp_path, "mixed", [*CONTRACT_RECORDS, bad])
    assert taken == ["_load_direct", "_load_checked"]
    assert [row[0] for row in _rows(con)] == ["800A", "800B", "800C"]
    assert con.execute("select reason from raw._quarantine").fetchall() == [
        ("ContractTerm: not a int: twelve",)
    ]
    assert con.execute("select rows_loaded, rows_quarantined from raw._batches").fetchall() == [
        (3, 1)
    ]
