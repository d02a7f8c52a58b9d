"""A small dataset written by hand from the source contract (extractors/contract.py), and the answers computed from its rows.

It proves the dataset format can be written without the generator, and it gives the
simulator tests rows whose expected answers are computed here in plain Python (not with
the simulator's SQL): the latest version per key as of T, incremental windows, deletes.

Shape: ten plant days from 2026-03-01 (Asia/Shanghai); every entity has a few records,
every fifth record has a second version, every seventh a version after the last day (so
"as of the last day" hides it), and the last record of each entity is created after the
last day. CRM tasks hold 2,600 records (more than one Salesforce page); opportunity 3 is
deleted on day 5; sales order SO00000 changes only through a line; two machines change
state every two hours, with planned stops and faults.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from extractors.contract import ENTITIES, Entity, entity

TZ = ZoneInfo("Asia/Shanghai")
START = date(2026, 3, 1)
DAYS = 10
LAST_DAY = START + timedelta(days=DAYS - 1)
FUTURE_VERSION = datetime(2026, 3, 11, 10, 0, tzinfo=TZ)
FUTURE_RECORD = datetime(2026, 3, 12, 9, 0, tzinfo=TZ)
SIZES = {"crm/tasks": 2600, "erp/customers": 45, "oa/workflow_requests": 25, "erp/sale_orders": 6}
DEFAULT_SIZE = 12
SF_PREFIX = {
    "users": "005",
    "accounts": "001",
    "opportunities": "006",
    "contracts": "800",
    "cases": "500",
    "tasks": "00T",
}
DELETED_OPPORTUNITY = "006SIM000000000003"
MACHINES = (("M01", "mill-1"), ("M02", "press-2"))

Row = dict[str, str | None]


def fmt(moment: datetime, type_: str, machine: bool = False) -> str:
    """A moment in the text form the contract prescribes for the type."""
    if type_ == "ts_utc":
        utc = moment.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%SZ" if machine else "%Y-%m-%dT%H:%M:%S.000+0000")
    local = moment.astimezone(TZ)
    if type_ == "ts_local":
        return local.strftime("%Y-%m-%d %H:%M:%S")
    if type_ == "ts_offset":
        return local.isoformat(timespec="seconds")
    if type_ == "date":
        return local.date().isoformat()
    raise ValueError(type_)


def parse(text: str, type_: str) -> datetime:
    """Text of a timestamp type → aware UTC datetime (independent of the simulator's code)."""
    if type_ == "ts_utc":
        if text.endswith("Z"):
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    if type_ == "ts_local":
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=TZ).astimezone(UTC)
    return datetime.fromisoformat(text).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=TZ) - timedelta(
        microseconds=1
    )


def key_of(ent: Entity, row: Row) -> tuple[str | None, ...]:
    return tuple(row[k] for k in ent.key)


@dataclass
class Handmade:
    root: Path
    rows: dict[str, list[Row]] = field(default_factory=dict)

    def of(self, source: str, name: str) -> list[Row]:
        return self.rows[f"{source}/{name}"]

    def current(
        self,
        source: str,
        name: str,
        as_of: datetime | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        since_inclusive: bool = False,
        include_deleted: bool = False,
    ) -> list[Row]:
        """Latest version per key as of T, optionally changed in (since, until], ordered."""
        ent = entity(source, name)
        as_of = as_of or end_of_day(LAST_DAY)
        stamp_type = ent.field(ent.modstamp).type
        latest: dict[tuple[str | None, ...], tuple[datetime, int, Row]] = {}
        for order, row in enumerate(self.of(source, name)):
            moment = parse(row[ent.modstamp] or "", stamp_type)
            if moment > as_of:
                continue
            key = key_of(ent, row)
            if key not in latest or (moment, order) >= latest[key][:2]:
                latest[key] = (moment, order, row)
        chosen = []
        for moment, _, row in latest.values():
            if since is not None and (moment < since if since_inclusive else moment <= since):
                continue
            if until is not None and moment > until:
                continue
            if not include_deleted and ent.deleted and row[ent.deleted] == "true":
                continue
            chosen.append((moment, row))
        chosen.sort(key=lambda item: (item[0], _sort_key(ent, item[1])))
        return [row for _, row in chosen]


def _sort_key(ent: Entity, row: Row) -> tuple:
    return tuple(
        (int(row[k] or 0), row[k]) if ent.field(k).type == "int" else (0, row[k]) for k in ent.key
    )


def _key_value(ent: Entity, key: str, i: int) -> str:
    if ent.source == "crm" and key == "Id":
        return f"{SF_PREFIX[ent.name]}SIM{i:012d}"
    if ent.field(key).type == "int":
        return str(i % 2 + 1)
    if ent.field(key).type == "date":
        return (START + timedelta(days=i)).isoformat()
    prefix = "".join(part[0] for part in ent.name.split("_")).upper()
    return f"{prefix}{i:05d}"


def _value(
    ent: Entity, name: str, type_: str, i: int, version: int, moment: datetime
) -> str | None:
    if type_ == "int":
        return str((i * 7) % 90 + 1 + version)
    if type_ == "dec":
        return f"{(i * 13) % 1000 + 0.5 + version:.2f}"
    if type_ == "bool":
        return "true" if i % 4 == 0 else "false"
    if type_ == "date":
        return (START + timedelta(days=i % DAYS)).isoformat()
    if type_.startswith("ts"):
        return fmt(moment - timedelta(hours=1), type_)
    if name.endswith("_en") or name in ("Subject", "remark"):
        return None if i % 3 == 0 else f"{name} {i}"
    return f"{name} {i}" + (f" v{version + 1}" if version else "")


