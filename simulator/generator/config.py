"""Scale presets and the calendar rules every stream shares (shifts, holidays, demand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from simulator.generator import catalog
from simulator.generator.clock import day_index, dstr, weekday


@dataclass(frozen=True)
class Scale:
    name: str
    plants: int
    days: int
    people: float  # multiplier on the department and team head counts (1.0 ≈ 800 people)
    machines: float  # multiplier on machines per line
    orders_per_day: float  # sales orders on an ordinary weekday
    products: int
    customers: int
    weld_interval: int  # seconds between weld-strength samples on a running robot
    voc_interval: int  # seconds between VOC readings in a running booth


SCALES: dict[str, Scale] = {
    "s": Scale("s", 1, 90, 1.0, 1.0, 12.0, 30, 60, 90, 60),
    "m": Scale("m", 1, 365, 1.5, 1.5, 18.0, 45, 90, 60, 45),
    "l": Scale("l", 10, 1095, 1.5, 1.5, 18.0, 45, 160, 60, 45),
}

# Shifts: code -> (中文, English, start minute, end minute (may pass midnight), break min).
# Every production team's OEE target in the targets workbook: a stretch above the plant's
# 0.75 that a crew meets on a good shift, not week after week (docs/planted.md,
# "Recognition": only the planted crew earns 「精益先锋」 on it).
TEAM_OEE_TARGET = 0.90
SHIFTS: dict[str, tuple[str, str, int, int, int]] = {
    "A": ("白班", "Day shift", 8 * 60, 20 * 60, 60),
    "B": ("夜班", "Night shift", 20 * 60, 32 * 60, 60),
    "D": ("常日班", "Office day", 8 * 60 + 30, 17 * 60 + 30, 60),
}
# Planned meal breaks inside each production shift, minutes from local midnight of the
# shift's work date (night-shift times pass 24:00). They add up to planned_break_minutes.
BREAKS: dict[str, tuple[tuple[int, int], ...]] = {
    "A": ((12 * 60, 12 * 60 + 30), (17 * 60 + 30, 18 * 60)),
    "B": ((24 * 60, 24 * 60 + 30), (28 * 60 + 30, 29 * 60)),
}


def spring_festival_offset(day: int) -> int | None:
    """Days from the nearest Spring Festival when within ±20 days, else None."""
    for text in catalog.SPRING_FESTIVAL:
        delta = day - day_index(date.fromisoformat(text))
        if -20 <= delta <= 20:
            return delta
    return None


def is_shutdown(day: int) -> bool:
    """The plant closes from two days before Spring Festival to four days after."""
    off = spring_festival_offset(day)
    return off is not None and -2 <= off <= 4


def is_holiday(day: int) -> bool:
    return dstr(day)[5:] in catalog.HOLIDAYS


def is_reduced(day: int) -> bool:
    """The weeks around the shutdown run day shifts only (people travel home)."""
    off = spring_festival_offset(day)
    return off is not None and (-9 <= off <= -3 or 5 <= off <= 9)


def team_shift(team_index: int, line_kind: str, day: int) -> str | None:
    """Which shift a production team works on a date, or None for a rest day.

    Two-crew lines rotate weekly: crew A works days in even ISO-ish weeks and nights in odd
    ones, crew B the opposite. Sundays and holidays run the day crew only; assembly also
    skips Saturday nights; machining has one crew on days, Monday to Saturday.
    """
    if is_shutdown(day):
        return None
    wd = weekday(day)
    if line_kind == "MCH":
        return None if wd == 6 or is_holiday(day) else "A"
    crew = team_index % 2  # 0 = crew A, 1 = crew B
    week = (day + 3) // 7
    day_crew = (week % 2) == crew
    light = wd == 6 or is_holiday(day) or is_reduced(day) or (line_kind == "ASM" and wd == 5)
    if day_crew:
        return "A"
    return None if light else "B"


def office_works(day: int, saturdays: bool) -> bool:
    if is_shutdown(day) or is_holiday(day):
        return False
    wd = weekday(day)
    return wd < 5 or (saturdays and wd == 5)


def demand_factor(day: int) -> float:
    """Relative order intake: weekends light, Spring Festival dip, end-of-quarter push."""
    if is_shutdown(day):
        return 0.0
    wd = weekday(day)
    factor = 1.0 if wd < 5 else (0.25 if wd == 5 else 0.08)
    if is_holiday(day):
        factor *= 0.2
    off = spring_festival_offset(day)
    if off is not None and -12 <= off <= 9:
        factor *= 0.45
    text = dstr(day)
    month, dom = int(text[5:7]), int(text[8:10])
    if month in (3, 6, 9, 12) and dom >= 20:
        factor *= 1.35
    return factor
