"""An MTConnect agent (source ``mes``, under ``/mes/mtconnect``): probe, current, sample.

Each ``mes/machine_states`` row is one state change. Rows are numbered as sequences in
(timestamp, mtconnect_uuid) order and every observation of a row shares its sequence, so
``count`` counts state changes and a page never splits one. A row is served as:

====================  ===========  ======================  =================  ==============
state                 Execution    FunctionalMode          Message            Condition SYSTEM
====================  ===========  ======================  =================  ==============
running               ACTIVE       PRODUCTION              UNAVAILABLE        Normal
planned_stop          STOPPED      MAINTENANCE or SETUP    nativeCode=reason  Normal
                                                           _code, text=reason
                                                           _text
unplanned_down        INTERRUPTED  PRODUCTION              UNAVAILABLE        Fault nativeCode=
                                                                              reason_code,
                                                                              text=reason_text
====================  ===========  ======================  =================  ==============

The buffer holds the rows up to the simulator's as-of moment; ``bufferSize`` bounds how
far back ``from`` may go. An agent restart (fault ``agent_restart``) starts a new
instance: new ``instanceId``, a buffer that begins with each device's current row
(sequences from 1) and then the rows that arrive later; rows not read before the restart
are gone from this agent, as with a real one.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import orjson
from flask import Blueprint, Response, request

from simulator.server import common
from simulator.server.state import SimState
from simulator.server.store import DataStore, current_where

bp = Blueprint("mtconnect", __name__)

VERSION = "1.8"
DEFAULT_COUNT = 100
STREAMS_NS = f"urn:mtconnect.org:MTConnectStreams:{VERSION}"
DEVICES_NS = f"urn:mtconnect.org:MTConnectDevices:{VERSION}"
ERROR_NS = f"urn:mtconnect.org:MTConnectError:{VERSION}"
_MAINTENANCE = re.compile(r"maint|pm|保养|维护|维修|检修", re.IGNORECASE)
_PREPARE_LOCK = threading.Lock()
TABLE = "mt_rows"


@dataclass(frozen=True)
class Row:
    idx: int
    uuid: str
    timestamp: str
    state: str
    reason_code: str | None
    reason_text: str | None


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    uuid: str
    description: str


class AgentError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def prepare(store: DataStore) -> None:
    """Number the machine_states rows once: ``_idx`` in (timestamp, uuid) order."""
    with _PREPARE_LOCK:
        if store.extras.get(TABLE):
            return
        info = store.info("mes", "machine_states")
        with store.cursor() as cur:
            cur.execute(
                f"CREATE TABLE {TABLE} AS SELECT row_number() OVER (ORDER BY _ts, mtconnect_uuid) - 1 "
                'AS _idx, mtconnect_uuid, "timestamp", state, reason_code, reason_text, _ts '
                f"FROM {info.table} WHERE _ts IS NOT NULL ORDER BY _idx"
            )
        store.extras[TABLE] = True


def _rows_until(sim: SimState) -> int:
    """How many rows exist as of the simulator's clock (a prefix of the numbering)."""
    prepare(sim.store)
    ((count,),) = sim.store.fetchall(
        f"SELECT count(*) FROM {TABLE} WHERE _ts <= $t", {"t": sim.as_of}
    )
    return int(count)


@dataclass(frozen=True)
class Buffer:
    instance_id: int
    snapshot: list[int]
    start_row: int
    length: int
    first: int

    @property
    def last(self) -> int:
        return self.length

    @property
    def next(self) -> int:
        return self.length + 1

    def seq_of(self, idx: int) -> int | None:
        if idx >= self.start_row:
            return len(self.snapshot) + idx - self.start_row + 1
        if idx in self.snapshot:
            return self.snapshot.index(idx) + 1
        return None

    def idx_of(self, seq: int) -> int:
        if seq <= len(self.snapshot):
            return self.snapshot[seq - 1]
        return self.start_row + seq - len(self.snapshot) - 1


def buffer(sim: SimState) -> Buffer:
    agent = sim.agent
    length = len(agent.snapshot) + max(0, _rows_until(sim) - agent.start_row)
    return Buffer(
        agent.instance_id,
        agent.snapshot,
        agent.start_row,
        length,
        max(1, length - sim.buffer_size + 1),
    )


def restart(sim: SimState) -> None:
    """A new agent instance: its buffer starts with each device's current row."""
    rows_now = _rows_until(sim)
    latest = sim.store.fetchall(
        f"SELECT max(_idx) FROM {TABLE} WHERE _idx < $n GROUP BY mtconnect_uuid ORDER BY 1",
        {"n": rows_now},
    )
    sim.restart_agent([int(r[0]) for r in latest], rows_now)


