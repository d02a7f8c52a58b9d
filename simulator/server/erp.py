"""Yonyou U8+ OpenAPI (source ``erp``): app-key token, ``page_index`` lists, errcode envelope.

Mounted at ``/erp`` (the gateway host in the field). Every answer is HTTP 200; failure is
a non-"0" ``errcode``. U8 publishes no code table, so the codes below are the simulator's
own choice (docs/sources/erp.md lists them); token errors always name 令牌/token.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from flask import Blueprint, Response, request

from simulator.server import common
from simulator.server.clock import parse_local
from simulator.server.render import field_pairs, object_sql
from simulator.server.store import EntityInfo, ResultKey, Window

bp = Blueprint("erp", __name__)

DEFAULT_ROWS = 20
MAX_ROWS = 10000
NEW_FIELD = "cdefine30"

ERR_PARAM = "10001"
ERR_APP = "10002"
ERR_ACCOUNT = "10003"
ERR_NO_API = "10404"
ERR_TOKEN = "20001"
ERR_RATE = "40003"
ERR_INTERNAL = "99999"


def u8_error(code: str, message: str) -> Response:
    return common.json_obj({"errcode": code, "errmsg": message})


def fault_response(kind: str) -> Response | None:
    if kind == "rate_limit":
        return u8_error(ERR_RATE, "调用频率超出限制，请稍后再试 (API call rate limit exceeded)")
    if kind == "server_error":
        return u8_error(ERR_INTERNAL, "系统内部错误 (internal error in the U8 service)")
    return None


def token_of() -> str | None:
    return request.args.get("token")


@bp.get("/system/token")
def token() -> Response:
    sim = common.state()
    creds = sim.credentials
    args = request.args
    if not all(args.get(name) for name in ("from_account", "app_key", "app_secret")):
        return u8_error(ERR_PARAM, "参数错误：from_account, app_key and app_secret are required")
    if args["from_account"] != creds.erp_from_account:
        return u8_error(
            ERR_ACCOUNT, f"from_account {args['from_account']} 不存在 (unknown account)"
        )
    if args["app_key"] != creds.erp_app_key or args["app_secret"] != creds.erp_app_secret:
        return u8_error(ERR_APP, "app_key或app_secret错误 (invalid app_key or app_secret)")
    issued = sim.tokens.issue("erp", creds.ttl("erp"))
    return common.json_obj(
        {
            "errcode": "0",
            "errmsg": "",
            "token": {
                "id": issued.value,
                "appkey": creds.erp_app_key,
                "expiresIn": int(creds.ttl("erp")),
            },
        }
    )


def _list_entity(name: str) -> EntityInfo | None:
    for info in common.state().store.entities.values():
        ent = info.entity
        if ent.source == "erp" and "." not in ent.protocol_name and ent.protocol_name == name:
            return info
    return None


def _moment(text: str) -> datetime:
    return parse_local(text, common.state().store.tz)


@bp.get("/api/<name>list/batch_get")
def batch_get(name: str) -> Response:
    sim = common.state()
    creds = sim.credentials
    args = request.args
    info = _list_entity(name)
    if info is None:
        return u8_error(ERR_NO_API, f"接口不存在：/api/{name}list/batch_get (unknown API)")
    missing = [p for p in ("from_account", "to_account", "app_key", "token") if not args.get(p)]
    if missing:
        return u8_error(ERR_PARAM, f"参数错误：missing {', '.join(missing)}")
    if args["from_account"] != creds.erp_from_account or args["app_key"] != creds.erp_app_key:
        return u8_error(ERR_ACCOUNT, "from_account或app_key不匹配 (account or app_key mismatch)")
    if not sim.tokens.valid("erp", args["token"]):
        return u8_error(ERR_TOKEN, "令牌(token)无效或已过期，请重新获取 (token invalid or expired)")
    try:
        page_index = int(args.get("page_index", 1))
        rows_per_page = min(MAX_ROWS, int(args.get("rows_per_page", DEFAULT_ROWS)))
        begin = _moment(args["timestamp_begin"]) if args.get("timestamp_begin") else None
        end = _moment(args["timestamp_end"]) if args.get("timestamp_end") else None
        date_begin = date.fromisoformat(args["date_begin"]) if args.get("date_begin") else None
        date_end = date.fromisoformat(args["date_end"]) if args.get("date_end") else None
    except ValueError as error:
        return u8_error(
            ERR_PARAM,
            f"参数错误：{error} (page_index/rows_per_page are integers, "
            "timestamps yyyy-MM-dd HH:mm:ss, dates yyyy-MM-dd)",
        )
    if page_index < 1 or rows_per_page < 1:
        return u8_error(ERR_PARAM, "参数错误：page_index and rows_per_page start at 1")
    has_date = "date" in info.columns
    if (date_begin or date_end) and not has_date:
        return u8_error(ERR_PARAM, f"参数错误：{name}list has no date to filter on")
    window = Window(
        as_of=sim.as_of,
        since=begin,
        since_inclusive=True,
        until=min(end, sim.as_of) if end else None,
        date_column="date" if (date_begin or date_end) else None,
        date_from=date_begin,
        date_to=date_end,
    )
    shape = "saleorder" if name == "saleorder" else "flat"
    result = sim.store.result(ResultKey(f"erp/{info.entity.name}", shape, window))
    offset = (page_index - 1) * rows_per_page
    lo, hi = common.page_bounds(result.total, offset, rows_per_page)
    if shape == "saleorder":
        # The voucher's modifytime (header or line, whichever changed last; see store.py).
        overrides = {"modifytime": "CAST(to_json(_vmod) AS VARCHAR)"}
        pairs = [*field_pairs(info.entity, info.columns, overrides=overrides), ("entry", "_entry")]
    else:
        pairs = field_pairs(info.entity, info.columns)
    rows = (
        sim.store.page(result, lo, max(0, hi - lo), object_sql(pairs)) if lo < result.total else []
    )
    rows = common.apply_record_faults(rows, info.entity, info.columns, NEW_FIELD)
    common.served(len(rows))
    header = (
        f'{{"errcode":"0","errmsg":"","page_index":{page_index},"rows_per_page":{rows_per_page},'
        f'"row_count":{result.total},"page_count":{math.ceil(result.total / rows_per_page)},'
    )
    return common.json_text(f'{header}"{name}list":[{",".join(rows)}]}}')


@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str) -> Response:
    return u8_error(ERR_NO_API, f"接口不存在：/{rest} (unknown API)")
