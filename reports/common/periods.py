"""The window a drop covers: the day, the week to date (ISO weeks start on Monday) or the
month to date, always ending on the as-of date, so every drop of a night shows data the
published file actually holds."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PeriodKind = Literal["day", "week", "month"]
PERIODS: tuple[PeriodKind, ...] = ("day", "week", "month")


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # the as-of date, inclusive

    @property
    def as_of(self) -> date:
        return self.end

    @property
    def month_start(self) -> date:
        return self.end.replace(day=1)

    @property
    def evidence_start(self) -> date:
        """First date of the signals behind the response KPIs. A day shows `kpi_daily`,
        whose response KPIs are month to date; a week or a month shows `kpi_period`, whose
        response KPIs cover the signals raised in the period itself."""
        return self.month_start if self.kind == "day" else self.start


def period_window(as_of: date, kind: str) -> Period:
    if kind == "day":
        return Period("day", as_of, as_of)
    if kind == "week":
        return Period("week", as_of - timedelta(days=as_of.weekday()), as_of)
    if kind == "month":
        return Period("month", as_of.replace(day=1), as_of)
    raise ValueError(f"unknown report period {kind!r}: use one of {', '.join(PERIODS)}")
