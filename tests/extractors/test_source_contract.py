"""The source contract and the dbt sources describe the same raw tables: every entity of
extractors/contract.py (and every sheet of the targets workbook) is a dbt source table named
`raw.<source>__<entity>`, its description states the contract's key and version column, and
no dbt source reads a raw table the contract does not define."""

from __future__ import annotations

from pathlib import Path

import yaml

from extractors.contract import ENTITIES, SOURCES
from extractors.excel.schema import EXCEL_ENTITIES, TARGET_SHEETS

STAGING = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "staging"
# The extraction's own bookkeeping (raw._quarantine), written by the load, and the alerts'
# working tables (alerts.outbox, alerts.action_tasks), written by the alerts package: not
# sources.
BOOKKEEPING = {"extract", "alerts"}


def _dbt_sources() -> dict[tuple[str, str], dict[str, object]]:
    tables: dict[tuple[str, str], dict[str, object]] = {}
    for path in sorted(STAGING.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]:
            if source["name"] in BOOKKEEPING:
                continue
            assert source["schema"] == "raw", f"{path}: source {source['name']} is not in raw"
            for table in source["tables"]:
                tables[(source["name"], table["name"])] = table
    return tables


def test_every_contract_entity_is_a_dbt_source_with_its_key_and_version_column() -> None:
    tables = _dbt_sources()
    for entity in ENTITIES:
        table = tables.get((entity.source, entity.name))
        assert table is not None, f"no dbt source table {entity.source}.{entity.name}"
        assert table["identifier"] == f"{entity.source}__{entity.name}"
        stated = f"Key: {', '.join(entity.key)}; version column: {entity.modstamp}."
        assert str(table["description"]).rstrip().endswith(stated), (
            f"{entity.source}.{entity.name}: the description should end with {stated!r}"
        )
    for sheet in TARGET_SHEETS:
        assert tables[("excel", sheet.name)]["identifier"] == f"excel__{sheet.name}"


def test_no_dbt_source_reads_a_raw_table_outside_the_contract() -> None:
    contract = {(e.source, e.name) for e in (*ENTITIES, *EXCEL_ENTITIES)}
    assert set(_dbt_sources()) - contract == set()
    # One staging folder per source of the contract, named after it.
    folders = {path.parent.name for path in STAGING.glob("*/_*__sources.yml")}
    assert folders - BOOKKEEPING == {*SOURCES, "excel"}
