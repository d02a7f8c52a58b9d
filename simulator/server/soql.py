"""The SOQL subset the CRM extractor needs, parsed into a field list and a time window.

``SELECT f1, f2 FROM Object [WHERE SystemModstamp > <dateTime> [AND SystemModstamp <= ...]]
[ORDER BY SystemModstamp[, Id]] [LIMIT n]``. Datetime literals are unquoted ISO 8601 with
an offset, as in SOQL. Anything else answers MALFORMED_QUERY rather than being guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from simulator.server.clock import parse_iso_instant

CURSOR_FIELD = "SystemModstamp"

_QUERY = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>[A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?"
    r"(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_CONDITION = re.compile(
    r"^\s*(?P<field>[A-Za-z_][A-Za-z0-9_.]*)\s*(?P<op>>=|<=|>|<|=)\s*(?P<value>\S+)\s*$"
)
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Soql:
    fields: tuple[str, ...]
    sobject: str
    since: datetime | None
    since_inclusive: bool
    until: datetime | None
    order: tuple[str, ...]
    limit: int | None


def parse(text: str) -> Soql:
    found = _QUERY.match(text or "")
    if not found:
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in query: {text!r}")
    fields = tuple(part.strip() for part in found["fields"].split(","))
    if not fields or not all(_IDENT.match(name) for name in fields):
        raise SoqlError("MALFORMED_QUERY", f"unexpected token in field list: {found['fields']!r}")
    since: datetime | None = None
    until: datetime | None = None
    inclusive = False
    if found["where"]:
        for condition in re.split(r"\s+AND\s+", found["where"], flags=re.IGNORECASE):
            part = _CONDITION.match(condition)
            if not part:
                raise SoqlError("MALFORMED_QUERY", f"unexpected token in WHERE: {condition!r}")
            if part["field"].lower() != CURSOR_FIELD.lower():
                raise SoqlError(
                    "MALFORMED_QUERY",
                    f"the simulator filters on {CURSOR_FIELD} only, not {part['field']!r}",
                )
            moment = _datetime(part["value"])
            op = part["op"]
            if op in (">", ">="):
                if since is not None:
                    raise SoqlError("MALFORMED_QUERY", "more than one lower bound")
                since, inclusive = moment, op == ">="
            elif op in ("<", "<="):
                if until is not None:
                    raise SoqlError("MALFORMED_QUERY", "more than one upper bound")
                until = moment if op == "<=" else moment - timedelta(microseconds=1)
            else:
                since, inclusive, until = moment, True, moment
    order: tuple[str, ...] = ()
    if found["order"]:
        order = tuple(item.strip().split()[0] for item in found["order"].split(","))
        for item, raw in zip(order, found["order"].split(","), strict=True):
            words = raw.split()
            if len(words) > 1 and words[1].upper() != "ASC" or not _IDENT.match(item):
                raise SoqlError("MALFORMED_QUERY", f"unexpected token in ORDER BY: {raw.strip()!r}")
    limit = int(found["limit"]) if found["limit"] else None
    return Soql(fields, found["object"], since, inclusive, until, order, limit)


def _datetime(literal: str) -> datetime:
    if literal.startswith(("'", '"')) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", literal):
        raise SoqlError(
            "INVALID_FIELD",
            f"value of filter criterion for field '{CURSOR_FIELD}' must be of type dateTime "
            "and should not be enclosed in quotes",
        )
    try:
        return parse_iso_instant(literal)
    except ValueError as error:
        raise SoqlError(
            "MALFORMED_QUERY", f"line 1: no viable alternative at {literal!r}"
        ) from error
