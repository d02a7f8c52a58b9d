"""Expectations fail on bad data and pass on good data through the exact path the gate
uses (FrameValidator: DuckDB → pandas → Great Expectations), with real metric values.

GE's SQLAlchemy route through duckdb-engine returns empty metrics, which makes
expectations pass or fail on nothing; asserting the observed values themselves catches
that class of bug on whichever route the gate takes.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import great_expectations.expectations as gxe
import pytest

from expectations.gate import run_gate
from expectations.registry import SUITES
from expectations.validator import FrameValidator
from tests.quality.warehouse import DAY, build_warehouse


def _frame(sql: str):  # type: ignore[no-untyped-def]
    with duckdb.connect() as con:
        return con.execute(sql).df()


def test_range_expectation_fails_on_bad_and_passes_on_good() -> None:
    validator = FrameValidator("ge-path")
    check = [
        (
            "oee_between_0_and_1",
            "blocking",
            "share",
            gxe.ExpectColumnValuesToBeBetween(column="oee", min_value=0, max_value=1),
        )
    ]
    good = validator.validate("good", _frame("select 0.5 as oee union all select 0.7"), check)
    bad = validator.validate(
        "bad", _frame("select * from (values (0.5), (1.7), (-0.1), (0.2)) as t(oee)"), check
    )

    assert good["oee_between_0_and_1"].success
    assert good["oee_between_0_and_1"].result["element_count"] == 2
    assert good["oee_between_0_and_1"].result["unexpected_count"] == 0
    result = bad["oee_between_0_and_1"]
    assert not result.success
    assert result.result["element_count"] == 4
    assert result.result["unexpected_count"] == 2
    assert sorted(result.result["partial_unexpected_list"]) == [-0.1, 1.7]


def test_row_count_metric_is_observed_not_empty() -> None:
    validator = FrameValidator("ge-metrics")
    check = [("none", "blocking", "violations", gxe.ExpectTableRowCountToEqual(value=0))]
    empty = validator.validate("empty", _frame("select 1 as x where false"), check)["none"]
    three = validator.validate("three", _frame("select * from range(3)"), check)["none"]

    assert empty.success and empty.result["observed_value"] == 0
    assert not three.success and three.result["observed_value"] == 3


@pytest.mark.slow  # runs the whole gate
def test_gate_reports_observed_values_from_the_warehouse(tmp_path: Path) -> None:
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb", ("duplicated_order_row",))
    with duckdb.connect(str(warehouse)) as con:
        gate = run_gate(
            con,
            DAY,
            run_id="ge-path",
            out_dir=tmp_path / "quality",
            suites=[SUITES["fct_order_delivery"]],
        )
    checks = {check.name: check for check in gate.checks}
    assert checks["not_empty"].status == "passed" and checks["not_empty"].observed == "73"
    assert checks["key_unique"].status == "failed"
    assert checks["key_unique"].observed == "1 violating row(s)"
    assert checks["key_unique"].sample_rows[0]["copies"] == "2"
    assert gate.row_counts == {"fct_order_delivery": 73}
