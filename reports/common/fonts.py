"""Noto Sans CJK SC, shipped on PyPI by mplfonts, for matplotlib and for the PDF.

Reports must never show Chinese as boxes, and plants run perfchain on servers without
desktop fonts, so the font comes with the Python dependencies rather than the OS.
fpdf2 embeds the OpenType (CFF) file as a subset Type0 font.
"""

from functools import cache
from pathlib import Path

FONT_FAMILY = "Noto Sans CJK SC"
_FONT_FILE = "NotoSansCJKsc-Regular.otf"


class FontMissingError(RuntimeError):
    pass


@cache
def cjk_font_path() -> Path:
    import mplfonts

    path = Path(mplfonts.__file__).parent / "fonts" / _FONT_FILE
    if not path.exists():
        raise FontMissingError(
            f"{path} is missing: reinstall the mplfonts package (pip install --force-reinstall "
            "mplfonts) so Chinese labels can be rendered"
        )
    return path


@cache
def use_cjk_font_in_matplotlib() -> None:
    """Register the font once per process and make it the default sans-serif face."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, rcParams

    font_manager.fontManager.addfont(str(cjk_font_path()))
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [FONT_FAMILY, "DejaVu Sans"]
    # The CJK font has no U+2212 minus sign glyph of its own width; use the ASCII hyphen.
    rcParams["axes.unicode_minus"] = False
