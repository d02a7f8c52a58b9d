"""The source tables `make test-spark` exports to Parquet for Spark (perfchain/spark/sources.py):
the list comes from the dbt project's source YAML, and the export keeps every row and value."""

from __future__ import annotations

import datetime as dt

import duckdb

from perfchain.spark.sources import SourceTable, export_sources, source_tables


def test_the_sources_are_read_from_the_dbt_project() -> None:
    tables = source_tables()
    names = {table.name for table in tables}
    # An identifier where the source names one, the table name otherwise, schema per source.
    assert {"raw.crm__opportunities", "raw._build_as_of", "alerts.outbox"} <= names
    assert "raw.build_as_of" not in names
    assert {table.schema for table in tables} == {"raw", "alerts"}
    assert len(names) == len(tables)


def test_the_export_keeps_rows_values_and_types_and_names_what_is_missing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema raw")
    con.execute(
        "create table raw.mes__states (id uuid, state_at timestamptz, local_at timestamp, "
        "qty bigint, note varchar)"
    )
    con.execute(
        "insert into raw.mes__states values "
        "('6f1c7a52-0000-4000-8000-000000000001', '2026-01-07 02:15:00+00', "
        "'2026-01-07 10:15:00', 3, null), "
        "('6f1c7a52-0000-4000-8000-000000000002', null, null, null, 'x')"
    )
    wanted = [SourceTable("raw", "mes__states"), SourceTable("alerts", "outbox")]
    folders, missing = export_sources(con, wanted, tmp_path / "parquet")
    assert missing == [SourceTable("alerts", "outbox")]
    folder = folders[SourceTable("raw", "mes__states")]
    assert folder == tmp_path / "parquet" / "raw" / "mes__states"
    rows = con.execute(
        f"select * from read_parquet('{folder}/*.parquet') order by qty nulls last"
    ).fetchall()
    assert rows == [
        (
            "6f1c7a52-0000-4000-8000-000000000001",  # a uuid as text: Spark has no uuid type
            dt.datetime(2026, 1, 7, 2, 15, tzinfo=dt.UTC),
            dt.datetime(2026, 1, 7, 10, 15),
            3,
            None,
        ),
        ("6f1c7a52-0000-4000-8000-000000000002", None, None, None, "x"),
    ]
