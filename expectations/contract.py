"""The published data contract (SPEC §6), read from the marts' dbt YAML.

The model YAML under `dbt_project/models/marts/` is the one place a published relation is
declared: each mart's description (which states its grain, "One row per ..."), its key,
and every column's name, data type, not-null constraint and business definition. dbt
enforces it when it builds a mart (`contract: enforced`); this module reads the same files
so the quality gate checks the same columns and types (expectations/suite.py) and
publishing writes the same definitions as `COMMENT ON` (expectations/publish.py).

Why the YAML files and not dbt's parsed manifest (`target/manifest.json`): the gate and
publish also run where dbt has not parsed the project (`perfchain publish` and `rollback`
from the CLI, the hand-built warehouses of tests/quality and tests/publish), a manifest
can be older than the YAML it was parsed from, and reading five small files with libyaml
takes tens of milliseconds. So descriptions are plain text: no Jinja (`{{ doc(...) }}`), which this
reader refuses. tests/warehouse/test_contract.py compares what it reads with the manifest
dbt parses, so the two readings cannot part.

The meta tables that publishing writes itself (dbt builds none of them) are declared in
Python at the end of this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from perfchain.core.errors import PerfchainError
from perfchain.core.settings import REPO_ROOT

MARTS_DIR = REPO_ROOT / "dbt_project" / "models" / "marts"

# "One row per order x stage x employee (SPEC 5.2): ..." → "order x stage x employee".
_GRAIN = re.compile(r"\bOne row per (.+?)(?:\s*\(|[.:;,]\s|[.:;,]?$)", re.DOTALL)
# The data types are written into the gate's SQL as `null::<type>`: letters, digits,
# spaces and a precision, nothing else.
_DATA_TYPE = re.compile(r"^[a-z][a-z0-9 ]*(\(\d+(,\s*\d+)?\))?$")


# libyaml's loader: the pure-Python one takes half a second over the marts' YAML.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContractError(PerfchainError):
    """The marts' YAML cannot be read as a contract."""


@dataclass(frozen=True)
class ColumnContract:
    name: str
    data_type: str  # as dbt's contract declares it, e.g. "decimal(18,4)"
    description: str
    not_null: bool


@dataclass(frozen=True)
class MartContract:
    name: str
    grain: str  # "order x stage x employee": from "One row per ..." in the description
    description: str
    key: tuple[str, ...]  # the grain's columns
    columns: dict[str, ColumnContract]  # in the order dbt builds them


def load_contracts(marts_dir: Path = MARTS_DIR) -> dict[str, MartContract]:
    """Every model with an enforced contract under `marts_dir`, by name, in file order."""
    contracts: dict[str, MartContract] = {}
    for path in sorted(marts_dir.rglob("*.yml")):
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        except yaml.YAMLError as error:
            raise ContractError(f"{path}: not valid YAML: {error}") from error
        for model in document.get("models") or []:
            if _enforced(model):
                contracts[model["name"]] = _mart(path, model)
    return contracts


def _enforced(model: dict[str, Any]) -> bool:
    config = model.get("config") or {}
    return bool((config.get("contract") or {}).get("enforced"))


def _mart(path: Path, model: dict[str, Any]) -> MartContract:
    name = model["name"]
    where = f"{path}: model {name}"
    description = _text(model.get("description"), where)
    columns: dict[str, ColumnContract] = {}
    for column in model.get("columns") or []:
        column_where = f"{where}, column {column.get('name')}"
        data_type = str(column.get("data_type") or "").strip().lower()
        if not _DATA_TYPE.match(data_type):
            raise ContractError(f"{column_where}: data_type {data_type!r} is not a plain type")
        columns[column["name"]] = ColumnContract(
            column["name"],
            data_type,
            _text(column.get("description"), column_where),
            any(_kind(constraint) == "not_null" for constraint in column.get("constraints") or []),
        )
    key = _key(model, columns)
    if not key:
        raise ContractError(
            f"{where}: no key (a unique_combination_of_columns test, a primary_key column or a "
            "column_rules key)"
        )
    grain = _GRAIN.search(description)
    return MartContract(name, grain.group(1).strip() if grain else "", description, key, columns)


def _text(value: Any, where: str) -> str:
    text = " ".join(str(value or "").split())
    if "{{" in text or "{%" in text:
        raise ContractError(f"{where}: descriptions are read without dbt, so no Jinja")
    return text


def _kind(item: Any) -> str:
    """A constraint's type, or a data test's name (`primary_key` or `{name: {...}}`)."""
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return str(item.get("type") or next(iter(item), ""))
    return ""


def _key(model: dict[str, Any], columns: dict[str, ColumnContract]) -> tuple[str, ...]:
    """The grain's key: the columns of the model's unique_combination_of_columns test (or
    the first `unique` combination of columns of its column_rules test), else its column with the
    primary_key test (or the `key` of its column_rules test)."""
    for test in model.get("data_tests") or []:
        if isinstance(test, dict) and "unique_combination_of_columns" in test:
            arguments = test["unique_combination_of_columns"] or {}
            arguments = arguments.get("arguments", arguments)
            return tuple(arguments["combination_of_columns"])
        if isinstance(test, dict) and "column_rules" in test:
            arguments = test["column_rules"] or {}
            arguments = arguments.get("arguments", arguments)
            # A one-column `unique` is a column's rule (dim_machine's mtconnect_uuid), not
            # the grain.
            combinations = [c for c in arguments.get("unique") or [] if len(c) > 1]
            if combinations:
                return tuple(combinations[0])
            if arguments.get("key"):
                return (arguments["key"],)
    for column in model.get("columns") or []:
        if any(_kind(test) == "primary_key" for test in column.get("data_tests") or []):
            return (column["name"],)
    return ()


CONTRACTS: dict[str, MartContract] = load_contracts()


# --- meta tables: written by publishing, not built by dbt --------------------------------

PUBLISH_LOG_COLUMNS: dict[str, str] = {
    "run_id": "Run that wrote this row (a nightly run id, or rollback-<time>).",
    "action": "publish | rollback.",
    "published_at": "When the file was put in place (UTC).",
    "data_through": "Last plant-local date the marts hold.",
    "checks_passed": "Number of quality checks that passed.",
    "checks_failed": "Number of warning checks that failed (blocking failures never publish).",
    "checks": "Each check: suite, name, severity, status; a failed (warning) check also "
    "its reason, what was observed (or the error) and up to five sample rows.",
    "row_counts": "Rows per mart, as JSON.",
    "file_name": "History file holding this content (published/history/).",
}
