"""Master data: the group's customers and products, and each plant's organisation.

Everything here is small and lives in memory for the whole run. Records that change
during the period (employee transfers, customer grade changes) are scheduled on the
timeline by the hr and orders modules; this module writes their first versions.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from functools import partial

from simulator.generator import catalog
from simulator.generator.clock import DAY, HOUR, dstr, money, ts_local, ts_offset, ts_sf
from simulator.generator.config import Scale
from simulator.generator.rng import py_rng
from simulator.generator.sink import Sink, Timeline

_UUID_NS = uuid.UUID("6f1c2a3e-8d4b-4c1a-9e7f-5a0b3c2d1e0f")
_ACCOUNT_CREATED = 20_000 * DAY + 10 * HOUR  # 2024-10-04: when the CRM went live


@dataclass
class Customer:
    code: str
    name: str
    abbr: str
    city: str
    region: str
    industry: str
    grade: str
    key: bool
    sf_id: str
    pay_days: int
    weight: float  # share of order intake


@dataclass
class Product:
    code: str
    name: str
    name_en: str
    family: str
    route: tuple[str, ...]  # line kinds in process order
    price: float
    material: str
    cycle: dict[str, float]  # line kind -> ideal cycle seconds
    labour: dict[str, float]  # line kind -> standard labour hours per unit


@dataclass
class Group:
    customers: list[Customer]
    products: list[Product]


@dataclass
class Machine:
    equipment_id: str
    uuid: str
    line_code: str
    kind: str
    index: int
    reliability: float  # multiplier on the unplanned-failure rate


@dataclass
class Line:
    code: str
    kind: str
    machines: list[Machine]


@dataclass
class Employee:
    no: str
    name: str
    name_en: str
    gender: str
    dept: str
    team: str  # team_code or ""
    position: str
    manager: str
    hire_day: int
    role: str  # what processes use the person for (operator, sales, planner, ...)
    roster: str  # schedule group: a team code, "D" (office weekdays) or "D6" (Mon-Sat)
    oa_user_id: str = ""
    sf_user_id: str = ""
    leave_day: int | None = None


@dataclass
class Team:
    code: str
    name: str
    name_en: str
    dept: str
    line_code: str
    kind: str
    index: int  # 0 = crew A, 1 = crew B
    leader: str
    quality: float  # multiplier on the defect rate (some crews are simply better)


@dataclass
class Plant:
    no: int
    code: str
    city: str
    city_en: str
    lines: list[Line]
    teams: list[Team]
    employees: list[Employee]
    depts: list[tuple[str, str, str, str]]  # code, 中文, English, manager
    roles: dict[str, list[Employee]] = field(default_factory=dict)

    def line(self, kind: str) -> Line:
        return next(line for line in self.lines if line.kind == kind)

    def team(self, code: str) -> Team:
        return next(team for team in self.teams if team.code == code)


# ---------------------------------------------------------------- group master data


def build_group(scale: Scale, seed: int) -> Group:
    rng = py_rng(seed, 0, 0, "master")
    customers: list[Customer] = []
    for i, (name, abbr, city, region, industry) in enumerate(catalog.KEY_ACCOUNTS):
        customers.append(
            Customer(
                f"C{i + 1:04d}",
                name,
                abbr,
                city,
                region,
                industry,
                "A",
                True,
                _sf_id("001", 0, i + 1),
                rng.choice((45, 60, 90)),
                rng.uniform(4, 9),
            )
        )
    for name, abbr, city, region, industry in catalog.TIER1:
        i = len(customers)
        customers.append(
            Customer(
                f"C{i + 1:04d}",
                name,
                abbr,
                city,
                region,
                industry,
                rng.choice("AB" if i % 3 else "B"),
                False,
                _sf_id("001", 0, i + 1),
                rng.choice((30, 45, 60)),
                rng.uniform(1.5, 4),
            )
        )
    taken: set[str] = {c.name for c in customers}
    while len(customers) < scale.customers:
        city, region = rng.choice(catalog.SMALL_CITIES)
        word = rng.choice(catalog.SMALL_WORDS)
        name = f"{city}{word}{rng.choice(catalog.SMALL_SUFFIX)}"
        if name in taken:
            continue
        taken.add(name)
        i = len(customers)
        customers.append(
            Customer(
                f"C{i + 1:04d}",
                name,
                city + word,
                city,
                region,
                "Automotive Aftermarket" if rng.random() < 0.4 else "Tier-2 Supplier",
                rng.choice("BCC"),
                False,
                _sf_id("001", 0, i + 1),
                rng.choice((15, 30, 30, 45)),
                rng.uniform(0.2, 1.2),
            )
        )
    products: list[Product] = []
    n_fam = len(catalog.FAMILIES)
    for i in range(scale.products):
        stem, zh, en, route, price, material = catalog.FAMILIES[i % n_fam]
        v_code, v_zh = catalog.VARIANTS[i // n_fam % len(catalog.VARIANTS)]
        size = rng.uniform(0.8, 1.25)
        cycle = {
            k: round(catalog.LINE_KINDS[k][2] * size * rng.uniform(0.85, 1.15), 1) for k in route
        }
        labour = {k: round(catalog.LINE_KINDS[k][3] * size, 4) for k in route}
        products.append(
            Product(
                f"FG-{stem}-{v_code}{i // (n_fam * 3) + 1:02d}",
                f"{zh}({v_zh})",
                f"{en} type {v_code}",
                stem,
                route,
                round(price * size, 2),
                material,
                cycle,
                labour,
            )
        )
    return Group(customers, products)


def write_customer(add, c: Customer, t: int, owner: str) -> None:  # type: ignore[no-untyped-def]
    """One version of a customer in CRM (Account) and ERP (customer master)."""
    add(
        "crm/accounts",
        Id=c.sf_id,
        Name=c.name,
        AccountNumber=c.code,
        Industry=c.industry,
        BillingCity=c.city,
        OwnerId=owner,
        Grade__c=c.grade,
        Is_Key_Account__c=c.key,
        CreatedDate=ts_sf(min(_ACCOUNT_CREATED, t - 30 * DAY)),
        LastModifiedDate=ts_sf(t),
        SystemModstamp=ts_sf(t),
        IsDeleted=False,
    )
    add(
        "erp/customers",
        code=c.code,
        name=c.name,
        abbrname=c.abbr,
        ccuscls="01" if c.key else ("02" if c.industry == "Tier-1 Supplier" else "03"),
        ccusgrade=c.grade,
        cdccode=c.region,
        modifytime=ts_local(t),
    )


def schedule_grade_changes(
    tl: Timeline, group: Group, seed: int, start_day: int, end_day: int
) -> list[dict]:
    """Customer reviews re-grade a few customers during the period: a new Account and ERP
    customer version each (the first two fall in any 30-day slice)."""
    rng = py_rng(seed, 0, 0, "master", 1)
    owner = _sf_id("005", 1, 1)
    changes: list[dict] = []
    days = [start_day + 9, start_day + 20, *range(start_day + 45, end_day, 30)]
    candidates = [c for c in group.customers if not c.key]
    for day in days:
        if day >= end_day:
            break
        c = rng.choice(candidates)
        old = c.grade
        c.grade = {"A": "B", "B": rng.choice("AC"), "C": "B"}[old]
        t = day * DAY + int(rng.uniform(10, 16) * HOUR)
        write_customer(partial(tl.at, t), c, t, owner)
        changes.append(
            {"customer": c.code, "date": dstr(day), "old_grade": old, "new_grade": c.grade}
        )
    return changes


def _sf_id(prefix: str, plant: int, n: int) -> str:
    """An 18-character Salesforce-style Id: key prefix, plant, sequence, checksum-ish tail."""
    return f"{prefix}{plant:02d}{n:010d}{'ABCDEFGH'[n % 8]}AA"


def write_group(sink: Sink, group: Group, start_day: int) -> None:
    t0 = (start_day - 60) * DAY + 10 * HOUR
    owner = _sf_id("005", 1, 1)
    for i, c in enumerate(group.customers):
        write_customer(sink.add, c, t0 + i * 613, owner)
    for i, p in enumerate(group.products):
        t = t0 + i * 421
        sink.add(
            "erp/inventories",
            code=p.code,
            name=p.name,
            name_en=p.name_en,
            specs=p.material,
            cinvccode="0101",
            ccomunitcode="PCS",
            iinvsprice=money(p.price),
            std_hours=f"{sum(p.labour.values()):.4f}",
            modifytime=ts_local(t),
        )


# ---------------------------------------------------------------- plant organisation

# (suffix, 中文, English, head count at people=1.0 excluding production teams)
DEPARTMENTS: tuple[tuple[str, str, str, int], ...] = (
    ("GMO", "总经办", "General management", 10),
    ("SAL", "销售部", "Sales", 36),
    ("PLN", "计划部", "Planning", 16),
    ("PUR", "采购部", "Purchasing", 14),
    ("PRD", "生产部", "Production", 12),
    ("QUA", "质量部", "Quality", 60),
    ("WHL", "仓储物流部", "Warehouse & logistics", 70),
    ("FIN", "财务部", "Finance", 16),
    ("TEC", "技术中心", "Technology centre", 44),
)
# (line kind, crews, head count per crew at people=1.0)
TEAMS: tuple[tuple[str, int, int], ...] = (
    ("WLD", 2, 55),
    ("PNT", 2, 45),
    ("ASM", 2, 120),
    ("MCH", 1, 70),
)
MACHINES_PER_LINE: dict[str, int] = {"WLD": 8, "PNT": 4, "ASM": 6, "MCH": 14}
# Role mix inside departments: (role, position 中文, share).
_DEPT_ROLES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "GMO": (("admin", "行政人事专员", 1.0),),
    "SAL": (("sales", "销售经理", 0.75), ("sales_support", "销售助理", 0.25)),
    "PLN": (("planner", "计划员", 1.0),),
    "PUR": (("buyer", "采购员", 1.0),),
    "PRD": (("supervisor", "生产主管", 1.0),),
    "QUA": (
        ("inspector", "检验员", 0.6),
        ("quality_engineer", "质量工程师", 0.25),
        ("service", "客服专员", 0.15),
    ),
    "WHL": (("warehouse", "仓管员", 0.6), ("driver", "司机", 0.4)),
    "FIN": (("finance", "会计", 1.0),),
    "TEC": (("engineer", "工艺工程师", 1.0),),
}
# Maintenance technicians at people=1.0 (the department's head comes on top).
MAINTENANCE_STAFF = 12
OPERATOR_POSITION = {"WLD": "焊工", "PNT": "喷涂工", "ASM": "装配工", "MCH": "数控操作工"}


def build_plant(no: int, scale: Scale, seed: int, start_day: int) -> Plant:
    rng = py_rng(seed, no, 0, "master")
    code = f"P{no:02d}"
    city, city_en = catalog.PLANT_CITIES[(no - 1) % len(catalog.PLANT_CITIES)]
    lines: list[Line] = []
    for kind, (_, _, _, _) in catalog.LINE_KINDS.items():
        line_code = f"{code}-{kind}1"
        n = max(2, round(MACHINES_PER_LINE[kind] * scale.machines))
        machines = [
            Machine(
                f"{line_code}-{j + 1:02d}",
                str(uuid.uuid5(_UUID_NS, f"{line_code}-{j + 1:02d}")),
                line_code,
                kind,
                j,
                round(rng.lognormvariate(0.0, 0.35), 3),
            )
            for j in range(n)
        ]
        lines.append(Line(line_code, kind, machines))

    employees: list[Employee] = []
    seq = iter(range(1, 100_000))

    def person(
        dept: str, team: str, position: str, role: str, roster: str, manager: str
    ) -> Employee:
        gender = "M" if rng.random() < (0.78 if role in ("operator", "driver") else 0.55) else "F"
        name, name_en = catalog.person_name(rng, gender)
        hire = start_day - int(rng.expovariate(1 / 1400)) - 20
        emp = Employee(
            f"E{no:02d}{next(seq):04d}",
            name,
            name_en,
            gender,
            f"{code}-{dept}",
            team,
            position,
            manager,
            hire,
            role,
            roster,
        )
        employees.append(emp)
        return emp

    gm = person("GMO", "", "厂长", "plant_manager", "D", "")
    depts: list[tuple[str, str, str, str]] = []
    heads: dict[str, Employee] = {}
    for suffix, zh, en, _ in DEPARTMENTS:
        head = person(suffix, "", "部长", f"{suffix.lower()}_manager", "D", gm.no)
        heads[suffix] = head
        depts.append((f"{code}-{suffix}", zh, en, head.no))
    teams: list[Team] = []
    t_index = 0
    for kind, crews, size in TEAMS:
        zh_line, en_line, _, _ = catalog.LINE_KINDS[kind]
        supervisor = person("PRD", "", f"{zh_line}主管", "supervisor", "D6", heads["PRD"].no)
        for crew in range(crews):
            letter = "AB"[crew]
            team_code = f"{code}-{kind}1-{letter}"
            leader = person("PRD", team_code, "班组长", "team_leader", team_code, supervisor.no)
            teams.append(
                Team(
                    team_code,
                    f"{zh_line}{letter}班",
                    f"{en_line} crew {letter}",
                    f"{code}-PRD",
                    f"{code}-{kind}1",
                    kind,
                    crew,
                    leader.no,
                    round(rng.uniform(0.8, 1.25), 3),
                )
            )
            for _ in range(round(size * scale.people) - 1):
                person("PRD", team_code, OPERATOR_POSITION[kind], "operator", team_code, leader.no)
            t_index += 1
    prod_rosters = [t.code for t in teams]
    for suffix, _, _, size in DEPARTMENTS:
        n = round(size * scale.people) - 1
        if suffix == "PRD":
            n -= len(TEAMS)  # the line supervisors are already hired
        for role, position, share in _DEPT_ROLES[suffix]:
            for k in range(max(1, round(n * share))):
                if role == "inspector":
                    roster = prod_rosters[k % len(prod_rosters)]
                elif role in ("warehouse", "driver"):
                    roster = "D6"
                else:
                    roster = "D"
                person(suffix, "", position, role, roster, heads[suffix].no)
    # The maintenance department (its head is R3's maintenance_lead) comes last and draws from
    # its own stream, so every other person keeps the number and name they had before it.
    mrng = py_rng(seed, no, 0, "maintenance")
    rng_master, rng = rng, mrng
    mnt_head = person("MNT", "", "部长", "mnt_manager", "D", gm.no)
    depts.append((f"{code}-MNT", "设备部", "Maintenance", mnt_head.no))
    for k in range(max(2, round(MAINTENANCE_STAFF * scale.people))):
        person("MNT", "", "维修班长" if k == 0 else "维修工", "maintenance", "D6", mnt_head.no)
    rng = rng_master
    oa = 21_000 + no * 1_000
    sf = 0
    for emp in employees:
        if emp.role != "operator":
            oa += 1
            emp.oa_user_id = str(oa)
        if emp.role in ("sales", "sales_support", "service", "sal_manager", "qua_manager"):
            sf += 1
            emp.sf_user_id = _sf_id("005", no, sf)
    plant = Plant(no, code, city, city_en, lines, teams, employees, depts)
    for emp in employees:
        plant.roles.setdefault(emp.role, []).append(emp)
    return plant


def write_plant(sink: Sink, plant: Plant, start_day: int) -> None:
    t0 = (start_day - 45) * DAY + 9 * HOUR
    for i, (code, zh, en, manager) in enumerate(plant.depts):
        sink.add(
            "hr/departments",
            department_code=code,
            name=f"{zh}",
            name_en=en,
            parent_code="" if code.endswith("GMO") else f"{plant.code}-GMO",
            manager_no=manager,
            updated_at=ts_offset(t0 + i * 60),
        )
    for i, team in enumerate(plant.teams):
        sink.add(
            "hr/teams",
            team_code=team.code,
            name=team.name,
            name_en=team.name_en,
            department_code=team.dept,
            line_code=team.line_code,
            leader_no=team.leader,
            updated_at=ts_offset(t0 + 3_600 + i * 60),
        )
    for emp in plant.employees:
        write_employee(sink.add, plant, emp, max(emp.hire_day * DAY + 9 * HOUR, t0 + 7_200))
    if plant.no == 1:
        from simulator.generator.config import SHIFTS

        for i, (code, (zh, en, start, end, brk)) in enumerate(SHIFTS.items()):
            sink.add(
                "hr/shifts",
                shift_code=code,
                name=zh,
                name_en=en,
                start_time=f"{start // 60 % 24:02d}:{start % 60:02d}",
                end_time=f"{end // 60 % 24:02d}:{end % 60:02d}",
                planned_break_minutes=brk,
                updated_at=ts_offset(t0 + i * 60),
            )
    for line in plant.lines:
        zh, en = catalog.MACHINE_NAMES[line.kind]
        for m in line.machines:
            sink.add(
                "mes/equipment",
                equipment_id=m.equipment_id,
                name=f"{zh}{m.index + 1:02d}",
                name_en=f"{en} {m.index + 1:02d}",
                line_code=line.code,
                work_center=f"{line.code}-WC{m.index // 4 + 1}",
                mtconnect_uuid=m.uuid,
                plant_code=plant.code,
                updated_at=ts_offset(t0 + 7_200 + m.index * 60),
            )


def write_routings(sink: Sink, plant: Plant, group: Group, start_day: int) -> None:
    t0 = (start_day - 40) * DAY + 14 * HOUR
    for i, p in enumerate(group.products):
        for kind in p.route:
            sink.add(
                "mes/routings",
                product_code=p.code,
                line_code=plant.line(kind).code,
                ideal_cycle_seconds=f"{p.cycle[kind]:.1f}",
                std_labour_hours=f"{p.labour[kind]:.4f}",
                updated_at=ts_offset(t0 + i * 30),
            )


def write_employee(add, plant: Plant, emp: Employee, t: int) -> None:  # type: ignore[no-untyped-def]
    """One version of an employee (``add`` is Sink.add or a Timeline.at partial)."""
    add(
        "hr/employees",
        employee_no=emp.no,
        name=emp.name,
        name_en=emp.name_en,
        gender=emp.gender,
        department_code=emp.dept,
        team_code=emp.team,
        position=emp.position,
        manager_no=emp.manager,
        hire_date=dstr(emp.hire_day),
        leave_date=dstr(emp.leave_day) if emp.leave_day is not None else "",
        status="left" if emp.leave_day is not None else "active",
        oa_user_id=emp.oa_user_id,
        sf_user_id=emp.sf_user_id,
        updated_at=ts_offset(t),
    )


def write_crm_users(sink: Sink, plant: Plant, start_day: int) -> None:
    t0 = (start_day - 50) * DAY + 11 * HOUR
    for i, emp in enumerate(e for e in plant.employees if e.sf_user_id):
        t = t0 + i * 97
        sink.add(
            "crm/users",
            Id=emp.sf_user_id,
            Name=emp.name,
            Username=f"{emp.name_en.lower().replace(' ', '.')}.{emp.no.lower()}@perfchain-demo.cn",
            EmployeeNumber=emp.no,
            Department=emp.dept,
            IsActive=True,
            CreatedDate=ts_sf(max(emp.hire_day * DAY + 10 * HOUR, t - 300 * DAY)),
            LastModifiedDate=ts_sf(t),
            SystemModstamp=ts_sf(t),
            IsDeleted=False,
        )


def pick(rng: random.Random, people: list[Employee]) -> Employee:
    return people[rng.randrange(len(people))]
