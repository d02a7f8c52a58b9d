"""Role views (SPEC 9.6; docs/recognition.md): the manager war room and the HR capability
snapshot, each an Excel workbook and a PDF, Chinese by default, English on request.

The war room is one page: only the red KPI items of the day (kpi_daily, status red) and
the alerts still open (fct_alert, resolved_at null) - nothing that is fine. The HR
snapshot lists per employee the capability profile (fct_capability_profile), the badges
(fct_badge_award) and, when the goal tree has published it, the score explanation of the
month (fct_employee_score_explained). Both read only the published file; a mart that is
not published (an older file, a plant without the goal tree) shows as an empty section.

The data is gathered by `war_room()` and `hr_snapshot()` (plain dataclasses), so the
dashboard can show the same rows.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from fpdf import FPDF

from reports.common.fonts import cjk_font_path
from reports.common.style import format_value
from reports.labels import Lang, check_lang, kpi_label, label, optional_label

ROLE_VARIANTS = ("war_room", "hr_snapshot")
WAR_ROOM_ROWS = 18  # per section: the page stays one page; the rest is counted
_FONT = "noto"
_RED = (192, 0, 0)
_HEAD = (217, 225, 242)


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = ?",
        [table],
    ).fetchone()
    return bool(found and found[0])


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    cursor = con.execute(sql, list(params))
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class WarRoom:
    as_of: date
    red_items: list[dict[str, Any]] = field(default_factory=list)
    red_total: int = 0
    open_alerts: list[dict[str, Any]] = field(default_factory=list)
    alerts_total: int = 0


def war_room(con: duckdb.DuckDBPyConnection, as_of: date, limit: int = WAR_ROOM_ROWS) -> WarRoom:
    """The red KPI items of `as_of` (team and line scopes first, worst gap first) and the
    alerts open at the end of the published data."""
    room = WarRoom(as_of)
    if _has(con, "kpi_daily"):
        red = _rows(
            con,
            """
            select scope_type, scope_id, kpi_code, kpi_name, kpi_name_en, unit, value, target,
                red_threshold, direction
            from marts.kpi_daily
            where kpi_date = ? and status = 'red'
            order by case scope_type when 'plant' then 0 when 'department' then 1
                when 'line' then 2 when 'team' then 3 else 4 end,
                kpi_code, scope_id
            """,
            [as_of],
        )
        room.red_total, room.red_items = len(red), red[:limit]
    if _has(con, "fct_alert"):
        alerts = _rows(
            con,
            """
            select alert_id, rule_id, rule_name, scope_type, scope_id, opened_at,
                level_reached, reference
            from marts.fct_alert
            where resolved_at is null
            order by level_reached desc, opened_at, alert_id
            """,
        )
        room.alerts_total, room.open_alerts = len(alerts), alerts[:limit]
    return room


@dataclass
class EmployeeSnapshot:
    employee_id: str
    employee_name: str
    team: str
    skills: list[dict[str, Any]] = field(default_factory=list)
    badges: list[dict[str, Any]] = field(default_factory=list)
    score: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class HrSnapshot:
    as_of: date
    employees: list[EmployeeSnapshot] = field(default_factory=list)
    has_score: bool = False


def hr_snapshot(con: duckdb.DuckDBPyConnection, as_of: date, lang: Lang = "zh") -> HrSnapshot:
    """Every employee with a skill, a badge or a score row in the month of `as_of`."""
    snap = HrSnapshot(as_of, has_score=_has(con, "fct_employee_score_explained"))
    people: dict[str, EmployeeSnapshot] = {}
    names: dict[str, tuple[str, str]] = {}
    if _has(con, "dim_employee"):
        for row in _rows(
            con,
            "select employee_id, employee_name, employee_name_en, team_name, team_name_en "
            "from marts.dim_employee",
        ):
            names[row["employee_id"]] = (
                (row["employee_name"] if lang == "zh" else row["employee_name_en"]) or "",
                (row["team_name"] if lang == "zh" else row["team_name_en"]) or "",
            )

    def person(employee_id: str) -> EmployeeSnapshot:
        if employee_id not in people:
            name, team = names.get(employee_id, ("", ""))
            people[employee_id] = EmployeeSnapshot(employee_id, name, team)
        return people[employee_id]

    if _has(con, "fct_capability_profile"):
        for row in _rows(
            con,
            "select * from marts.fct_capability_profile order by employee_id, level desc, "
            "skill_code",
        ):
            person(row["employee_id"]).skills.append(row)
    if _has(con, "fct_badge_award"):
        for row in _rows(
            con,
            "select * from marts.fct_badge_award where cast(awarded_at as date) <= ? "
            "order by employee_id, awarded_at, badge_code",
            [as_of],
        ):
            person(row["employee_id"]).badges.append(row)
    if snap.has_score:
        month = as_of.replace(day=1)
        for row in _rows(
            con,
            "select * from marts.fct_employee_score_explained where month = ? "
            "order by employee_id, goal_id",
            [month],
        ):
            person(row["employee_id"]).score.append(row)
    snap.employees = [people[key] for key in sorted(people)]
    return snap


# ------------------------------------------------------------------ rendering


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if hasattr(value, "strftime") and hasattr(value, "hour"):
        return value.strftime("%Y-%m-%d %H:%M")
    if hasattr(value, "is_integer") or hasattr(value, "quantize"):
        return f"{float(value):.{digits}f}"
    return str(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _scope(scope_type: str, scope_id: str, lang: Lang) -> str:
    return f"{optional_label(f'level.{scope_type}', lang, scope_type)} {scope_id}"


def _red_table(room: WarRoom, lang: Lang) -> tuple[list[str], list[list[str]]]:
    head = [label(key, lang) for key in ("col.scope", "col.kpi", "col.value", "col.target")]
    head.append(label("col.red_line", lang))
    rows = [
        [
            _scope(row["scope_type"], row["scope_id"], lang),
            kpi_label(
                row["kpi_code"], lang, row["kpi_name"] if lang == "zh" else row["kpi_name_en"]
            ),
            # In the KPI's unit, as the heatmap shows it (a share as percent, hours with h,
            # output per head as standard hours per attended hour).
            format_value(row["kpi_code"], row["unit"], _float(row["value"])),
            format_value(row["kpi_code"], row["unit"], _float(row["target"])),
            format_value(row["kpi_code"], row["unit"], _float(row["red_threshold"])),
        ]
        for row in room.red_items
    ]
    return head, rows


def _alert_table(room: WarRoom, lang: Lang) -> tuple[list[str], list[list[str]]]:
    head = [label(k, lang) for k in ("col.rule", "col.scope", "col.opened_at", "col.level")]
    rows = [
        [
            f"{row['rule_id']} {row['rule_name'] or ''}",
            _scope(row["scope_type"], row.get("reference") or row["scope_id"], lang),
            _fmt(row["opened_at"]),
            str(row["level_reached"]),
        ]
        for row in room.open_alerts
    ]
    return head, rows


class _Pdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.add_font(_FONT, "", str(cjk_font_path()))
        self.set_auto_page_break(True, margin=12)
        self.set_margins(12, 12, 12)

    def title_line(self, text: str, sub: str) -> None:
        self.set_font(_FONT, size=16)
        self.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(_FONT, size=9)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, sub, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def section(self, text: str, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.set_font(_FONT, size=12)
        self.set_text_color(*colour)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def table(self, head: list[str], rows: list[list[str]], widths: Sequence[float]) -> None:
        self.set_font(_FONT, size=8)
        self.set_fill_color(*_HEAD)
        for text, width in zip(head, widths, strict=True):
            self.cell(width, 5.5, text, border=1, fill=True)
        self.ln()
        for row in rows:
            for text, width in zip(row, widths, strict=True):
                self.cell(width, 5, _clip(self, text, width), border=1)
            self.ln()
        self.ln(2)

    def note(self, text: str) -> None:
        self.set_font(_FONT, size=9)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)


def _clip(pdf: FPDF, text: str, width: float) -> str:
    while text and pdf.get_string_width(text) > width - 1.5:
        text = text[:-1]
    return text


def _xlsx_table(
    ws: Any, top: int, title: str, head: list[str], rows: list[list[str]], fmt: dict
) -> int:
    ws.write(top, 0, title, fmt["section"])
    ws.write_row(top + 1, 0, head, fmt["head"])
    for i, row in enumerate(rows, start=top + 2):
        ws.write_row(i, 0, row)
    return top + 3 + len(rows)


def _formats(wb: xlsxwriter.Workbook) -> dict:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "section": wb.add_format({"bold": True, "font_size": 11}),
        "head": wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1}),
    }


def build_war_room(
    con: duckdb.DuckDBPyConnection, as_of: date, lang: str, out_dir: Path
) -> list[Path]:
    """perfchain-war_room-<date>-<lang>.xlsx and .pdf (one page) in `out_dir`."""
    lang_ = check_lang(lang)
    room = war_room(con, as_of)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"perfchain-war_room-{as_of.isoformat()}-{lang_}"
    title = label("roles.war_room.title", lang_)
    sub = f"{label('meta.data_through', lang_)} {as_of.isoformat()}"
    red_head, red_rows = _red_table(room, lang_)
    alert_head, alert_rows = _alert_table(room, lang_)

    xlsx = out_dir / f"{stem}.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    fmt = _formats(wb)
    ws = wb.add_worksheet(title[:31])
    ws.set_column(0, 0, 34)
    ws.set_column(1, 4, 18)
    ws.write(0, 0, title, fmt["title"])
    ws.write(1, 0, sub)
    row = _xlsx_table(
        ws, 3, f"{label('roles.war_room.red', lang_)} ({room.red_total})", red_head, red_rows, fmt
    )
    _xlsx_table(
        ws,
        row,
        f"{label('roles.war_room.alerts', lang_)} ({room.alerts_total})",
        alert_head,
        alert_rows,
        fmt,
    )
    wb.close()

    pdf = _Pdf()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.title_line(title, sub)
    pdf.section(f"{label('roles.war_room.red', lang_)} ({room.red_total})", _RED)
    if red_rows:
        pdf.table(red_head, red_rows, (62, 40, 26, 26, 26))
        if room.red_total > len(red_rows):
            pdf.note(label("roles.war_room.more", lang_, count=room.red_total - len(red_rows)))
    else:
        pdf.note(label("roles.war_room.none_red", lang_))
    pdf.section(f"{label('roles.war_room.alerts', lang_)} ({room.alerts_total})", _RED)
    if alert_rows:
        pdf.table(alert_head, alert_rows, (72, 50, 42, 16))
        if room.alerts_total > len(alert_rows):
            pdf.note(label("roles.war_room.more", lang_, count=room.alerts_total - len(alert_rows)))
    else:
        pdf.note(label("roles.war_room.none_alerts", lang_))
    path = out_dir / f"{stem}.pdf"
    pdf.output(str(path))
    return [xlsx, path]


def build_hr_snapshot(
    con: duckdb.DuckDBPyConnection, as_of: date, lang: str, out_dir: Path
) -> list[Path]:
    """perfchain-hr_snapshot-<date>-<lang>.xlsx (profile, badges, score sheets) and .pdf."""
    lang_ = check_lang(lang)
    snap = hr_snapshot(con, as_of, lang_)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"perfchain-hr_snapshot-{as_of.isoformat()}-{lang_}"
    title = label("roles.hr.title", lang_)
    sub = f"{label('meta.data_through', lang_)} {as_of.isoformat()}"
    skill_head = [
        label(k, lang_)
        for k in (
            "col.employee",
            "col.team",
            "col.skill",
            "col.level",
            "col.evidence_count",
            "col.last_evidence",
        )
    ]
    badge_head = [
        label(k, lang_)
        for k in (
            "col.employee",
            "col.team",
            "col.badge",
            "col.level",
            "col.awarded_at",
            "col.evidence",
        )
    ]
    score_head = [
        label(k, lang_)
        for k in (
            "col.employee",
            "col.goal",
            "col.kpi",
            "col.weight",
            "col.attainment",
            "col.contribution",
        )
    ]
    skills, badges, scores = [], [], []
    for emp in snap.employees:
        who = f"{emp.employee_id} {emp.employee_name}".strip()
        for s in emp.skills:
            skills.append(
                [
                    who,
                    emp.team,
                    s["skill_name"] if lang_ == "zh" else s["skill_name_en"],
                    str(s["level"]),
                    str(s["evidence_count"]),
                    _fmt(s["last_evidence_at"]),
                ]
            )
        for b in emp.badges:
            badges.append(
                [
                    who,
                    emp.team,
                    b["badge_name"] if lang_ == "zh" else b["badge_name_en"],
                    str(b["level"]),
                    _fmt(b["awarded_at"]),
                    b.get("evidence") or "",
                ]
            )
        for g in emp.score:
            scores.append(
                [
                    who,
                    str(g.get("goal_id")),
                    kpi_label(str(g.get("kpi_code")), lang_),
                    _fmt(g.get("weight"), 2),
                    _fmt(g.get("attainment")),
                    _fmt(g.get("score_contribution")),
                ]
            )

    xlsx = out_dir / f"{stem}.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    fmt = _formats(wb)
    for sheet_key, head, rows in (
        ("roles.hr.profile", skill_head, skills),
        ("roles.hr.badges", badge_head, badges),
        ("roles.hr.score", score_head, scores),
    ):
        ws = wb.add_worksheet(label(sheet_key, lang_)[:31])
        ws.set_column(0, 1, 22)
        ws.set_column(2, 4, 16)
        ws.set_column(5, 5, 60)
        ws.write(0, 0, f"{title} - {label(sheet_key, lang_)}", fmt["title"])
        ws.write(1, 0, sub)
        ws.write_row(3, 0, head, fmt["head"])
        for i, row in enumerate(rows, start=4):
            ws.write_row(i, 0, row)
        if sheet_key == "roles.hr.score" and not snap.has_score:
            ws.write(4, 0, label("roles.hr.no_score", lang_))
    wb.close()

    pdf = _Pdf()
    pdf.add_page()
    pdf.title_line(title, sub)
    for sheet_key, head, rows, widths in (
        ("roles.hr.profile", skill_head, skills, (40, 30, 40, 14, 18, 44)),
        ("roles.hr.badges", badge_head, badges, (36, 26, 34, 12, 30, 48)),
        ("roles.hr.score", score_head, scores, (40, 36, 40, 20, 24, 26)),
    ):
        pdf.section(label(sheet_key, lang_))
        if rows:
            pdf.table(head, rows, widths)
        elif sheet_key == "roles.hr.score" and not snap.has_score:
            pdf.note(label("roles.hr.no_score", lang_))
        else:
            pdf.note(label("roles.hr.none", lang_))
    path = out_dir / f"{stem}.pdf"
    pdf.output(str(path))
    return [xlsx, path]


def build_role_reports(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    lang: str,
    out_dir: Path,
    variants: Sequence[str] = ROLE_VARIANTS,
) -> list[Path]:
    """The role variants asked for, in ROLE_VARIANTS order."""
    files: list[Path] = []
    for variant in variants:
        if variant not in ROLE_VARIANTS:
            raise ValueError(f"unknown role report {variant!r}: use {', '.join(ROLE_VARIANTS)}")
    if "war_room" in variants:
        files.extend(build_war_room(con, as_of, lang, out_dir))
    if "hr_snapshot" in variants:
        files.extend(build_hr_snapshot(con, as_of, lang, out_dir))
    return files
