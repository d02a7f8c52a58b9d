"""What a row of the `feedback_rules` and `badge_rules` sheets must say (SPEC 9.4, 9.5;
docs/sources/excel.md#feedback_rules, #badge_rules; docs/recognition.md).

The cells are typed by the same reader as every targets sheet (`ExcelDropClient._sheet`);
these are the checks a typed row still needs: known names (event, role, condition), the
parameters a kind cannot do without (an alert_task rule's alert rule, a streak's share
and weeks), codes in their form, and one row per key. Every problem names file, sheet,
row and column, and all are returned at once, as for alert_rules, so
`perfchain check-config` shows a broken sheet in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from extractors.excel.problems import SheetProblem
from extractors.excel.rules import ROLES
from perfchain.core.errors import PerfchainError

FEEDBACK_SHEET = "feedback_rules"
BADGE_SHEET = "badge_rules"

# The events a feedback rule reacts to: the OA task an alert rule already creates
# (R3's 技能缺口诊断问卷), or a CRM renewal won (a won opportunity of an account that won
# one before) -> the account's owner.
FEEDBACK_EVENTS = ("alert_task", "crm_renewal_won")
# Who can answer a crm_renewal_won rule: the roles a CRM event resolves to.
FEEDBACK_ROLES = ("account_owner",)
BADGE_CONDITIONS = ("training_completed", "team_oee_streak")
_CODE = re.compile(r"^[a-z0-9_]+$")


class RecognitionSheetError(PerfchainError):
    """Every bad cell of a recognition sheet (nothing of the sheet lands then)."""

    def __init__(self, sheet: str, problems: list[Any]) -> None:
        self.sheet = sheet
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in sheet {sheet!r}: "
            + "; ".join(str(problem) for problem in problems)
            + ". Fix the cells and run again."
        )


class _Collector:
    def __init__(self, file: str, sheet: str, columns: Mapping[str, str]) -> None:
        self.file, self.sheet, self.columns = file, sheet, columns
        self.problems: list[SheetProblem] = []

    def __call__(self, record: dict[str, Any], name: str, message: str) -> None:
        self.problems.append(
            SheetProblem(
                self.file,
                self.sheet,
                record["source_row"],
                self.columns.get(name, "?"),
                name,
                message,
            )
        )


def _duplicates(records: list[dict[str, Any]], key: tuple[str, ...], bad: _Collector) -> None:
    first_row: dict[tuple[Any, ...], int] = {}
    for record in records:
        value = tuple(record.get(name) for name in key)
        if any(part is None for part in value):
            continue
        if value in first_row:
            shown = " / ".join(str(part) for part in value)
            bad(
                record,
                key[0],
                f"duplicate {' + '.join(key)} {shown!r} (first in row {first_row[value]})",
            )
        else:
            first_row[value] = record["source_row"]


def feedback_problems(
    records: list[dict[str, Any]],
    file: str,
    columns: Mapping[str, str],
    alert_rule_ids: Collection[str] | None = None,
) -> list[SheetProblem]:
    """Every problem of the typed feedback_rules rows. `alert_rule_ids`, when given, the
    rule_id values of the workbook's alert_rules sheet, which an alert_task rule names."""
    bad = _Collector(file, FEEDBACK_SHEET, columns)
    _duplicates(records, ("rule_id",), bad)
    for record in records:
        event = record.get("event")
        if event is not None and event not in FEEDBACK_EVENTS:
            bad(record, "event", f"{event!r} is not one of {', '.join(FEEDBACK_EVENTS)}")
        alert_rule = record.get("alert_rule_id")
        if event == "alert_task":
            if alert_rule is None:
                bad(record, "alert_rule_id", "alert_rule_id missing for an alert_task rule")
            elif alert_rule_ids is not None and alert_rule not in alert_rule_ids:
                bad(
                    record,
                    "alert_rule_id",
                    f"unknown alert rule {alert_rule!r} (not in sheet 'alert_rules')",
                )
        role = record.get("role")
        if event == "crm_renewal_won" and role is None:
            bad(record, "role", "role missing for a crm_renewal_won rule")
        elif role is not None and role not in ROLES:
            bad(record, "role", f"unknown role {role!r} (known: {', '.join(ROLES)})")
        elif role is not None and event == "crm_renewal_won" and role not in FEEDBACK_ROLES:
            bad(
                record,
                "role",
                f"a crm_renewal_won event resolves only {', '.join(FEEDBACK_ROLES)}, not {role!r}",
            )
        minutes = record.get("minutes")
        if minutes is not None and minutes < 1:
            bad(record, "minutes", f"{minutes} is not a positive whole number")
        cooldown = record.get("cooldown_days")
        if cooldown is not None and cooldown < 0:
            bad(record, "cooldown_days", f"{cooldown} is not a whole number of days >= 0")
        skill = record.get("skill_code")
        if skill is not None and not _CODE.match(skill):
            bad(record, "skill_code", f"{skill!r}: lowercase letters, digits and _ only")
    return bad.problems


def badge_problems(
    records: list[dict[str, Any]], file: str, columns: Mapping[str, str]
) -> list[SheetProblem]:
    """Every problem of the typed badge_rules rows."""
    bad = _Collector(file, BADGE_SHEET, columns)
    _duplicates(records, ("badge_code", "level"), bad)
    names: dict[str, tuple[str, int]] = {}
    for record in records:
        code = record.get("badge_code")
        if code is not None and not _CODE.match(code):
            bad(record, "badge_code", f"{code!r}: lowercase letters, digits and _ only")
        level = record.get("level")
        if level is not None and level < 1:
            bad(record, "level", f"{level} is not a positive whole number")
        name = record.get("badge_name")
        if code is not None and name is not None:
            known = names.setdefault(code, (name, record["source_row"]))
            if known[0] != name:
                bad(
                    record,
                    "badge_name",
                    f"{name!r}: badge {code} is named {known[0]!r} in row {known[1]}",
                )
        condition = record.get("condition")
        if condition is not None and condition not in BADGE_CONDITIONS:
            bad(
                record,
                "condition",
                f"{condition!r} is not one of {', '.join(BADGE_CONDITIONS)}",
            )
        if condition == "training_completed" and record.get("course_code") is None:
            bad(record, "course_code", "course_code missing for a training_completed badge")
        if condition == "team_oee_streak":
            share = record.get("share_of_shifts")
            if share is None:
                bad(record, "share_of_shifts", "share_of_shifts missing for a team_oee_streak")
            elif not 0 < share <= 1:
                bad(record, "share_of_shifts", f"{share} is not a share in (0, 1]")
            weeks = record.get("weeks")
            if weeks is None:
                bad(record, "weeks", "weeks missing for a team_oee_streak badge")
            elif weeks < 1:
                bad(record, "weeks", f"{weeks} is not a positive whole number")
        skill = record.get("skill_code")
        if skill is not None and not _CODE.match(skill):
            bad(record, "skill_code", f"{skill!r}: lowercase letters, digits and _ only")
    return bad.problems
