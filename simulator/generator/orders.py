"""Order to cash: opportunity → contract → sales order → production → shipment → POD →
invoice → payment, with the changes, cancellations and credit notes of real order books.

An order is planned in full when it is booked (its future is drawn from its own random
stream) and every version of every record is put on the timeline at the moment it
happens; the day loop writes them as the simulation reaches them. Only open orders'
pending rows are held in memory.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from simulator.generator import catalog, service
from simulator.generator.clock import (
    DAY,
    HOUR,
    MINUTE,
    dstr,
    money,
    ts_local,
    ts_offset,
    ts_sf,
    weekday,
)
from simulator.generator.config import demand_factor, is_shutdown
from simulator.generator.context import Ctx, WorkOrder
from simulator.generator.master import Customer, Product, _sf_id, pick
from simulator.generator.rng import py_rng

TAX = 0.13
# Share of orders the customer complains about after the last delivery. Complaints land
# 1-10 days after it, some in a quiet window or after the period, so a 30-day complaint
# rate (SPEC 5.6) comes out at 1.5-3 %, about the field's 2 %.
COMPLAINT_P = 0.025


@dataclass
class SoLine:
    rowno: int
    product: Product
    qty: int
    price: float
    promise: int  # day
    cancelled_at: int | None = None
    shipments: list[tuple[int, int]] = field(default_factory=list)  # (ship day, qty)

    @property
    def taxprice(self) -> float:
        return round(self.price * (1 + TAX), 2)


@dataclass
class Shipment:
    ship_day: int
    lines: list[tuple[SoLine, int]]
    shipped_at: int = 0
    signed_at: int = 0


def _round_qty(q: float) -> int:
    step = 10 if q < 200 else 50
    return max(20, int(round(q / step)) * step)


def _business_moment(rng: random.Random, day: int, lo: float = 9.5, hi: float = 17.5) -> int:
    """A moment in office hours on ``day`` or the next working day."""
    while weekday(day) >= 5 or is_shutdown(day):
        day += 1
    return day * DAY + int(rng.uniform(lo, hi) * HOUR)


class OrderDesk:
    def __init__(self, ctx: Ctx, planted_orders: dict[int, list[dict[str, Any]]]) -> None:
        self.ctx = ctx
        self.planted_orders = planted_orders  # day -> order specs
        customers = ctx.group.customers
        self._weights = [c.weight for c in customers]
        # Complaints come at a steady rate, one per 1 / COMPLAINT_P orders on average: each
        # order adds a jittered share and the order that fills the credit draws the
        # complaint. A month then holds about its share, not a Poisson handful that puts a
        # 30-day rate anywhere between 0.5 % and 4 %.
        self._complaint_credit = py_rng(ctx.seed, ctx.plant.no, 0, "orders").random()

    # ------------------------------------------------------------------ daily intake

    def run_day(self, day: int) -> None:
        ctx = self.ctx
        rng = py_rng(ctx.seed, ctx.plant.no, day, "orders")
        factor = demand_factor(day)
        n = _poisson(rng, ctx.scale.orders_per_day * factor)
        k = 0
        for spec in self.planted_orders.get(day, []):
            k += 1
            self.book(day, k, spec)
        for _ in range(n):
            k += 1
            self.book(day, k, None)
        for _ in range(_poisson(rng, ctx.scale.orders_per_day * 0.6 * factor)):
            self._lost_opportunity(rng, day)
        for _ in range(_poisson(rng, ctx.scale.orders_per_day * 0.25 * max(factor, 0.1))):
            service.question(ctx, rng, day * DAY + int(rng.uniform(8.5, 19) * HOUR))

    # ------------------------------------------------------------------ one order

    def book(self, day: int, k: int, spec: dict[str, Any] | None) -> str:
        ctx = self.ctx
        plant = ctx.plant
        rng = py_rng(ctx.seed, plant.no, day, "order_detail", k)
        planted = spec is not None
        spec = spec or {}
        t_so = day * DAY + int(spec.get("hour", rng.uniform(9, 17.5)) * HOUR)
        cust = self._customer(rng, spec, t_so)
        urgent = spec.get("urgent", rng.random() < (0.15 if cust.key else 0.04))
        lead = spec.get("lead") or (rng.randint(3, 6) if urgent else rng.randint(9, 28))
        promise = _promise_day(day + lead)
        n_lines = spec.get("lines") or rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
        products = spec.get("products") or rng.sample(ctx.group.products, n_lines)
        lines = [
            SoLine(
                i + 1,
                p,
                _round_qty(spec.get("qty") or rng.lognormvariate(math.log(480), 0.55)),
                round(p.price * rng.uniform(0.96, 1.06), 2),
                promise,
            )
            for i, p in enumerate(products)
        ]
        month = dstr(day)
        code = f"SO{month[2:4]}{month[5:7]}{plant.no:02d}{ctx.next('so' + month[:7]):04d}"
        sales = pick(rng, plant.roles["sales"])
        net = sum(line.qty * line.price for line in lines)

        contract_no = self._crm_and_approval(rng, t_so, cust, sales, code, net, urgent)
        header = {
            "code": code,
            "date": dstr(day),
            "custcode": cust.code,
            "cusname": cust.name,
            "deptcode": f"{plant.code}-SAL",
            "personcode": sales.no,
            "businesstype": "普通销售",
            "taxrate": "13",
            "cmemo": "加急订单" if urgent else "",
            "is_urgent": urgent,
            "contract_no": contract_no,
        }
        self._so_version(t_so, header, lines, "开立", promise, all_lines=True)
        t_audit = t_so + int(rng.uniform(0.3, 5) * HOUR)
        self._so_version(t_audit, header, lines, "审核", promise, all_lines=False)

        # Changes requested after booking (customer or plant), cancellations, quantity edits.
        promise, cancel_t = self._changes(
            rng, spec, planted, t_audit, day, lead, header, lines, promise
        )

        # Production orders per line and routing step; they load the lines while open.
        load = (
            max(
                ctx.book.load(kind, d)
                for kind in sorted({k for ln in lines for k in ln.product.route})
                for d in range(day + 1, promise)
            )
            if promise > day + 1
            else 0.0
        )
        ship_plan = self._ship_plan(rng, spec, planted, day, cust, urgent, promise, load, lines)
        self._production(rng, t_audit, day, code, cust, urgent, lines, spec.get("late_step_hours"))
        self._purchasing(rng, t_audit, day, code, lines)

        shipments = self._group_shipments(ship_plan)
        invoice_done: list[int] = []
        for i, shipment in enumerate(shipments):
            self._ship(rng, spec, code, cust, sales, shipment)
            if spec.get("never_invoice"):
                continue
            mode = spec.get("invoice")
            if mode is None:
                mode = "normal" if planted or rng.random() >= 0.08 else "pre"
            credit = spec.get("credit_note", False) if planted else rng.random() < 0.012
            last = self._invoice(rng, code, cust, shipment, mode, credit and i == 0)
            invoice_done.append(last)
            if not planted and i == len(shipments) - 1 and self._complains(rng):
                t_case = shipment.signed_at + int(rng.uniform(1, 10) * DAY)
                kind = rng.choice(shipment.lines[0][0].product.route)
                if not ctx.blocked(
                    t_case, customer=cust.code, order=code, line=plant.line(kind).code
                ):
                    service.complaint(
                        ctx, rng, t_case, cust.code, code, kind, escalate=rng.random() < 0.3
                    )
        open_lines = [ln for ln in lines if ln.cancelled_at is None]
        if open_lines and invoice_done and len(invoice_done) == len(shipments) and shipments:
            t_close = max(invoice_done) + int(rng.uniform(1, 3) * DAY)
            self._so_version(t_close, header, lines, "关闭", promise, all_lines=False)
        elif not open_lines and cancel_t is not None:
            self._so_version(cancel_t + HOUR, header, lines, "关闭", promise, all_lines=False)

        if planted and spec.get("complaint"):
            self._planted_complaint(rng, spec, code, cust, shipments, lines)
        self._summary(code, cust, day, net, lines, shipments, promise)
        if "tag" in spec:
            self._register(spec, code, cust, lines, shipments, promise)
        return code

    def _complains(self, rng: random.Random) -> bool:
        self._complaint_credit += COMPLAINT_P * rng.uniform(0.4, 1.6)
        if self._complaint_credit < 1.0:
            return False
        self._complaint_credit -= 1.0
        return True

    def _register(
        self,
        spec: dict[str, Any],
        code: str,
        cust: Customer,
        lines: list[SoLine],
        shipments: list[Shipment],
        promise: int,
    ) -> None:
        """Record where a planted order ended up (planted.json); the tests re-derive it."""
        entry = self.ctx.planted.setdefault(spec["tag"], {})
        entry.update(
            order=code, customer=cust.code, promised_date=dstr(promise), shipments=len(shipments)
        )
        if shipments:
            entry["signed_at"] = ts_offset(max(s.signed_at for s in shipments))
            entry["shipped_at"] = ts_offset(min(s.shipped_at for s in shipments))
        for change in spec.get("changes", []):
            if change["kind"] == "cancel":
                entry["cancelled_rowno"] = change["rowno"]
            if change["kind"] == "promise":
                entry["requested_by"] = change["by"]
        if spec.get("partial"):
            entry["partial_rowno"] = spec["partial"]

    # ------------------------------------------------------------------ pieces

    def _customer(self, rng: random.Random, spec: dict[str, Any], t: int) -> Customer:
        ctx = self.ctx
        if "customer" in spec:
            return ctx.customer(spec["customer"])
        # The contract approval (which references the customer in OA) runs in the ~2 days
        # before booking: keep it out of any quiet window (the planted late answer).
        for _ in range(20):
            cust = rng.choices(ctx.group.customers, weights=self._weights)[0]
            if not (
                ctx.blocked(t - 4 * DAY, customer=cust.code)
                or ctx.blocked(t, customer=cust.code)
                or ctx.blocked(t + DAY, customer=cust.code)
            ):
                return cust
        return ctx.group.customers[0]

    def _crm_and_approval(
        self,
        rng: random.Random,
        t_so: int,
        cust: Customer,
        sales: Any,
        code: str,
        net: float,
        urgent: bool,
    ) -> str:
        """Opportunity versions, contract versions and the OA contract approval before t_so."""
        ctx = self.ctx
        plant = ctx.plant
        t_archive = t_so - int(rng.uniform(0.5, 6) * HOUR)
        gm = next(e for e in plant.employees if e.role == "plant_manager")
        sal_mgr = next(e for e in plant.employees if e.role == "sal_manager")
        gap_gm = int(rng.uniform(5, 60) * MINUTE)
        gap_mgr = int(rng.uniform(1, 20) * HOUR)
        gap_submit = int(rng.uniform(1, 8) * HOUR)
        t_wf = t_archive - gap_gm - gap_mgr - gap_submit
        t_draft = t_wf - int(rng.uniform(0.5, 3) * HOUR)
        t_won = t_draft - int(rng.uniform(0.5, 3) * HOUR)
        t_opp = t_won - int(rng.uniform(8, 35) * DAY)

        opp_id = _sf_id("006", plant.no, ctx.next("opp"))
        amount = money(net)
        opp = {
            "Id": opp_id,
            "Name": f"{cust.abbr}-{code}",
            "AccountId": cust.sf_id,
            "OwnerId": sales.sf_user_id,
            "Amount": amount,
            "Is_Urgent__c": urgent,
            "CreatedDate": ts_sf(t_opp),
            "IsDeleted": False,
        }
        t_mid = t_opp + (t_won - t_opp) // 2
        for t, stage, closed, won, close_day in (
            (t_opp, "Prospecting", False, False, t_won // DAY + rng.randint(-5, 10)),
            (t_mid, "Negotiation/Review", False, False, t_won // DAY + rng.randint(-2, 4)),
            (t_won, "Closed Won", True, True, t_won // DAY),
        ):
            ctx.tl.at(
                t,
                "crm/opportunities",
                **opp,
                StageName=stage,
                IsClosed=closed,
                IsWon=won,
                CloseDate=dstr(close_day),
                LastModifiedDate=ts_sf(t),
                SystemModstamp=ts_sf(t),
            )
        service.task(
            ctx, rng, opp_id, sales, t_won - int(rng.uniform(1, 5) * DAY), "提交报价及技术协议"
        )

        n = ctx.next("contract")
        month = dstr(t_so // DAY)
        contract_no = f"HT{month[2:4]}{month[5:7]}{plant.no:02d}{n:04d}"
        contract = {
            "Id": _sf_id("800", plant.no, n),
            "ContractNumber": contract_no,
            "AccountId": cust.sf_id,
            "OwnerId": sales.sf_user_id,
            "Opportunity__c": opp_id,
            "CustomerSignedDate": dstr(t_won // DAY),
            "StartDate": dstr(t_won // DAY),
            "ContractTerm": 12,
            "Amount__c": money(net * (1 + TAX)),
            "CreatedDate": ts_sf(t_draft),
            "IsDeleted": False,
        }
        ctx.tl.at(
            t_draft,
            "crm/contracts",
            **contract,
            Status="Draft",
            StatusCode="Draft",
            LastModifiedDate=ts_sf(t_draft),
            SystemModstamp=ts_sf(t_draft),
        )
        ctx.tl.at(
            t_wf,
            "crm/contracts",
            **contract,
            Status="In Approval Process",
            StatusCode="InApproval",
            LastModifiedDate=ts_sf(t_wf),
            SystemModstamp=ts_sf(t_wf),
        )
        ctx.tl.at(
            t_archive,
            "crm/contracts",
            **contract,
            Status="Activated",
            StatusCode="Activated",
            CompanySignedDate=dstr(t_archive // DAY),
            ActivatedDate=ts_sf(t_archive),
            LastModifiedDate=ts_sf(t_archive),
            SystemModstamp=ts_sf(t_archive),
        )
        t_sync = t_so + int(rng.uniform(5, 40) * MINUTE)
        ctx.tl.at(
            t_sync,
            "crm/contracts",
            **contract,
            Status="Activated",
            StatusCode="Activated",
            CompanySignedDate=dstr(t_archive // DAY),
            ActivatedDate=ts_sf(t_archive),
            ERP_Order_No__c=code,
            LastModifiedDate=ts_sf(t_sync),
            SystemModstamp=ts_sf(t_sync),
        )
        steps = [
            ("申请人提交", sales, "提交", 0),
            ("部门经理审批", sal_mgr, "批准", gap_submit),
            ("总经理审批", gm, "批准", gap_mgr),
            ("归档", pick(rng, plant.roles["admin"]), "归档", gap_gm),
        ]
        service.workflow(
            ctx,
            "contract",
            t_wf,
            sales,
            steps,
            f"合同审批-{cust.abbr}-{contract_no}",
            customer=cust.code,
        )
        return contract_no

    def _so_version(
        self,
        t: int,
        header: dict[str, Any],
        lines: list[SoLine],
        state: str,
        promise: int,
        all_lines: bool,
    ) -> None:
        tl = self.ctx.tl
        tl.at(
            t,
            "erp/sale_orders",
            **header,
            state=state,
            dpredatebt=dstr(promise),
            modifytime=ts_local(t),
        )
        if not all_lines:
            return
        for ln in lines:
            net = round(ln.qty * ln.price, 2)
            tax = round(net * TAX, 2)
            tl.at(
                t,
                "erp/sale_order_lines",
                code=header["code"],
                rowno=ln.rowno,
                inventory_code=ln.product.code,
                quantity=str(ln.qty),
                price=money(ln.price),
                taxprice=money(ln.taxprice),
                money=money(net),
                tax=money(tax),
                sum=money(net + tax),
                dpredate=dstr(ln.promise),
                closed=ln.cancelled_at is not None,
                modifytime=ts_local(t),
            )

    def _change_row(
        self,
        t: int,
        code: str,
        rowno: int | None,
        kind: str,
        old: str,
        new: str,
        by: str,
        reason: str,
        person: str,
    ) -> None:
        ctx = self.ctx
        ctx.tl.at(
            t,
            "erp/sale_order_changes",
            id=f"BG{ctx.plant.no:02d}{ctx.next('change'):07d}",
            code=code,
            rowno=rowno if rowno is not None else "",
            change_type=kind,
            old_value=old,
            new_value=new,
            requested_by=by,
            reason=reason,
            changed_at=ts_local(t),
            personcode=person,
            modifytime=ts_local(t),
        )

    def _changes(
        self,
        rng: random.Random,
        spec: dict[str, Any],
        planted: bool,
        t_audit: int,
        day: int,
        lead: int,
        header: dict[str, Any],
        lines: list[SoLine],
        promise: int,
    ) -> tuple[int, int | None]:
        """Apply promise/quantity changes and cancellations; returns (current promise, cancel t)."""
        code = header["code"]
        person = header["personcode"]
        events: list[tuple[int, str, Any]] = []
        if planted:
            for change in spec.get("changes", []):
                events.append(
                    (
                        day * DAY + change["after_days"] * DAY + 10 * HOUR + rng.randint(0, 7_200),
                        change["kind"],
                        change,
                    )
                )
        else:
            r = rng.random()
            if r < 0.06 and lead >= 7:
                delta = rng.randint(3, 10) if rng.random() < 0.8 else -rng.randint(1, 2)
                events.append(
                    (
                        t_audit + int(rng.uniform(1, lead - 4) * DAY),
                        "promise",
                        {"by": "customer", "delta": delta},
                    )
                )
            elif r < 0.11 and lead >= 6:
                events.append(
                    (
                        t_audit + int(rng.uniform(1, lead - 3) * DAY),
                        "promise",
                        {"by": "plant", "delta": rng.randint(2, 6)},
                    )
                )
            if rng.random() < 0.02:
                events.append(
                    (
                        t_audit + int(rng.uniform(0.3, 1.5) * DAY),
                        "quantity",
                        {"rowno": rng.randint(1, len(lines)), "factor": rng.uniform(0.7, 1.3)},
                    )
                )
            if len(lines) >= 2 and lead >= 5 and rng.random() < 0.04:
                events.append(
                    (
                        t_audit + int(rng.uniform(0.3, 2) * DAY),
                        "cancel",
                        {"rowno": rng.randint(2, len(lines))},
                    )
                )
        events.sort(key=lambda e: e[0])
        cancel_t = None
        for t, kind, change in events:
            if kind == "promise":
                by = change["by"]
                new = _promise_day(promise + change["delta"])
                reason = change.get("reason") or (
                    rng.choice(
                        (
                            "客户要求推迟交货(整车排产调整)",
                            "客户库存充足,要求延期",
                            "客户要求提前交货",
                        )
                    )
                    if by == "customer"
                    else rng.choice(("产能不足,申请延期", "原材料到货延迟", "设备故障影响排产"))
                )
                if by == "customer" and change["delta"] < 0:
                    reason = "客户要求提前交货"
                self._change_row(
                    t, code, None, "promise_date", dstr(promise), dstr(new), by, reason, person
                )
                promise = new
                for ln in lines:
                    ln.promise = new
                self._so_version(t, header, lines, "审核", promise, all_lines=True)
            elif kind == "quantity":
                ln = lines[change["rowno"] - 1]
                new_qty = _round_qty(ln.qty * change["factor"])
                if new_qty == ln.qty:
                    continue
                self._change_row(
                    t,
                    code,
                    ln.rowno,
                    "quantity",
                    str(ln.qty),
                    str(new_qty),
                    "customer",
                    "客户调整需求数量",
                    person,
                )
                ln.qty = new_qty
                self._so_version(t, header, lines, "审核", promise, all_lines=True)
            elif kind == "cancel":
                ln = lines[change["rowno"] - 1]
                ln.cancelled_at = t
                cancel_t = t
                self._change_row(
                    t,
                    code,
                    ln.rowno,
                    "cancel",
                    "open",
                    "closed",
                    "customer",
                    change.get("reason", "客户取消该型号需求"),
                    person,
                )
                self._so_version(t, header, lines, "审核", promise, all_lines=True)
        return promise, cancel_t

    def _ship_plan(
        self,
        rng: random.Random,
        spec: dict[str, Any],
        planted: bool,
        day: int,
        cust: Customer,
        urgent: bool,
        promise: int,
        load: float,
        lines: list[SoLine],
    ) -> list[tuple[int, SoLine, int]]:
        if spec.get("never_ship"):
            return []
        # Days the planner allows for the road: the slow end of the region's transit, so a
        # truck leaving in the afternoon still reaches the customer's dock in time.
        transit = {"EC": 1, "NC": 2, "CC": 2, "SC": 2, "NE": 3, "SW": 3}[cust.region]
        plan: list[tuple[int, SoLine, int]] = []
        quarter_push = (
            dstr(promise)[5:7] in ("03", "06", "09", "12") and int(dstr(promise)[8:]) >= 20
        )
        # One dispatch date per order (promise dates carry a buffer, so goods usually leave a
        # few days ahead); lateness hits the whole order, more often on loaded lines.
        base = (
            promise
            - transit
            - (rng.choice((0, 0, 1)) if urgent else rng.choice((3, 3, 4, 4, 4, 5, 6)))
        )
        p_late = 0.02 + (0.05 if urgent else 0.0) + 0.12 * max(0.0, load - 0.9)
        if quarter_push:
            p_late *= 0.5  # the quarter-end push: everybody expedites
        if rng.random() < p_late:
            base += 1 + min(6, int(rng.expovariate(0.5)))
        for ln in lines:
            if ln.cancelled_at is not None:
                continue
            if planted:
                ship = spec.get("ship_day", promise - transit - 1)
            else:
                ship = base if rng.random() < 0.88 else base + rng.choice((-1, 1, 2))
            ship = _shipping_day(max(ship, day + 1), day + 1)
            split = spec.get("partial") == ln.rowno if planted else rng.random() < 0.08
            if split and ln.qty >= 40:
                first = _round_qty(ln.qty * rng.uniform(0.4, 0.75))
                first = min(first, ln.qty - 10)
                early = _shipping_day(max(day + 1, ship - rng.randint(0, 1)), day + 1)
                late = _shipping_day(max(early + 1, ship + rng.randint(1, 4)), early + 1)
                plan.append((early, ln, first))
                plan.append((late, ln, ln.qty - first))
            else:
                plan.append((ship, ln, ln.qty))
        return plan

    def _group_shipments(self, plan: list[tuple[int, SoLine, int]]) -> list[Shipment]:
        by_day: dict[int, Shipment] = {}
        for ship_day, ln, qty in sorted(plan, key=lambda p: (p[0], p[1].rowno)):
            by_day.setdefault(ship_day, Shipment(ship_day, [])).lines.append((ln, qty))
            ln.shipments.append((ship_day, qty))
        return [by_day[d] for d in sorted(by_day)]

    def _production(
        self,
        rng: random.Random,
        t_audit: int,
        day: int,
        code: str,
        cust: Customer,
        urgent: bool,
        lines: list[SoLine],
        late_step_hours: float | None = None,
    ) -> None:
        """Production orders per line and routing step. `late_step_hours` (planted, R1):
        the first step of the first line closes that many hours after its production day
        ends instead of within two hours of it."""
        ctx = self.ctx
        plant = ctx.plant
        planner = pick(rng, plant.roles["planner"])
        t0 = t_audit + int(rng.uniform(1, 18) * HOUR)
        for ln in lines:
            first_ship = min((d for d, _ in ln.shipments), default=ln.promise - 1)
            route = ln.product.route
            span = max(1, first_ship - day - 1)
            width = max(1, min(4, span // len(route)))
            for i, kind in enumerate(route):
                due = max(
                    day + 1,
                    first_ship - 1 - (len(route) - 1 - i) * max(0, min(2, span // len(route))),
                )
                start = max(day + 1, due - width + 1)
                mo = f"MO{dstr(day)[2:4]}{dstr(day)[5:7]}{plant.no:02d}{ctx.next('mo'):05d}"
                wo = WorkOrder(
                    mo, code, ln.rowno, cust.code, ln.product, kind, ln.qty, start, due, urgent
                )
                if ln.cancelled_at is not None:
                    wo.cancelled_day = ln.cancelled_at // DAY + 1
                ctx.book.add(wo)
                t_create = t0 + i * 120
                row = {
                    "code": mo,
                    "socode": code,
                    "sorowno": ln.rowno,
                    "inventory_code": ln.product.code,
                    "quantity": str(ln.qty),
                    "line_code": plant.line(kind).code,
                    "personcode": planner.no,
                    "startdate": dstr(start),
                    "duedate": dstr(due),
                }
                ctx.tl.at(
                    t_create,
                    "erp/production_orders",
                    **row,
                    state="开立",
                    modifytime=ts_local(t_create),
                )
                t_rel = t_create + int(rng.uniform(0.5, 3) * HOUR)
                ctx.tl.at(
                    t_rel, "erp/production_orders", **row, state="审核", modifytime=ts_local(t_rel)
                )
                if ln.cancelled_at is not None and ln.cancelled_at > t_rel:
                    t_end = ln.cancelled_at + 1_800
                else:
                    t_end = max(t_rel + HOUR, (due + 1) * DAY + 8 * HOUR + rng.randint(0, 7_200))
                if late_step_hours is not None and ln is lines[0] and i == 0:
                    t_end = (due + 1) * DAY + 8 * HOUR + int(late_step_hours * HOUR)
                    ctx.planted["late_order_step"] = {
                        "order": code,
                        "production_order": mo,
                        "line_code": plant.line(kind).code,
                        "planner": planner.no,
                        "duedate": dstr(due),
                        "due_at": ts_offset((due + 1) * DAY + 8 * HOUR),
                        "closed_at": ts_offset(t_end),
                    }
                ctx.tl.at(
                    t_end, "erp/production_orders", **row, state="关闭", modifytime=ts_local(t_end)
                )

    def _purchasing(
        self, rng: random.Random, t_audit: int, day: int, code: str, lines: list[SoLine]
    ) -> None:
        ctx = self.ctx
        for ln in lines:
            if rng.random() > 0.5:
                continue
            vendor_code, vendor = rng.choice(catalog.VENDORS)
            buyer = pick(rng, ctx.plant.roles["buyer"])
            t = t_audit + int(rng.uniform(2, 30) * HOUR)
            po = f"CG{dstr(day)[2:4]}{dstr(day)[5:7]}{ctx.plant.no:02d}{ctx.next('po'):05d}"
            qty = round(ln.qty * rng.uniform(1.0, 1.05) * 1.8, 1)  # kg of material
            row = {
                "code": po,
                "date": dstr(t // DAY),
                "vencode": vendor_code,
                "venname": vendor,
                "personcode": buyer.no,
                "socode": code,
                "inventory_code": f"RM-{ln.product.family}",
                "quantity": f"{qty:.1f}",
                "money": money(qty * rng.uniform(5.5, 9.0)),
                "arrivedate": dstr(max(day + 1, ln.promise - 5)),
            }
            ctx.tl.at(t, "erp/purchase_orders", **row, state="开立", modifytime=ts_local(t))
            t2 = t + int(rng.uniform(1, 6) * HOUR)
            ctx.tl.at(t2, "erp/purchase_orders", **row, state="审核", modifytime=ts_local(t2))
            t3 = max(t2 + HOUR, max(day + 1, ln.promise - 5) * DAY + int(rng.uniform(9, 16) * HOUR))
            ctx.tl.at(t3, "erp/purchase_orders", **row, state="关闭", modifytime=ts_local(t3))

    def _ship(
        self,
        rng: random.Random,
        spec: dict[str, Any],
        code: str,
        cust: Customer,
        sales: Any,
        sh: Shipment,
    ) -> None:
        ctx = self.ctx
        plant = ctx.plant
        sh.shipped_at = sh.ship_day * DAY + int(spec.get("ship_hour", rng.uniform(9.5, 17)) * HOUR)
        t_pick = sh.shipped_at - int(rng.uniform(1.5, 5) * HOUR)
        lo, hi = catalog.TRANSIT_HOURS[cust.region]
        signed = sh.shipped_at + int(rng.uniform(lo, hi) * HOUR)
        for storm in ctx.disruptions:
            # A truck on a closed road waits there until the roads reopen.
            if (
                storm.kind == "storm"
                and cust.region in storm.regions
                and sh.shipped_at < storm.end
                and signed > storm.start
            ):
                signed += storm.end - max(sh.shipped_at, storm.start)
        hour = signed % DAY / HOUR
        if hour < 7 or hour >= 22:  # receiving docks take deliveries 07:00-22:00
            next_day = signed // DAY + (1 if hour >= 22 else 0)
            signed = next_day * DAY + int(rng.uniform(7, 9) * HOUR)
        if "signed_at" in spec:
            signed = spec["signed_at"]
        sh.signed_at = signed
        t_verify = t_pick + int(rng.uniform(10, 50) * MINUTE)
        month = dstr(sh.ship_day)
        fh = f"FH{month[2:4]}{month[5:7]}{plant.no:02d}{ctx.next('fh'):05d}"
        shipment_id = f"SH{plant.no:02d}{ctx.next('shipment'):07d}"
        keeper = pick(rng, plant.roles["warehouse"])
        driver = pick(rng, plant.roles["driver"])
        carrier = rng.choice(catalog.CARRIERS)
        for i, (ln, qty) in enumerate(sh.lines):
            ctx.tl.at(
                t_verify,
                "erp/consignments",
                code=fh,
                rowno=i + 1,
                date=dstr(sh.ship_day),
                custcode=cust.code,
                socode=code,
                sorowno=ln.rowno,
                inventory_code=ln.product.code,
                quantity=str(qty),
                personcode=sales.no,
                verify_time=ts_local(t_verify),
                modifytime=ts_local(t_verify),
            )
        base = {
            "shipment_id": shipment_id,
            "consignment_code": fh,
            "so_code": code,
            "customer_code": cust.code,
            "warehouse": f"{plant.code}-FG01",
            "carrier": carrier,
            "handled_by": keeper.no,
        }
        ctx.tl.at(t_pick, "wms/shipments", **base, status="picking", updated_at=ts_offset(t_pick))
        for i, (ln, qty) in enumerate(sh.lines):
            ctx.tl.at(
                t_pick,
                "wms/shipment_lines",
                shipment_id=shipment_id,
                line_no=i + 1,
                so_code=code,
                so_rowno=ln.rowno,
                product_code=ln.product.code,
                qty=qty,
                updated_at=ts_offset(t_pick),
            )
        ctx.tl.at(
            sh.shipped_at,
            "wms/shipments",
            **base,
            shipped_at=ts_offset(sh.shipped_at),
            status="shipped",
            updated_at=ts_offset(sh.shipped_at),
        )
        signer = catalog.person_name(rng, "M" if rng.random() < 0.7 else "F")[0]
        upload = signed + int(rng.uniform(10, 120) * MINUTE)
        for ln, qty in sh.lines:
            ctx.tl.at(
                upload,
                "wms/proofs_of_delivery",
                pod_id=f"POD{plant.no:02d}{ctx.next('pod'):07d}",
                shipment_id=shipment_id,
                so_code=code,
                so_rowno=ln.rowno,
                signed_at=ts_offset(signed),
                signer=signer,
                signed_qty=qty,
                driver_no=driver.no,
                updated_at=ts_offset(upload),
            )
        ctx.tl.at(
            upload + 60,
            "wms/shipments",
            **base,
            shipped_at=ts_offset(sh.shipped_at),
            status="delivered",
            updated_at=ts_offset(upload + 60),
        )

    def _invoice(
        self, rng: random.Random, code: str, cust: Customer, sh: Shipment, mode: str, credit: bool
    ) -> int:
        """Blue invoice for a shipment (optionally corrected by a credit note); returns last t."""
        ctx = self.ctx
        clerk = pick(rng, ctx.plant.roles["finance"])
        if mode == "pre":
            # Invoiced as the truck leaves (some customers want the invoice with the goods).
            t = sh.shipped_at + int(rng.uniform(0.2, 1.5) * HOUR)
            if t >= sh.signed_at:
                t = sh.signed_at - int(rng.uniform(0.5, 2) * HOUR)
        else:
            # Finance invoices from the signed delivery note: mostly the same or the next
            # working day, key accounts sometimes after their reconciliation, a short tail.
            lag = rng.choice((0, 0, 0, 0, 0, 0, 0, 1, 1, 2)) + (
                rng.choice((0, 0, 0, 1)) if cust.key else 0
            )
            t = _business_moment(rng, sh.signed_at // DAY + lag)
            if t <= sh.signed_at:
                # The note arrives with the POD upload, one to three hours after the signature.
                t = sh.signed_at + int(rng.uniform(1, 3) * HOUR)
                if t % DAY > 17.5 * HOUR or weekday(t // DAY) >= 5 or is_shutdown(t // DAY):
                    t = _business_moment(rng, t // DAY + 1, 9.5, 12)
        t = self._unfrozen(rng, t)
        last = self._invoice_rows(
            t, code, cust, clerk.no, [(ln, qty, ln.price) for ln, qty in sh.lines], "blue"
        )
        if credit:
            ln, qty = sh.lines[0]
            t_red = self._unfrozen(rng, _business_moment(rng, t // DAY + rng.randint(2, 8)))
            self._invoice_rows(t_red, code, cust, clerk.no, [(ln, -qty, ln.price)], "red")
            corrected = round(ln.price * 0.97, 2)  # agreed price reduction, re-invoiced
            t_re = t_red + int(rng.uniform(1, 6) * HOUR)
            last = self._invoice_rows(t_re, code, cust, clerk.no, [(ln, qty, corrected)], "blue")
            self._receipt(
                rng,
                t_re,
                code,
                cust,
                clerk.no,
                [(qty, corrected)] + [(q, line.price) for line, q in sh.lines[1:]],
            )
        else:
            self._receipt(rng, t, code, cust, clerk.no, [(q, line.price) for line, q in sh.lines])
        return last

    def _unfrozen(self, rng: random.Random, t: int) -> int:
        """An invoice due while invoicing is frozen is issued from the backlog after it:
        the afternoon it resumes or the next working day."""
        for freeze in self.ctx.disruptions:
            if freeze.kind == "invoice_freeze" and freeze.start <= t < freeze.end:
                resume = freeze.end // DAY
                if rng.random() < 0.45:
                    return resume * DAY + int(rng.uniform(13, 17.5) * HOUR)
                return _business_moment(rng, resume + 1)
        return t

    def _invoice_rows(
        self,
        t: int,
        code: str,
        cust: Customer,
        clerk: str,
        rows: list[tuple[SoLine, int, float]],
        kind: str,
    ) -> int:
        ctx = self.ctx
        month = dstr(t // DAY)
        inv = f"XS{month[2:4]}{month[5:7]}{ctx.plant.no:02d}{ctx.next('inv'):05d}"
        for i, (ln, qty, price) in enumerate(rows):
            net = round(qty * price, 2)
            ctx.tl.at(
                t,
                "erp/sale_invoices",
                code=inv,
                rowno=i + 1,
                date=dstr(t // DAY),
                custcode=cust.code,
                socode=code,
                sorowno=ln.rowno,
                inventory_code=ln.product.code,
                quantity=str(qty),
                money=money(net),
                sum=money(round(net * (1 + TAX), 2)),
                invoice_type=kind,
                personcode=clerk,
                verify_time=ts_local(t),
                modifytime=ts_local(t),
            )
        return t

    def _receipt(
        self,
        rng: random.Random,
        t_inv: int,
        code: str,
        cust: Customer,
        clerk: str,
        amounts: list[tuple[int, float]],
    ) -> None:
        ctx = self.ctx
        total = sum(round(round(q * p, 2) * (1 + TAX), 2) for q, p in amounts)
        t = _business_moment(rng, t_inv // DAY + cust.pay_days + rng.randint(-5, 8), 9.5, 16)
        month = dstr(t // DAY)
        ctx.tl.at(
            t,
            "erp/receipts",
            code=f"SK{month[2:4]}{month[5:7]}{ctx.plant.no:02d}{ctx.next('sk'):05d}",
            date=dstr(t // DAY),
            custcode=cust.code,
            socode=code,
            amount=money(total),
            personcode=clerk,
            verify_time=ts_local(t),
            modifytime=ts_local(t),
        )

    def _planted_complaint(
        self,
        rng: random.Random,
        spec: dict[str, Any],
        code: str,
        cust: Customer,
        shipments: list[Shipment],
        lines: list[SoLine],
    ) -> None:
        ctx = self.ctx
        c = spec["complaint"]
        t_case = shipments[-1].signed_at + int(c["after_hours"] * HOUR)
        kind = lines[0].product.route[0]
        number = service.complaint(
            ctx,
            rng,
            t_case,
            cust.code,
            code,
            kind,
            escalate=True,
            response_hours=c["response_hours"],
            action_hours=c["action_hours"],
        )
        ctx.planted.setdefault("late_complaint", {}).update(
            case_number=number,
            order=code,
            customer=cust.code,
            line_code=ctx.plant.line(kind).code,
            case_created_at=ts_offset(t_case),
            first_response_at=ts_offset(t_case + int(c["response_hours"] * HOUR)),
            response_hours=c["response_hours"],
        )

    def _lost_opportunity(self, rng: random.Random, day: int) -> None:
        ctx = self.ctx
        plant = ctx.plant
        cust = rng.choices(ctx.group.customers, weights=self._weights)[0]
        sales = pick(rng, plant.roles["sales"])
        t0 = day * DAY + int(rng.uniform(9, 18) * HOUR)
        opp_id = _sf_id("006", plant.no, ctx.next("opp"))
        amount = money(_round_qty(rng.lognormvariate(math.log(480), 0.6)) * rng.uniform(20, 300))
        base = {
            "Id": opp_id,
            "Name": f"{cust.abbr}-询价{dstr(day)}",
            "AccountId": cust.sf_id,
            "OwnerId": sales.sf_user_id,
            "Amount": amount,
            "Is_Urgent__c": False,
            "CreatedDate": ts_sf(t0),
            "IsDeleted": False,
        }
        close_day = day + rng.randint(10, 40)
        t1 = t0 + int(rng.uniform(2, 8) * DAY)
        t2 = close_day * DAY + int(rng.uniform(9, 18) * HOUR)
        # Won deals are all booked through OrderDesk.book; these are the ones that got away.
        for t, stage, closed in (
            (t0, "Prospecting", False),
            (t1, "Qualification", False),
            (t2, "Closed Lost", True),
        ):
            ctx.tl.at(
                t,
                "crm/opportunities",
                **base,
                StageName=stage,
                IsClosed=closed,
                IsWon=False,
                CloseDate=dstr(close_day),
                LastModifiedDate=ts_sf(t),
                SystemModstamp=ts_sf(t),
            )

    def deleted_opportunity(self, day: int, k: int) -> str:
        """A duplicate opportunity created by mistake and deleted (queryAll shows IsDeleted)."""
        ctx = self.ctx
        rng = py_rng(ctx.seed, ctx.plant.no, day, "order_detail", 900 + k)
        cust = ctx.group.customers[k % len(ctx.group.customers)]
        sales = pick(rng, ctx.plant.roles["sales"])
        t0 = day * DAY + int(rng.uniform(9, 17) * HOUR)
        opp_id = _sf_id("006", ctx.plant.no, ctx.next("opp"))
        base = {
            "Id": opp_id,
            "Name": f"{cust.abbr}-重复录入",
            "AccountId": cust.sf_id,
            "OwnerId": sales.sf_user_id,
            "StageName": "Prospecting",
            "IsClosed": False,
            "IsWon": False,
            "CloseDate": dstr(day + 30),
            "Amount": money(50_000 + 1_000 * k),
            "Is_Urgent__c": False,
            "CreatedDate": ts_sf(t0),
        }
        ctx.tl.at(
            t0,
            "crm/opportunities",
            **base,
            IsDeleted=False,
            LastModifiedDate=ts_sf(t0),
            SystemModstamp=ts_sf(t0),
        )
        t1 = t0 + int(rng.uniform(1, 6) * HOUR)
        ctx.tl.at(
            t1,
            "crm/opportunities",
            **base,
            IsDeleted=True,
            LastModifiedDate=ts_sf(t1),
            SystemModstamp=ts_sf(t1),
        )
        return opp_id

    def _summary(
        self,
        code: str,
        cust: Customer,
        day: int,
        net: float,
        lines: list[SoLine],
        shipments: list[Shipment],
        promise: int,
    ) -> None:
        """Keep what the sales tracking workbook needs for the last two months only."""
        ctx = self.ctx
        if day < ctx.end_day - 62:
            return
        ctx.orders_summary.append(
            {
                "code": code,
                "customer": cust.abbr,
                "date": dstr(day),
                "net": net,
                "promise": dstr(promise),
                "shipped": [(s.shipped_at, sum(q for _, q in s.lines)) for s in shipments],
                "qty": sum(ln.qty for ln in lines if ln.cancelled_at is None),
                "signed_at": max((s.signed_at for s in shipments), default=0),
            }
        )


def _shipping_day(day: int, earliest: int) -> int:
    """The warehouse ships Monday to Saturday and not during the Spring Festival shutdown:
    what would fall in the shutdown leaves before it when it can (goods are built ahead),
    otherwise after it."""
    if is_shutdown(day):
        before = day
        while before >= earliest and (weekday(before) == 6 or is_shutdown(before)):
            before -= 1
        if before >= earliest:
            return before
    while weekday(day) == 6 or is_shutdown(day):
        day += 1
    return day


def _promise_day(day: int) -> int:
    """Sales promise neither a Sunday nor a day of the Spring Festival shutdown."""
    while weekday(day) == 6 or is_shutdown(day):
        day += 1
    return day


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    # Knuth's method: lam stays below ~30 here, so the loop is short.
    limit = math.exp(-lam)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
