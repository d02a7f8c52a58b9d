"""The dataset check names every problem of a hand-written dataset with its file, line and
column, and the simulator refuses to start on one that has any.

Each test spoils a fresh copy of the hand-made dataset (handmade.py) in a known place, so
the expected problems are written out here in full: a line is the file's line number,
the header being line 1.
"""

from __future__ import annotations

import csv
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from simulator.server import SimulatorServer
from simulator.server.validate import (
    SHOWN_PER_CHECK,
    DatasetError,
    Problem,
    dataset_problems,
)
from tests.simulator.handmade import Handmade, write_handmade

Rows = list[list[str]]


@pytest.fixture
def copy(handmade: Handmade, tmp_path: Path) -> Path:
    root = tmp_path / "dataset"
    shutil.copytree(handmade.root, root)
    return root


def _read(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: Rows) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _set(root: Path, file: str, line: int, column: str, value: str) -> None:
    """Set one value; ``line`` is the line of a record in a file without line breaks in
    fields (header = 1, first data row = 2)."""
    rows = _read(root / file)
    rows[line - 1][rows[0].index(column)] = value
    _write(root / file, rows)


def test_the_hand_written_and_the_generated_datasets_are_valid(handmade, demo_data) -> None:  # type: ignore[no-untyped-def]
    assert dataset_problems(handmade.root) == []
    assert dataset_problems(demo_data) == []


def test_a_misspelled_file_and_column_are_both_named_and_the_simulator_refuses(copy) -> None:  # type: ignore[no-untyped-def]
    (copy / "crm" / "accounts.csv").rename(copy / "crm" / "acounts.csv")
    rows = _read(copy / "erp" / "sale_orders.csv")
    rows[0][rows[0].index("modifytime")] = "modifytme"
    _write(copy / "erp" / "sale_orders.csv", rows)

    expected = [
        Problem(
            "crm/acounts.csv",
            "unknown file: the dataset format has no such entity (did you mean crm/accounts.csv?)",
        ),
        Problem(
            "crm/accounts.csv", "missing: every entity needs its file, with a header row at least"
        ),
        Problem(
            "erp/sale_orders.csv",
            "unknown column: not a field of this entity (did you mean modifytime?)",
            1,
            "modifytme",
        ),
        Problem("erp/sale_orders.csv", "missing column (did you mean modifytme?)", 1, "modifytime"),
    ]
    assert dataset_problems(copy) == expected
    with pytest.raises(DatasetError) as refused:
        SimulatorServer(copy)
    assert refused.value.problems == expected
    assert "crm/acounts.csv: unknown file" in str(refused.value)
    assert "erp/sale_orders.csv, line 1, column modifytme: unknown column" in str(refused.value)


def test_wrong_types_and_empty_required_values_are_named_by_line_and_column(copy) -> None:  # type: ignore[no-untyped-def]
    lines = "erp/sale_order_lines.csv"
    _set(copy, lines, 3, "rowno", "2.0")  # int
    _set(copy, lines, 4, "quantity", "1,5")  # dec with a comma
    _set(copy, lines, 5, "quantity", "1e3")  # dec in exponent notation
    _set(copy, lines, 6, "closed", "TRUE")  # bool
    _set(copy, lines, 7, "dpredate", "2026-02-30")  # date that does not exist
    _set(copy, lines, 8, "code", "")  # required
    # crm/accounts.csv: the first record's BillingCity holds a line break (handmade.py), so
    # the fifth data record starts on line 7, not 6.
    rows = _read(copy / "crm" / "accounts.csv")
    rows[5][rows[0].index("CreatedDate")] = "2026-03-01 08:00:00"  # ts_local, not ts_utc
    _write(copy / "crm" / "accounts.csv", rows)

    assert dataset_problems(copy) == [
        Problem(
            "crm/accounts.csv",
            "'2026-03-01 08:00:00' is not ts_utc: expected a UTC time "
            "YYYY-MM-DDTHH:MM:SS.000+0000 or YYYY-MM-DDTHH:MM:SSZ",
            7,
            "CreatedDate",
        ),
        Problem(lines, "empty value, but required", 8, "code"),
        Problem(lines, "'2.0' is not int: expected an integer without separators", 3, "rowno"),
        Problem(
            lines,
            "'1,5' is not dec: expected a plain decimal with '.' (no exponent)",
            4,
            "quantity",
        ),
        Problem(
            lines,
            "'1e3' is not dec: expected a plain decimal with '.' (no exponent)",
            5,
            "quantity",
        ),
        Problem(lines, "'2026-02-30' is not date: expected a date YYYY-MM-DD", 7, "dpredate"),
        Problem(lines, "'TRUE' is not bool: expected true or false", 6, "closed"),
    ]


