"""Our plant REST APIs (MES production data, QMS, WMS/TMS, HR): one protocol, four sources.

Bearer token from `POST {base}/auth/token` (client credentials); lists at
`GET {base}/api/v1/<resource>?updated_since=&updated_until=&limit=&cursor=` answering
`{"data": [...], "next_cursor": ..., "has_more": ...}`, or NDJSON with the cursor in
headers, which the client asks for first and lands without parsing (`NdjsonPage`); a
server that only speaks JSON is read as JSON. See docs/sources/qms.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import requests

from extractors._http.client import NDJSON, Page, Window, iso_utc, ndjson_page
from extractors._http.errors import ExtractError, RetryableError, TokenExpired
from extractors._http.session import (
    HttpSourceClient,
    RetryPolicy,
    SourceSession,
    client_credentials,
    parse_json,
)
from extractors.contract import Entity


class RestApiClient(HttpSourceClient):
    def __init__(
        self,
        source: str,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        page_size: int = 50_000,
        policy: RetryPolicy | None = None,
        ndjson: bool = True,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self.page_size = page_size
        # NDJSON preferred, JSON accepted: the server's Content-Type says which came.
        self.accept = f"{NDJSON}, application/json;q=0.5" if ndjson else "application/json"
        self.session = SourceSession(
            source, policy or RetryPolicy(), authenticate=self._authenticate
        )

    def _authenticate(self, session: SourceSession) -> None:
        body = client_credentials(
            session,
            f"{self.base_url}/auth/token",
            self._client_id,
            self._client_secret,
            self._check_token,
        )
        session.auth_headers = {"Authorization": f"Bearer {body['access_token']}"}

    def _check_token(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code in (400, 401):
            raise ExtractError(
                self.source,
                "auth",
                f"POST {self.base_url}/auth/token",
                f"credentials refused (HTTP {response.status_code}); check "
                f"PERFCHAIN_{self.source.upper()}_CLIENT_ID / _CLIENT_SECRET",
            )
        response.raise_for_status()
        body = parse_json(response)
        if "access_token" not in body:
            raise RetryableError("token response without access_token")
        return body

    @staticmethod
    def _check_page(response: requests.Response) -> tuple[Page, str | None, bool]:
        """(records, next cursor, has more) of one list answer, NDJSON or JSON."""
        if response.status_code == 401:
            raise TokenExpired("HTTP 401 invalid_token")
        response.raise_for_status()
        if response.headers.get("Content-Type", "").split(";")[0].strip() == NDJSON:
            has_more = response.headers.get("X-Has-More", "").strip().lower()
            if has_more not in ("true", "false"):
                raise RetryableError("NDJSON page without X-Has-More: true|false")
            cursor = response.headers.get("X-Next-Cursor") or None
            return ndjson_page(response.content), cursor, has_more == "true"
        body = parse_json(response)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise RetryableError("page body is not {data: [...]}")
        return body["data"], body.get("next_cursor"), bool(body.get("has_more"))

    def extract(self, entity: Entity, window: Window) -> Iterator[Page]:
        url = f"{self.base_url}/api/v1/{entity.protocol_name}"
        params: dict[str, Any] = {"limit": self.page_size}
        if window.since is not None:
            params["updated_since"] = iso_utc(window.since)
        if window.until is not None:
            params["updated_until"] = iso_utc(window.until)
        if window.since and window.until and window.since >= window.until:
            return
        cursor: str | None = None
        while True:
            page_params = {**params, **({"cursor": cursor} if cursor else {})}
            records, cursor, has_more = self.session.request(
                "GET",
                url,
                entity=entity.name,
                params=page_params,
                headers={"Accept": self.accept},
                check=self._check_page,
            )
            if len(records):
                yield records
            if not has_more:
                return
            if not cursor:  # more promised, no way to ask for it: never end a walk quietly
                raise ExtractError(
                    self.source,
                    entity.name,
                    f"GET {url}",
                    "the page says there is more but gives no cursor to ask for it",
                )
