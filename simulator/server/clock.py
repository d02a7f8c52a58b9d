"""Moments and their text forms.

Inside the simulator every instant is a naive UTC ``datetime`` (DuckDB ``TIMESTAMP``):
one representation, so comparisons never mix zones. Plant-local text (U8, Weaver) is
converted with the plant's zone at the edges.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def to_utc_naive(moment: datetime, tz: ZoneInfo) -> datetime:
    """An aware moment, or a naive one read as plant-local wall time, in naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC).replace(tzinfo=None)


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """The last microsecond of a plant-local day, in naive UTC (an as-of date means this)."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return to_utc_naive(next_midnight, tz) - timedelta(microseconds=1)


def as_of_moment(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return to_utc_naive(value, tz)
    return end_of_local_day(value, tz)


def parse_iso_instant(text: str) -> datetime:
    """ISO 8601 with an offset (``Z``, ``+08:00`` or Salesforce's ``+0000``) → naive UTC.

    Raises ValueError for text without an offset: an instant must say its zone.
    """
    text = text.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return moment.astimezone(UTC).replace(tzinfo=None)


def parse_local(text: str, tz: ZoneInfo) -> datetime:
    """Plant-local ``yyyy-MM-dd HH:mm:ss`` (or a bare date = its midnight) → naive UTC."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is not None:
        raise ValueError(f"{text!r} must be plant-local wall time without an offset")
    return to_utc_naive(moment, tz)


def utc_iso(moment: datetime) -> str:
    """Naive UTC → ``2026-03-01T02:15:09Z`` (for headers and logs)."""
    return moment.replace(microsecond=0).isoformat() + "Z"
