"""`make test-spark`: the dbt project built by Apache Spark (local session mode) on the demo's
raw data, and every published mart compared with DuckDB's build of the same data.

1. The demo warehouse: `perfchain demo --no-replay` into its own home, `var/spark/home`, reused while
   the code that makes raw data (simulator/, extractors/) is unchanged (`demo.json`).
2. A working copy of it (`var/spark/duckdb/warehouse.duckdb`); the tables dbt reads as
   sources are exported from it to Parquet (`var/spark/parquet`, perfchain/spark/sources.py).
3. DuckDB builds the seeds and models on the copy, `--full-refresh`, with the same vars:
   the reference, made by the SQL of this checkout (the demo's own build may be older).
   It runs in a subprocess while Spark starts.
4. Spark: a local session (perfchain/spark/session.py) with the Parquet files registered as
   external tables under the sources' schemas, then dbt in this process through
   `dbtRunner` against the `spark` target (dbt-spark `session`): seeds and models
   (`dbt build --resource-type seed model`, so a failing test skips no mart), then the
   data and unit tests (`dbt test`). Snapshots are left out (Delta/Iceberg on Spark).
5. Every mart the publish step copies (each relation of DuckDB's `marts` schema) is
   compared (perfchain/spark/compare.py): one line per table, rows duckdb / rows spark /
   equal. Exit status 1 on any difference, dbt error or failed test.

`--select` narrows the dbt runs on both engines (and the comparison to the marts selected)
for a quick loop: `.venv/bin/python -m perfchain.spark --select +fct_oee_shift`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from perfchain.core.settings import REPO_ROOT, load_settings
from perfchain.spark.compare import CanonicalTable, TableComparison, compare
from perfchain.spark.session import java_problem, local_session
from perfchain.spark.sources import export_sources, register_sources, source_tables

PROJECT_DIR = REPO_ROOT / "dbt_project"
WORK_DIR = REPO_ROOT / "var" / "spark"
# What makes the demo's raw data: the demo warehouse is rebuilt when one of them changes.
RAW_MAKERS = ("simulator", "extractors", "orchestration/defs/ingest")


@dataclass
class DbtOutcome:
    """What one dbt invocation did, by resource type and status."""

    success: bool
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    models: set[str] = field(default_factory=set)

    def summary(self) -> str:
        return ", ".join(
            f"{kind} {status}: {n}" for (kind, status), n in sorted(self.counts.items())
        )


def _echo(text: str = "") -> None:
    print(text, flush=True)


def _fingerprint() -> str:
    """The state of the code that makes raw data: git tree hashes plus uncommitted changes."""
    try:
        trees = subprocess.run(
            ["git", "rev-parse", *(f"HEAD:{path}" for path in RAW_MAKERS)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        dirty = subprocess.run(
            ["git", "diff", "HEAD", "--", *RAW_MAKERS],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "no git"
    return trees + str(hash(dirty) if dirty else "")


def demo_warehouse(home: Path) -> Path:
    """The demo's working warehouse in `home`, built by `perfchain demo` unless current."""
    warehouse, stamp = home / "warehouse.duckdb", home / "demo.json"
    fingerprint = _fingerprint()
    if (
        warehouse.exists()
        and stamp.exists()
        and json.loads(stamp.read_text(encoding="utf-8")).get("raw_makers") == fingerprint
    ):
        _echo(f"demo warehouse: {warehouse} (current)")
        return warehouse
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    _echo(f"demo warehouse: `perfchain demo --no-replay` into {home} ...")
    env = dict(os.environ, PERFCHAIN_HOME=str(home))
    log = home / "demo.log"
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.run(
            # Without the replayed alert day: the comparison needs the raw data only.
            [str(Path(sys.executable).parent / "perfchain"), "demo", "--no-replay"],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if proc.returncode != 0 or not warehouse.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        raise SystemExit(f"`perfchain demo` failed (exit {proc.returncode}; {log}):\n{tail}")
    stamp.write_text(json.dumps({"raw_makers": fingerprint}), encoding="utf-8")
    return warehouse


def dbt_vars() -> dict[str, Any]:
    """The vars the nightly dbt step passes (orchestration/definitions.py)."""
    settings = load_settings()
    return {
        "plant_id": settings.plant.code,
        "plant_tz": settings.plant.timezone,
        "platform_freshness": settings.alerts.freshness_expectations(),
    }


def _common_args(target_dir: Path, selection: list[str]) -> list[str]:
    args = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_dir / "target"),
        "--log-path",
        str(target_dir / "logs"),
    ]
    return [*args, "--select", *selection] if selection else args