def _fetch(sim: SimState, idxs: list[int], lo: int | None, hi: int | None) -> dict[int, Row]:
    clauses = []
    params: dict[str, Any] = {}
    if idxs:
        clauses.append(f"_idx IN ({', '.join(str(int(i)) for i in idxs)})")
    if lo is not None and hi is not None and lo <= hi:
        clauses.append("_idx BETWEEN $lo AND $hi")
        params.update(lo=lo, hi=hi)
    if not clauses:
        return {}
    rows = sim.store.fetchall(
        f"SELECT _idx, mtconnect_uuid, \"timestamp\", strftime(_ts, '%Y-%m-%dT%H:%M:%S.%fZ'), state, "
        f"reason_code, reason_text FROM {TABLE} WHERE {' OR '.join(clauses)} ORDER BY _idx",
        params,
    )
    found = {}
    for idx, uuid, raw_ts, norm_ts, state_, code, text in rows:
        stamp = raw_ts if raw_ts and raw_ts.endswith("Z") else norm_ts
        found[int(idx)] = Row(int(idx), uuid, stamp, state_, code, text)
    return found


def devices(sim: SimState) -> list[Device]:
    """One Device per equipment with an MTConnect uuid, plus any uuid seen only in states."""
    prepare(sim.store)
    equipment = sim.store.info("mes", "equipment")
    rows = sim.store.fetchall(
        f"SELECT equipment_id, name, name_en, mtconnect_uuid FROM {equipment.table} "
        f"WHERE {current_where()} AND mtconnect_uuid IS NOT NULL ORDER BY mtconnect_uuid",
        {"as_of": sim.as_of},
    )
    found = {
        uuid: Device(_xml_id(eid), eid, uuid, name_en or name or eid)
        for eid, name, name_en, uuid in rows
    }
    for (uuid,) in sim.store.fetchall(f"SELECT DISTINCT mtconnect_uuid FROM {TABLE} ORDER BY 1"):
        found.setdefault(uuid, Device(_xml_id(uuid), uuid, uuid, uuid))
    return sorted(found.values(), key=lambda d: d.uuid)


def _xml_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", text)
    return cleaned if re.match(r"[A-Za-z_]", cleaned) else f"d_{cleaned}"


def _pick_device(sim: SimState, name: str | None) -> list[Device]:
    everything = devices(sim)
    if name is None:
        return everything
    chosen = [d for d in everything if name in (d.name, d.uuid, d.id)]
    if not chosen:
        raise AgentError("NO_DEVICE", f"Could not find the device '{name}'", 404)
    return chosen


