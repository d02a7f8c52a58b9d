"""HR streams: shift schedules, attendance, and the employee changes during the period
(team transfers, leavers, new hires) that downstream snapshots must capture."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from simulator.generator.catalog import person_name
from simulator.generator.clock import DAY, HOUR, MINUTE, dstr, ts_offset, weekday
from simulator.generator.config import SHIFTS, is_reduced, office_works, team_shift
from simulator.generator.context import Ctx
from simulator.generator.master import OPERATOR_POSITION, Employee, write_employee
from simulator.generator.rng import py_rng

_ABSENCES = ("病假", "事假", "年假", "调休")


@dataclass
class HrEvent:
    day: int
    kind: str  # transfer | leave | hire
    employee: Employee | None
    team: str = ""


class HrDesk:
    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.events: dict[int, list[HrEvent]] = {}
        self._plan()

    def _plan(self) -> None:
        """Transfers early in the period (so a 30-day slice has them), then a steady trickle
        of transfers, leavers and hires."""
        ctx = self.ctx
        rng = py_rng(ctx.seed, ctx.plant.no, 0, "hr_events")
        operators = [e for e in ctx.plant.employees if e.role == "operator"]
        days = ctx.end_day - ctx.start_day
        transfer_days = [ctx.start_day + 4 + 4 * i for i in range(5)]
        transfer_days += [ctx.start_day + d for d in range(30, days, 17)]
        taken: set[str] = set()
        for day in transfer_days:
            emp = rng.choice(operators)
            if emp.no in taken:
                continue
            taken.add(emp.no)
            # Moves stay on the same kind of line, from one crew to the other.
            same_kind = [
                t
                for t in ctx.plant.teams
                if t.kind == ctx.plant.team(emp.team).kind and t.code != emp.team
            ]
            target = same_kind[0].code if same_kind else rng.choice(ctx.plant.teams).code
            self.events.setdefault(day, []).append(HrEvent(day, "transfer", emp, target))
        for day in range(ctx.start_day + 3, ctx.end_day):
            if weekday(day) >= 5:
                continue
            if rng.random() < 0.35:  # about 1 % of operators leave per month at s scale
                emp = rng.choice(operators)
                if emp.no not in taken:
                    taken.add(emp.no)
                    self.events.setdefault(day, []).append(HrEvent(day, "leave", emp))
            if rng.random() < 0.35:
                team = rng.choice(ctx.plant.teams)
                self.events.setdefault(day, []).append(HrEvent(day, "hire", None, team.code))

    def run_day(self, day: int) -> None:
        ctx = self.ctx
        plant = ctx.plant
        rng = py_rng(ctx.seed, plant.no, day, "hr_events", 1)
        for ev in self.events.pop(day, []):
            t = day * DAY + int(rng.uniform(8.6, 10) * HOUR)
            if ev.kind == "transfer" and ev.employee is not None:
                emp = ev.employee
                emp.team = ev.team
                emp.roster = ev.team
                emp.manager = plant.team(ev.team).leader
                write_employee(partial(ctx.tl.at, t), plant, emp, t)
            elif ev.kind == "leave" and ev.employee is not None:
                emp = ev.employee
                emp.leave_day = day
                t_leave = day * DAY + 17 * HOUR + rng.randint(0, 1800)
                write_employee(partial(ctx.tl.at, t_leave), plant, emp, t_leave)
            elif ev.kind == "hire":
                team = plant.team(ev.team)
                gender = "M" if rng.random() < 0.78 else "F"
                name, name_en = person_name(rng, gender)
                emp = Employee(
                    f"E{plant.no:02d}{5000 + ctx.next('hire'):04d}",
                    name,
                    name_en,
                    gender,
                    team.dept,
                    team.code,
                    OPERATOR_POSITION[team.kind],
                    team.leader,
                    day,
                    "operator",
                    team.code,
                )
                plant.employees.append(emp)
                plant.roles["operator"].append(emp)
                write_employee(partial(ctx.tl.at, t), plant, emp, t)

    def schedules(self, day: int) -> dict[str, str]:
        """team_code -> shift code for a date (teams without a shift rest)."""
        out: dict[str, str] = {}
        for team in self.ctx.plant.teams:
            shift = team_shift(team.index, team.kind, day)
            if shift is not None:
                out[team.code] = shift
        return out

    def write_schedule(self, day: int, plan: dict[str, str]) -> None:
        # Rosters are published on the Thursday before the week they cover.
        published = (day - weekday(day) - 4) * DAY + 16 * HOUR
        for team in self.ctx.plant.teams:
            if team.code in plan:
                self.ctx.sink.add(
                    "hr/shift_schedules",
                    work_date=dstr(day),
                    team_code=team.code,
                    shift_code=plan[team.code],
                    updated_at=ts_offset(published),
                )

    def attendance(self, day: int, plan: dict[str, str]) -> dict[str, list[str]]:
        """Write attendance for a date; returns the operators present per team."""
        ctx = self.ctx
        plant = ctx.plant
        rng = py_rng(ctx.seed, plant.no, day, "attendance")
        office = office_works(day, False)
        office6 = office_works(day, True)
        p_absent = 0.07 if is_reduced(day) else 0.03
        present: dict[str, list[str]] = {}
        rows = []
        stamp = dstr(day).replace("-", "")
        for i, emp in enumerate(plant.employees):
            if emp.hire_day > day or (emp.leave_day is not None and day >= emp.leave_day):
                continue
            if emp.roster == "D":
                shift = "D" if office else None
            elif emp.roster == "D6":
                shift = "D" if office6 else None
            else:
                shift = plan.get(emp.roster)
            if shift is None:
                continue
            att_id = f"AT{plant.no:02d}{stamp}{i:05d}"
            if rng.random() < p_absent:
                rows.append(
                    (
                        att_id,
                        emp.no,
                        dstr(day),
                        shift,
                        "",
                        "",
                        "0.0",
                        rng.choice(_ABSENCES),
                        ts_offset(day * DAY + 18 * HOUR),
                    )
                )
                continue
            _, _, start, end, brk = SHIFTS[shift]
            t_in = day * DAY + start * MINUTE - rng.randint(3 * 60, 25 * 60)
            overtime = 0.0
            if shift == "D" and rng.random() < 0.12:
                overtime = rng.choice((1.0, 1.5, 2.0, 3.0))
            elif shift != "D" and rng.random() < 0.04:
                overtime = 1.0
            t_out = day * DAY + end * MINUTE + int(overtime * HOUR) + rng.randint(2 * 60, 20 * 60)
            hours = (end - start - brk) / 60 + overtime
            rows.append(
                (
                    att_id,
                    emp.no,
                    dstr(day),
                    shift,
                    ts_offset(t_in),
                    ts_offset(t_out),
                    f"{hours:.1f}",
                    "",
                    ts_offset(t_out + rng.randint(60, 3_600)),
                )
            )
            if emp.team and emp.role in ("operator", "team_leader"):
                present.setdefault(emp.team, []).append(emp.no)
        ctx.sink.rows("hr/attendance", rows)
        return present
