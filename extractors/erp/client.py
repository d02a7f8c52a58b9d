"""Yonyou U8+ OpenAPI: token from app key/secret, page_index paging, errcode envelope.

Every answer is HTTP 200; failure is a non-"0" errcode. There is no published code table,
so a message naming the token (令牌/token) means "authenticate again", anything else is
retried and then reported with its errcode and errmsg.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests

from extractors._http.client import Window
from extractors._http.errors import ExtractError, RetryableError, TokenExpired
from extractors._http.session import HttpSourceClient, RetryPolicy, SourceSession, parse_json
from extractors.contract import Entity
from extractors.erp.settings import ROWS_PER_PAGE, TIMESTAMP_FORMAT, TOKEN_PATH

SOURCE = "erp"
_LINES = "sale_order_lines"  # served nested in saleorder as `entry`


def _is_token_error(errmsg: str) -> bool:
    lowered = errmsg.lower()
    return "令牌" in errmsg or "token" in lowered


class U8Client(HttpSourceClient):
    source = SOURCE

    def __init__(
        self,
        base_url: str,
        app_key: str,
        app_secret: str,
        *,
        from_account: str = "perfchain",
        to_account: str = "",
        ds_sequence: int = 1,
        rows_per_page: int = ROWS_PER_PAGE,
        plant_tz: str = "Asia/Shanghai",
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._app_key = app_key
        self._app_secret = app_secret
        self.from_account = from_account
        self.to_account = to_account or from_account
        self.ds_sequence = ds_sequence
        self.rows_per_page = rows_per_page
        self.tz = ZoneInfo(plant_tz)
        self.session = SourceSession(
            SOURCE, policy or RetryPolicy(), authenticate=self._authenticate
        )

    def _authenticate(self, session: SourceSession) -> None:
        body = session.request(
            "GET",
            self.base_url + TOKEN_PATH,
            entity="auth",
            authenticated=False,
            params={
                "from_account": self.from_account,
                "app_key": self._app_key,
                "app_secret": self._app_secret,
            },
            check=self._check_token,
        )
        session.auth_params = {
            "from_account": self.from_account,
            "to_account": self.to_account,
            "app_key": self._app_key,
            "token": body["token"]["id"],
            "ds_sequence": str(self.ds_sequence),
        }

    def _check_token(self, response: requests.Response) -> dict[str, Any]:
        body = _envelope(response)
        if body.get("errcode") != "0":
            raise ExtractError(
                SOURCE,
                "auth",
                f"GET {self.base_url}{TOKEN_PATH}",
                f"U8 refused the app credentials: errcode {body.get('errcode')} "
                f"{body.get('errmsg', '')}; check PERFCHAIN_ERP_APP_KEY / PERFCHAIN_ERP_APP_SECRET",
            )
        if not isinstance(body.get("token"), dict) or "id" not in body["token"]:
            raise RetryableError("token response without token.id")
        return body

    @staticmethod
    def _check_page(response: requests.Response) -> dict[str, Any]:
        body = _envelope(response)
        errcode = str(body.get("errcode"))
        if errcode != "0":
            errmsg = str(body.get("errmsg", ""))
            if _is_token_error(errmsg):
                raise TokenExpired(f"errcode {errcode}: {errmsg}")
            raise RetryableError(f"errcode {errcode}: {errmsg}")
        return body

    def _local(self, moment: datetime) -> str:
        return moment.astimezone(self.tz).strftime(TIMESTAMP_FORMAT)

    def extract(self, entity: Entity, window: Window) -> Iterator[list[dict[str, Any]]]:
        if window.since and window.until and window.since >= window.until:
            return
        name = "saleorder" if entity.name == _LINES else entity.protocol_name
        url = f"{self.base_url}/api/{name}list/batch_get"
        list_key = f"{name}list"
        params: dict[str, Any] = {"rows_per_page": self.rows_per_page}
        if window.since is not None:
            params["timestamp_begin"] = self._local(window.since)
        if window.until is not None:
            params["timestamp_end"] = self._local(window.until)
        page_index, page_count = 1, 1
        while page_index <= page_count:
            body = self.session.request(
                "GET",
                url,
                entity=entity.name,
                params={**params, "page_index": page_index},
                check=self._check_page,
            )
            rows = body.get(list_key)
            if not isinstance(rows, list):
                raise RetryableError(f"page {page_index} without {list_key}")
            page_count = int(body.get("page_count") or 0)
            records = _flatten(entity.name, rows)
            if records:
                yield records
            page_index += 1


def _flatten(entity_name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sale orders come with their lines nested; each lands as its own entity."""
    if entity_name == _LINES:
        return [
            {"code": row.get("code"), **line} for row in rows for line in row.get("entry") or []
        ]
    if entity_name == "sale_orders":
        return [{key: value for key, value in row.items() if key != "entry"} for row in rows]
    return rows


def _envelope(response: requests.Response) -> dict[str, Any]:
    response.raise_for_status()
    body = parse_json(response)
    if not isinstance(body, dict) or "errcode" not in body:
        raise RetryableError("response without the errcode envelope")
    return body
