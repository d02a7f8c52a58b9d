"""The simulator as its own process on loopback, as a source system would be."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def factory(scale: str, seed: int, start: date | None = None) -> Path:
    """The demo factory the benchmarks run on, under var/bench: generated when missing, and
    again when the source contract has moved on since it was (an entity added: the
    simulator refuses a dataset that lacks its file, docs/dataset.md)."""
    from simulator.server.validate import dataset_problems

    name = f"factory-{scale}-seed{seed}" + (f"-{start}" if start else "")
    data = ROOT / "var" / "bench" / name
    if (data / "manifest.json").exists():
        problems = dataset_problems(data)
        if not problems:
            return data
        print(f"{data} no longer fits the source contract ({problems[0]}): regenerating")
    from simulator.generator import generate

    print(f"generating scale {scale} into {data} ...", flush=True)
    generate(data, scale=scale, seed=seed, progress=True, **({"start": start} if start else {}))
    return data


class SimulatorProcess:
    """The simulator as a separate process on loopback."""

    def __init__(self, data: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/perfchain"),
                "simulate",
                "--data",
                str(data),
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            # A file, not a pipe: nobody reads a pipe while the benchmark runs, and a full
            # one would stall the simulator at its next log line.
            stderr=self._log,
        )
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                # It stopped (a dataset it refuses, a port taken): say why, do not wait.
                self._log.seek(0)
                raise RuntimeError(f"the simulator exited: {self._log.read()[-2000:]}")
            try:
                if requests.get(self.base_url + "/_sim/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.5)
        raise RuntimeError("simulator did not start")

    def url(self, source: str) -> str:
        return f"{self.base_url}/{source}"

    def cpu_seconds(self) -> float:
        """User + system CPU the simulator process has used so far (Linux /proc; 0 elsewhere):
        it shares this machine's cores with the extraction it serves."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def set_as_of(self, day: date) -> None:
        requests.post(self.base_url + "/_sim/as_of", json={"as_of": day.isoformat()}, timeout=30)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self._log.close()
