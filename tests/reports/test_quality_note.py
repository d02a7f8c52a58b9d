"""The reports' quality section comes from the published file alone: publish records each
warning with its reason, observation and rows in `meta.publish_log`, and the note is built
from the latest row, with no logs directory anywhere."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from expectations.publish import publish
from expectations.results import CheckResult, GateResult, SuiteResult
from perfchain.core.published import read_publish_log
from reports.common.quality import gate_note
from tests.quality.warehouse import DAY, build_warehouse

WARNING = CheckResult(
    "kpi_daily",
    "every_team_reported",
    "warning",
    "a team without a row hides its shift",
    "failed",
    observed="1 violating row(s)",
    sample_rows=[{"team_id": "T07", "kpi_date": "2026-03-02"}],
)
PASSED = CheckResult("dim_date", "key_unique", "blocking", "one row per date", "passed")
SKIPPED = CheckResult("dim_date", "volume", "blocking", "row count near history", "skipped")


def _publish(tmp_path: Path, run_id: str, checks: list[CheckResult]) -> Path:
    target = tmp_path / "home" / "published" / "perfchain.duckdb"
    gate = GateResult(run_id, DAY, [SuiteResult("dim_date", None, checks)])
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    publish(warehouse, target, run_id=run_id, data_through=DAY, gate=gate)
    return target


def test_a_published_warning_is_the_reports_quality_note(tmp_path: Path) -> None:
    published = _publish(tmp_path, "warned", [PASSED, WARNING, SKIPPED])
    assert not (tmp_path / "home" / "logs").exists()
    (entry,) = read_publish_log(published)
    recorded = json.loads(entry["checks"])
    # A passed or skipped check: its name and outcome; the warning: also what it found.
    assert recorded == [
        {"suite": "dim_date", "check": "key_unique", "severity": "blocking", "status": "passed"},
        {
            "suite": "kpi_daily",
            "check": "every_team_reported",
            "severity": "warning",
            "status": "failed",
            "reason": "a team without a row hides its shift",
            "observed": "1 violating row(s)",
            "error": None,
            "rows": [{"team_id": "T07", "kpi_date": "2026-03-02"}],
        },
        {"suite": "dim_date", "check": "volume", "severity": "blocking", "status": "skipped"},
    ]

    with duckdb.connect(str(published), read_only=True) as con:
        note = gate_note(con)

    assert note.has_issues
    assert note.lines == [
        f"Quality gate PASSED for data through {DAY} (run warned): 1/2 checks passed, "
        "0 blocking failure(s), 1 warning(s).",
        "",
        "Warnings:",
        "- kpi_daily.every_team_reported [warning]: a team without a row hides its shift",
        "    observed: 1 violating row(s)",
        "    row: team_id=T07, kpi_date=2026-03-02",
    ]


def test_a_clean_publish_has_no_issues_and_an_empty_file_no_note(tmp_path: Path) -> None:
    published = _publish(tmp_path, "clean", [PASSED, SKIPPED])
    with duckdb.connect(str(published), read_only=True) as con:
        note = gate_note(con)
    assert not note.has_issues
    assert note.lines == [
        f"Quality gate PASSED for data through {DAY} (run clean): 1/1 checks passed, "
        "0 blocking failure(s), 0 warning(s).",
    ]
    with duckdb.connect() as con:
        con.execute("create schema meta")
        con.execute(
            "create table meta.publish_log (run_id varchar, published_at timestamptz, "
            "data_through date, checks_passed integer, checks_failed integer, checks json)"
        )
        assert gate_note(con).lines == [] and not gate_note(con).has_issues
