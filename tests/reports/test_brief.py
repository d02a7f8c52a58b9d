"""The PDF brief: page count, headline figures and Chinese labels in its text, the CJK
font embedded, and a rendered page that is not blank."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from reports.brief.build import build_brief
from reports.common.periods import period_window
from reports.common.style import format_value
from reports.labels import label
from tests.reports.expected import window_figures


@pytest.fixture(scope="module")
def briefs(published: Path, as_of: date, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("briefs")
    with duckdb.connect(str(published), read_only=True) as con:
        return {lang: build_brief(con, as_of, lang, "week", out_dir=out) for lang in ("zh", "en")}


def _text(path: Path) -> str:
    document = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _plant_value(con: duckdb.DuckDBPyConnection, as_of: date, code: str) -> float:
    window = period_window(as_of, "week")
    value = window_figures(con, window.start, window.end)[("plant", "P01", code)]
    assert value is not None, code
    return value


def test_brief_has_two_to_six_pages(briefs: dict) -> None:
    for path in briefs.values():
        assert 2 <= len(PdfReader(path).pages) <= 6


def test_text_holds_headline_figures_and_chinese_labels(briefs: dict, con, as_of: date) -> None:  # type: ignore[no-untyped-def]
    text = _text(briefs["zh"])
    for code in ("otd_rate", "first_pass_yield", "oee"):
        assert format_value(code, "ratio", _plant_value(con, as_of, code)) in text, code
    for chinese in ("管理简报", "周报", "核心指标", "准时交付率", "一次合格率", "红灯指标"):
        assert chinese in text, chinese
    assert label("dq.warned", "zh") in text  # the gate had a warning: the footer says so


def test_english_brief_has_english_labels(briefs: dict, con, as_of: date) -> None:  # type: ignore[no-untyped-def]
    text = _text(briefs["en"])
    assert "Management brief · Weekly" in text and "Headline figures" in text
    assert format_value("otd_rate", "ratio", _plant_value(con, as_of, "otd_rate")) in text
    assert "管理简报" not in text


def test_cjk_font_is_embedded(briefs: dict) -> None:
    reader = PdfReader(briefs["zh"])
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    cjk = [font for name, font in fonts.items() if "NotoSansCJK" in name]
    assert cjk, list(fonts)
    descendant = cjk[0]["/DescendantFonts"][0].get_object()
    descriptor = descendant["/FontDescriptor"].get_object()
    assert any(key in descriptor for key in ("/FontFile2", "/FontFile3")), "font is not embedded"


def test_rendered_page_is_not_blank(briefs: dict) -> None:
    document = pdfium.PdfDocument(str(briefs["zh"]))
    try:
        for index in (0, 1):
            pixels = np.asarray(document[index].render(scale=1).to_pil().convert("L"), dtype=float)
            assert pixels.std() > 20, index
            assert (pixels < 200).mean() > 0.03, index  # ink on at least 3 % of the page
    finally:
        document.close()
