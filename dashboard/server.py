"""Serve the dashboard: Streamlit on 127.0.0.1, over the published file, read-only.

Why Streamlit: it installs from the package index with its web front end bundled in the
wheel (no CDN, no Node build), so the pages open on a plant LAN without internet; its
usage statistics are turned off here. It runs as its own process (`streamlit run`) with a
small folder of its own: the entry script, the config and `static/` holding the CJK font
from mplfonts (reports/common/fonts.py), which the pages use so Chinese never renders as
boxes on a machine without desktop fonts.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.app import ENV_LANG, ENV_PUBLISHED, ENV_TZ
from reports.common.fonts import FONT_FAMILY, cjk_font_path

HOST = "127.0.0.1"
DEFAULT_PORT = 8501

_ENTRY = '''"""Entry script `streamlit run` executes on every page load."""
from dashboard.app import main

main()
'''

_CONFIG = """
[server]
address = "{host}"
port = {port}
headless = true
fileWatcherType = "none"
runOnSave = false
enableStaticServing = true
enableCORS = true
enableXsrfProtection = true

[browser]
gatherUsageStats = false
serverAddress = "{host}"
serverPort = {port}

[global]
developmentMode = false

[client]
toolbarMode = "viewer"
showErrorDetails = true

[runner]
fastReruns = true

[theme]
base = "light"
font = "{family}, sans-serif"

[[theme.fontFaces]]
family = "{family}"
url = "app/static/{font}"
weight = 400
"""


def prepare_folder(folder: Path, port: int) -> Path:
    """Write the entry script, config and font link Streamlit runs from; returns the script."""
    font = cjk_font_path()
    (folder / ".streamlit").mkdir(parents=True, exist_ok=True)
    (folder / "static").mkdir(exist_ok=True)
    target = folder / "static" / font.name
    if not target.exists():
        # Streamlit refuses a symlink out of `static/`: a hard link, or a copy across disks.
        try:
            os.link(font, target)
        except OSError:
            shutil.copyfile(font, target)
    (folder / ".streamlit" / "config.toml").write_text(
        _CONFIG.format(host=HOST, port=port, family=FONT_FAMILY, font=font.name),
        encoding="utf-8",
    )
    script = folder / "perfchain_dashboard.py"
    script.write_text(_ENTRY, encoding="utf-8")
    return script


def command(script: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.headless",
        "true",
    ]


def environment(published_path: Path, lang: str, tz: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            ENV_PUBLISHED: str(published_path.resolve()),
            ENV_LANG: lang,
            ENV_TZ: tz,
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            # The repository root on the path: the entry script imports the package.
            "PYTHONPATH": os.pathsep.join(
                [str(Path(__file__).resolve().parents[1]), env.get("PYTHONPATH", "")]
            ).rstrip(os.pathsep),
        }
    )
    return env


def serve(published_path: Path, *, port: int, lang: str, tz: str) -> int:
    """Run the dashboard in the foreground until interrupted or terminated; returns
    Streamlit's exit code. The Streamlit process never outlives this one."""
    with tempfile.TemporaryDirectory(prefix="perfchain-dashboard-") as folder:
        script = prepare_folder(Path(folder), port)
        process = subprocess.Popen(
            command(script, port), cwd=folder, env=environment(published_path, lang, tz)
        )

        def stop(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return process.wait()
        except KeyboardInterrupt:
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Block until Streamlit answers its health check; raise with its output if it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"the dashboard exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


@contextmanager
def running(
    published_path: Path, *, lang: str = "zh", tz: str = "Asia/Shanghai", port: int | None = None
) -> Iterator[str]:
    """The dashboard in a background process for the block; yields its URL."""
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="perfchain-dashboard-") as folder:
        script = prepare_folder(Path(folder), port)
        log = Path(folder) / "streamlit.log"
        with log.open("w", encoding="utf-8") as output:
            process = subprocess.Popen(
                command(script, port),
                cwd=folder,
                env=environment(published_path, lang, tz),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        url = f"http://{HOST}:{port}"
        try:
            wait_until_up(url, process, log)
            yield url
        finally:
            _stop(process)
