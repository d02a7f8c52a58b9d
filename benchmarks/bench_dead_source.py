"""make bench-dead-source: how long `perfchain run` takes to give up on a dead source
(issue 19: ≤ 30 s with the default settings, one `perfchain:` line, exit non-zero).

The demo factory (scale s) is served by a simulator process on loopback. A good night
D-1 is run first, as the plant's previous nights were. Then, from a copy of that home,
each source in turn gets a base URL on a loopback port nothing listens on (connection
refused) and `perfchain run --date D` runs in its own process with the default `extract`
settings, all sources selected: the time is the whole command's, start-up included, as
an operator waits for it. Every other source answers and its increment is extracted
meanwhile.

    .venv/bin/python -m benchmarks.bench_dead_source [--sources erp,crm] [--date 2026-01-20]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import yaml

from benchmarks._simulator import ROOT, SimulatorProcess
from perfchain.core.settings import load_settings
from perfchain.demo import ensure_demo_data, use_demo_credentials

BAR_SECONDS = 30.0


def closed_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def perfchain_run(
    config: Path, urls: dict[str, str], data: Path, home: Path, day: date
) -> subprocess.CompletedProcess[str]:
    """`perfchain run --date day` in a process of its own, with these base URLs."""
    config.write_text(
        yaml.safe_dump(
            {
                "paths": {"excel_drop": str(data / "excel")},
                "sources": {name: {"base_url": url} for name, url in urls.items()},
            }
        ),
        encoding="utf-8",
    )
    environment = {**os.environ, "PERFCHAIN_CONFIG": str(config), "PERFCHAIN_HOME": str(home)}
    return subprocess.run(
        [str(ROOT / ".venv/bin/perfchain"), "run", "--date", day.isoformat()],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", default="crm,erp,oa,mes,qms,wms,hr")
    parser.add_argument("--date", type=date.fromisoformat, default=date(2026, 1, 20))
    args = parser.parse_args()

    settings = load_settings()
    data = ensure_demo_data(settings, "s", 42)
    use_demo_credentials()
    simulator = SimulatorProcess(data)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="perfchain-dead-") as scratch:
            root = Path(scratch)
            good = {name: simulator.url(name) for name in settings.sources}
            base = root / "base"
            simulator.set_as_of(args.date - timedelta(days=1))
            done = perfchain_run(
                root / "good.yaml", good, data, base, args.date - timedelta(days=1)
            )
            if done.returncode != 0:
                raise SystemExit(f"the good night failed:\n{done.stderr[-2000:]}")
            simulator.set_as_of(args.date)
            for dead in args.sources.split(","):
                home = root / dead
                shutil.copytree(base, home)
                urls = {
                    **good,
                    dead: f"http://127.0.0.1:{closed_port()}/{dead}",
                }
                started = time.monotonic()
                done = perfchain_run(root / f"{dead}.yaml", urls, data, home, args.date)
                seconds = time.monotonic() - started
                shutil.rmtree(home)
                lines = [line for line in done.stderr.splitlines() if line.startswith("perfchain:")]
                results.append((dead, seconds, done.returncode, lines))
                print(
                    f"{dead:>4} dead: {seconds:5.1f} s, exit {done.returncode}, "
                    f"{len(lines)} perfchain: line(s): {lines[0][:160] if lines else '(none)'}",
                    flush=True,
                )
    finally:
        simulator.stop()
    slowest = max(seconds for _, seconds, _, _ in results)
    clear = all(code != 0 and len(lines) == 1 for _, _, code, lines in results)
    print(
        f"slowest {slowest:.1f} s (bar {BAR_SECONDS:.0f} s): "
        f"{'met' if slowest <= BAR_SECONDS else 'MISSED'}; "
        f"one perfchain: line and a non-zero exit each time: {'yes' if clear else 'NO'}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
