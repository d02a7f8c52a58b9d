"""The published contract has one source, the marts' dbt YAML: every published column is
described there, each mart's description states its grain, and the gate's schema check
accepts exactly the columns and types the YAML declares."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from expectations.contract import CONTRACTS, MARTS_DIR, ContractError, MartContract, load_contracts
from expectations.registry import SUITES
from expectations.suite import contract_checks

# Every model under models/marts is published (publish copies the whole schema).
MART_MODELS = sorted(path.stem for path in MARTS_DIR.rglob("*.sql"))


def undescribed(contracts: dict[str, MartContract]) -> list[str]:
    return [
        f"{mart}.{column.name}"
        for mart, contract in contracts.items()
        for column in contract.columns.values()
        if not column.description
    ]


def test_every_mart_is_under_an_enforced_contract() -> None:
    assert sorted(CONTRACTS) == MART_MODELS
    assert len(MART_MODELS) == 25  # 19 + goals (3) + recognition (3) (SPEC 9)
    # Every suite the gate runs audits a contracted mart.
    assert set(SUITES) <= set(CONTRACTS)


def test_every_published_column_has_a_description() -> None:
    assert undescribed(CONTRACTS) == []
    # 404 + 47 of the goal marts + 23 of fct_capability_profile, fct_badge_award and
    # fct_badge_evidence
    assert sum(len(contract.columns) for contract in CONTRACTS.values()) == 474


def test_a_column_without_description_is_found(tmp_path: Path) -> None:
    marts = Path(shutil.copytree(MARTS_DIR, tmp_path / "marts"))
    yml = marts / "operations" / "_operations__models.yml"
    text = yml.read_text(encoding="utf-8")
    line = '        description: "Good units in the known hours."\n'
    assert text.count(line) == 1
    yml.write_text(text.replace(line, ""), encoding="utf-8")
    assert undescribed(load_contracts(marts)) == ["fct_oee_shift.good_qty"]


def test_every_mart_description_states_its_grain() -> None:
    grains = {mart: contract.grain for mart, contract in CONTRACTS.items()}
    assert all(grains.values()), [mart for mart, grain in grains.items() if not grain]
    assert grains["fct_order_contribution"] == "delivered order x stage x employee"
    assert grains["kpi_daily"] == "plant date x scope x KPI"
    assert grains["fct_oee_shift"] == "machine x shift"
    for contract in CONTRACTS.values():
        assert f"One row per {contract.grain}" in contract.description


def test_keys_come_from_the_grain_tests() -> None:
    assert CONTRACTS["fct_order_contribution"].key == ("order_id", "stage", "employee_id")
    assert CONTRACTS["kpi_period"].key == (
        "period_type",
        "period_end",
        "scope_type",
        "scope_id",
        "kpi_code",
    )
    assert CONTRACTS["dim_date"].key == ("date_id",)
    # null = unattributed (SPEC 5.2): no not-null constraint, so no not-null check.
    names = {check.name for check in contract_checks("fct_order_contribution")}
    assert {"order_id_not_null", "stage_not_null"} <= names
    assert "employee_id_not_null" not in names


def test_jinja_in_a_description_is_refused(tmp_path: Path) -> None:
    marts = Path(shutil.copytree(MARTS_DIR, tmp_path / "marts"))
    yml = marts / "service" / "_service__models.yml"
    text = yml.read_text(encoding="utf-8")
    yml.write_text(
        text.replace('description: "CRM case number."', "description: \"{{ doc('x') }}\""),
        encoding="utf-8",
    )
    with pytest.raises(ContractError, match="fct_signal_response, column case_number"):
        load_contracts(marts)


def _schema_check_rows(con: duckdb.DuckDBPyConnection, mart: str) -> list[tuple]:
    (check,) = [c for c in contract_checks(mart) if c.name == "contract_columns"]
    assert check.query is not None
    return con.execute(check.query).fetchall()


def _build_as_declared(con: duckdb.DuckDBPyConnection, contract: MartContract) -> None:
    # Types spelled as DuckDB's own aliases, to show the check compares types, not words.
    aliases = {"string": "text", "integer": "int4", "bigint": "int8", "boolean": "bool"}
    columns = ", ".join(
        f'null::{aliases.get(column.data_type, column.data_type)} as "{column.name}"'
        for column in contract.columns.values()
    )
    con.execute(f"create or replace table marts.{contract.name} as select {columns}")


@pytest.mark.parametrize("mart", sorted(SUITES))
def test_gate_schema_check_accepts_exactly_the_dbt_contract(mart: str) -> None:
    contract = CONTRACTS[mart]
    con = duckdb.connect()
    con.execute("create schema marts")
    _build_as_declared(con, contract)
    assert _schema_check_rows(con, mart) == []

    first, last = list(contract.columns.values())[0], list(contract.columns.values())[-1]
    con.execute(f'alter table marts.{mart} drop column "{first.name}"')
    # Text is declared `string` (a name DuckDB and Spark share), built as VARCHAR.
    retyped = "varchar" if last.data_type != "string" else "bigint"
    con.execute(f'alter table marts.{mart} alter "{last.name}" type {retyped}')
    con.execute(f"alter table marts.{mart} add column not_in_contract integer")
    rows = {row[0]: row[1:] for row in _schema_check_rows(con, mart)}
    assert set(rows) == {first.name, last.name, "not_in_contract"}
    assert rows[first.name][1] is None and rows["not_in_contract"][0] is None
    assert rows[last.name][1] == retyped.upper()


def test_gate_schema_check_fails_on_a_missing_mart() -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    with pytest.raises(duckdb.CatalogException):
        _schema_check_rows(con, "fct_oee_shift")


def test_an_empty_mart_blocks_unless_the_plants_first_days_hold_nothing_in_it() -> None:
    """A new installation's first nights have no delivered order and may have no signal:
    those two marts warn when empty, and so do the goal marts of a plant without goal
    sheets; every other mart with a suite blocks."""
    severity = {
        mart: next(check.severity for check in contract_checks(mart) if check.name == "not_empty")
        for mart in SUITES
    }
    assert severity["fct_order_contribution"] == severity["fct_signal_response"] == "warning"
    assert {mart for mart, level in severity.items() if level == "warning"} == {
        "fct_order_contribution",
        "fct_signal_response",
        "fct_goal_attainment",
        "fct_employee_score_explained",
        "fct_employee_score",
    }
    assert set(severity.values()) == {"warning", "blocking"}
