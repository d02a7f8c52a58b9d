"""How one landed record is typed and judged, as SQL over its JSON text.

Each field is parsed with TRY_CAST to the type the contract gives it; a record fails when
a required field is missing or a value does not parse, and the reason says which field
and what it held. The load (extractors/landing/load.py) uses these expressions on both of
its routes; the quarantine matches records on `key_expr`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from extractors.contract import Entity
from extractors.landing.raw import SQL_TYPES, sql_str


def json_paths(entity: Entity) -> str:
    """The JSON paths of the entity's fields, for one `json_extract_string` call that parses
    each record once (a `->>` per field would parse it once per field)."""
    return (
        "["
        + ", ".join(sql_str("$." + json.dumps(f.name, ensure_ascii=False)) for f in entity.fields)
        + "]"
    )


def value_text(index: int) -> str:
    """The text of the entity's index-th field (as `->>` gives it), from `_values`."""
    return f"_values[{index + 1}]"


def read_json_text(index: int) -> str:
    """The text of the entity's index-th field as `read_json` gives it (`_load_direct`)."""
    return f'"_text_{index}"'


def typed_fields(entity: Entity, raw: Callable[[int], str] = value_text) -> str:
    """Each field parsed to its contract type (TRY_CAST: NULL when it does not parse)."""
    return ",\n".join(
        (f"try_cast({raw(i)} as {SQL_TYPES[f.type]})" if f.type != "str" else raw(i))
        + f' as "{f.name}"'
        for i, f in enumerate(entity.fields)
    )


def _failures(entity: Entity, text: Callable[[int], str]) -> list[tuple[str, str]]:
    """(SQL condition, SQL reason) for each way a record fails the contract: a required field
    missing, a value that does not parse to its type. `text(i)` is the i-th field's text,
    the typed columns are those of `typed_fields`."""
    failures = []
    for i, f in enumerate(entity.fields):
        if f.required:
            failures.append((f"{text(i)} is null", f"'{f.name}: required, missing'"))
        if f.type != "str":
            failures.append(
                (
                    f'{text(i)} is not null and "{f.name}" is null',
                    f"'{f.name}: not a {f.type}: ' || left({text(i)}, 40)",
                )
            )
    return failures


def clean_expr(entity: Entity) -> str:
    """True for a record the checked route would not quarantine, on the texts `read_json`
    gives (`read_json_text`)."""
    return (
        " and ".join(f"not ({condition})" for condition, _ in _failures(entity, read_json_text))
        or "true"
    )


def reason_expr(entity: Entity) -> str:
    """Why a record is quarantined ('' when it is not), on the texts of `_values`
    (`value_text`)."""
    cases = [
        f"case when {condition} then {reason} end"
        for condition, reason in _failures(entity, value_text)
    ]
    return "concat_ws('; ', " + ", ".join(cases) + ")" if cases else "''"


def hwm_expr(entity: Entity, plant_tz: str) -> str:
    f = entity.field(entity.modstamp)
    if f.type == "ts_local":
        return f'timezone({sql_str(plant_tz)}, "{f.name}")'
    if f.type in ("ts_utc", "ts_offset"):
        return f'"{f.name}"'
    raise ValueError(f"{entity.source}.{entity.name}: modstamp {f.name} is not a timestamp")


def _key_part(entity: Entity, name: str) -> str:
    """One key field of a typed row as text, spelled the same whatever the session's time
    zone: quarantine and raw are matched on it (`release_quarantine`)."""
    type_ = entity.field(name).type
    if type_ in ("ts_utc", "ts_offset"):
        return f"strftime(timezone('UTC', \"{name}\"), '%Y-%m-%dT%H:%M:%S.%fZ')"
    if type_ == "ts_local":
        return f"strftime(\"{name}\", '%Y-%m-%dT%H:%M:%S.%f')"
    return f'cast("{name}" as VARCHAR)'


def key_expr(entity: Entity) -> str:
    """The record's key as text, over its typed fields: the value of a one-field key, a
    JSON array of the texts for a composite one; null when a key field is missing or did
    not parse (a keyless quarantined record)."""
    parts = [_key_part(entity, name) for name in entity.key]
    if len(parts) == 1:
        return parts[0]
    missing = " or ".join(f'"{name}" is null' for name in entity.key)
    return f"case when {missing} then null else to_json([{', '.join(parts)}])::VARCHAR end"
