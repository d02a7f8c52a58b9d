"""The dashboard in a real browser: Debian's headless chromium, driven by Selenium through
Debian's chromedriver, against `perfchain dashboard`'s server over a published file of the
demo warehouse. One server and one browser for the module.

Never skipped: without the browser the first test fails and says how to install it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dashboard.app import MAX_ROWS
from dashboard.labels import t
from dashboard.server import running
from expectations.publish import publish
from expectations.results import CheckResult, GateResult, SuiteResult
from tests.dashboard.browser import executables, start_browser
from tests.warehouse.conftest import Warehouse

pytestmark = pytest.mark.slow

TZ = ZoneInfo("Asia/Shanghai")
TIMEOUT = 30
WARNING = CheckResult(
    "fct_oee_shift",
    "performance_in_range",
    "warning",
    "performance above 100 % means a wrong ideal cycle time",
    "failed",
    observed="3 of 120 rows unexpected",
    unexpected_count=3,
    sample_rows=[{"machine_id": "M07-SAMPLE", "performance": "1.31"}],
)
PASSED = CheckResult("dim_date", "key_unique", "blocking", "one row per date", "passed")
PAGES = ("heatmap", "order", "trace", "oee", "quality", "alerts", "goals", "card")


def _gate(run_id: str, day: date) -> GateResult:
    return GateResult(
        run_id,
        day,
        [SuiteResult("fct_oee_shift", None, [WARNING]), SuiteResult("dim_date", None, [PASSED])],
    )


@pytest.fixture(scope="module")
def last_day(warehouse: Warehouse) -> date:
    assert warehouse.build.returncode == 0, warehouse.build.output[-2000:]
    with warehouse.connect() as con:
        return con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()[0]


@pytest.fixture(scope="module")
def published(
    warehouse: Warehouse,
    last_day: date,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """Published as of the day before the last: the last test publishes the last day."""
    path = tmp_path_factory.mktemp("dashboard-home") / "published" / "perfchain.duckdb"
    first = last_day - timedelta(days=1)
    publish(
        warehouse.path,
        path,
        run_id="dashboard-1",
        data_through=first,
        gate=_gate("dashboard-1", first),
    )
    return path


@pytest.fixture(scope="module")
def url(published: Path) -> Iterator[str]:
    with running(published, lang="zh") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    executables()  # fails, saying how to install them, when the browser or driver is missing
    driver = start_browser()
    driver.set_page_load_timeout(TIMEOUT)
    try:
        yield driver
    finally:
        driver.quit()


def _by():  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    return By


def wait_ready(browser, page: str | None = None, lang: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Until the page's script has run to its end (its last element, `.page-ready`, is
    there and Streamlit's running indicator is gone), and no exception is shown."""
    from selenium.webdriver.support.ui import WebDriverWait

    by = _by()
    selector = ".page-ready" + (f'[data-page="{page}"]' if page else "")
    selector += f'[data-lang="{lang}"]' if lang else ""

    def done(driver) -> bool:  # type: ignore[no-untyped-def]
        running_widget = driver.find_elements(
            by.CSS_SELECTOR, '[data-testid="stStatusWidget"] button'
        )
        return bool(driver.find_elements(by.CSS_SELECTOR, selector)) and not running_widget

    WebDriverWait(browser, TIMEOUT).until(done)
    errors = browser.find_elements(by.CSS_SELECTOR, '[data-testid="stException"]')
    assert not errors, errors[0].text


def load(browser, url: str, query: str, page: str, lang: str = "zh") -> None:  # type: ignore[no-untyped-def]
    browser.get(f"{url}/{query}")
    wait_ready(browser, page, lang)


def click_and_wait(browser, element, page: str, lang: str = "zh") -> None:  # type: ignore[no-untyped-def]
    """Follow a link (a full page load) and wait for the new page."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(_by().CSS_SELECTOR, ".page-ready")
    element.click()
    WebDriverWait(browser, TIMEOUT).until(expected_conditions.staleness_of(old))
    wait_ready(browser, page, lang)


def find(browser, selector: str):  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    by = _by()
    return WebDriverWait(browser, TIMEOUT).until(
        lambda driver: driver.find_elements(by.CSS_SELECTOR, selector)
    )


def table_rows(browser, container: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The body rows of the first HTML table in the container, once it has rendered (read
    in one script call: a WebDriver round trip per cell is slow)."""
    find(browser, f"{container} table tbody tr")
    return browser.execute_script(
        """
        const table = document.querySelector(arguments[0] + " table");
        return Array.from(table.querySelectorAll("tbody tr")).map(
            row => Array.from(row.querySelectorAll("th, td")).map(cell => cell.innerText.trim()));
        """,
        container,
    )


