"""Whether a dataset folder follows docs/dataset.md, checked before the simulator serves it.

Without this check a hand-written dataset fails quietly: a misspelled file is served as an
empty entity, a misspelled column as an extra field beside a real one that is always null,
an unparseable version time hides its row. ``dataset_problems`` lists every problem at once
(each check's first rows, then how many more), naming file, line and column;
``require_valid`` raises them as one error. The fields, keys, version columns and types
come from ``extractors.contract``; nothing is listed twice.

Values are checked by DuckDB straight from each CSV, as text, in one aggregate scan per file
(a scale-s dataset's 1.1 M rows take 2 s of CPU, a third of the store's load); only a file
with problems is read again to find their rows, and then once more, by Python's csv reader,
to turn record numbers into the line numbers a text editor shows.
"""

from __future__ import annotations

import csv
import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from extractors.contract import ENTITIES, SOURCES, Entity
from perfchain.core.errors import PerfchainError
from simulator.server.clock import DEFAULT_TZ
from simulator.server.render import quote_ident, sql_str
from simulator.server.store import dataset_timezone, version_time_sql

SHOWN_PER_CHECK = 5  # rows named per check and file; the rest are counted
ROOT_ENTRIES = frozenset({"manifest.json", "planted.json", "excel", *SOURCES})

_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
# Per type: the written form docs/dataset.md prescribes, the cast that must also succeed
# (the pattern lets through a 13th month), and how the form is described in messages.
TYPES: dict[str, tuple[str, str | None, str]] = {
    "int": (r"-?[0-9]+", None, "an integer without separators"),
    "dec": (r"-?[0-9]+(\.[0-9]+)?", None, "a plain decimal with '.' (no exponent)"),
    "bool": (r"true|false", None, "true or false"),
    "date": (_DATE, "DATE", "a date YYYY-MM-DD"),
    "ts_utc": (
        rf"{_DATE}T{_TIME}(Z|\+0000|\+00:00)",
        "TIMESTAMPTZ",
        "a UTC time YYYY-MM-DDTHH:MM:SS.000+0000 or YYYY-MM-DDTHH:MM:SSZ",
    ),
    "ts_local": (rf"{_DATE} {_TIME}", "TIMESTAMP", "a local time YYYY-MM-DD HH:MM:SS"),
    "ts_offset": (
        rf"{_DATE}T{_TIME}(Z|[+-][0-9]{{2}}:[0-9]{{2}})",
        "TIMESTAMPTZ",
        "a time with offset YYYY-MM-DDTHH:MM:SS+08:00",
    ),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is: ``line`` counts the file's lines from 1 (the header)."""

    file: str
    message: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column is not None:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class DatasetError(PerfchainError):
    """A dataset folder that does not follow docs/dataset.md; lists every problem found."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.problems = problems
        listed = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(
            f"{root} is not a valid dataset ({len(problems)} problem(s), see "
            f"docs/dataset.md):\n{listed}"
        )


def require_valid(root: Path) -> None:
    """Raise DatasetError unless the dataset at ``root`` is valid."""
    problems = dataset_problems(root)
    if problems:
        raise DatasetError(root, problems)


def dataset_problems(root: Path) -> list[Problem]:
    """Every problem of the dataset at ``root``: layout, manifest, and each entity's file."""
    root = Path(root)
    if not root.is_dir():
        return [Problem(str(root), "not a folder")]
    problems = _layout_problems(root)
    manifest, manifest_problems = _manifest(root)
    problems += manifest_problems
    tz = dataset_timezone(manifest)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem("manifest.json", f"unknown time zone {tz!r}"))
        tz = DEFAULT_TZ  # to check the rest
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"SET TimeZone = {sql_str('UTC')}")
        for ent in ENTITIES:
            if (root / ent.path).is_file():
                problems += _file_problems(con, root, ent, tz)
            elif (root / ent.path).exists():
                problems.append(Problem(ent.path, "not a file"))
    finally:
        con.close()
    return problems


def _close(name: str, candidates: Iterable[str]) -> str:
    """A hint at the name that was meant (case-blind: ``Hr`` means ``hr``)."""
    by_lower = {candidate.lower(): candidate for candidate in candidates}
    match = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
    return f" (did you mean {by_lower[match[0]]}?)" if match else ""


def _layout_problems(root: Path) -> list[Problem]:
    """Missing entity files, and files or folders the format does not know (misspellings)."""
    expected = {ent.path for ent in ENTITIES}
    present = {
        path.relative_to(root).as_posix()
        for source in SOURCES
        if (root / source).is_dir()
        for path in (root / source).iterdir()
        if not path.name.startswith(".")
    }
    problems = [
        Problem(
            name, "unknown file: the dataset format has no such entity" + _close(name, expected)
        )
        for name in sorted(present - expected)
    ]
    problems += [
        Problem(name, "missing: every entity needs its file, with a header row at least")
        for name in sorted(expected - present)
    ]
    for path in sorted(root.iterdir()):
        if path.name not in ROOT_ENTRIES and not path.name.startswith("."):
            problems.append(
                Problem(
                    path.name,
                    "unknown file or folder at the dataset root" + _close(path.name, ROOT_ENTRIES),
                )
            )
    return problems


