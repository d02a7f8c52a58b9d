"""Weaver e-cology 9 REST (source ``oa``): RSA app registration → token, paged workflows.

Mounted at ``/oa`` (the e-cology host). Auth failures are HTTP 200 with
``status:false``; business answers use the ``code``/``data``/``errMsg`` envelope except
the list endpoints, which answer a bare JSON array (and ``…Count`` a bare integer).
Weaver sends every value as a string and an empty value as ``""``; so does this module.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import date
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Blueprint, Response, request

from simulator.server import common
from simulator.server.render import json_string_sql, object_sql, quote_ident, sql_str
from simulator.server.state import SimState
from simulator.server.store import ResultKey, Window, current_where

bp = Blueprint("oa", __name__)

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 10000
NEW_FIELD = "newField"
LIST_FIELDS = (
    "requestId",
    "requestName",
    "createTime",
    "creatorId",
    "creatorName",
    "currentNodeName",
    "lastOperateTime",
    "lastOperatorId",
    "status",
)
BASE_INFO_FIELDS = ("workflowId", "workflowName", "workflowTypeName")
MAIN_TABLE_FIELDS = ("related_case", "related_order", "related_customer")
MAIN_TABLE_NAME = "formtable_main_perfchain"
_KEY_LOCK = threading.Lock()


def _server_key(sim: SimState) -> rsa.RSAPrivateKey:
    with _KEY_LOCK:
        if sim.oa_private_key is None:
            sim.oa_private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return sim.oa_private_key


def spk(sim: SimState) -> str:
    """The server public key as Weaver hands it out: Base64 of the X.509 (SPKI) DER."""
    der = (
        _server_key(sim)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(der).decode()


def _decrypt(sim: SimState, text: str | None) -> str | None:
    if not text:
        return None
    try:
        raw = base64.b64decode(text, validate=False)
        return _server_key(sim).decrypt(raw, padding.PKCS1v15()).decode("utf-8")
    except (ValueError, TypeError):
        return None


def auth_error(message: str, **extra: Any) -> Response:
    return common.json_obj({"msg": message, "code": -1, "status": False, **extra})


def envelope_error(code: str, message: str) -> Response:
    return common.json_obj({"code": code, "errMsg": {"message": message}, "data": None})


def fault_response(kind: str) -> Response | None:
    if kind == "rate_limit":
        return envelope_error("SYSTEM_INNER_ERROR", "请求过于频繁，请稍后再试 (too many requests)")
    if kind == "server_error":
        return envelope_error("SYSTEM_INNER_ERROR", "系统内部错误 (internal error)")
    return None


def token_of() -> str | None:
    return request.headers.get("token")


@bp.post("/api/ec/dev/auth/regist")
def regist() -> Response:
    sim = common.state()
    if request.headers.get("appid") != sim.credentials.oa_appid:
        return auth_error("appid不存在，请在ECOLOGY_BIZ_EC中登记 (unknown appid)")
    if not request.headers.get("cpk"):
        return auth_error("cpk不能为空 (the client public key header cpk is required)")
    secrit = str(uuid.uuid4())
    sim.oa_secrits.add(secrit)
    return common.json_obj(
        {
            "msg": "ok",
            "code": 0,
            "msgShowType": "none",
            "status": True,
            "secrit": secrit,
            "spk": spk(sim),
        }
    )


@bp.post("/api/ec/dev/auth/applytoken")
def applytoken() -> Response:
    sim = common.state()
    if request.headers.get("appid") != sim.credentials.oa_appid:
        return auth_error("appid不存在，请在ECOLOGY_BIZ_EC中登记 (unknown appid)")
    secrit = _decrypt(sim, request.headers.get("secret"))
    if secrit is None or secrit not in sim.oa_secrits:
        return auth_error("secret解密失败,请检查加密内容.")
    ttl = sim.credentials.token_ttl_seconds
    if ttl is None:
        try:
            ttl = float(request.headers.get("time") or sim.credentials.oa_token_seconds)
        except ValueError:
            ttl = sim.credentials.oa_token_seconds
    issued = sim.tokens.issue("oa", ttl, str(uuid.uuid4()))
    return common.json_obj(
        {
            "msg": "获取成功!",
            "code": 0,
            "msgShowType": "none",
            "status": True,
            "token": issued.value,
        }
    )


def _authorized() -> Response | None:
    sim = common.state()
    if request.headers.get("appid") != sim.credentials.oa_appid:
        return auth_error("appid不存在 (unknown appid)")
    token = request.headers.get("token")
    if not sim.tokens.valid("oa", token):
        return auth_error(f"token不存在或者超时：{token or ''}")
    if _decrypt(sim, request.headers.get("userid")) is None:
        return common.json_obj({"msg": "登录信息超时", "errorCode": "002", "status": False})
    return None


def _string(column: str) -> str:
    # Weaver sends "" for an empty value, never null.
    return f"coalesce({json_string_sql(quote_ident(column))}, '\"\"')"


def _list_row_sql() -> str:
    pairs = [(name, _string(name)) for name in LIST_FIELDS]
    pairs.append(("workflowBaseInfo", object_sql([(n, _string(n)) for n in BASE_INFO_FIELDS])))
    return object_sql(pairs)


def _main_table(values: dict[str, str | None]) -> dict[str, Any]:
    return {
        "tableDBName": MAIN_TABLE_NAME,
        "requestRecords": [
            {
                "recordOrder": "0",
                "workflowRequestTableFields": [
                    {"fieldName": name, "fieldValue": values.get(name) or ""}
                    for name in MAIN_TABLE_FIELDS
                ],
            }
        ],
    }


def _logs(sim: SimState, request_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """workflowRequestLogs per request, as of the simulator's clock, in operateTime order."""
    if not request_ids:
        return {}
    logs = sim.store.info("oa", "workflow_logs")
    ids = ", ".join(sql_str(i) for i in request_ids)
    columns = logs.columns
    rows = sim.store.fetchall(
        f"SELECT {', '.join(quote_ident(c) for c in columns)} FROM {logs.table} "
        f"WHERE {current_where()} AND requestId IN ({ids}) ORDER BY _pos",
        {"as_of": sim.as_of},
    )
    found: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        record = {
            name: ("" if value is None else value) for name, value in zip(columns, row, strict=True)
        }
        found.setdefault(record["requestId"], []).append(record)
    return found


