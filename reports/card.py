"""The employee's personal card (SPEC 9.3, 9.6; docs/goals.md): goals, weights, actual vs
target, attainment, score, contribution points and badges of one employee for one month.

`person_card` is the one place the card's data is read (the CLI `perfchain person`, the
report variant below and the dashboard use it), from the published file only. The card is
rendered as text (`card_text`), an Excel workbook and a one-page PDF (`build_card`), in
Chinese or English, like the other drops.
"""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import xlsxwriter
from fpdf import FPDF

from reports.common.fonts import cjk_font_path
from reports.common.style import format_value, value_kind
from reports.labels import Lang, check_lang, kpi_label, label


class CardNotFound(LookupError):
    """No such employee, or no goal of theirs in the month."""


@dataclass(frozen=True)
class CardGoal:
    goal_id: str
    kpi_code: str
    kpi_name: str
    kpi_name_en: str
    scope: str
    direction: str
    weight: float | None
    weight_effective_from: date | None
    target: float
    actual: float | None
    attainment: float | None
    score_contribution: float | None
    parent_goal_id: str | None
    value_path: str | None
    unit: str | None = None


@dataclass(frozen=True)
class CardBadge:
    badge_code: str
    name: str
    name_en: str
    level: str | None
    awarded_at: object


@dataclass(frozen=True)
class PersonCard:
    employee_id: str
    name: str
    name_en: str | None
    team_id: str | None
    team_name: str | None
    team_name_en: str | None
    month: date
    score: float | None
    goal_count: int
    weight_total: float | None
    contribution_points: float
    goals: list[CardGoal] = field(default_factory=list)
    badges: list[CardBadge] = field(default_factory=list)
    badges_published: bool = False


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = ?",
            [name],
        ).fetchone()[0]
    )


def latest_month(con: duckdb.DuckDBPyConnection, employee_id: str) -> date | None:
    """The newest month the employee has a score for."""
    if not _has_table(con, "fct_employee_score"):
        return None
    row = con.execute(
        'select max("month") from marts.fct_employee_score where employee_id = ?', [employee_id]
    ).fetchone()
    return row[0] if row else None


def person_card(con: duckdb.DuckDBPyConnection, employee_id: str, month: date) -> PersonCard:
    """The card of `employee_id` for the month starting `month` (any day of it), read from
    the published marts; CardNotFound names what is missing."""
    month = month.replace(day=1)
    if not _has_table(con, "fct_employee_score"):
        raise CardNotFound(
            "the published file has no marts.fct_employee_score yet: run `perfchain run` first"
        )
    person = con.execute(
        "select employee_name, employee_name_en, team_id, team_name, team_name_en "
        "from marts.dim_employee where employee_id = ?",
        [employee_id],
    ).fetchone()
    if person is None:
        raise CardNotFound(f"no employee {employee_id!r} in marts.dim_employee")
    score = con.execute(
        "select score, goal_count, weight_total, contribution_points from marts.fct_employee_score "
        'where employee_id = ? and "month" = ?',
        [employee_id, month],
    ).fetchone()
    if score is None:
        months = [
            row[0].strftime("%Y-%m")
            for row in con.execute(
                'select distinct "month" from marts.fct_employee_score where employee_id = ? '
                "order by 1",
                [employee_id],
            ).fetchall()
        ]
        raise CardNotFound(
            f"{employee_id} has no goal in {month:%Y-%m}"
            + (f" (months with goals: {', '.join(months)})" if months else " (no goal at all)")
        )
    goals = [
        CardGoal(*row)
        for row in con.execute(
            """
            select
                explained.goal_id,
                explained.kpi_code,
                coalesce(names.kpi_name, explained.kpi_code),
                coalesce(names.kpi_name_en, explained.kpi_code),
                explained.scope_type || ' ' || explained.scope_id,
                explained.direction,
                explained.weight,
                explained.weight_effective_from,
                explained.target,
                explained.actual,
                explained.attainment,
                explained.score_contribution,
                explained.parent_goal_id,
                goals.value_path,
                names.unit
            from marts.fct_employee_score_explained as explained
            left join marts.fct_goal_attainment as goals
                on explained.goal_id = goals.goal_id
            left join (
                select distinct kpi_code, kpi_name, kpi_name_en, unit from marts.kpi_period
            ) as names
                on explained.kpi_code = names.kpi_code
            where explained.employee_id = ? and explained."month" = ?
            order by explained.weight desc nulls last, explained.goal_id
            """,
            [employee_id, month],
        ).fetchall()
    ]
    badges: list[CardBadge] = []
    published = _has_table(con, "fct_badge_award")
    if published:
        badges = [
            CardBadge(*row)
            for row in con.execute(
                "select badge_code, badge_name, badge_name_en, cast(level as varchar), "
                "awarded_at from marts.fct_badge_award where employee_id = ? "
                "and cast(awarded_at as date) < ? order by awarded_at, badge_code",
                [employee_id, _next_month(month)],
            ).fetchall()
        ]
    return PersonCard(
        employee_id,
        person[0],
        person[1],
        person[2],
        person[3],
        person[4],
        month,
        score[0],
        int(score[1]),
        score[2],
        float(score[3] or 0),
        goals,
        badges,
        published,
    )


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def card_rows(card: PersonCard, lang: Lang) -> list[list[str]]:
    """The goals table as text cells: KPI, scope, weight, target, actual, attainment,
    contribution to the score. Target and actual in the KPI's unit, formatted as the heatmap
    formats them (reports/common/style.py): shares as percent, hours with "h", and a plain
    ratio (output per head: standard hours per attended hour) as a number, its unit named
    beside the KPI; attainment is always a percent."""
    rows = []
    for goal in card.goals:
        name = kpi_label(goal.kpi_code, lang, goal.kpi_name if lang == "zh" else goal.kpi_name_en)
        if value_kind(goal.kpi_code, goal.unit) == "ratio":
            name = f"{name} ({label('card.unit.' + goal.kpi_code, lang)})"
        rows.append(
            [
                name,
                goal.scope,
                _num(goal.weight, 2),
                format_value(goal.kpi_code, goal.unit, goal.target),
                format_value(goal.kpi_code, goal.unit, goal.actual),
                _pct(goal.attainment),
                _num(goal.score_contribution, 4),
            ]
        )
    return rows


