"""The open quarantine is a warning of the gate, not a block: its sample rows name each
held record's entity, key, age in days and reason, and the orders of a held customer are
named by another; released records are not listed."""

from __future__ import annotations

from pathlib import Path

import duckdb

from expectations.gate import run_gate
from expectations.summary import render_summary
from tests.quality.warehouse import DAY, build_warehouse

NAME = "order_360.open_quarantine"


def test_open_quarantine_is_a_warning_listing_each_held_record(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            insert into raw._quarantine
                (source, entity, batch_id, reason, payload, record_key, quarantined_at,
                released_at, released_by_batch)
            values
                ('erp', 'customers', 'b1', 'ccusgrade: not a int: Z', '{}', 'C01',
                    current_timestamp - interval 3 days, null, null),
                ('qms', 'defects', 'b2', 'part-00001.ndjson line 4: not valid JSON', '"x"',
                    null, current_timestamp - interval 1 day, null, null),
                ('crm', 'accounts', 'b3', 'Grade__c: not a int: Q', '{}', '001A',
                    current_timestamp - interval 5 days, current_timestamp, 'b4')
            """
        )
        gate = run_gate(
            con,
            DAY,
            run_id="night",
            out_dir=tmp_path / "quality",
            published_path=tmp_path / "published" / "perfchain.duckdb",
            docs=False,
        )
    assert gate.passed, gate.summary
    (check,) = [c for c in gate.warnings if f"{c.suite}.{c.name}" == NAME]
    assert check.severity == "warning" and check.observed == "2 violating row(s)"
    assert check.sample_rows == [
        {
            "source": "erp",
            "entity": "customers",
            "record_key": "C01",
            "age_days": "3",
            "reason": "ccusgrade: not a int: Z",
        },
        {
            "source": "qms",
            "entity": "defects",
            "record_key": None,
            "age_days": "1",
            "reason": "part-00001.ndjson line 4: not valid JSON",
        },
    ]
    assert "row: source=erp, entity=customers, record_key=C01, age_days=3" in render_summary(gate)
    # Every order of the hand-made plant is of customer C01: each is named, as a warning.
    (orders,) = [c for c in gate.warnings if c.name == "orders_of_held_customers"]
    assert orders.observed == "72 violating row(s)"
    assert orders.sample_rows[0] == {
        "order_id": "SO0000",
        "customer_id": "C01",
        "reason": "ccusgrade: not a int: Z",
    }

    with duckdb.connect(str(path)) as con:
        con.execute("update raw._quarantine set released_at = current_timestamp")
        gate = run_gate(
            con,
            DAY,
            run_id="next",
            out_dir=tmp_path / "quality-next",
            published_path=tmp_path / "published" / "perfchain.duckdb",
            docs=False,
        )
    assert {NAME, "order_360.orders_of_held_customers"}.isdisjoint(
        f"{c.suite}.{c.name}" for c in gate.warnings
    )
