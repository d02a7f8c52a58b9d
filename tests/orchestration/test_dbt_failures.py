"""A failed dbt data test is described with its first failing rows, read by running the
test's compiled query again; warnings and models are not data-test failures."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from orchestration.defs.warehouse.failures import describe_failures, failed_data_tests


def _results(path: Path, results: list[dict]) -> Path:
    path.write_text(json.dumps({"results": results}), encoding="utf-8")
    return path


def test_failed_tests_carry_their_first_rows_and_the_rest_is_counted(tmp_path: Path) -> None:
    rows = " union all ".join(
        f"select 'SO{n:03d}' as order_id, {n} as line_no, -{n * 100} as ordered_qty"
        for n in range(1, 8)
    )
    run_results = _results(
        tmp_path / "run_results.json",
        [
            {
                "unique_id": "test.perfchain.business_rules_stg_erp__sale_order_lines.abc",
                "status": "fail",
                "failures": 7,
                "message": "Got 7 results, configured to fail if != 0",
                "compiled_code": rows,
            },
            # A warning does not stop the build; a model's error is not a test's.
            {"unique_id": "test.perfchain.relationships_x.def", "status": "warn", "failures": 2},
            {"unique_id": "model.perfchain.stg_x", "status": "error", "message": "boom"},
            # A test whose query could not run: named, without rows.
            {
                "unique_id": "test.perfchain.primary_key_y.ghi",
                "status": "error",
                "failures": None,
                "message": "Catalog Error: Table y does not exist",
                "compiled_code": "select * from y",
            },
        ],
    )
    with duckdb.connect() as con:
        failed = failed_data_tests(run_results, con)

    assert [(test.name, test.status, test.failures) for test in failed] == [
        ("business_rules_stg_erp__sale_order_lines", "fail", 7),
        ("primary_key_y", "error", None),
    ]
    assert failed[0].rows[0] == {"order_id": "SO001", "line_no": 1, "ordered_qty": -100}
    assert len(failed[0].rows) == 5
    assert describe_failures(failed).splitlines() == [
        "dbt test business_rules_stg_erp__sale_order_lines: 7 failing row(s) "
        "(Got 7 results, configured to fail if != 0)",
        "  order_id=SO001, line_no=1, ordered_qty=-100",
        "  order_id=SO002, line_no=2, ordered_qty=-200",
        "  order_id=SO003, line_no=3, ordered_qty=-300",
        "  order_id=SO004, line_no=4, ordered_qty=-400",
        "  order_id=SO005, line_no=5, ordered_qty=-500",
        "  ... 2 more",
        "dbt test primary_key_y: error (Catalog Error: Table y does not exist)",
    ]


def test_no_run_results_no_failures(tmp_path: Path) -> None:
    assert failed_data_tests(tmp_path / "missing.json") == []
