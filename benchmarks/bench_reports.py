"""Report drop timing (issue 6: every drop for one day at scale m in ≤ 30 s).

Builds the day, week and month workbook and brief (Chinese) for one date from a published
file into a temporary folder, and prints the seconds per file and in total as JSON.

    .venv/bin/python benchmarks/bench_reports.py [--published PATH] [--date YYYY-MM-DD]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from perfchain.core.settings import load_settings

BUDGET_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=None, help="default: the settings'")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="default: last")
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    args = parser.parse_args()
    published = args.published or load_settings().published_path
    if not published.exists():
        raise SystemExit(
            f"no published file at {published}: run `perfchain demo` or pass --published"
        )

    started = time.perf_counter()
    from reports.brief.build import build_brief
    from reports.common.periods import PERIODS
    from reports.workbook.build import build_workbook

    timings: dict[str, float] = {"import": time.perf_counter() - started}
    with tempfile.TemporaryDirectory(prefix="bench_reports_") as folder:
        out = Path(folder)
        with duckdb.connect(str(published), read_only=True) as con:
            as_of = (
                args.date or con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()[0]
            )
            rows = con.execute("select count(*) from marts.fct_team_quality_hourly").fetchone()[0]
            for period in PERIODS:
                for name, build in (("xlsx", build_workbook), ("pdf", build_brief)):
                    begun = time.perf_counter()
                    path = build(con, as_of, args.lang, period, out_dir=out)
                    timings[f"{period}.{name}"] = time.perf_counter() - begun
                    timings[f"{period}.{name}.kb"] = path.stat().st_size / 1024
    total = time.perf_counter() - started
    print(
        json.dumps(
            {
                "published": str(published),
                "as_of": str(as_of),
                "team_hour_rows": rows,
                "seconds": {key: round(value, 2) for key, value in timings.items()},
                "total_seconds": round(total, 2),
                "budget_seconds": BUDGET_SECONDS,
                "within_budget": total <= BUDGET_SECONDS,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
