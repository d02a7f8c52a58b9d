"""The demo alert rules R1-R4 evaluated by hand over a dataset's CSV files (pure Python, no
dbt, no warehouse): the reference the generator's planted list (planted.json `alerts`) and
the dbt models of fct_alert are both checked against (docs/planted.md, "Alerts").

Windows are clock hours (R1, R2, R4) or plant dates (R3) in plant time; an episode opens at
the end of the window that completes the condition (R2: the second of two consecutive
hours) and stays one episode while the following windows hold. Only windows that end by
the end of the dataset are evaluated.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

PLANT = ZoneInfo("Asia/Shanghai")
HOUR = timedelta(hours=1)
LATE_STEP = timedelta(hours=4)  # R1 threshold
FPY_THRESHOLD = 0.925  # R2 threshold
FPY_WINDOWS = 2  # R2 consecutive hours
MAX_STOPS = 3  # R3 threshold (>=)
CLOSED = "关闭"


def rows(root: Path, entity: str) -> Iterator[dict[str, str]]:
    with (root / f"{entity}.csv").open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def local(text: str) -> datetime:
    """Any dataset timestamp as naive plant wall time: offsets and Z are converted, a naive
    value (U8, Weaver) already is plant time."""
    text = text.replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # Salesforce +0000
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(PLANT).replace(tzinfo=None)


def hour_end(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + HOUR


def period_end(root: Path) -> datetime:
    import json

    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return datetime.combine(
        date.fromisoformat(manifest["end"]) + timedelta(days=1), datetime.min.time()
    )


def episodes(ends: set[datetime], step: timedelta, needed: int = 1) -> list[datetime]:
    """Opening moments: for each run of consecutive holding windows (by their end) at least
    `needed` long, the end of its `needed`-th window."""
    opened = []
    run: list[datetime] = []
    for end in sorted(ends):
        if run and end - run[-1] != step:
            run = []
        run.append(end)
        if len(run) == needed:
            opened.append(end)
    return opened


def r1_late_steps(root: Path) -> dict[tuple[str, datetime], str]:
    """(order, opened_at) -> step for every R1 episode: a production order of a sales order
    not closed in ERP, or a consignment (发货单) not shipped in WMS, more than 4 h after the
    end of its planned date's production day (08:00 the next day, plant time)."""
    end = period_end(root)
    steps: list[tuple[str, str, datetime, datetime | None]] = []  # order, step, due, done
    orders: dict[str, dict[str, str]] = {}
    closed: dict[str, datetime] = {}
    for row in rows(root, "erp/production_orders"):
        if not row["socode"]:
            continue
        orders.setdefault(row["code"], row)
        if row["state"] == CLOSED:
            at = local(row["modifytime"])
            closed[row["code"]] = min(at, closed.get(row["code"], at))
    for code, row in orders.items():
        due = datetime.fromisoformat(row["duedate"]) + timedelta(days=1, hours=8)
        steps.append((row["socode"], "production", due, closed.get(code)))
    shipped: dict[str, datetime] = {}
    for row in rows(root, "wms/shipments"):
        if row["status"] == "shipped" and row["shipped_at"]:
            at = local(row["shipped_at"])
            code = row["consignment_code"]
            shipped[code] = min(at, shipped.get(code, at))
    consignments: dict[str, tuple[str, str]] = {}
    for row in rows(root, "erp/consignments"):
        consignments.setdefault(row["code"], (row["socode"], row["date"]))
    for code, (order, day) in consignments.items():
        due = datetime.fromisoformat(day) + timedelta(days=1, hours=8)
        steps.append((order, "shipping", due, shipped.get(code)))
    holding: dict[str, set[datetime]] = defaultdict(set)
    kind: dict[tuple[str, datetime], str] = {}
    for order, step, due, done in steps:
        window_end = hour_end(due + LATE_STEP)
        while window_end <= end and (done is None or done > window_end):
            holding[order].add(window_end)
            kind.setdefault((order, window_end), step)
            window_end += HOUR
    return {
        (order, opened): kind[(order, opened)]
        for order, ends in holding.items()
        for opened in episodes(ends, HOUR)
    }


