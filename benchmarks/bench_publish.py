"""Quality gate + publish timing on a working warehouse (issue 5: ≤ 15 % of the nightly run
at scale m).

The warehouse is copied to a temporary folder first, so the benchmark never touches a
real one. Measured: importing Great Expectations (paid once per process; the nightly run
imports it with the checks), the gate (validation, and Data Docs as on a failing night),
and the publish (copy, comments, fsync, replace). Prints JSON.

    .venv/bin/python benchmarks/bench_publish.py [--warehouse PATH] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from perfchain.core.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=None, help="default: the settings'")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="data-through")
    parser.add_argument("--nightly-seconds", type=float, default=60.0, help="the run to compare")
    args = parser.parse_args()
    source = args.warehouse or load_settings().warehouse_path
    if not source.exists():
        raise SystemExit(f"no warehouse at {source}: run `perfchain demo` or pass --warehouse")

    with tempfile.TemporaryDirectory(prefix="bench_publish_") as folder:
        home = Path(folder)
        warehouse = home / "warehouse.duckdb"
        shutil.copyfile(source, warehouse)
        started = time.perf_counter()
        from expectations.gate import run_gate
        from expectations.publish import publish

        import_seconds = time.perf_counter() - started
        with duckdb.connect(str(warehouse)) as con:
            data_through = (
                args.date or con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()[0]
            )
            timings = {}
            for docs in (False, True):
                started = time.perf_counter()
                gate = run_gate(
                    con, data_through, run_id="bench", out_dir=home / "quality", docs=docs
                )
                timings["gate_with_docs" if docs else "gate"] = time.perf_counter() - started
            started = time.perf_counter()
            blocked = [f"{c.suite}.{c.name}" for c in gate.blocking_failures]
            # Publish refuses a blocked gate; to time it anyway the failures are marked passed
            # here, and listed in the report so nobody mistakes this for a clean night.
            for check in gate.blocking_failures:
                check.status = "passed"
            result = publish(
                con,
                home / "published" / "perfchain.duckdb",
                run_id="bench",
                data_through=data_through,
                gate=gate,
            )
            timings["publish"] = time.perf_counter() - started
        total = timings["gate"] + timings["publish"]
        report = {
            "warehouse": str(source),
            "data_through": str(data_through),
            "mart_rows": sum(result.row_counts.values()),
            "published_mb": round(result.path.stat().st_size / 1e6, 1),
            "import_seconds": round(import_seconds, 2),
            **{f"{key}_seconds": round(value, 2) for key, value in timings.items()},
            "gate_plus_publish_seconds": round(total, 2),
            "share_of_nightly": round(total / args.nightly_seconds, 3),
            "target_share": 0.15,
            "blocking_failures_ignored_for_timing": blocked,
        }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
