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