def observations(row: Row, seq: int, device: Device) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The events and the condition one state row becomes (mapping in the module doc)."""
    base = {"timestamp": row.timestamp, "sequence": seq}
    mode = "PRODUCTION"
    message: dict[str, Any] = {
        "name": "Message",
        "dataItemId": f"{device.id}_msg",
        "value": "UNAVAILABLE",
        **base,
    }
    condition: dict[str, Any] = {
        "name": "Normal",
        "dataItemId": f"{device.id}_system",
        "type": "SYSTEM",
        **base,
    }
    if row.state == "running":
        execution = "ACTIVE"
    elif row.state == "planned_stop":
        execution = "STOPPED"
        mode = (
            "MAINTENANCE"
            if _MAINTENANCE.search(f"{row.reason_code or ''} {row.reason_text or ''}")
            else "SETUP"
        )
        message["value"] = row.reason_text or ""
        if row.reason_code is not None:
            message["nativeCode"] = row.reason_code
    elif row.state == "unplanned_down":
        execution = "INTERRUPTED"
        condition["name"] = "Fault"
        condition["value"] = row.reason_text or ""
        if row.reason_code is not None:
            condition["nativeCode"] = row.reason_code
    else:
        execution = "UNAVAILABLE"
        condition["name"] = "Unavailable"
    events = [
        {"name": "Execution", "dataItemId": f"{device.id}_exec", "value": execution, **base},
        {"name": "FunctionalMode", "dataItemId": f"{device.id}_fmode", "value": mode, **base},
        message,
    ]
    return events, condition


def _header(sim: SimState, buf: Buffer, next_sequence: int | None = None) -> dict[str, Any]:
    return {
        "creationTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sender": "perfchain-simulator",
        "instanceId": buf.instance_id,
        "version": f"{VERSION}.0",
        "bufferSize": sim.buffer_size,
        "firstSequence": buf.first,
        "lastSequence": buf.last,
        "nextSequence": buf.next if next_sequence is None else next_sequence,
    }


# Characters that make a value need escaping; most values (ids, sequences, timestamps,
# states) have none, and skipping saxutils for them halves the time a page takes.
_ATTR_SPECIAL = re.compile(r'[&<>"\n\r\t]')
_TEXT_SPECIAL = re.compile(r"[&<>]")


def _quote(value: Any) -> str:
    """quoteattr(str(value)), quickly when nothing needs escaping."""
    text = str(value)
    return f'"{text}"' if _ATTR_SPECIAL.search(text) is None else quoteattr(text)


def _attrs(values: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    return "".join(f" {k}={_quote(v)}" for k, v in values.items() if k not in skip)


# Per device: its Device events, Controller events and conditions, as observation dicts
# (`_streams`) or as their rendered XML (`_xml_streams`).
Observations = list[dict[str, Any]] | list[str]
Stream = dict[str, tuple[Device, Observations, Observations, Observations]]


def _render(header: dict[str, Any], streams: Stream, as_json: bool) -> Response:
    if as_json:
        body = {
            "MTConnectStreams": {
                "Header": header,
                "Streams": [
                    {
                        "DeviceStream": {
                            "name": dev.name,
                            "uuid": dev.uuid,
                            "ComponentStreams": [
                                *(
                                    [
                                        {
                                            "component": "Device",
                                            "componentId": dev.id,
                                            "Events": device_events,
                                        }
                                    ]
                                    if device_events
                                    else []
                                ),
                                {
                                    "component": "Controller",
                                    "componentId": f"{dev.id}_cont",
                                    "Events": events,
                                    "Condition": conditions,
                                },
                            ],
                        }
                    }
                    for dev, device_events, events, conditions in streams.values()
                ],
            }
        }
        return Response(orjson.dumps(body), content_type="application/json")
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<MTConnectStreams xmlns="{STREAMS_NS}"><Header{_attrs(header)}/><Streams>',
    ]
    for dev, device_events, events, conditions in streams.values():
        parts.append(f"<DeviceStream name={quoteattr(dev.name)} uuid={quoteattr(dev.uuid)}>")
        if device_events:
            parts.append(
                f'<ComponentStream component="Device" componentId={quoteattr(dev.id)}><Events>'
            )
            parts.extend(_element(o) for o in device_events)
            parts.append("</Events></ComponentStream>")
        if events or conditions:
            parts.append(
                f'<ComponentStream component="Controller" componentId={quoteattr(dev.id + "_cont")}>'
            )
            if events:
                parts.append("<Events>" + "".join(_element(o) for o in events) + "</Events>")
            if conditions:
                parts.append(
                    "<Condition>" + "".join(_element(o) for o in conditions) + "</Condition>"
                )
            parts.append("</ComponentStream>")
        parts.append("</DeviceStream>")
    parts.append("</Streams></MTConnectStreams>")
    return Response("".join(parts), content_type="text/xml;charset=UTF-8")


def _element(observation: dict[str, Any] | str) -> str:
    """One observation's XML element (one `_xml_streams` rendered already comes as is)."""
    if isinstance(observation, str):
        return observation
    name = observation["name"]
    value = observation.get("value")
    attrs = _attrs(observation, ("name", "value"))
    if value is None or value == "":
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{_text(str(value))}</{name}>"


def _text(value: str) -> str:
    return escape(value) if _TEXT_SPECIAL.search(value) else value


