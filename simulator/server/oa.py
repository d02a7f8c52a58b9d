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
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Blueprint, Response, request

from simulator.generator import planted
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


def _main_table(
    values: dict[str, str | None], extra: dict[str, str] | None = None
) -> dict[str, Any]:
    fields = [
        {"fieldName": name, "fieldValue": values.get(name) or ""} for name in MAIN_TABLE_FIELDS
    ]
    fields += [{"fieldName": name, "fieldValue": value} for name, value in (extra or {}).items()]
    return {
        "tableDBName": MAIN_TABLE_NAME,
        "requestRecords": [{"recordOrder": "0", "workflowRequestTableFields": fields}],
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
    """The ``conditions`` filters: dates (select "6" = from/to range, "0" or absent = all)
    and ``requestname`` (the name contains it)."""
    sim = common.state()
    name = str(conditions.get("requestname") or "") or None
    named = {"text_column": "requestName", "text_contains": name} if name else {}
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
        return Window(as_of=sim.as_of, **named)
    prefix, column = chosen[0]
    start = conditions.get(f"{prefix}from")
    end = conditions.get(f"{prefix}to")
    return Window(
        as_of=sim.as_of,
        date_column=column,
        date_from=date.fromisoformat(start) if start else None,
        date_to=date.fromisoformat(end) if end else None,
        **named,
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
            record["workflowMainTableInfo"] = _main_table(
                mains.get(record["requestId"], {}), sim.oa_created_fields.get(record["requestId"])
            )
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
    data["workflowMainTableInfo"] = _main_table(values, sim.oa_created_fields.get(request_id))
    data["workflowDetailTableInfos"] = []
    data["workflowRequestLogs"] = _logs(sim, [request_id]).get(request_id, [])
    record = common.apply_record_faults(
        [orjson.dumps(data).decode()], info.entity, list(LIST_FIELDS), NEW_FIELD
    )[0]
    common.served(1)
    return common.json_text(f'{{"code":"SUCCESS","data":{record},"errMsg":{{}}}}')


# -- creating requests (the write-back of perfchain's action tasks) ---------------------

# The workflow the demo OA has set up for perfchain's alert tasks, and its form's fields
# (besides the related_* fields every demo workflow has). `assignee` is the handler of the
# creation node: the request waits there until that person handles it.
TASK_WORKFLOWS: dict[str, tuple[str, str]] = {"3001": ("预警行动任务", "预警")}
TASK_FIELDS = (
    "alert_id",
    "action_key",
    "rule_id",
    "template",
    "scope_type",
    "scope_id",
    "assignee",
)
CREATE_NODE = "创建"
HANDLE_NODE = "处理"
ARCHIVE_NODE = "归档"
# The OA user perfchain's calls run as has no HR record: it is the integration account.
SERVICE_ACCOUNT_NAME = "perfchain"
_CREATE_LOCK = threading.Lock()


def _local_text(moment: datetime, sim: SimState) -> str:
    local = moment.replace(tzinfo=UTC).astimezone(sim.store.tz)
    return local.strftime("%Y-%m-%d %H:%M:%S")


def _employee_name(sim: SimState, oa_user_id: str) -> str | None:
    """The HR name of an OA user as of the simulator's moment (None when HR has none)."""
    info = sim.store.info("hr", "employees")
    rows = sim.store.fetchall(
        f"SELECT json_extract_string(_json, '$.name') FROM {info.table} "
        f"WHERE {current_where()} AND NOT _del "
        "AND json_extract_string(_json, '$.oa_user_id') = $id",
        {"as_of": sim.as_of, "id": oa_user_id},
    )
    return rows[0][0] if rows else None


@lru_cache(maxsize=8)
def _never_handled_in(path: Path) -> frozenset[tuple[str, str]]:
    if not path.exists():
        return frozenset()
    entry = planted.never_handled(json.loads(path.read_text(encoding="utf-8")))
    return frozenset({(str(entry["rule_id"]), str(entry["scope_id"]))} if entry else ())


def never_handled(sim: SimState) -> frozenset[tuple[str, str]]:
    """(rule_id, scope_id) of the alerts whose OA tasks nobody handles (planted.json)."""
    return _never_handled_in(sim.store.data_dir / "planted.json")


def _next_id(sim: SimState, source_name: str, column: str) -> int:
    info = sim.store.info("oa", source_name)
    (top,) = sim.store.fetchall(
        f"SELECT max(TRY_CAST({quote_ident(column)} AS BIGINT)) FROM {info.table}"
    )[0]
    return int(top or 0) + 1


def _create_form() -> tuple[str, str, dict[str, str]]:
    """workflowId, requestName and the main-table fields of a doCreateRequest form."""
    form = request.form
    workflow_id = (form.get("workflowId") or "").strip()
    if workflow_id not in TASK_WORKFLOWS:
        raise ValueError(f"workflowId {workflow_id!r} 不存在或不可创建 (no such workflow)")
    name = (form.get("requestName") or "").strip()
    if not name:
        raise ValueError("requestName 不能为空 (requestName is required)")
    try:
        items = json.loads(form.get("mainData") or "[]")
        other = json.loads(form.get("otherParams") or "{}")
        if not isinstance(other, dict):
            raise ValueError
    except ValueError:
        raise ValueError("mainData / otherParams 不是合法的JSON (not valid JSON)") from None
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and "fieldName" in i for i in items
    ):
        raise ValueError('mainData must be a JSON array of {"fieldName", "fieldValue"}')
    known = set(MAIN_TABLE_FIELDS) | set(TASK_FIELDS)
    fields: dict[str, str] = {}
    for item in items:
        field_name = str(item["fieldName"])
        if field_name not in known:
            raise ValueError(f"字段 {field_name} 不存在 (the form has no field {field_name})")
        value = item.get("fieldValue")
        fields[field_name] = "" if value is None else str(value)
    return workflow_id, name, fields


@bp.post("/api/workflow/paService/doCreateRequest")
def create_request() -> Response:
    """A new request at the creation node (status 创建), kept in the store beside the
    dataset's; its planted handling (批准, then 归档, at offsets after createTime) is
    stored with it and shows as the simulator's moment passes it."""
    refused = _authorized()
    if refused:
        return refused
    sim = common.state()
    try:
        workflow_id, name, fields = _create_form()
    except ValueError as error:
        return envelope_error("PARAM_ERROR", str(error))
    creator = _decrypt(sim, request.headers.get("userid")) or ""
    creator_name = _employee_name(sim, creator)
    if creator_name is None and creator == sim.credentials.oa_user_id:
        creator_name = SERVICE_ACCOUNT_NAME
    assignee = fields.get("assignee", "")
    assignee_name = _employee_name(sim, assignee) if assignee else None
    if creator_name is None or assignee_name is None:
        who = creator if creator_name is None else assignee
        return envelope_error("USER_EXCEPTION", f"人员 {who!r} 不存在 (no such OA user)")
    workflow_name, workflow_type = TASK_WORKFLOWS[workflow_id]
    created = sim.as_of.replace(microsecond=0)
    base = {
        "requestName": name,
        "workflowId": workflow_id,
        "workflowName": workflow_name,
        "workflowTypeName": workflow_type,
        "creatorId": creator,
        "creatorName": creator_name,
        "createTime": _local_text(created, sim),
        **{column: fields.get(column, "") for column in MAIN_TABLE_FIELDS},
    }
    # Each version: (moment, operator, status, node after it, the log's node and type).
    versions: list[tuple[datetime, str, str, str, str | None, str | None]] = [
        (created, creator, "创建", CREATE_NODE, None, None)
    ]
    if (fields.get("rule_id", ""), fields.get("scope_id", "")) not in never_handled(sim):
        acknowledged, completed = planted.oa_handling_offsets(
            fields.get("template", ""), fields.get("scope_type", ""), fields.get("scope_id", "")
        )
        versions.append(
            (
                created + timedelta(seconds=acknowledged),
                assignee,
                "审批中",
                HANDLE_NODE,
                CREATE_NODE,
                "批准",
            )
        )
        versions.append(
            (
                created + timedelta(seconds=completed),
                assignee,
                "归档",
                ARCHIVE_NODE,
                HANDLE_NODE,
                "归档",
            )
        )
    with _CREATE_LOCK:
        request_id = str(_next_id(sim, "workflow_requests", "requestId"))
        log_id = _next_id(sim, "workflow_logs", "logId")
        requests_: list[dict[str, str]] = []
        logs: list[dict[str, str]] = []
        for moment, operator, status, node, log_node, operate_type in versions:
            at = _local_text(moment, sim)
            requests_.append(
                {
                    **base,
                    "requestId": request_id,
                    "lastOperateTime": at,
                    "lastOperatorId": operator,
                    "status": status,
                    "currentNodeName": node,
                }
            )
            if operate_type is not None and log_node is not None:
                logs.append(
                    {
                        "logId": str(log_id + len(logs)),
                        "requestId": request_id,
                        "nodeName": log_node,
                        "operatorId": operator,
                        "operatorName": assignee_name,
                        "operateType": operate_type,
                        "operateTime": at,
                        "remark": "已确认" if operate_type == "批准" else "已完成",
                    }
                )
        # The form's own fields first: a list read between the two appends serves them.
        sim.oa_created_fields[request_id] = {
            k: v for k, v in fields.items() if k not in MAIN_TABLE_FIELDS
        }
        sim.store.append("oa", "workflow_logs", logs)
        sim.store.append("oa", "workflow_requests", requests_)
    common.served(1)
    return common.json_obj({"code": "SUCCESS", "data": {"requestid": request_id}, "errMsg": {}})


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    return Response("404 Not Found", status=404, content_type="text/html")
