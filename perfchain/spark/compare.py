"""The per-table comparison of `make test-spark`: the same mart built by DuckDB and by Spark,
row count and an order-independent hash over a canonical form of its rows.

Canonical form, so that two engines' spellings of one value hash alike:
- columns by name (lower case, sorted), not by position;
- every number (integer, decimal, float) as decimal text rounded to `precision` places
  (half-even; DuckDB's `bigint` and Spark's `double` of one count compare equal, as do
  two floats that differ only beyond the precision); `-0` is `0`; NaN and infinities by
  name;
- timestamps as UTC text (`YYYY-MM-DD HH:MM:SS.ffffff`): an aware one converted to UTC, a
  naive one taken as UTC (both engines run with the session time zone UTC); dates ISO;
- nulls as an explicit marker that no text value can take (`\\N` is escaped in text);
- lists and structs recursively, as JSON with sorted keys.

A row's hash is SHA-256 over its canonical values; a table's is SHA-256 over its rows'
hashes sorted, so row order does not count and duplicate rows do. The table is equal when
the column names, the row counts and the hashes are, or when the rows that differ pair up one to one with numbers at most one unit
of the last place apart (two values that straddle a rounding boundary, such as
1.0712265 computed as 1.07122649999 and 1.07122650001). On a difference the comparison names
the columns whose value multisets differ and a few rows found on one side only, so the
port can be fixed without a second run.

Pure Python over Arrow tables (no Spark needed): tests/perfchain/spark/ checks it on small
frames.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Any

import pyarrow as pa

# Places after the decimal point every number is rounded to before hashing.
PRECISION = 6
NULL = "\\N"
_SEPARATOR = "\x1f"


def canonical_value(value: Any, precision: int = PRECISION) -> str:
    """One value as the text both engines' spelling of it hashes as."""
    if value is None:
        return NULL
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return _number(Decimal(repr(value)), precision)
    if isinstance(value, int | Decimal):
        return _number(Decimal(value), precision)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, dt.timedelta):
        return f"{value.total_seconds():.6f}s"
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str):
        # A text that reads like the null marker must not hash like a null.
        return value.replace("\\", "\\\\") if "\\" in value else value
    if isinstance(value, dict):
        return json.dumps(
            {str(k): canonical_value(v, precision) for k, v in value.items()}, sort_keys=True
        )
    if isinstance(value, list | tuple):
        return json.dumps([canonical_value(v, precision) for v in value])
    return str(value)


def _number(number: Decimal, precision: int) -> str:
    with localcontext() as context:
        context.prec = 80  # room for any bigint or double at `precision` places
        text = str(number.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_EVEN))
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


@dataclass(frozen=True)
class TableComparison:
    table: str
    rows_duckdb: int | None
    rows_spark: int | None
    columns_only_duckdb: tuple[str, ...] = ()
    columns_only_spark: tuple[str, ...] = ()
    differing_columns: tuple[str, ...] = ()
    only_duckdb: tuple[str, ...] = ()  # a few canonical rows found on one side only
    only_spark: tuple[str, ...] = ()
    hash_duckdb: str = ""
    hash_spark: str = ""
    error: str = ""
    # Rows whose hashes differ only because a number fell on the two sides of a rounding
    # boundary (1.0712265 as 1.071226 and 1.071227): paired within one unit of the
    # precision, they count as equal.
    within_tolerance: int = 0

    @property
    def equal(self) -> bool:
        return (
            not self.error
            and self.rows_duckdb == self.rows_spark
            and not self.columns_only_duckdb
            and not self.columns_only_spark
            and (self.hash_duckdb == self.hash_spark or self.within_tolerance > 0)
        )

    def line(self) -> str:
        """One line per table: rows duckdb / rows spark / equal?"""
        rows = f"{_count(self.rows_duckdb):>9} / {_count(self.rows_spark):>9}"
        verdict = "equal" if self.equal else "DIFFERENT"
        if self.equal and self.within_tolerance:
            verdict += f" ({self.within_tolerance} row(s) within 1e-{PRECISION})"
        return f"{self.table:<40} {rows}  {verdict}{self._why()}"

    def _why(self) -> str:
        if self.equal:
            return ""
        if self.error:
            return f": {self.error}"
        parts = []
        if self.columns_only_duckdb:
            parts.append(f"columns only in duckdb: {', '.join(self.columns_only_duckdb)}")
        if self.columns_only_spark:
            parts.append(f"columns only in spark: {', '.join(self.columns_only_spark)}")
        if self.differing_columns:
            parts.append(f"values differ in: {', '.join(self.differing_columns)}")
        if not parts and self.rows_duckdb == self.rows_spark:
            parts.append("the rows combine the same column values differently")
        return ": " + "; ".join(parts) if parts else ""

    def details(self) -> list[str]:
        """The sample rows found on one side only (column order as `columns`)."""
        return [f"    duckdb only: {row}" for row in self.only_duckdb] + [
            f"    spark only:  {row}" for row in self.only_spark
        ]


