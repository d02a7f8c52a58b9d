"""`perfchain-dbt`: dbt's own command line, ending with the process that started it.

dagster-dbt starts dbt with a plain `subprocess.Popen`, so when the nightly run was
killed, dbt ran on alone for 4–10 s, writing to the working warehouse and holding its
lock. This script starts a watchdog thread (`exit_with_parent()`) and then hands its
arguments to dbt's public command line, unchanged: dbt itself is not altered.

dagster-dbt calls this script instead of `dbt` (`project.dbt_executable()`); it takes
dbt's arguments. One it answers itself: `--version`, which dagster-dbt asks before every
dbt command it starts (`DbtCliResource.cli`) to learn the installed dbt-core's version.
dbt's own answer imports dbt (≈ 2 s of CPU) and asks PyPI for the latest releases of
dbt-core and each adapter (two HTTPS requests with a 1 s timeout each, on a host whose
network is loopback only); this one reads the installed versions from the package
metadata, in dbt's layout, in ≈ 0.1 s.

When the run has a dbt process on standby (`dbt_standby.py`, dbt already imported while
the run extracted), this script hands its command to it and exits with dbt's status;
`perfchain-dbt --standby PATH` is that process.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
import threading
import time
from importlib.metadata import version

from orchestration.defs.warehouse.dbt_standby import (
    STANDBY_ENV,
    STANDBY_FLAG,
    exit_when,
    run_on_standby,
    serve_once,
)

PARENT_POLL_SECONDS = 0.2


def exit_with_parent(poll_seconds: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """End this process within `poll_seconds` of the death of the process that started it.

    When a parent dies the kernel re-parents its children (to init or a subreaper), so a
    changed parent pid means the parent is gone; a daemon thread looks once per poll (one
    system call). Linux's PR_SET_PDEATHSIG would need a hook in dagster-dbt's `Popen`,
    and it fires when the parent's starting *thread* ends, not the process. The exit is
    immediate (`exit_when`).
    """
    parent = os.getppid()

    def parent_gone() -> bool:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        return True

    return exit_when(
        parent_gone, f"the run that started dbt (pid {parent}) is gone", "perfchain-dbt-parent"
    )


VERSION_FLAGS = ("--version", "-V", "-v")


def installed_versions() -> str:
    """What `dbt --version` says about the installed packages, without asking PyPI:
    dbt-core's version, then each adapter's (dbt reads `dbt/adapters/<name>/__version__.py`
    too, without importing the adapter)."""
    lines = ["Core:", f"  - installed: {version('dbt-core')}", "", "Plugins:"]
    spec = importlib.util.find_spec("dbt.adapters")
    folders = (spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "*", "__version__.py"))):
            module_spec = importlib.util.spec_from_file_location("_adapter_version", path)
            if module_spec is None or module_spec.loader is None:
                continue
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            name = os.path.basename(os.path.dirname(path))
            lines.append(f"  - {name}: {getattr(module, 'version', 'unknown')}")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) == 2 and sys.argv[1] in VERSION_FLAGS:
        print(installed_versions())
        sys.exit(0)
    exit_with_parent()
    if len(sys.argv) == 3 and sys.argv[1] == STANDBY_FLAG:
        # Started by the run to wait for its dbt command (dbt_standby.py).
        serve_once(sys.argv[2])
        return
    standby = os.environ.get(STANDBY_ENV)
    if standby:
        code = run_on_standby(standby, sys.argv[1:])
        if code is not None:
            sys.exit(code)
    # dbt's documented entry point (what the `dbt` script runs); imported after the
    # watchdog starts, since importing dbt alone takes a second or more.
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())


if __name__ == "__main__":
    main()
