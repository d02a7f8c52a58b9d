"""The planted situations: known cases every later feature must get right.

They are placed in the first three weeks so any slice of 30 days or more from the start
holds all of them, and they are booked through the ordinary order and shop-floor code
with a few decisions forced. ``planted.json`` records where they are; the tests find them
again from the CSV files alone.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from simulator.generator.clock import (
    DAY,
    HOUR,
    MINUTE,
    day_index,
    dstr,
    is_workday_like,
    ts_offset,
    weekday,
)
from simulator.generator.config import (
    SHIFTS,
    TEAM_OEE_TARGET,
    is_reduced,
    is_shutdown,
    team_shift,
)
from simulator.generator.context import Ctx, Disruption, Quiet

FPY_THRESHOLD = 0.925
# The OA tasks perfchain creates for alerts (doCreateRequest) are handled in the
# simulator's OA: acknowledged (批准) 60-180 min after creation, archived (归档) 30-120 min
# later, at offsets fixed by template and scope (`oa_handling_offsets`). The alert of
# planted.json's `alerts.never_handled` (NEVER_HANDLED) is never handled, so it escalates
# (SPEC 8.3).
LATE_RESPONSE_HOURS = 72
# Regions whose roads the planted storm closes (the south keeps driving).
STORM_REGIONS = ("EC", "NC", "CC", "NE")
# How long after its production day the planted late production step closes (R1).
LATE_STEP_PLANTED_HOURS = 75.5


@dataclass
class Planted:
    orders: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    floor: dict[str, Any] = field(default_factory=dict)


def plan(ctx: Ctx) -> Planted:
    s = ctx.start_day
    plant = ctx.plant
    customers = ctx.group.customers
    east = [c for c in customers if c.key and c.region == "EC"]
    quiet_customer = next(c for c in reversed(customers) if not c.key and c.grade != "A")

    def wd(day: int) -> int:
        while not is_workday_like(day):
            day += 1
        return day

    out = Planted()

    def order(tag: str, day: int, **spec: Any) -> None:
        day = wd(day)
        spec.setdefault("customer", east[len(out.orders) % len(east)].code)
        out.orders.setdefault(day, []).append({"tag": tag, **spec})

    order("signed_not_invoiced", s + 2, lead=8, lines=2, never_invoice=True)
    order("invoiced_before_signed", s + 3, lead=7, lines=1, invoice="pre")
    order("partial_delivery", s + 2, lead=9, lines=2, partial=1)
    order(
        "promise_change_customer",
        s + 1,
        lead=10,
        lines=2,
        changes=[
            {
                "kind": "promise",
                "by": "customer",
                "delta": 6,
                "after_days": 3,
                "reason": "客户要求推迟交货(整车排产调整)",
            }
        ],
    )
    order(
        "promise_change_plant",
        s + 2,
        lead=9,
        lines=1,
        changes=[
            {
                "kind": "promise",
                "by": "plant",
                "delta": 4,
                "after_days": 3,
                "reason": "产能不足,申请延期",
            }
        ],
    )
    order(
        "cancelled_line",
        wd(s + 3),
        lead=12,
        lines=3,
        changes=[{"kind": "cancel", "rowno": 2, "after_days": 1, "reason": "客户取消该型号需求"}],
    )
    order("credit_note", s + 1, lead=7, lines=2, credit_note=True)
    order("past_due_undelivered", s + 2, lead=10, lines=2, never_ship=True)
    # R1: the first routing step of this order closes 75.5 h after its production day ends
    # (08:00 the day after its due date; a spare part is awaited), so it is more than 4 h
    # behind plan from 12:00 and stays open past both escalation timeouts: nobody handles
    # its task (NEVER_HANDLED), so it reaches level 3 before it resolves.
    order("late_step_order", s + 6, lead=12, lines=1, late_step_hours=LATE_STEP_PLANTED_HOURS)

    # Two deliveries signed either side of local midnight on their promised date: the one
    # four minutes after 00:00 is late by plant date, but a UTC reading would call it on time.
    promise = wd(s + 11)
    booked = wd(s + 2)
    for tag, signed in (
        ("midnight_before", promise * DAY + 23 * HOUR + 56 * MINUTE + 10),
        ("midnight_after", (promise + 1) * DAY + 4 * MINUTE + 30),
    ):
        out.orders.setdefault(booked, []).append(
            {
                "tag": tag,
                "customer": east[0].code,
                "lead": promise - booked,
                "lines": 1,
                "ship_day": promise,
                "ship_hour": 15.5,
                "signed_at": signed,
                "invoice": "pre",
            }
        )

    # An escalated complaint the plant answers only after 100 hours. Nothing may reference
    # its customer or line in the meantime, or that would count as the first response.
    ship = wd(s + 5)
    signed = (ship + 1) * DAY + 10 * HOUR + 30 * MINUTE
    after, response, action = 50.0, 100.0, 112.0
    t_case = signed + int(after * HOUR)
    out.orders.setdefault(wd(s + 1), []).append(
        {
            "tag": "late_complaint_order",
            "customer": quiet_customer.code,
            "lead": ship - wd(s + 1) + 1,
            "lines": 1,
            "products": [p for p in ctx.group.products if p.route[0] == "WLD"][:1],
            "ship_day": ship,
            "ship_hour": 14.0,
            "signed_at": signed,
            "complaint": {"after_hours": after, "response_hours": response, "action_hours": action},
        }
    )
    line_code = plant.line("WLD").code
    ctx.quiet.append(
        Quiet(quiet_customer.code, "", "", t_case - 15 * DAY, t_case + int(response * HOUR) + 1)
    )
    ctx.quiet.append(Quiet("", "", line_code, t_case - HOUR, t_case + int(action * HOUR) + 1))

    # Shop floor: a welding crew whose first-pass yield collapses for two hours, and a robot
    # that fails four times in one day shift.
    fpy_day = wd(s + 6)
    team = next(
        t for t in plant.teams if t.kind == "WLD" and team_shift(t.index, t.kind, fpy_day) == "A"
    )
    out.floor["fpy"] = {"day": fpy_day, "team": team.code, "hours": [9, 10]}
    ctx.planted["low_fpy_team"] = {
        "team": team.code,
        "line_code": line_code,
        "date": dstr(fpy_day),
        "hours": ["09:00", "10:00"],
        "threshold": FPY_THRESHOLD,
    }
    fail_day = wd(s + 8)
    machine = plant.line("WLD").machines[2]
    downs = [(8.75, 22), (10.5, 35), (13.2, 18), (15.8, 41)]
    out.floor["failures"] = {"day": fail_day, "equipment_id": machine.equipment_id, "downs": downs}
    ctx.planted["machine_failures"] = {
        "equipment_id": machine.equipment_id,
        "mtconnect_uuid": machine.uuid,
        "date": dstr(fail_day),
        "unplanned_down_count": len(downs),
    }
    # The moment R3's condition is first met: the third stop starts (private, for `alerts`).
    ctx.planted["_third_stop"] = fail_day * DAY + int(sorted(downs)[2][0] * HOUR)
    out.floor["oee"], ctx.planted["badge_streaks"] = _oee_streaks(ctx)
    _bad_weeks(ctx)
    return out


# 「精益先锋」 (SPEC 9.5): a team earns it when it meets its OEE target on >= 95 % of its
# shifts in 3 consecutive ISO weeks. The demo's team OEE target is a stretch (TEAM_OEE_TARGET
# in config.py, 0.90: a natural crew runs at 0.70-0.89), so no crew earns it by chance; these
# two are made to. Their planted shifts run without unplanned stops at 98 % of the ideal
# rate with at most 2 % defects (OEE about 0.94); the one short shift at 60 % of it.
STREAK_WEEKS = 3
STREAK_HIGH_PERF = 0.98
STREAK_HIGH_MAX_DEFECTS = 0.02
STREAK_SHORT_PERF = 0.60


def _oee_streaks(ctx: Ctx) -> tuple[dict[tuple[str, int], str], dict[str, Any]]:
    """The planted OEE streaks: (team, day) -> "high" | "low" for the shop floor, and what
    planted.json says. The first assembly crew meets the target on every shift of the
    period's first three full ISO weeks (the badge, at the end of the third week's last
    shift); the first painting crew does the same for two weeks, then misses on the first
    shift of the third (one shift short: the run stops at two weeks, no badge)."""
    plant = ctx.plant
    first_week = ctx.start_day + (7 - weekday(ctx.start_day)) % 7
    days = range(first_week, first_week + 7 * STREAK_WEEKS)
    pioneer = next(t for t in plant.teams if t.kind == "ASM")
    short = next(t for t in plant.teams if t.kind == "PNT")
    modes: dict[tuple[str, int], str] = {}
    worked: dict[str, list[tuple[int, str]]] = {}
    for team in (pioneer, short):
        worked[team.code] = [
            (day, shift)
            for day in days
            if (shift := team_shift(team.index, team.kind, day)) is not None
        ]
        for day, _ in worked[team.code]:
            modes[(team.code, day)] = "high"
    third_week = first_week + 7 * (STREAK_WEEKS - 1)
    short_day, short_shift = next(p for p in worked[short.code] if p[0] >= third_week)
    modes[(short.code, short_day)] = "low"
    last_day, last_shift = worked[pioneer.code][-1]
    # The shift's end, plant time (a night shift ends at 08:00 the next day).
    ends = last_day * DAY + SHIFTS[last_shift][3] * MINUTE
    weeks = [dstr(first_week + 7 * k) for k in range(STREAK_WEEKS)]
    return modes, {
        "badge_code": "lean_pioneer",
        "team_oee_target": TEAM_OEE_TARGET,
        "lean_pioneer": {
            "team": pioneer.code,
            "weeks": weeks,
            "shifts": len(worked[pioneer.code]),
            # To the crew's members at that moment, after the HR history's transfers and
            # hires (hr/employees versions), not the crew as first staffed.
            "awarded_at": ts_offset(ends),
        },
        "one_shift_short": {
            "team": short.code,
            "weeks": weeks,
            "short_shift": {"date": dstr(short_day), "shift": short_shift},
            "shifts_in_third_week": sum(1 for d, _ in worked[short.code] if d >= third_week),
        },
    }


def _bad_weeks(ctx: Ctx) -> None:
    """Two weeks of promised dates in which on-time delivery collapses, each for a reason
    the marts must show differently: a storm closes roads and strands trucks (signatures
    come late, so every view is late), and a frozen invoicing system holds invoices back
    (goods signed on time, so only the unified anchor is late). The storm week is the
    third full week, inside any 30-day slice; the invoicing week sits in the last month of
    periods long enough to keep the two four weeks apart, clear of Spring Festival."""
    s = ctx.start_day
    storm_week = s + 14 + (7 - weekday(s + 14)) % 7
    closed, reopened = (storm_week - 2) * DAY + 6 * HOUR, (storm_week + 3) * DAY + 18 * HOUR
    ctx.disruptions.append(Disruption("storm", closed, reopened, STORM_REGIONS))
    ctx.planted["bad_week_storm"] = {
        "week_start": dstr(storm_week),
        "week_end": dstr(storm_week + 6),
        "roads_closed_at": ts_offset(closed),
        "roads_reopened_at": ts_offset(reopened),
        "regions": list(STORM_REGIONS),
    }
    freeze_week = ctx.end_day - 15 - weekday(ctx.end_day - 15)
    while any(is_shutdown(d) or is_reduced(d) for d in range(freeze_week, freeze_week + 7)):
        freeze_week -= 7
    if freeze_week < storm_week + 28:
        return
    frozen, thawed = freeze_week * DAY, (freeze_week + 3) * DAY + 12 * HOUR
    ctx.disruptions.append(Disruption("invoice_freeze", frozen, thawed, ()))
    ctx.planted["bad_week_invoicing"] = {
        "week_start": dstr(freeze_week),
        "week_end": dstr(freeze_week + 6),
        "invoicing_stopped_at": ts_offset(frozen),
        "invoicing_resumed_at": ts_offset(thawed),
    }


def oa_handling_offsets(template: str, scope_type: str, scope_id: str) -> tuple[int, int]:
    """Seconds from an OA task's creation to its 批准 (acknowledged) and to its 归档
    (completed): 60-180 min, then 30-120 min more, the same for the same template and scope
    in every run (a hash, not the generator's random stream: the task is created later, by
    perfchain, against the running simulator)."""
    digest = hashlib.md5(f"{template}|{scope_type}|{scope_id}".encode()).hexdigest()
    acknowledged = (60 + int(digest[:8], 16) % 121) * MINUTE
    completed = acknowledged + (30 + int(digest[8:16], 16) % 91) * MINUTE
    return acknowledged, completed


# ---------------------------------------------------------------- alerts (SPEC 8, issue 21)

# The demo rules of targets.xlsx (sheet alert_rules) and where each fires. R1-R3 fire on
# their planted days only (the shop floor keeps natural stops and defects below the rules'
# thresholds, see shopfloor.MAX_NATURAL_*; production steps close and consignments ship
# within their production day); R4 fires for every complaint case, each recorded here.
ACK_TIMEOUT_MINUTES = 1440  # level 1 -> 2 and level 2 -> 3 (the rules' default)
LATE_STEP_HOURS = 4  # R1's threshold
MAX_STOPS_PER_DAY = 3  # R3's threshold


@dataclass(frozen=True)
class UnhandledAlert:
    """The one planted alert whose OA task nobody handles, so it escalates to levels 2 and
    3. The simulator's OA leaves every request perfchain creates for this rule and scope
    (related order / customer / machine / team = `scope_id`) at node 创建; it handles all
    others at planted offsets. Read it from a dataset with `never_handled(planted_json)`."""

    rule_id: str
    scope_type: str
    template: str
    planted_key: str  # the planted.json entry naming the scope
    scope_field: str  # ... and its field holding scope_id


NEVER_HANDLED = UnhandledAlert("R1", "order", "交期偏差处理", "late_order_step", "order")


def never_handled(planted_json: dict[str, Any]) -> dict[str, str] | None:
    """`{rule_id, scope_type, scope_id, template}` of the never-handled alert of a
    dataset's planted.json (None when the dataset is too short to hold it)."""
    return planted_json.get("alerts", {}).get("never_handled")


