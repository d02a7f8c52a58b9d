"""make bench-dashboard: how long each dashboard page takes to show its data (issue 23:
under 2 s per page on the demo).

1. the demo's published file (`perfchain demo` builds it when it is missing), or `--published`;
2. `perfchain dashboard` on a free loopback port, over that file;
3. Debian's headless chromium, driven as the browser tests drive it
   (tests/dashboard/browser.py), through every page and drill-down: the heatmap (day,
   month), a red team cell -> its kpi_daily row -> facts -> source rows, a month plant
   cell the same, order 360, the contribution trace, the OEE waterfall, data quality, the
   alerts war room, the goal tree and the personal card;
4. each timed from the navigation (or the click on the link) until the page's content is
   rendered: the elements that show its data (`MARKERS`), not Streamlit's running
   indicator. A script the browser runs in every new document before the page's own
   records when each marker first appears (and the frame after it: painted);
5. `--repeats` rounds after one warm-up round (the browser's first visit fetches the
   front end; a screen on the floor has it cached), median and max per page against the bar.

The figures only count on an idle machine: the load average at the start is printed
beside them.

    .venv/bin/python -m benchmarks.bench_dashboard [--published PATH] [--repeats 5] [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from benchmarks._simulator import ROOT
from dashboard.server import HOST, free_port, wait_until_up

BAR_SECONDS = 2.0
TIMEOUT = 60.0

# What shows each page's data; a page is rendered when every one of its markers is.
SOURCE_ROWS = '[class*="st-key-source-rows-"] table tbody tr'
MARKERS: dict[str, tuple[str, ...]] = {
    "heatmap": ("table.heatmap a.cell",),
    # The drill-down (kpi_daily rows, facts, source rows) and the heatmap under it.
    "drill": (".st-key-drilldown table tbody tr", SOURCE_ROWS, "table.heatmap a.cell"),
    "order": ("td.field-delivered_at", ".st-key-trace-table table tbody tr"),
    "trace": (".st-key-trace-table table tbody tr", ".trace-chart .bar"),
    "oee": (
        '[data-testid="stMetric"]',
        ".oee-chart .bar",
        ".st-key-oee-by-line-shift table tbody tr",
    ),
    "quality": ('[data-testid="stExpander"] table.data-table tbody tr',),
    "alerts": (".st-key-alerts-table table tbody tr", ".st-key-alerts-tasks table"),
    "goals": ("table.goal-tree tbody tr",),
    "card": ('.st-key-card-goals table tbody tr, .st-key-card-goals [data-testid="stCaption"]',),
}

# Run in every new document before the page's own scripts: the first moment (epoch ms)
# each marker is in the document, taken in the frame after it appears, and not before the
# fonts have loaded (text in a font still loading is not visible yet).
RECORDER = """
window.__benchMarks = {};
const selectors = %s;
function look() {
  for (const selector of selectors) {
    if (!(selector in window.__benchMarks) && document.querySelector(selector)) {
      window.__benchMarks[selector] = null;
      // Painted, in the page's font: the frame after it appears, once no font is loading.
      requestAnimationFrame(() => document.fonts.ready.then(() => {
        window.__benchMarks[selector] = performance.timeOrigin + performance.now();
      }));
    }
  }
}
new MutationObserver(look).observe(document, {childList: true, subtree: true});
"""


@dataclass(frozen=True)
class Step:
    name: str  # the figure's label
    kind: str  # its MARKERS entry
    # Navigates (or clicks) and returns the epoch ms the action started at.
    action: Callable[[object], float]


def published_file(path: Path | None) -> Path:
    """The file to serve: `path`, or the demo's, built by `perfchain demo` when missing."""
    if path is not None:
        if not path.exists():
            raise SystemExit(f"no published file at {path}")
        return path.resolve()
    from perfchain.core.settings import load_settings

    published = load_settings().published_path
    if not published.exists():
        print(f"{published} is missing: running `perfchain demo` first ...", flush=True)
        subprocess.run([str(ROOT / ".venv/bin/perfchain"), "demo"], check=True, cwd=ROOT)
    return published


