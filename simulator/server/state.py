"""What one running simulator knows: dataset, clock, faults, tokens and its request log."""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from simulator.server.clock import as_of_moment, utc_iso
from simulator.server.credentials import Credentials, TokenStore
from simulator.server.faults import FaultPlan
from simulator.server.store import DataStore

DEFAULT_BUFFER_SIZE = 131072


@dataclass
class LoggedRequest:
    """One request as the simulator saw it (``request_log`` items; also dict-like)."""

    source: str
    method: str
    path: str
    query: dict[str, str]
    status: int
    records: int = 0
    fault: str | None = None
    at: float = field(default_factory=time.time)

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AgentState:
    """The MTConnect agent's instance: a restart starts a new one (see mtconnect.py)."""

    instance_id: int
    # After a restart the buffer starts with a snapshot of each device's current row
    # (machine_states row indexes), followed by the rows from `start_row` on.
    snapshot: list[int] = field(default_factory=list)
    start_row: int = 0


class SimState:
    def __init__(
        self,
        store: DataStore,
        *,
        faults: FaultPlan | None = None,
        credentials: Credentials | None = None,
        as_of: date | datetime | None = None,
        buffer_size: int = DEFAULT_BUFFER_SIZE,
    ) -> None:
        self.store = store
        self.faults = faults if faults is not None else FaultPlan()
        self.credentials = credentials or Credentials()
        self.tokens = TokenStore()
        self.buffer_size = buffer_size
        self.log: list[LoggedRequest] = []
        self._lock = threading.Lock()
        self._initial_instance = int(time.time())
        self.agent = AgentState(self._initial_instance)
        self._as_of = store.default_as_of
        if as_of is not None:
            self.set_as_of(as_of)
        # Salesforce's Sforce-Limit-Info counts API calls of the (simulated) day.
        self.crm_api_usage = 0
        # Weaver registrations survive a reset, as an app registration does in e-cology.
        self.oa_secrits: set[str] = set()
        self.oa_private_key: Any = None  # the e-cology server RSA key, made on first use
        # Main-table fields of requests created through doCreateRequest beyond the columns
        # the dataset has (oa.py): requestId -> fieldName -> fieldValue.
        self.oa_created_fields: dict[str, dict[str, str]] = {}

    @property
    def as_of(self) -> datetime:
        return self._as_of

    def set_as_of(self, value: date | datetime | None) -> None:
        self._as_of = (
            self.store.default_as_of if value is None else as_of_moment(value, self.store.tz)
        )

    def record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self.log.append(entry)

    def restart_agent(self, snapshot: list[int], start_row: int) -> None:
        with self._lock:
            self.agent = AgentState(self.agent.instance_id + 1, snapshot, start_row)

    def reset(self) -> None:
        """No faults, empty log, default as-of, every token revoked, agent as at start,
        and the records written through the APIs (OA requests created) gone."""
        self.faults.clear()
        with self._lock:
            self.log.clear()
            self.agent = AgentState(self._initial_instance)
            self.crm_api_usage = 0
            self.oa_created_fields.clear()
        self.store.drop_appended()
        self.tokens.revoke_all()
        self._as_of = self.store.default_as_of

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "as_of": utc_iso(self.as_of),
            "default_as_of": utc_iso(self.store.default_as_of),
            "faults": self.faults.to_list(),
            "requests": len(self.log),
            "mtconnect_instance_id": self.agent.instance_id,
            **self.store.health(),
        }
