"""Weaver e-cology 9: RSA app registration → token, paged workflow lists by operate date.

Auth: register once (our RSA public key `cpk` → `secrit` + server key `spk`), then apply
for a token with `secret` = RSA(spk, secrit); every call carries appid, token and
`userid` = RSA(spk, OA user id). Failures are HTTP 200 with `status: false`; a token
timeout re-applies for a token. The list answers a bare JSON array; the operate-date
filter has day granularity, so each run re-reads whole days and staging keeps the latest
version of each request. Main-table fields and handler logs come from the request detail:
inline when the server offers it (`includeDetail`, a simulator extension), otherwise one
`getWorkflowRequest` call per request, as on a stock e-cology.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from extractors._http.client import Window
from extractors._http.errors import ExtractError, RetryableError, TokenExpired
from extractors._http.session import HttpSourceClient, RetryPolicy, SourceSession, parse_json
from extractors.contract import Entity
from extractors.oa.settings import (
    CREATE_PATH,
    DETAIL_PATH,
    LIST_PATH,
    PAGE_SIZE,
    REGIST_PATH,
    TOKEN_PATH,
    TOKEN_SECONDS,
)

SOURCE = "oa"
_BASE_INFO = ("workflowId", "workflowName", "workflowTypeName")


class WeaverClient(HttpSourceClient):
    source = SOURCE

    def __init__(
        self,
        base_url: str,
        appid: str,
        *,
        user_id: str = "1",
        page_size: int = PAGE_SIZE,
        plant_tz: str = "Asia/Shanghai",
        policy: RetryPolicy | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._appid = appid
        self._user_id = user_id
        self.page_size = page_size
        self.tz = ZoneInfo(plant_tz)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server_key: rsa.RSAPublicKey | None = None
        self._secrit: str | None = None
        self.session = SourceSession(
            SOURCE, policy or RetryPolicy(), authenticate=self._authenticate
        )
        # Creating a request is not idempotent (e-cology has no request key): an answer
        # lost after the server acted must not be retried blindly, so writes go out once,
        # on a session of their own with the same auth, and are retried by their caller
        # after looking for the request (`find_requests`, alerts/tasks.py).
        self.write_session = SourceSession(
            SOURCE,
            replace(self.session.policy, max_attempts=1),
            authenticate=self._authenticate,
            http=self.session.http,
        )

    # -- auth -----------------------------------------------------------------------------
    def _encrypt(self, text: str) -> str:
        assert self._server_key is not None
        return base64.b64encode(
            self._server_key.encrypt(text.encode(), padding.PKCS1v15())
        ).decode()

    def _register(self, session: SourceSession) -> None:
        cpk = base64.b64encode(
            self._key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode()
        body = session.request(
            "POST",
            self.base_url + REGIST_PATH,
            entity="auth",
            authenticated=False,
            headers={"appid": self._appid, "cpk": cpk},
            check=self._check_auth,
        )
        self._secrit = body["secrit"]
        loaded = serialization.load_der_public_key(base64.b64decode(body["spk"]))
        assert isinstance(loaded, rsa.RSAPublicKey)
        self._server_key = loaded

    def _authenticate(self, session: SourceSession) -> None:
        if self._secrit is None:
            self._register(session)
        assert self._secrit is not None
        body = session.request(
            "POST",
            self.base_url + TOKEN_PATH,
            entity="auth",
            authenticated=False,
            headers={
                "appid": self._appid,
                "secret": self._encrypt(self._secrit),
                "time": str(TOKEN_SECONDS),
            },
            check=self._check_auth,
        )
        session.auth_headers = {
            "appid": self._appid,
            "token": body["token"],
            "userid": self._encrypt(self._user_id),
        }

    def _check_auth(self, response: requests.Response) -> dict[str, Any]:
        response.raise_for_status()
        body = parse_json(response)
        if not isinstance(body, dict):
            raise RetryableError("auth response is not an object")
        if body.get("status") is False:
            raise ExtractError(
                SOURCE,
                "auth",
                response.url,
                f"e-cology refused the app: {body.get('msg')}; check PERFCHAIN_OA_APPID and "
                "that the appid is registered in ECOLOGY_BIZ_EC",
            )
        return body

    @staticmethod
    def _check_business(response: requests.Response) -> Any:
        response.raise_for_status()
        body = parse_json(response)
        if isinstance(body, dict):
            if body.get("status") is False:
                # Token timeout ("token不存在或者超时") or session timeout ("登录信息超时").
                raise TokenExpired(str(body.get("msg", "e-cology auth failure")))
            code = body.get("code")
            if code not in (None, "SUCCESS"):
                message = json.dumps(body.get("errMsg"), ensure_ascii=False)
                if code in ("SYSTEM_INNER_ERROR",):
                    raise RetryableError(f"{code}: {message}")
                raise ExtractError(SOURCE, "workflow", response.url, f"{code}: {message}")
        return body

    # -- write-back -----------------------------------------------------------------------
    def create_request(
        self,
        workflow_id: str,
        request_name: str,
        main_data: Mapping[str, str],
        *,
        other_params: Mapping[str, str] | None = None,
    ) -> str:
        """Create a workflow request (doCreateRequest) and return its requestid.

        The reads' auth, connection pool, timeouts and checks, but one attempt (see
        `write_session`): any failure, a refusal (`code` other than SUCCESS) or a lost
        answer alike, raises CreateRequestFailed naming the request. `other_params`
        defaults to isnextflow=0: the request waits at its creation node for its handler.
        """
        form = {
            "workflowId": workflow_id,
            "requestName": request_name,
            "mainData": json.dumps(
                [{"fieldName": k, "fieldValue": v} for k, v in main_data.items()],
                ensure_ascii=False,
            ),
            "otherParams": json.dumps(dict(other_params or {"isnextflow": "0"})),
        }
        where = f"request {request_name!r} (workflow {workflow_id})"
        try:
            body = self.write_session.request(
                "POST",
                self.base_url + CREATE_PATH,
                entity="workflow_requests",
                data=form,
                check=self._check_business,
            )
        except ExtractError as error:
            raise CreateRequestFailed(where, _reason(error)) from None
        request_id = (body.get("data") or {}).get("requestid") if isinstance(body, dict) else None
        # The older WebService answers a negative id on failure (-1 failed, -2 no right).
        if request_id in (None, "") or str(request_id).startswith("-"):
            raise CreateRequestFailed(where, f"no request id in the answer: {body!r:.300}")
        return str(request_id)

    def find_requests(self, request_name: str) -> list[dict[str, Any]]:
        """The requests whose name contains `request_name` (conditions `requestname`),
        flat like extracted ones: main-table fields on one level."""
        conditions = {"requestname": request_name}
        return [_flat_request(row) for rows in self._requests(conditions) for row in rows]

    # -- extraction -----------------------------------------------------------------------
    def _conditions(self, window: Window) -> dict[str, str]:
        if window.since is None and window.until is None:
            return {}
        conditions = {"operatedateselect": "6"}
        if window.since is not None:
            conditions["operatedatefrom"] = window.since.astimezone(self.tz).date().isoformat()
        if window.until is not None:
            last = (window.until - timedelta(microseconds=1)).astimezone(self.tz)
            conditions["operatedateto"] = last.date().isoformat()
        return conditions

    def _requests(self, filters: dict[str, str]) -> Iterator[list[dict[str, Any]]]:
        conditions = json.dumps(filters, ensure_ascii=False)
        page_no = 1
        while True:
            rows = self.session.request(
                "POST",
                self.base_url + LIST_PATH,
                entity="workflow_requests",
                data={
                    "pageNo": str(page_no),
                    "pageSize": str(self.page_size),
                    "conditions": conditions,
                    "includeDetail": "true",
                },
                check=self._check_business,
            )
            if not isinstance(rows, list):
                raise RetryableError("workflow list is not a JSON array")
            if rows:
                yield [self._with_detail(row) for row in rows]
            if len(rows) < self.page_size:
                return
            page_no += 1

    def _with_detail(self, row: dict[str, Any]) -> dict[str, Any]:
        if "workflowRequestLogs" in row and "workflowMainTableInfo" in row:
            return row
        body = self.session.request(
            "GET",
            self.base_url + DETAIL_PATH,
            entity="workflow_requests",
            params={"requestId": row.get("requestId")},
            check=self._check_business,
        )
        return {**row, **(body.get("data") or {})}

    def extract(self, entity: Entity, window: Window) -> Iterator[list[dict[str, Any]]]:
        if window.since and window.until and window.since >= window.until:
            return
        for rows in self._requests(self._conditions(window)):
            if entity.name == "workflow_requests":
                yield [_flat_request(row) for row in rows]
            else:
                logs = [log for row in rows for log in row.get("workflowRequestLogs") or []]
                if logs:
                    yield logs


class CreateRequestFailed(ExtractError):
    """e-cology did not create a workflow request (or its answer was lost): the message
    names the request and says why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(SOURCE, "workflow_requests", f"doCreateRequest {where}", reason)
        self.reason = reason


def _reason(error: ExtractError) -> str:
    """The cause of a failed call without the source/entity prefix the new error adds
    again, and without the attempt count of a call made once."""
    text = str(error).removeprefix(f"{error.source}.{error.entity}: ")
    text = text.removeprefix("gave up after 1 attempts: ")
    body, _, request = text.rpartition(" (request: ")
    return f"{body} (at {request}" if body else text


def _flat_request(row: dict[str, Any]) -> dict[str, Any]:
    """List fields, the base info and the main-table fields on one level; logs apart."""
    flat = {
        key: value
        for key, value in row.items()
        if key
        not in (
            "workflowBaseInfo",
            "workflowMainTableInfo",
            "workflowRequestLogs",
            "workflowDetailTableInfos",
        )
    }
    base = row.get("workflowBaseInfo") or {}
    flat.update({key: base.get(key) for key in _BASE_INFO})
    main = row.get("workflowMainTableInfo") or {}
    for record in main.get("requestRecords") or []:
        for item in record.get("workflowRequestTableFields") or []:
            flat[item.get("fieldName")] = item.get("fieldValue")
    return flat