def _count(rows: int | None) -> str:
    return "-" if rows is None else f"{rows:,}"


@dataclass
class CanonicalTable:
    """A table's rows in canonical form, by column name."""

    columns: tuple[str, ...]
    rows: list[tuple[str, ...]] = field(default_factory=list)

    @classmethod
    def from_arrow(cls, table: pa.Table, precision: int = PRECISION) -> CanonicalTable:
        names = [name.lower() for name in table.column_names]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate column names (case-insensitive): {table.column_names}")
        order = sorted(range(len(names)), key=lambda i: names[i])
        columns = [
            [canonical_value(v, precision) for v in table.column(i).to_pylist()] for i in order
        ]
        return cls(tuple(names[i] for i in order), list(zip(*columns, strict=True)))

    @classmethod
    def from_pandas(cls, frame: Any, precision: int = PRECISION) -> CanonicalTable:
        return cls.from_arrow(pa.Table.from_pandas(frame, preserve_index=False), precision)

    def digest(self, columns: Sequence[str] | None = None) -> str:
        """Order-independent hash of the rows (restricted to `columns` if given)."""
        if columns is None:
            rows: Iterable[tuple[str, ...]] = self.rows
        else:
            index = [self.columns.index(c) for c in columns]
            rows = (tuple(row[i] for i in index) for row in self.rows)
        hashes = sorted(
            hashlib.sha256(_SEPARATOR.join(row).encode("utf-8")).digest() for row in rows
        )
        whole = hashlib.sha256()
        for row_hash in hashes:
            whole.update(row_hash)
        return whole.hexdigest()


def compare(
    table: str,
    duckdb_rows: CanonicalTable,
    spark_rows: CanonicalTable,
    sample: int = 3,
    precision: int = PRECISION,
) -> TableComparison:
    """The two engines' builds of `table` (canonical at `precision`), compared."""
    left, right = set(duckdb_rows.columns), set(spark_rows.columns)
    common = sorted(left & right)
    result = TableComparison(
        table,
        len(duckdb_rows.rows),
        len(spark_rows.rows),
        columns_only_duckdb=tuple(sorted(left - right)),
        columns_only_spark=tuple(sorted(right - left)),
        hash_duckdb=duckdb_rows.digest(),
        hash_spark=spark_rows.digest(),
    )
    if result.equal:
        return result
    differing = tuple(
        column for column in common if duckdb_rows.digest([column]) != spark_rows.digest([column])
    )
    ours = Counter(_project(duckdb_rows, common))
    theirs = Counter(_project(spark_rows, common))
    unmatched_duckdb = list((ours - theirs).elements())
    unmatched_spark = list((theirs - ours).elements())
    if (
        result.rows_duckdb == result.rows_spark
        and left == right
        and _pair_within_tolerance(unmatched_duckdb, unmatched_spark, precision)
    ):
        return replace(result, within_tolerance=len(unmatched_duckdb))
    only_duckdb, only_spark = unmatched_duckdb[:sample], unmatched_spark[:sample]
    return TableComparison(
        table,
        result.rows_duckdb,
        result.rows_spark,
        result.columns_only_duckdb,
        result.columns_only_spark,
        differing,
        tuple(_show(common, row) for row in only_duckdb),
        tuple(_show(common, row) for row in only_spark),
        result.hash_duckdb,
        result.hash_spark,
    )


_NUMBER = re.compile(r"-?\d+\.\d+")


def _pair_within_tolerance(
    left: list[tuple[str, ...]], right: list[tuple[str, ...]], precision: int
) -> bool:
    """Whether the rows found on one side only pair up one to one, equal in every text
    and differing by at most one unit of the last place in the numbers."""
    if not left or len(left) != len(right):
        return False
    unit = Decimal(1).scaleb(-precision)

    def shape(row: tuple[str, ...]) -> tuple[str | None, ...]:
        return tuple(None if _NUMBER.fullmatch(v) else v for v in row)

    def numbers(row: tuple[str, ...]) -> tuple[Decimal, ...]:
        return tuple(Decimal(v) for v in row if _NUMBER.fullmatch(v))

    groups: dict[tuple[str | None, ...], tuple[list, list]] = defaultdict(lambda: ([], []))
    for row in left:
        groups[shape(row)][0].append(numbers(row))
    for row in right:
        groups[shape(row)][1].append(numbers(row))
    for ours, theirs in groups.values():
        if len(ours) != len(theirs):
            return False
        for a, b in zip(sorted(ours), sorted(theirs), strict=True):
            if any(abs(x - y) > unit for x, y in zip(a, b, strict=True)):
                return False
    return True


def _project(rows: CanonicalTable, columns: Sequence[str]) -> list[tuple[str, ...]]:
    index = [rows.columns.index(c) for c in columns]
    return [tuple(row[i] for i in index) for row in rows.rows]


def _show(columns: Sequence[str], row: tuple[str, ...]) -> str:
    text = ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True))
    return text if len(text) <= 400 else text[:397] + "..."
