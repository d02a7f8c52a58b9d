"""The shop floor, one production day (08:00 to 08:00) at a time: machine states, hourly
counts, first-piece checks, inspections, defects, rework, line measures, parameter changes.

Causality the marts rely on:
* a machine produces only while ``running``; produced ≤ run seconds ÷ ideal cycle;
* unplanned downtime is more frequent on loaded lines (urgent key-account orders);
* a "bad shift" (and a loaded line) raises the defect rate, so first-pass yield drops;
* QMS first inspections mirror the hourly counts: inspected = produced, passed = good.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.generator import catalog, service
from simulator.generator.clock import (
    DAY,
    HMS,
    HOUR,
    MINUTE,
    dstr,
    ts_local,
    ts_mtc,
    ts_offset,
)
from simulator.generator.config import BREAKS, SHIFTS, is_shutdown, weekday
from simulator.generator.context import Ctx, WorkOrder
from simulator.generator.master import Line, Machine, Team, pick
from simulator.generator.planted import (
    STREAK_HIGH_MAX_DEFECTS,
    STREAK_HIGH_PERF,
    STREAK_SHORT_PERF,
)
from simulator.generator.rng import np_rng, py_rng

# Unplanned failures per machine per 12-hour shift, and defect rate per unit, by line kind.
FAIL_RATE = {"WLD": 0.55, "PNT": 0.50, "ASM": 0.40, "MCH": 0.60}
DEFECT_RATE = {"WLD": 0.018, "PNT": 0.022, "ASM": 0.011, "MCH": 0.014}
BAD_SHIFT_P = 0.06  # share of team-shifts that go badly (new material lot, tired crew, ...)
BAD_SHIFT_PACE = 0.75  # a bad shift also works slower: output per head drops with yield
# Crews differ in pace (experience, line balance): a crew's speed relative to the routing's
# standard, drawn once per team. Routing standards are set so an average crew earns about
# 0.85-0.9 standard hours per attended hour (the target); the slowest crews sit in yellow.
CREW_PACE = (0.84, 1.05)
# The demo's alert rules fire on planted days only (docs/planted.md, "Alerts"): outside
# them no machine has more than MAX_NATURAL_STOPS unplanned stops in a plant day (R3 wants
# 3) and no machine-hour loses more than MAX_NATURAL_DEFECT_SHARE of its output at first
# inspection, so no team-hour falls below 92.5 % first-pass yield (R2 wants two in a row).
MAX_NATURAL_STOPS = 2
MAX_NATURAL_DEFECT_SHARE = 0.07
MEASURES = {
    # kind: (measure_type, unit, mean, sd, lower, upper)
    "WLD": ("weld_strength", "kN", 12.6, 0.32, "11.00", "14.20"),
    "PNT": ("voc", "mg/m3", 31.0, 5.5, "", "50.00"),
}
_PRIO = {"off": 0, "running": 1, "unplanned_down": 2, "planned_stop": 3}


@dataclass
class Seg:
    start: int
    end: int
    state: str
    code: str


def paint(w0: int, w1: int, layers: list[tuple[int, int, str, str]]) -> list[Seg]:
    """Flatten overlapping (start, end, state, code) layers: the higher priority wins."""
    cuts = sorted(
        {
            w0,
            w1,
            *(max(w0, min(w1, s)) for s, _, _, _ in layers),
            *(max(w0, min(w1, e)) for _, e, _, _ in layers),
        }
    )
    out: list[Seg] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a >= b:
            continue
        best = None
        for s, e, state, code in layers:
            if s <= a and b <= e and (best is None or _PRIO[state] >= _PRIO[best[0]]):
                best = (state, code)
        state, code = best if best else ("off", "S04")
        if out and out[-1].state == state and out[-1].code == code and out[-1].end == a:
            out[-1].end = b
        else:
            out.append(Seg(a, b, state, code))
    return out


class ShopFloor:
    def __init__(self, ctx: Ctx, planted: dict[str, Any]) -> None:
        self.ctx = ctx
        self.last_state: dict[str, tuple[str, str]] = {}
        self.last_product: dict[str, str] = {}
        self.fpy = planted.get("fpy")  # {"day", "team", "hours": [local hour, ...]}
        self.failures = planted.get("failures")  # {"day", "equipment_id", "downs": [(h, min)]}
        # The planted OEE streaks (planted.py, _oee_streaks): (team, day) -> "high" | "low".
        self.oee_modes: dict[tuple[str, int], str] = planted.get("oee", {})
        self.inspectors: dict[str, list] = defaultdict(list)
        for emp in ctx.plant.employees:
            if emp.role == "inspector":
                self.inspectors[emp.roster].append(emp)
        self._stock: dict[tuple[str, int], WorkOrder] = {}
        # Unplanned stops already booked per (equipment_id, plant date).
        self.stops: dict[tuple[str, int], int] = defaultdict(int)
        if self.failures:
            # The planted machine-day has its planted stops and no others.
            key = (self.failures["equipment_id"], self.failures["day"])
            self.stops[key] = len(self.failures["downs"]) + MAX_NATURAL_STOPS
        pace_rng = py_rng(ctx.seed, ctx.plant.no, 0, "crew_pace")
        self.pace = {team.code: pace_rng.uniform(*CREW_PACE) for team in ctx.plant.teams}

    # ------------------------------------------------------------------ one production day

    def run_day(self, day: int, plan: dict[str, str], present: dict[str, list[str]]) -> None:
        ctx = self.ctx
        lo, hi = ctx.start_day * DAY, ctx.end_day * DAY
        w0, w1 = day * DAY + 8 * HOUR, (day + 1) * DAY + 8 * HOUR
        if w1 <= lo or w0 >= hi:
            return
        rng = py_rng(ctx.seed, ctx.plant.no, day, "shopfloor")
        nrng = np_rng(ctx.seed, ctx.plant.no, day, "shopfloor")
        mrng = np_rng(ctx.seed, ctx.plant.no, day, "measures")
        out = _Out(ctx, day)
        for line in ctx.plant.lines:
            teams = [t for t in ctx.plant.teams if t.line_code == line.code and t.code in plan]
            shifts = sorted(((plan[t.code], t) for t in teams), key=lambda p: p[0])
            load = ctx.book.load(line.kind, day)
            self._line(day, line, shifts, load, present, rng, nrng, mrng, out, w0, w1, lo, hi)
            self._routine_changes(day, line, rng, w0, lo, hi, plan)
        out.flush()

    def _line(
        self,
        day: int,
        line: Line,
        shifts: list[tuple[str, Team]],
        load: float,
        present: dict[str, list[str]],
        rng: random.Random,
        nrng: np.random.Generator,
        mrng: np.random.Generator,
        out: _Out,
        w0: int,
        w1: int,
        lo: int,
        hi: int,
    ) -> None:
        ctx = self.ctx
        kind = line.kind
        strain = max(0.0, load - 0.85)
        base_code = "S05" if is_shutdown(day) else "S04"
        windows: list[tuple[str, Team, int, int]] = []
        for code, team in shifts:
            _, _, start, end, _ = SHIFTS[code]
            windows.append((code, team, day * DAY + start * MINUTE, day * DAY + end * MINUTE))
        # Work orders: the most urgent open ones first, one per machine per shift.
        active = ctx.book.active(kind, day)
        timeline: dict[str, list[Seg]] = defaultdict(list)
        for code, team, s, e in windows:
            bad = rng.random() < BAD_SHIFT_P
            # A planted streak shift is neither a bad shift nor stopped; every draw is still
            # made, so the random streams of everything else stay as they were.
            mode = self.oee_modes.get((team.code, day))
            if mode is not None:
                bad = False
            pace = self.pace[team.code] * (BAD_SHIFT_PACE if bad else 1.0)
            p_defect = DEFECT_RATE[kind] * team.quality * (2.6 if bad else 1.0) * (1 + 1.5 * strain)
            fpy_hours: set[int] = set()
            if self.fpy and self.fpy["day"] == day and self.fpy["team"] == team.code:
                fpy_hours = {day * DAY + h * HOUR for h in self.fpy["hours"]}
            crew = present.get(team.code) or [team.leader]
            inspectors = self.inspectors.get(team.code) or self.ctx.plant.roles["inspector"]
            for m in line.machines:
                wo = active[m.index % len(active)] if active else self._stock_order(line, day)
                cycle = wo.product.cycle[kind]
                segs = self._machine_shift(day, m, code, s, e, wo, rng, strain, mode == "high")
                flat = paint(s, e, [(a.start, a.end, a.state, a.code) for a in segs])
                timeline[m.equipment_id].extend(flat)
                run = _bucket(flat, "running")
                # Never above the ideal cycle: produced ≤ run seconds ÷ ideal cycle.
                perf = min(0.98, rng.uniform(0.80, 0.96) * pace)
                if mode == "high":
                    perf = STREAK_HIGH_PERF
                elif mode == "low":
                    perf = min(perf, STREAK_SHORT_PERF)
                produced_total = 0
                good_total = 0
                first_run = next((seg.start for seg in flat if seg.state == "running"), None)
                for hour_start in range(s, e, HOUR):
                    if not lo <= hour_start < hi:
                        continue
                    run_s = run.get(hour_start, 0)
                    produced = int(run_s * perf / cycle)
                    if produced <= 0:
                        continue
                    p = 0.115 if hour_start in fpy_hours else p_defect * rng.uniform(0.6, 1.4)
                    fails = int(nrng.binomial(produced, min(p, 0.5)))
                    if hour_start in fpy_hours:
                        # The planted hours stay below 92.5 % whatever the draw (docs/planted.md).
                        fails = max(fails, math.ceil(produced * 0.1))
                    else:
                        fails = min(fails, int(produced * MAX_NATURAL_DEFECT_SHARE))
                    if mode == "high":
                        fails = min(fails, int(produced * STREAK_HIGH_MAX_DEFECTS))
                    good = produced - fails
                    produced_total += produced
                    good_total += good
                    out.count(m, wo, team, code, hour_start, produced, good, rng.choice(crew))
                    out.inspect(
                        m, wo, team, hour_start, produced, good, fails, rng, inspectors, crew
                    )
                if first_run is not None and lo <= first_run < hi:
                    out.first_piece(m, wo, first_run, rng, inspectors)
                wo.remaining -= good_total
                self.last_product[m.equipment_id] = wo.product.code
                if kind in MEASURES:
                    out.measures(m, flat, lo, hi, mrng, bad or bool(fpy_hours), strain)
                st = ctx.stats
                month = dstr(day)[:7]
                st[(month, team.code, "produced")] += produced_total
                st[(month, team.code, "good")] += good_total
                st[(month, team.code, "down_min")] += (
                    sum(g.end - g.start for g in flat if g.state == "unplanned_down") / 60
                )
                st[(month, team.code, "planned_min")] += (
                    sum(g.end - g.start for g in flat if g.state in ("running", "unplanned_down"))
                    / 60
                )
        # Time outside any shift is one "not scheduled" stop per gap; then the state changes
        # of each machine go out in time order.
        gaps = [
            Seg(a, b, "planned_stop", base_code)
            for a, b in _gaps(w0, w1, [(s, e) for _, _, s, e in windows])
        ]
        for m in line.machines:
            self._states(
                m, sorted(timeline[m.equipment_id] + gaps, key=lambda g: g.start), lo, hi, out
            )

    def _machine_shift(
        self,
        day: int,
        m: Machine,
        shift: str,
        s: int,
        e: int,
        wo: WorkOrder,
        rng: random.Random,
        strain: float,
        calm: bool = False,
    ) -> list[Seg]:
        """The shift's segments: running, breaks, changeover, weekly maintenance and the
        unplanned stops drawn (none kept on a `calm` shift of a planted streak)."""
        segs = [Seg(s, e, "running", "")]
        for a, b in BREAKS[shift]:
            segs.append(Seg(day * DAY + a * MINUTE, day * DAY + b * MINUTE, "planned_stop", "S01"))
        if self.last_product.get(m.equipment_id) not in (None, wo.product.code):
            segs.append(Seg(s, s + rng.randint(15, 35) * MINUTE, "planned_stop", "S02"))
        if weekday(day) == 6 and shift == "A" and m.index % 4 == (day // 7) % 4:
            segs.append(Seg(s + HOUR, s + 3 * HOUR, "planned_stop", "S03"))
        failures = self.failures
        if (
            failures
            and failures["day"] == day
            and failures["equipment_id"] == m.equipment_id
            and shift == "A"
        ):
            for hour, minutes in failures["downs"]:
                t = day * DAY + int(hour * HOUR)
                segs.append(Seg(t, t + minutes * MINUTE, "unplanned_down", "D01"))
            return segs
        rate = FAIL_RATE[m.kind] * m.reliability * (1 + 2.5 * strain)
        reasons = [r for r in catalog.DOWN_REASONS if m.kind in r[2]]
        downs = []
        for _ in range(_poisson(rng, rate)):
            t = rng.randint(s, e - 10 * MINUTE)
            dur = int(min(240.0, max(3.0, rng.lognormvariate(math.log(20), 0.8))) * MINUTE)
            code = rng.choice(reasons)[0]
            downs.append(Seg(t, min(e, t + dur), "unplanned_down", code))
        if calm:
            return segs
        return segs + self._within_budget(m, s, e, segs, downs)

    def _within_budget(
        self, m: Machine, s: int, e: int, segs: list[Seg], downs: list[Seg]
    ) -> list[Seg]:
        """The failures drawn, less the last ones while a plant date would get more than
        MAX_NATURAL_STOPS unplanned stops on the machine. Counted on the painted shift, where
        a break can cut one failure into two stops (an upper bound on the state records)."""
        while True:
            flat = paint(s, e, [(g.start, g.end, g.state, g.code) for g in segs + downs])
            new: dict[int, int] = defaultdict(int)
            for seg in flat:
                if seg.state == "unplanned_down":
                    new[seg.start // DAY] += 1
            if all(
                self.stops[(m.equipment_id, d)] + n <= MAX_NATURAL_STOPS for d, n in new.items()
            ):
                break
            downs = downs[:-1]
        for d, n in new.items():
            self.stops[(m.equipment_id, d)] += n
        return downs

    def _states(self, m: Machine, flat: list[Seg], lo: int, hi: int, out: _Out) -> None:
        for seg in flat:
            start = max(seg.start, lo)
            if start >= min(seg.end, hi):
                continue
            state = "planned_stop" if seg.state == "off" else seg.state
            key = (state, seg.code)
            if self.last_state.get(m.uuid) == key:
                continue
            self.last_state[m.uuid] = key
            out.state(m, start, state, seg.code)

    def _stock_order(self, line: Line, day: int) -> WorkOrder:
        """Make-to-stock order keeping an idle line busy (no sales order behind it)."""
        key = (line.kind, day)
        wo = self._stock.get(key)
        if wo is None:
            ctx = self.ctx
            candidates = [p for p in ctx.group.products if line.kind in p.route]
            product = candidates[day % len(candidates)]
            code = f"MS{dstr(day)[2:].replace('-', '')}{ctx.plant.no:02d}{line.kind}"
            wo = WorkOrder(code, "", 0, "", product, line.kind, 0, day, day, False)
            self._stock = {k: v for k, v in self._stock.items() if k[1] >= day - 1}
            self._stock[key] = wo
            planner = ctx.plant.roles["planner"][0]
            # Planned to fill a day of the line (two shifts at 80 % of ideal speed).
            planned = (
                int(len(line.machines) * 20 * HOUR * 0.8 / product.cycle[line.kind]) // 10 * 10
            )
            t = day * DAY + 7 * HOUR
            row = {
                "code": code,
                "socode": "",
                "sorowno": "",
                "inventory_code": product.code,
                "quantity": str(planned),
                "line_code": line.code,
                "personcode": planner.no,
                "startdate": dstr(day),
                "duedate": dstr(day),
            }
            ctx.tl.at(t, "erp/production_orders", **row, state="审核", modifytime=ts_local(t))
            t2 = (day + 1) * DAY + 9 * HOUR
            ctx.tl.at(t2, "erp/production_orders", **row, state="关闭", modifytime=ts_local(t2))
        return wo

    def _routine_changes(
        self,
        day: int,
        line: Line,
        rng: random.Random,
        w0: int,
        lo: int,
        hi: int,
        plan: dict[str, str],
    ) -> None:
        ctx = self.ctx
        if not any(t.line_code == line.code and t.code in plan for t in ctx.plant.teams):
            return
        for _ in range(_poisson(rng, 0.5)):
            t = w0 + rng.randint(HOUR, 11 * HOUR)
            if lo <= t < hi and not ctx.blocked(t, line=line.code):
                service.param_change(ctx, rng, t, rng.choice(line.machines), "工艺优化/例行调整")


class _Out:
    """Row buffers for one production day, written in bulk."""

    def __init__(self, ctx: Ctx, day: int) -> None:
        self.ctx = ctx
        self.day = day
        self.stamp = f"{ctx.plant.no:02d}{dstr(day).replace('-', '')}"
        self.n: dict[str, int] = defaultdict(int)
        self.rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        self.state_rows: list[tuple[str, int, str, str, str]] = []

    def _id(self, prefix: str, width: int = 5) -> str:
        self.n[prefix] += 1
        return f"{prefix}{self.stamp}{self.n[prefix]:0{width}d}"

    def state(self, m: Machine, t: int, state: str, code: str) -> None:
        text = catalog.PLANNED_STOPS.get(code) or next(
            (r[1] for r in catalog.DOWN_REASONS if r[0] == code), ""
        )
        self.state_rows.append((m.uuid, t, state, code, text))

    def count(
        self,
        m: Machine,
        wo: WorkOrder,
        team: Team,
        shift: str,
        hour: int,
        produced: int,
        good: int,
        operator: str,
    ) -> None:
        self.rows["mes/production_counts"].append(
            (
                self._id("PR"),
                m.equipment_id,
                wo.code,
                wo.product.code,
                team.code,
                shift,
                ts_offset(hour),
                produced,
                good,
                operator,
                ts_offset(hour + HOUR + 300 + (hour // 7) % 300),
            )
        )

    def inspect(
        self,
        m: Machine,
        wo: WorkOrder,
        team: Team,
        hour: int,
        produced: int,
        good: int,
        fails: int,
        rng: random.Random,
        inspectors: list,
        crew: list[str],
    ) -> None:
        inspector = inspectors[rng.randrange(len(inspectors))].no
        t = hour + rng.randint(3_000, 3_540)
        qid = self._id("QI")
        line_code = m.line_code
        self.rows["qms/inspections"].append(
            (
                qid,
                wo.code,
                wo.product.code,
                m.equipment_id,
                line_code,
                team.code,
                ts_offset(t),
                "first",
                produced,
                good,
                inspector,
                ts_offset(t + 120),
            )
        )
        if fails <= 0:
            return
        codes = catalog.DEFECTS[m.kind]
        parts = [fails] if fails < 3 or rng.random() < 0.6 else [fails // 2, fails - fails // 2]
        for qty in parts:
            code, name = codes[min(len(codes) - 1, int(rng.expovariate(0.9)))]
            r = rng.random()
            disposition = "rework" if r < 0.7 else ("scrap" if r < 0.9 else "concession")
            did = self._id("QD")
            self.rows["qms/defects"].append(
                (did, qid, code, name, qty, disposition, ts_offset(t + 180))
            )
            if disposition == "rework":
                started = t + rng.randint(10, 90) * MINUTE
                finished = started + int(qty * rng.uniform(2, 5) * MINUTE)
                bad = sum(1 for _ in range(qty) if rng.random() < 0.08)
                rid = self._id("RW")
                self.rows["qms/rework_orders"].append(
                    (
                        rid,
                        did,
                        wo.code,
                        team.code,
                        qty,
                        ts_offset(started),
                        ts_offset(finished),
                        rng.choice(crew),
                        "ok" if bad == 0 else "scrap",
                        ts_offset(finished + 60),
                    )
                )
                t_re = finished + rng.randint(5, 30) * MINUTE
                self.rows["qms/inspections"].append(
                    (
                        self._id("QI"),
                        wo.code,
                        wo.product.code,
                        m.equipment_id,
                        line_code,
                        team.code,
                        ts_offset(t_re),
                        "reinspection",
                        qty,
                        qty - bad,
                        inspectors[rng.randrange(len(inspectors))].no,
                        ts_offset(t_re + 120),
                    )
                )
            elif disposition == "concession" and qty >= 3 and wo.so_code and rng.random() < 0.3:
                self._deviation(wo, t, qty, name, rng)

    def _deviation(self, wo: WorkOrder, t: int, qty: int, defect: str, rng: random.Random) -> None:
        ctx = self.ctx
        t_req = t + int(rng.uniform(0.5, 3) * HOUR)
        if ctx.blocked(t_req, customer=wo.customer, order=wo.so_code):
            return
        plant = ctx.plant
        engineer = pick(rng, plant.roles["quality_engineer"])
        qa = next(e for e in plant.employees if e.role == "qua_manager")
        steps = service.approval_steps(rng, engineer, [qa], pick(rng, plant.roles["admin"]))
        service.workflow(
            ctx,
            "deviation",
            t_req,
            engineer,
            steps,
            f"偏差让步-{wo.so_code}-{defect}{qty}件",
            order=wo.so_code,
            customer=wo.customer,
        )

    def first_piece(
        self, m: Machine, wo: WorkOrder, t0: int, rng: random.Random, inspectors: list
    ) -> None:
        t = t0 + rng.randint(5, 20) * MINUTE
        ok = rng.random() < 0.96
        who = inspectors[rng.randrange(len(inspectors))].no
        rows = self.rows["mes/first_piece_checks"]
        rows.append(
            (
                self._id("FP"),
                m.equipment_id,
                wo.code,
                wo.product.code,
                ts_offset(t),
                who,
                "pass" if ok else "fail",
                ts_offset(t + 300),
            )
        )
        if not ok:
            t2 = t + rng.randint(15, 40) * MINUTE
            rows.append(
                (
                    self._id("FP"),
                    m.equipment_id,
                    wo.code,
                    wo.product.code,
                    ts_offset(t2),
                    who,
                    "pass",
                    ts_offset(t2 + 300),
                )
            )

    def measures(
        self,
        m: Machine,
        flat: list[Seg],
        lo: int,
        hi: int,
        rng: np.random.Generator,
        bad: bool,
        strain: float,
    ) -> None:
        """Vectorised: sample times over running segments, values from the line's process."""
        scale = self.ctx.scale
        interval = scale.weld_interval if m.kind == "WLD" else scale.voc_interval
        parts = [
            np.arange(max(seg.start, lo) + 7 + m.index, min(seg.end, hi), interval)
            for seg in flat
            if seg.state == "running" and seg.start < hi and seg.end > lo
        ]
        if not parts:
            return
        times = np.concatenate(parts)
        if times.size == 0:
            return
        kind_type, unit, mean, sd, lower, upper = MEASURES[m.kind]
        spread = sd * (1.9 if bad else 1.0) * (1 + strain)
        if m.kind == "PNT":
            values = rng.lognormal(
                math.log(mean * (1.18 if bad else 1.0)), spread / mean, times.size
            )
        else:
            values = rng.normal(mean - (0.25 if bad else 0.0), spread, times.size)
        start = self.n["LM"]
        self.n["LM"] += times.size
        # The hot path of the whole generator: one f-string per row straight into the file
        # (every field is a plain token, so no CSV quoting can be needed).
        prefix = f"LM{self.stamp}"
        middle = f",{m.line_code},{m.equipment_id},"
        tail = f",{kind_type},"
        limits = f",{unit},{lower},{upper},"
        upload = times - times % 300 + 300
        day_txt = {int(d): dstr(int(d)) for d in np.unique(np.concatenate([times, upload]) // DAY)}
        text = "".join(
            [
                f"{prefix}{start + i:06d}{middle}{day_txt[t // DAY]}T{HMS[t % DAY]}+08:00{tail}{v:.2f}"
                f"{limits}{day_txt[u // DAY]}T{HMS[u % DAY]}+08:00\n"
                for i, (t, v, u) in enumerate(
                    zip(times.tolist(), values.tolist(), upload.tolist(), strict=True), start=1
                )
            ]
        )
        self.ctx.sink.text("qms/line_measures", text, int(times.size))

    def flush(self) -> None:
        sink = self.ctx.sink
        states = sorted(self.state_rows, key=lambda r: (r[0], r[1]))
        sink.rows(
            "mes/machine_states",
            [(u, ts_mtc(t), st, code, text) for u, t, st, code, text in states],
        )
        for entity in (
            "mes/production_counts",
            "mes/first_piece_checks",
            "qms/inspections",
            "qms/defects",
            "qms/rework_orders",
        ):
            sink.rows(entity, self.rows.get(entity, []))


def _bucket(flat: list[Seg], state: str) -> dict[int, int]:
    """Seconds in ``state`` per clock hour (keyed by the hour's start)."""
    out: dict[int, int] = defaultdict(int)
    for seg in flat:
        if seg.state != state:
            continue
        t = seg.start
        while t < seg.end:
            h = t - t % HOUR
            e = min(seg.end, h + HOUR)
            out[h] += e - t
            t = e
    return out


def _gaps(w0: int, w1: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    t = w0
    for s, e in sorted(covered):
        if s > t:
            out.append((t, s))
        t = max(t, e)
    if t < w1:
        out.append((t, w1))
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
