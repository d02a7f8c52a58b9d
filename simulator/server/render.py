"""SQL expressions that make DuckDB write each record's JSON text.

Rendering in SQL keeps serving fast on large pages (no Python object per field) and keeps
every value exactly as the dataset wrote it: numbers go out verbatim as JSON numbers,
so ``86000.00`` is not rewritten as ``86000.0``. A value that is not a valid JSON number
(a planted bad quantity) goes out as a JSON string rather than breaking the document.
"""

from __future__ import annotations

import orjson

from extractors.contract import Entity

_JSON_NUMBER = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def json_string_sql(column_sql: str) -> str:
    return f"CAST(to_json({column_sql}) AS VARCHAR)"


def value_sql(column_sql: str, type_: str, *, strings_only: bool = False) -> str:
    """JSON text of one raw (VARCHAR) column; NULL stays SQL NULL (see object_sql)."""
    as_string = json_string_sql(column_sql)
    if strings_only:
        return as_string
    if type_ in ("int", "dec"):
        return (
            f"CASE WHEN regexp_full_match({column_sql}, {sql_str(_JSON_NUMBER)}) "
            f"THEN {column_sql} ELSE {as_string} END"
        )
    if type_ == "bool":
        return (
            f"CASE lower({column_sql}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' "
            f"ELSE {as_string} END"
        )
    return as_string


def object_sql(pairs: list[tuple[str, str]]) -> str:
    """A JSON object from (key, SQL expression of JSON text) pairs; NULL values → null."""
    if not pairs:
        return "'{}'"
    parts: list[str] = []
    for index, (key, expression) in enumerate(pairs):
        prefix = ("{" if index == 0 else ",") + orjson.dumps(key).decode() + ":"
        parts.append(sql_str(prefix))
        parts.append(f"coalesce({expression}, 'null')")
    parts.append("'}'")
    return " || ".join(parts)


def field_pairs(
    entity: Entity,
    columns: list[str],
    *,
    strings_only: bool = False,
    table_alias: str = "",
    overrides: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(key, JSON SQL) for the given columns, typed by the source contract (unknown columns: str)."""
    overrides = overrides or {}
    prefix = f"{table_alias}." if table_alias else ""
    types = {f.name: f.type for f in entity.fields}
    pairs = []
    for column in columns:
        if column in overrides:
            pairs.append((column, overrides[column]))
            continue
        column_sql = prefix + quote_ident(column)
        pairs.append(
            (column, value_sql(column_sql, types.get(column, "str"), strings_only=strings_only))
        )
    return pairs