def test_unparseable_version_times_are_named(copy) -> None:  # type: ignore[no-untyped-def]
    teams = "hr/teams.csv"
    _set(copy, teams, 2, "updated_at", "2026-03-01 08:00:00")  # no offset
    _set(copy, teams, 3, "updated_at", "2026-02-29T08:00:00+08:00")  # 2026 is no leap year
    _set(copy, teams, 4, "updated_at", "")
    orders = "erp/sale_orders.csv"
    _set(copy, orders, 2, "modifytime", "2026/03/01 08:00:00")

    assert dataset_problems(copy) == [
        Problem(
            orders,
            "unparseable version time '2026/03/01 08:00:00': expected a local time "
            "YYYY-MM-DD HH:MM:SS",
            2,
            "modifytime",
        ),
        Problem(teams, "empty version time, but required", 4, "updated_at"),
        Problem(
            teams,
            "unparseable version time '2026-03-01 08:00:00': expected a time with offset "
            "YYYY-MM-DDTHH:MM:SS+08:00",
            2,
            "updated_at",
        ),
        Problem(
            teams,
            "unparseable version time '2026-02-29T08:00:00+08:00': expected a time with "
            "offset YYYY-MM-DDTHH:MM:SS+08:00",
            3,
            "updated_at",
        ),
    ]


def test_a_duplicate_key_and_version_names_both_lines(copy) -> None:  # type: ignore[no-untyped-def]
    path = copy / "wms" / "shipment_lines.csv"
    rows = _read(path)
    rows.append(list(rows[3]))  # data record 3 again, as line len(rows) + 1 after the append
    # The same moment written in another zone is the same version time.
    moved = list(rows[5])
    stamp = datetime.fromisoformat(moved[rows[0].index("updated_at")])
    assert stamp.utcoffset() == timedelta(hours=8)
    moved[rows[0].index("updated_at")] = stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    rows.append(moved)
    _write(path, rows)
    key = dict(zip(rows[0], rows[3], strict=True))
    moved_key = dict(zip(rows[0], rows[5], strict=True))

    assert dataset_problems(copy) == [
        Problem(
            "wms/shipment_lines.csv",
            f"duplicate key + version: shipment_id={key['shipment_id']}, "
            f"line_no={key['line_no']} with version time {key['updated_at']!r} "
            "is already on line 4",
            len(rows) - 1,
            "updated_at",
        ),
        Problem(
            "wms/shipment_lines.csv",
            f"duplicate key + version: shipment_id={moved_key['shipment_id']}, "
            f"line_no={moved_key['line_no']} with version time {moved_key['updated_at']!r} "
            "is already on line 6",
            len(rows),
            "updated_at",
        ),
    ]


def test_a_check_names_its_first_rows_and_counts_the_rest(copy) -> None:  # type: ignore[no-untyped-def]
    tasks = "crm/tasks.csv"  # 2,600 records
    for line in range(100, 110):
        _set(copy, tasks, line, "IsDeleted", "no")
    problems = dataset_problems(copy)
    assert [p.line for p in problems] == [*range(100, 100 + SHOWN_PER_CHECK), None]
    assert problems[-1] == Problem(
        tasks, f"{10 - SHOWN_PER_CHECK} more row(s) like this", None, "IsDeleted"
    )


def test_a_malformed_row_is_named_and_stops_the_value_checks_of_its_file(copy) -> None:  # type: ignore[no-untyped-def]
    path = copy / "hr" / "shifts.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[2] += ",surplus"
    text.insert(3, "")  # a blank line is skipped, yet still a line
    text[5] = text[5].replace("2026-", "2026/")  # a bad version time, not checked yet
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert dataset_problems(copy) == [
        Problem("hr/shifts.csv", "malformed CSV row: Expected Number of Columns: 7 Found: 8", 3),
        Problem("hr/shifts.csv", "values not checked until the malformed rows are fixed"),
    ]


def test_layout_problems_bom_header_and_manifest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "dataset"
    write_handmade(root)
    (root / "Hr").mkdir()
    (root / "manifest.json").write_text("{not json", encoding="utf-8")
    shifts = root / "hr" / "shifts.csv"
    shifts.write_text("\ufeff" + shifts.read_text(encoding="utf-8"), encoding="utf-8")
    rows = _read(root / "hr" / "teams.csv")
    rows[0][1] = "team_code"
    _write(root / "hr" / "teams.csv", rows)
    (root / "oa" / "workflow_logs.csv").write_text("", encoding="utf-8")

    problems = [str(problem) for problem in dataset_problems(root)]
    assert problems == [
        "Hr: unknown file or folder at the dataset root (did you mean hr?)",
        "manifest.json: not valid UTF-8 JSON: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)",
        "oa/workflow_logs.csv, line 1: empty: no header row",
        "hr/teams.csv, line 1, column team_code: column appears more than once in the header",
        "hr/teams.csv, line 1, column name: missing column",
        "hr/shifts.csv, line 1: starts with a byte order mark: write UTF-8 without BOM",
    ]


def test_an_unknown_time_zone_in_the_manifest_is_named(copy) -> None:  # type: ignore[no-untyped-def]
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["timezone"] = "Mars/Olympus"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert dataset_problems(copy) == [Problem("manifest.json", "unknown time zone 'Mars/Olympus'")]
