"""Fault plans: which request to a source fails, and how.

Grammar (docs/simulator.md): comma-separated faults, each
``source:kind[@n][xTIMES][:key=value[;key=value...]]``, for example
``crm:rate_limit@2``, ``erp:server_error@3x2``, ``mes:slow@1:seconds=3``,
``qms:token_expiry@2x*`` (``*`` = every matching request from the n-th on).

``@n`` is 1-based and counts the source's requests from the moment the fault is armed
(server start for ``--faults``), leaving out authentication requests (token, regist,
applytoken) so that ``@2`` means "the second data call". ``match=<text>`` counts only
requests whose path contains the text instead, authentication requests included.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from extractors.contract import SOURCES

KINDS: dict[str, str] = {
    "rate_limit": "the source's rate-limit response",
    "server_error": "the source's internal-error response (HTTP 500 or its envelope)",
    "unavailable": "HTTP 503 from the gateway in front of the source",
    "slow": "answer after `seconds` (default 5) seconds, past a client timeout",
    "truncated": "HTTP 200 whose body stops halfway (Content-Length not met, connection closed)",
    "malformed": "HTTP 200 whose body is not valid JSON/XML",
    "duplicate": "the page also carries a record that another page carries",
    "invalid_field": "one record of the page has an unparseable value (`field` to choose)",
    "new_field": "every record of the page has an unannounced field (`name`, `value`)",
    "token_expiry": "the token presented is revoked now: the source's auth error",
    "agent_restart": "the MTConnect agent restarts: new instanceId, sequences renumbered",
}

_SPEC = re.compile(
    r"^(?P<source>[a-z]+):(?P<kind>[a-z_]+)"
    r"(?:@(?P<at>\d+))?(?:x(?P<times>\d+|\*))?(?::(?P<params>.*))?$"
)


def _value(text: str) -> Any:
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


class Fault:
    """One armed fault; ``times=None`` means every matching request from ``at`` on."""

    def __init__(
        self, source: str, kind: str, at: int = 1, times: int | None = 1, **params: Any
    ) -> None:
        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r} (one of {', '.join(SOURCES)})")
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(KINDS)})")
        if kind == "agent_restart" and source != "mes":
            raise ValueError("agent_restart applies to the mes source (the MTConnect agent)")
        if at < 1 or (times is not None and times < 1):
            raise ValueError("fault positions are 1-based and times must be at least 1")
        self.source = source
        self.kind = kind
        self.at = at
        self.times = times
        self.params = params
        self.seen = 0  # matching requests since armed
        self.fired = 0

    def matches(self, path: str, is_auth: bool) -> bool:
        match = self.params.get("match")
        if match is not None:
            return str(match) in path
        return not is_auth

    def due(self) -> bool:
        if self.seen < self.at:
            return False
        return self.times is None or self.seen < self.at + self.times

    def spec(self) -> str:
        text = f"{self.source}:{self.kind}@{self.at}"
        text += "x*" if self.times is None else (f"x{self.times}" if self.times != 1 else "")
        if self.params:
            text += ":" + ";".join(f"{k}={v}" for k, v in self.params.items())
        return text

    def to_dict(self) -> dict[str, Any]:
        return {"spec": self.spec(), "seen": self.seen, "fired": self.fired}

    def __repr__(self) -> str:
        return f"Fault({self.spec()!r})"


def parse_fault(text: str) -> Fault:
    found = _SPEC.match(text.strip())
    if not found:
        raise ValueError(
            f"bad fault {text!r}: expected source:kind[@n][xTIMES][:key=value;...], "
            "e.g. crm:rate_limit@2 or erp:server_error@3x2"
        )
    params: dict[str, Any] = {}
    for item in filter(None, (found["params"] or "").split(";")):
        name, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"bad fault parameter {item!r} in {text!r}: expected key=value")
        params[name.strip()] = _value(value.strip())
    times: int | None = 1
    if found["times"] == "*":
        times = None
    elif found["times"]:
        times = int(found["times"])
    return Fault(found["source"], found["kind"], int(found["at"] or 1), times, **params)


def parse_faults(spec: str | None) -> list[Fault]:
    return [parse_fault(part) for part in (spec or "").split(",") if part.strip()]


class FaultPlan:
    """The armed faults; at most one fires per request (the first armed that is due)."""

    def __init__(self, spec: str | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        if spec:
            self.add(spec)

    def add(self, fault: Fault | str) -> FaultPlan:
        new = parse_faults(fault) if isinstance(fault, str) else [fault]
        with self._lock:
            self._faults.extend(new)
        return self

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, source: str, path: str, is_auth: bool) -> Fault | None:
        """Count this request against every fault of the source; return the one that fires."""
        fired: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.source != source or not fault.matches(path, is_auth):
                    continue
                fault.seen += 1
                if fired is None and fault.due():
                    fault.fired += 1
                    fired = fault
        return fired

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def to_list(self) -> list[dict[str, Any]]:
        return [fault.to_dict() for fault in self]
