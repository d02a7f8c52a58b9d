"""Per-plant generation state shared by the streams: counters, the line book, quiet windows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from simulator.generator.clock import DAY
from simulator.generator.config import Scale
from simulator.generator.master import Customer, Group, Plant, Product
from simulator.generator.sink import Sink, Timeline

# Seconds a machine is expected to produce per scheduled day (two 11-hour shifts at 85 %):
# the denominator of the line load that strains the shop floor.
_RUN_SECONDS_PER_MACHINE_DAY = {"WLD": 67_000.0, "PNT": 67_000.0, "ASM": 60_000.0, "MCH": 33_500.0}


@dataclass
class WorkOrder:
    """A production order on one line: what the shop floor works on and reports against."""

    code: str
    so_code: str
    so_rowno: int
    customer: str
    product: Product
    kind: str
    qty: int
    start_day: int
    due_day: int
    urgent: bool
    remaining: int = 0
    cancelled_day: int | None = None


@dataclass
class LineBook:
    """Open production orders per line kind and the demand they put on each day."""

    orders: dict[str, list[WorkOrder]] = field(default_factory=lambda: defaultdict(list))
    demand: dict[tuple[str, int], float] = field(default_factory=lambda: defaultdict(float))
    capacity: dict[str, float] = field(default_factory=dict)

    def add(self, wo: WorkOrder) -> None:
        wo.remaining = wo.qty
        self.orders[wo.kind].append(wo)
        span = max(1, wo.due_day - wo.start_day + 1)
        weight = 1.5 if wo.urgent else 1.0  # rush orders also cost set-ups and expediting
        per_day = wo.qty * wo.product.cycle[wo.kind] * weight / span
        for day in range(wo.start_day, wo.due_day + 1):
            self.demand[(wo.kind, day)] += per_day

    def active(self, kind: str, day: int) -> list[WorkOrder]:
        found = [
            wo
            for wo in self.orders[kind]
            if wo.start_day <= day
            and wo.remaining > 0
            and (wo.cancelled_day is None or wo.cancelled_day > day)
        ]
        found.sort(key=lambda wo: (wo.due_day, wo.code))
        return found

    def load(self, kind: str, day: int) -> float:
        return self.demand.get((kind, day), 0.0) / self.capacity[kind]

    def prune(self, day: int) -> None:
        """Forget orders well past due so memory stays bounded on long runs."""
        for kind, orders in self.orders.items():
            self.orders[kind] = [wo for wo in orders if wo.due_day >= day - 5 and wo.remaining > 0]
        for key in [k for k in self.demand if k[1] < day - 1]:
            del self.demand[key]


@dataclass
class Quiet:
    """A window in which no action may reference a customer/order/line (planted late answer)."""

    customer: str
    order: str
    line: str
    start: int
    end: int


@dataclass(frozen=True)
class Disruption:
    """A planted window in which one part of order-to-cash stops (docs/planted.md)."""

    kind: str  # storm: roads closed in ``regions`` | invoice_freeze: no invoice is issued
    start: int
    end: int
    regions: tuple[str, ...]


@dataclass
class Ctx:
    seed: int
    scale: Scale
    group: Group
    plant: Plant
    sink: Sink
    tl: Timeline
    start_day: int
    end_day: int  # exclusive
    book: LineBook = field(default_factory=LineBook)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    quiet: list[Quiet] = field(default_factory=list)
    disruptions: list[Disruption] = field(default_factory=list)
    planted: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=lambda: defaultdict(float))
    orders_summary: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for line in self.plant.lines:
            self.book.capacity[line.kind] = (
                len(line.machines) * _RUN_SECONDS_PER_MACHINE_DAY[line.kind]
            )

    @property
    def end_t(self) -> int:
        return self.end_day * DAY

    def next(self, name: str) -> int:
        self.counters[name] += 1
        return self.counters[name]

    def customer(self, code: str) -> Customer:
        return next(c for c in self.group.customers if c.code == code)

    def blocked(self, t: int, customer: str = "", order: str = "", line: str = "") -> bool:
        for q in self.quiet:
            if q.start <= t <= q.end and (
                (customer and customer == q.customer)
                or (order and order == q.order)
                or (line and line == q.line)
            ):
                return True
        return False
