"""The plant date a run is "as of": run configuration that every stage reads.

A run extracts every change through the end of that plant day, builds the warehouse as
of it, audits, publishes and reports it. The date is not a Dagster partition, because no
asset holds one date's slice: extraction starts at each entity's high-water mark whatever
the date (the date only ends its window), and a build recomputes the whole warehouse from
everything raw holds, so the marts of a date the warehouse has moved past cannot be built
again (docs/operations.md, "Backfilling a past date").
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb

from perfchain.core.errors import PerfchainError

AS_OF_KEY = "as_of"
# A label for the runs list (filter by it); the date itself comes from the resource.
AS_OF_TAG = "perfchain/as_of_date"
# Where the dbt build finds the run's as-of date (dbt source `extract.build_as_of`, read by
# int_data_horizons_resolved). A row in the warehouse rather than a dbt var or an
# environment variable: dbt re-parses the project when a var changes (≈ 10 s a night) and
# the files that read an environment variable when it does, and dagster-dbt has no public
# way to give one dbt invocation its own environment.
BUILD_AS_OF_TABLE = "raw._build_as_of"
# Every build's "now" for the alert rules (dbt source `extract.signals_as_of`): the end of
# the as-of day for a nightly run, the batch's moment for a signals micro-batch. Kept as a
# history: the nightly build tolerates events after its day up to the newest micro-batch
# moment (int_data_horizons_resolved), since the micro-batches extracted them.
SIGNALS_AS_OF_TABLE = "raw._signals_as_of"


class AsOfDateError(PerfchainError):
    """The run's as-of date cannot be run: not a date, not ended yet, or one the warehouse
    has moved past."""


def plant_yesterday(plant_tz: str, now: datetime | None = None) -> date:
    """The last plant day that has ended at `now` (default: the current time)."""
    zone = ZoneInfo(plant_tz)
    return (now or datetime.now(zone)).astimezone(zone).date() - timedelta(days=1)


class AsOfResource(dg.ConfigurableResource):
    """The run's plant date, set when the run is launched (the schedule, `perfchain run`,
    or the launchpad): `{resources: {as_of: {config: {as_of_date: "2026-02-14"}}}}`.
    Unset, it is yesterday in the plant's time zone.

    A resource rather than each asset's own config: the extract assets, the dbt build, the
    gate, the publish and the reports all read the one value, which a launch gives once."""

    # ISO date (Dagster's config has no date type); None: yesterday in the plant's zone.
    as_of_date: str | None = None
    # A signals micro-batch: its moment, ISO 8601 with an offset (or plant-local wall
    # time); extraction windows end there instead of at the end of a plant day.
    as_of_at: str | None = None

    def moment(self, plant_tz: str) -> datetime | None:
        """The micro-batch's moment (aware, UTC), or None for a run as of a plant day;
        refused when it is not a moment or lies in the future."""
        if self.as_of_at is None:
            return None
        try:
            moment = datetime.fromisoformat(self.as_of_at)
        except ValueError:
            raise AsOfDateError(
                f"resources.as_of.config.as_of_at: {self.as_of_at!r} is not a moment "
                "(YYYY-MM-DDTHH:MM[:SS][+08:00])"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(plant_tz))
        moment = moment.astimezone(UTC)
        if moment > datetime.now(UTC) + timedelta(minutes=1):
            raise AsOfDateError(f"as_of_at {self.as_of_at} is in the future")
        return moment

    def until(self, plant_tz: str) -> datetime:
        """Where extraction windows end: the micro-batch's moment, else the end of the
        as-of plant day."""
        moment = self.moment(plant_tz)
        if moment is not None:
            return moment
        return end_of_plant_day(self.day(plant_tz), plant_tz)

    def day(self, plant_tz: str) -> date:
        """The as-of date, refused when it is not a date or has not ended in the plant.
        A micro-batch's date is the plant date of its moment."""
        moment = self.moment(plant_tz)
        if moment is not None:
            return moment.astimezone(ZoneInfo(plant_tz)).date()
        yesterday = plant_yesterday(plant_tz)
        if self.as_of_date is None:
            return yesterday
        try:
            day = date.fromisoformat(self.as_of_date)
        except ValueError:
            raise AsOfDateError(
                f"resources.as_of.config.as_of_date: {self.as_of_date!r} is not a date (YYYY-MM-DD)"
            ) from None
        if day > yesterday:
            raise AsOfDateError(
                f"as_of_date {day} has not ended in the plant's time zone ({plant_tz}): "
                f"the newest date a run can be as of is {yesterday}"
            )
        return day


