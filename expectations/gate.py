"""The quality gate: every mart's suite against the working warehouse, in one call.

`run_gate` pulls each check's frame from DuckDB (the whole mart, or a SQL query's rows),
validates it with Great Expectations (`FrameValidator`, pandas), and returns a
`GateResult`: per-suite and per-check outcomes, blocking failures with up to five sample
rows, the Data Docs path and a short text summary. A check whose query fails (a missing
mart, a renamed column) counts as failed: a gate that cannot look must not let data out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import great_expectations.expectations as gxe
import pandas as pd

from expectations.contract import CONTRACTS
from expectations.registry import SUITES
from expectations.results import GATE_FILE, CheckResult, GateResult, Status, SuiteResult
from expectations.suite import Check, GateInputs, MartSuite
from expectations.summary import render_summary, write_summary
from expectations.validator import SAMPLE_SIZE, FrameValidator
from perfchain.core.published import open_published


def run_gate(
    con: duckdb.DuckDBPyConnection,
    data_through: date,
    *,
    run_id: str,
    out_dir: Path,
    plant_tz: str = "Asia/Shanghai",
    history: Mapping[str, Sequence[int]] | None = None,
    published_path: Path | None = None,
    logs_dir: Path | None = None,
    suites: Iterable[MartSuite] | None = None,
    docs: bool | None = None,
) -> GateResult:
    """Audit the marts in `con` (the working warehouse) for the run's data-through date.

    `history` (mart → earlier published row counts) feeds the volume checks; when omitted
    it is read from `meta.publish_log` of `published_path`. Writes `gate.json`,
    `summary.txt` and Data Docs (`data_docs/index.html`) into `out_dir`, and the summary
    into `logs_dir` when given. Data Docs are built when a check failed, or always with
    `docs=True` (rendering costs about as much as validating).
    """
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    if history is None:
        history = read_publish_history(published_path) if published_path else {}
    inputs = GateInputs(data_through, run_id, plant_tz, history)
    validator = FrameValidator(run_id, out_dir / "data_docs")
    results = [
        _run_suite(con, suite, inputs, validator)
        for suite in (suites if suites is not None else SUITES.values())
    ]
    result = GateResult(run_id, data_through, results)
    if docs or (docs is None and (result.blocking_failures or result.warnings)):
        result.docs_path = validator.build_docs()
    result.seconds = round(time.perf_counter() - started, 3)
    result.summary = render_summary(result)
    (out_dir / GATE_FILE).write_text(result.to_json(), encoding="utf-8")
    (out_dir / "summary.txt").write_text(result.summary, encoding="utf-8")
    if logs_dir is not None:
        write_summary(result, logs_dir)
    return result


def read_publish_history(published_path: Path) -> dict[str, list[int]]:
    """Row counts per mart of earlier publishes, oldest first, from the published file.

    Read through `open_published`: a BI tool holding the file read-write must not stop the
    nightly run's gate (it then reads a private copy)."""
    if not published_path.exists():
        return {}
    history: dict[str, list[int]] = {}
    with open_published(published_path) as published:
        try:
            rows = published.execute(
                "select row_counts from meta.publish_log "
                "where action = 'publish' order by published_at"
            ).fetchall()
        except duckdb.CatalogException:
            return {}
    for (row_counts,) in rows:
        for mart, count in json.loads(row_counts).items():
            history.setdefault(mart, []).append(int(count))
    return history


def _run_suite(
    con: duckdb.DuckDBPyConnection,
    suite: MartSuite,
    inputs: GateInputs,
    validator: FrameValidator,
) -> SuiteResult:
    try:
        row_count = con.execute(f"select count(*) from marts.{suite.mart}").fetchone()[0]
    except duckdb.Error:
        row_count = None
    # Checks over the same frame are validated together: one query, one GE validation.
    frames: dict[str, list[Check]] = {}
    for check in suite.checks:
        frames.setdefault(suite.frame_sql(check), []).append(check)
    outcomes: dict[str, CheckResult] = {}
    for number, (sql, checks) in enumerate(frames.items()):
        name = suite.mart if number == 0 else f"{suite.mart}.{checks[0].name}"
        outcomes.update(_run_frame(con, suite.mart, name, sql, checks, inputs, validator))
    return SuiteResult(suite.mart, row_count, [outcomes[check.name] for check in suite.checks])