def _first_line(message: str) -> str:
    """The line of a dbt message that says what went wrong (dbt wraps it in headings)."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    telling = [
        line
        for line in lines
        if not line.startswith(("Runtime Error", "Compilation Error", "Database Error", "=="))
    ]
    line = (telling or lines or [""])[0]
    return line if len(line) <= 240 else line[:237] + "..."


def _outcome(success: bool, results: list[tuple[str, str, str]]) -> DbtOutcome:
    outcome = DbtOutcome(success)
    for unique_id, status, message in results:
        kind = unique_id.split(".")[0]
        outcome.counts[(kind, status)] += 1
        if status in ("error", "fail", "skipped") and kind != "test" or status in ("error", "fail"):
            outcome.failures.append(f"{status}: {unique_id}: {_first_line(message)}")
        if kind == "model" and status == "success":
            outcome.models.add(unique_id.split(".")[-1])
    return outcome


class DuckdbBuild:
    """Seeds and models on the DuckDB copy, from scratch, in a subprocess (its own adapter),
    started at once so that it runs while Spark starts; `wait()` gives the outcome."""

    def __init__(
        self, warehouse: Path, work: Path, selection: list[str], variables: dict[str, Any]
    ) -> None:
        self.work = work
        env = dict(
            os.environ,
            PERFCHAIN_WAREHOUSE=str(warehouse),
            PERFCHAIN_DUCKDB_TEMP=str(work / "duckdb_tmp"),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        args = [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--target",
            "dev",
            "--full-refresh",
            "--resource-type",
            "seed",
            "--resource-type",
            "model",
            "--vars",
            json.dumps(variables),
            *_common_args(work, selection),
        ]
        self.output = work / "dbt-build.out"
        self.started = time.monotonic()
        with self.output.open("w", encoding="utf-8") as out:
            self.process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)

    def wait(self) -> DbtOutcome:
        returncode = self.process.wait()
        self.seconds = time.monotonic() - self.started
        results_file = self.work / "target" / "run_results.json"
        results = (
            json.loads(results_file.read_text(encoding="utf-8"))["results"]
            if results_file.exists()
            else []
        )
        outcome = _outcome(
            returncode == 0,
            [(r["unique_id"], r["status"], r.get("message") or "") for r in results],
        )
        if returncode != 0 and not results:
            tail = self.output.read_text(encoding="utf-8", errors="replace")[-2000:]
            outcome.failures.append(f"dbt build failed (exit {returncode}): {tail}")
        return outcome


def spark_dbt(command: list[str], work: Path, selection: list[str], variables: dict) -> DbtOutcome:
    """One dbt invocation on the `spark` target, in this process (the session exists)."""
    from dbt.cli.main import dbtRunner  # dbt-spark's session mode needs this process

    args = [
        *command,
        "--target",
        "spark",
        "--vars",
        json.dumps(variables),
        *_common_args(work, selection),
    ]
    result = dbtRunner().invoke(args)
    results = getattr(result.result, "results", None) or []
    outcome = _outcome(
        bool(result.success),
        [(r.node.unique_id, str(r.status), r.message or "") for r in results],
    )
    if result.exception is not None:
        outcome.failures.append(f"dbt {' '.join(command)}: {result.exception}")
    return outcome


def published_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the publish step copies: every relation of the warehouse's `marts` schema."""
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_schema = 'marts' "
            "order by table_name"
        ).fetchall()
    ]


def compare_marts(
    con: duckdb.DuckDBPyConnection, spark: Any, marts: list[str]
) -> list[TableComparison]:
    results = []
    for mart in marts:
        ours = CanonicalTable.from_arrow(
            con.execute(f'select * from marts."{mart}"').fetch_arrow_table()
        )
        try:
            theirs = CanonicalTable.from_arrow(spark.table(f"marts.`{mart}`").toArrow())
        except Exception as error:  # noqa: BLE001 - a mart Spark did not build is a line too
            missing = "TABLE_OR_VIEW_NOT_FOUND" in str(error)
            why = (
                "not built on Spark"
                if missing
                else f"unreadable on Spark: {_first_line(str(error))}"
            )
            results.append(TableComparison(mart, len(ours.rows), None, error=why))
            continue
        results.append(compare(mart, ours, theirs))
    return results


