"""Suite for marts.fct_oee_shift: one row per machine x shift (SPEC 5.4, ISO 22400-2)."""

from __future__ import annotations

from expectations.suite import (
    BLOCKING,
    WARNING,
    MartSuite,
    contract_checks,
    freshness,
    not_negative,
    rates_between_0_and_1,
    violations,
)

MART = "fct_oee_shift"

# Ratios are recomputed from their components; 1e-6 absorbs float rounding only.
_RATIO_MISMATCH = """
    abs({ratio} - {numerator} / {denominator}) > 1e-6
    or ({ratio} is null) <> (coalesce({denominator}, 0) = 0)
"""


def _ratio_check(ratio: str, numerator: str, denominator: str) -> object:
    condition = _RATIO_MISMATCH.format(ratio=ratio, numerator=numerator, denominator=denominator)
    return violations(
        f"{ratio}_equals_{numerator}_over_{denominator}",
        BLOCKING,
        f"{ratio} = {numerator} / {denominator} (SPEC 5.4).",
        f"select machine_id, shift_date, shift_code, {numerator}, {denominator}, {ratio} "
        f"from marts.{MART} where {condition}",
    )


SUITE = MartSuite(
    MART,
    (
        *contract_checks(MART),
        *not_negative(
            ["planned_busy_minutes", "run_minutes", "ideal_minutes", "produced_qty", "good_qty"]
        ),
        *rates_between_0_and_1(["availability", "quality"]),
        *not_negative(["performance", "oee"]),
        # Above 1 means the routing's ideal cycle time is too slow: worth a look, not a stop.
        *rates_between_0_and_1(["performance", "oee"], WARNING),
        violations(
            "good_not_above_produced",
            BLOCKING,
            "Good units are a subset of produced units.",
            f"select machine_id, shift_date, shift_code, produced_qty, good_qty "
            f"from marts.{MART} where good_qty > produced_qty",
        ),
        violations(
            "run_not_above_planned_busy",
            BLOCKING,
            "Run time = planned busy time - unplanned downtime.",
            f"select machine_id, shift_date, shift_code, planned_busy_minutes, run_minutes "
            f"from marts.{MART} where run_minutes > planned_busy_minutes",
        ),
        _ratio_check("availability", "run_minutes", "planned_busy_minutes"),
        _ratio_check("performance", "ideal_minutes", "run_minutes"),
        _ratio_check("quality", "good_qty", "produced_qty"),
        violations(
            "oee_is_product_of_parts",
            BLOCKING,
            "OEE = availability x performance x quality (SPEC 5.4).",
            f"select machine_id, shift_date, shift_code, availability, performance, quality, oee "
            f"from marts.{MART} "
            # The mart rounds each ratio to 6 decimals; the product of four rounded numbers
            # may differ from the rounded product by a few 1e-6.
            "where abs(oee - availability * performance * quality) > 1e-5",
        ),
        violations(
            "machine_state_unknown",
            WARNING,
            "Machine states are unknown for part of these shifts (an MTConnect agent restart "
            'or a cursor out of its buffer, docs/sources/mes.md "Gaps"): OEE covers only '
            "data_coverage of the shift; unknown_from_at - unknown_until_at is the window.",
            f"select machine_id, shift_date, shift_code, unknown_from_at, unknown_until_at, "
            f"unknown_minutes, data_coverage from marts.{MART} where unknown_minutes > 0 "
            "order by unknown_from_at, machine_id",
        ),
        freshness(MART, "shift_date"),
    ),
)
