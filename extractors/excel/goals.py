"""What the goal sheets must say to be goals and weights (SPEC 9.1, 9.2; docs/goals.md,
docs/sources/excel.md#goal_tree).

The cells are typed by the same reader as every targets sheet; these are the checks a typed
row still needs, across the three sheets `goal_tree`, `kpi_weights` and `weight_rules`:
known KPI, owner and scope kinds, a parent that exists, no cycle, a value path for every
goal but a root, weights that sum to 1 for every owner on every date and never overlap,
rules that name weights which exist. Every refused row gets its own problem naming file,
sheet, row and column, and all are returned at once (the `rules.py` pattern), so
`perfchain check-config` shows every broken goal in one pass.

One refusal needs the warehouse: a binding whose KPI has no `kpi_daily` data for its scope
in the 30 days before the period. dbt checks it on every build
(`int_goal_bindings_checked`), and `binding_problems` here checks it against a published
file for `perfchain check-config`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, timedelta
from typing import Any

from extractors.excel.problems import SheetProblem

GOAL_TREE = "goal_tree"
KPI_WEIGHTS = "kpi_weights"
WEIGHT_RULES = "weight_rules"

OWNER_TYPES = ("plant", "department", "team", "employee")
SCOPE_TYPES = ("plant", "department", "team", "line", "machine")
BINDINGS = ("kpi_daily",)
WEIGHT_CONDITIONS = ("new_channel", "key_rush_order")
# The roll-up walks the tree level by level in SQL (no recursive CTE, which Spark lacks):
# this many levels below the root at most (dbt var goal_tree_max_depth must agree).
MAX_DEPTH = 7
# Weights are fractions; the sum is 1 when it is within this of 1.
WEIGHT_TOLERANCE = 0.0005
BINDING_LOOKBACK_DAYS = 30

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def period_bounds(period: str) -> tuple[date, date] | None:
    """First and last day of `YYYY-MM` or `YYYY-Qn`; None when it is neither."""
    text = period.strip().upper()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        first = date(year, month, 1)
    elif match := _QUARTER.match(text):
        year, month = int(match[1]), 3 * int(match[2]) - 2
        first = date(year, month, 1)
        month += 2
    else:
        return None
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


class _Sink:
    """Collects problems; at most one per row and sheet (the first cell that refuses it)."""

    def __init__(self, file: str, columns: Mapping[str, Mapping[str, str]]) -> None:
        self.file = file
        self.columns = columns
        self.problems: list[SheetProblem] = []
        self._refused: set[tuple[str, int]] = set()

    def bad(self, sheet: str, record: Mapping[str, Any], name: str, message: str) -> None:
        row = int(record["source_row"])
        if (sheet, row) in self._refused:
            return
        self._refused.add((sheet, row))
        letter = self.columns.get(sheet, {}).get(name, "?")
        self.problems.append(SheetProblem(self.file, sheet, row, letter, name, message))

    def refused(self, sheet: str, record: Mapping[str, Any]) -> bool:
        return (sheet, int(record["source_row"])) in self._refused


def goal_problems(
    sheets: Mapping[str, list[dict[str, Any]]],
    file: str,
    columns: Mapping[str, Mapping[str, str]],
    kpis: Collection[str],
    refused_rows: Collection[tuple[str, int]] = (),
) -> list[SheetProblem]:
    """Every refused row of the typed goal sheets (`goal_tree`, `kpi_weights`,
    `weight_rules`; a sheet absent from `sheets` is not checked). `columns` maps sheet ->
    header -> column letter; `refused_rows` are (sheet, row) pairs already refused for an
    unreadable cell, which are not refused twice."""
    sink = _Sink(file, columns)
    sink._refused.update(refused_rows)
    if GOAL_TREE in sheets:
        _goal_tree(sheets[GOAL_TREE], kpis, sink)
    weights = sheets.get(KPI_WEIGHTS, [])
    if KPI_WEIGHTS in sheets:
        _kpi_weights(weights, kpis, sink)
    if WEIGHT_RULES in sheets:
        _weight_rules(sheets[WEIGHT_RULES], weights, kpis, sink)
    return sorted(sink.problems, key=lambda p: (p.sheet, p.row, len(p.column), p.column))


def _goal_tree(records: list[dict[str, Any]], kpis: Collection[str], sink: _Sink) -> None:
    sheet = GOAL_TREE
    first_row: dict[str, int] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for record in records:
        goal_id = record.get("goal_id")
        if goal_id is None:
            continue
        if goal_id in first_row:
            sink.bad(
                sheet,
                record,
                "goal_id",
                f"duplicate goal_id {goal_id!r} (first in row {first_row[goal_id]})",
            )
            continue
        first_row[goal_id] = record["source_row"]
        by_id[goal_id] = record
    for record in records:
        owner_type = record.get("owner_type")
        if owner_type is not None and owner_type not in OWNER_TYPES:
            sink.bad(
                sheet,
                record,
                "owner_type",
                f"{owner_type!r} is not one of {', '.join(OWNER_TYPES)}",
            )
        period = record.get("period")
        if period is not None and period_bounds(str(period)) is None:
            sink.bad(
                sheet, record, "period", f"{period!r} is not a month (YYYY-MM) or quarter (YYYY-Qn)"
            )
        kpi = record.get("kpi_code")
        if kpi is not None and kpi not in kpis:
            sink.bad(
                sheet, record, "kpi_code", f"unknown kpi_code {kpi!r} (not in kpi_definitions)"
            )
        scope = record.get("scope_type")
        if scope is not None and scope not in SCOPE_TYPES:
            sink.bad(
                sheet,
                record,
                "scope_type",
                f"unknown scope_type {scope!r} (kpi_daily has {', '.join(SCOPE_TYPES)})",
            )
        target = record.get("target")
        if target is not None and target <= 0:
            sink.bad(
                sheet,
                record,
                "target",
                f"target {target} must be above 0 (attainment divides by it)",
            )
        binding = record.get("data_binding")
        if binding is not None and binding not in BINDINGS:
            sink.bad(
                sheet,
                record,
                "data_binding",
                f"{binding!r}: a goal reads kpi_daily (leave empty or write kpi_daily)",
            )
        parent = record.get("parent_goal_id")
        if parent is not None:
            if parent not in by_id:
                sink.bad(
                    sheet,
                    record,
                    "parent_goal_id",
                    f"parent goal {parent!r} does not exist in the sheet",
                )
            elif parent == record.get("goal_id"):
                sink.bad(sheet, record, "parent_goal_id", "a goal cannot be its own parent")
            elif record.get("value_path") is None:
                sink.bad(
                    sheet,
                    record,
                    "value_path",
                    "value_path missing: say how this goal serves its parent",
                )
    # Cycles and depth: walk each goal's parents.
    for goal_id, record in by_id.items():
        seen = [goal_id]
        current = record.get("parent_goal_id")
        while current is not None and current in by_id and current not in seen:
            seen.append(current)
            current = by_id[current].get("parent_goal_id")
        if current is not None and current in seen:
            cycle = " -> ".join([*seen[seen.index(current) :], current])
            if goal_id in seen[seen.index(current) :]:
                sink.bad(sheet, record, "parent_goal_id", f"goals form a cycle: {cycle}")
        elif current is None and len(seen) - 1 > MAX_DEPTH:
            sink.bad(
                sheet,
                record,
                "parent_goal_id",
                f"{len(seen) - 1} levels below its root; at most {MAX_DEPTH}",
            )


def _in_force(record: Mapping[str, Any], day: str) -> bool:
    return record["effective_from"] <= day and (
        record.get("effective_to") is None or day <= record["effective_to"]
    )


def _next_day(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def _kpi_weights(records: list[dict[str, Any]], kpis: Collection[str], sink: _Sink) -> None:
    sheet = KPI_WEIGHTS
    usable = []
    for record in records:
        owner_type = record.get("owner_type")
        if owner_type is not None and owner_type not in OWNER_TYPES:
            sink.bad(
                sheet,
                record,
                "owner_type",
                f"{owner_type!r} is not one of {', '.join(OWNER_TYPES)}",
            )
        kpi = record.get("kpi_code")
        if kpi is not None and kpi not in kpis:
            sink.bad(
                sheet, record, "kpi_code", f"unknown kpi_code {kpi!r} (not in kpi_definitions)"
            )
        weight = record.get("weight")
        if weight is not None and not 0 <= weight <= 1:
            sink.bad(sheet, record, "weight", f"weight {weight} is not between 0 and 1")
        start, end = record.get("effective_from"), record.get("effective_to")
        if start is not None and end is not None and end < start:
            sink.bad(
                sheet,
                record,
                "effective_to",
                f"effective_to {end} is before effective_from {start}",
            )
        if not sink.refused(sheet, record) and None not in (
            owner_type,
            record.get("owner_id"),
            kpi,
            weight,
            start,
        ):
            usable.append(record)
    # Overlaps: one weight per owner and KPI on any day.
    by_kpi: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in usable:
        by_kpi[(record["owner_type"], record["owner_id"], record["kpi_code"])].append(record)
    for (_, owner_id, kpi), rows in by_kpi.items():
        rows.sort(key=lambda r: (r["effective_from"], r["source_row"]))
        for earlier, later in zip(rows, rows[1:], strict=False):
            if (
                earlier.get("effective_to") is None
                or later["effective_from"] <= earlier["effective_to"]
            ):
                sink.bad(
                    sheet,
                    later,
                    "effective_from",
                    f"{owner_id} {kpi}: period from {later['effective_from']} overlaps row "
                    f"{earlier['source_row']} ({earlier['effective_from']} .. {earlier.get('effective_to') or 'open'})",
                )
    # Sums: on every date an owner's weights change, those in force sum to 1.
    by_owner: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in usable:
        if not sink.refused(sheet, record):
            by_owner[(record["owner_type"], record["owner_id"])].append(record)
    for (_, owner_id), rows in by_owner.items():
        changes = sorted(
            {r["effective_from"] for r in rows}
            | {_next_day(r["effective_to"]) for r in rows if r.get("effective_to")}
        )
        for day in changes:
            in_force = [r for r in rows if _in_force(r, day)]
            total = sum(r["weight"] for r in in_force)
            if in_force and abs(total - 1) > WEIGHT_TOLERANCE:
                listed = ", ".join(str(r["source_row"]) for r in in_force)
                for r in in_force:
                    sink.bad(
                        sheet,
                        r,
                        "weight",
                        f"the weights of {r['owner_type']} {owner_id} in force on {day} "
                        f"(rows {listed}) sum to {total:.4f}, not 1",
                    )


def _weight_rules(
    records: list[dict[str, Any]],
    weights: list[dict[str, Any]],
    kpis: Collection[str],
    sink: _Sink,
) -> None:
    sheet = WEIGHT_RULES
    first_row: dict[str, int] = {}
    channel_owner: dict[tuple[str, str], int] = {}
    for record in records:
        rule_id = record.get("rule_id")
        if rule_id is not None:
            if rule_id in first_row:
                sink.bad(
                    sheet,
                    record,
                    "rule_id",
                    f"duplicate rule_id {rule_id!r} (first in row {first_row[rule_id]})",
                )
            else:
                first_row[rule_id] = record["source_row"]
        condition = record.get("condition")
        if condition is not None and condition not in WEIGHT_CONDITIONS:
            sink.bad(
                sheet,
                record,
                "condition",
                f"{condition!r} is not one of {', '.join(WEIGHT_CONDITIONS)}",
            )
            continue
        if condition == "key_rush_order":
            factor = record.get("factor")
            if factor is not None and factor <= 0:
                sink.bad(sheet, record, "factor", f"factor {factor} must be above 0")
            lead = record.get("max_lead_days")
            if lead is not None and lead < 0:
                sink.bad(sheet, record, "max_lead_days", f"{lead} is not a number of days")
            continue
        if condition != "new_channel":
            continue
        owner_type, owner_id = record.get("owner_type"), record.get("owner_id")
        raised, lowered, new = (
            record.get("kpi_raised"),
            record.get("kpi_lowered"),
            record.get("new_weight"),
        )
        for name, value in (
            ("owner_type", owner_type),
            ("owner_id", owner_id),
            ("kpi_raised", raised),
            ("kpi_lowered", lowered),
            ("new_weight", new),
        ):
            if value is None:
                sink.bad(sheet, record, name, f"{name} missing for a new_channel rule")
        if owner_type is not None and owner_type not in OWNER_TYPES:
            sink.bad(
                sheet,
                record,
                "owner_type",
                f"{owner_type!r} is not one of {', '.join(OWNER_TYPES)}",
            )
        for name, kpi in (("kpi_raised", raised), ("kpi_lowered", lowered)):
            if kpi is not None and kpi not in kpis:
                sink.bad(sheet, record, name, f"unknown kpi_code {kpi!r} (not in kpi_definitions)")
        if raised is not None and raised == lowered:
            sink.bad(
                sheet, record, "kpi_lowered", "the lowered KPI must differ from the raised one"
            )
        if new is not None and not 0 < new < 1:
            sink.bad(sheet, record, "new_weight", f"new_weight {new} is not between 0 and 1")
        if sink.refused(sheet, record):
            continue
        key = (owner_type, owner_id)
        if key in channel_owner:
            sink.bad(
                sheet,
                record,
                "owner_id",
                f"{owner_type} {owner_id} already has a new_channel rule (row {channel_owner[key]})",
            )
            continue
        channel_owner[key] = record["source_row"]
        # The weights the rule moves must be in force on its first day, and the lowered
        # one must not go below 0.
        day = record["from_date"]
        owners = defaultdict(dict)
        for w in weights:
            if (
                w.get("owner_type") == owner_type
                and owner_id in ("*", w.get("owner_id"))
                and w.get("effective_from")
                and _in_force(w, day)
            ):
                owners[w["owner_id"]][w["kpi_code"]] = w["weight"]
        if not owners:
            sink.bad(
                sheet,
                record,
                "owner_id",
                f"no kpi_weights of {owner_type} {owner_id} in force on {day}",
            )
            continue
        for owner, in_force in sorted(owners.items()):
            if raised not in in_force or lowered not in in_force:
                missing = raised if raised not in in_force else lowered
                sink.bad(
                    sheet,
                    record,
                    "kpi_raised" if missing == raised else "kpi_lowered",
                    f"{owner_type} {owner} has no weight for {missing} in force on {day}",
                )
                break
            left = in_force[lowered] - (new - in_force[raised])
            if left < -WEIGHT_TOLERANCE:
                sink.bad(
                    sheet,
                    record,
                    "new_weight",
                    f"raising {raised} to {new} would take {lowered} of {owner_type} {owner} below 0 ({left:.4f})",
                )
                break


def binding_problems(
    goals: list[dict[str, Any]],
    file: str,
    columns: Mapping[str, str],
    data_days: Mapping[tuple[str, str, str], list[date]],
    first_data_day: date | None,
) -> list[SheetProblem]:
    """The goals whose KPI has no kpi_daily data for their scope in the 30 days before the
    period. `data_days` maps (kpi_code, scope_type, scope_id) to the dates kpi_daily holds
    a value for. When the warehouse's history begins later than 30 days before a period,
    the window is its first 30 days instead (a first month is not refused for history the
    plant never loaded)."""
    sink = _Sink(file, {GOAL_TREE: columns})
    for goal in goals:
        bounds = period_bounds(str(goal.get("period") or ""))
        if bounds is None or None in (
            goal.get("kpi_code"),
            goal.get("scope_type"),
            goal.get("scope_id"),
        ):
            continue
        window_end = bounds[0]
        if first_data_day is not None:
            window_end = max(window_end, first_data_day + timedelta(days=BINDING_LOOKBACK_DAYS))
        window_start = window_end - timedelta(days=BINDING_LOOKBACK_DAYS)
        key = (goal["kpi_code"], goal["scope_type"], goal["scope_id"])
        days = data_days.get(key, [])
        if not any(window_start <= day < window_end for day in days):
            where = (
                "no such scope in kpi_daily"
                if not days
                else f"none from {window_start} to {window_end - timedelta(days=1)}"
            )
            sink.bad(
                GOAL_TREE,
                goal,
                "scope_id",
                f"kpi_daily has no {goal['kpi_code']} for {goal['scope_type']} {goal['scope_id']} "
                f"in the 30 days before {goal['period']} ({where})",
            )
    return sink.problems
