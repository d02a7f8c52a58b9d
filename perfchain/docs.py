"""`make docs`: the dbt docs site, the data dictionary of the published contract, as one
file that opens offline.

`dbt docs generate --static` writes `static_index.html` with the manifest and the catalog
inside it, so it opens from disk (file://) with no web server: dbt's plain `index.html`
fetches manifest.json and catalog.json, which browsers refuse to a page opened from disk.
dbt's page inlines its scripts, styles, fonts and images; the one thing it would fetch
from the internet is dbt's usage tracker (a Snowplow script from a CDN), and only when the
manifest says `send_anonymous_usage_stats`, which dbt_project.yml turns off.
`offline_problems` checks the page for anything loaded from another host, and the build
fails when it finds one.

The catalog (column types as built, table statistics) is read from the working warehouse
when it exists; without one (a fresh clone) the site still has every model, column,
description and test, with an empty catalog. dbt opens the warehouse for writing, so the
docs cannot be built while a nightly run holds it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from perfchain.core.errors import PerfchainError
from perfchain.core.settings import REPO_ROOT, load_settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DOCS_DIR = DBT_PROJECT_DIR / "target" / "docs"
SITE = "static_index.html"

# A URL that leaves the machine: a scheme-relative or http(s) URL to a host other than
# this one.
_REMOTE = re.compile(r"^\s*(?:https?:)?//(?!(?:localhost|127\.0\.0\.1|\[::1\])[:/])", re.I)
_CSS_REMOTE = re.compile(r"(?:@import\s+|url\(\s*)[\"']?(?:https?:)?//", re.I)
_LOADING_ATTRIBUTES = {"src", "href", "data", "srcset", "poster", "background"}


class DocsError(PerfchainError):
    exit_code = 1


def build_docs(warehouse: Path | None = None, out_dir: Path = DOCS_DIR) -> Path:
    """Generate the docs site into `out_dir` and return its single-file page."""
    if warehouse is None:
        warehouse = load_settings().warehouse_path
    empty = not warehouse.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        # Without a warehouse, an in-memory one: dbt must not create an empty file.
        PERFCHAIN_WAREHOUSE=":memory:" if empty else str(warehouse),
        PERFCHAIN_DUCKDB_TEMP=str(out_dir / "duckdb_tmp"),
    )
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "docs",
        "generate",
        "--static",
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(out_dir),
        "--log-path",
        str(out_dir / "logs"),
        # Compiling needs the relations the models read; without a warehouse, raw SQL only.
        *(["--empty-catalog", "--no-compile"] if empty else []),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    site = out_dir / SITE
    if result.returncode != 0 or not site.exists():
        output = (result.stdout + result.stderr)[-3000:]
        raise DocsError(f"dbt docs generate failed ({warehouse}):\n{output}")
    problems = offline_problems(site, out_dir / "manifest.json")
    if problems:
        raise DocsError(f"{site} would load from the internet:\n" + "\n".join(problems))
    return site


class _RemoteLoads(HTMLParser):
    """Markup that makes a browser fetch something: tags with a remote src/href/..., and
    remote @import or url() in styles. Script bodies are code, not markup; what they load
    is checked through the tracking flag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value and name in _LOADING_ATTRIBUTES and _REMOTE.match(value):
                self.problems.append(f"<{tag} {name}={value[:120]}>")
            if value and name == "style" and _CSS_REMOTE.search(value):
                self.problems.append(f"<{tag} style> loads {value[:120]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        found = _CSS_REMOTE.search(data) if self._in_style else None
        if found:
            self.problems.append(f"<style> loads {data[max(0, found.start() - 12) :][:120]}")


def offline_problems(site: Path, manifest: Path) -> list[str]:
    """What the page would load from another host; empty when it opens offline."""
    parser = _RemoteLoads()
    parser.feed(site.read_text(encoding="utf-8"))
    parser.close()
    problems = list(parser.problems)
    metadata = json.loads(manifest.read_text(encoding="utf-8")).get("metadata", {})
    if metadata.get("send_anonymous_usage_stats") is not False:
        problems.append(
            "the manifest has send_anonymous_usage_stats on: the page loads dbt's tracker "
            "script from a CDN (set flags.send_anonymous_usage_stats: false)"
        )
    return problems


def main() -> None:
    try:
        site = build_docs()
    except PerfchainError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from error
    print(f"dbt docs: {site} (one file, opens offline)")


if __name__ == "__main__":
    main()
