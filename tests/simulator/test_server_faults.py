"""Every fault kind answers in the shape docs/simulator.md documents, per protocol."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET

import pytest
import requests

from simulator.server import Credentials, Fault, SimulatorServer, parse_faults
from tests.simulator.conftest import (
    WeaverClient,
    crm_token,
    erp_params,
    erp_token,
    rest_token,
)
from tests.simulator.handmade import Handmade

PROTOCOLS = ("crm", "erp", "oa", "rest", "mtconnect")
SOURCE = {"crm": "crm", "erp": "erp", "oa": "oa", "rest": "qms", "mtconnect": "mes"}


def data_request(http, sim, protocol: str, timeout: float = 10, **extra) -> requests.Response:  # type: ignore[no-untyped-def]
    """Authenticate if the protocol needs it, then one data request (the one faults hit)."""
    if protocol == "crm":
        token = crm_token(http, sim)
        return http.get(
            token["instance_url"] + "/services/data/v60.0/query",
            params={"q": "SELECT Id, Subject, ActivityDate FROM Task"},
            headers={
                "Authorization": f"Bearer {token['access_token']}",
                "Sforce-Query-Options": "batchSize=200",
            },
            timeout=timeout,
        )
    if protocol == "erp":
        token = erp_token(http, sim)
        return http.get(
            sim.url("erp") + "/api/customerlist/batch_get",
            params=erp_params(token, rows_per_page=10, **extra),
            timeout=timeout,
        )
    if protocol == "oa":
        client = WeaverClient(http, sim).login()
        return http.post(
            sim.url("oa") + "/api/workflow/paService/getAllWorkflowRequestList",
            headers=client.headers(),
            data={"pageNo": "1", "pageSize": "10"},
            timeout=timeout,
        )
    if protocol == "rest":
        token = rest_token(http, sim, "qms")
        return http.get(
            sim.url("qms") + "/api/v1/inspections",
            params={"limit": 5, **extra},
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
    return http.get(
        sim.url("mes") + "/mtconnect/sample", params={"count": 5, **extra}, timeout=timeout
    )


def arm(sim, protocol: str, kind: str, **params) -> None:  # type: ignore[no-untyped-def]
    sim.faults.add(Fault(SOURCE[protocol], kind, at=1, times=1, **params))


def records_of(protocol: str, response: requests.Response) -> list[dict]:
    body = response.json()
    return {
        "crm": lambda: body["records"],
        "erp": lambda: body["customerlist"],
        "oa": lambda: body,
        "rest": lambda: body["data"],
    }[protocol]()


EXPECTED = {
    ("crm", "rate_limit"): (403, "REQUEST_LIMIT_EXCEEDED"),
    ("crm", "server_error"): (500, "UNKNOWN_EXCEPTION"),
    ("crm", "unavailable"): (503, "SERVER_UNAVAILABLE"),
    ("crm", "token_expiry"): (401, "INVALID_SESSION_ID"),
    ("erp", "rate_limit"): (200, '"errcode":"40003"'),
    ("erp", "server_error"): (200, '"errcode":"99999"'),
    ("erp", "unavailable"): (503, "503 Service Temporarily Unavailable"),
    ("erp", "token_expiry"): (200, "令牌"),
    ("oa", "rate_limit"): (200, "SYSTEM_INNER_ERROR"),
    ("oa", "server_error"): (200, "SYSTEM_INNER_ERROR"),
    ("oa", "unavailable"): (503, "503 Service Temporarily Unavailable"),
    ("oa", "token_expiry"): (200, "token不存在或者超时"),
    ("rest", "rate_limit"): (429, "rate_limited"),
    ("rest", "server_error"): (500, "server_error"),
    ("rest", "unavailable"): (503, "unavailable"),
    ("rest", "token_expiry"): (401, "invalid_token"),
    ("mtconnect", "rate_limit"): (429, "Too Many Requests"),
    ("mtconnect", "server_error"): (500, "INTERNAL_ERROR"),
    ("mtconnect", "unavailable"): (503, "503 Service Temporarily Unavailable"),
}


@pytest.mark.parametrize(
    ("protocol", "kind"), sorted(EXPECTED), ids=[f"{p}-{k}" for p, k in sorted(EXPECTED)]
)
def test_error_faults_answer_in_the_source_shape(http, sim, protocol, kind) -> None:  # type: ignore[no-untyped-def]
    arm(sim, protocol, kind)
    response = data_request(http, sim, protocol)
    status, marker = EXPECTED[(protocol, kind)]
    assert response.status_code == status
    assert marker in response.text
    if status in (429,) or (protocol == "rest" and status == 503):
        assert response.headers["Retry-After"] == "1"
    logged = [e for e in sim.request_log if e.fault]
    assert len(logged) == 1 and logged[0].status == status
    # One shot: the next request is served normally.
    assert data_request(http, sim, protocol).status_code == 200


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_truncated_and_malformed_bodies(http, sim, protocol) -> None:  # type: ignore[no-untyped-def]
    arm(sim, protocol, "truncated")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        data_request(http, sim, protocol)
    arm(sim, protocol, "malformed")
    response = data_request(http, sim, protocol)
    assert response.status_code == 200
    with pytest.raises((ValueError, ET.ParseError)):
        if protocol == "mtconnect":
            ET.fromstring(response.content)
        else:
            response.json()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_slow_answers_after_the_configured_seconds(http, sim, protocol) -> None:  # type: ignore[no-untyped-def]
    arm(sim, protocol, "slow", seconds=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        data_request(http, sim, protocol, timeout=0.2)
    arm(sim, protocol, "slow", seconds=0.3)
    started = time.monotonic()
    assert data_request(http, sim, protocol).status_code == 200
    assert time.monotonic() - started >= 0.3


@pytest.mark.parametrize("protocol", ["crm", "erp", "oa", "rest"])
def test_record_faults(http, sim, protocol) -> None:  # type: ignore[no-untyped-def]
    clean = records_of(protocol, data_request(http, sim, protocol))
    arm(sim, protocol, "duplicate")
    doubled = records_of(protocol, data_request(http, sim, protocol))
    assert len(doubled) == len(clean) + 1 and doubled[:-1] == clean
    arm(sim, protocol, "invalid_field", field="Odd", value="N/A")
    odd = records_of(protocol, data_request(http, sim, protocol))
    assert odd[0]["Odd"] == "N/A" and all("Odd" not in r for r in odd[1:])
    arm(sim, protocol, "invalid_field")
    bad = records_of(protocol, data_request(http, sim, protocol))
    changed = [k for k in clean[0] if clean[0][k] != bad[0].get(k)]
    assert len(changed) == 1 and bad[1:] == clean[1:]
    arm(sim, protocol, "new_field", name="Plant_Note__c", value="新字段")
    extra = records_of(protocol, data_request(http, sim, protocol))
    assert all(r.pop("Plant_Note__c") == "新字段" for r in extra) and extra == clean


def test_invalid_field_defaults_to_a_number_or_a_date(http, sim) -> None:  # type: ignore[no-untyped-def]
    arm(sim, "rest", "invalid_field")
    record = records_of("rest", data_request(http, sim, "rest"))[0]
    assert record["inspected_qty"] == "N/A"
    arm(sim, "crm", "invalid_field")
    record = records_of("crm", data_request(http, sim, "crm"))[0]
    assert record["ActivityDate"] == "2026-02-30"


def test_token_expiry_mid_paging_then_the_cursor_still_works(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    token = crm_token(http, sim)
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    first = http.get(
        token["instance_url"] + "/services/data/v60.0/query",
        params={"q": "SELECT Id FROM Task"},
        headers=headers,
    ).json()
    sim.faults.add("crm:token_expiry@1")
    next_url = token["instance_url"] + first["nextRecordsUrl"]
    assert http.get(next_url, headers=headers).status_code == 401
    again = crm_token(http, sim)
    rest = http.get(next_url, headers={"Authorization": f"Bearer {again['access_token']}"}).json()
    assert len(first["records"]) + len(rest["records"]) == len(handmade.current("crm", "tasks"))


def test_tokens_expire_after_the_configured_ttl(handmade: Handmade) -> None:
    with (
        SimulatorServer(handmade.root, credentials=Credentials(token_ttl_seconds=0.3)) as server,
        requests.Session() as http,
    ):
        token = rest_token(http, server, "hr")
        url = server.url("hr") + "/api/v1/teams"
        headers = {"Authorization": f"Bearer {token}"}
        assert http.get(url, headers=headers).status_code == 200
        time.sleep(0.4)
        assert http.get(url, headers=headers).status_code == 401


def test_grammar() -> None:
    faults = parse_faults(
        "crm:rate_limit@2, erp:server_error@3x2,qms:slow@1:seconds=3;match=inspections,hr:token_expiry@2x*"
    )
    assert [(f.source, f.kind, f.at, f.times) for f in faults] == [
        ("crm", "rate_limit", 2, 1),
        ("erp", "server_error", 3, 2),
        ("qms", "slow", 1, 1),
        ("hr", "token_expiry", 2, None),
    ]
    assert faults[2].params == {"seconds": 3, "match": "inspections"}
    assert [f.spec() for f in faults] == [
        "crm:rate_limit@2",
        "erp:server_error@3x2",
        "qms:slow@1:seconds=3;match=inspections",
        "hr:token_expiry@2x*",
    ]
    for bad in (
        "crm",
        "crm:nothing@1",
        "nowhere:rate_limit",
        "crm:agent_restart",
        "crm:slow@0",
        "crm:slow:seconds",
    ):
        with pytest.raises(ValueError):
            parse_faults(bad)


def test_nth_request_counts_data_requests_and_times_repeats(http, sim) -> None:  # type: ignore[no-untyped-def]
    sim.faults.add("qms:server_error@2x2")
    statuses = [data_request(http, sim, "rest").status_code for _ in range(4)]
    assert statuses == [200, 500, 500, 200]
    sim.faults.add("qms:rate_limit@1:match=/auth/token")
    response = http.post(sim.url("qms") + "/auth/token", data={"grant_type": "client_credentials"})
    assert response.status_code == 429


def test_control_endpoints(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    base = sim.base_url
    health = http.get(base + "/_sim/health").json()
    assert health["status"] == "ok" and health["missing_files"] == []
    assert health["as_of"] == "2026-03-10T15:59:59Z"
    assert (
        http.post(base + "/_sim/as_of", json={"as_of": "2026-03-05"}).json()["as_of"]
        == "2026-03-05T15:59:59Z"
    )
    assert http.post(base + "/_sim/as_of", json={"as_of": "soon"}).status_code == 400
    assert http.post(base + "/_sim/faults", json={"spec": "qms:server_error@1"}).status_code == 200
    assert http.post(base + "/_sim/faults", json={"spec": "qms:bogus"}).status_code == 400
    assert data_request(http, sim, "rest").status_code == 500
    log = http.get(base + "/_sim/log", params={"source": "qms"}).json()
    assert [(e["path"], e["status"]) for e in log] == [
        ("/qms/auth/token", 200),
        ("/qms/api/v1/inspections", 500),
    ]
    assert log[1]["fault"] == "qms:server_error@1" and log[1]["query"] == {"limit": "5"}
    reset = http.post(base + "/_sim/reset").json()
    assert (
        reset["as_of"] == "2026-03-10T15:59:59Z"
        and reset["faults"] == []
        and reset["requests"] == 0
    )
    assert sim.request_log == [] and len(sim.faults) == 0