def heading(browser) -> str:  # type: ignore[no-untyped-def]
    return find(browser, '[data-testid="stMain"] h2')[0].text


def test_every_page_opens_in_chinese_with_the_cjk_font(browser, url: str) -> None:  # type: ignore[no-untyped-def]
    for page in PAGES:
        load(browser, url, f"?page={page}", page)
        assert heading(browser) == t(f"page.{page}", "zh"), page
        # Everything the page loaded (scripts, styles, fonts, charts) came from the
        # dashboard itself: nothing from the internet.
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert loaded and all(name.startswith((f"{url}/", "data:", "blob:")) for name in loaded), (
            sorted(name for name in loaded if not name.startswith(url))
        )
    # The CJK face served by the dashboard itself (mplfonts) is the one the text uses.
    browser.execute_script("return document.fonts.ready")
    assert browser.execute_script(
        'return document.fonts.check("16px \\"Noto Sans CJK SC\\"", "绩效")'
    )
    family = browser.execute_script(
        "return getComputedStyle(document.querySelector('[data-testid=\"stMain\"] h2')).fontFamily"
    )
    assert family.startswith('"Noto Sans CJK SC"'), family


def _red_cell(warehouse: Warehouse) -> tuple[date, str, str, str, float, float, int]:
    """A red heatmap cell (plant, department or team) whose source rows are fact rows,
    with the rows counted here, independently of the dashboard."""
    with warehouse.connect() as con:
        found = con.execute(
            """
            select kpi_date, kpi_code, scope_type, scope_id, numerator, denominator
            from marts.kpi_daily
            where status = 'red' and scope_type in ('plant', 'department', 'team')
                and source_model = 'fct_team_quality_hourly'
            order by kpi_date desc, scope_type, scope_id, kpi_code
            limit 1
            """
        ).fetchone()
        assert found is not None, "the demo warehouse has no red team-quality cell"
        day, kpi, scope_type, scope_id, numerator, denominator = found
        columns = {
            "first_pass_yield": ("first_passed_qty", "first_inspected_qty"),
            "rework_rate": ("reworked_qty", "produced_qty"),
            "downtime_rate": ("unplanned_downtime_minutes", "planned_production_minutes"),
            "output_per_head": ("standard_hours_earned", "attended_hours"),
        }[kpi]
        scope = {
            "plant": "true",
            "team": "team_id = $scope",
            "department": "team_id in (select team_id from marts.dim_team "
            "where department_id = $scope)",
        }[scope_type]
        count, summed = con.execute(
            f"""
            select count(*), sum({columns[0]}) from marts.fct_team_quality_hourly
            where hour_date = $day and {scope}
                and ({columns[0]} > 0 or {columns[1]} > 0)
            """,
            {"day": day, **({"scope": scope_id} if scope_type != "plant" else {})},
        ).fetchone()
    assert summed == pytest.approx(numerator, abs=1e-4)
    return day, kpi, scope_type, scope_id, numerator, denominator, count


def test_a_red_cell_drills_down_to_its_source_rows(browser, url: str, warehouse: Warehouse) -> None:  # type: ignore[no-untyped-def]
    day, kpi, scope_type, scope_id, numerator, _, count = _red_cell(warehouse)
    load(browser, url, f"?page=heatmap&date={day}", "heatmap")
    cell = find(
        browser,
        f'a.cell-red[data-kpi="{kpi}"][data-scope-type="{scope_type}"][data-scope-id="{scope_id}"]',
    )[0]
    click_and_wait(browser, cell, "heatmap")
    drill = find(browser, ".st-key-drilldown")[0]
    assert scope_id in drill.text
    rows = table_rows(browser, ".st-key-source-rows-fct_team_quality_hourly")
    # The kpi_daily row, then the numerator recomputed from the source rows, as published.
    text = drill.text
    shown = f"{numerator:,.0f}" if float(numerator).is_integer() else f"{numerator:,.2f}"
    assert shown in text
    assert t("drill.match", "zh") in text and t("drill.mismatch", "zh") not in text
    assert len(rows) == min(count, MAX_ROWS)
    assert t("drill.rows_count", "zh", count=f"{count:,}") in text


