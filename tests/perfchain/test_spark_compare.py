"""The comparison `make test-spark` makes between a mart built by DuckDB and by Spark
(perfchain/spark/compare.py), on small frames whose answer is known by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from perfchain.spark.compare import NULL, CanonicalTable, canonical_value, compare


def _compare(left: pd.DataFrame, right: pd.DataFrame):  # type: ignore[no-untyped-def]
    return compare("fct_x", CanonicalTable.from_pandas(left), CanonicalTable.from_pandas(right))


BASE = pd.DataFrame(
    {
        "order_no": ["SO-1", "SO-2", "SO-3"],
        "qty": [10, 20, 30],
        "rate": [0.5, 0.25, 1 / 3],
    }
)


def test_the_same_rows_in_another_order_and_column_order_are_equal() -> None:
    shuffled = BASE.iloc[[2, 0, 1]][["rate", "qty", "order_no"]]
    result = _compare(BASE, shuffled)
    assert result.equal
    assert (result.rows_duckdb, result.rows_spark) == (3, 3)
    assert result.line().endswith("equal")


def test_a_float_that_differs_beyond_the_precision_is_equal_one_within_it_is_not() -> None:
    beyond = BASE.assign(rate=[0.5, 0.25, 1 / 3 + 4e-8])  # 0.3333333733: rounds to 0.333333
    assert _compare(BASE, beyond).equal
    within = BASE.assign(rate=[0.5, 0.25, 1 / 3 + 2e-6])  # 0.333335
    result = _compare(BASE, within)
    assert not result.equal
    assert result.differing_columns == ("rate",)
    assert result.only_duckdb == ("order_no=SO-3, qty=30.000000, rate=0.333333",)
    assert result.only_spark == ("order_no=SO-3, qty=30.000000, rate=0.333335",)
    assert "DIFFERENT: values differ in: rate" in result.line()


def test_one_null_makes_the_tables_differ_and_names_its_column() -> None:
    # A null is not an empty text, not zero, not the text "\N".
    for stand_in in ("", "\\N", "None"):
        right = BASE.assign(order_no=["SO-1", "SO-2", stand_in])
        nulled = BASE.assign(order_no=["SO-1", "SO-2", None])
        result = _compare(nulled, right)
        assert not result.equal, stand_in
        assert result.differing_columns == ("order_no",)
    assert _compare(
        BASE.assign(order_no=[None, "b", "c"]), BASE.assign(order_no=[None, "b", "c"])
    ).equal


def test_a_missing_row_and_a_duplicated_row_both_count() -> None:
    result = _compare(BASE, BASE.iloc[[0, 1]])
    assert (result.rows_duckdb, result.rows_spark, result.equal) == (3, 2, False)
    assert result.only_duckdb == ("order_no=SO-3, qty=30.000000, rate=0.333333",)
    doubled = pd.concat([BASE.iloc[[0, 0]], BASE.iloc[[2]]])  # SO-1 twice, no SO-2
    result = _compare(BASE, doubled)
    assert result.rows_spark == 3 and not result.equal


def test_a_column_on_one_side_only_is_a_difference() -> None:
    result = _compare(BASE, BASE.assign(extra=1))
    assert not result.equal
    assert result.columns_only_spark == ("extra",)
    # Column names compare case-insensitively (Spark lower-cases unquoted names).
    assert _compare(BASE, BASE.rename(columns={"qty": "QTY"})).equal


def test_an_integer_column_equals_the_same_counts_as_doubles_or_decimals() -> None:
    # DuckDB's bigint / Spark's double or decimal(38,6) of one count.
    assert canonical_value(30) == canonical_value(30.0) == canonical_value(Decimal("30.000"))
    assert canonical_value(-0.0) == canonical_value(0) == "0.000000"
    assert canonical_value(2**62) == "4611686018427387904.000000"  # no float rounding
    assert canonical_value(1e22) == "10000000000000000000000.000000"


def test_timestamps_compare_as_utc_text() -> None:
    aware = dt.datetime(2026, 3, 1, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    naive_utc = dt.datetime(2026, 3, 1, 8, 0)
    assert canonical_value(aware) == canonical_value(naive_utc) == "2026-03-01 08:00:00.000000"
    # Arrow columns: DuckDB's timestamptz (UTC) and Spark's naive session-UTC timestamp.
    left = pa.table({"at": pa.array([naive_utc], pa.timestamp("us", tz="UTC"))})
    right = pa.table({"at": pa.array([naive_utc], pa.timestamp("us"))})
    assert compare("t", CanonicalTable.from_arrow(left), CanonicalTable.from_arrow(right)).equal
    shifted = pa.table({"at": pa.array([naive_utc + dt.timedelta(hours=8)], pa.timestamp("us"))})
    assert not compare(
        "t", CanonicalTable.from_arrow(left), CanonicalTable.from_arrow(shifted)
    ).equal


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, NULL),
        (True, "true"),
        (dt.date(2026, 3, 1), "2026-03-01"),
        (float("nan"), "nan"),
        ([1, None], '["1.000000", "\\\\N"]'),
        ({"b": 1.0, "a": "x"}, '{"a": "x", "b": "1.000000"}'),
    ],
)
def test_canonical_values(value: object, text: str) -> None:
    assert canonical_value(value) == text


def test_numbers_that_straddle_a_rounding_boundary_are_equal_within_one_unit() -> None:
    # 1.0712265 computed in two orders: one side rounds to 1.071226, the other to 1.071227.
    left = pd.DataFrame({"employee_id": ["E1", "E2"], "score": [1.07122649999, 0.5]})
    right = pd.DataFrame({"employee_id": ["E1", "E2"], "score": [1.07122650001, 0.5]})
    result = _compare(left, right)
    assert result.hash_duckdb != result.hash_spark
    assert result.equal and result.within_tolerance == 1
    assert result.line().endswith("equal (1 row(s) within 1e-6)")


def test_points_given_to_the_wrong_people_stay_different() -> None:
    # The same values in each column, split between the rows otherwise (a tie broken in
    # another order): no column differs on its own, the rows do.
    left = pd.DataFrame({"employee_id": ["E1", "E2"], "points": [2.2469, 2.2468]})
    right = pd.DataFrame({"employee_id": ["E1", "E2"], "points": [2.2468, 2.2469]})
    result = _compare(left, right)
    assert not result.equal
    assert result.differing_columns == ()
    assert result.only_duckdb == (
        "employee_id=E1, points=2.246900",
        "employee_id=E2, points=2.246800",
    )