def home_for(published: Path, scratch: Path) -> Path:
    """A PERFCHAIN_HOME whose published file is `published` (`perfchain dashboard` serves
    `<home>/published/perfchain.duckdb`)."""
    if published.name == "perfchain.duckdb" and published.parent.name == "published":
        return published.parents[1]
    (scratch / "published").mkdir(parents=True)
    (scratch / "published" / "perfchain.duckdb").symlink_to(published)
    return scratch


@dataclass(frozen=True)
class Subjects:
    """What the drill-downs open, read from the file the way a reader would pick them."""

    as_of: str
    red_team_cell: tuple[str, str, str]  # kpi, scope_type, scope_id on `as_of`
    month_plant_kpi: str
    order: str
    employee: str | None


def subjects(published: Path) -> Subjects:
    with duckdb.connect(str(published), read_only=True) as con:
        as_of = con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()[0]
        cell = con.execute(
            """
            select kpi_code, scope_type, scope_id from marts.kpi_daily
            where kpi_date = ? and scope_type = 'team'
                and source_model = 'fct_team_quality_hourly'
            order by status = 'red' desc, kpi_code, scope_id
            limit 1
            """,
            [as_of],
        ).fetchone()
        order = con.execute(
            "select order_id from marts.order_360 where delivered_at is not null "
            "order by delivered_at desc, order_id limit 1"
        ).fetchone()[0]
        has_scores = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'fct_employee_score'"
        ).fetchone()[0]
        employee = (
            con.execute("select min(employee_id) from marts.fct_employee_score").fetchone()[0]
            if has_scores
            else None
        )
    return Subjects(as_of.isoformat(), cell, "first_pass_yield", order, employee)


def steps(url: str, s: Subjects) -> list[Step]:
    from selenium.webdriver.common.by import By

    def go(query: str) -> Callable[[object], float]:
        def action(driver) -> float:  # type: ignore[no-untyped-def]
            started = time.time() * 1000
            driver.get(f"{url}/{query}")
            return started

        return action

    def click(query: str, selector: str) -> Callable[[object], float]:
        """Open `query` (untimed, until its link is there), then time the click."""

        def action(driver) -> float:  # type: ignore[no-untyped-def]
            driver.get(f"{url}/{query}")
            link = wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, selector))[0]
            started = time.time() * 1000
            link.click()
            return started

        return action

    kpi, scope_type, scope_id = s.red_team_cell
    team_cell = (
        f'a.cell[data-kpi="{kpi}"][data-scope-type="{scope_type}"][data-scope-id="{scope_id}"]'
    )
    plant_cell = f'a.cell[data-kpi="{s.month_plant_kpi}"][data-scope-type="plant"]'
    card = f"?page=card&employee={s.employee}" if s.employee else "?page=card"
    return [
        Step("heatmap (day)", "heatmap", go(f"?page=heatmap&date={s.as_of}")),
        Step("heatmap (month)", "heatmap", go(f"?page=heatmap&period=month&date={s.as_of}")),
        Step("drill: team cell, day", "drill", click(f"?page=heatmap&date={s.as_of}", team_cell)),
        Step(
            "drill: plant cell, month",
            "drill",
            click(f"?page=heatmap&period=month&date={s.as_of}", plant_cell),
        ),
        Step("order 360", "order", click("?page=order", f'a.order-link[href*="{s.order}"]')),
        Step("contribution trace", "trace", click(f"?page=order&order={s.order}", "a.trace-link")),
        Step("OEE waterfall", "oee", go("?page=oee")),
        Step("data quality", "quality", go("?page=quality")),
        Step("alerts war room", "alerts", go("?page=alerts")),
        Step("goal tree", "goals", go("?page=goals")),
        Step("personal card", "card", go(card)),
    ]


def wait_for(driver, found: Callable[[object], object]):  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, TIMEOUT, poll_frequency=0.05).until(found)