def run(selection: list[str], work: Path = WORK_DIR) -> int:
    started = time.monotonic()
    problem = java_problem()
    if problem:
        _echo(f"test-spark: {problem}")
        return 2
    variables = dbt_vars()
    phase = time.monotonic()
    demo = demo_warehouse(work / "home")
    timings = {"demo warehouse": time.monotonic() - phase}

    phase = time.monotonic()
    duck_dir = work / "duckdb"
    if duck_dir.exists():
        shutil.rmtree(duck_dir)
    duck_dir.mkdir(parents=True)
    warehouse = duck_dir / "warehouse.duckdb"  # the same stem: views name their database
    shutil.copyfile(demo, warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        folders, missing = export_sources(con, source_tables(), work / "parquet")
    _echo(
        f"exported {len(folders)} source tables to Parquet ({work / 'parquet'})"
        + (f"; not in the warehouse: {', '.join(t.name for t in missing)}" if missing else "")
    )
    timings["export"] = time.monotonic() - phase

    _echo("duckdb: dbt build (seeds, models) --full-refresh, while Spark starts ...")
    build = DuckdbBuild(warehouse, duck_dir, selection, variables)
    phase = time.monotonic()
    spark = local_session(work / "spark")
    register_sources(spark, folders)
    timings["spark session"] = time.monotonic() - phase
    _echo(f"spark: local[2] session, {len(folders)} sources registered")
    duck = build.wait()
    timings["duckdb build"] = build.seconds
    _echo(f"duckdb: {duck.summary()} ({build.seconds:.0f} s)")
    phase = time.monotonic()
    spark_dir = work / "spark-dbt"
    built = spark_dbt(
        ["build", "--resource-type", "seed", "--resource-type", "model"],
        spark_dir,
        selection,
        variables,
    )
    timings["spark build"] = time.monotonic() - phase
    _echo(f"spark: dbt build (seeds, models): {built.summary()} ({timings['spark build']:.0f} s)")
    phase = time.monotonic()
    # With a selection, only the tests whose every parent is selected: a relationship
    # test towards a model left out would fail for want of its table.
    tested = spark_dbt(
        ["test", *(["--indirect-selection", "cautious"] if selection else [])],
        spark_dir,
        selection,
        variables,
    )
    timings["spark test"] = time.monotonic() - phase
    _echo(f"spark: dbt test: {tested.summary()} ({timings['spark test']:.0f} s)")

    phase = time.monotonic()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        marts = published_marts(con)
        if selection:
            marts = [m for m in marts if m in duck.models]
        comparisons = compare_marts(con, spark, marts)
    timings["compare"] = time.monotonic() - phase
    spark.stop()

    _echo("")
    _echo(f"{'published mart':<40} {'rows duckdb':>9} / {'rows spark':>9}")
    for comparison in comparisons:
        _echo(comparison.line())
        for line in comparison.details():
            _echo(line)
    equal = sum(c.equal for c in comparisons)
    _echo(f"{equal} of {len(comparisons)} published marts equal")
    for outcome, name in ((duck, "duckdb"), (built, "spark build"), (tested, "spark test")):
        for failure in outcome.failures:
            _echo(f"{name}: {failure}")
    _echo(f"dbt's logs: {duck_dir / 'logs'} (duckdb), {spark_dir / 'logs'} (spark)")
    spent = " · ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
    _echo(f"time: {time.monotonic() - started:.0f} s ({spent})")
    ok = (
        duck.success
        and built.success
        and tested.success
        and equal == len(comparisons)
        and bool(comparisons)
    )
    # The closing line in the plain form CI reads: the marts compared equal pass; a mart
    # that differs and each dbt error or failed test fail.
    failed = (len(comparisons) - equal) + sum(
        len(outcome.failures) for outcome in (duck, built, tested)
    )
    if not ok and not failed:
        failed = 1  # no mart compared, or dbt failed without naming a node
    _echo(f"test-spark: {equal} passed, {failed} failed")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m perfchain.spark", description=__doc__)
    parser.add_argument(
        "--select", nargs="+", default=[], help="dbt node selection, on both engines"
    )
    args = parser.parse_args(argv)
    return run(args.select)