def alerts(ctx: Ctx) -> dict[str, Any]:
    """planted.json's `alerts`: every alert the demo rules open in the dataset, when, and
    the level it reaches by the end of the dataset (docs/planted.md, "Alerts")."""
    end = ctx.end_day * DAY
    out: list[dict[str, Any]] = []

    def add(rule: str, scope_type: str, scope_id: str, opened: int, met: int, **extra: Any) -> None:
        if opened > end:
            return
        unhandled = rule == NEVER_HANDLED.rule_id and scope_id == _never_scope(ctx)
        level = 1
        if unhandled:
            # A level is reached when its timeout passes before the dataset ends and while
            # the alert is still open (SPEC 8.3: an alert resolved first does not escalate).
            until = min(end, _parse(extra["resolved_at"]) if "resolved_at" in extra else end)
            level += sum(opened + k * ACK_TIMEOUT_MINUTES * MINUTE <= until for k in (1, 2))
            for k in range(2, level + 1):
                extra[f"level{k}_at"] = ts_offset(opened + (k - 1) * ACK_TIMEOUT_MINUTES * MINUTE)
        out.append(
            {
                "rule_id": rule,
                "scope_type": scope_type,
                "scope_id": scope_id,
                "plant_date": dstr(met // DAY),
                "condition_met_at": ts_offset(met),
                "opened_at": ts_offset(opened),
                "level_reached": level,
                "handled": not unhandled,
                **extra,
            }
        )

    step = ctx.planted.get("late_order_step")
    if step:
        due = _parse(step["due_at"])
        # The hour window ending more than 4 h after the due moment, the step still open.
        opened = due + LATE_STEP_HOURS * HOUR + HOUR
        add(
            "R1",
            "order",
            step["order"],
            opened,
            opened - HOUR,
            step="production",
            production_order=step["production_order"],
            resolved_at=_hour_end(_parse(step["closed_at"])),
        )
    fpy = ctx.planted.get("low_fpy_team")
    if fpy:
        day = _day(fpy["date"])
        last = int(fpy["hours"][-1][:2])
        opened = day * DAY + (last + 1) * HOUR
        add("R2", "team", fpy["team"], opened, opened, resolved_at=ts_offset(opened + HOUR))
    failures = ctx.planted.get("machine_failures")
    if failures:
        day = _day(failures["date"])
        third = ctx.planted.get("_third_stop", day * DAY)
        # An event count opens when it reaches the threshold: at the third stop.
        add(
            "R3",
            "machine",
            failures["equipment_id"],
            third,
            third,
            stops=failures["unplanned_down_count"],
        )
    for case in ctx.planted.get("_complaints", []):
        created = case["created"]
        if created >= end:
            continue
        # A complaint opens its alert when it is created, not when its hour ends.
        add(
            "R4",
            "customer",
            case["customer"],
            created,
            created,
            case_number=case["case_number"],
            escalated=case["escalated"],
        )
    out.sort(key=lambda a: (a["opened_at"], a["rule_id"], a["scope_id"]))
    block: dict[str, Any] = {"alerts": out, "ack_timeout_minutes": ACK_TIMEOUT_MINUTES}
    scope = _never_scope(ctx)
    if scope:
        block["never_handled"] = {
            "rule_id": NEVER_HANDLED.rule_id,
            "scope_type": NEVER_HANDLED.scope_type,
            "scope_id": scope,
            "template": NEVER_HANDLED.template,
        }
    return block


def _never_scope(ctx: Ctx) -> str | None:
    entry = ctx.planted.get(NEVER_HANDLED.planted_key)
    return entry[NEVER_HANDLED.scope_field] if entry else None


def _parse(text: str) -> int:
    """A ts_offset string back to plant-local seconds."""
    return (
        _day(text[:10]) * DAY
        + int(text[11:13]) * HOUR
        + int(text[14:16]) * MINUTE
        + int(text[17:19])
    )


def _day(text: str) -> int:
    return day_index(date.fromisoformat(text))


def _hour_end(t: int) -> str:
    return ts_offset(t - t % HOUR + HOUR)


def goals(ctx: Ctx) -> dict[str, Any]:
    """The demo goal tree, the mid-year weight change and the weight rules (docs/planted.md)."""
    from simulator.generator.goals import goal_sheets

    return goal_sheets(ctx).planted
