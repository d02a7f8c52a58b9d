"""Salesforce REST as docs/sources/crm.md documents it, over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from tests.simulator.conftest import DEMO, crm_token
from tests.simulator.handmade import DELETED_OPPORTUNITY, LAST_DAY, START, Handmade

V = "v60.0"


def _query(http, sim, soql: str, *, all_rows=False, batch=None, token=None):  # type: ignore[no-untyped-def]
    auth = token or crm_token(http, sim)
    headers = {"Authorization": f"Bearer {auth['access_token']}"}
    if batch:
        headers["Sforce-Query-Options"] = f"batchSize={batch}"
    instance = auth["instance_url"]
    resource = "queryAll" if all_rows else "query"
    response = http.get(
        f"{instance}/services/data/{V}/{resource}", params={"q": soql}, headers=headers
    )
    return response, instance, headers


def _walk(http, sim, soql: str, **kwargs: Any) -> tuple[list[dict], list[dict]]:  # type: ignore[no-untyped-def]
    response, instance, headers = _query(http, sim, soql, **kwargs)
    pages = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        if body["done"]:
            break
        assert body["nextRecordsUrl"].startswith(f"/services/data/{V}/query/")
        response = http.get(instance + body["nextRecordsUrl"], headers=headers)
    return [r for page in pages for r in page["records"]], pages


def test_token_body_is_salesforce_shaped_without_expires_in(http, sim) -> None:  # type: ignore[no-untyped-def]
    body = crm_token(http, sim)
    assert body["instance_url"] == sim.url("crm")
    assert body["token_type"] == "Bearer" and "expires_in" not in body
    assert {"access_token", "signature", "issued_at", "id", "scope"} <= body.keys()


def test_wrong_secret_is_invalid_grant(http, sim) -> None:  # type: ignore[no-untyped-def]
    response = http.post(
        sim.url("crm") + "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEMO.crm_client_id,
            "client_secret": "nope",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }


def test_without_a_session_the_query_is_401_invalid_session(http, sim) -> None:  # type: ignore[no-untyped-def]
    response = http.get(
        sim.url("crm") + f"/services/data/{V}/query",
        params={"q": "SELECT Id FROM Account"},
        headers={"Authorization": "Bearer stale"},
    )
    assert response.status_code == 401
    assert response.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}
    ]


def test_versions_are_listed_without_auth(http, sim) -> None:  # type: ignore[no-untyped-def]
    versions = http.get(sim.url("crm") + "/services/data/").json()
    assert {"label", "url", "version"} <= versions[0].keys()
    assert any(v["version"] == "60.0" for v in versions)


def test_paging_visits_every_task_once_in_order(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    expected = [r["Id"] for r in handmade.current("crm", "tasks", include_deleted=True)]
    assert len(expected) > 2000
    records, pages = _walk(
        http,
        sim,
        "SELECT Id, Subject, SystemModstamp FROM Task ORDER BY SystemModstamp, Id",
        all_rows=True,
    )
    assert [r["Id"] for r in records] == expected
    assert [len(p["records"]) for p in pages] == [2000, len(expected) - 2000]
    assert all(p["totalSize"] == len(expected) for p in pages)
    first = records[0]
    assert first["attributes"] == {
        "type": "Task",
        "url": f"/services/data/{V}/sobjects/Task/{first['Id']}",
    }
    assert list(first) == ["attributes", "Id", "Subject", "SystemModstamp"]


def test_batch_size_header_sets_the_page_size(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    records, pages = _walk(http, sim, "SELECT Id FROM Task", batch=500)
    assert len(pages) == -(-len(records) // 500)
    assert len({r["Id"] for r in records}) == len(records) == len(handmade.current("crm", "tasks"))
    _, pages = _walk(http, sim, "SELECT Id FROM Task", batch=50)  # below the minimum: 200
    assert len(pages[0]["records"]) == 200


def test_incremental_window_returns_exactly_the_changed_records(
    http, sim, handmade: Handmade
) -> None:  # type: ignore[no-untyped-def]
    since = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    until = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    soql = (
        "SELECT Id, StageName, SystemModstamp FROM Opportunity "
        "WHERE SystemModstamp > 2026-03-03T00:00:00Z AND SystemModstamp <= 2026-03-06T12:00:00.000+0000"
    )
    for all_rows in (False, True):
        records, _ = _walk(http, sim, soql, all_rows=all_rows)
        expected = handmade.current(
            "crm", "opportunities", since=since, until=until, include_deleted=all_rows
        )
        assert [r["Id"] for r in records] == [r["Id"] for r in expected]
        assert [r["StageName"] for r in records] == [r["StageName"] for r in expected]


def test_query_all_returns_the_deleted_opportunity_and_query_does_not(http, sim) -> None:  # type: ignore[no-untyped-def]
    soql = "SELECT Id, IsDeleted FROM Opportunity"
    live, _ = _walk(http, sim, soql)
    everything, _ = _walk(http, sim, soql, all_rows=True)
    assert DELETED_OPPORTUNITY not in {r["Id"] for r in live}
    deleted = [r for r in everything if r["Id"] == DELETED_OPPORTUNITY]
    assert deleted == [
        {"attributes": deleted[0]["attributes"], "Id": DELETED_OPPORTUNITY, "IsDeleted": True}
    ]
    # Before the delete (as of day 4) both see it, alive.
    sim.set_as_of(START.replace(day=4))
    live, _ = _walk(http, sim, soql)
    assert DELETED_OPPORTUNITY in {r["Id"] for r in live}


def test_as_of_hides_future_records_and_versions(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    soql = "SELECT Id, Name, SystemModstamp FROM Account"
    records, _ = _walk(http, sim, soql)
    expected = handmade.current("crm", "accounts")
    assert [(r["Id"], r["Name"]) for r in records] == [(r["Id"], r["Name"]) for r in expected]
    future_ids = {r["Id"] for r in handmade.of("crm", "accounts")} - {r["Id"] for r in expected}
    assert future_ids  # the record created after the last day is not served
    sim.set_as_of(LAST_DAY.replace(day=12))
    later, _ = _walk(http, sim, soql)
    assert future_ids <= {r["Id"] for r in later}
    assert len(later) == len(
        handmade.current("crm", "accounts", as_of=datetime(2026, 3, 12, 16, tzinfo=UTC))
    )


def test_values_keep_their_types_and_text(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    response, _, _ = _query(
        http, sim, "SELECT Id, Amount, IsWon, CloseDate, SystemModstamp FROM Opportunity LIMIT 1"
    )
    body = json.loads(response.text, parse_float=Decimal)
    record = body["records"][0]
    raw = handmade.current("crm", "opportunities")[0]
    assert record["Amount"] == Decimal("86000.00") and '"Amount":86000.00' in response.text
    assert record["IsWon"] is (raw["IsWon"] == "true")
    assert record["CloseDate"] == raw["CloseDate"]
    assert record["SystemModstamp"] == raw["SystemModstamp"]
    assert body["totalSize"] == 1 and body["done"] is True
    accounts, _ = _walk(http, sim, "SELECT Id, Name, BillingCity FROM Account")
    assert (
        accounts[0]["Name"] == '华东机电, "Key" account'
        and accounts[0]["BillingCity"] == "上海\n浦东"
    )


def test_limit_info_header_counts_calls(http, sim) -> None:  # type: ignore[no-untyped-def]
    first, _, _ = _query(http, sim, "SELECT Id FROM User")
    second, _, _ = _query(http, sim, "SELECT Id FROM User")
    used = [
        int(r.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0]) for r in (first, second)
    ]
    assert used[1] == used[0] + 1


def test_bad_queries_answer_salesforce_error_codes(http, sim) -> None:  # type: ignore[no-untyped-def]
    token = crm_token(http, sim)
    cases = {
        "SELECT Id, Bogus__c FROM Account": "INVALID_FIELD",
        "SELECT Id FROM Account WHERE SystemModstamp > 2026-03-01": "INVALID_FIELD",
        "SELECT FROM Account": "MALFORMED_QUERY",
        "SELECT Id FROM Account WHERE Name = 'x'": "MALFORMED_QUERY",
        "SELECT Id FROM Nothing": "INVALID_TYPE",
    }
    for soql, code in cases.items():
        response, _, _ = _query(http, sim, soql, token=token)
        assert response.status_code == 400, soql
        assert response.json()[0]["errorCode"] == code, soql


def test_an_unknown_locator_is_invalid_query_locator(http, sim) -> None:  # type: ignore[no-untyped-def]
    token = crm_token(http, sim)
    response = requests.get(
        token["instance_url"] + f"/services/data/{V}/query/01gNOSUCHLOCATOR-2000",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