def _xml_streams(pairs: list[tuple[int, Row]], chosen: list[Device]) -> Stream:
    """What `_render(_streams(...))` makes of a page, each row written straight to its XML
    elements instead of through `observations` dicts (a 10,000-row page took 0.3 s that
    way, most of it `_element`). `_streams` stays the definition: JSON, `/current` and
    pages with a fault use it, and a test holds the two to the same bytes."""
    by_uuid = {}
    for d in chosen:
        exec_id, mode_id, msg_id, cond_id = (
            _quote(f"{d.id}{suffix}") for suffix in ("_exec", "_fmode", "_msg", "_system")
        )
        by_uuid[d.uuid] = (
            f"<Execution dataItemId={exec_id}",
            f"<FunctionalMode dataItemId={mode_id}",
            f"<Message dataItemId={msg_id}",
            f' dataItemId={cond_id} type="SYSTEM"',
        )
    streams: Stream = {d.uuid: (d, [], [], []) for d in chosen}
    for seq, row in pairs:
        ids = by_uuid.get(row.uuid)
        if ids is None:
            continue
        execution, mode, message, condition = ids
        base = f' timestamp={_quote(row.timestamp)} sequence="{seq}"'
        native = "" if row.reason_code is None else f" nativeCode={_quote(row.reason_code)}"
        reason = _text(row.reason_text or "")
        mode_value, message_value, message_attrs = "PRODUCTION", "UNAVAILABLE", base
        condition_xml = f"<Normal{condition}{base}/>"
        if row.state == "running":
            execution_value = "ACTIVE"
        elif row.state == "planned_stop":
            execution_value = "STOPPED"
            text = f"{row.reason_code or ''} {row.reason_text or ''}"
            mode_value = "MAINTENANCE" if _MAINTENANCE.search(text) else "SETUP"
            message_value, message_attrs = reason, base + native
        elif row.state == "unplanned_down":
            execution_value = "INTERRUPTED"
            condition_xml = (
                f"<Fault{condition}{base}{native}>{reason}</Fault>"
                if reason
                else f"<Fault{condition}{base}{native}/>"
            )
        else:
            execution_value = "UNAVAILABLE"
            condition_xml = f"<Unavailable{condition}{base}/>"
        events = streams[row.uuid][2]
        events.append(f"{execution}{base}>{execution_value}</Execution>")
        events.append(f"{mode}{base}>{mode_value}</FunctionalMode>")
        events.append(
            f"{message}{message_attrs}>{message_value}</Message>"
            if message_value
            else f"{message}{message_attrs}/>"
        )
        streams[row.uuid][3].append(condition_xml)
    return streams


def _streams(pairs: list[tuple[int, Row]], chosen: list[Device]) -> Stream:
    by_uuid = {d.uuid: d for d in chosen}
    streams: Stream = {d.uuid: (d, [], [], []) for d in chosen}
    for seq, row in pairs:
        device = by_uuid.get(row.uuid)
        if device is None:
            continue
        events, condition = observations(row, seq, device)
        streams[row.uuid][2].extend(events)
        streams[row.uuid][3].append(condition)
    return streams


def _apply_faults(streams: Stream) -> None:
    current = common.fault()
    if current is None:
        return
    firsts = [s for s in streams.values() if s[2]]
    if current.kind == "invalid_field" and firsts:
        firsts[0][2][0]["timestamp"] = str(current.params.get("value", "not-a-timestamp"))
    if current.kind == "new_field":
        name = str(current.params.get("name", "PartCount"))
        for device, _, events, _ in streams.values():
            if events:
                events.append(
                    {
                        **events[-1],
                        "name": name,
                        "dataItemId": f"{device.id}_unannounced",
                        "value": str(current.params.get("value", "1")),
                    }
                )


def _int_arg(name: str, default: int) -> int:
    text = request.args.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError as error:
        raise AgentError("QUERY_ERROR", f"'{name}' must be an integer, got '{text}'") from error


def _sample(device_name: str | None) -> Response:
    sim = common.state()
    chosen = _pick_device(sim, device_name)
    buf = buffer(sim)
    start = _int_arg("from", buf.first)
    count = _int_arg("count", DEFAULT_COUNT)
    if count < 1 or count > sim.buffer_size:
        raise AgentError("OUT_OF_RANGE", f"'count' must be between 1 and {sim.buffer_size}")
    if start < buf.first or start > buf.next:
        raise AgentError(
            "OUT_OF_RANGE",
            f"'from' must be between firstSequence ({buf.first}) and nextSequence ({buf.next})",
        )
    end = min(start + count, buf.next)
    lo, hi = common.page_bounds(buf.next - 1, start - 1, end - start)
    seqs = list(range(lo + 1, hi + 1))
    snap = [buf.idx_of(s) for s in seqs if s <= len(buf.snapshot)]
    tail = [s for s in seqs if s > len(buf.snapshot)]
    rows = _fetch(
        sim, snap, buf.idx_of(tail[0]) if tail else None, buf.idx_of(tail[-1]) if tail else None
    )
    pairs = [(s, rows[buf.idx_of(s)]) for s in seqs if buf.idx_of(s) in rows]
    as_json = request.args.get("format") == "json"
    if as_json or common.fault() is not None:
        streams = _streams(pairs, chosen)
        _apply_faults(streams)
    else:
        streams = _xml_streams(pairs, chosen)
    common.served(len(pairs))
    return _render(_header(sim, buf, end), streams, as_json)