def _moment(i: int, n: int) -> datetime:
    minutes = (DAYS - 1) * 24 * 60 * i // max(n, 1)
    return datetime.combine(START, datetime.min.time(), tzinfo=TZ) + timedelta(
        hours=8, minutes=minutes
    )


def _versions(i: int, n: int) -> list[datetime]:
    if i == n - 1:
        return [FUTURE_RECORD]
    first = _moment(i, n)
    moments = [first]
    if i % 5 == 1:
        moments.append(min(first + timedelta(days=2), end_of_day(LAST_DAY) - timedelta(hours=2)))
    if i % 7 == 2:
        moments.append(FUTURE_VERSION + timedelta(seconds=i))
    return moments


def _record_rows(ent: Entity, i: int, n: int) -> list[Row]:
    rows: list[Row] = []
    moments = _versions(i, n)
    for version, moment in enumerate(moments):
        row: Row = {}
        for f in ent.fields:
            if f.name in ent.key:
                row[f.name] = _key_value(ent, f.name, i)
            elif f.name == ent.modstamp:
                row[f.name] = fmt(moment, f.type)
            else:
                row[f.name] = _value(ent, f.name, f.type, i, version, moment)
        if ent.source == "crm":
            row["CreatedDate"] = fmt(moments[0], "ts_utc")
            row["LastModifiedDate"] = row["SystemModstamp"]
            row["IsDeleted"] = "false"
        rows.append(row)
    return rows


def _special(ent: Entity, rows: list[Row], n: int) -> list[Row]:
    """Entity-specific touches: links between rows, a delete, awkward text."""
    name = f"{ent.source}/{ent.name}"
    if name == "crm/accounts":
        rows[0]["Name"] = '华东机电, "Key" account'
        rows[0]["BillingCity"] = "上海\n浦东"
    if name == "crm/opportunities":
        rows[0]["Amount"] = "86000.00"
        deleted = [r for r in rows if r["Id"] == DELETED_OPPORTUNITY]
        gone = dict(deleted[-1])
        moment = datetime(2026, 3, 5, 11, 0, tzinfo=TZ)
        gone.update(
            IsDeleted="true",
            SystemModstamp=fmt(moment, "ts_utc"),
            LastModifiedDate=fmt(moment, "ts_utc"),
        )
        rows.insert(rows.index(deleted[-1]) + 1, gone)
    if name == "erp/sale_order_lines":
        for row in rows:
            index = int(row["code"][-5:])  # type: ignore[index]
            row["code"] = f"SO{index // 2:05d}"
            row["rowno"] = str(index % 2 + 1)
    if name == "oa/workflow_logs":
        for row in rows:
            index = int(row["logId"][-5:])  # type: ignore[index]
            row["requestId"] = f"WR{index // 2:05d}"
    if name == "mes/equipment":
        for row in rows:
            index = int(row["equipment_id"][-5:])  # type: ignore[index]
            if index < len(MACHINES):
                row["equipment_id"], row["mtconnect_uuid"] = MACHINES[index]
            else:
                row["mtconnect_uuid"] = None
    return rows


def machine_states() -> list[Row]:
    """Two machines, a state change every two hours for DAYS + 1 days (the last in the future)."""
    cycle = [
        ("running", None, None),
        ("planned_stop", "PM01", "月度保养"),
        ("running", None, None),
        ("unplanned_down", "E101", "主轴过载"),
        ("running", None, None),
        ("planned_stop", "CHG", "换型"),
    ]
    rows: list[tuple[datetime, str, Row]] = []
    for machine_index, (_, uuid) in enumerate(MACHINES):
        for step in range((DAYS + 1) * 12):
            moment = datetime.combine(START, datetime.min.time(), tzinfo=TZ) + timedelta(
                hours=2 * step, minutes=7 * machine_index
            )
            state, code, text = cycle[(step + machine_index) % len(cycle)]
            row: Row = {
                "mtconnect_uuid": uuid,
                "timestamp": fmt(moment, "ts_utc", machine=True),
                "state": state,
                "reason_code": code,
                "reason_text": text,
            }
            rows.append((moment, uuid, row))
    rows.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, row in rows]


def write_handmade(root: Path) -> Handmade:
    root.mkdir(parents=True, exist_ok=True)
    made = Handmade(root)
    for ent in ENTITIES:
        name = f"{ent.source}/{ent.name}"
        if name == "mes/machine_states":
            rows = machine_states()
        else:
            n = SIZES.get(name, DEFAULT_SIZE)
            if name == "erp/sale_order_lines":
                n = SIZES["erp/sale_orders"] * 2
            if name == "oa/workflow_logs":
                n = SIZES["oa/workflow_requests"] * 2
            rows = []
            for i in range(n):
                rows.extend(_record_rows(ent, i, n))
            rows = _special(ent, rows, n)
        made.rows[name] = rows
        path = root / ent.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=ent.columns, lineterminator="\n")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    manifest = {
        "plants": [{"code": "P01", "timezone": "Asia/Shanghai"}],
        "timezone": "Asia/Shanghai",
        "start": START.isoformat(),
        "days": DAYS,
        "scale": "handmade",
        "seed": 0,
        "row_counts": {name: len(rows) for name, rows in made.rows.items()},
    }
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return made
