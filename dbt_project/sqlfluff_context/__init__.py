"""What dbt adds to Jinja, as far as the project's SQL uses it, for SQLFluff's templater.

SQLFluff renders the models with plain Jinja plus the project's macros (.sqlfluff says why
not with dbt itself). Its dbt builtins give `ref`, `source`, `var`, `config`, `this` and
`return`; everything in this module becomes a name in the Jinja context too, and wins over
a builtin of the same name. The models are linted as dbt compiles them for a full build
on DuckDB, without a database: `execute` is false (as while dbt parses), so the macros skip
their introspection of existing relations, and `is_incremental()` is false, so each model
renders its full-build SQL.
"""

from __future__ import annotations

from datetime import UTC as _UTC
from datetime import datetime as _datetime
from typing import Any as _Any

import jinja2 as _jinja2

execute = False
# A fixed instant: the rendered SQL, and so the lint result, must not change between runs.
run_started_at = _datetime(2026, 1, 1, tzinfo=_UTC)


def env_var(name: str, default: str = "") -> str:
    """The default, never the environment: linting must not depend on who runs it."""
    return default


def is_incremental() -> bool:
    return False


class _Adapter:
    """dbt's `adapter`: the two calls the models make while rendering."""

    @staticmethod
    @_jinja2.pass_context
    def dispatch(
        context: _jinja2.runtime.Context, macro_name: str, macro_namespace: str | None = None
    ) -> _Any:
        """The macro dbt-duckdb would run: `duckdb__<name>`, else `default__<name>`."""
        for prefix in ("duckdb__", "default__"):
            macro = context.get(prefix + macro_name)
            if macro is not None:
                return macro
        raise KeyError(f"no duckdb__ or default__ implementation of macro {macro_name!r}")

    @staticmethod
    def quote(identifier: str) -> str:
        return f'"{identifier}"'


adapter = _Adapter()


class _Dbt:
    """dbt's own cross-database macros (`dbt.type_string()` …) the SQL calls, with the
    types dbt-duckdb gives them."""

    @staticmethod
    def type_string() -> str:
        return "varchar"

    @staticmethod
    def type_timestamp() -> str:
        return "timestamp"

    @staticmethod
    def type_int() -> str:
        return "integer"

    @staticmethod
    def type_bigint() -> str:
        return "bigint"

    @staticmethod
    def type_boolean() -> str:
        return "boolean"

    @staticmethod
    def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
        return f"date_add({from_date_or_timestamp}, interval ({interval}) {datepart})"

    @staticmethod
    def datediff(first_date: str, second_date: str, datepart: str) -> str:
        return f"date_diff('{datepart}', {first_date}, {second_date})"

    @staticmethod
    def listagg(
        measure: str, delimiter_text: str = "','", order_by_clause: str | None = None
    ) -> str:
        """dbt-duckdb's `duckdb__listagg` without a limit."""
        order = f" {order_by_clause}" if order_by_clause else ""
        return f"string_agg({measure}, {delimiter_text}{order})"


dbt = _Dbt()