def _main_values(sim: SimState, request_ids: list[str]) -> dict[str, dict[str, str | None]]:
    if not request_ids:
        return {}
    info = sim.store.info("oa", "workflow_requests")
    ids = ", ".join(sql_str(i) for i in request_ids)
    rows = sim.store.fetchall(
        f"SELECT requestId, {', '.join(MAIN_TABLE_FIELDS)} FROM {info.table} "
        f"WHERE {current_where()} AND requestId IN ({ids})",
        {"as_of": sim.as_of},
    )
    return {row[0]: dict(zip(MAIN_TABLE_FIELDS, row[1:], strict=True)) for row in rows}


def _window(conditions: dict[str, Any]) -> Window:
    """The ``conditions`` date filters: select "6" = from/to range, "0" or absent = all."""
    sim = common.state()
    chosen: list[tuple[str, str]] = []
    for prefix, column in (("operatedate", "lastOperateTime"), ("createdate", "createTime")):
        select = str(conditions.get(f"{prefix}select", "0") or "0")
        if select == "6":
            chosen.append((prefix, column))
        elif select != "0":
            raise ValueError(
                f"{prefix}select {select!r}: the simulator serves 0 (all) and 6 (range)"
            )
    if len(chosen) > 1:
        raise ValueError("give one of operatedateselect / createdateselect, not both")
    if not chosen:
        return Window(as_of=sim.as_of)
    prefix, column = chosen[0]
    start = conditions.get(f"{prefix}from")
    end = conditions.get(f"{prefix}to")
    return Window(
        as_of=sim.as_of,
        date_column=column,
        date_from=date.fromisoformat(start) if start else None,
        date_to=date.fromisoformat(end) if end else None,
    )


