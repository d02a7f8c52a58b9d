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

from expectations.contract import CONTRACTS

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


def contract_checks(mart: str) -> list[Check]:
    """Schema and key checks that every published mart gets from the contract."""
    contract = CONTRACTS[mart]
    checks = [
        Check(
            "contract_columns",
            BLOCKING,
            "Analysts and dashboards rely on the columns of the published contract.",
            gxe.ExpectTableColumnsToMatchSet(column_set=list(contract.columns), exact_match=False),
        ),
        Check(
            "not_empty",
            BLOCKING,
            "An empty mart means an upstream build or source failed.",
            gxe.ExpectTableRowCountToBeBetween(min_value=1),
        ),
    ]
    nullable = {"employee_id"}  # fct_order_contribution: null = unattributed (SPEC 5.2)
    for column in contract.key:
        if column not in nullable:
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


def volume_drop(mart: str) -> Check:
    def build(inputs: GateInputs) -> gxe.Expectation | None:
        average = _trailing_average(inputs, mart)
        if not average:
            return None
        return gxe.ExpectTableRowCountToBeBetween(min_value=math.floor(0.5 * average))

    return Check(
        "volume_vs_trailing_average_drop",
        BLOCKING,
        "Marts keep history: losing half the rows of the last publishes means a broken build.",
        build,
    )


def volume_surge(mart: str) -> Check:
    def build(inputs: GateInputs) -> gxe.Expectation | None:
        average = _trailing_average(inputs, mart)
        if not average:
            return None
        return gxe.ExpectTableRowCountToBeBetween(max_value=math.ceil(2 * average))

    return Check(
        "volume_vs_trailing_average_surge",
        WARNING,
        "Twice the rows of the last publishes is usually a fan-out join or a backfill.",
        build,
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


def freshness(mart: str, date_expr: str, severity: Severity = BLOCKING) -> Check:
    """The mart's newest plant-local date must be the run's data-through date.

    `date_expr` turns a row into its plant-local date; an empty mart counts as far behind.
    """
    return Check(
        "fresh_through_run_date",
        severity,
        "The mart must hold the day the run is for; behind means a source or model is late.",
        gxe.ExpectColumnValuesToBeBetween(column="days_behind", min_value=0, max_value=0),
        f"select coalesce(date_diff('day', max({date_expr}), $data_through), 9999) "
        f"as days_behind from marts.{mart}",
    )


def plant_date(column: str) -> str:
    """Plant-local date of a UTC timestamp (SPEC 5: dates are derived in the plant's zone)."""
    return f"cast(timezone($plant_tz, {column}) as date)"