def record_build_as_of(con: duckdb.DuckDBPyConnection, day: date, run_id: str) -> None:
    """The as-of date the next dbt build computes, with the run that set it: one row."""
    con.execute("create schema if not exists raw")
    con.execute(
        f"create table if not exists {BUILD_AS_OF_TABLE} "
        "(as_of_date date not null, run_id varchar not null, recorded_at timestamptz not null)"
    )
    con.execute("begin")
    con.execute(f"delete from {BUILD_AS_OF_TABLE}")
    con.execute(f"insert into {BUILD_AS_OF_TABLE} values (?, ?, now())", [day, run_id])
    con.execute("commit")


def end_of_plant_day(day: date, plant_tz: str) -> datetime:
    """The first instant after a plant day (aware, UTC): an as-of day ends there."""
    zone = ZoneInfo(plant_tz)
    return datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)


def record_signals_as_of(
    con: duckdb.DuckDBPyConnection, moment: datetime, kind: str, run_id: str
) -> None:
    """Append the "now" of this build's alert rules (`kind`: nightly or batch)."""
    con.execute("create schema if not exists raw")
    con.execute(
        f"create table if not exists {SIGNALS_AS_OF_TABLE} (as_of_at timestamptz not null, "
        "kind varchar not null, run_id varchar not null, recorded_at timestamptz not null)"
    )
    con.execute(
        f"insert into {SIGNALS_AS_OF_TABLE} values (?, ?, ?, now())", [moment, kind, run_id]
    )


def as_of_run_config(day: date) -> dict[str, object]:
    """The run config that sets the as-of date of a launch."""
    return {"resources": {AS_OF_KEY: {"config": {"as_of_date": day.isoformat()}}}}


def signals_run_config(moment: datetime) -> dict[str, object]:
    """The run config of a signals micro-batch at `moment`."""
    return {"resources": {AS_OF_KEY: {"config": {"as_of_at": moment.isoformat()}}}}


def earlier_date_refusal(
    con: duckdb.DuckDBPyConnection, run_date: date, plant_tz: str, history_start: date
) -> str | None:
    """Why a build as of `run_date` cannot run on this warehouse, or None when it can.

    A build computes its marts from everything the warehouse holds, and raw and the
    incremental models keep every record changed since: the marts of an earlier date
    cannot be rebuilt from it, and its build would fail the horizon check
    (`assert_no_event_after_the_as_of_day`: the as-of day ends after the newest data).
    The newest date's marts already hold every record of the earlier dates, late ones
    too."""
    try:
        horizon = con.execute(
            "select data_through_at, as_of_date from intermediate.int_data_horizons_resolved"
        ).fetchone()
    except duckdb.CatalogException:
        return None  # no build yet
    if horizon is None or horizon[0] is None:
        return None
    data_through_at, last_as_of = horizon
    zone = ZoneInfo(plant_tz)
    if data_through_at < datetime.combine(run_date + timedelta(days=1), time(), zone):
        return None
    through = data_through_at.astimezone(zone)
    return (
        f"cannot run {run_date}: the warehouse already holds data through "
        f"{through:%Y-%m-%d %H:%M} plant time (its last build was as of {last_as_of}), and "
        f"marts as of an earlier date cannot be rebuilt from it: a build reads everything "
        f"the warehouse holds, records changed after {run_date} included.\n"
        f"The marts of {last_as_of} already hold every record of {run_date}, late ones too; "
        f"to build them again run: perfchain run --date {last_as_of}\n"
        f"To rebuild the marts as of {run_date} from the sources as they are now, run its "
        f"dates into an empty home: PERFCHAIN_HOME=<new dir> perfchain run "
        f"--start {history_start} --end {run_date}"
    )