def _manifest(root: Path) -> tuple[dict[str, Any], list[Problem]]:
    problems = []
    manifest: dict[str, Any] = {}
    for name in ("manifest.json", "planted.json"):
        path = root / name
        if not path.is_file():
            continue
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(Problem(name, f"not valid UTF-8 JSON: {error}"))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(name, "must hold a JSON object"))
        elif name == "manifest.json":
            manifest = value
    return manifest, problems


def _header(path: Path) -> tuple[list[str] | None, str | None]:
    """The header row, or why there is none usable."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except csv.Error as error:
        return None, f"header row cannot be read as CSV: {error}"
    if not header:
        return None, "empty: no header row"
    return header, None


def _file_problems(
    con: duckdb.DuckDBPyConnection, root: Path, ent: Entity, tz: str
) -> list[Problem]:
    path = root / ent.path
    header, unreadable = _header(path)
    if header is None:
        return [Problem(ent.path, unreadable or "unreadable", 1)]
    problems: list[Problem] = []
    if header[0].startswith("\ufeff"):
        problems.append(
            Problem(ent.path, "starts with a byte order mark: write UTF-8 without BOM", 1)
        )
        header[0] = header[0][1:]
    columns = ent.columns
    doubled = sorted({name for name in header if header.count(name) > 1})
    for name in doubled:
        problems.append(Problem(ent.path, "column appears more than once in the header", 1, name))
    unknown = [name for name in header if name not in columns]
    for name in unknown:
        problems.append(
            Problem(
                ent.path,
                "unknown column: not a field of this entity" + _close(name, columns),
                1,
                name,
            )
        )
    for name in columns:
        if name not in header:
            problems.append(Problem(ent.path, "missing column" + _close(name, unknown), 1, name))
    if doubled or "" in header:
        return problems  # DuckDB cannot name two columns alike, or none; values wait for a fix
    return problems + _value_problems(con, path, ent, header, tz)


def _source_sql(path: Path, header: list[str], rejects: str) -> str:
    # As the store reads it: every column as text, no sniffing; malformed rows are set
    # aside into the rejects table instead of stopping the scan at the first.
    columns = "{" + ", ".join(f"{sql_str(name)}: 'VARCHAR'" for name in header) + "}"
    return (
        f"read_csv({sql_str(str(path))}, header = true, auto_detect = false, delim = ',', "
        f"quote = '\"', escape = '\"', columns = {columns}, store_rejects = true, "
        f"rejects_table = {sql_str(rejects + '_errors')}, "
        f"rejects_scan = {sql_str(rejects + '_scans')})"
    )


@dataclass(frozen=True)
class _Found:
    """A problem located by record number; ``{other}`` in the message becomes other's line."""

    message: str
    record: int | None = None
    column: str | None = None
    other: int | None = None


@dataclass(frozen=True)
class _Check:
    column: str
    bad_sql: str  # true on a bad row
    value_sql: str  # what the message shows
    message: str  # with {value}


def _checks(ent: Entity, present: list[str]) -> list[_Check]:
    checks = []
    for spec in ent.fields:
        if spec.name not in present:
            continue
        col = quote_ident(spec.name)
        version = spec.name == ent.modstamp
        if spec.required or version:
            what = "version time" if version else "value"
            checks.append(
                _Check(spec.name, f"{col} IS NULL", "NULL", f"empty {what}, but required")
            )
        pattern, cast, described = TYPES.get(spec.type, (None, None, ""))
        if pattern is None:
            continue
        bad = f"NOT regexp_full_match({col}, {sql_str(pattern)})"
        if cast is not None:
            bad += f" OR TRY_CAST({col} AS {cast}) IS NULL"
        if version:
            # The cast is the store's own parse (version_time_sql): what passes it loads.
            message = f"unparseable version time {{value}}: expected {described}"
        else:
            message = f"{{value}} is not {spec.type}: expected {described}"
        checks.append(_Check(spec.name, f"({col} IS NOT NULL AND ({bad}))", col, message))
    return checks


