"""Folding a model's per-column data tests into one `column_rules` test
(dbt_project/tests/generic/column_rules.sql) loses no check: every (model, column, rule,
severity) the project's data tests check is listed in data_test_checks.txt, written from
the manifest of the per-column tests before they were folded, and the manifest dbt parses
now checks exactly that set, in fewer test nodes. The same holds for the staging models'
rules folded further into one `group_rules` test per source system and severity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.warehouse.conftest import run_dbt

pytestmark = pytest.mark.slow  # runs dbt parse

CHECKS = Path(__file__).with_name("data_test_checks.txt")
# Test nodes before the fold: 209; after: 129 (one `column_rules` per model with two rules
# or more instead of one node per rule); 143 with the alert models (SPEC 8); 150 with the
# goal models (SPEC 9.1-9.3); 157 with the recognition and platform-freshness models
# (SPEC 9.4-9.6, 8.6); 107 with the staging models' rules folded into one `group_rules`
# test per source system and severity (tests/generic/group_rules.sql).
MOST_TEST_NODES = 107


def _row(model: str, column: str, rule: str, severity: str) -> str:
    return f"{model} | {column} | {rule} | {severity}"


def _values(values: list[Any]) -> str:
    return "[" + ", ".join(sorted(str(value) for value in values)) + "]"


def _range(bounds: dict[str, Any]) -> str:
    return f"accepted_range[{bounds.get('min_value')}, {bounds.get('max_value')}]"


def _rule(expression: str, where: str | None = None) -> str:
    return f"rule: {expression}" + (f" where {where}" if where else "")


def checks(manifest: dict[str, Any]) -> set[str]:
    """One line per (model, column, rule, severity) the manifest's data tests check, the
    same whether a rule is its own test node or one rule of a `column_rules` test."""
    found: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        severity = str(node["config"]["severity"]).lower()
        metadata = node.get("test_metadata")
        if not metadata:
            found.add(_row("", node["name"], "singular", severity))
            continue
        model = str(node["attached_node"]).split(".")[-1]
        name = metadata["name"]
        kwargs = metadata["kwargs"]
        if name == "group_rules":
            for member, rules in kwargs["models"].items():
                for check in _group_member(rules):
                    found.add(_row(member, check[0], check[1], severity))
            continue
        column = kwargs.get("column_name") or ""
        # dbt moves a test's `where` argument into its config.
        where = node["config"].get("where")
        for check in _checks_of(name, {"where": where, **kwargs}, column):
            found.add(_row(model, check[0], check[1], severity))
    return found


def _checks_of(name: str, kwargs: dict[str, Any], column: str) -> list[tuple[str, str]]:
    if name == "primary_key":
        return [(column, "not_null"), (column, "unique")]
    if name in ("not_null", "unique"):
        return [(column, name)]
    if name == "accepted_values":
        return [(column, "accepted_values" + _values(kwargs["values"]))]
    if name == "accepted_range":
        return [(column, _range(kwargs))]
    if name == "relationships":
        return [(column, f"relationships {kwargs['to']}.{kwargs['field']}")]
    if name == "unique_combination_of_columns":
        return [(",".join(kwargs["combination_of_columns"]), "unique")]
    if name == "business_rules":
        return [("", _rule(expression)) for expression in kwargs["rules"].values()]
    if name == "column_rules":
        return _column_rules(kwargs)
    # Tests kept whole (a key over recent rows, relationships_or_held,
    # weights, contribution conservation): the test and its arguments are the check.
    arguments = {k: v for k, v in kwargs.items() if k not in ("model", "column_name", "where")}
    return [(column, f"{name} {json.dumps(arguments, sort_keys=True)}")]


def _group_member(rules: dict[str, Any]) -> list[tuple[str, str]]:
    """A `group_rules` member's checks, written as the tests it replaced wrote them: a key
    over recent rows as `primary_key`, a relationship with `held` as
    `relationships_or_held`, every other rule as in `column_rules`."""
    found: list[tuple[str, str]] = []
    plain = dict(rules)
    if plain.get("changed_at"):
        key = plain.pop("key")
        arguments = {"changed_at": plain.pop("changed_at")}
        if plain.get("lineage"):
            arguments["lineage"] = plain["lineage"]
        found.append((key, f"primary_key {json.dumps(arguments, sort_keys=True)}"))
    relationships = dict(plain.pop("relationships", {}))
    for column, parent in list(relationships.items()):
        if parent.get("held"):
            del relationships[column]
            found.append((column, f"relationships_or_held {json.dumps(parent, sort_keys=True)}"))
    return found + _column_rules({**plain, "relationships": relationships})


def _column_rules(kwargs: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if kwargs.get("key"):
        found += [(kwargs["key"], "not_null"), (kwargs["key"], "unique")]
    found += [(column, "not_null") for column in kwargs.get("not_null", [])]
    for column, values in kwargs.get("accepted_values", {}).items():
        found.append((column, "accepted_values" + _values(values)))
    for column, bounds in kwargs.get("accepted_range", {}).items():
        found.append((column, _range(bounds)))
    found += [(",".join(columns), "unique") for columns in kwargs.get("unique", [])]
    for column, parent in kwargs.get("relationships", {}).items():
        found.append((column, f"relationships {parent['to']}.{parent['field']}"))
    for rule in kwargs.get("rules", {}).values():
        if isinstance(rule, dict):
            found.append(("", _rule(rule["expression"], rule.get("where"))))
        else:
            found.append(("", _rule(rule)))
    return found


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("parse")
    run = run_dbt(work / "warehouse.duckdb", work, "parse")
    assert run.returncode == 0, run.output
    return json.loads((work / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_the_data_tests_check_every_listed_rule_and_no_other(manifest: dict[str, Any]) -> None:
    listed = {line for line in CHECKS.read_text(encoding="utf-8").splitlines() if line}
    found = checks(manifest)
    assert sorted(listed - found) == [], "checks lost"
    assert sorted(found - listed) == [], "checks not listed in data_test_checks.txt"
    # Hand-picked from the list: a folded key, an accepted value and a relationship.
    assert _row("kpi_daily", "kpi_daily_id", "unique", "error") in found
    assert _row("kpi_daily", "status", "accepted_values[green, red, yellow]", "error") in found
    assert (
        _row("kpi_daily", "kpi_code", "relationships ref('kpi_definitions').kpi_code", "error")
        in found
    )


def test_a_model_s_column_rules_are_one_test_node(manifest: dict[str, Any]) -> None:
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    assert len(tests) <= MOST_TEST_NODES
    kpi_daily = sorted(
        n["name"] for n in tests if n.get("attached_node") == "model.perfchain.kpi_daily"
    )
    assert kpi_daily == ["column_rules_kpi_daily"]