def _current(device_name: str | None) -> Response:
    sim = common.state()
    chosen = _pick_device(sim, device_name)
    buf = buffer(sim)
    if request.args.get("at"):
        raise AgentError("UNSUPPORTED", "the simulated agent does not serve current?at=")
    last_idx = buf.idx_of(buf.last) if buf.last > len(buf.snapshot) else -1
    latest = sim.store.fetchall(
        f"SELECT max(_idx) FROM {TABLE} WHERE (_idx BETWEEN $lo AND $hi) OR _idx IN "
        f"({', '.join(str(i) for i in buf.snapshot) or '-1'}) GROUP BY mtconnect_uuid",
        {"lo": buf.start_row, "hi": last_idx},
    )
    rows = _fetch(sim, [int(r[0]) for r in latest], None, None)
    pairs = sorted(((buf.seq_of(idx) or 0, row) for idx, row in rows.items()), key=lambda p: p[0])
    streams = _streams(pairs, chosen)
    for device, device_events, events, _ in streams.values():
        seq = events[0]["sequence"] if events else buf.first
        stamp = (
            events[0]["timestamp"] if events else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
        device_events.append(
            {
                "name": "Availability",
                "dataItemId": f"{device.id}_avail",
                "timestamp": stamp,
                "sequence": seq,
                "value": "AVAILABLE" if events else "UNAVAILABLE",
            }
        )
    _apply_faults(streams)
    common.served(len(pairs))
    return _render(_header(sim, buf), streams, request.args.get("format") == "json")


def _probe(device_name: str | None) -> Response:
    sim = common.state()
    chosen = _pick_device(sim, device_name)
    buf = buffer(sim)
    header = _header(sim, buf)
    for key in ("firstSequence", "lastSequence", "nextSequence"):
        header.pop(key)
    header["assetBufferSize"] = 1024
    header["assetCount"] = 0
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<MTConnectDevices xmlns="{DEVICES_NS}"><Header{_attrs(header)}/><Devices>',
    ]
    for dev in chosen:
        parts.append(
            f"<Device id={quoteattr(dev.id)} name={quoteattr(dev.name)} uuid={quoteattr(dev.uuid)}>"
            f"<Description>{escape(dev.description)}</Description><DataItems>"
            f'<DataItem category="EVENT" id="{dev.id}_avail" type="AVAILABILITY"/></DataItems>'
            f'<Components><Controller id="{dev.id}_cont" name="controller"><DataItems>'
            f'<DataItem category="EVENT" id="{dev.id}_exec" type="EXECUTION"/>'
            f'<DataItem category="EVENT" id="{dev.id}_fmode" type="FUNCTIONAL_MODE"/>'
            f'<DataItem category="EVENT" id="{dev.id}_msg" type="MESSAGE"/>'
            f'<DataItem category="CONDITION" id="{dev.id}_system" type="SYSTEM"/>'
            "</DataItems></Controller></Components></Device>"
        )
    parts.append("</Devices></MTConnectDevices>")
    common.served(len(chosen))
    return Response("".join(parts), content_type="text/xml;charset=UTF-8")


def agent_error(code: str, message: str, status: int = 400) -> Response:
    sim = common.state()
    header = _header(sim, buffer(sim))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<MTConnectError xmlns="{ERROR_NS}"><Header{_attrs(header)}/>'
        f'<Errors><Error errorCode="{code}">{escape(message)}</Error></Errors></MTConnectError>'
    )
    return Response(body, status=status, content_type="text/xml;charset=UTF-8")


def fault_response(kind: str) -> Response | None:
    if kind == "rate_limit":
        # An agent has no rate limit; the reverse proxy in front of it answers 429.
        retry = str((common.fault().params if common.fault() else {}).get("retry_after", 1))
        return Response(
            "429 Too Many Requests",
            status=429,
            headers={"Retry-After": retry},
            content_type="text/plain",
        )
    if kind == "server_error":
        return agent_error("INTERNAL_ERROR", "internal agent error", 500)
    return None


def _serve(kind: str, device: str | None) -> Response:
    try:
        if kind == "sample":
            return _sample(device)
        if kind == "current":
            return _current(device)
        return _probe(device)
    except AgentError as error:
        return agent_error(error.code, error.message, error.status)


@bp.get("/")
@bp.get("/probe")
def probe() -> Response:
    return _serve("probe", None)


@bp.get("/current")
def current() -> Response:
    return _serve("current", None)


@bp.get("/sample")
def sample() -> Response:
    return _serve("sample", None)


@bp.get("/<device>/probe")
def device_probe(device: str) -> Response:
    return _serve("probe", device)


@bp.get("/<device>/current")
def device_current(device: str) -> Response:
    return _serve("current", device)


@bp.get("/<device>/sample")
def device_sample(device: str) -> Response:
    return _serve("sample", device)


@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
def unsupported(rest: str) -> Response:
    return agent_error("INVALID_REQUEST", f"unsupported request /{rest}", 400)
