"""Loading a batch's landing files while the extraction writes the next ones
(`ConcurrentLoad`): the same rows as loading the finished batch, one transaction that only
the finished batch commits, and a fallback to `load_batch` for files it cannot take."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import orjson
import pytest

from extractors._http.client import ndjson_page
from extractors.landing import files as landing
from extractors.landing import load
from extractors.landing.files import BatchWriter
from extractors.landing.load import ConcurrentLoad, load_batch
from tests.extractors.test_load_batch import SHIPMENTS, _record

TZ = "Asia/Shanghai"
DAYS = [f"2026-01-{day:02d}T08:00:00+08:00" for day in range(6, 12)]
RECORDS = [_record(f"S{i}", updated) for i, updated in enumerate(DAYS, start=1)]


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    return con


def _pages(records: list[dict[str, object]]) -> list[bytes]:
    """Two records a page, as a source sends NDJSON."""
    return [
        b"".join(orjson.dumps(r) + b"\n" for r in records[i : i + 2])
        for i in range(0, len(records), 2)
    ]


def _extract(
    tmp_path: Path,
    name: str,
    pages: list[bytes],
    monkeypatch: pytest.MonkeyPatch,
    threads: int | None = None,
) -> tuple[duckdb.DuckDBPyConnection, ConcurrentLoad, BatchWriter, list[int]]:
    """Write the pages as the runner does, a landing file per page; the rows raw holds,
    outside the loading transaction, after each file was handed over."""
    monkeypatch.setattr(landing, "PAGE_ROWS", 2)
    con = _warehouse(tmp_path / f"{name}.duckdb")
    if threads is not None:
        con.execute(f"set threads = {threads}")
    writer = BatchWriter(tmp_path / "landing", "wms", "shipments", name)
    loading = ConcurrentLoad(con, SHIPMENTS, name, writer.started_at, TZ)
    writer.on_file = loading.file_done
    for body in pages:
        writer.write(ndjson_page(body))
    return con, loading, writer, []


def _raw(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select * exclude (_batch_id, _extracted_at) from raw.wms__shipments order by 1"
    ).fetchall()


def _statements(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many landing files each direct insert reads, filled in as they run."""
    files: list[int] = []
    insert = load._insert_direct

    def counting(con, batch):  # type: ignore[no-untyped-def]
        files.append(len(batch.files))
        return insert(con, batch)

    monkeypatch.setattr(load, "_insert_direct", counting)
    return files


def test_files_load_as_they_land_and_commit_with_the_finished_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inserted = _statements(monkeypatch)
    con, loading, writer, _ = _extract(tmp_path, "b1", _pages(RECORDS), monkeypatch)
    batch_dir = writer.finish()
    result = loading.finish(batch_dir)

    # Each landing file inserted once (files waiting together go in one statement), and
    # none read again by load_batch.
    assert sum(inserted) == 3
    assert (result.rows_loaded, result.rows_quarantined) == (6, 0)
    assert result.high_water_mark == datetime(2026, 1, 11, 0, 0, tzinfo=UTC)
    # The same rows as loading the finished batch in one go.
    again = _warehouse(tmp_path / "again.duckdb")
    load_batch(again, SHIPMENTS, batch_dir, TZ)
    assert _raw(con) == _raw(again)
    assert len(_raw(con)) == 6
    # Every row's _extracted_at is when the extraction began, as the manifest says.
    manifest = landing.read_manifest(batch_dir)
    stamps = con.execute("select distinct _extracted_at from raw.wms__shipments").fetchall()
    assert stamps == [(datetime.fromisoformat(manifest["started_at"]),)]
    assert con.execute("select rows_loaded from raw._batches").fetchall() == [(6,)]


def test_a_statement_reads_no_fewer_files_than_duckdb_has_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Fewer files than threads are split between them, which costs the insert half as
    # much CPU again (ConcurrentLoad._work); only the last statement may read fewer.
    statements = _statements(monkeypatch)
    days = [f"2026-02-{day:02d}T08:00:00+08:00" for day in range(1, 15)]
    records = [_record(f"S{i}", updated) for i, updated in enumerate(days, start=1)]
    con, loading, writer, _ = _extract(tmp_path, "b5", _pages(records), monkeypatch, threads=3)
    result = loading.finish(writer.finish())

    assert sum(statements) == 7  # each landing file read once
    assert all(files >= 3 for files in statements[:-1]), statements
    assert len(statements) <= 3, statements
    assert result.rows_loaded == len(_raw(con)) == 14


def test_nothing_is_visible_before_the_batch_finishes_and_an_abort_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con, loading, writer, _ = _extract(tmp_path, "b2", _pages(RECORDS), monkeypatch)
    writer.abandon()
    loading.abort()
    assert _raw(con) == []
    assert con.execute("select count(*) from raw._batches").fetchone() == (0,)
    # The connection is usable afterwards: no transaction left open.
    con.execute("begin transaction")
    con.execute("rollback")


def test_a_file_with_a_bad_record_hands_the_whole_batch_to_load_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = list(RECORDS)
    records[3] = _record("S4", DAYS[3], shipped_at="yesterday")  # the second file
    con, loading, writer, _ = _extract(tmp_path, "b3", _pages(records), monkeypatch)
    result = loading.finish(writer.finish())

    assert (result.rows_loaded, result.rows_quarantined) == (5, 1)
    assert [row[0] for row in _raw(con)] == ["S1", "S2", "S3", "S5", "S6"]  # once each
    assert con.execute(
        "select reason, payload->>'shipment_id' from raw._quarantine"
    ).fetchall() == [("shipped_at: not a ts_offset: yesterday", "S4")]
    assert con.execute("select rows_loaded, rows_quarantined from raw._batches").fetchall() == [
        (5, 1)
    ]


def test_an_unknown_field_in_a_later_file_is_kept_in_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = list(RECORDS)
    records[5] = _record("S6", DAYS[5], dock_door=7)  # the third file
    con, loading, writer, _ = _extract(tmp_path, "b4", _pages(records), monkeypatch)
    result = loading.finish(writer.finish())

    assert (result.rows_loaded, result.rows_quarantined) == (6, 0)
    extra = con.execute(
        "select shipment_id, _extra from raw.wms__shipments where _extra is not null"
    ).fetchall()
    assert extra == [("S6", '{"dock_door":7}')]
