"""MTConnect agent client: /sample with sequence cursors, instanceId and OUT_OF_RANGE handling.

The cursor (instanceId, nextSequence, knownThrough) is stored with each batch, so a run
resumes where the last one stopped; `known_through` is the instant up to which every state
change of the agent has been read. A new instanceId means the agent restarted: its buffer
starts over, so reading resumes at its firstSequence; OUT_OF_RANGE means the cursor fell
out of the buffer: the same recovery. What the agent no longer has is gone, so the gap is
landed as data, never as silence (docs/sources/mes.md, "Gaps"): every device whose first
state after the recovery is later than `known_through` (or that has none yet) gets an
`unavailable` state at `known_through`, MTConnect's own value for "not known". It holds
until the device's next real state, so the unknown window is neither run time nor
downtime downstream. The duplicates a restart snapshot brings are removed by the key in
staging.

The next page is asked for while this one is parsed, when its raw document already shows
that the walk goes on from its `nextSequence` (`_next_from`).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import requests

from extractors._http.client import Window
from extractors._http.errors import ExtractError, RetryableError
from extractors._http.session import SourceSession, gc_paused
from extractors.mes.settings import (
    DEVICES_NS,
    EXECUTION_STATES,
    GAP_STATE,
    MTCONNECT_PATH,
    SAMPLE_COUNT,
    STREAMS_NS,
)

log = logging.getLogger("perfchain.extract.mes")
_ERROR_NS = "{urn:mtconnect.org:MTConnectError:1.8}"
_STREAMS = re.compile(rb"<MTConnectStreams\b")
_HEADER = re.compile(rb"<Header\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([A-Za-z]+)="([^"]*)"')
# A UTC timestamp's whole seconds (fractions and the Z are matched, not kept).
_UTC_SECONDS = re.compile(rb' timestamp="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?Z"')


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


def _received(response: requests.Response) -> requests.Response:
    """A /sample answer as it came: the document is parsed by the caller (`_check_sample`)
    while the next page is on its way. An error status is checked here, inside the
    retrying request, as before: `_check_sample` raises for every one."""
    if response.status_code >= 400:
        _check_sample(response)
    return response


def _next_from(body: bytes, instance: str | None, until: bytes | None) -> int | None:
    """The `from` of the page after this one, read off the raw document before it is
    parsed; None unless it is sure the walk goes on from there: a streams document of the
    same agent instance, more in the buffer, and no observation at or after `until`
    (`until`: whole UTC seconds, `YYYY-MM-DDTHH:MM:SS`, against which UTC timestamps
    compare as text). Anything unexpected is None: the next request then waits for the
    parse, as it always did.
    """
    if _STREAMS.search(body, 0, 4096) is None:
        return None
    header = _HEADER.search(body, 0, 4096)
    if header is None:
        return None
    attributes = dict(_ATTRIBUTE.findall(header.group(1)))
    try:
        next_sequence = int(attributes[b"nextSequence"])
        last_sequence = int(attributes[b"lastSequence"])
    except (KeyError, ValueError):
        return None
    if instance is not None and attributes.get(b"instanceId") != str(instance).encode():
        return None
    if next_sequence > last_sequence:
        return None
    if until is not None:
        seconds = _UTC_SECONDS.findall(body)
        if len(seconds) != body.count(b"timestamp="):  # some other form: not read here
            return None
        if seconds and max(seconds) >= until:
            return None
    return next_sequence


def _instant(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


def _device_uuids(response: requests.Response) -> list[str]:
    """The uuids of the agent's devices, from its /probe document."""
    if response.status_code >= 500:
        raise RetryableError(f"HTTP {response.status_code}")
    response.raise_for_status()
    try:
        root = ET.fromstring(response.content)
    except ET.ParseError as error:
        raise RetryableError(f"unreadable MTConnect document: {error}") from error
    return sorted({d.get("uuid") or "" for d in root.iter(f"{DEVICES_NS}Device")} - {""})


