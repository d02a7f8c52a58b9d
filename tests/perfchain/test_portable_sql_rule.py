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
    # The project's .sqlfluff, with only this rule.
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


# The same rule over the macros' text (perfchain/spark/macro_lint.py): a macro file renders no
# SQL of its own for SQLFluff to judge.

MACROS = """\
{#- A "comment" with cast(x as varchar) in it is not SQL. -#}
{% macro state_key(column) -%}
    {{ return(adapter.dispatch('state_key', 'perfchain')(column)) }}
{%- endmacro %}
{% macro default__state_key(column) -%}
    -- "timestamp" in a SQL comment is not SQL either
    cast({{ column }} as varchar) || '"not an identifier"' || "timestamp"
{%- endmacro %}
{% macro spark__state_key(column) -%}
    date_format({{ column }}, "yyyyMMdd'T'HHmmss") || cast(1 as varchar)
{%- endmacro %}
{% macro padded(column) -%}
    cast({{ column }} as varchar(12)) as {{ adapter.quote("padded") }}
{%- endmacro %}
"""


def test_the_macros_are_checked_outside_jinja_comments_strings_and_engine_bodies() -> None:
    from perfchain.spark.macro_lint import findings

    found = findings(MACROS, Path("macros/keys.sql"))
    # Line 7 only: the default body runs on Spark; the Spark body's "..." is a Spark string.
    assert [(f.line, f.column) for f in found] == [(7, 26), (7, 63)]
    assert "bare type varchar" in found[0].message
    assert "{{ adapter.quote('timestamp') }}" in found[1].message


def test_the_macro_check_exits_non_zero_and_names_file_line_and_column(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    from perfchain.spark.macro_lint import main

    (tmp_path / "keys.sql").write_text(MACROS, encoding="utf-8")
    (tmp_path / "clean.sql").write_text(
        "{% macro ok(c) %}cast({{ c }} as {{ dbt.type_string() }}){% endmacro %}\n",
        encoding="utf-8",
    )
    assert main([str(tmp_path / "clean.sql")]) == 0
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'keys.sql'}:7:26: bare type varchar" in out
    assert "2 non-portable spelling(s)" in out
