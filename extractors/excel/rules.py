"""What a row of the `alert_rules` sheet must say to be a rule (SPEC 8.1,
docs/sources/excel.md#alert_rules).

The cells are typed by the same reader as every targets sheet; these are the checks a
typed row still needs: known names (role, kpi_code, channel, condition, scope, window), the
parts a condition cannot do without (a kpi rule's comparator), the action syntax, and one
row per rule_id. Every problem names file, sheet, row and column, and all are returned at
once, so `perfchain check-config` shows a broken sheet in one pass.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.excel.problems import SheetProblem

SHEET = "alert_rules"

SCOPE_TYPES = ("machine", "team", "line", "order", "customer")
# Named event conditions and the scope each is evaluated on (docs/sources/excel.md).
EVENT_CONDITIONS: dict[str, str] = {
    "order_step_late": "order",
    "unplanned_stops": "machine",
    "crm_case_opened": "customer",
}
CONDITIONS = ("kpi", *EVENT_CONDITIONS)
# What a condition needs besides its window: kpi and unplanned_stops compare a number
# with the threshold; order_step_late's threshold is the hours behind plan.
NEEDS_COMPARATOR = ("kpi", "unplanned_stops")
NEEDS_THRESHOLD = ("kpi", "unplanned_stops", "order_step_late")
COMPARATORS = ("<", "<=", ">", ">=")
WINDOWS = ("hour", "shift", "day")
ROLES = (
    "team_lead",
    "supervisor",
    "department_head",
    "plant_manager",
    "line_quality_engineer",
    "production_planner",
    "maintenance_lead",
    "step_owner",
    "account_owner",
    "quality_manager",
)
CHANNELS = ("wecom", "dingtalk", "email")
ROBOT_CHANNELS = ("wecom", "dingtalk")
ACTION_KINDS = ("message", "oa_task", "email_task")
_ROBOT = re.compile(r"^[a-z0-9_]+$")

KPI_DEFINITIONS = Path(__file__).resolve().parents[2] / "dbt_project/seeds/kpi_definitions.csv"


def kpi_codes(path: Path = KPI_DEFINITIONS) -> frozenset[str]:
    """The kpi_code values of the kpi_definitions seed: the KPIs a rule may name."""
    with path.open(encoding="utf-8", newline="") as handle:
        return frozenset(row["kpi_code"] for row in csv.DictReader(handle))


@dataclass(frozen=True)
class Action:
    kind: str
    role: str
    template: str


def parse_actions(text: str | None) -> list[Action]:
    """`kind:role:template; ...` as actions; ValueError names the first bad one."""
    actions = []
    for part in (text or "").replace("；", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        pieces = [piece.strip() for piece in part.replace("：", ":").split(":", 2)]
        if len(pieces) != 3 or not all(pieces):
            raise ValueError(f"action {part!r} is not kind:role:template")
        kind, role, template = pieces
        if kind not in ACTION_KINDS:
            raise ValueError(
                f"action {part!r}: kind {kind!r} is not one of {', '.join(ACTION_KINDS)}"
            )
        if role not in ROLES:
            raise ValueError(f"action {part!r}: role {role!r} is not a known role")
        actions.append(Action(kind, role, template))
    return actions


def parse_channels(text: str | None) -> list[tuple[str, str | None]]:
    """`wecom, dingtalk:quality, email` as (channel, robot or None); ValueError names the
    first bad entry."""
    out: list[tuple[str, str | None]] = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        channel, _, robot = (piece.strip() for piece in part.partition(":"))
        if channel not in CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        if robot and channel not in ROBOT_CHANNELS:
            raise ValueError(f"channel {part!r}: only wecom and dingtalk name a robot")
        if ":" in part and not _ROBOT.match(robot):
            raise ValueError(f"channel {part!r}: robot name must be lowercase letters, digits, _")
        out.append((channel, robot or None))
    if not out:
        raise ValueError("no channel given")
    return out


def rule_problems(
    records: list[dict[str, Any]],
    file: str,
    columns: Mapping[str, str],
    kpis: Collection[str],
    robots: Mapping[str, Collection[str]] | None = None,
) -> list[SheetProblem]:
    """Every problem of the typed alert_rules rows. `columns` maps a header to its column
    letter; `robots`, when given, the robot names perfchain.yaml configures per channel."""
    problems: list[SheetProblem] = []
    first_row: dict[str, int] = {}

    def bad(record: dict[str, Any], name: str, message: str) -> None:
        problems.append(
            SheetProblem(file, SHEET, record["source_row"], columns.get(name, "?"), name, message)
        )

    for record in records:
        rule_id = record.get("rule_id")
        if rule_id is not None:
            if rule_id in first_row:
                bad(
                    record,
                    "rule_id",
                    f"duplicate rule_id {rule_id!r} (first in row {first_row[rule_id]})",
                )
            else:
                first_row[rule_id] = record["source_row"]
        condition = record.get("condition")
        scope = record.get("scope_type")
        if scope is not None and scope not in SCOPE_TYPES:
            bad(record, "scope_type", f"{scope!r} is not one of {', '.join(SCOPE_TYPES)}")
        if condition is not None and condition not in CONDITIONS:
            bad(
                record,
                "condition",
                f"{condition!r} is not kpi or one of {', '.join(EVENT_CONDITIONS)}",
            )
        elif (
            condition in EVENT_CONDITIONS
            and scope in SCOPE_TYPES
            and scope != EVENT_CONDITIONS[condition]
        ):
            bad(
                record,
                "scope_type",
                f"condition {condition} is evaluated per "
                f"{EVENT_CONDITIONS[condition]}, not per {scope}",
            )
        kpi = record.get("kpi_code")
        if condition == "kpi" and kpi is None:
            bad(record, "kpi_code", "kpi_code missing for a kpi rule")
        elif kpi is not None and kpi not in kpis:
            bad(record, "kpi_code", f"unknown kpi_code {kpi!r} (not in kpi_definitions)")
        comparator = record.get("comparator")
        if comparator is not None and comparator not in COMPARATORS:
            bad(record, "comparator", f"{comparator!r} is not one of {' '.join(COMPARATORS)}")
        elif comparator is None and condition in NEEDS_COMPARATOR:
            bad(record, "comparator", f"comparator missing for a {condition} rule")
        if record.get("threshold") is None and condition in NEEDS_THRESHOLD:
            bad(record, "threshold", f"threshold missing (condition {condition} needs one)")
        window = record.get("window")
        if window is not None and window not in WINDOWS:
            bad(record, "window", f"{window!r} is not one of {', '.join(WINDOWS)}")
        for name in ("windows", "ack_timeout_l1_minutes", "ack_timeout_l2_minutes"):
            value = record.get(name)
            if value is not None and value < 1:
                bad(record, name, f"{value} is not a positive whole number")
        for name in ("level1_role", "cc_role"):
            role = record.get(name)
            if role is not None and role not in ROLES:
                bad(record, name, f"unknown role {role!r} (known: {', '.join(ROLES)})")
        try:
            channels = parse_channels(record.get("channels"))
        except ValueError as error:
            bad(record, "channels", str(error))
        else:
            for channel, robot in channels:
                known = (robots or {}).get(channel)
                if robot and robots is not None and robot not in (known or ()):
                    bad(
                        record,
                        "channels",
                        f"robot {robot!r} is not configured under "
                        f"alerts.{channel}.robots in perfchain.yaml",
                    )
        try:
            parse_actions(record.get("actions"))
        except ValueError as error:
            bad(record, "actions", str(error))
    return problems
