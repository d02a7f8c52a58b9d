"""The role views (SPEC 9.6, docs/recognition.md): the manager war room is one page of only
red KPI items and open alerts; the HR snapshot lists the badges; both in zh and en, Excel
and PDF, from the published file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pypdfium2 as pdfium

from reports.roles import build_role_reports, hr_snapshot, war_room


def _pages(path: Path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def test_war_room_lists_only_red_items_and_open_alerts(published: Path, as_of: date) -> None:
    con = duckdb.connect(str(published), read_only=True)
    try:
        room = war_room(con, as_of)
        (reds,) = con.execute(
            "select count(*) from marts.kpi_daily where kpi_date = ? and status = 'red'",
            [as_of],
        ).fetchone()
    finally:
        con.close()
    assert room.red_total == reds
    assert all(item["kpi_code"] for item in room.red_items)
    assert len(room.red_items) == min(reds, 18)


def test_role_reports_in_both_languages(published: Path, as_of: date, tmp_path: Path) -> None:
    con = duckdb.connect(str(published), read_only=True)
    try:
        zh = build_role_reports(con, as_of, "zh", tmp_path)
        en = build_role_reports(con, as_of, "en", tmp_path)
        snap = hr_snapshot(con, as_of)
    finally:
        con.close()
    assert [p.name for p in zh + en] == [
        f"perfchain-war_room-{as_of}-zh.xlsx",
        f"perfchain-war_room-{as_of}-zh.pdf",
        f"perfchain-hr_snapshot-{as_of}-zh.xlsx",
        f"perfchain-hr_snapshot-{as_of}-zh.pdf",
        f"perfchain-war_room-{as_of}-en.xlsx",
        f"perfchain-war_room-{as_of}-en.pdf",
        f"perfchain-hr_snapshot-{as_of}-en.xlsx",
        f"perfchain-hr_snapshot-{as_of}-en.pdf",
    ]
    war_pages = _pages(zh[1])
    assert len(war_pages) == 1  # one page
    assert all(word in war_pages[0] for word in ("经理作战室", "红色指标", "未关闭预警"))
    assert "Manager war room" in _pages(en[1])[0]
    badges = [b for emp in snap.employees for b in emp.badges]
    assert any(b["badge_code"] == "equipment_translator" for b in badges)
    sheet = openpyxl.load_workbook(zh[2])["徽章"]
    names = [row[2] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert "设备语言翻译官" in names