def _list_request() -> tuple[Window, int, int, bool]:
    form = request.form if request.form else request.args
    conditions = json.loads(form.get("conditions") or "{}")
    if not isinstance(conditions, dict):
        raise ValueError("conditions must be a JSON object")
    page_no = int(form.get("pageNo") or 1)
    page_size = int(form.get("pageSize") or DEFAULT_PAGE_SIZE)
    if page_no < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"pageNo starts at 1 and pageSize is 1..{MAX_PAGE_SIZE}")
    detail = str(form.get("includeDetail", "")).lower() in ("1", "true")
    return _window(conditions), page_no, page_size, detail


@bp.post("/api/workflow/paService/getAllWorkflowRequestList")
def all_requests() -> Response:
    refused = _authorized()
    if refused:
        return refused
    sim = common.state()
    try:
        window, page_no, page_size, detail = _list_request()
    except ValueError as error:
        return envelope_error("PARAM_ERROR", str(error))
    info = sim.store.info("oa", "workflow_requests")
    result = sim.store.result(ResultKey("oa/workflow_requests", "flat", window))
    lo, hi = common.page_bounds(result.total, (page_no - 1) * page_size, page_size)
    rows = sim.store.page(result, lo, hi - lo, _list_row_sql()) if lo < result.total else []
    if detail and rows:
        # Extension (not in e-cology): detail inline, so extraction needs no call per request.
        records = [orjson.loads(row) for row in rows]
        ids = [r["requestId"] for r in records]
        logs, mains = _logs(sim, ids), _main_values(sim, ids)
        for record in records:
            record["workflowMainTableInfo"] = _main_table(mains.get(record["requestId"], {}))
            record["workflowRequestLogs"] = logs.get(record["requestId"], [])
        rows = [orjson.dumps(r).decode() for r in records]
    rows = common.apply_record_faults(rows, info.entity, list(LIST_FIELDS), NEW_FIELD)
    common.served(len(rows))
    return common.json_text("[" + ",".join(rows) + "]")


@bp.post("/api/workflow/paService/getAllWorkflowRequestCount")
@bp.post("/api/workflow/paService/getAllWorkflowRequestListCount")
def all_requests_count() -> Response:
    refused = _authorized()
    if refused:
        return refused
    sim = common.state()
    try:
        window, _, _, _ = _list_request()
    except ValueError as error:
        return envelope_error("PARAM_ERROR", str(error))
    result = sim.store.result(ResultKey("oa/workflow_requests", "flat", window))
    return common.json_text(str(result.total))


@bp.get("/api/workflow/paService/getWorkflowRequest")
def workflow_request() -> Response:
    refused = _authorized()
    if refused:
        return refused
    sim = common.state()
    request_id = request.args.get("requestId", "")
    info = sim.store.info("oa", "workflow_requests")
    columns = info.columns
    rows = sim.store.fetchall(
        f"SELECT {', '.join(quote_ident(c) for c in columns)} FROM {info.table} "
        f"WHERE {current_where()} AND requestId = $id",
        {"as_of": sim.as_of, "id": request_id},
    )
    if not rows:
        return envelope_error("PARAM_ERROR", f"requestId {request_id!r} 不存在 (no such request)")
    values = {
        name: ("" if value is None else value) for name, value in zip(columns, rows[0], strict=True)
    }
    data: dict[str, Any] = {name: values[name] for name in LIST_FIELDS}
    data["workflowBaseInfo"] = {name: values[name] for name in BASE_INFO_FIELDS}
    data["workflowMainTableInfo"] = _main_table(values)
    data["workflowDetailTableInfos"] = []
    data["workflowRequestLogs"] = _logs(sim, [request_id]).get(request_id, [])
    record = common.apply_record_faults(
        [orjson.dumps(data).decode()], info.entity, list(LIST_FIELDS), NEW_FIELD
    )[0]
    common.served(1)
    return common.json_text(f'{{"code":"SUCCESS","data":{record},"errMsg":{{}}}}')


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    return Response("404 Not Found", status=404, content_type="text/html")
