"""What a failed dbt data test found, in words the run's error message can carry.

dbt reports a failed test by name and count ("Got 1 result, configured to fail if != 0");
the person reading `perfchain run`'s error needs the record to fix at the source (an order
code and line, the value). After a failed build the test's own query (its compiled code in
`run_results.json`) is run again on the warehouse for its first rows: a test written to
return the broken rule and the columns that name a record (`column_rules`,
`business_rules`, tests/generic) names it here, and one given a `lineage`
(dbt_project/macros/lineage.sql) says where the record came from: the workbook's file,
sheet, row and columns, or the source, entity, key and raw batch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SAMPLE_ROWS = 5
# dbt's statuses of a data test that stops the build (`warn` does not).
FAILED = ("fail", "error")
# The columns `lineage_columns` (dbt_project/macros/lineage.sql) adds to a failing row.
LINEAGE = "_lineage_"


class DataTestsFailed(Exception):
    """dbt data tests failed: the message names each test and its first failing rows."""


@dataclass(frozen=True)
class FailedTest:
    name: str
    status: str
    message: str
    failures: int | None
    rows: list[dict[str, object]] = field(default_factory=list)

    @property
    def headline(self) -> str:
        count = f"{self.failures} failing row(s)" if self.failures is not None else self.status
        return f"dbt test {self.name}: {count} ({self.message})"

    @property
    def row_lines(self) -> list[str]:
        """One line per sample row, where it came from first; then how many more."""
        lines = [describe_row(row) for row in self.rows]
        if self.failures is not None and self.failures > len(self.rows) > 0:
            lines.append(f"... {self.failures - len(self.rows)} more")
        return lines

    def describe(self) -> str:
        return "\n".join([self.headline, *("  " + line for line in self.row_lines)])


def describe_row(row: dict[str, object]) -> str:
    """`where: column=value, ...`; `where` from the row's lineage columns, when it has any:
    "targets.xlsx, sheet 'kpi_targets', row 7, column(s) kpi_code, scope_type" or
    "source mes, entity production_counts, key PR-1, batch 20260214T..."."""
    # A `group_rules` row carries every lineage column, null where its model has none.
    lineage = {
        key[len(LINEAGE) :]: value
        for key, value in row.items()
        if key.startswith(LINEAGE) and value is not None
    }
    values = ", ".join(
        f"{key}={value}" for key, value in row.items() if not key.startswith(LINEAGE)
    )
    where = []
    if lineage.get("file") is not None:
        where.append(str(lineage["file"]))
    if lineage.get("sheet") is not None:
        where.append(f"sheet {lineage['sheet']!r}")
    if lineage.get("row") is not None:
        where.append(f"row {lineage['row']}")
    if lineage.get("columns"):
        where.append(f"column(s) {lineage['columns']}")
    for part in ("source", "entity", "key", "batch"):
        if part in lineage:
            where.append(f"{part} {lineage[part]}")
    return f"{', '.join(where)}: {values}" if where else values


def failed_data_tests(
    run_results: Path, con: duckdb.DuckDBPyConnection | None = None
) -> list[FailedTest]:
    """The data tests of `run_results` (dbt's run_results.json) that failed, each with its
    first failing rows when `con` (the warehouse the build ran on) is given."""
    if not run_results.exists():
        return []
    results = json.loads(run_results.read_text(encoding="utf-8")).get("results", [])
    failed = []
    for result in results:
        unique_id = str(result.get("unique_id", ""))
        if not unique_id.startswith("test.") or result.get("status") not in FAILED:
            continue
        rows: list[dict[str, object]] = []
        code = result.get("compiled_code")
        if con is not None and code and result.get("status") == "fail":
            rows = _first_rows(con, str(code))
        failed.append(
            FailedTest(
                name=unique_id.split(".")[2],
                status=str(result["status"]),
                message=str(result.get("message") or "").strip(),
                failures=result.get("failures"),
                rows=rows,
            )
        )
    return failed


def describe_failures(failed: list[FailedTest]) -> str:
    return "\n".join(test.describe() for test in failed)


def _first_rows(con: duckdb.DuckDBPyConnection, code: str) -> list[dict[str, object]]:
    try:
        cursor = con.execute(f"select * from ({code}) as failures limit {SAMPLE_ROWS}")
        columns = [column[0] for column in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error:
        # The count dbt gave still stands; a query that no longer runs (a model rebuilt
        # since) only costs the sample.
        return []
