"""Smoke test: the generated demo factory loads and every protocol serves it."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET

import pytest

from extractors.contract import ENTITIES
from tests.simulator.conftest import (
    WeaverClient,
    crm_token,
    erp_params,
    erp_token,
    rest_token,
)

pytestmark = pytest.mark.slow  # generates and serves the full demo


def test_every_file_loads_with_parseable_version_times(simulator) -> None:  # type: ignore[no-untyped-def]
    health = simulator.store.health()
    assert health["missing_files"] == []
    assert {
        name: e["bad_modstamps"] for name, e in health["entities"].items() if e["bad_modstamps"]
    } == {}
    assert len(health["entities"]) == len(ENTITIES)


def test_each_protocol_serves_the_demo(simulator, demo_data, http) -> None:  # type: ignore[no-untyped-def]
    token = crm_token(http, simulator)
    body = http.get(
        token["instance_url"] + "/services/data/v60.0/queryAll",
        params={"q": "SELECT Id, CaseNumber, SystemModstamp FROM Case"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    assert body["totalSize"] > 0 and body["records"]

    erp = http.get(
        simulator.url("erp") + "/api/saleorderlist/batch_get",
        params=erp_params(erp_token(http, simulator), rows_per_page=50),
    ).json()
    assert erp["errcode"] == "0" and erp["row_count"] > 0 and "entry" in erp["saleorderlist"][0]

    oa = WeaverClient(http, simulator).login()
    count = oa.post("/api/workflow/paService/getAllWorkflowRequestCount").json()
    assert isinstance(count, int) and count > 0

    for source in ("mes", "qms", "wms", "hr"):
        index = http.get(
            simulator.url(source) + "/api/v1/",
            headers={"Authorization": f"Bearer {rest_token(http, simulator, source)}"},
        ).json()
        assert index["resources"], source

    with (demo_data / "mes" / "machine_states.csv").open(encoding="utf-8") as handle:
        machines = {row["mtconnect_uuid"] for row in csv.DictReader(handle)}
    probe = ET.fromstring(http.get(simulator.url("mes") + "/mtconnect/probe").content)
    uuids = {d.attrib["uuid"] for d in probe.iterfind(".//{*}Device")}
    assert machines <= uuids
    sample = http.get(simulator.url("mes") + "/mtconnect/sample", params={"count": 1000})
    assert sample.status_code == 200 and b"<Execution" in sample.content


def test_demo_oa_handles_created_tasks_except_the_planted_one(simulator, demo_data, http) -> None:  # type: ignore[no-untyped-def]
    """The generated planted.json names the one alert nobody handles (R1 on the planted
    late order): its task stays at 创建; a task for any other scope is archived."""
    import json
    from datetime import datetime

    from simulator.generator.planted import never_handled

    planted = json.loads((demo_data / "planted.json").read_text(encoding="utf-8"))
    unhandled = never_handled(planted)
    assert unhandled is not None
    order = planted["late_order_step"]["order"]
    assert (unhandled["rule_id"], unhandled["scope_type"], unhandled["scope_id"]) == (
        "R1",
        "order",
        order,
    )
    with (demo_data / "hr" / "employees.csv").open(encoding="utf-8") as handle:
        assignee = next(row for row in csv.DictReader(handle) if row["oa_user_id"])["oa_user_id"]
    day = planted["machine_failures"]["date"]  # any day of the dataset
    simulator.set_as_of(datetime.fromisoformat(f"{day} 18:00:00"))
    client = WeaverClient(http, simulator).login()
    ids = {}
    for rule, scope_type, scope in (("R1", "order", order), ("R2", "team", "other")):
        main = {"rule_id": rule, "scope_type": scope_type, "scope_id": scope, "assignee": assignee}
        body = client.post(
            "/api/workflow/paService/doCreateRequest",
            workflowId="3001",
            requestName=f"交期偏差处理-{scope}",
            mainData=json.dumps([{"fieldName": k, "fieldValue": v} for k, v in main.items()]),
        ).json()
        assert body["code"] == "SUCCESS", body
        ids[rule] = body["data"]["requestid"]
    simulator.set_as_of(None)  # the end of the dataset, days later
    status = {
        rule: client.get("/api/workflow/paService/getWorkflowRequest", requestId=request_id).json()[
            "data"
        ]["status"]
        for rule, request_id in ids.items()
    }
    assert status == {"R1": "创建", "R2": "归档"}
