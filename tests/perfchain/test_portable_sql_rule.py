"""The SQLFluff rule against double-quoted identifiers and bare `varchar` in the dbt SQL
(perfchain/spark/sqlfluff_rules.py), with the project's own SQLFluff configuration: the
jinja templater and the macros `make lint` renders models with."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlfluff.core import FluffConfig, Linter

REPO = Path(__file__).resolve().parents[2]
PROJECT = REPO / "dbt_project"
RULE = "Perfchain_PT01"


def _violations(sql: str) -> list[tuple[int, int, str]]:
    # The project's .sqlfluff, with only this rule (it is excluded there until every
    # model is portable; `rules` here selects it, `exclude_rules` is cleared).
    config = FluffConfig.from_path(
        str(PROJECT / "models"), overrides={"rules": RULE, "exclude_rules": "", "dialect": "duckdb"}
    )
    linted = Linter(config=config).lint_string(
        sql, fname=str(PROJECT / "models" / "marts" / "fct_example.sql")
    )
    return [
        (v.line_no, v.line_pos, v.desc()) for v in linted.get_violations() if v.rule_code() == RULE
    ]


def test_the_plugin_is_registered_with_sqlfluff() -> None:
    from sqlfluff.core.plugin.host import get_plugin_manager

    rules = [
        rule for plugin_rules in get_plugin_manager().hook.get_rules() for rule in plugin_rules
    ]
    assert RULE in {rule.code for rule in rules}


def test_a_double_quoted_identifier_is_flagged_with_the_fix() -> None:
    found = _violations(
        'select\n    mtconnect_uuid,\n    "timestamp" as state_at\nfrom machine_states\n'
    )
    assert len(found) == 1
    line, position, description = found[0]
    assert (line, position) == (3, 5)
    assert "{{ adapter.quote('timestamp') }}" in description


def test_a_bare_varchar_is_flagged_in_a_cast_and_after_double_colon() -> None:
    found = _violations(
        "select\n    cast(plant_id as varchar) as plant_id,\n    team_id::varchar as team_id\n"
        "from teams\n"
    )
    assert [(line, position) for line, position, _ in found] == [(2, 22), (3, 14)]
    assert all("dbt.type_string()" in description for _, _, description in found)


def test_the_adapter_quote_and_the_type_macro_pass() -> None:
    sql = (
        "select\n"
        "    cast(plant_id as {{ dbt.type_string() }}) as plant_id,\n"
        "    {{ adapter.quote('timestamp') }} as state_at,\n"
        "    cast(code as varchar(20)) as code,\n"
        "    'text in single quotes' as label\n"
        "from machine_states\n"
    )
    assert _violations(sql) == []


@pytest.mark.parametrize("spelling", ['"IsDeleted"', '"employee_name"'])
def test_every_double_quoted_name_is_flagged(spelling: str) -> None:
    assert len(_violations(f"select {spelling} as flag\nfrom accounts\n")) == 1
