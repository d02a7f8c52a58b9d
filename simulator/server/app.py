"""The Flask app: one port, a path prefix per source, faults and the request log around it.

Every request under a source prefix is counted against the fault plan before its
handler runs (so ``@n`` means the n-th request that source saw) and logged after it.
Faults that replace the answer are rendered by the protocol module in the shape the real
system uses; faults that change records are applied by the handlers while paging;
``truncated`` and ``malformed`` spoil the finished body here.
"""

from __future__ import annotations

import logging
import time
import traceback
from datetime import date, datetime
from types import ModuleType
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException

from extractors.contract import SOURCES
from simulator.server import common, crm, erp, mtconnect, oa, rest, robots
from simulator.server.credentials import REST_SOURCES, Credentials
from simulator.server.faults import FaultPlan
from simulator.server.state import DEFAULT_BUFFER_SIZE, LoggedRequest, SimState
from simulator.server.store import DataStore

log = logging.getLogger(__name__)

GATEWAY_503 = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    "<center><h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center>"
    "</body></html>"
)
AUTH_PATHS = (
    "/crm/services/oauth2/token",
    "/erp/system/token",
    "/oa/api/ec/dev/auth/regist",
    "/oa/api/ec/dev/auth/applytoken",
    *(f"/{source}/auth/token" for source in REST_SOURCES),
)


def protocol(path: str) -> ModuleType | None:
    """The module that speaks for a path (None outside the source prefixes)."""
    parts = path.strip("/").split("/")
    source = parts[0]
    if source not in SOURCES:
        return None
    if source == "mes" and len(parts) > 1 and parts[1] == "mtconnect":
        return mtconnect
    return {"crm": crm, "erp": erp, "oa": oa}.get(source, rest)


def _token_of(module: ModuleType) -> str | None:
    getter = getattr(module, "token_of", None)
    return getter() if getter else None


def _before() -> Response | None:
    module = protocol(request.path)
    g.records = 0
    g.fault = None
    if module is None:
        return None
    sim = common.state()
    source = request.path.strip("/").split("/")[0]
    g.source = source
    fault = sim.faults.take(source, request.path, request.path.rstrip("/") in AUTH_PATHS)
    g.fault = fault
    if fault is None:
        return None
    if fault.kind == "slow":
        time.sleep(float(fault.params.get("seconds", 5)))
    elif fault.kind in ("rate_limit", "server_error", "unavailable"):
        answer = module.fault_response(fault.kind)
        if answer is None:  # unavailable: the gateway in front of the system answers
            answer = Response(GATEWAY_503, status=503, content_type="text/html")
        return answer
    elif fault.kind == "token_expiry":
        sim.tokens.revoke(_token_of(module))
    elif fault.kind == "agent_restart":
        mtconnect.restart(sim)
    return None


def _spoil(response: Response, kind: str) -> Response:
    body = response.get_data()
    half = max(1, len(body) // 2)
    if kind == "malformed":
        response.set_data(body[:half] + b"\x00\xff<<garbled>>" + body[half:])
        return response
    # truncated: promise the whole body, send half, close: the client sees an incomplete read.
    response.set_data(body[:half])
    response.headers["Content-Length"] = str(len(body))
    response.headers["Connection"] = "close"
    return response


def _after(response: Response) -> Response:
    source = g.get("source")
    if source is None:
        return response
    fault = g.get("fault")
    if fault is not None and fault.kind in ("truncated", "malformed"):
        response = _spoil(response, fault.kind)
    query = request.args.to_dict()
    if request.method == "POST" and request.form:
        query.update(request.form.to_dict())
    common.state().record(
        LoggedRequest(
            source=source,
            method=request.method,
            path=request.path,
            query=query,
            status=response.status_code,
            records=int(g.get("records", 0)),
            fault=fault.spec() if fault is not None else None,
        )
    )
    return response


def _control(app: Flask) -> None:
    """Control endpoints for a simulator running as its own process."""

    @app.post("/_sim/as_of")
    def set_as_of() -> Response:
        body = request.get_json(silent=True) or {}
        value = body.get("as_of")
        sim = common.state()
        try:
            moment: date | datetime | None = None
            if value:
                moment = (
                    datetime.fromisoformat(value)
                    if "T" in value or " " in value
                    else date.fromisoformat(value)
                )
            sim.set_as_of(moment)
        except (TypeError, ValueError):
            return common.json_obj(
                {"error": "as_of must be YYYY-MM-DD or an ISO 8601 datetime"}, 400
            )
        return common.json_obj(sim.health())

    @app.post("/_sim/faults")
    def set_faults() -> Response:
        body = request.get_json(silent=True) or {}
        sim = common.state()
        try:
            if body.get("replace"):
                sim.faults.clear()
            sim.faults.add(str(body.get("spec") or ""))
        except ValueError as error:
            return common.json_obj({"error": str(error)}, 400)
        return common.json_obj({"faults": sim.faults.to_list()})

    @app.delete("/_sim/faults")
    def clear_faults() -> Response:
        common.state().faults.clear()
        return common.json_obj({"faults": []})

    @app.get("/_sim/log")
    def get_log() -> Response:
        source = request.args.get("source")
        entries = [e.to_dict() for e in list(common.state().log) if source in (None, e.source)]
        return common.json_obj(entries)

    @app.post("/_sim/reset")
    def reset() -> Response:
        sim = common.state()
        sim.reset()
        robots.board().reset()
        return common.json_obj(sim.health())

    @app.get("/_sim/health")
    def health() -> Response:
        return common.json_obj(common.state().health())

    @app.get("/")
    def root() -> Response:
        base = request.host_url.rstrip("/")
        return common.json_obj(
            {
                "simulator": "perfchain",
                "sources": {s: f"{base}/{s}" for s in SOURCES},
                "mtconnect": f"{base}/mes/mtconnect",
                "control": f"{base}/_sim/health",
            }
        )


def create_app(
    store: DataStore,
    *,
    faults: str | FaultPlan | None = None,
    credentials: Credentials | None = None,
    as_of: date | datetime | None = None,
    buffer_size: int = DEFAULT_BUFFER_SIZE,
    state: SimState | None = None,
) -> Flask:
    """The WSGI app serving ``store``; its SimState is ``app.extensions[STATE_KEY]``."""
    plan = faults if isinstance(faults, FaultPlan) else FaultPlan(faults)
    sim = state or SimState(
        store, faults=plan, credentials=credentials, as_of=as_of, buffer_size=buffer_size
    )
    app = Flask("perfchain_simulator")
    app.extensions[common.STATE_KEY] = sim
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.before_request(_before)
    app.after_request(_after)

    @app.errorhandler(Exception)
    def crashed(error: Exception) -> Any:
        if isinstance(error, HTTPException):
            return error
        log.error(
            "simulator error on %s %s\n%s", request.method, request.path, traceback.format_exc()
        )
        return common.json_obj({"error": "simulator_error", "message": str(error)}, 500)

    mtconnect.prepare(store)
    app.register_blueprint(crm.bp, url_prefix="/crm")
    app.register_blueprint(erp.bp, url_prefix="/erp")
    app.register_blueprint(oa.bp, url_prefix="/oa")
    app.register_blueprint(mtconnect.bp, url_prefix="/mes/mtconnect")
    for source in REST_SOURCES:
        app.register_blueprint(rest.blueprint(source), url_prefix=f"/{source}")
    robots.install(app)  # /wecom and /dingtalk: the alert robots (robots.py)
    _control(app)
    return app
