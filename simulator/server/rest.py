"""Our plant REST APIs (``mes`` production data, ``qms``, ``wms``, ``hr``), designed by us.

``POST /<source>/auth/token`` (OAuth2 client credentials) and
``GET /<source>/api/v1/<resource>?updated_since=&updated_until=&limit=&cursor=`` answering
``{"data": [...], "next_cursor": str|null, "has_more": bool}`` in (updated_at, key) order,
or, to a client that asks for ``Accept: application/x-ndjson``, the records one per line
with the cursor in the ``X-Next-Cursor`` and ``X-Has-More`` headers.
The cursor is opaque to clients but self-contained (it carries the window, the as-of
moment and the offset), so a cursor stays valid however long the client takes and the
pages of one walk always come from one consistent snapshot.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import orjson
from flask import Blueprint, Response, request

from simulator.server import common
from simulator.server.clock import parse_iso_instant
from simulator.server.credentials import REST_SOURCES
from simulator.server.store import EntityInfo, ResultKey, Window

NDJSON = "application/x-ndjson"
DEFAULT_LIMIT = 1000
MAX_LIMIT = 50000
NEW_FIELD = "new_field"
PARAMS = ("updated_since", "updated_until", "limit", "cursor")


def rest_error(
    status: int, error: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    return common.json_obj({"error": error, "message": message}, status, headers)


def fault_response(kind: str) -> Response | None:
    retry_after = str((common.fault().params if common.fault() else {}).get("retry_after", 1))
    if kind == "rate_limit":
        return rest_error(
            429,
            "rate_limited",
            "too many requests; retry after the Retry-After seconds",
            {"Retry-After": retry_after},
        )
    if kind == "server_error":
        return rest_error(500, "server_error", "internal error")
    if kind == "unavailable":
        return rest_error(503, "unavailable", "service unavailable", {"Retry-After": retry_after})
    return None


def bearer() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else None


def token_of() -> str | None:
    return bearer()


def _source() -> str:
    return request.path.strip("/").split("/")[0]


def token() -> Response:
    source = _source()
    sim = common.state()
    body: dict[str, Any] = dict(request.form)
    if not body and request.is_json:
        body = request.get_json(silent=True) or {}
    client_id, client_secret = body.get("client_id"), body.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id, client_secret = request.authorization.username, request.authorization.password
    if body.get("grant_type", "client_credentials") != "client_credentials":
        return rest_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if (client_id, client_secret) != sim.credentials.rest_client(source):
        return rest_error(
            401,
            "invalid_client",
            "unknown client_id or wrong client_secret",
            {"WWW-Authenticate": 'Basic realm="perfchain"'},
        )
    ttl = sim.credentials.ttl(source)
    issued = sim.tokens.issue(source, ttl)
    return common.json_obj(
        {"access_token": issued.value, "token_type": "Bearer", "expires_in": int(ttl)}
    )


def _authorized(source: str) -> Response | None:
    if not common.state().tokens.valid(source, bearer()):
        return rest_error(
            401,
            "invalid_token",
            "missing, expired or revoked access token",
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return None


def _resource(source: str, name: str) -> EntityInfo | None:
    info = common.state().store.by_protocol_name(source, name)
    return info if info is not None and name != "MTConnectStreams" else None


def index() -> Response:
    source = _source()
    refused = _authorized(source)
    if refused:
        return refused
    resources = [
        {
            "name": i.entity.protocol_name,
            "path": f"/{source}/api/v1/{i.entity.protocol_name}",
            "key": list(i.entity.key),
            "fields": i.columns,
            "description": i.entity.doc,
        }
        for i in common.state().store.entities.values()
        if i.entity.source == source and i.entity.protocol_name != "MTConnectStreams"
    ]
    return common.json_obj({"resources": resources})


def _encode_cursor(payload: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def _decode_cursor(text: str) -> dict[str, Any]:
    try:
        payload = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, orjson.JSONDecodeError) as error:
        raise ValueError("cursor is not one this API issued") from error
    if not isinstance(payload, dict) or not {"r", "a", "o"} <= payload.keys():
        raise ValueError("cursor is not one this API issued")
    return payload


def _instant(name: str) -> datetime | None:
    text = request.args.get(name)
    if not text:
        return None
    try:
        return parse_iso_instant(text)
    except ValueError as error:
        raise ValueError(
            f"{name} must be ISO 8601 with a UTC offset, e.g. 2026-03-01T00:00:00+08:00 or "
            f"2026-02-28T16:00:00Z (got {text!r})"
        ) from error


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse(resource: str) -> tuple[Window, int, int]:
    unknown = sorted(set(request.args) - set(PARAMS))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)}; known: {', '.join(PARAMS)}")
    try:
        limit = int(request.args.get("limit", DEFAULT_LIMIT))
    except ValueError as error:
        raise ValueError(f"limit must be an integer 1..{MAX_LIMIT}") from error
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an integer 1..{MAX_LIMIT} (got {limit})")
    sim = common.state()
    cursor = request.args.get("cursor")
    if cursor:
        # The cursor carries the walk's window and snapshot; other filters are ignored.
        payload = _decode_cursor(cursor)
        if payload["r"] != resource:
            raise ValueError("cursor belongs to another resource")
        since = datetime.fromisoformat(payload["s"]) if payload.get("s") else None
        until = datetime.fromisoformat(payload["u"]) if payload.get("u") else None
        window = Window(as_of=datetime.fromisoformat(payload["a"]), since=since, until=until)
        return window, int(payload["o"]), limit
    since, until = _instant("updated_since"), _instant("updated_until")
    if since is not None and until is not None and since >= until:
        raise ValueError("updated_since must be earlier than updated_until")
    until = min(until, sim.as_of) if until is not None else None
    return Window(as_of=sim.as_of, since=since, until=until), 0, limit


def list_resource(resource: str) -> Response:
    source = _source()
    refused = _authorized(source)
    if refused:
        return refused
    info = _resource(source, resource)
    if info is None:
        return rest_error(
            404, "not_found", f"no resource {resource!r}; GET /{source}/api/v1/ lists them"
        )
    try:
        window, offset, limit = _parse(resource)
    except ValueError as error:
        return rest_error(400, "invalid_request", str(error))
    sim = common.state()
    result = sim.store.result(ResultKey(f"{source}/{info.entity.name}", "flat", window))
    lo, hi = common.page_bounds(result.total, offset, limit)
    count = hi - lo if lo < result.total else 0
    ndjson = _wants_ndjson()
    rows: list[str] = []
    if not ndjson or common.changes_records():
        rows = sim.store.page(result, lo, count, "_json") if count else []
        rows = common.apply_record_faults(rows, info.entity, info.columns, NEW_FIELD)
    common.served(count)
    next_offset = offset + limit
    has_more = next_offset < result.total
    next_cursor = (
        _encode_cursor(
            {
                "r": resource,
                "s": _iso(window.since),
                "u": _iso(window.until),
                "a": window.as_of.isoformat(),
                "o": next_offset,
            }
        )
        if has_more
        else None
    )
    headers = {"X-Total-Count": str(result.total)}
    if ndjson:
        headers["X-Has-More"] = "true" if has_more else "false"
        if next_cursor:
            headers["X-Next-Cursor"] = next_cursor
        if rows:
            body = ("\n".join(rows) + "\n").encode()
        else:  # the stored text as it is, one line per record
            body = sim.store.page_lines(result, lo, count, "_json") if count else b""
        return Response(body, headers=headers, content_type=f"{NDJSON}; charset=utf-8")
    tail = orjson.dumps({"next_cursor": next_cursor, "has_more": has_more}).decode()
    return common.json_text('{"data":[' + ",".join(rows) + "]," + tail[1:], headers=headers)


def _wants_ndjson() -> bool:
    """NDJSON only when asked for and preferred over JSON (JSON stays the default)."""
    return request.accept_mimetypes.best_match(["application/json", NDJSON]) == NDJSON


def not_found(rest: str) -> Response:
    return rest_error(404, "not_found", f"no such path /{_source()}/{rest}")


def blueprint(source: str) -> Blueprint:
    if source not in REST_SOURCES:
        raise ValueError(f"{source} is not served by the plant REST protocol")
    bp = Blueprint(f"rest_{source}", __name__)
    bp.add_url_rule("/auth/token", "token", token, methods=["POST"])
    bp.add_url_rule("/api/v1/", "index", index, methods=["GET"])
    bp.add_url_rule("/api/v1", "index_bare", index, methods=["GET"])
    bp.add_url_rule("/api/v1/<resource>", "list", list_resource, methods=["GET"])
    bp.add_url_rule("/<path:rest>", "not_found", not_found, methods=["GET", "POST"])
    return bp
