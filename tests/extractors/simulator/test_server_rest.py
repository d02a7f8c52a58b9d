"""Our plant REST APIs (mes, qms, wms, hr) as docs/sources/{mes,qms,wms,hr}.md document them."""

from __future__ import annotations

from datetime import datetime

import pytest

from extractors.simulator.schema import entities_of
from tests.extractors.simulator.conftest import DEMO, rest_token
from tests.extractors.simulator.handmade import Handmade, end_of_day, key_of

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
    from extractors.simulator.schema import entity

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
        {"limit": 10001},
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
