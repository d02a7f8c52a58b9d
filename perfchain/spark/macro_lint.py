"""The portable-SQL rule (perfchain/spark/sqlfluff_rules.py) for the dbt macros.

SQLFluff lints what a file renders to, and a macro file renders to nothing (its SQL appears
in the models that call it, as template output the rule does not judge: dbt_project/
.sqlfluffignore), so the macros get the same two checks here, on their text: the SQL
written inside them, with the Jinja tags and comments, SQL comments and single-quoted
literals taken out first, must hold no double-quoted identifier and no bare `varchar`. SQL
that a macro builds inside a Jinja string (`"cast(" ~ column ~ " as varchar)"`) is not
seen: keep such SQL in the macro's body, where it is checked.

`python -m perfchain.spark.macro_lint [DIR ...]` (default dbt_project/macros and
dbt_project/tests/generic) prints each
finding as `file:line:column: message` and exits 1 when there is one; `make lint` runs it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from perfchain.core.settings import REPO_ROOT

# The macros and the generic tests (`{% test %}` blocks): SQL no model file shows.
MACRO_DIRS = (REPO_ROOT / "dbt_project" / "macros", REPO_ROOT / "dbt_project" / "tests" / "generic")

# What is not SQL written in the macro, in the order it must be blanked: a Jinja comment
# may hold tags, a tag may hold quotes, a SQL comment may hold quotes.
_MACRO = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(.*?\{%-?\s*endmacro\s*-?%\}", re.S)
_JINJA = re.compile(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", re.S)
_SQL_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r"'(?:[^']|'')*'")
_QUOTED = re.compile(r'"([^"\n]+)"')
_BARE_VARCHAR = re.compile(r"\bvarchar\b(?!\s*\()", re.I)


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(REPO_ROOT)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}:{self.column}: {self.message}"


def _blank(text: str, pattern: re.Pattern[str]) -> str:
    """`text` with each match replaced by spaces (newlines kept): positions stay put."""
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _engine_bodies(text: str) -> str:
    """`text` without the engine-specific bodies of dispatched macros (`spark__x`,
    `duckdb__x`): each runs on its own engine only, where its spelling is that engine's
    (a Spark body's `"yyyy-MM-dd"` is a Spark string). `default__x` is checked: it runs
    wherever no engine has its own body."""

    def blank(match: re.Match[str]) -> str:
        engine = match.group(1).split("__", 1)[0] if "__" in match.group(1) else ""
        keep = not engine or engine == "default"
        return match.group(0) if keep else re.sub(r"[^\n]", " ", match.group(0))

    return _MACRO.sub(blank, text)


def findings(text: str, path: Path) -> list[Finding]:
    sql = _blank(_blank(_blank(_engine_bodies(text), _JINJA), _SQL_COMMENT), _STRING)
    found = []
    for pattern, message in (
        (
            _QUOTED,
            "double-quoted identifier {0}: Spark reads it as a string; "
            "quote through the adapter: {{{{ adapter.quote('{1}') }}}}",
        ),
        (
            _BARE_VARCHAR,
            "bare type {0}: DuckDB's string type, not Spark's; use {{{{ dbt.type_string() }}}}",
        ),
    ):
        for match in pattern.finditer(sql):
            line = sql.count("\n", 0, match.start()) + 1
            column = match.start() - (sql.rfind("\n", 0, match.start()) + 1) + 1
            name = match.group(1) if match.groups() else match.group(0)
            found.append(Finding(path, line, column, message.format(match.group(0), name)))
    return sorted(found, key=lambda f: (f.line, f.column))


def lint_paths(paths: list[Path]) -> list[Finding]:
    files = sorted(
        file for path in paths for file in ([path] if path.is_file() else path.rglob("*.sql"))
    )
    return [
        finding for file in files for finding in findings(file.read_text(encoding="utf-8"), file)
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    found = lint_paths([Path(arg) for arg in args] or list(MACRO_DIRS))
    for finding in found:
        print(finding)
    if found:
        print(f"{len(found)} non-portable spelling(s) in the dbt macros (docs/scale-out.md)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
