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