def test_an_order_search_shows_its_anchor_and_trace(
    browser, url: str, warehouse: Warehouse
) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.keys import Keys

    order = warehouse.planted["invoiced_before_signed"]["order"]
    with warehouse.connect() as con:
        delivered_at, pool = con.execute(
            "select delivered_at, points_pool from marts.order_360 where order_id = ?", [order]
        ).fetchone()
    assert delivered_at is not None
    load(browser, url, "?page=order", "order")
    box = find(browser, f'input[aria-label="{t("ctl.order", "zh")}"]')[0]
    box.send_keys(order, Keys.ENTER)
    anchor = find(browser, "td.field-delivered_at")[0]
    assert anchor.text == delivered_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    assert find(browser, "td.field-is_delivered")[0].text == "是"
    # The trace of the same order: its rows sum to the pool.
    load(browser, url, f"?page=trace&order={order}", "trace")
    rows = table_rows(browser, ".st-key-trace-table")
    total = rows[-1]
    assert total[0] == t("trace.total", "zh")
    points = float(total[-1].replace(",", ""))
    assert points == pytest.approx(float(pool), abs=0.01)


def test_switching_the_language_keeps_the_page(browser, url: str) -> None:  # type: ignore[no-untyped-def]
    load(browser, url, "?page=oee", "oee")
    switch = find(browser, "a.lang-switch")[0]
    assert switch.text == "English"
    click_and_wait(browser, switch, "oee", "en")
    assert heading(browser) == "OEE loss waterfall"
    assert "lang=en" in browser.current_url
    # English stays on as the reader moves on.
    click_and_wait(browser, find(browser, "a.nav-heatmap")[0], "heatmap", "en")
    assert heading(browser) == "KPI health heatmap"
    assert find(browser, "a.lang-switch")[0].text == "中文"


def test_data_quality_shows_the_failing_check_and_its_sample_rows(browser, url: str) -> None:  # type: ignore[no-untyped-def]
    load(browser, url, "?page=quality&lang=en", "quality", "en")
    main = find(browser, '[data-testid="stMain"]')[0]
    find(browser, '[data-testid="stExpander"] table.data-table')
    assert "fct_oee_shift.performance_in_range" in main.text
    assert "M07-SAMPLE" in main.text and "1.31" in main.text


def test_the_goal_tree_and_a_personal_card_show_the_published_goals(  # type: ignore[no-untyped-def]
    browser, url: str, published: Path
) -> None:
    # The demo workbook carries a goal tree (docs/planted.md, "Goals and weights"); a file
    # without one says so plainly (tests/dashboard/test_dashboard_data.py).
    with duckdb.connect(str(published), read_only=True) as con:
        roots = {
            goal_id
            for (goal_id,) in con.execute(
                "select goal_id from marts.fct_goal_attainment where parent_goal_id is null"
            ).fetchall()
        }
        (employee,) = con.execute(
            "select min(employee_id) from marts.fct_employee_score"
        ).fetchone()  # type: ignore[misc]
    assert roots and employee
    load(browser, url, "?page=goals", "goals")
    tree = find(browser, "table.goal-tree")[0].text
    assert any(root in tree for root in roots), tree[:400]
    load(browser, url, f"?page=card&employee={employee}&lang=en", "card", "en")
    assert f"({employee})" in browser.find_element("tag name", "main").text


def test_a_publish_while_serving_shows_on_the_next_load(  # type: ignore[no-untyped-def]
    browser,
    url: str,
    published: Path,
    warehouse: Warehouse,
    last_day: date,
) -> None:
    load(browser, url, "?page=heatmap", "heatmap")
    through = find(browser, ".data-through")[0]
    assert through.get_attribute("data-through") == (last_day - timedelta(days=1)).isoformat()
    # The publisher replaces the file while the dashboard serves page after page from it:
    # it never waits for the dashboard, and every page load reads a whole publish.
    published_result = {}

    def run_publish() -> None:
        published_result["result"] = publish(
            warehouse.path,
            published,
            run_id="dashboard-2",
            data_through=last_day,
            gate=_gate("dashboard-2", last_day),
        )

    publisher = threading.Thread(target=run_publish)
    publisher.start()
    seen = set()
    while publisher.is_alive():
        browser.refresh()
        wait_ready(browser, "heatmap")
        seen.add(find(browser, ".data-through")[0].get_attribute("data-through"))
    publisher.join()
    assert published_result["result"].data_through == last_day
    assert seen <= {(last_day - timedelta(days=1)).isoformat(), last_day.isoformat()}
    browser.refresh()
    wait_ready(browser, "heatmap")
    assert find(browser, ".data-through")[0].get_attribute("data-through") == last_day.isoformat()
    # And the heatmap's default date follows it.
    assert find(browser, '[data-testid="stDateInput"] input')[0].get_attribute("value") == (
        last_day.isoformat()
    )