class Gap:
    """States the agent no longer has: from `start` (the instant every state change had
    been read through) to each device's first state read after the recovery."""

    def __init__(self, start: str, code: str, text: str, devices: list[str]) -> None:
        self.start = start
        self.code = code
        self.text = text
        self.pending = set(devices)  # devices whose first state since the gap is not read

    def marker(self, uuid: str, instance: str | None) -> dict[str, Any]:
        return {
            "mtconnect_uuid": uuid,
            "timestamp": self.start,
            "state": GAP_STATE,
            "reason_code": self.code,
            "reason_text": self.text,
            "instance_id": instance,
        }

    def resolve(self, rows: list[dict[str, Any]], instance: str | None) -> list[dict[str, Any]]:
        """Markers for the devices whose first state since the gap is in `rows`: one when
        that state is later than the gap's start (a state at or before it is one already
        read, so the device was known through the gap)."""
        markers = []
        start = _instant(self.start)
        for row in rows:
            uuid = row.get("mtconnect_uuid")
            if uuid not in self.pending:
                continue
            self.pending.discard(uuid)
            try:
                later = _instant(str(row.get("timestamp"))) > start
            except ValueError:
                later = True  # an unparseable first state says nothing about the gap
            if later:
                markers.append(self.marker(uuid, instance))
        return markers

    def close(self, instance: str | None) -> list[dict[str, Any]]:
        """Markers for the devices with no state since the gap: unknown until they have."""
        markers = [self.marker(uuid, instance) for uuid in sorted(self.pending)]
        self.pending.clear()
        return markers


