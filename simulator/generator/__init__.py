"""The demo factory generator: a deterministic dataset of a synthetic auto-parts plant.

``generate`` writes one CSV per source entity (see extractors/contract.py and
docs/dataset.md), the Excel drop, ``manifest.json`` and ``planted.json``. Same arguments,
byte-identical files. It streams day by day: master data first, then for each day the
order intake, HR, the shop floor's production day, and every pending record version that
falls due that day.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from simulator.generator import excel, planted, recognition
from simulator.generator.clock import DAY, TZ_NAME, day_index
from simulator.generator.config import SCALES
from simulator.generator.context import Ctx
from simulator.generator.hr import HrDesk
from simulator.generator.master import (
    build_group,
    build_plant,
    schedule_grade_changes,
    write_crm_users,
    write_group,
    write_plant,
    write_routings,
)
from simulator.generator.orders import OrderDesk
from simulator.generator.shopfloor import ShopFloor
from simulator.generator.sink import Sink, Timeline

GENERATOR_VERSION = "1.0.0"

__all__ = ["GENERATOR_VERSION", "generate"]


def generate(
    out: Path,
    scale: str = "s",
    seed: int = 42,
    start: date = date(2026, 1, 1),
    days: int | None = None,
    progress: bool = True,
) -> dict:
    """Write the dataset under ``out`` and return its manifest (also ``out/manifest.json``)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {', '.join(SCALES)}")
    cfg = SCALES[scale]
    days = cfg.days if days is None else days
    if days < 1:
        raise ValueError("days must be at least 1")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    start_day = day_index(start)
    end_day = start_day + days

    sink = Sink(out)
    group = build_group(cfg, seed)
    write_group(sink, group, start_day)
    plants_meta: list[dict[str, Any]] = []
    excel_inputs: list[Ctx] = []
    planted_all: dict[str, Any] = {}
    bar = tqdm(total=cfg.plants * (days + 1), desc="generate", unit="day", disable=not progress)
    for plant_no in range(1, cfg.plants + 1):
        plant = build_plant(plant_no, cfg, seed, start_day)
        write_plant(sink, plant, start_day)
        write_routings(sink, plant, group, start_day)
        write_crm_users(sink, plant, start_day)
        ctx = Ctx(seed, cfg, group, plant, sink, Timeline(sink), start_day, end_day)
        plan = planted.plan(ctx) if plant_no == 1 else planted.Planted()
        hr = HrDesk(ctx)
        desk = OrderDesk(ctx, plan.orders)
        floor = ShopFloor(ctx, plan.floor)
        if plant_no == 1:
            ctx.planted["grade_changes"] = schedule_grade_changes(
                ctx.tl, group, seed, start_day, end_day
            )
            ctx.planted["deleted_opportunities"] = [
                desk.deleted_opportunity(start_day + 1, k) for k in (1, 2)
            ]
        # The production day before the start supplies the night shift running at 00:00.
        for day in range(start_day - 1, end_day):
            roster = hr.schedules(day)
            present: dict[str, list[str]] = {}
            if day >= start_day:
                desk.run_day(day)
                hr.run_day(day)
                hr.write_schedule(day, roster)
                present = hr.attendance(day, roster)
            floor.run_day(day, roster, present)
            ctx.tl.flush((day + 1) * DAY)
            ctx.book.prune(day)
            bar.update(1)
        if plant_no == 1:
            ctx.planted["training"] = recognition.training_records(ctx)
        # Whatever is still pending happens after the period: not in this dataset.
        plants_meta.append(
            {
                "code": plant.code,
                "name": f"{plant.city}工厂",
                "name_en": f"{plant.city_en} plant",
                "employees": len(plant.employees),
                "machines": sum(len(line.machines) for line in plant.lines),
            }
        )
        if plant_no == 1:
            planted_all = {
                "plant": plant.code,
                **{k: v for k, v in ctx.planted.items() if not k.startswith("_")},
                "alerts": planted.alerts(ctx),
                "goals": planted.goals(ctx),
            }
        excel_inputs.append(ctx)
        ctx.tl = Timeline(sink)  # release pending rows
    bar.close()
    counts = sink.close()
    excel.write_all(out / "excel", excel_inputs, start_day, end_day, seed)

    manifest = {
        "generator": "perfchain demo factory",
        "generator_version": GENERATOR_VERSION,
        "scale": scale,
        "seed": seed,
        "start": start.isoformat(),
        "end": (start + timedelta(days=days - 1)).isoformat(),
        "days": days,
        "time_zone": TZ_NAME,
        "plants": plants_meta,
        "row_counts": dict(sorted(counts.items())),
        "total_rows": sum(counts.values()),
        "excel": sorted(p.name for p in (out / "excel").glob("*.xlsx")),
    }
    _write_json(out / "manifest.json", manifest)
    _write_json(out / "planted.json", _sorted(planted_all))
    return manifest


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
