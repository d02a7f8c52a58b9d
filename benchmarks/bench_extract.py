"""make bench-extract: extract + load of a whole dataset against the floor.

The simulator runs as its own process (as a source system would), the extractors in this
one. Measured: rows/s per source and in total, peak memory of the extracting process, and
the floor — DuckDB loading the same landing files with nothing else — with the ratio.
Target (issue 3): extract + load ≤ 3× the floor.

    .venv/bin/python benchmarks/bench_extract.py [--scale m] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import duckdb

from benchmarks._simulator import SimulatorProcess
from extractors._http.runner import extract_entity
from extractors._http.session import RetryPolicy
from extractors.clients import REST_PAGE_SIZE, build_client
from extractors.credentials import SECRET_KEYS
from extractors.simulator.schema import ENTITIES
from extractors.simulator.server.credentials import REST_SOURCES, Credentials

ROOT = Path(__file__).resolve().parent.parent

TZ = "Asia/Shanghai"
# Production page sizes: the largest each protocol allows.
BIG_PAGES = {
    "page_size": 10_000,  # Weaver; our REST APIs take REST_PAGE_SIZE
    "rows_per_page": 5_000,
    "batch_size": 2_000,
    "sample_count": 10_000,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", default="m")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    data = args.data or ROOT / "var" / "bench" / f"factory-{args.scale}-seed{args.seed}"
    if not (data / "manifest.json").exists():
        from extractors.simulator.generator import generate

        print(f"generating scale {args.scale} into {data} ...", flush=True)
        generate(data, scale=args.scale, seed=args.seed, progress=True)
    manifest = json.loads((data / "manifest.json").read_text())
    through = date.fromisoformat(manifest["start"]) + timedelta(days=int(manifest["days"]) - 1)

    work = Path(tempfile.mkdtemp(prefix="perfchain-bench-"))
    server = SimulatorProcess(data)
    policy = RetryPolicy(timeout=120)
    per_source: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    try:
        server.set_as_of(through)
        # As the nightly job's warehouse connection (WarehouseResource) opens it.
        con = duckdb.connect(
            str(work / "warehouse.duckdb"), config={"preserve_insertion_order": True}
        )
        con.execute("set TimeZone = 'UTC'")
        started = time.monotonic()
        for source in sorted({e.source for e in ENTITIES}):
            demo = Credentials()
            secrets = {key: getattr(demo, f"{source}_{key.lower()}") for key in SECRET_KEYS[source]}
            client = build_client(
                source,
                server.url(source),
                secrets,
                policy=policy,
                plant_tz=TZ,
                options={
                    **BIG_PAGES,
                    **({"page_size": REST_PAGE_SIZE} if source in REST_SOURCES else {}),
                    "from_account": demo.erp_from_account,
                    "user_id": demo.oa_user_id,
                },
            )
            for target in (e for e in ENTITIES if e.source == source):
                run = extract_entity(
                    client,
                    target,
                    con,
                    work / "landing",
                    run_date=through,
                    plant_tz=TZ,
                    overlap=timedelta(minutes=60),
                )
                per_source[source][0] += run.rows_loaded
                per_source[source][1] += run.seconds
        con.close()  # counted: the nightly job closes after each asset, checkpointing
        total_seconds = time.monotonic() - started
    finally:
        server.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The floor is the best DuckDB alone does: the extraction's files flushed to disk first
    # (so writeback does not slow it, nor it the extraction), then the faster of two loads.
    os.sync()
    floor_seconds = min(_floor(work, attempt) for attempt in range(2))
    shutil.rmtree(work, ignore_errors=True)  # gigabytes of landing files at scale m

    rows = sum(int(v[0]) for v in per_source.values())
    print(f"\nextract + load, scale {args.scale}, {rows:,} rows, as of {through} ({TZ})")
    print(f"{'source':<8}{'rows':>12}{'seconds':>10}{'rows/s':>12}")
    for source, (count, seconds) in sorted(per_source.items()):
        print(f"{source:<8}{int(count):>12,}{seconds:>10.1f}{count / max(seconds, 1e-9):>12,.0f}")
    print(f"{'total':<8}{rows:>12,}{total_seconds:>10.1f}{rows / total_seconds:>12,.0f}")
    print(f"peak RSS of the extracting process: {peak_mb:,.0f} MB")
    print(
        f"floor (DuckDB read_json_auto of the same landing files, best of 2): {floor_seconds:.1f} s"
    )
    print(f"ratio extract+load / floor: {total_seconds / floor_seconds:.2f}x (target <= 3x)")


def _floor(work: Path, attempt: int) -> float:
    """DuckDB loading every entity's landing files with `read_json_auto`, nothing else."""
    path = work / f"floor-{attempt}.duckdb"
    con = duckdb.connect(str(path), config={"preserve_insertion_order": False})
    started = time.monotonic()
    for target in ENTITIES:
        files = sorted((work / "landing" / target.source / target.name).glob("*/part-*.ndjson"))
        if files:
            con.execute(
                f"create table {target.source}__{target.name} as select * from read_json_auto(?)",
                [[str(f) for f in files]],
            )
    seconds = time.monotonic() - started
    con.close()
    path.unlink()
    return seconds


if __name__ == "__main__":
    main()
