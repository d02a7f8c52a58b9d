"""What a suite is: named Great Expectations expectations with a severity and a reason.

A check validates one dataframe pulled from the warehouse: the whole mart, or the rows a
SQL query returns (a business invariant written as "the rows that violate it", which must
be none, or a computed column with a range). Expectations that depend on the run (the
data-through date, the row counts of earlier publishes) are built per run from
`GateInputs`; a builder that returns None skips the check (e.g. no publish history yet).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import great_expectations.expectations as gxe

from expectations.contract import CONTRACTS, MartContract

Severity = Literal["blocking", "warning"]
BLOCKING: Severity = "blocking"
WARNING: Severity = "warning"


@dataclass(frozen=True)
class GateInputs:
    data_through: date
    run_id: str
    plant_tz: str = "Asia/Shanghai"
    # mart → row counts of earlier publishes, oldest first (from meta.publish_log)
    history: Mapping[str, Sequence[int]] = field(default_factory=dict)


ExpectationBuilder = Callable[[GateInputs], gxe.Expectation | None]


@dataclass(frozen=True)
class Check:
    name: str
    severity: Severity
    reason: str
    expectation: gxe.Expectation | ExpectationBuilder
    # SQL giving the frame to validate; None = `select * from marts.<mart>`. Named
    # parameters `$data_through` (DATE) and `$plant_tz` are bound when present.
    query: str | None = None

    def build(self, inputs: GateInputs) -> gxe.Expectation | None:
        if isinstance(self.expectation, gxe.Expectation):
            return self.expectation
        return self.expectation(inputs)


@dataclass(frozen=True)
class MartSuite:
    mart: str
    checks: tuple[Check, ...]

    def frame_sql(self, check: Check) -> str:
        return check.query or f"select * from marts.{self.mart}"


# --- builders shared by the suites ------------------------------------------------------


# Marts a plant's first days hold nothing in, by definition: for these an empty table is a
# warning, not a blocked publish (a new installation's first nights must publish).
MAY_BE_EMPTY = {
    "fct_order_contribution": "until the first order is delivered (signed and invoiced)",
    "fct_signal_response": "until the first signal (a complaint, an escalation, an alert)",
    # A plant without the goal sheets of targets.xlsx has no goals (docs/goals.md).
    "fct_goal_attainment": "until the goal_tree sheet holds a goal",
    "fct_employee_score_explained": "until the goal_tree sheet holds an employee's goal",
    "fct_employee_score": "until the goal_tree sheet holds an employee's goal",
}


def contract_checks(mart: str) -> list[Check]:
    """Schema and key checks that every published mart gets from its dbt contract."""
    contract = CONTRACTS[mart]
    empty_reason = MAY_BE_EMPTY.get(mart)
    checks = [
        Check(
            "contract_columns",
            BLOCKING,
            "Analysts and dashboards rely on the columns and types of the published contract "
            "(the mart's dbt YAML).",
            gxe.ExpectTableRowCountToEqual(value=0),
            contract_columns_sql(contract),
        ),
        Check(
            "not_empty",
            WARNING if empty_reason else BLOCKING,
            f"Empty {empty_reason}; later, an upstream build or source failed."
            if empty_reason
            else "An empty mart means an upstream build or source failed.",
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
        ),
    ]
    # A key column without a not-null constraint may be null on purpose: employee_id of
    # fct_order_contribution, null = unattributed (SPEC 5.2).
    for column in contract.key:
        if contract.columns[column].not_null:
            checks.append(
                Check(
                    f"{column}_not_null",
                    BLOCKING,
                    f"{column} is part of the key ({contract.grain}).",
                    gxe.ExpectColumnValuesToNotBeNull(column=column),
                )
            )
    checks.append(key_unique(mart, contract.key))
    checks.append(volume_drop(mart))
    checks.append(volume_surge(mart))
    return checks


def contract_columns_sql(contract: MartContract) -> str:
    """The mart's columns that are missing, not in the contract, or of another type than the
    contract declares: none when the mart is what dbt's enforced contract promises.

    DuckDB names each declared type (`typeof(null::int)` is INTEGER), so spellings agree;
    `describe` resolves the mart as `select * from marts.<mart>` does."""
    declared = ", ".join(
        f"('{column.name}', typeof(null::{column.data_type}))"
        for column in contract.columns.values()
    )
    return (
        f"with declared (column_name, data_type) as (values {declared}), "
        f"built as (select column_name, column_type as data_type from (describe marts.{contract.name})) "
        "select coalesce(declared.column_name, built.column_name) as column_name, "
        "declared.data_type as contract_type, built.data_type as built_type "
        "from declared full outer join built on declared.column_name = built.column_name "
        "where declared.data_type is distinct from built.data_type "
        "order by column_name"
    )


def key_unique(mart: str, key: Sequence[str]) -> Check:
    # Written as a query so a null member of the key (unattributed) still counts as a value.
    columns = ", ".join(key)
    return Check(
        "key_unique",
        BLOCKING,
        f"The grain is {CONTRACTS[mart].grain}; a duplicate double-counts every KPI built on it.",
        gxe.ExpectTableRowCountToEqual(value=0),
        f"select {columns}, count(*) as copies from marts.{mart} "
        f"group by all having count(*) > 1 order by copies desc",
    )


def _trailing_average(inputs: GateInputs, mart: str) -> float | None:
    counts = list(inputs.history.get(mart, ()))[-7:]
    return sum(counts) / len(counts) if counts else None


# A change in row count smaller than this is no volume signal: a small plant's early
# weeks, a dimension of a few members, a quiet day's handful of rows. Without the floor
# three rows after an average of one would be a "surge", one row after three a "drop".
VOLUME_FLOOR_ROWS = 20


def volume_drop(mart: str) -> Check:
    def build(inputs: GateInputs) -> gxe.Expectation | None:
        average = _trailing_average(inputs, mart)
        if not average:
            return None
        allowed = min(math.floor(0.5 * average), math.ceil(average) - VOLUME_FLOOR_ROWS)
        return gxe.ExpectTableRowCountToBeBetween(min_value=max(allowed, 0))

    return Check(
        "volume_vs_trailing_average_drop",
        BLOCKING,
        "Marts keep history: losing half the rows of the last publishes (and at least "
        f"{VOLUME_FLOOR_ROWS}) means a broken build.",
        build,
    )


def volume_surge(mart: str) -> Check:
    def build(inputs: GateInputs) -> gxe.Expectation | None:
        average = _trailing_average(inputs, mart)
        if not average:
            return None
        allowed = max(math.ceil(2 * average), math.floor(average) + VOLUME_FLOOR_ROWS)
        return gxe.ExpectTableRowCountToBeBetween(max_value=allowed)

    return Check(
        "volume_vs_trailing_average_surge",
        WARNING,
        "Twice the rows of the last publishes (and at least "
        f"{VOLUME_FLOOR_ROWS} more) is usually a fan-out join or a backfill.",
        build,
    )


def status_in_traffic_lights() -> Check:
    """kpi_daily and kpi_period: a status the heatmap can draw."""
    return Check(
        "status_in_traffic_lights",
        BLOCKING,
        "The heatmap knows green, yellow and red only.",
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["green", "yellow", "red"]),
    )


def on_time_within_due(mart: str, key: str) -> Check:
    """kpi_daily and kpi_period: on-time orders never outnumber the orders due; `key`
    lists the columns that name the failing row."""
    return violations(
        "on_time_numerator_not_above_denominator",
        BLOCKING,
        "On-time orders are a subset of the orders due in the period (SPEC 5.1).",
        f"select {key}, numerator, denominator from marts.{mart} "
        "where (kpi_code ilike '%otd%' or kpi_code ilike '%on_time%') "
        "and numerator > denominator",
    )


def rates_between_0_and_1(columns: Sequence[str], severity: Severity = BLOCKING) -> list[Check]:
    return [
        Check(
            f"{column}_between_0_and_1",
            severity,
            f"{column} is a share; outside [0, 1] its numerator or denominator is wrong.",
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1),
        )
        for column in columns
    ]


def not_negative(columns: Sequence[str], severity: Severity = BLOCKING) -> list[Check]:
    return [
        Check(
            f"{column}_not_negative",
            severity,
            f"{column} counts or measures something; a negative value is a source error.",
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0),
        )
        for column in columns
    ]


def violations(name: str, severity: Severity, reason: str, query: str) -> Check:
    """A business invariant: `query` returns the rows that break it, and must return none."""
    return Check(name, severity, reason, gxe.ExpectTableRowCountToEqual(value=0), query)


# The plant calendar (SPEC 7): plant dates up to the run's date on which the HR schedule
# gives some team a shift (latest version of each schedule row, as staging keeps it), less
# the dates on which every machine shift was stopped as planned for its whole length
# (maintenance, a holiday stop). A date without shifts is a rest day, a holiday or a
# shutdown: no source owes rows for it. Only the last CALENDAR_DAYS are looked at.
CALENDAR_DAYS = 63
WORKING_DAYS = f"""
scheduled_days as (
    select distinct work_date as plant_date
    from raw.hr__shift_schedules
    where work_date between $data_through - {CALENDAR_DAYS} and $data_through
    qualify row_number() over (
        partition by work_date, team_code order by updated_at desc
    ) = 1
),
idle_days as (
    select shift_date as plant_date
    from marts.fct_oee_shift
    where shift_date between $data_through - {CALENDAR_DAYS} and $data_through
    group by shift_date
    having bool_and(planned_stop_minutes >= shift_minutes)
),
every_day as (
    select cast(range as date) as plant_date
    from range($data_through - {CALENDAR_DAYS}, $data_through + 1, interval 1 day)
),
working_days as (
    select plant_date from scheduled_days
    where plant_date not in (select plant_date from idle_days)
    union all
    -- No HR schedule at all: no calendar to judge by, every day is a working day.
    select plant_date from every_day
    where not exists (select 1 from raw.hr__shift_schedules)
)"""


def freshness(mart: str, date_expr: str, severity: Severity = BLOCKING) -> Check:
    """The mart must reach the last working day of the plant calendar up to the run's date.

    `date_expr` turns a row into its plant-local date; an empty mart counts as far behind.
    No working day in the calendar's window (a long shutdown) owes nothing.
    """
    return Check(
        "fresh_through_last_working_day",
        severity,
        "The mart must hold the plant's last working day up to the run's date (the HR shift "
        "schedule; rest days, holidays and whole-day planned stops owe no rows); behind "
        "means a source or model is late.",
        gxe.ExpectColumnValuesToBeBetween(column="days_behind", max_value=0),
        f"""
with {WORKING_DAYS},
expected as (
    select max(plant_date) as expected_date from working_days
),
newest as (
    select max({date_expr}) as newest_date from marts.{mart} where {date_expr} <= $data_through
)
select
    newest.newest_date,
    expected.expected_date,
    case
        when expected.expected_date is null then 0
        else coalesce(date_diff('day', newest.newest_date, expected.expected_date), 9999)
    end as days_behind
from expected cross join newest
""",
    )


def plant_date(column: str) -> str:
    """Plant-local date of a UTC timestamp (SPEC 5: dates are derived in the plant's zone)."""
    return f"cast(timezone($plant_tz, {column}) as date)"
