"""MTConnect /sample walk: the next page is asked for while this one is parsed, and only
when the raw document shows the walk goes on (`_next_from`)."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from extractors._http.client import Window
from extractors.mes import mtconnect

UNTIL = datetime(2026, 1, 31, 16, 0, tzinfo=UTC)
UNTIL_TEXT = b"2026-01-31T16:00:00"


def _doc(first: int, count: int, last: int, *, instance: str = "7", stamp: str = "") -> bytes:
    """A streams document holding states `first … first+count-1` of a buffer ending at
    `last`; every state at `stamp` (default: one minute apart, well before UNTIL)."""
    streams = []
    for sequence in range(first, first + count):
        at = stamp or f"2026-01-31T08:{sequence % 60:02d}:00Z"
        streams.append(
            f'<DeviceStream name="M01" uuid="mill-1"><ComponentStream component="Controller">'
            f'<Events><Execution dataItemId="M01_exec" timestamp="{at}" sequence="{sequence}">'
            f"ACTIVE</Execution></Events></ComponentStream></DeviceStream>"
        )
    return (
        f'<MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:1.8"><Header '
        f'creationTime="2026-02-01T00:00:00Z" instanceId="{instance}" firstSequence="1" '
        f'lastSequence="{last}" nextSequence="{first + count}"/><Streams>'
        + "".join(streams)
        + "</Streams></MTConnectStreams>"
    ).encode()


class _Agent:
    """Stands in for the agent's session: answers each `from` with a canned document and
    notes what was asked, in order."""

    def __init__(self, pages: dict[int | None, bytes]) -> None:
        self.pages = pages
        self.asked: list[int | None] = []
        self.changed = threading.Condition()

    def request(self, method: str, url: str, *, entity: str, params: dict, check: Any) -> Any:
        start = params.get("from")
        with self.changed:
            self.asked.append(start)
            self.changed.notify_all()
        # A response as requests' adapter builds one: its public fields and a raw body.
        response = requests.Response()
        response.status_code, response.raw, response.url = 200, io.BytesIO(self.pages[start]), url
        return check(response)

    def wait_for(self, start: int, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: start in self.asked, timeout)


def _walk(agent: _Agent, until: datetime | None = None) -> list[int]:
    window = Window(until=until)
    pages = mtconnect.extract_states(agent, "http://agent", window, count=3)  # type: ignore[arg-type]
    return [row["sequence"] for page in pages for row in page]


def test_the_next_page_is_asked_for_while_this_one_is_parsed(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    agent = _Agent({None: _doc(1, 3, 8), 4: _doc(4, 3, 8), 7: _doc(7, 2, 8)})
    parse = mtconnect._check_sample
    asked_while_parsing: list[bool] = []

    def parse_after_the_next_request(response):  # type: ignore[no-untyped-def]
        following = int(response.content.split(b'nextSequence="')[1].split(b'"')[0])
        if following <= 8:  # without the read-ahead nobody asks while this waits
            asked_while_parsing.append(agent.wait_for(following, timeout=2))
        return parse(response)

    monkeypatch.setattr(mtconnect, "_check_sample", parse_after_the_next_request)
    assert _walk(agent) == list(range(1, 9))
    assert asked_while_parsing == [True, True]
    assert agent.asked == [None, 4, 7]


def test_no_page_is_asked_for_past_the_one_that_reaches_until() -> None:
    agent = _Agent(
        {
            None: _doc(1, 3, 9),
            4: _doc(4, 3, 9, stamp="2026-01-31T16:00:00.250Z"),  # reaches `until`
            7: _doc(7, 3, 9),
        }
    )
    assert _walk(agent, UNTIL) == [1, 2, 3]
    assert agent.asked == [None, 4]


def test_a_garbled_page_is_asked_for_again_and_the_walk_goes_on() -> None:
    good = _doc(4, 3, 8)
    garbled = good[: len(good) // 2] + b"\x00<<garbled>>" + good[len(good) // 2 :]
    agent = _Agent({None: _doc(1, 3, 8), 7: _doc(7, 2, 8)})
    answers = iter([garbled, good])
    request = agent.request

    def second_answer_good(method, url, *, entity, params, check):  # type: ignore[no-untyped-def]
        if params.get("from") == 4:
            agent.pages[4] = next(answers)
        return request(method, url, entity=entity, params=params, check=check)

    agent.request = second_answer_good  # type: ignore[method-assign]
    assert _walk(agent) == list(range(1, 9))
    assert agent.asked == [None, 4, 7, 4]  # page 7 went out before page 4 was found garbled


@pytest.mark.parametrize(
    ("body", "instance", "expected"),
    [
        (_doc(1, 3, 9), None, 4),
        (_doc(1, 3, 9), "7", 4),
        (_doc(1, 3, 9), "8", None),  # another agent instance: restarted
        (_doc(1, 3, 3), None, None),  # the buffer's end
        (_doc(1, 3, 9, stamp="2026-01-31T15:59:59.999Z"), None, 4),
        (_doc(1, 3, 9, stamp="2026-01-31T16:00:00Z"), None, None),  # at `until`
        (_doc(1, 3, 9, stamp="2026-02-01T00:00:00+08:00"), None, None),  # not UTC: not read
        (_doc(1, 3, 9).replace(b'timestamp="', b"timestamp='", 1), None, None),
        (
            b'<MTConnectError xmlns="urn:mtconnect.org:MTConnectError:1.8"><Header '
            b'instanceId="7" lastSequence="9" nextSequence="4"/></MTConnectError>',
            None,
            None,
        ),
        (b"\x00garbage", None, None),
    ],
    ids=[
        "goes-on",
        "same-instance",
        "other-instance",
        "end-of-buffer",
        "just-before-until",
        "at-until",
        "offset-time",
        "single-quoted",
        "error-document",
        "garbage",
    ],
)
def test_next_from_reads_the_raw_document(body: bytes, instance: str | None, expected) -> None:  # type: ignore[no-untyped-def]
    assert mtconnect._next_from(body, instance, UNTIL_TEXT) == expected
