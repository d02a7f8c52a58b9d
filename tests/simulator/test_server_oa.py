"""Weaver e-cology 9 as docs/sources/oa.md documents it, over real HTTP."""

from __future__ import annotations

import json
from datetime import datetime

from tests.simulator.conftest import DEMO, WeaverClient
from tests.simulator.handmade import Handmade, end_of_day

LIST = "/api/workflow/paService/getAllWorkflowRequestList"
COUNT = "/api/workflow/paService/getAllWorkflowRequestCount"
DETAIL = "/api/workflow/paService/getWorkflowRequest"


def _walk(client: WeaverClient, size: int, conditions: dict | None = None, **extra) -> list[dict]:  # type: ignore[no-untyped-def]
    form = {"conditions": json.dumps(conditions or {}), "pageSize": str(size), **extra}
    total = client.post(COUNT, **form).json()
    assert isinstance(total, int)
    rows, page = [], 1
    while (page - 1) * size < total:
        body = client.post(LIST, pageNo=str(page), **form).json()
        assert isinstance(body, list)
        rows.extend(body)
        page += 1
    assert len(rows) == total
    return rows


def test_register_then_apply_for_a_token(http, sim) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim)
    registered = client.regist()
    assert registered["status"] is True and registered["code"] == 0
    assert {"secrit", "spk"} <= registered.keys()
    token = client.applytoken()
    assert token["status"] is True and token["msg"] == "获取成功!" and token["token"]


def test_a_wrong_secret_fails_to_decrypt(http, sim) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim)
    client.regist()
    body = client.applytoken(secrit="not-the-secrit")
    assert body == {"msg": "secret解密失败,请检查加密内容.", "code": -1, "status": False}


def test_an_unknown_token_is_status_false_timeout(http, sim) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    client.token = "e3d7e45b-0000"
    response = client.post(LIST, pageNo="1", pageSize="10")
    assert response.status_code == 200
    assert response.json() == {
        "msg": "token不存在或者超时：e3d7e45b-0000",
        "code": -1,
        "status": False,
    }


def test_list_pages_visit_every_request_once(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    rows = _walk(client, size=7)
    expected = handmade.current("oa", "workflow_requests")
    assert [r["requestId"] for r in rows] == [r["requestId"] for r in expected]
    first, raw = rows[0], expected[0]
    assert first["workflowBaseInfo"] == {
        k: raw[k] for k in ("workflowId", "workflowName", "workflowTypeName")
    }
    assert first["lastOperateTime"] == raw["lastOperateTime"]
    assert all(isinstance(v, str) for v in first.values() if not isinstance(v, dict))


def test_operatedate_window_is_by_plant_local_day(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    conditions = {
        "operatedateselect": "6",
        "operatedatefrom": "2026-03-03",
        "operatedateto": "2026-03-05",
    }
    rows = _walk(client, size=4, conditions=conditions)
    expected = [
        r
        for r in handmade.current("oa", "workflow_requests")
        if "2026-03-03" <= r["lastOperateTime"][:10] <= "2026-03-05"
    ]
    assert expected and [r["requestId"] for r in rows] == [r["requestId"] for r in expected]


def test_detail_carries_main_table_and_logs(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    raw = handmade.current("oa", "workflow_requests")[3]
    body = client.get(DETAIL, requestId=raw["requestId"]).json()
    assert body["code"] == "SUCCESS" and body["errMsg"] == {}
    data = body["data"]
    fields = data["workflowMainTableInfo"]["requestRecords"][0]["workflowRequestTableFields"]
    assert {f["fieldName"]: f["fieldValue"] for f in fields} == {
        k: raw[k] or "" for k in ("related_case", "related_order", "related_customer")
    }
    logs = [
        x for x in handmade.current("oa", "workflow_logs") if x["requestId"] == raw["requestId"]
    ]
    assert [x["logId"] for x in data["workflowRequestLogs"]] == [x["logId"] for x in logs]
    missing = client.get(DETAIL, requestId="nope").json()
    assert missing["code"] == "PARAM_ERROR" and missing["data"] is None


def test_include_detail_extension_inlines_logs(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    rows = _walk(client, size=50, includeDetail="1")
    logs = handmade.current("oa", "workflow_logs")
    assert sum(len(r["workflowRequestLogs"]) for r in rows) == len(
        [x for x in logs if x["requestId"] in {r["requestId"] for r in rows}]
    )
    assert all("workflowMainTableInfo" in r for r in rows)


def test_as_of_hides_future_requests_and_logs(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    now = {r["requestId"] for r in _walk(client, size=50)}
    sim.set_as_of(datetime(2026, 3, 12, 23, 0))
    later = {r["requestId"] for r in _walk(client, size=50)}
    future = later - now
    assert (
        future
        and future
        == {
            r["requestId"]
            for r in handmade.current(
                "oa", "workflow_requests", as_of=end_of_day(datetime(2026, 3, 12).date())
            )
        }
        - now
    )


def test_missing_userid_is_login_timeout(http, sim) -> None:  # type: ignore[no-untyped-def]
    client = WeaverClient(http, sim).login()
    response = http.post(
        sim.url("oa") + LIST, headers={"appid": DEMO.oa_appid, "token": client.token}
    )
    assert response.json() == {"msg": "登录信息超时", "errorCode": "002", "status": False}
