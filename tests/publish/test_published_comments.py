"""The published file describes itself: every mart and every column carries its business
definition as a comment, taken from the marts' dbt YAML (the published contract)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from expectations.contract import CONTRACTS, PUBLISH_LOG_COLUMNS
from expectations.publish import publish
from expectations.results import GateResult
from tests.quality.warehouse import DAY, build_warehouse


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    warehouse = build_warehouse(home / "warehouse.duckdb")
    target = home / "published" / "perfchain.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        publish(con, target, run_id="r1", data_through=DAY, gate=GateResult("r1", DAY, []))
    return target


def test_every_published_mart_column_carries_its_contract_definition(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        columns = con.execute(
            "select table_name, column_name, comment from duckdb_columns() "
            "where schema_name = 'marts'"
        ).fetchall()
        tables = dict(
            con.execute(
                "select table_name, comment from duckdb_tables() where schema_name = 'marts'"
            ).fetchall()
        )
    # The hand-built warehouse holds the seventeen marts the gate audits.
    assert len(tables) == 17 and set(tables) <= set(CONTRACTS)
    assert len(columns) == sum(len(CONTRACTS[table].columns) for table in tables)
    for table, comment in tables.items():
        assert comment == CONTRACTS[table].description
        assert comment.startswith("One row per ") or " One row per " in comment
    for table, column, comment in columns:
        assert comment == CONTRACTS[table].columns[column].description, (table, column)
    points = next(c for t, n, c in columns if (t, n) == ("fct_order_contribution", "points"))
    assert "employee's share" in points


def test_publish_log_columns_carry_their_definitions(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        comments = dict(
            con.execute(
                "select column_name, comment from duckdb_columns() "
                "where schema_name = 'meta' and table_name = 'publish_log'"
            ).fetchall()
        )
    assert comments == PUBLISH_LOG_COLUMNS
