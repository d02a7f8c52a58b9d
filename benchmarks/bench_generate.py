"""Benchmark the demo factory generator: wall time, rows/s and peak memory per scale.

    .venv/bin/python benchmarks/bench_generate.py [--only s,m,l] [--keep DIR]

Each measurement runs in a fresh child process (so peak RSS is that run's alone, read with
``resource.getrusage(RUSAGE_CHILDREN)`` after it exits). Scale s and m are generated in
full; scale l (10 plants × 3 years ≈ 300 M rows) is measured on slices of one plant × 10
and × 60 days and extrapolated from the marginal cost per plant-day: plants are generated one after another with the same bounded
state, so time scales with plant-days and peak memory does not grow with them.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from simulator.generator import config, generate
scale, days, plants, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
start = date.fromisoformat(sys.argv[5])
if plants:
    config.SCALES[scale] = replace(config.SCALES[scale], plants=plants)
manifest = generate(out, scale=scale, seed=42, start=start, days=days, progress=False)
print(json.dumps({"rows": manifest["total_rows"], "plants": len(manifest["plants"])}))
"""


def measure(
    scale: str, days: int, plants: int, out: Path, start: str = "2026-01-01"
) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, scale, str(days), str(plants), str(out), start],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    # ru_maxrss of children is the maximum over all children so far: runs go small to large.
    return {
        "rows": result["rows"],
        "plants": result["plants"],
        "days": days,
        "wall_s": wall,
        "rows_per_s": result["rows"] / wall,
        "peak_mb": max(peak_kb, before) / 1024,
        "disk_mb": size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default="s,m,l", help="comma-separated scales to run")
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the datasets under this folder"
    )
    args = parser.parse_args()
    scales = args.only.split(",")
    base = args.keep or Path(tempfile.mkdtemp(prefix="perfchain-bench-"))
    runs: list[tuple[str, dict[str, float]]] = []
    try:
        if "s" in scales:
            runs.append(("s (90 days)", measure("s", 90, 0, base / "s")))
        if "l" in scales:
            # Slices start in April: a January slice would be dominated by the Spring
            # Festival shutdown and under-state an average plant-day.
            runs.append(
                ("l slice (1 plant x 10 days)", measure("l", 10, 1, base / "l10", "2026-04-01"))
            )
            runs.append(
                ("l slice (1 plant x 60 days)", measure("l", 60, 1, base / "l60", "2026-04-01"))
            )
        if "m" in scales:
            runs.append(("m (365 days)", measure("m", 365, 0, base / "m")))
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    print(f"\n{'run':<30} {'rows':>12} {'wall s':>8} {'rows/s':>10} {'peak MB':>8} {'disk MB':>8}")
    for name, r in runs:
        print(
            f"{name:<30} {r['rows']:>12,.0f} {r['wall_s']:>8.1f} {r['rows_per_s']:>10,.0f} "
            f"{r['peak_mb']:>8.0f} {r['disk_mb']:>8.0f}"
        )
    slices = [r for name, r in runs if name.startswith("l slice")]
    if len(slices) == 2:
        # Two slices separate the fixed start-up cost from the marginal cost per plant-day.
        short, long_ = slices
        per_day_s = (long_["wall_s"] - short["wall_s"]) / (long_["days"] - short["days"])
        rows_per_day = (long_["rows"] - short["rows"]) / (long_["days"] - short["days"])
        plant_days = 10 * 1095
        rows = rows_per_day * plant_days
        wall = short["wall_s"] + per_day_s * plant_days
        disk = (long_["disk_mb"] - short["disk_mb"]) / (long_["days"] - short["days"]) * plant_days
        print(
            f"\nscale l extrapolated (10 plants x 1095 days): ≈ {rows / 1e6:,.0f} M rows in "
            f"≈ {wall / 60:,.0f} min ({rows_per_day / per_day_s:,.0f} rows/s marginal), "
            f"peak ≈ {long_['peak_mb']:.0f} MB (plants stream one after another with bounded state), "
            f"disk ≈ {disk / 1e3:,.1f} GB"
        )
    targets = {"s (90 days)": 60, "m (365 days)": 300}
    for name, r in runs:
        if name in targets:
            verdict = "ok" if r["wall_s"] <= targets[name] else "OVER"
            print(f"target {name}: ≤ {targets[name]} s → {r['wall_s']:.0f} s {verdict}")


if __name__ == "__main__":
    main()
