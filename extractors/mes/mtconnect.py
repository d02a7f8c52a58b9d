"""MTConnect agent client: /sample with sequence cursors, instanceId and OUT_OF_RANGE handling.

The cursor (instanceId, nextSequence) is stored with each batch, so a run resumes where
the last one stopped. A new instanceId means the agent restarted: its buffer starts over,
so reading resumes at its firstSequence (what the old instance had not yet served is gone,
as with any agent; the duplicates a restart snapshot brings are removed by the key in
staging). OUT_OF_RANGE means the cursor fell out of the buffer: the same recovery, with a
warning naming the gap.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests

from extractors._http.client import Window
from extractors._http.errors import ExtractError, RetryableError
from extractors._http.session import SourceSession, gc_paused
from extractors.mes.settings import EXECUTION_STATES, MTCONNECT_PATH, SAMPLE_COUNT, STREAMS_NS

log = logging.getLogger("perfchain.extract.mes")
_ERROR_NS = "{urn:mtconnect.org:MTConnectError:1.8}"


class OutOfRange(Exception):
    """The requested `from` is no longer (or not yet) in the agent's buffer."""


def _check_sample(response: requests.Response) -> ET.Element:
    try:
        with gc_paused():
            root = ET.fromstring(response.content)
    except ET.ParseError as error:  # a cut-off or garbled document: ask again
        if response.status_code >= 500:
            raise RetryableError(f"HTTP {response.status_code}") from error
        raise RetryableError(f"unreadable MTConnect document: {error}") from error
    if root.tag.endswith("MTConnectError"):
        error = root.find(f".//{_ERROR_NS}Error")
        code = error.get("errorCode", "") if error is not None else ""
        text = (error.text or "") if error is not None else ""
        if code == "OUT_OF_RANGE":
            raise OutOfRange(text)
        if code == "INTERNAL_ERROR" or response.status_code >= 500:
            raise RetryableError(f"MTConnect {code}: {text}")
        raise ExtractError("mes", "machine_states", response.url, f"MTConnect {code}: {text}")
    response.raise_for_status()
    return root


def _rows(root: ET.Element, until: datetime | None) -> tuple[list[dict[str, Any]], int | None]:
    """State rows of one /sample document, and the sequence of the first one past `until`."""
    by_sequence: dict[int, dict[str, Any]] = {}
    for stream in root.iter(f"{STREAMS_NS}DeviceStream"):
        uuid = stream.get("uuid")
        for element in stream.iter():
            sequence = element.get("sequence")
            if sequence is None:
                continue
            number = int(sequence)
            row = by_sequence.get(number)
            if row is None:  # the first of the state change's observations
                row = by_sequence[number] = {"mtconnect_uuid": uuid, "sequence": number}
            name = element.tag.removeprefix(STREAMS_NS)
            if name == "Execution":
                row["timestamp"] = element.get("timestamp")
                row["state"] = EXECUTION_STATES.get(
                    element.text or "", (element.text or "").lower()
                )
            elif name == "Message":
                if element.get("nativeCode") is not None:
                    row["message_code"], row["message_text"] = (
                        element.get("nativeCode"),
                        element.text,
                    )
            elif name == "Fault":
                row["fault_code"], row["fault_text"] = element.get("nativeCode"), element.text
            elif name not in ("FunctionalMode", "Normal", "Warning", "Unavailable"):
                row[name] = element.text  # an unannounced data item: kept, lands in _extra
    rows: list[dict[str, Any]] = []
    stop_at: int | None = None
    for sequence in sorted(by_sequence):
        row = by_sequence[sequence]
        code, text = row.pop("message_code", None), row.pop("message_text", None)
        fault_code, fault_text = row.pop("fault_code", None), row.pop("fault_text", None)
        if row.get("state") == "unplanned_down":
            code, text = fault_code, fault_text
        row["reason_code"], row["reason_text"] = code, text
        if until is not None and _after(row.get("timestamp"), until):
            stop_at = sequence
            break
        rows.append(row)
    return rows, stop_at


def _after(timestamp: str | None, until: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(timestamp).replace("Z", "+00:00")) >= until
    except ValueError:
        return False  # an unparseable timestamp is loaded to quarantine, not skipped


def extract_states(
    session: SourceSession, base_url: str, window: Window, count: int = SAMPLE_COUNT
) -> Iterator[list[dict[str, Any]]]:
    url = base_url.rstrip("/") + MTCONNECT_PATH + "/sample"
    cursor = window.cursor or {}
    instance = cursor.get("instance_id")
    position: int | None = cursor.get("next_sequence")
    while True:
        params = {"count": count, **({"from": position} if position else {})}
        try:
            root = session.request(
                "GET", url, entity="machine_states", params=params, check=_check_sample
            )
        except OutOfRange as gap:
            log.warning(
                "mes.machine_states: cursor %s fell out of the agent buffer (%s); "
                "resuming at its first sequence",
                position,
                gap,
            )
            position = None
            continue
        header = root.find(f"{STREAMS_NS}Header")
        if header is None:
            raise RetryableError("MTConnectStreams without Header")
        header_instance = header.get("instanceId")
        if instance is not None and header_instance != str(instance):
            log.warning(
                "mes.machine_states: agent restarted (instanceId %s → %s); "
                "resuming at its first sequence",
                instance,
                header_instance,
            )
            instance, position = header_instance, None
            continue
        instance = header_instance
        with gc_paused():
            rows, stop_at = _rows(root, window.until)
        for row in rows:
            row["instance_id"] = instance
        if rows:
            yield rows
        next_sequence = int(header.get("nextSequence", "0"))
        last_sequence = int(header.get("lastSequence", "0"))
        position = stop_at or next_sequence
        window.next_cursor = {"instance_id": instance, "next_sequence": position}
        if stop_at is not None or next_sequence > last_sequence:
            return
