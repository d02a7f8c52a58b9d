"""The run's as-of date as the `as_of` resource gives it to every asset: yesterday in the
plant's time zone when a launch leaves it out, and refused with the setting's name when it
is not a date or has not ended in the plant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from orchestration.defs.as_of import AsOfDateError, AsOfResource, plant_yesterday

SHANGHAI = "Asia/Shanghai"  # UTC+8 all year


@pytest.mark.parametrize(
    ("now", "yesterday"),
    [
        # 15:59 UTC is 23:59 in Shanghai: still the 14th there, whose day before is the 13th.
        (datetime(2026, 2, 14, 15, 59, tzinfo=UTC), date(2026, 2, 13)),
        # 16:00 UTC is midnight of the 15th in Shanghai: the 14th has ended.
        (datetime(2026, 2, 14, 16, 0, tzinfo=UTC), date(2026, 2, 14)),
    ],
)
def test_yesterday_is_the_plants(now: datetime, yesterday: date) -> None:
    assert plant_yesterday(SHANGHAI, now) == yesterday
    # The same instants in UTC's own calendar: the 13th both times.
    assert plant_yesterday("UTC", now) == date(2026, 2, 13)


def test_a_launch_without_a_date_is_as_of_the_plants_yesterday() -> None:
    today = datetime.now(ZoneInfo(SHANGHAI)).date()
    day = AsOfResource().day(SHANGHAI)
    # Read twice around the call: a run at the plant's midnight may see either day.
    assert day in {
        today - timedelta(days=1),
        datetime.now(ZoneInfo(SHANGHAI)).date() - timedelta(days=1),
    }
    assert AsOfResource(as_of_date="2026-02-14").day(SHANGHAI) == date(2026, 2, 14)


def test_a_date_that_is_not_one_or_has_not_ended_is_refused() -> None:
    with pytest.raises(AsOfDateError) as refused:
        AsOfResource(as_of_date="2026-02-30").day(SHANGHAI)
    assert str(refused.value) == (
        "resources.as_of.config.as_of_date: '2026-02-30' is not a date (YYYY-MM-DD)"
    )
    today = datetime.now(ZoneInfo(SHANGHAI)).date()
    with pytest.raises(AsOfDateError) as refused:
        AsOfResource(as_of_date=today.isoformat()).day(SHANGHAI)
    assert str(refused.value) == (
        f"as_of_date {today} has not ended in the plant's time zone ({SHANGHAI}): the newest "
        f"date a run can be as of is {today - timedelta(days=1)}"
    )


def test_a_micro_batch_is_as_of_its_moment_and_its_plant_date() -> None:
    # 10:15 plant time on 2026-02-15 is 02:15 UTC; its window ends there, not at midnight.
    batch = AsOfResource(as_of_at="2026-02-15T10:15")
    assert batch.moment(SHANGHAI) == datetime(2026, 2, 15, 2, 15, tzinfo=UTC)
    assert batch.until(SHANGHAI) == datetime(2026, 2, 15, 2, 15, tzinfo=UTC)
    assert batch.day(SHANGHAI) == date(2026, 2, 15)
    # An offset is honoured: 23:30 UTC on the 14th is already the 15th in the plant.
    late = AsOfResource(as_of_at="2026-02-14T23:30:00+00:00")
    assert late.day(SHANGHAI) == date(2026, 2, 15)
    # A nightly run's window ends at the end of its plant day (16:00 UTC).
    night = AsOfResource(as_of_date="2026-02-14")
    assert night.moment(SHANGHAI) is None
    assert night.until(SHANGHAI) == datetime(2026, 2, 14, 16, 0, tzinfo=UTC)


def test_a_moment_that_is_not_one_or_lies_ahead_is_refused() -> None:
    with pytest.raises(AsOfDateError, match=r"'10:15 tomorrow' is not a moment"):
        AsOfResource(as_of_at="10:15 tomorrow").moment(SHANGHAI)
    ahead = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    with pytest.raises(AsOfDateError, match="is in the future"):
        AsOfResource(as_of_at=ahead).moment(SHANGHAI)
