"""Every KPI on the personal card and the war room shows in its unit (the KPI definitions
seed's `unit`, formatted as the heatmap formats it): shares as percent, hours with h, and
output per head - standard hours per attended hour, a plain ratio - as a number with its
unit beside the KPI, never as a percent. Built from hand-made rows: no warehouse."""

from __future__ import annotations

from datetime import date

import pytest

from reports.card import CardGoal, PersonCard, card_rows
from reports.roles import WarRoom, _red_table

# kpi_code, unit (as kpi_definitions.csv says), target, actual, expected target, actual cells
CASES = (
    ("first_pass_yield", "ratio", 0.97, 0.9512, "97.0%", "95.1%"),
    ("rework_rate", "ratio", 0.015, 0.0234, "1.5%", "2.3%"),
    ("oee", "ratio", 0.75, 0.8123, "75.0%", "81.2%"),
    ("output_per_head", "ratio", 0.85, 0.8123, "0.85", "0.81"),
    ("response_hours_p90", "hours", 24.0, 30.25, "24.0 h", "30.2 h"),
)


def _card(goals: list[CardGoal]) -> PersonCard:
    return PersonCard(
        "E1", "张三", "Zhang San", "T1", "一班", "Crew 1", date(2026, 1, 1), 1.0, len(goals),
        1.0, 0.0, goals,
    )  # fmt: skip


def _goal(code: str, unit: str, target: float, actual: float) -> CardGoal:
    return CardGoal(
        f"2026-01/E1/{code}", code, code, code, "team T1", "higher_is_better", 0.2, None,
        target, actual, 0.9556, 0.191120, None, None, unit,
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_card_shows_every_kpi_in_its_unit(lang: str) -> None:
    card = _card([_goal(code, unit, target, actual) for code, unit, target, actual, *_ in CASES])
    rows = card_rows(card, lang)  # type: ignore[arg-type]
    assert [(row[3], row[4]) for row in rows] == [(t, a) for *_, t, a in CASES]
    # Attainment is a percent whatever the KPI.
    assert {row[5] for row in rows} == {"95.6%"}
    per_head = rows[3][0]
    assert per_head == (
        "人均产出 (标准工时/出勤工时)" if lang == "zh" else "Output per head (std h per h)"
    )
    assert all("(" not in row[0] for i, row in enumerate(rows) if i != 3)


def test_the_war_room_shows_red_items_in_their_unit() -> None:
    room = WarRoom(date(2026, 1, 31))
    room.red_items = [
        {"scope_type": "team", "scope_id": "T1", "kpi_code": code, "kpi_name": code,
         "kpi_name_en": code, "unit": unit, "value": actual, "target": target,
         "red_threshold": red, "direction": "higher_is_better"}
        for code, unit, target, actual, red in (
            ("output_per_head", "ratio", 0.85, 0.6012, 0.65),
            ("first_pass_yield", "ratio", 0.97, 0.9012, 0.925),
        )
    ]  # fmt: skip
    _, rows = _red_table(room, "zh")
    assert [row[2:] for row in rows] == [["0.60", "0.85", "0.65"], ["90.1%", "97.0%", "92.5%"]]