def extract_states(
    session: SourceSession, base_url: str, window: Window, count: int = SAMPLE_COUNT
) -> Iterator[list[dict[str, Any]]]:
    url = base_url.rstrip("/") + MTCONNECT_PATH + "/sample"
    cursor = window.cursor or {}
    instance = cursor.get("instance_id")
    position: int | None = cursor.get("next_sequence")
    # Where the walk was before `retry_cursor` moved it back to quarantined states.
    resume: int | None = cursor.get("resume_sequence")
    # Every state change up to this instant has been read (None: nothing read yet).
    known_through: str | None = cursor.get("known_through")
    if known_through is None and instance is not None and window.since is not None:
        # A cursor stored before `known_through` was: the window's start is read for sure.
        known_through = _utc_text(window.since)
    gap: Gap | None = None
    until = (
        window.until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S").encode()
        if window.until is not None
        else None
    )

    def fetch(start: int | None, check: Any = _received) -> Any:
        params = {"count": count, **({"from": start} if start else {})}
        return session.request("GET", url, entity="machine_states", params=params, check=check)

    def open_gap(code: str, text: str) -> list[dict[str, Any]]:
        """Record a gap from `known_through`; a gap still open ends here for the devices
        it had not resolved (unknown since its own start)."""
        nonlocal gap
        if gap is not None and gap.start == known_through:
            # Nothing read since the gap opened: the same gap seen twice (a restarted agent
            # answers the old cursor OUT_OF_RANGE, then shows its new instanceId).
            gap.code, gap.text = code, f"{gap.text}; {text}"
            log.warning("mes.machine_states: %s", text)
            return []
        closed = gap.close(instance) if gap is not None else []
        if known_through is None:  # nothing was ever read: no known state to lose
            gap = None
            return closed
        probe = base_url.rstrip("/") + MTCONNECT_PATH + "/probe"
        devices = session.request("GET", probe, entity="machine_states", check=_device_uuids)
        log.warning(
            "mes.machine_states: %s; machine states after %s are unknown until each "
            "device's next state",
            text,
            known_through,
        )
        gap = Gap(known_through, code, text, devices)
        return closed

    markers: list[dict[str, Any]] = []

    # The next page is fetched on a thread of its own while this one is parsed: for the
    # 131,072 states at scale m the agent took 0.17 s a page to answer and the parse 0.11 s,
    # one after the other until then. Still one request at a time on the session.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mtconnect next page") as pool:
        ahead: tuple[int, Future[Any]] | None = None
        while True:
            try:
                if ahead is not None and ahead[0] == position:
                    response = ahead[1].result()
                else:
                    if ahead is not None:  # not the page asked for: let it finish, unused
                        ahead[1].exception()
                    response = fetch(position)
                ahead = None
                following = _next_from(response.content, instance, until)
                if following is not None:
                    ahead = (following, pool.submit(fetch, following))
                try:
                    root = _check_sample(response)
                except RetryableError:  # unreadable: asked for again, checked as it comes
                    if ahead is not None:
                        ahead[1].exception()
                    root = fetch(position, check=_check_sample)
            except OutOfRange as error:
                if resume is not None and position is not None and position < resume:
                    # The quarantined states left the buffer: the agent cannot send them
                    # again. Not a gap in what is new: read on from where the walk was.
                    log.warning(
                        "mes.machine_states: quarantined states from sequence %s are no "
                        "longer in the agent buffer (%s); resumed at %s",
                        position,
                        error,
                        resume,
                    )
                    window.retry_missed = True
                    position, resume = resume, None
                    continue
                if position is None:  # the agent's own first sequence refused: no recovery
                    raise ExtractError(
                        "mes", "machine_states", url, f"OUT_OF_RANGE: {error}"
                    ) from error
                markers += open_gap(
                    "OUT_OF_RANGE",
                    f"cursor {position} fell out of the agent buffer ({error}); "
                    "resumed at its first sequence",
                )
                position = None
                continue
            header = root.find(f"{STREAMS_NS}Header")
            if header is None:
                raise RetryableError("MTConnectStreams without Header")
            header_instance = header.get("instanceId")
            if instance is not None and header_instance != str(instance):
                old_instance, instance = instance, header_instance
                markers += open_gap(
                    "AGENT_RESTART",
                    f"agent restarted (instanceId {old_instance} → {header_instance}); "
                    "resumed at its first sequence",
                )
                position = None
                continue
            instance = header_instance
            with gc_paused():
                rows, stop_at = _rows(root, window.until)
            for row in rows:
                row["instance_id"] = instance
            if gap is not None:
                markers += gap.resolve(rows, instance)
            if rows:
                known_through = _latest(known_through, rows)
            next_sequence = int(header.get("nextSequence", "0"))
            last_sequence = int(header.get("lastSequence", "0"))
            done = stop_at is not None or next_sequence > last_sequence
            if done and gap is not None:
                markers += gap.close(instance)
            if rows or markers:
                yield rows + markers
                markers = []
            if done and window.until is not None:
                # Read to the window's end (or to the end of the buffer, after it): every
                # state change before `until` is in.
                known_through = _later(known_through, _utc_text(window.until))
            position = stop_at or next_sequence
            window.next_cursor = {
                "instance_id": instance,
                "next_sequence": position,
                "known_through": known_through,
            }
            if done:
                return


def retry_cursor(cursor: dict[str, Any], payloads: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A cursor that reads the quarantined states (`payloads`, as landed) again: from the
    oldest of their sequences, when they came from the agent instance the cursor is on
    (a restarted agent has renumbered its sequences and no longer has them). The walk
    then reads on to the window's end; what it had already read lands again and staging
    keeps each state once. None when no quarantined state can be asked for again."""
    sequences = [
        payload["sequence"]
        for payload in payloads
        if isinstance(payload.get("sequence"), int)
        and str(payload.get("instance_id")) == str(cursor.get("instance_id"))
    ]
    position = cursor.get("next_sequence")
    if not sequences or not isinstance(position, int) or min(sequences) >= position:
        return None
    return {**cursor, "next_sequence": min(sequences), "resume_sequence": position}


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _later(current: str | None, candidate: str) -> str:
    if current is None:
        return candidate
    try:
        return candidate if _instant(candidate) > _instant(current) else current
    except ValueError:
        return candidate


def _latest(current: str | None, rows: list[dict[str, Any]]) -> str | None:
    """The latest parseable state timestamp of `rows`, or `current` if that is later."""
    for row in rows:
        stamp = row.get("timestamp")
        if isinstance(stamp, str):
            try:
                _instant(stamp)
            except ValueError:
                continue  # quarantined downstream; it moves nothing
            current = _later(current, stamp)
    return current
