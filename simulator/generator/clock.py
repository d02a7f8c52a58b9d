"""Plant-local time as integer seconds, and the three timestamp spellings of the dataset.

Internally every moment is an ``int`` of *plant-local* seconds since 1970-01-01 00:00
(naive wall time). Asia/Shanghai has had no daylight saving since 1991, so UTC is always
local minus eight hours; integers keep the hot loops cheap and the output exact.
"""

from __future__ import annotations

from datetime import date, timedelta

DAY = 86_400
HOUR = 3_600
MINUTE = 60
TZ_NAME = "Asia/Shanghai"
UTC_OFFSET = 8 * HOUR
_EPOCH = date(1970, 1, 1)

# "HH:MM:SS" for every second of a day: one list lookup instead of divmod + format per row.
HMS: list[str] = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
_DAYS: dict[int, str] = {}


def day_index(d: date) -> int:
    return (d - _EPOCH).days


def to_date(day: int) -> date:
    return _EPOCH + timedelta(days=day)


def dstr(day: int) -> str:
    """``YYYY-MM-DD`` of a day index (cached: the same few thousand days recur)."""
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = to_date(day).isoformat()
    return text


def date_of(t: int) -> str:
    return dstr(t // DAY)


def ts_local(t: int) -> str:
    """U8 / Weaver: ``2026-03-01 10:15:09`` (plant wall time, no zone)."""
    return f"{dstr(t // DAY)} {HMS[t % DAY]}"


def ts_offset(t: int) -> str:
    """Our REST APIs: ``2026-03-01T10:15:09+08:00``."""
    return f"{dstr(t // DAY)}T{HMS[t % DAY]}+08:00"


def ts_sf(t: int) -> str:
    """Salesforce: ``2026-03-01T02:15:09.000+0000`` (UTC)."""
    u = t - UTC_OFFSET
    return f"{dstr(u // DAY)}T{HMS[u % DAY]}.000+0000"


def ts_mtc(t: int) -> str:
    """MTConnect: ``2026-03-01T02:15:09Z`` (UTC)."""
    u = t - UTC_OFFSET
    return f"{dstr(u // DAY)}T{HMS[u % DAY]}Z"


def weekday(day: int) -> int:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def money(x: float) -> str:
    """Two decimals, plain notation (never ``1e+05``)."""
    return f"{x:.2f}"


def is_workday_like(day: int) -> bool:
    """Monday to Friday and not a holiday or the Spring Festival shutdown."""
    from simulator.generator.config import is_holiday, is_shutdown

    return weekday(day) < 5 and not is_holiday(day) and not is_shutdown(day)