def _value_problems(
    con: duckdb.DuckDBPyConnection, path: Path, ent: Entity, header: list[str], tz: str
) -> list[Problem]:
    """Types, required values, version times and duplicate key + version of one file.

    Problems are located by record number (1 = first data row) and turned into line
    numbers at the end (``_lines``).
    """
    rejects = f"rejects_{ent.source}_{ent.name}"
    source = _source_sql(path, header, rejects)
    checks = _checks(ent, header)
    version_ok = ent.modstamp in header and all(key in header for key in ent.key)
    version = version_time_sql(ent.modstamp, ent.field(ent.modstamp).type, tz)
    keys = ", ".join(quote_ident(key) for key in ent.key)
    counts = [f"count(*) FILTER (WHERE {check.bad_sql})" for check in checks]
    if version_ok:
        # Rows beyond one per key + version, by hash: nearly free in the same scan, and a
        # (64-bit, so improbable) collision only costs the exact count below.
        timed = f"FILTER (WHERE {version} IS NOT NULL)"
        counts.append(f"count(*) {timed} - count(DISTINCT hash({keys}, {version})) {timed}")
    try:
        # fetchall, not fetchone: DuckDB writes the rejects table when the query completes.
        (found,) = con.execute(f"SELECT {', '.join(counts) or '0'} FROM {source}").fetchall()
    except duckdb.Error as error:
        return [Problem(ent.path, f"cannot be read as CSV: {str(error).splitlines()[0]}")]
    try:
        rejected = con.execute(
            f"SELECT line, column_name, error_message FROM {rejects}_errors ORDER BY line"
        ).fetchall()
    except duckdb.CatalogException:
        rejected = []  # DuckDB makes the table only for a scan that rejected rows
    if rejected:
        # Rows set aside shift every later record number: name the malformed rows (DuckDB
        # numbers them by record, header and blank lines included) and stop there.
        shown = [
            _Found(f"malformed CSV row: {message}", int(line), column)
            for line, column, message in rejected[: SHOWN_PER_CHECK * 2]
        ]
        more = len(rejected) - len(shown)
        if more > 0:
            shown.append(_Found(f"{more} more malformed row(s)"))
        shown.append(_Found("values not checked until the malformed rows are fixed"))
        return _lines(path, ent, shown, counts_blank=True)
    doubles = 0
    if version_ok and found[-1]:
        (doubles,) = con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {version} IS NOT NULL "
            f"GROUP BY {keys}, {version} HAVING count(*) > 1)"
        ).fetchone() or (0,)
    located: list[_Found] = []
    numbered = f"(SELECT row_number() OVER () AS _row, * FROM {source})"
    for check, count in zip(checks, found, strict=False):
        if not count:
            continue
        rows = con.execute(
            f"SELECT _row, {check.value_sql} FROM {numbered} WHERE {check.bad_sql} "
            f"ORDER BY _row LIMIT {SHOWN_PER_CHECK}"
        ).fetchall()
        for row, value in rows:
            shown_value = repr(value) if isinstance(value, str) else "NULL"
            located.append(_Found(check.message.format(value=shown_value), int(row), check.column))
        if count > len(rows):
            located.append(_Found(f"{count - len(rows)} more row(s) like this", None, check.column))
    if version_ok and doubles:
        located += _duplicates(con, ent, numbered, keys, version, int(doubles))
    return _lines(path, ent, located, counts_blank=False)


def _duplicates(
    con: duckdb.DuckDBPyConnection,
    ent: Entity,
    numbered: str,
    keys: str,
    version: str,
    total: int,
) -> list[_Found]:
    groups = con.execute(
        f"SELECT list(_row ORDER BY _row), {keys}, arg_min({quote_ident(ent.modstamp)}, _row) "
        f"FROM {numbered} WHERE {version} IS NOT NULL GROUP BY {keys}, {version} "
        f"HAVING count(*) > 1 ORDER BY min(_row) LIMIT {SHOWN_PER_CHECK}"
    ).fetchall()
    found = []
    for rows, *values in groups:
        *key_values, stamp = values
        key = ", ".join(f"{k}={v}" for k, v in zip(ent.key, key_values, strict=True))
        found.append(
            _Found(
                f"duplicate key + version: {key} with version time {stamp!r} "
                "is already on line {other}",
                int(rows[1]),
                ent.modstamp,
                int(rows[0]),
            )
        )
    if total > len(groups):
        found.append(
            _Found(
                f"{total - len(groups)} more duplicate key + version group(s)", None, ent.modstamp
            )
        )
    return found


def _lines(path: Path, ent: Entity, found: list[_Found], *, counts_blank: bool) -> list[Problem]:
    """Problems located by record number, with the line each record starts on.

    Record 1 is the first data row; with ``counts_blank`` (DuckDB's numbering of rejected
    rows) record 1 is the header and blank lines count as records, which the CSV reader
    skips silently otherwise. Lines differ from records where a quoted field holds a line
    break, which is why the file is read again rather than the record number shown.
    """
    wanted = {f.record for f in found if f.record is not None}
    wanted |= {f.other for f in found if f.other is not None}
    starts: dict[int, int] = {}
    if wanted:
        last = max(wanted)
        record = 0 if counts_blank else -1  # the header is record 1, or record 0 unnumbered
        previous_end = 0
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            reader = csv.reader(handle)
            try:
                for row in reader:
                    if row or counts_blank:
                        record += 1
                    if record in wanted and (row or counts_blank):
                        starts[record] = previous_end + 1
                    previous_end = reader.line_num
                    if record >= last:
                        break
            except csv.Error:
                pass  # a malformed row (reported by DuckDB): the records before it are found
    problems = []
    for f in found:
        line = None if f.record is None else starts.get(f.record)
        other = None if f.other is None else starts.get(f.other)
        message = f.message.replace("{other}", str(other if other is not None else "?"))
        if f.record is not None and line is None:
            message += f" (record {f.record})"
        problems.append(Problem(ent.path, message, line, f.column))
    return problems
