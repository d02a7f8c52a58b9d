"""What makes the pages fast, checked without a browser: reads cached by the published
file's identity (a new publish is read at once, an unchanged file is not opened again),
tables as one plain HTML element, charts as positioned boxes. Every expected number is
worked out in the comments."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import streamlit as st

from dashboard import data
from dashboard.app import Ctx
from dashboard.charts import Bar, _ticks, bars_html
from dashboard.reader import Reader


def _publish(path: Path, first: str, last: str) -> None:
    """A published file with a kpi_daily of two days, put in place as a publish does: a
    new file moved onto the path."""
    fresh = path.with_suffix(".new")
    with duckdb.connect(str(fresh)) as db:
        db.execute("create schema marts")
        db.execute(
            f"create table marts.kpi_daily as select * from (values (date '{first}'), "
            f"(date '{last}')) as t(kpi_date)"
        )
    os.replace(fresh, path)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    st.cache_data.clear()


def test_an_unchanged_file_is_answered_from_the_cache_without_opening_it(tmp_path: Path) -> None:
    path = tmp_path / "perfchain.duckdb"
    _publish(path, "2026-03-01", "2026-03-02")
    with Reader(path) as first:
        assert first.get(data.kpi_date_bounds) == (date(2026, 3, 1), date(2026, 3, 2))
        assert first.opened
    with Reader(path) as second:
        assert second.get(data.kpi_date_bounds) == (date(2026, 3, 1), date(2026, 3, 2))
        assert not second.opened  # the same file: nothing attached


def test_a_new_publish_is_read_on_the_next_load(tmp_path: Path) -> None:
    path = tmp_path / "perfchain.duckdb"
    _publish(path, "2026-03-01", "2026-03-02")
    with Reader(path) as before:
        assert before.get(data.kpi_date_bounds)[1] == date(2026, 3, 2)
    _publish(path, "2026-03-01", "2026-03-03")  # the next night's publish
    with Reader(path) as after:
        assert after.get(data.kpi_date_bounds)[1] == date(2026, 3, 3)
        assert after.opened


def test_the_cache_key_holds_the_read_and_its_arguments(tmp_path: Path) -> None:
    path = tmp_path / "perfchain.duckdb"
    _publish(path, "2026-03-01", "2026-03-02")
    with Reader(path) as reader:
        assert reader.get(data.table_exists, "marts", "kpi_daily") is True
        assert reader.get(data.table_exists, "marts", "order_360") is False
        assert reader.get(data.kpi_date_bounds) == (date(2026, 3, 1), date(2026, 3, 2))


def _rendered(call) -> str:  # type: ignore[no-untyped-def]
    """The markup a page function hands to st.html."""
    shown: list[str] = []
    original = st.html
    st.html = shown.append  # type: ignore[assignment]
    try:
        call()
    finally:
        st.html = original  # type: ignore[assignment]
    (markup,) = shown
    return markup


def test_a_table_is_one_escaped_html_element_in_report_formats() -> None:
    ctx = Ctx("en", "Asia/Shanghai", {}, None)
    frame = pd.DataFrame(
        {
            "order_id": ["SO-1", "<b>x</b>", "SO-3"],
            "points": [1234.5, 2.0, 9.0],
            "n": [1500, None, 1],
        }
    )
    markup = _rendered(lambda: ctx.table(frame, limit=2))
    assert markup.count("<table") == 1 and 'class="dataframe data-table"' in markup
    body = markup[markup.index("<tbody>") :]
    cells = [re.findall(r"<td>(.*?)</td>", row) for row in body.split("</tr>")[:-1]]
    # Two rows (limit 2). 1234.5 -> "1,234.50"; 2.0 -> "2"; 1500 read back as a float
    # (the None makes the column float) -> "1,500"; None -> "—"; the tag escaped, not markup.
    assert cells == [["SO-1", "1,234.50", "1,500"], ["&lt;b&gt;x&lt;/b&gt;", "2", "—"]]


def test_ticks_are_round_steps_up_to_the_largest_value() -> None:
    # 96 / 4 = 24 a step at least: 50 (1, 2, 5 × 10) -> 0, 50, 100 (100 >= 96).
    assert _ticks(96) == [0.0, 50.0, 100.0]
    # 7 / 4 = 1.75: 2 -> 0, 2, 4, 6, 8.
    assert _ticks(7) == [0.0, 2.0, 4.0, 6.0, 8.0]
    assert _ticks(0) == [0.0]


def test_a_waterfall_loss_floats_between_its_levels() -> None:
    bars = [
        Bar("busy", 0.0, 1000.0, "#0a0", "1,000"),
        Bar("loss", 1000.0, 800.0, "#a00", "200"),
        Bar("productive", 0.0, 800.0, "#0a0", "800"),
    ]
    markup = bars_html(bars, height=200, axis="minutes")
    # Ticks 0, 500, 1000 (1000 / 4 = 250 -> a step of 500): the scale tops out at 1000.
    assert [f"{t:,.0f}" for t in (0, 500, 1000)] == re.findall(r">([\d,]+)</div>", markup)[:3]
    boxes = re.findall(r"bottom:([\d.]+)%;height:max\(([\d.]+)%", markup)
    # busy 0 -> 1000: from 0 %, 100 % high; the loss 800 -> 1000: from 80 %, 20 % high;
    # productive 0 -> 800: from 0 %, 80 % high.
    assert boxes == [("0.000", "100.000"), ("80.000", "20.000"), ("0.000", "80.000")]
    assert markup.count('class="bar"') == 3 and 'title="loss: 200"' in markup
