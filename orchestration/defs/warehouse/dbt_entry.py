"""`perfchain-dbt`: dbt's own command line, ending with the process that started it.

dagster-dbt starts dbt with a plain `subprocess.Popen`, so when the nightly run was
killed, dbt ran on alone for 4–10 s, writing to the working warehouse and holding its
lock. This script starts a watchdog thread (`exit_with_parent()`) and then hands its
arguments to dbt's public command line, unchanged: dbt itself is not altered.

dagster-dbt calls this script instead of `dbt` (`project.dbt_executable()`); it takes
dbt's arguments.
"""

from __future__ import annotations

import os
import sys
import threading
import time

PARENT_POLL_SECONDS = 0.2


def exit_with_parent(poll_seconds: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """End this process within `poll_seconds` of the death of the process that started it.

    When a parent dies the kernel re-parents its children (to init or a subreaper), so a
    changed parent pid means the parent is gone; a daemon thread looks once per poll (one
    system call). Linux's PR_SET_PDEATHSIG would need a hook in dagster-dbt's `Popen`,
    and it fires when the parent's starting *thread* ends, not the process. The exit is
    immediate (`os._exit`): dbt's own shutdown could wait on a running query, and an
    unfinished DuckDB transaction is rolled back from the WAL like any killed writer's.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            if os.getppid() != parent:
                print(
                    f"perfchain-dbt: the run that started dbt (pid {parent}) is gone; stopping",
                    file=sys.stderr,
                    flush=True,
                )
                os._exit(1)

    thread = threading.Thread(target=watch, name="perfchain-dbt-parent", daemon=True)
    thread.start()
    return thread


def main() -> None:
    exit_with_parent()
    # dbt's documented entry point (what the `dbt` script runs); imported after the
    # watchdog starts, since importing dbt alone takes a second or more.
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())


if __name__ == "__main__":
    main()
