"""Our plant REST APIs (mes, qms, wms, hr) as docs/sources/{mes,qms,wms,hr}.md document them."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from extractors.contract import entities_of
from tests.simulator.conftest import DEMO, rest_token
from tests.simulator.handmade import Handmade, end_of_day, key_of

RESOURCES = [
    (source, e.name, e.protocol_name)
    for source in ("mes", "qms", "wms", "hr")
    for e in entities_of(source)
    if e.protocol_name != "MTConnectStreams"
]


def _walk(http, sim, source: str, resource: str, token: str, **params) -> list[dict]:  # type: ignore[no-untyped-def]
    url = sim.url(source) + f"/api/v1/{resource}"
    headers = {"Authorization": f"Bearer {token}"}
    records, cursor = [], None
    while True:
        response = http.get(
            url, params={**params, **({"cursor": cursor} if cursor else {})}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "next_cursor", "has_more"}
        records.extend(body["data"])
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return records
        cursor = body["next_cursor"]


@pytest.mark.parametrize(
    ("source", "name", "resource"), RESOURCES, ids=[f"{s}.{n}" for s, n, _ in RESOURCES]
)
def test_paging_visits_every_record_once_in_order(
    http, sim, handmade: Handmade, source, name, resource
) -> None:  # type: ignore[no-untyped-def]
    from extractors.contract import entity

    target = entity(source, name)
    token = rest_token(http, sim, source)
    records = _walk(http, sim, source, resource, token, limit=5)
    expected = handmade.current(source, name)
    assert [tuple(str(r[k]) for k in target.key) for r in records] == [
        key_of(target, r) for r in expected
    ]
    assert [r[target.modstamp] for r in records] == [r[target.modstamp] for r in expected]


def test_updated_window_returns_exactly_the_changed_records(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "hr")
    since, until = "2026-03-03T00:00:00+08:00", "2026-03-06T12:00:00Z"
    records = _walk(
        http, sim, "hr", "employees", token, updated_since=since, updated_until=until, limit=3
    )
    expected = handmade.current(
        "hr", "employees", since=datetime.fromisoformat(since), until=datetime.fromisoformat(until)
    )
    assert expected and [r["employee_no"] for r in records] == [r["employee_no"] for r in expected]
    assert [r["name"] for r in records] == [r["name"] for r in expected]


def test_values_are_typed_json(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "qms")
    record = _walk(http, sim, "qms", "inspections", token, limit=1000)[0]
    raw = handmade.current("qms", "inspections")[0]
    assert record["inspected_qty"] == int(raw["inspected_qty"] or 0)
    assert record["inspected_at"] == raw["inspected_at"]


def test_as_of_hides_future_records_and_the_cursor_keeps_its_snapshot(
    http, sim, handmade: Handmade
) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "wms")
    url = sim.url("wms") + "/api/v1/shipments"
    headers = {"Authorization": f"Bearer {token}"}
    first = http.get(url, params={"limit": 4}, headers=headers).json()
    sim.set_as_of(datetime(2026, 3, 12, 23, 0))
    rest = _walk(http, sim, "wms", "shipments", token, cursor=first["next_cursor"], limit=4)
    assert len(first["data"]) + len(rest) == len(handmade.current("wms", "shipments"))
    later = _walk(http, sim, "wms", "shipments", token, limit=100)
    as_of = end_of_day(datetime(2026, 3, 12).date())
    assert (
        len(later)
        == len(handmade.current("wms", "shipments", as_of=as_of))
        > len(first["data"]) + len(rest)
    )


def test_bad_parameters_are_400_with_a_message(http, sim) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "hr")
    url = sim.url("hr") + "/api/v1/employees"
    headers = {"Authorization": f"Bearer {token}"}
    for params in (
        {"limit": 0},
        {"limit": 50001},
        {"limit": "ten"},
        {"updated_since": "yesterday"},
        {"updated_since": "2026-03-01T00:00:00"},
        {"cursor": "garbage"},
        {"page": 2},
        {"updated_since": "2026-03-05T00:00:00Z", "updated_until": "2026-03-01T00:00:00Z"},
    ):
        response = http.get(url, params=params, headers=headers)
        assert response.status_code == 400, params
        assert response.json()["error"] == "invalid_request" and response.json()["message"]
    assert http.get(sim.url("hr") + "/api/v1/nothing", headers=headers).status_code == 404


def test_auth_failures(http, sim) -> None:  # type: ignore[no-untyped-def]
    response = http.post(
        sim.url("qms") + "/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO.qms_client_id,
            "client_secret": "x",
        },
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    # Another source's secret does not open this one.
    token = rest_token(http, sim, "hr")
    response = http.get(
        sim.url("qms") + "/api/v1/inspections", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    json_token = http.post(
        sim.url("qms") + "/auth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": DEMO.qms_client_id,
            "client_secret": DEMO.qms_client_secret,
        },
    ).json()
    assert json_token["token_type"] == "Bearer" and json_token["expires_in"] > 0


def test_index_lists_the_resources(http, sim) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "mes")
    body = http.get(
        sim.url("mes") + "/api/v1/", headers={"Authorization": f"Bearer {token}"}
    ).json()
    names = {r["name"] for r in body["resources"]}
    assert names == {
        "equipment",
        "routings",
        "production-performance",
        "first-piece-checks",
        "parameter-changes",
    }


# -- NDJSON pages ------------------------------------------------------------------------

NDJSON = "application/x-ndjson"
NDJSON_TYPE = "application/x-ndjson; charset=utf-8"
# handmade.py writes 12 line measures; the last is created after the last day, so 11 are
# current. Decimals are `(i * 13) % 1000 + 0.5 + version` with two places: "0.50", "26.50".
LINE_MEASURES = 11


def _page(http, sim, source: str, resource: str, token: str, accept: str | None, **params):  # type: ignore[no-untyped-def]
    """One list request; `accept=None` sends no Accept header at all."""
    response = http.get(
        sim.url(source) + f"/api/v1/{resource}",
        params=params,
        headers={"Authorization": f"Bearer {token}", "Accept": accept},
    )
    assert response.status_code == 200, response.text
    return response


def _ndjson_walk(http, sim, source: str, resource: str, token: str, **params) -> list:  # type: ignore[no-untyped-def]
    """Every page of a walk asked for as NDJSON, following the cursor in the headers."""
    pages, cursor = [], None
    while True:
        response = _page(
            http,
            sim,
            source,
            resource,
            token,
            NDJSON,
            **params,
            **({"cursor": cursor} if cursor else {}),
        )
        assert response.headers["Content-Type"] == NDJSON_TYPE
        pages.append(response)
        if response.headers["X-Has-More"] == "false":
            assert "X-Next-Cursor" not in response.headers
            return pages
        assert response.headers["X-Has-More"] == "true"
        cursor = response.headers["X-Next-Cursor"]


def _lines(response) -> list[dict]:  # type: ignore[no-untyped-def]
    body = response.content
    assert body == b"" or body.endswith(b"\n")
    return [json.loads(line) for line in body.decode("utf-8").split("\n")[:-1]]


@pytest.mark.parametrize(
    ("source", "name", "resource"), RESOURCES, ids=[f"{s}.{n}" for s, n, _ in RESOURCES]
)
def test_an_ndjson_walk_gives_the_json_walks_records_in_order(
    http, sim, handmade: Handmade, source, name, resource
) -> None:  # type: ignore[no-untyped-def]
    from extractors.contract import entity

    target = entity(source, name)
    token = rest_token(http, sim, source)
    expected = handmade.current(source, name)
    pages = _ndjson_walk(http, sim, source, resource, token, limit=5)
    # Full pages of 5 lines, then the rest: the server's pages, not the client's guess.
    sizes = [len(_lines(page)) for page in pages]
    full, rest = divmod(len(expected), 5)
    assert sizes == [5] * full + ([rest] if rest else [])
    assert all(page.headers["X-Total-Count"] == str(len(expected)) for page in pages)
    records = [record for page in pages for record in _lines(page)]
    assert records == _walk(http, sim, source, resource, token, limit=5)
    assert [tuple(str(r[k]) for k in target.key) for r in records] == [
        key_of(target, r) for r in expected
    ]


def test_ndjson_headers_carry_the_cursor_until_the_last_page(http, sim) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "qms")
    pages = _ndjson_walk(http, sim, "qms", "line-measures", token, limit=5)
    assert [len(_lines(page)) for page in pages] == [5, 5, 1]
    first, middle, last = pages
    for page in (first, middle):
        assert page.headers["X-Has-More"] == "true" and page.headers["X-Next-Cursor"]
    assert first.headers["X-Next-Cursor"] != middle.headers["X-Next-Cursor"]
    assert last.headers["X-Has-More"] == "false" and "X-Next-Cursor" not in last.headers
    assert {page.headers["X-Total-Count"] for page in pages} == {str(LINE_MEASURES)}
    # The cursor in the header is the one the JSON envelope carries for the same page.
    cursor = first.headers["X-Next-Cursor"]
    envelope = _page(http, sim, "qms", "line-measures", token, "application/json", limit=5)
    assert envelope.json()["next_cursor"] == cursor
    again = _page(http, sim, "qms", "line-measures", token, None, limit=5, cursor=cursor)
    assert again.json()["data"] == _lines(middle)


def test_an_empty_ndjson_window_is_an_empty_body_without_more(http, sim) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "qms")
    # handmade.py's first change is 2026-03-01 08:00 local: nothing in February.
    window = {"updated_since": "2026-02-01T00:00:00Z", "updated_until": "2026-02-02T00:00:00Z"}
    response = _page(http, sim, "qms", "line-measures", token, NDJSON, limit=5, **window)
    assert response.headers["Content-Type"] == NDJSON_TYPE
    assert response.content == b""
    assert response.headers["X-Has-More"] == "false"
    assert "X-Next-Cursor" not in response.headers
    assert response.headers["X-Total-Count"] == "0"
    envelope = _page(http, sim, "qms", "line-measures", token, "application/json", **window)
    assert envelope.json() == {"data": [], "next_cursor": None, "has_more": False}


@pytest.mark.parametrize(
    ("accept", "ndjson"),
    [
        (None, False),
        ("*/*", False),
        ("application/json", False),
        ("application/json, application/x-ndjson;q=0.5", False),
        ("application/x-ndjson", True),
        ("application/x-ndjson, application/json;q=0.5", True),  # what RestApiClient sends
    ],
)
def test_ndjson_only_when_the_client_prefers_it(http, sim, accept, ndjson) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "qms")
    response = _page(http, sim, "qms", "line-measures", token, accept, limit=5)
    if ndjson:
        assert response.headers["Content-Type"] == NDJSON_TYPE
        assert len(_lines(response)) == 5 and response.headers["X-Has-More"] == "true"
        return
    assert response.headers["Content-Type"].startswith("application/json")
    assert "X-Has-More" not in response.headers and "X-Next-Cursor" not in response.headers
    body = response.json()
    assert set(body) == {"data", "next_cursor", "has_more"}
    assert len(body["data"]) == 5 and body["has_more"] is True and body["next_cursor"]


def test_ndjson_numbers_are_as_the_csv_wrote_them(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = rest_token(http, sim, "qms")
    pages = _ndjson_walk(http, sim, "qms", "line-measures", token, limit=5)
    text = b"".join(page.content for page in pages).decode("utf-8")
    # Record 0: 0 + 0.5 → "0.50"; record 2: 26 + 0.5 → "26.50" (handmade.py's formula).
    first = text.split("\n")[0]
    assert first.startswith('{"measure_id":"LM00000",')
    assert '"value":0.50,' in first and '"lower_limit":0.50,' in first
    assert '"measure_id":"LM00002"' in text and '"value":26.50,' in text
    assert '"value":0.5,' not in text
    # Every decimal of every line, as text, is the CSV's text.
    served = [json.loads(line, parse_float=str) for line in text.split("\n")[:-1]]
    decimals = ("value", "lower_limit", "upper_limit")
    assert [[r[d] for d in decimals] for r in served] == [
        [r[d] for d in decimals] for r in handmade.current("qms", "line_measures")
    ]
    assert all(r["value"].endswith("0") for r in served)


def test_record_faults_apply_to_ndjson_pages(http, sim) -> None:  # type: ignore[no-untyped-def]
    from simulator.server import Fault

    token = rest_token(http, sim, "qms")

    def page(**params):  # type: ignore[no-untyped-def]
        response = _page(http, sim, "qms", "line-measures", token, NDJSON, limit=5, **params)
        assert response.headers["Content-Type"] == NDJSON_TYPE
        return _lines(response)

    clean = page()
    sim.faults.add(Fault("qms", "new_field", at=1, times=1, name="Plant_Note__c", value="新字段"))
    extra = page()
    assert len(extra) == 5
    assert all(r.pop("Plant_Note__c") == "新字段" for r in extra) and extra == clean
    assert page() == clean  # one shot

    sim.faults.add(Fault("qms", "invalid_field", at=1, times=1))
    odd = page()
    # The first numeric field that is not the key: `value` spoiled, on the first line only.
    assert odd[0]["value"] == "N/A" and clean[0]["value"] == 0.5
    assert {**odd[0], "value": clean[0]["value"]} == clean[0] and odd[1:] == clean[1:]

    # The duplicate fault widens the page by the next page's first record.
    second = _lines(_ndjson_walk(http, sim, "qms", "line-measures", token, limit=5)[1])
    sim.faults.add(Fault("qms", "duplicate", at=1, times=1))
    assert page() == [*clean, second[0]]
