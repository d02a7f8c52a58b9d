"""Runs one publish in its own process and stops at a named step, so a test can SIGKILL
it there. Usage: python publish_worker.py WAREHOUSE PUBLISHED RUN_ID STOP_AT_STEP"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

from expectations.publish import publish
from expectations.results import GateResult
from tests.quality.warehouse import DAY


def main() -> None:
    warehouse, published, run_id, stop_at = sys.argv[1:5]

    def on_step(name: str) -> None:
        if name == stop_at:
            print(f"at {name}", flush=True)
            time.sleep(600)  # the test kills us here

    with duckdb.connect(warehouse) as con:
        con.execute("update marts.kpi_daily set target = 0.5")  # marks the new content
        publish(
            con,
            Path(published),
            run_id=run_id,
            data_through=DAY,
            gate=GateResult(run_id, DAY, []),
            on_step=on_step,
        )
    print("done", flush=True)


if __name__ == "__main__":
    main()
