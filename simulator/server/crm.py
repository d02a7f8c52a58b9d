"""Salesforce REST (source ``crm``): OAuth2 client credentials, SOQL query/queryAll paging.

Mounted at ``/crm``, which is the ``instance_url`` the token response names. Paths
after it are Salesforce's own (``/services/...``); ``nextRecordsUrl`` is such a path, to
append to ``instance_url`` as Salesforce clients do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Blueprint, Response, request

from simulator.server import common
from simulator.server.render import field_pairs, object_sql, sql_str
from simulator.server.soql import CURSOR_FIELD, SoqlError, parse
from simulator.server.store import ResultKey, Window

bp = Blueprint("crm", __name__)

VERSIONS = [f"{n}.0" for n in range(50, 67)]  # served: v50.0 … v66.0 (queryAll needs v29+)
DAILY_LIMIT = 15000
DEFAULT_BATCH = 2000
MIN_BATCH, MAX_BATCH = 200, 2000
NEW_FIELD = "Region__c"
_VERSION = re.compile(r"^(\d{2})\.0$")


@dataclass(frozen=True)
class Cursor:
    key: ResultKey
    sobject: str
    fields: tuple[str, ...]
    batch: int


class Locators:
    """Server-side query cursors (``01g…``), bounded like Salesforce's open cursors."""

    def __init__(self, capacity: int = 10000) -> None:
        self._items: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def open(self, cursor: Cursor) -> str:
        locator = "01g" + secrets.token_hex(8)[:15].upper()
        with self._lock:
            self._items[locator] = cursor
            while len(self._items) > self._capacity:
                self._items.popitem(last=False)
        return locator

    def get(self, locator: str) -> Cursor | None:
        with self._lock:
            return self._items.get(locator)


LOCATORS = Locators()


