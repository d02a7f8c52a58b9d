"""The contract the gate and publish read (expectations/contract.py, from the marts' YAML)
is the one dbt parses and enforces: compared with dbt's manifest, and checked against the
marts dbt built on the demo factory."""

from __future__ import annotations

import json

from expectations.contract import CONTRACTS
from expectations.suite import contract_columns_sql
from tests.warehouse.conftest import Warehouse


def _manifest(warehouse: Warehouse) -> dict:
    return json.loads((warehouse.path.parent / "target" / "manifest.json").read_text())


def test_contract_reader_reads_what_dbt_parses(warehouse: Warehouse) -> None:
    nodes = {
        node["name"]: node
        for node in _manifest(warehouse)["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
    }
    assert set(nodes) == set(CONTRACTS)
    for name, contract in CONTRACTS.items():
        node = nodes[name]
        assert " ".join(node["description"].split()) == contract.description, name
        assert list(node["columns"]) == list(contract.columns), name
        for column in contract.columns.values():
            parsed = node["columns"][column.name]
            assert (parsed["data_type"] or "").lower() == column.data_type, (name, column.name)
            assert " ".join(parsed["description"].split()) == column.description
            assert parsed["description"], (name, column.name)
            not_null = any(c["type"] == "not_null" for c in parsed["constraints"])
            assert not_null == column.not_null, (name, column.name)


def test_gate_schema_check_passes_on_the_marts_dbt_built(warehouse: Warehouse) -> None:
    with warehouse.connect() as con:
        for contract in CONTRACTS.values():
            assert con.execute(contract_columns_sql(contract)).fetchall() == [], contract.name
        built = con.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts'"
        ).fetchone()[0]
    assert built == sum(len(contract.columns) for contract in CONTRACTS.values()) == 474