def _run_frame(
    con: duckdb.DuckDBPyConnection,
    mart: str,
    name: str,
    sql: str,
    checks: list[Check],
    inputs: GateInputs,
    validator: FrameValidator,
) -> dict[str, CheckResult]:
    def outcome(check: Check, status: Status, **details: Any) -> CheckResult:
        return CheckResult(mart, check.name, check.severity, check.reason, status, **details)

    built = [(check, check.build(inputs)) for check in checks]
    outcomes = {check.name: outcome(check, "skipped") for check, exp in built if exp is None}
    runnable = [(check, exp) for check, exp in built if exp is not None]
    if not runnable:
        return outcomes
    sql = _narrowed(mart, sql, [exp for _, exp in runnable])
    try:
        frame = con.execute(sql, _parameters(sql, inputs)).df()
    except duckdb.Error as error:
        message = f"query failed: {str(error).splitlines()[0]}"
        outcomes.update(
            {check.name: outcome(check, "error", error=message) for check, _ in runnable}
        )
        return outcomes
    results = validator.validate(
        name, frame, [(check.name, check.severity, check.reason, exp) for check, exp in runnable]
    )
    for check, expectation in runnable:
        outcomes[check.name] = _interpret(outcome, check, expectation, results[check.name], frame)
    return outcomes


# Expectations that read nothing but the frame's rows (row counts) or one named column.
_ROW_COUNTS = (gxe.ExpectTableRowCountToBeBetween, gxe.ExpectTableRowCountToEqual)
_ONE_COLUMN = (
    gxe.ExpectColumnValuesToBeBetween,
    gxe.ExpectColumnValuesToBeInSet,
    gxe.ExpectColumnValuesToNotBeNull,
)


def _narrowed(mart: str, sql: str, expectations: list[gxe.Expectation]) -> str:
    """The whole mart's frame, `select *`, cut to its key and the columns the checks read.

    Pulling every column of every mart into pandas, and Great Expectations hashing each
    frame to name its batch, were most of the gate's time; a mart's checks read a few
    columns. The key stays so a failing row's sample still names the row. A check of
    another kind may read any column: then the frame stays whole."""
    contract = CONTRACTS.get(mart)
    if contract is None or sql != f"select * from marts.{mart}":
        return sql
    read: set[str] = set()
    for expectation in expectations:
        if isinstance(expectation, _ONE_COLUMN):
            read.add(str(expectation.column))
        elif not isinstance(expectation, _ROW_COUNTS):
            return sql
    columns = [column for column in contract.columns if column in read or column in contract.key]
    if read - set(columns):  # a column the contract does not declare: let the query say so
        return sql
    return f"select {', '.join(columns)} from marts.{mart}"


def _parameters(sql: str, inputs: GateInputs) -> dict[str, Any]:
    # DuckDB rejects named parameters a statement does not use, so bind only those present.
    candidates = {"data_through": inputs.data_through, "plant_tz": inputs.plant_tz}
    return {key: value for key, value in candidates.items() if f"${key}" in sql}


def _interpret(
    outcome: Any,
    check: Check,
    expectation: gxe.Expectation,
    result: Any,
    frame: pd.DataFrame,
) -> CheckResult:
    exception = result.exception_info or {}
    if exception.get("raised_exception"):
        return outcome(check, "error", error=str(exception.get("exception_message")))
    details = result.result or {}
    observed = details.get("observed_value")
    unexpected = details.get("unexpected_count")
    if check.query is not None and isinstance(expectation, gxe.ExpectTableRowCountToEqual):
        observed = f"{observed} violating row(s)"
    elif observed is None and unexpected is not None:
        observed = f"{unexpected} of {details.get('element_count')} rows unexpected"
    samples: list[dict[str, Any]] = []
    if not result.success:
        indexes = details.get("partial_unexpected_index_list") or []
        if indexes and all(isinstance(index, int) for index in indexes):
            samples = _rows(frame.loc[list(indexes)[:SAMPLE_SIZE]])
        elif check.query is not None:
            # A violation query's rows are the sample: they are what broke the invariant.
            samples = _rows(frame.head(SAMPLE_SIZE))
    return outcome(
        check,
        "passed" if result.success else "failed",
        observed=None if observed is None else str(observed),
        unexpected_count=None if unexpected is None else int(unexpected),
        sample_rows=samples,
    )


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for record in frame.to_dict(orient="records"):
        rows.append(
            {key: (None if _missing(value) else str(value)) for key, value in record.items()}
        )
    return rows


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False  # lists and arrays are values, not missing
