"""Salesforce REST: OAuth2 client credentials, SOQL over queryAll, nextRecordsUrl paging.

queryAll (not query) so that deleted records come back with IsDeleted = true and staging
can drop them; incremental on SystemModstamp, which also moves for automated changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from extractors._http.client import Window, iso_utc
from extractors._http.errors import ExtractError, RetryableError, TokenExpired
from extractors._http.session import (
    HttpSourceClient,
    RetryPolicy,
    SourceSession,
    client_credentials,
    parse_json,
)
from extractors.contract import Entity
from extractors.crm.settings import API_VERSION, BATCH_SIZE, TOKEN_PATH

SOURCE = "crm"


def build_soql(entity: Entity, window: Window) -> str:
    fields = ", ".join(entity.columns)
    where = []
    if window.since is not None:
        where.append(f"SystemModstamp > {iso_utc(window.since)}")  # SOQL literals: unquoted
    if window.until is not None:
        where.append(f"SystemModstamp < {iso_utc(window.until)}")  # the plant day ends before
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f"SELECT {fields} FROM {entity.protocol_name}{clause} ORDER BY SystemModstamp, Id"


class SalesforceClient(HttpSourceClient):
    source = SOURCE

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        api_version: str = API_VERSION,
        batch_size: int = BATCH_SIZE,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.batch_size = batch_size
        self._client_id = client_id
        self._client_secret = client_secret
        self.instance_url = self.base_url
        self.session = SourceSession(
            SOURCE, policy or RetryPolicy(), authenticate=self._authenticate
        )

    def _authenticate(self, session: SourceSession) -> None:
        body = client_credentials(
            session,
            self.base_url + TOKEN_PATH,
            self._client_id,
            self._client_secret,
            self._check_token,
        )
        self.instance_url = body.get("instance_url", self.base_url).rstrip("/")
        session.auth_headers = {"Authorization": f"Bearer {body['access_token']}"}

    def _check_token(self, response: requests.Response) -> dict[str, Any]:
        if response.status_code == 400:
            raise ExtractError(
                SOURCE,
                "auth",
                f"POST {self.base_url}{TOKEN_PATH}",
                f"Salesforce refused the credentials ({response.text[:200]}); check "
                "PERFCHAIN_CRM_CLIENT_ID / PERFCHAIN_CRM_CLIENT_SECRET",
            )
        response.raise_for_status()
        return parse_json(response)

    @staticmethod
    def _check_page(response: requests.Response) -> dict[str, Any]:
        if response.status_code in (400, 401, 403, 404):
            errors = _sf_errors(response)
            code = errors[0].get("errorCode", "") if errors else ""
            message = (
                errors[0].get("message", response.text[:200]) if errors else response.text[:200]
            )
            if response.status_code == 401 or code == "INVALID_SESSION_ID":
                raise TokenExpired(message)
            if code == "REQUEST_LIMIT_EXCEEDED":
                # Salesforce documents no Retry-After: back off; the run fails if it persists.
                raise RetryableError(f"REQUEST_LIMIT_EXCEEDED: {message}")
            raise ExtractError(
                SOURCE, "query", response.url, f"HTTP {response.status_code} {code}: {message}"
            )
        response.raise_for_status()
        body = parse_json(response)
        if not isinstance(body, dict) or "records" not in body or "done" not in body:
            raise RetryableError("query response without records/done")
        return body

    def _absolute(self, next_url: str) -> str:
        """nextRecordsUrl is a path on the instance host; keep the instance's path prefix."""
        parts = urlsplit(self.instance_url)
        root = f"{parts.scheme}://{parts.netloc}"
        prefix = parts.path.rstrip("/")
        if prefix and not next_url.startswith(prefix + "/"):
            return root + prefix + next_url
        return root + next_url

    def extract(self, entity: Entity, window: Window) -> Iterator[list[dict[str, Any]]]:
        if window.since and window.until and window.since >= window.until:
            return
        self.session.ensure_auth()
        url = f"{self.instance_url}/services/data/v{self.api_version}/queryAll"
        params: dict[str, str] | None = {"q": build_soql(entity, window)}
        headers = {"Sforce-Query-Options": f"batchSize={self.batch_size}"}
        while True:
            body = self.session.request(
                "GET",
                url,
                entity=entity.name,
                params=params,
                headers=headers,
                check=self._check_page,
            )
            records = [
                {key: value for key, value in record.items() if key != "attributes"}
                for record in body["records"]
            ]
            if records:
                yield records
            if body.get("done", True) or not body.get("nextRecordsUrl"):
                return
            url, params = self._absolute(body["nextRecordsUrl"]), None


def _sf_errors(response: requests.Response) -> list[dict[str, Any]]:
    try:
        body = parse_json(response)
    except ValueError:
        return []
    return body if isinstance(body, list) else [body] if isinstance(body, dict) else []
