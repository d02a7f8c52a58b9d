"""Weaver doCreateRequest on the simulator: a created request is stored beside the
dataset's, listed like them as the as-of moment passes its versions, and refused with
the business envelope when its form is wrong; a reset forgets it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from simulator.generator.planted import oa_handling_offsets
from tests.simulator.conftest import WeaverClient
from tests.simulator.handmade import Handmade

CREATE = "/api/workflow/paService/doCreateRequest"
LIST = "/api/workflow/paService/getAllWorkflowRequestList"
COUNT = "/api/workflow/paService/getAllWorkflowRequestCount"
DETAIL = "/api/workflow/paService/getWorkflowRequest"


def _assignee(handmade: Handmade) -> tuple[str, str]:
    employee = handmade.current("hr", "employees")[0]
    return str(employee["oa_user_id"]), str(employee["name"])


def _form(assignee: str, **fields: str) -> dict[str, str]:
    main = {
        "alert_id": "a1",
        "rule_id": "R2",
        "template": "快速根因分析清单",
        "scope_type": "team",
        "scope_id": "T1",
        "assignee": assignee,
        **fields,
    }
    return {
        "workflowId": "3001",
        "requestName": "快速根因分析清单-焊接一班",
        "mainData": json.dumps(
            [{"fieldName": k, "fieldValue": v} for k, v in main.items()], ensure_ascii=False
        ),
        "otherParams": json.dumps({"isnextflow": "0"}),
    }


def _listed(client: WeaverClient) -> dict[str, dict]:
    rows = client.post(LIST, pageNo="1", pageSize="1000", includeDetail="true").json()
    return {row["requestId"]: row for row in rows}


def test_created_request_moves_through_its_planted_handling(http, sim, handmade) -> None:  # type: ignore[no-untyped-def]
    assignee, name = _assignee(handmade)
    sim.set_as_of(datetime(2026, 3, 5, 10, 0, 0))  # plant-local
    client = WeaverClient(http, sim).login()
    before = client.post(COUNT).json()
    body = client.post(CREATE, **_form(assignee)).json()
    assert body["code"] == "SUCCESS"
    request_id = body["data"]["requestid"]
    assert client.post(COUNT).json() == before + 1

    created = _listed(client)[request_id]
    assert created["status"] == "创建" and created["currentNodeName"] == "创建"
    assert created["createTime"] == created["lastOperateTime"] == "2026-03-05 10:00:00"
    assert created["creatorId"] == "1" and created["creatorName"] == "perfchain"
    assert created["workflowBaseInfo"]["workflowName"] == "预警行动任务"
    assert created["workflowRequestLogs"] == []
    fields = {
        f["fieldName"]: f["fieldValue"]
        for f in created["workflowMainTableInfo"]["requestRecords"][0]["workflowRequestTableFields"]
    }
    assert fields["alert_id"] == "a1" and fields["related_order"] == ""

    acknowledged, completed = oa_handling_offsets("快速根因分析清单", "team", "T1")
    start = datetime(2026, 3, 5, 10, 0, 0)
    sim.set_as_of(start + timedelta(seconds=acknowledged - 1))
    assert _listed(client)[request_id]["status"] == "创建"
    sim.set_as_of(start + timedelta(seconds=acknowledged))
    handled = _listed(client)[request_id]
    assert handled["status"] == "审批中" and handled["lastOperatorId"] == assignee
    assert [
        (log["operateType"], log["operatorId"], log["operatorName"], log["nodeName"])
        for log in handled["workflowRequestLogs"]
    ] == [("批准", assignee, name, "创建")]
    assert handled["workflowRequestLogs"][0]["operateTime"] == (
        start + timedelta(seconds=acknowledged)
    ).strftime("%Y-%m-%d %H:%M:%S")

    sim.set_as_of(start + timedelta(seconds=completed))
    detail = client.get(DETAIL, requestId=request_id).json()["data"]
    assert detail["status"] == "归档" and detail["currentNodeName"] == "归档"
    assert [log["operateType"] for log in detail["workflowRequestLogs"]] == ["批准", "归档"]

    # Before its creation the request does not exist for the API.
    sim.set_as_of(start - timedelta(seconds=1))
    assert request_id not in _listed(client)
    assert client.get(DETAIL, requestId=request_id).json()["code"] == "PARAM_ERROR"


def test_requestname_condition_finds_a_created_request(http, sim, handmade) -> None:  # type: ignore[no-untyped-def]
    assignee, _ = _assignee(handmade)
    client = WeaverClient(http, sim).login()
    request_id = client.post(CREATE, **_form(assignee)).json()["data"]["requestid"]
    for text, expected in (("根因分析清单-焊接", [request_id]), ("焊接二班", [])):
        conditions = json.dumps({"requestname": text}, ensure_ascii=False)
        rows = client.post(LIST, pageNo="1", pageSize="100", conditions=conditions).json()
        assert [row["requestId"] for row in rows] == expected
        assert client.post(COUNT, conditions=conditions).json() == len(expected)


def test_handling_offsets_are_fixed_and_in_the_planted_range() -> None:
    # md5("快速根因分析清单|team|T1") = 2b4bdb9c 86667313 …: 0x2b4bdb9c % 121 = 31, so
    # acknowledged at 60 + 31 = 91 min; 0x86667313 % 91 = 12, so archived 30 + 12 min later.
    assert oa_handling_offsets("快速根因分析清单", "team", "T1") == (91 * 60, 133 * 60)
    # md5("客诉响应|customer|C1") = 4c4dae01 908f4162 …: 60 + 45, then 30 + 60 more.
    assert oa_handling_offsets("客诉响应", "customer", "C1") == (105 * 60, 195 * 60)


def test_refusals_use_the_business_envelope(http, sim, handmade) -> None:  # type: ignore[no-untyped-def]
    assignee, _ = _assignee(handmade)
    client = WeaverClient(http, sim).login()
    before = client.post(COUNT).json()
    unknown_flow = client.post(CREATE, **{**_form(assignee), "workflowId": "9"}).json()
    assert unknown_flow["code"] == "PARAM_ERROR" and "9" in unknown_flow["errMsg"]["message"]
    bad_field = _form(assignee)
    bad_field["mainData"] = json.dumps([{"fieldName": "colour", "fieldValue": "red"}])
    answer = client.post(CREATE, **bad_field).json()
    assert answer["code"] == "PARAM_ERROR" and "colour" in answer["errMsg"]["message"]
    nobody = client.post(CREATE, **_form("no-such-user")).json()
    assert nobody["code"] == "USER_EXCEPTION" and "no-such-user" in nobody["errMsg"]["message"]
    assert client.post(CREATE, **{**_form(assignee), "requestName": " "}).json()["code"] == (
        "PARAM_ERROR"
    )
    assert client.post(COUNT).json() == before


def test_a_reset_forgets_created_requests(http, sim, handmade) -> None:  # type: ignore[no-untyped-def]
    assignee, _ = _assignee(handmade)
    client = WeaverClient(http, sim).login()
    expected = [row["requestId"] for row in handmade.current("oa", "workflow_requests")]
    request_id = client.post(CREATE, **_form(assignee)).json()["data"]["requestid"]
    assert request_id in _listed(client)
    sim.reset()
    client = WeaverClient(http, sim).login()
    assert list(_listed(client)) == expected
