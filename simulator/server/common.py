"""Helpers every protocol module shares: the request's state, pages and record faults."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app, g

from extractors.contract import Entity
from simulator.server.faults import Fault
from simulator.server.state import SimState

STATE_KEY = "perfchain_simulator"


def state() -> SimState:
    return current_app.extensions[STATE_KEY]


def fault() -> Fault | None:
    """The fault firing on this request, if any (set by the app's before_request hook)."""
    return g.get("fault")


def record_fault(kind: str) -> Fault | None:
    found = fault()
    return found if found is not None and found.kind == kind else None


def served(count: int) -> None:
    """Tell the request log how many records this response carries."""
    g.records = count


def json_text(
    body: str | bytes, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        body, status=status, headers=headers, content_type="application/json;charset=UTF-8"
    )


def json_obj(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_text(orjson.dumps(body), status, headers)


def page_bounds(total: int, offset: int, size: int) -> tuple[int, int]:
    """Rows [lo, hi) to serve for a page; the duplicate fault widens it by one record.

    The extra record is the next page's first (or, on the last page, the previous page's
    last), so one record appears on two pages while the cursor arithmetic stays the same.
    """
    lo, hi = offset, min(total, offset + size)
    if record_fault("duplicate") is not None:
        if hi < total:
            hi += 1
        elif lo > 0:
            lo -= 1
    return lo, hi


def _bad_value(ent: Entity, name: str) -> str:
    type_ = ent.field(name).type if name in ent.columns else "str"
    if type_ in ("int", "dec"):
        return "N/A"
    if type_ == "date":
        return "2026-02-30"
    if type_.startswith("ts"):
        return "not-a-timestamp"
    return "\u0000invalid"


def default_invalid_field(ent: Entity, served_fields: list[str]) -> str:
    """A numeric field if the record has one, else a date or timestamp, else the first."""
    types = {f.name: f.type for f in ent.fields}
    for wanted in (("int", "dec"), ("date", "ts_utc", "ts_local", "ts_offset")):
        for name in served_fields:
            if types.get(name) in wanted and name not in ent.key:
                return name
    return served_fields[0]


def changes_records() -> bool:
    """A fault that rewrites this page's records (invalid_field, new_field) is firing."""
    current = fault()
    return current is not None and current.kind in ("invalid_field", "new_field")


def apply_record_faults(
    rows: list[str], ent: Entity, served_fields: list[str], new_field_name: str
) -> list[str]:
    """The invalid_field and new_field faults, applied to a page's rendered JSON records."""
    if not rows or not changes_records():
        return rows
    current = fault()
    if current.kind == "invalid_field":
        name = str(current.params.get("field") or default_invalid_field(ent, served_fields))
        record = orjson.loads(rows[0])
        record[name] = current.params.get("value", _bad_value(ent, name))
        return [orjson.dumps(record).decode(), *rows[1:]]
    name = str(current.params.get("name", new_field_name))
    value = current.params.get("value", "unannounced")
    changed = []
    for row in rows:
        record = orjson.loads(row)
        record[name] = value
        changed.append(orjson.dumps(record).decode())
    return changed
