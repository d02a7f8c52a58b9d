"""The MTConnect agent under /mes/mtconnect as docs/sources/mes.md documents it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from simulator.server import mtconnect
from tests.simulator.handmade import TZ, Handmade, end_of_day, parse

NS = {"m": "urn:mtconnect.org:MTConnectStreams:1.8"}
STATE_OF = {"ACTIVE": "running", "STOPPED": "planned_stop", "INTERRUPTED": "unplanned_down"}


def _get(http, sim, what: str, **params):  # type: ignore[no-untyped-def]
    return http.get(sim.url("mes") + f"/mtconnect/{what}", params=params)


def _header(root: ET.Element) -> dict[str, int]:
    header = root.find("m:Header", NS)
    assert header is not None
    return {
        k: int(v)
        for k, v in header.attrib.items()
        if k in ("instanceId", "bufferSize", "firstSequence", "lastSequence", "nextSequence")
    }


def invert(root: ET.Element) -> list[tuple[int, dict[str, str | None]]]:
    """State rows back from a streams document (the mapping docs/sources/mes.md gives)."""
    rows: dict[tuple[int, str], dict[str, str | None]] = {}
    for device in root.iterfind(".//m:DeviceStream", NS):
        uuid = device.attrib["uuid"]
        for element in device.iterfind(".//m:ComponentStream[@component='Controller']/*/*", NS):
            tag = element.tag.split("}")[1]
            seq = int(element.attrib["sequence"])
            row = rows.setdefault(
                (seq, uuid),
                {
                    "mtconnect_uuid": uuid,
                    "timestamp": element.attrib["timestamp"],
                    "reason_code": None,
                    "reason_text": None,
                },
            )
            if tag == "Execution":
                row["state"] = STATE_OF[element.text or ""]
            elif tag == "Message" and "nativeCode" in element.attrib:
                row["reason_code"], row["reason_text"] = element.attrib["nativeCode"], element.text
            elif tag == "Fault":
                row["reason_code"], row["reason_text"] = (
                    element.attrib.get("nativeCode"),
                    element.text,
                )
    return sorted(((seq, row) for (seq, _), row in rows.items()), key=lambda item: item[0])


def _expected(handmade: Handmade, as_of: datetime | None = None) -> list[dict[str, str | None]]:
    as_of = as_of or end_of_day(datetime(2026, 3, 10).date())
    return [
        r
        for r in handmade.of("mes", "machine_states")
        if parse(r["timestamp"] or "", "ts_utc") <= as_of
    ]


@contextmanager
def buffer_of(sim, size: int) -> Iterator[None]:  # type: ignore[no-untyped-def]
    old = sim.state.buffer_size
    sim.state.buffer_size = size
    try:
        yield
    finally:
        sim.state.buffer_size = old


def test_probe_lists_one_device_per_machine(http, sim) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(_get(http, sim, "probe").content)
    ns = {"m": "urn:mtconnect.org:MTConnectDevices:1.8"}
    devices = {d.attrib["uuid"]: d for d in root.iterfind(".//m:Device", ns)}
    assert set(devices) == {"mill-1", "press-2"}
    types = {i.attrib["type"] for i in devices["mill-1"].iterfind(".//m:DataItem", ns)}
    assert types == {"AVAILABILITY", "EXECUTION", "FUNCTIONAL_MODE", "MESSAGE", "SYSTEM"}


def test_sample_cursor_walks_every_state_once_and_inverts_exactly(
    http, sim, handmade: Handmade
) -> None:  # type: ignore[no-untyped-def]
    expected = _expected(handmade)
    rows, start = [], 1
    while True:
        root = ET.fromstring(_get(http, sim, "sample", **{"from": start, "count": 37}).content)
        header = _header(root)
        rows.extend(invert(root))
        if header["nextSequence"] > header["lastSequence"]:
            break
        start = header["nextSequence"]
    assert [seq for seq, _ in rows] == list(range(1, len(expected) + 1))
    assert [row for _, row in rows] == expected


def test_default_count_is_100_and_large_counts_are_allowed(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(_get(http, sim, "sample").content)
    assert len(invert(root)) == 100 and _header(root)["nextSequence"] == 101
    root = ET.fromstring(_get(http, sim, "sample", count=10000).content)
    assert len(invert(root)) == len(_expected(handmade))


def test_current_holds_each_device_latest_state(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    root = ET.fromstring(_get(http, sim, "current").content)
    latest = {}
    for row in _expected(handmade):
        latest[row["mtconnect_uuid"]] = row
    assert {row["mtconnect_uuid"]: row for _, row in invert(root)} == latest
    availability = [e.text for e in root.iterfind(".//m:Availability", NS)]
    assert availability == ["AVAILABLE", "AVAILABLE"]


def test_as_of_limits_the_buffer(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    sim.set_as_of(datetime(2026, 3, 5).date())
    header = _header(ET.fromstring(_get(http, sim, "current").content))
    as_of = end_of_day(datetime(2026, 3, 5, tzinfo=TZ).date())
    assert header["lastSequence"] == len(_expected(handmade, as_of))


def test_from_outside_the_buffer_is_out_of_range(http, sim) -> None:  # type: ignore[no-untyped-def]
    with buffer_of(sim, 100):
        header = _header(ET.fromstring(_get(http, sim, "current").content))
        assert header["bufferSize"] == 100
        assert header["firstSequence"] == header["lastSequence"] - 99
        for start in (1, header["nextSequence"] + 1):
            response = _get(http, sim, "sample", **{"from": start})
            assert response.status_code == 400
            error = ET.fromstring(response.content).find(".//{*}Error")
            assert error is not None and error.attrib["errorCode"] == "OUT_OF_RANGE"
        assert _get(http, sim, "sample", **{"from": header["firstSequence"]}).status_code == 200
    bad = _get(http, sim, "sample", count="many")
    assert bad.status_code == 400 and b"QUERY_ERROR" in bad.content
    assert _get(http, sim, "nosuchdevice/sample").status_code == 404


def test_agent_restart_changes_instance_and_renumbers(http, sim, handmade: Handmade) -> None:  # type: ignore[no-untyped-def]
    before = _header(ET.fromstring(_get(http, sim, "current").content))
    sim.faults.add("mes:agent_restart@1")
    root = ET.fromstring(_get(http, sim, "current").content)
    after = _header(root)
    assert after["instanceId"] != before["instanceId"]
    # The new agent's buffer starts with each device's current state, numbered from 1.
    assert (after["firstSequence"], after["lastSequence"]) == (1, 2)
    old_cursor = _get(http, sim, "sample", **{"from": before["nextSequence"]})
    assert old_cursor.status_code == 400 and b"OUT_OF_RANGE" in old_cursor.content
    # Recovery as documented: resync from firstSequence; later states follow in order.
    sim.set_as_of(datetime(2026, 3, 11, 12, 0))
    resync = ET.fromstring(_get(http, sim, "sample", **{"from": 1, "count": 1000}).content)
    rows = [row for _, row in invert(resync)]
    expected = _expected(handmade, end_of_day(datetime(2026, 3, 10).date()))
    assert rows[:2] == sorted(
        [
            r
            for r in expected
            if r
            is max(
                (x for x in expected if x["mtconnect_uuid"] == r["mtconnect_uuid"]),
                key=lambda x: x["timestamp"] or "",
            )
        ],
        key=lambda x: (x["timestamp"], x["mtconnect_uuid"]),
    )
    later = [
        r
        for r in handmade.of("mes", "machine_states")
        if "2026-03-10T16" <= (r["timestamp"] or "") <= "2026-03-11T04:00:00Z"
    ]
    assert rows[2:] == later


def test_json_format_and_device_paths(http, sim) -> None:  # type: ignore[no-untyped-def]
    body = _get(http, sim, "sample", count=4, format="json").json()
    header = body["MTConnectStreams"]["Header"]
    assert header["nextSequence"] == 5
    root = ET.fromstring(_get(http, sim, "M01/sample", count=10).content)
    assert {row["mtconnect_uuid"] for _, row in invert(root)} == {"mill-1"}


def test_page_written_directly_is_the_page_the_observations_give() -> None:
    """`_xml_streams` (sample pages without a fault) writes the bytes `_streams` defines,
    for every state and for values that need escaping."""
    devices = [
        mtconnect.Device("M01", "M01", "mill-1", "Mill"),
        mtconnect.Device("d_7", "7", "lathe-7", "Lathe"),
    ]
    rows = [
        mtconnect.Row(0, "mill-1", "2026-03-01T00:00:00Z", "running", None, None),
        mtconnect.Row(1, "lathe-7", "2026-03-01T00:05:00Z", "planned_stop", "PM01", "月度保养"),
        mtconnect.Row(2, "mill-1", "2026-03-01T00:07:00Z", "planned_stop", "S<1>", 'a & "b"'),
        mtconnect.Row(3, "mill-1", "2026-03-01T00:09:00Z", "planned_stop", None, None),
        mtconnect.Row(4, "lathe-7", "2026-03-01T01:00:00Z", "unplanned_down", "E&1", "<jam>"),
        mtconnect.Row(5, "lathe-7", "2026-03-01T02:00:00Z", "unplanned_down", None, ""),
        mtconnect.Row(6, "mill-1", 'bad "stamp" & <x>', "offline", None, None),
        mtconnect.Row(7, "ghost", "2026-03-01T03:00:00Z", "running", None, None),
    ]
    pairs = [(40 + row.idx, row) for row in rows]
    header = {"instanceId": 7, "nextSequence": 48}

    def body(streams: mtconnect.Stream) -> bytes:
        return mtconnect._render(header, streams, as_json=False).get_data()

    expected = body(mtconnect._streams(pairs, devices))
    assert body(mtconnect._xml_streams(pairs, devices)) == expected
    assert b"MAINTENANCE" in expected and b"SETUP" in expected and b"<Unavailable " in expected
    assert b'nativeCode="S&lt;1&gt;">a &amp; "b"</Message>' in expected