def team_hour_fpy(root: Path) -> dict[tuple[str, datetime], float]:
    """(team, hour start) -> good / produced over the MES hourly counts."""
    totals: dict[tuple[str, datetime], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows(root, "mes/production_counts"):
        key = (row["team_code"], local(row["hour_start"]))
        totals[key][0] += int(row["good_qty"])
        totals[key][1] += int(row["produced_qty"])
    return {key: good / produced for key, (good, produced) in totals.items() if produced}


def r2_low_fpy(root: Path) -> list[tuple[str, datetime]]:
    """(team, opened_at): first-pass yield below 92.5 % in 2 consecutive hours."""
    end = period_end(root)
    below: dict[str, set[datetime]] = defaultdict(set)
    for (team, start), fpy in team_hour_fpy(root).items():
        if fpy < FPY_THRESHOLD and start + HOUR <= end:
            below[team].add(start + HOUR)
    return sorted(
        (team, opened)
        for team, ends in below.items()
        for opened in episodes(ends, HOUR, FPY_WINDOWS)
    )


def unplanned_stops(root: Path) -> dict[tuple[str, date], tuple[int, int]]:
    """(equipment_id, plant date) -> (stops, unplanned_down records). A stop is a record
    with state unplanned_down whose previous record for the machine has another state."""
    equipment = {row["mtconnect_uuid"]: row["equipment_id"] for row in rows(root, "mes/equipment")}
    by_machine: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for row in rows(root, "mes/machine_states"):
        by_machine[row["mtconnect_uuid"]].append((local(row["timestamp"]), row["state"]))
    out: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
    for uuid, states in by_machine.items():
        previous = ""
        for at, state in sorted(states):
            if state == "unplanned_down":
                counts = out[(equipment[uuid], at.date())]
                counts[1] += 1
                counts[0] += previous != "unplanned_down"
            previous = state
    return {key: (stops, records) for key, (stops, records) in out.items()}


def r3_stops(root: Path) -> list[tuple[str, datetime]]:
    """(equipment_id, opened_at): 3 or more unplanned stops in a plant date, counted as
    unplanned_down records (state changes, like fct_oee_shift.unplanned_stop_count). The
    window is the date; an event count opens when it reaches the threshold, so the episode
    opens at the third record of its first day."""
    end = period_end(root)
    equipment = {row["mtconnect_uuid"]: row["equipment_id"] for row in rows(root, "mes/equipment")}
    down_at: dict[tuple[str, date], list[datetime]] = defaultdict(list)
    for row in rows(root, "mes/machine_states"):
        if row["state"] == "unplanned_down":
            at = local(row["timestamp"])
            down_at[(equipment[row["mtconnect_uuid"]], at.date())].append(at)
    days: dict[str, set[datetime]] = defaultdict(set)
    met: dict[tuple[str, datetime], datetime] = {}
    for (machine, day), times in down_at.items():
        day_end = datetime.combine(day + timedelta(days=1), datetime.min.time())
        if len(times) >= MAX_STOPS and sorted(times)[MAX_STOPS - 1] < end:
            days[machine].add(day_end)
            met[(machine, day_end)] = sorted(times)[MAX_STOPS - 1]
    return sorted(
        (machine, met[(machine, day_end)])
        for machine, ends in days.items()
        for day_end in episodes(ends, timedelta(days=1))
    )


def r4_cases(root: Path) -> dict[tuple[str, datetime], str]:
    """(customer, opened_at) -> case number: a CRM case that is a complaint (from its
    creation) or escalated (from the first escalated version) opens an episode in its hour,
    on the account's customer code, at the moment of the hour's first such case (an event
    count opens when it reaches the threshold)."""
    end = period_end(root)
    customers = {row["Id"]: row["AccountNumber"] for row in rows(root, "crm/accounts")}
    first: dict[str, tuple[datetime, str]] = {}
    for row in rows(root, "crm/cases"):
        if row["IsDeleted"] == "true":
            continue
        if row["Type"] == "Complaint":
            at = local(row["CreatedDate"])
        elif row["IsEscalated"] == "true":
            at = local(row["SystemModstamp"])
        else:
            continue
        number = row["CaseNumber"]
        if number not in first or at < first[number][0]:
            first[number] = (at, customers[row["AccountId"]])
    holding: dict[str, set[datetime]] = defaultdict(set)
    first_in_hour: dict[tuple[str, datetime], tuple[datetime, str]] = {}
    for number, (at, customer) in first.items():
        if at < end:
            holding[customer].add(hour_end(at))
            key = (customer, hour_end(at))
            first_in_hour[key] = min(first_in_hour.get(key, (at, number)), (at, number))
    return {
        (customer, first_in_hour[(customer, ended)][0]): first_in_hour[(customer, ended)][1]
        for customer, ends in holding.items()
        for ended in episodes(ends, HOUR)
    }


def reference_alerts(root: Path) -> set[tuple[str, str, datetime]]:
    """(rule_id, scope_id, opened_at) of every alert R1-R4 open in the dataset."""
    return {
        *(("R1", order, at) for order, at in r1_late_steps(root)),
        *(("R2", team, at) for team, at in r2_low_fpy(root)),
        *(("R3", machine, at) for machine, at in r3_stops(root)),
        *(("R4", customer, at) for customer, at in r4_cases(root)),
    }