def sf_errors(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return common.json_obj([{"message": message, "errorCode": code}], status, headers)


def _limit_headers() -> dict[str, str]:
    sim = common.state()
    sim.crm_api_usage += 1
    return {"Sforce-Limit-Info": f"api-usage={sim.crm_api_usage}/{DAILY_LIMIT}"}


def bearer(req_headers: dict[str, str] | None = None) -> str | None:
    value = (req_headers or request.headers).get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") and token else None


def token_of() -> str | None:
    return bearer()


def fault_response(kind: str) -> Response | None:
    if kind == "rate_limit":
        return sf_errors(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
    if kind == "server_error":
        return sf_errors(
            500,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: "
            "1234567890-12345 (-1234567890)",
        )
    if kind == "unavailable":
        return sf_errors(
            503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, try again later."
        )
    return None


@bp.post("/services/oauth2/token")
def token() -> Response:
    sim = common.state()
    creds = sim.credentials
    form = request.form
    client_id, client_secret = form.get("client_id"), form.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id = request.authorization.username
        client_secret = request.authorization.password
    if form.get("grant_type") != "client_credentials":
        return common.json_obj(
            {"error": "unsupported_grant_type", "error_description": "grant type not supported"},
            400,
        )
    if client_id != creds.crm_client_id or client_secret != creds.crm_client_secret:
        return common.json_obj(
            {"error": "invalid_grant", "error_description": "authentication failure"}, 400
        )
    issued = sim.tokens.issue(
        "crm", creds.ttl("crm"), "00DSIM000000001!" + secrets.token_urlsafe(32)
    )
    instance = request.host_url.rstrip("/") + "/crm"
    issued_at = str(int(time.time() * 1000))
    signature = base64.b64encode(
        hmac.new(
            creds.crm_client_secret.encode(), (instance + issued_at).encode(), hashlib.sha256
        ).digest()
    ).decode()
    return common.json_obj(
        {
            "access_token": issued.value,
            "signature": signature,
            "token_format": "opaque",
            "scope": "api",
            "instance_url": instance,
            "id": f"{request.host_url.rstrip('/')}/crm/id/00DSIM000000001AAA/005SIM000000001AAA",
            "token_type": "Bearer",
            "issued_at": issued_at,
            "api_instance_url": instance,
        }
    )


@bp.get("/services/data/")
@bp.get("/services/data")
def versions() -> Response:
    return common.json_obj(
        [{"label": f"v{v}", "url": f"/services/data/v{v}", "version": v} for v in VERSIONS]
    )


def _check_version(version: str, minimum: int = 20) -> Response | None:
    found = _VERSION.match(version)
    if not found or not (minimum <= int(found[1]) <= int(VERSIONS[-1][:2])):
        return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
    return None


def _authorized() -> Response | None:
    if not common.state().tokens.valid("crm", bearer()):
        return sf_errors(
            401, "INVALID_SESSION_ID", "Session expired or invalid", {"WWW-Authenticate": "Token"}
        )
    return None


@bp.get("/services/data/v<version>/")
@bp.get("/services/data/v<version>")
def resources(version: str) -> Response:
    refused = _check_version(version) or _authorized()
    if refused:
        return refused
    base = f"/services/data/v{version}"
    return common.json_obj(
        {"query": f"{base}/query", "queryAll": f"{base}/queryAll", "sobjects": f"{base}/sobjects"},
        headers=_limit_headers(),
    )


@bp.get("/services/data/v<version>/query")
@bp.get("/services/data/v<version>/query/")
def query(version: str) -> Response:
    return _start(version, include_deleted=False)


@bp.get("/services/data/v<version>/queryAll")
@bp.get("/services/data/v<version>/queryAll/")
def query_all(version: str) -> Response:
    return _start(version, include_deleted=True)


def _batch_size(default: int) -> int:
    options = request.headers.get("Sforce-Query-Options", "")
    found = re.search(r"batchSize\s*=\s*(\d+)", options)
    if not found:
        return default
    return max(MIN_BATCH, min(MAX_BATCH, int(found[1])))


def _start(version: str, include_deleted: bool) -> Response:
    refused = _check_version(version, 29 if include_deleted else 20) or _authorized()
    if refused:
        return refused
    headers = _limit_headers()
    sim = common.state()
    try:
        soql = parse(request.args.get("q", ""))
    except SoqlError as error:
        return sf_errors(400, error.code, error.message, headers)
    info = next(
        (
            i
            for i in sim.store.entities.values()
            if i.entity.source == "crm" and i.entity.protocol_name.lower() == soql.sobject.lower()
        ),
        None,
    )
    if info is None:
        return sf_errors(
            400,
            "INVALID_TYPE",
            f"sObject type '{soql.sobject}' is not supported. If you are attempting to use a "
            "custom object, be sure to append the '__c' after the entity name.",
            headers,
        )
    by_lower = {c.lower(): c for c in info.columns}
    fields = []
    for name in soql.fields:
        if name.lower() not in by_lower:
            return sf_errors(
                400,
                "INVALID_FIELD",
                f"\n{request.args.get('q', '')}\nERROR at Row:1\nNo such column '{name}' on entity "
                f"'{info.entity.protocol_name}'. If you are attempting to use a custom field, be "
                "sure to append the '__c' after the custom field name.",
                headers,
            )
        fields.append(by_lower[name.lower()])
    for name in soql.order:
        if name.lower() not in by_lower:
            return sf_errors(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{info.entity.protocol_name}'.",
                headers,
            )
    if [n.lower() for n in soql.order] not in ([], ["systemmodstamp"], ["systemmodstamp", "id"]):
        return sf_errors(
            400,
            "MALFORMED_QUERY",
            f"the simulator orders by {CURSOR_FIELD}, Id only (the order it always uses)",
            headers,
        )
    window = Window(
        as_of=sim.as_of,
        since=soql.since,
        since_inclusive=soql.since_inclusive,
        until=min(soql.until, sim.as_of) if soql.until else None,
        include_deleted=include_deleted,
        limit=soql.limit,
    )
    key = ResultKey(f"crm/{info.entity.name}", "flat", window)
    cursor = Cursor(key, info.entity.protocol_name, tuple(fields), _batch_size(DEFAULT_BATCH))
    return _page(version, LOCATORS.open(cursor), cursor, 0, headers)


@bp.get("/services/data/v<version>/query/<locator>-<int:offset>")
@bp.get("/services/data/v<version>/queryAll/<locator>-<int:offset>")
def more(version: str, locator: str, offset: int) -> Response:
    refused = _check_version(version) or _authorized()
    if refused:
        return refused
    headers = _limit_headers()
    cursor = LOCATORS.get(locator)
    if cursor is None:
        return sf_errors(400, "INVALID_QUERY_LOCATOR", "invalid query locator", headers)
    return _page(version, locator, cursor, offset, headers)


def _page(
    version: str, locator: str, cursor: Cursor, offset: int, headers: dict[str, str]
) -> Response:
    sim = common.state()
    info = sim.store.entities[cursor.key.entity]
    result = sim.store.result(cursor.key)
    batch = _batch_size(cursor.batch)
    lo, hi = common.page_bounds(result.total, offset, batch)
    url_prefix = f"/services/data/v{version}/sobjects/{cursor.sobject}/"
    attributes = (
        f'\'{{"type":"{cursor.sobject}","url":\' || '
        f"CAST(to_json({sql_str(url_prefix)} || \"Id\") AS VARCHAR) || '}}'"
    )
    pairs = [("attributes", attributes), *field_pairs(info.entity, list(cursor.fields))]
    rows = sim.store.page(result, lo, hi - lo, object_sql(pairs))
    rows = common.apply_record_faults(rows, info.entity, list(cursor.fields), NEW_FIELD)
    common.served(len(rows))
    next_offset = min(result.total, offset + batch)
    done = next_offset >= result.total
    next_url = (
        ""
        if done
        else f'"nextRecordsUrl":"/services/data/v{version}/query/{locator}-{next_offset}",'
    )
    body = (
        f'{{"totalSize":{result.total},"done":{"true" if done else "false"},{next_url}'
        f'"records":[{",".join(rows)}]}}'
    )
    return common.json_text(body, 200, headers)


@bp.route("/<path:rest>", methods=["GET", "POST", "PATCH", "DELETE"])
def not_found(rest: str) -> Response:
    return sf_errors(404, "NOT_FOUND", "The requested resource does not exist")