def card_header(card: PersonCard, lang: Lang) -> list[tuple[str, str]]:
    name = card.name if lang == "zh" or not card.name_en else card.name_en
    team = (card.team_name if lang == "zh" else card.team_name_en or card.team_name) or "—"
    return [
        (label("card.employee", lang), f"{name} ({card.employee_id})"),
        (label("card.team", lang), f"{team} ({card.team_id or '—'})"),
        (label("card.month", lang), card.month.strftime("%Y-%m")),
        (label("card.score", lang), _num(card.score, 4)),
        (label("card.weight_total", lang), _num(card.weight_total, 2)),
        (label("card.points", lang), f"{card.contribution_points:.2f}"),
    ]


def _columns(lang: Lang) -> list[str]:
    return [
        label(f"card.col.{key}", lang)
        for key in ("kpi", "scope", "weight", "target", "actual", "attainment", "contribution")
    ]


def badge_lines(card: PersonCard, lang: Lang) -> list[str]:
    if not card.badges_published:
        return [label("card.badges_none_published", lang)]
    if not card.badges:
        return [label("card.badges_none", lang)]
    return [
        f"{badge.name if lang == 'zh' else badge.name_en or badge.name}"
        + (f" ({badge.level})" if badge.level else "")
        + f" · {str(badge.awarded_at)[:10]}"
        for badge in card.badges
    ]


def card_text(card: PersonCard, lang: str = "zh") -> str:
    """The card as plain text for a terminal."""
    lang_ = check_lang(lang)
    lines = [label("card.title", lang_), ""]
    lines += [f"{key}: {value}" for key, value in card_header(card, lang_)]
    lines.append("")
    table = [_columns(lang_), *card_rows(card, lang_)]
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        lines.append("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)))
    lines.append("")
    lines.append(label("card.explain", lang_))
    lines.append("")
    lines.append(label("card.badges", lang_) + ":")
    lines += [f"  {line}" for line in badge_lines(card, lang_)]
    return "\n".join(lines)


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def card_name(card: PersonCard, lang: Lang, suffix: str) -> str:
    return f"perfchain-card-{card.employee_id}-{card.month:%Y-%m}-{lang}.{suffix}"


def build_card(card: PersonCard, out_dir: Path, lang: str = "zh") -> list[Path]:
    """Write the card as an Excel workbook and a one-page PDF under `out_dir`."""
    lang_ = check_lang(lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [_card_workbook(card, out_dir, lang_), _card_pdf(card, out_dir, lang_)]


def _card_workbook(card: PersonCard, out_dir: Path, lang: Lang) -> Path:
    path = out_dir / card_name(card, lang, "xlsx")
    # Fixed `created` so the same card is the same file.
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {"title": label("card.title", lang), "author": "perfchain", "created": _created(card)}
    )
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    ws = wb.add_worksheet(label("card.sheet", lang))
    ws.write(0, 0, label("card.title", lang), wb.add_format({"bold": True, "font_size": 14}))
    row = 2
    for key, value in card_header(card, lang):
        ws.write(row, 0, key, bold)
        ws.write(row, 1, value)
        row += 1
    row += 1
    ws.write_row(row, 0, _columns(lang), head)
    for cells in card_rows(card, lang):
        row += 1
        ws.write_row(row, 0, cells)
    row += 2
    ws.write(row, 0, label("card.explain", lang))
    row += 2
    ws.write(row, 0, label("card.badges", lang), bold)
    for line in badge_lines(card, lang):
        row += 1
        ws.write(row, 0, line)
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 6, 12)
    wb.close()
    return path


def _created(card: PersonCard):  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime(card.month.year, card.month.month, 1)


def _card_pdf(card: PersonCard, out_dir: Path, lang: Lang) -> Path:
    path = out_dir / card_name(card, lang, "pdf")
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("cjk", "", str(cjk_font_path()))
    pdf.set_creation_date(_created(card))
    pdf.set_title(label("card.title", lang))
    pdf.set_author("perfchain")
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.cell(0, 10, label("card.title", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=10)
    header = card_header(card, lang)
    # The label column as wide as its longest label ("Goal score (Σ weight × attainment)"),
    # so no value is printed over its label.
    key_width = max(pdf.get_string_width(key) for key, _ in header) + 4
    for key, value in header:
        pdf.cell(key_width, 6, key)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    widths = (56, 30, 14, 18, 18, 20, 24)
    pdf.set_font("cjk", size=9)
    pdf.set_fill_color(217, 225, 242)
    for text, width in zip(_columns(lang), widths, strict=True):
        pdf.cell(width, 7, text, border=1, fill=True)
    pdf.ln()
    for cells in card_rows(card, lang):
        for text, width in zip(cells, widths, strict=True):
            pdf.cell(width, 6, text, border=1)
        pdf.ln()
    pdf.ln(3)
    pdf.multi_cell(0, 5, label("card.explain", lang), align="L")
    pdf.ln(2)
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 6, label("card.badges", lang), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=9)
    for line in badge_lines(card, lang):
        pdf.cell(0, 5, f"· {line}", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
