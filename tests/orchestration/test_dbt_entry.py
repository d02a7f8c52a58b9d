"""perfchain-dbt is dbt's own command line: the nightly build calls it, and it answers
exactly what `dbt` answers for the same arguments, but for `--version`, which it answers
from the installed packages without asking PyPI (its watchdog is tested with a killed run
in tests/publish/test_killed_predecessor.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from orchestration.defs.warehouse.project import dbt_executable


def _run(executable: str, *args: str) -> tuple[int, str, str]:
    done = subprocess.run([executable, *args], capture_output=True, text=True, check=False)
    return done.returncode, done.stdout, done.stderr


def test_nightly_builds_call_perfchain_dbt() -> None:
    assert dbt_executable() == str(Path(sys.executable).with_name("perfchain-dbt"))


def test_perfchain_dbt_names_the_installed_versions_without_asking_pypi() -> None:
    code, out, err = _run(dbt_executable(), "--version")
    assert (code, err) == (0, "")
    # dagster-dbt reads the first x.y.z of the answer as dbt-core's version.
    assert re.search(r"(\d+\.\d+\.\d+)", out).group(1) == version("dbt-core")  # type: ignore[union-attr]
    assert f"  - duckdb: {version('dbt-duckdb')}" in out.splitlines()
    assert "latest" not in out  # nothing was asked of PyPI


def test_perfchain_dbt_answers_as_dbt_does() -> None:
    dbt = str(Path(sys.executable).with_name("dbt"))
    # A usage error: click's exit code and message, as dbt's.
    ours = _run(dbt_executable(), "parse", "--no-such-flag")
    assert ours == _run(dbt, "parse", "--no-such-flag")
    assert ours[0] == 2 and "--no-such-flag" in ours[2]
