"""The SQLFluff plugin of perfchain (entry point `sqlfluff` in pyproject.toml): SQLFluff's
plugin API, a `get_rules` hook that imports the rules only when SQLFluff asks for them."""

from __future__ import annotations

from typing import Any

from sqlfluff.core.plugin import hookimpl


@hookimpl
def get_rules() -> list[Any]:
    from perfchain.spark.sqlfluff_rules import Rule_Perfchain_PT01

    return [Rule_Perfchain_PT01]


@hookimpl
def load_default_config() -> dict[str, Any]:
    return {}


@hookimpl
def get_configs_info() -> dict[str, Any]:
    return {}