def measure(driver, step: Step) -> float:  # type: ignore[no-untyped-def]
    """Seconds from the step's action until every marker of its page has rendered."""
    started = step.action(driver)
    markers = list(MARKERS[step.kind])

    def rendered(d) -> list[float] | None:  # type: ignore[no-untyped-def]
        origin, *seen = d.execute_script(
            "const m = window.__benchMarks || {};"
            "return [performance.timeOrigin, ...arguments[0].map(s => m[s] ?? null)];",
            markers,
        )
        if origin < started - 50:  # still the document the click was made on
            return None
        return seen if all(value is not None for value in seen) else None

    try:
        seen = wait_for(driver, rendered)
    except Exception as error:  # noqa: BLE001 - a page that never shows its data: say which
        raise SystemExit(f"{step.name}: {markers} not rendered within {TIMEOUT:.0f} s") from error
    errors = driver.find_elements("css selector", '[data-testid="stException"]')
    if errors:
        raise SystemExit(f"{step.name}: the page raised: {errors[0].text[:500]}")
    return (max(seen) - started) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--published", type=Path, default=None, help="default: the demo's")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default=None, help="time only the pages whose name contains this")
    args = parser.parse_args()
    load = os.getloadavg()
    published = published_file(args.published)
    subject = subjects(published)
    sys.path.insert(0, str(ROOT))
    from tests.dashboard.browser import executables, start_browser

    executables()
    port = free_port()
    url = f"http://{HOST}:{port}"
    with tempfile.TemporaryDirectory(prefix="bench_dashboard_") as scratch:
        log = Path(scratch) / "dashboard.log"
        env = dict(os.environ, PERFCHAIN_HOME=str(home_for(published, Path(scratch) / "home")))
        with log.open("w", encoding="utf-8") as output:
            server = subprocess.Popen(
                [str(ROOT / ".venv/bin/perfchain"), "dashboard", "--port", str(port)],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        driver = None
        try:
            wait_until_up(url, server, log)
            driver = start_browser()
            driver.set_page_load_timeout(TIMEOUT)
            selectors = sorted({s for markers in MARKERS.values() for s in markers})
            driver.execute_cdp_cmd(
                "Page.addScriptToEvaluateOnNewDocument",
                {"source": RECORDER % json.dumps(selectors)},
            )
            plan = [s for s in steps(url, subject) if not args.only or args.only in s.name]
            first = {step.name: measure(driver, step) for step in plan}
            rounds: dict[str, list[float]] = {step.name: [] for step in plan}
            for _ in range(args.repeats):
                for step in plan:
                    rounds[step.name].append(measure(driver, step))
        finally:
            if driver is not None:
                driver.quit()
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    report(published, load, args.repeats, first, rounds)


def report(
    published: Path,
    load: tuple[float, float, float],
    repeats: int,
    first: dict[str, float],
    rounds: dict[str, list[float]],
) -> None:
    cores = os.cpu_count() or 1
    print(f"published file: {published}")
    print(
        f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"({cores} cores){'' if load[0] < 0.5 * cores else ' - NOT idle: the figures do not count'}"
    )
    print(f"seconds until the page's data is rendered, {repeats} rounds (bar: {BAR_SECONDS} s)")
    print(f"{'page':<28}{'first':>8}{'median':>8}{'max':>8}  verdict")
    worst = 0.0
    for name, times in rounds.items():
        median, top = statistics.median(times), max(times)
        worst = max(worst, top)
        verdict = "ok" if top < BAR_SECONDS else "OVER"
        print(f"{name:<28}{first[name]:>8.2f}{median:>8.2f}{top:>8.2f}  {verdict}")
    print(
        json.dumps(
            {
                "load_average": [round(v, 2) for v in load],
                "bar_seconds": BAR_SECONDS,
                "max_seconds": round(worst, 2),
                "within_bar": worst < BAR_SECONDS,
                "pages": {
                    name: {
                        "first": round(first[name], 2),
                        "median": round(statistics.median(times), 2),
                        "max": round(max(times), 2),
                    }
                    for name, times in rounds.items()
                },
            }
        )
    )


if __name__ == "__main__":
    main()
