"""NDJSON pages: the client's cheap check of a body (`ndjson_page`), the loader on batches
landed as received (keys found by DuckDB, lines that are not JSON quarantined), and one
REST entity extracted as NDJSON and as JSON into the same raw rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import orjson
import pytest
import requests

from extractors._http.client import NdjsonPage, iso_utc, ndjson_page
from extractors._http.rest import RestApiClient
from extractors.contract import entity
from extractors.landing import files as landing
from extractors.landing.files import BatchWriter, read_manifest
from extractors.landing.load import load_batch
from extractors.landing.raw import read_watermark
from simulator.server.credentials import Credentials
from tests.extractors.support import FAST, changed_keys, extract
from tests.extractors.test_load_batch import (
    CONTRACT_RECORDS,
    CONTRACTS,
    SHIPMENTS,
    _load,
    _record,
    _routes,
    _rows,
)

TZ = "Asia/Shanghai"


# -- ndjson_page: the cheap check ----------------------------------------------------------


def test_a_good_body_is_counted_and_kept_as_it_came() -> None:
    body = '{"a":1}\n{"b":"顺丰","c":[1,{"d":2}]}\n{"e":null}\n'.encode()
    page = ndjson_page(body)
    assert (page.count, len(page), page.body) == (3, 3, body)
    assert list(page) == [{"a": 1}, {"b": "顺丰", "c": [1, {"d": 2}]}, {"e": None}]


def test_crlf_line_ends_become_newlines() -> None:
    page = ndjson_page(b'{"a":1}\r\n{"b":2}\r\n')
    assert (page.count, page.body) == (2, b'{"a":1}\n{"b":2}\n')


def test_a_missing_final_newline_is_added() -> None:
    page = ndjson_page(b'{"a":1}\n{"b":2}')
    assert (page.count, page.body) == (2, b'{"a":1}\n{"b":2}\n')
    single = ndjson_page(b'{"a":1}')
    assert (single.count, single.body) == (1, b'{"a":1}\n')


def test_pages_of_any_size_in_turn_are_each_counted_on_their_own() -> None:
    # One thread checks every page of a walk and keeps its scratch buffer between them:
    # a short page after a long one must not see the long one's line breaks.
    long = b'{"a":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}\n' * 100
    short = b'{"a":1}\n{"a":2}\n'
    bigger = b'{"a":3}\n' * 2000
    counts = [ndjson_page(body).count for body in (long, short, long, bigger, short)]
    assert counts == [100, 2, 100, 2000, 2]
    with pytest.raises(ValueError):  # the long page's `{` at the short page's end is gone
        ndjson_page(b'{"a":1}\nxx')


@pytest.mark.parametrize("body", [b"", b"\n", b" \r\n"])
def test_an_empty_body_is_no_records(body: bytes) -> None:
    page = ndjson_page(body)
    assert (page.count, page.body, list(page)) == (0, b"", [])


@pytest.mark.parametrize(
    "body",
    [
        b"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
        b'{"a":1}\n{"b":2,"c":"hal',  # cut mid-line
        b'{"a":1}\n{"b":2,\n',  # cut mid-line, at a line end
        b'{"a":1}\ngarbage\n{"b":2}\n',  # garbage between lines
        b'{"a":1}\nxx{"b":2}\n',  # garbage opening a line that closes well
        b'{"a":1}\n{"b":2}\nxyz',  # garbage after the last line
        b'garbage{"a":1}\n',  # garbage before the first
        b'[{"a":1}]\n',  # a JSON array, not NDJSON
        b'{"a":"\xff"}\n',  # not UTF-8
        b'{"a":"\xe9t\xe9"}\n',  # Latin-1, not UTF-8
    ],
    ids=[
        "html",
        "cut-in-a-string",
        "cut-after-a-comma",
        "garbage-between",
        "garbage-opening-a-line",
        "garbage-after",
        "garbage-before",
        "json-array",
        "invalid-utf8",
        "latin1",
    ],
)
def test_a_body_that_is_not_ndjson_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):
        ndjson_page(body)


@pytest.mark.parametrize(
    "line",
    [b'{"Id":"800X",<<garbled>>}', b'{"a":1}{"b":2}', b'{"a":1,}', b'{"a":"x}'],
    ids=["garbled", "two-objects", "trailing-comma", "torn-string"],
)
def test_a_line_that_only_looks_like_an_object_passes_for_the_loader(line: bytes) -> None:
    # The check reads no record: `{` ... `}` per line is all it asks.
    page = ndjson_page(b'{"a":1}\n' + line + b"\n")
    assert (page.count, page.body) == (2, b'{"a":1}\n' + line + b"\n")


# -- the loader on NDJSON batches ----------------------------------------------------------


def _land(root: Path, name: str, *bodies: bytes, source: str = "crm", what: str = "contracts"):  # type: ignore[no-untyped-def]
    """A batch of NDJSON pages written as received; returns its folder."""
    writer = BatchWriter(root / name, source, what, name)
    for body in bodies:
        page = ndjson_page(body)
        assert isinstance(page, NdjsonPage)
        writer.write(page)
    batch = writer.finish()
    manifest = read_manifest(batch)
    assert manifest is not None and manifest["fields"] is None
    return batch


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    return con


def _ndjson(records: list[dict[str, object]]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)


def test_an_ndjson_batch_of_known_fields_loads_the_list_routes_rows_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _load(tmp_path, "listed", CONTRACT_RECORDS)
    taken = _routes(monkeypatch)
    # The records' key lists differ (800B has OwnerId, no Status...): the distinct keys
    # are collected, all known.
    batch = _land(tmp_path, "ndjson", _ndjson(CONTRACT_RECORDS))
    con = _warehouse(tmp_path / "ndjson.duckdb")
    result = load_batch(con, CONTRACTS, batch, TZ)
    assert taken == ["_load_direct"]
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert result.high_water_mark == datetime(2026, 1, 8, 1, 0, tzinfo=UTC)
    assert [row[0] for row in _rows(con)] == ["800A", "800B", "800C"]
    assert _rows(con) == _rows(listed)
    assert con.execute("select count(*) from raw._quarantine").fetchone() == (0,)


def test_records_with_the_same_keys_load_directly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _routes(monkeypatch)
    records = [_record(f"S{i}", f"2026-01-0{i}T08:00:00+08:00") for i in (6, 7, 8)]
    batch = _land(tmp_path, "same", _ndjson(records), source="wms", what="shipments")
    con = _warehouse(tmp_path / "w.duckdb")
    result = load_batch(con, SHIPMENTS, batch, TZ)
    assert taken == ["_load_direct"]
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert result.high_water_mark == datetime(2026, 1, 8, 0, 0, tzinfo=UTC)
    rows = con.execute(
        "select shipment_id, carrier, _extra from raw.wms__shipments order by 1"
    ).fetchall()
    assert rows == [("S6", "顺丰", None), ("S7", "顺丰", None), ("S8", "顺丰", None)]


def test_an_unknown_field_after_the_first_record_goes_the_checked_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = _routes(monkeypatch)
    records = [
        _record("S1", "2026-01-06T08:00:00+08:00"),
        _record("S2", "2026-01-06T09:00:00+08:00"),
        _record("S3", "2026-01-06T10:00:00+08:00", dock_door=7),
        _record("S4", "2026-01-06T11:00:00+08:00"),
    ]
    batch = _land(tmp_path, "new", _ndjson(records), source="wms", what="shipments")
    con = _warehouse(tmp_path / "w.duckdb")
    result = load_batch(con, SHIPMENTS, batch, TZ)
    assert taken == ["_load_checked"]
    assert (result.rows_loaded, result.rows_quarantined) == (4, 0)
    rows = con.execute("select shipment_id, _extra from raw.wms__shipments order by 1").fetchall()
    assert [(key, json.loads(extra) if extra else None) for key, extra in rows] == [
        ("S1", None),
        ("S2", None),
        ("S3", {"dock_door": 7}),
        ("S4", None),
    ]


def test_the_same_unknown_field_in_every_record_goes_the_checked_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every key list equal to the first: the keys come from the first record alone.
    taken = _routes(monkeypatch)
    records = [_record(f"S{i}", f"2026-01-0{i}T08:00:00+08:00", dock_door=i) for i in (6, 7)]
    batch = _land(tmp_path, "all", _ndjson(records), source="wms", what="shipments")
    con = _warehouse(tmp_path / "w.duckdb")
    load_batch(con, SHIPMENTS, batch, TZ)
    assert taken == ["_load_checked"]
    rows = con.execute("select shipment_id, _extra from raw.wms__shipments order by 1").fetchall()
    assert [(key, json.loads(extra)) for key, extra in rows] == [
        ("S6", {"dock_door": 6}),
        ("S7", {"dock_door": 7}),
    ]


GARBLED = b'{"Id":"800X",<<garbled>>}'


def test_a_line_that_is_not_json_is_quarantined_with_its_file_line_and_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _load(tmp_path, "listed", CONTRACT_RECORDS)
    taken = _routes(monkeypatch)
    first, *others = (orjson.dumps(record) for record in CONTRACT_RECORDS)
    body = b"\n".join([first, GARBLED, *others]) + b"\n"
    assert ndjson_page(body).count == 4  # the cheap check lets it through
    batch = _land(tmp_path, "garbled", body)
    con = _warehouse(tmp_path / "garbled.duckdb")

    result = load_batch(con, CONTRACTS, batch, TZ)

    assert taken == ["_load_checked"]
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert result.high_water_mark == datetime(2026, 1, 8, 1, 0, tzinfo=UTC)
    assert _rows(con) == _rows(listed)
    quarantined = con.execute(
        "select source, entity, batch_id, reason, payload from raw._quarantine"
    ).fetchall()
    assert len(quarantined) == 1
    source, what, batch_id, reason, payload = quarantined[0]
    assert (source, what, batch_id) == ("crm", "contracts", "garbled")
    assert reason.startswith("part-00001.ndjson line 2: not valid JSON")
    assert json.loads(payload) == GARBLED.decode()
    assert con.execute("select rows_loaded, rows_quarantined from raw._batches").fetchall() == [
        (3, 1)
    ]
    # The landing file is untouched, and loading the batch again is a no-op.
    assert (batch / "part-00001.ndjson").read_bytes() == body
    again = load_batch(con, CONTRACTS, batch, TZ)
    assert again.already_loaded and (again.rows_loaded, again.rows_quarantined) == (3, 1)
    assert con.execute("select count(*) from raw._quarantine").fetchone() == (1,)


def test_the_reason_names_the_landing_file_and_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(landing, "PAGE_ROWS", 2)  # a file per page of two records
    a, b, c = (orjson.dumps(record) for record in CONTRACT_RECORDS)
    batch = _land(tmp_path, "files", a + b"\n" + b + b"\n", c + b"\n" + GARBLED + b"\n")
    assert sorted(p.name for p in batch.glob("part-*.ndjson")) == [
        "part-00001.ndjson",
        "part-00002.ndjson",
    ]
    con = _warehouse(tmp_path / "w.duckdb")
    result = load_batch(con, CONTRACTS, batch, TZ)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    (reason,) = con.execute("select reason from raw._quarantine").fetchone()
    assert reason.startswith("part-00002.ndjson line 2: not valid JSON")


def test_a_batch_of_nothing_but_unparsable_lines_loads_nothing_and_quarantines_all(
    tmp_path: Path,
) -> None:
    lines = [GARBLED, b'{"Id":"800Y" "ContractNumber":"HT-9"}']
    batch = _land(tmp_path, "bad", b"\n".join(lines) + b"\n")
    con = _warehouse(tmp_path / "w.duckdb")

    result = load_batch(con, CONTRACTS, batch, TZ)

    assert (result.rows_loaded, result.rows_quarantined) == (0, 2)
    assert result.high_water_mark is None
    assert con.execute("select count(*) from raw.crm__contracts").fetchone() == (0,)
    quarantined = con.execute(
        "select reason, payload from raw._quarantine order by reason"
    ).fetchall()
    assert [reason.split(":")[0] for reason, _ in quarantined] == [
        "part-00001.ndjson line 1",
        "part-00001.ndjson line 2",
    ]
    assert all(": not valid JSON: " in reason for reason, _ in quarantined)
    assert [json.loads(payload) for _, payload in quarantined] == [line.decode() for line in lines]
    assert con.execute("select rows_loaded, rows_quarantined from raw._batches").fetchall() == [
        (0, 2)
    ]
    assert read_watermark(con, CONTRACTS) == (None, None)


def test_a_line_that_repeats_a_known_key_does_not_stop_the_batch(tmp_path: Path) -> None:
    # JSON allows a repeated key; orjson (the list route) keeps the last value.
    first, second, third = (orjson.dumps(record) for record in CONTRACT_RECORDS)
    repeated = first[:-1] + b',"Status":"Draft"}'
    batch = _land(tmp_path, "dup", b"\n".join([repeated, second, third]) + b"\n")
    con = _warehouse(tmp_path / "w.duckdb")
    result = load_batch(con, CONTRACTS, batch, TZ)
    assert result.rows_loaded + result.rows_quarantined == 3
    assert [row[0] for row in _rows(con)][-2:] == ["800B", "800C"]


# -- end to end: the same entity as NDJSON and as JSON -------------------------------------

DAY = date(2026, 1, 30)
ROUTINGS = entity("mes", "routings")
PAGE = 25


def _extract_routings(simulator, tmp_path: Path, ndjson: bool):  # type: ignore[no-untyped-def]
    client_id, client_secret = Credentials().rest_client("mes")
    client = RestApiClient(
        "mes",
        simulator.url("mes"),
        client_id,
        client_secret,
        page_size=PAGE,
        policy=FAST,
        ndjson=ndjson,
    )
    label = "ndjson" if ndjson else "json"
    con = _warehouse(tmp_path / f"{label}.duckdb")
    run = extract(client, ROUTINGS, con, tmp_path / f"landing-{label}", DAY)
    (batch,) = (tmp_path / f"landing-{label}" / "mes" / "routings").iterdir()
    return con, run, batch


def _raw_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return con.execute(
        "select * exclude (_batch_id, _extracted_at) from raw.mes__routings order by all"
    ).fetchall()


def test_ndjson_and_json_extractions_load_the_same_rows_and_land_what_was_sent(
    simulator, demo_data: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    simulator.set_as_of(DAY)
    ndjson_con, ndjson_run, ndjson_batch = _extract_routings(simulator, tmp_path, ndjson=True)
    json_con, json_run, json_batch = _extract_routings(simulator, tmp_path, ndjson=False)

    expected = changed_keys(demo_data, ROUTINGS, None, DAY)
    pages = -(-len(expected) // PAGE)
    assert len(expected) > 2 * PAGE  # three pages or more
    for run in (ndjson_run, json_run):
        assert (run.rows_loaded, run.rows_quarantined) == (len(expected), 0)
    assert _raw_rows(ndjson_con) == _raw_rows(json_con)
    assert {tuple(row[:2]) for row in _raw_rows(ndjson_con)} == expected
    assert ndjson_run.high_water_mark == json_run.high_water_mark

    ndjson_manifest, json_manifest = read_manifest(ndjson_batch), read_manifest(json_batch)
    assert ndjson_manifest is not None and json_manifest is not None
    assert ndjson_manifest["fields"] is None  # NDJSON pages landed unparsed
    assert json_manifest["fields"] == sorted(f.name for f in ROUTINGS.fields)
    assert ndjson_manifest["pages"] == json_manifest["pages"] == pages

    # The NDJSON landing file is the server's pages, byte for byte.
    landed = (ndjson_batch / "part-00001.ndjson").read_bytes()
    client_id, client_secret = Credentials().rest_client("mes")
    with requests.Session() as http:
        token = http.post(
            simulator.url("mes") + "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": client_secret,
            },
        ).json()["access_token"]
        sent, cursor = b"", None
        while True:
            response = http.get(
                simulator.url("mes") + "/api/v1/routings",
                params={
                    "limit": PAGE,
                    "updated_until": iso_utc(ndjson_run.until),
                    **({"cursor": cursor} if cursor else {}),
                },
                headers={"Authorization": f"Bearer {token}", "Accept": "application/x-ndjson"},
            )
            sent += response.content
            cursor = response.headers.get("X-Next-Cursor")
            if response.headers["X-Has-More"] == "false":
                break
    assert landed == sent

    # Decimals: the NDJSON landing holds the CSV's text (trailing zeros kept), the JSON
    # route's landing orjson's rendering of the parsed float.
    csv_text = {
        (row[0], row[1]): row[3]
        for row in duckdb.sql(
            f"select * from read_csv('{demo_data / ROUTINGS.path}', all_varchar = true)"
        ).fetchall()
    }
    json_landed = (json_batch / "part-00001.ndjson").read_text(encoding="utf-8")
    ndjson_text = landed.decode("utf-8")
    zeros = [key for key, text in csv_text.items() if "." in text and text.endswith("0")]
    assert zeros, "the demo routings hold a std_labour_hours with a trailing zero"
    for key in zeros:
        text = csv_text[key]
        rendered = orjson.dumps(float(text)).decode()
        assert rendered != text  # e.g. 0.0580 → 0.058
        assert f'"std_labour_hours":{text},' in ndjson_text
        assert f'"std_labour_hours":{text},' not in json_landed
        assert f'"std_labour_hours":{rendered},' in json_landed
    for line in ndjson_text.splitlines():
        record = json.loads(line, parse_float=str)
        assert record["std_labour_hours"] == csv_text[(record["product_code"], record["line_code"])]
