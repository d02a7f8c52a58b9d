"""MES: machine states from the MTConnect agent, production data from our REST API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from extractors._http.client import Page, Window
from extractors._http.rest import RestApiClient
from extractors._http.session import RetryPolicy, SourceSession
from extractors.contract import Entity
from extractors.mes.mtconnect import extract_states, retry_cursor
from extractors.mes.settings import SAMPLE_COUNT


class MesClient:
    source = "mes"

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        page_size: int = 50_000,
        sample_count: int = SAMPLE_COUNT,
        policy: RetryPolicy | None = None,
    ) -> None:
        policy = policy or RetryPolicy()
        self.base_url = base_url
        self.sample_count = sample_count
        self.rest = RestApiClient(
            "mes", base_url, client_id, client_secret, page_size=page_size, policy=policy
        )
        # The agent needs no token (MTConnect agents are read-only and usually open).
        self.agent = SourceSession("mes", policy)

    @property
    def requests_made(self) -> int:
        return self.rest.requests_made + self.agent.requests_made

    def retry_cursor(
        self, entity: Entity, cursor: dict[str, Any], payloads: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        """The runner's way to read quarantined machine states again (see Window)."""
        if entity.name != "machine_states":
            return None
        return retry_cursor(cursor, payloads)

    def extract(self, entity: Entity, window: Window) -> Iterator[Page]:
        if entity.name == "machine_states":
            return extract_states(self.agent, self.base_url, window, self.sample_count)
        return self.rest.extract(entity, window)
