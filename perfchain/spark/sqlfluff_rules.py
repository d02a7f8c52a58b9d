"""A SQLFluff plugin rule: no double-quoted identifier and no bare `varchar` written in the
dbt SQL, the two spellings that run on DuckDB and give wrong data or fail on Spark.

- Spark SQL reads `"x"` as the string literal 'x': `partition by id, "timestamp"` partitions
  by a constant and every `"employee_name"` is the text 'employee_name', with no error
  (issue 24). An identifier that must be quoted is quoted by the adapter:
  `{{ adapter.quote('timestamp') }}` renders `"timestamp"` on DuckDB and `` `timestamp` ``
  on Spark.
- `varchar` without a length is DuckDB's (and Postgres') string type; Spark wants
  `string` (or `varchar(n)`). The type macros render the engine's own:
  `{{ dbt.type_string() }}`.

Only what is written in the file counts: the same spellings rendered by a macro (the lint
renders `adapter.quote` as DuckDB would) come from template code the rule does not judge.

Registered with SQLFluff by perfchain/spark/sqlfluff_plugin.py (the `sqlfluff` entry point
in pyproject.toml), so `make lint` runs it with the core rules: code `Perfchain_PT01`,
name `perfchain.portable_sql`.
"""

from __future__ import annotations

from sqlfluff.core.rules import BaseRule, LintResult, RuleContext
from sqlfluff.core.rules.crawlers import SegmentSeekerCrawler

BARE_TYPES = frozenset({"varchar"})


class Rule_Perfchain_PT01(BaseRule):  # noqa: N801 - SQLFluff derives the code from the name
    """Identifiers quoted through the adapter and string types through the type macros.

    **Anti-pattern**

    Double-quoted identifiers and a bare ``varchar`` are DuckDB's spelling: Spark reads
    ``"x"`` as a string literal (wrong data, no error) and has no ``varchar`` without a
    length.

    .. code-block:: sql

        select cast(plant_id as varchar) as plant_id, "timestamp"
        from states

    **Best practice**

    Let the adapter quote and the type macro name the type.

    .. code-block:: sql

        select cast(plant_id as {{ dbt.type_string() }}) as plant_id,
            {{ adapter.quote('timestamp') }}
        from states
    """

    name = "perfchain.portable_sql"
    aliases = ()
    groups = ("all",)
    crawl_behaviour = SegmentSeekerCrawler({"quoted_identifier", "data_type"})
    is_fix_compatible = False

    def _eval(self, context: RuleContext) -> LintResult | None:
        segment = context.segment
        marker = segment.pos_marker
        # Rendered by template code (a macro, `adapter.quote`): not written here.
        if marker is None or not marker.is_literal():
            return None
        if segment.is_type("quoted_identifier"):
            if not segment.raw.startswith('"'):
                return None
            name = segment.raw[1:-1].replace('""', '"')
            return LintResult(
                anchor=segment,
                description=(
                    f"Double-quoted identifier {segment.raw}: Spark reads it as the string "
                    f"'{name}'. Quote through the adapter: {{{{ adapter.quote('{name}') }}}}."
                ),
            )
        words = [child for child in segment.segments if not child.is_whitespace]
        if not words or words[0].raw.lower() not in BARE_TYPES:
            return None
        if any(child.is_type("bracketed_arguments", "bracketed") for child in words[1:]):
            return None
        return LintResult(
            anchor=segment,
            description=(
                f"Bare type {segment.raw}: DuckDB's string type, not Spark's. "
                "Use {{ dbt.type_string() }}."
            ),
        )
