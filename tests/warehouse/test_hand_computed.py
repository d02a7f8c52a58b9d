"""Two KPI figures recomputed by hand in Python straight from the raw tables, compared with
the marts: the OEE of the machine with planted failures and one day's plant OTD."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.warehouse.conftest import Warehouse

PLANT = ZoneInfo("Asia/Shanghai")


def _latest(rows: list[tuple], key: slice, stamp: int) -> list[tuple]:
    """Latest version per key of raw (append-only) rows."""
    best: dict[tuple, tuple] = {}
    for row in rows:
        k = row[key]
        if k not in best or row[stamp] > best[k][stamp]:
            best[k] = row
    return list(best.values())


def test_oee_of_the_failing_machine_recomputed_from_raw(warehouse: Warehouse) -> None:
    spec = warehouse.planted["machine_failures"]
    con = warehouse.connect()
    machine, uuid = spec["equipment_id"], spec["mtconnect_uuid"]
    line = con.execute(
        "select line_code from raw.mes__equipment where equipment_id = ?", [machine]
    ).fetchone()[0]
    start_time, end_time = con.execute(
        "select start_time, end_time from raw.hr__shifts where shift_code = 'A' limit 1"
    ).fetchone()
    day = date.fromisoformat(spec["date"])
    h0, m0 = map(int, start_time.split(":"))
    h1, m1 = map(int, end_time.split(":"))
    w0 = datetime(day.year, day.month, day.day, h0, m0, tzinfo=PLANT)
    w1 = datetime(day.year, day.month, day.day, h1, m1, tzinfo=PLANT)

    states = sorted(
        set(
            con.execute(
                'select "timestamp", "state" from raw.mes__machine_states where mtconnect_uuid = ?',
                [uuid],
            ).fetchall()
        )
    )
    minutes: dict[str, float] = defaultdict(float)
    for (t, state), (t_next, _) in zip(states, states[1:], strict=False):
        overlap = (min(t_next, w1) - max(t, w0)).total_seconds() / 60
        if overlap > 0:
            minutes[state] += overlap
    shift = (w1 - w0).total_seconds() / 60
    busy = shift - minutes["planned_stop"]
    run = busy - minutes["unplanned_down"]

    counts = _latest(
        con.execute(
            "select record_id, product_code, produced_qty, good_qty, updated_at "
            "from raw.mes__production_counts "
            "where equipment_id = ? and shift_code = 'A' and hour_start >= ? and hour_start < ?",
            [machine, w0, w1],
        ).fetchall(),
        slice(0, 1),
        4,
    )
    cycle = dict(
        con.execute(
            "select product_code, ideal_cycle_seconds from raw.mes__routings where line_code = ?",
            [line],
        ).fetchall()
    )
    produced = sum(c[2] for c in counts)
    good = sum(c[3] for c in counts)
    ideal = sum(c[2] * float(cycle[c[1]]) for c in counts) / 60
    expected_oee = (run / busy) * (ideal / run) * (good / produced)

    row = con.execute(
        "select planned_busy_minutes, run_minutes, produced_qty, good_qty, availability, oee, "
        "unplanned_stop_count from marts.fct_oee_shift "
        "where machine_id = ? and shift_date = ? and shift_code = 'A'",
        [machine, day],
    ).fetchone()
    assert row[0] == pytest.approx(busy, abs=1e-4)
    assert row[1] == pytest.approx(run, abs=1e-4)
    assert (row[2], row[3]) == (produced, good)
    assert row[4] == pytest.approx(run / busy, abs=1e-6)
    assert row[5] == pytest.approx(expected_oee, abs=1e-6)
    # Averaging the hourly ratios would not give this: the shift divides once.
    assert row[6] == spec["unplanned_down_count"]


def test_plant_otd_of_one_day_recomputed_from_raw(warehouse: Warehouse) -> None:
    day = date(2026, 1, 12)
    con = warehouse.connect()
    orders = _latest(
        con.execute("select code, dpredatebt, modifytime from raw.erp__sale_orders").fetchall(),
        slice(0, 1),
        2,
    )
    changes = _latest(
        con.execute(
            "select id, code, old_value, new_value, requested_by, changed_at, modifytime "
            "from raw.erp__sale_order_changes where change_type = 'promise_date'"
        ).fetchall(),
        slice(0, 1),
        6,
    )
    promise: dict[str, date] = {}
    for code, current, _ in orders:
        mine = sorted((c for c in changes if c[1] == code), key=lambda c: (c[5], c[0]))
        committed = date.fromisoformat(mine[0][2]) if mine else current
        by_customer = [c for c in mine if c[4] == "customer"]
        promise[code] = date.fromisoformat(by_customer[-1][3]) if by_customer else committed
    due = [code for code, d in promise.items() if d == day]

    lines = _latest(
        con.execute(
            "select code, rowno, quantity, closed, modifytime from raw.erp__sale_order_lines"
        ).fetchall(),
        slice(0, 2),
        4,
    )
    pods = _latest(
        con.execute(
            "select pod_id, so_code, so_rowno, signed_at, signed_qty, updated_at "
            "from raw.wms__proofs_of_delivery"
        ).fetchall(),
        slice(0, 1),
        5,
    )
    invoices = _latest(
        con.execute(
            "select code, rowno, socode, sorowno, verify_time, quantity, invoice_type, modifytime "
            "from raw.erp__sale_invoices"
        ).fetchall(),
        slice(0, 2),
        7,
    )

    on_time = 0
    counted = 0
    for code in due:
        active = {
            (c, r): float(q) for c, r, q, closed, _ in lines if c == code and not closed and q > 0
        }
        if not active:
            continue  # cancelled: not in OTD
        counted += 1
        events = [(p[3], (p[1], p[2]), float(p[4]), 0.0) for p in pods if p[1] == code]
        events += [
            (
                i[4].replace(tzinfo=PLANT),
                (i[2], i[3]),
                0.0,
                -abs(float(i[5])) if i[6] == "red" else float(i[5]),
            )
            for i in invoices
            if i[2] == code
        ]
        signed: dict[tuple, float] = defaultdict(float)
        invoiced: dict[tuple, float] = defaultdict(float)
        delivered_at = None
        for moment in sorted({e[0] for e in events}):
            for at, key, s, q in events:
                if at == moment:
                    signed[key] += s
                    invoiced[key] += q
            if all(signed[k] >= q and invoiced[k] >= q for k, q in active.items()):
                delivered_at = moment
                break
        if delivered_at is not None and delivered_at.astimezone(PLANT).date() <= day:
            on_time += 1

    numerator, denominator = con.execute(
        "select numerator, denominator from marts.kpi_daily where kpi_code = 'otd_rate' "
        "and scope_type = 'plant' and kpi_date = ?",
        [day],
    ).fetchone()
    assert counted >= 3  # the planted midnight and invoiced-before-signed orders are due then
    assert (numerator, denominator) == (on_time, counted)


def _month(day: date) -> date:
    return day.replace(day=1)


def test_month_complaint_rate_counts_complaints_on_days_without_deliveries(
    warehouse: Warehouse,
) -> None:
    """SPEC 5.6, recomputed from raw CRM cases: each month's complaint rate in kpi_period =
    complaint cases opened in the month / orders delivered in it, whatever days they fell on.
    The demo has complaints on days nothing was delivered; they count in their month."""
    con = warehouse.connect()
    (as_of,) = con.execute("select max(kpi_date) from marts.kpi_daily").fetchone()
    cases = _latest(
        con.execute(
            'select "Id", "Type", "CreatedDate", coalesce("IsDeleted", false), "SystemModstamp" '
            "from raw.crm__cases"
        ).fetchall(),
        slice(0, 1),
        4,
    )
    opened = [
        created.astimezone(PLANT).date()
        for _, case_type, created, deleted, _ in cases
        if case_type == "Complaint" and not deleted
    ]
    opened = [day for day in opened if day <= as_of]
    delivered = [
        day
        for (day,) in con.execute(
            "select delivered_date from marts.fct_order_delivery "
            "where is_delivered and delivered_date <= ?",
            [as_of],
        ).fetchall()
    ]
    lonely = [day for day in opened if day not in set(delivered)]
    assert lonely, "the demo should hold a complaint on a day without deliveries"

    months = sorted({_month(day) for day in opened + delivered})
    published = {
        start: (numerator, denominator, value)
        for start, numerator, denominator, value in con.execute(
            "select period_start, numerator, denominator, value from marts.kpi_period "
            "where period_type = 'month' and is_latest and kpi_code = 'complaint_rate' "
            "and scope_type = 'plant'"
        ).fetchall()
    }
    for month in months:
        complaints = sum(_month(day) == month for day in opened)
        deliveries = sum(_month(day) == month for day in delivered)
        numerator, denominator, value = published[month]
        assert (numerator, denominator) == (complaints, deliveries), month
        assert value == pytest.approx(complaints / deliveries, abs=1e-6), month
    # The month of a lonely complaint: adding up only the days with deliveries falls short.
    month = _month(lonely[0])
    on_delivery_days = sum(_month(d) == month and d in set(delivered) for d in opened)
    assert published[month][0] > on_delivery_days


def test_month_otd_counts_orders_on_their_promised_date_whenever_delivered(
    warehouse: Warehouse,
) -> None:
    """SPEC 5.1: a month's OTD = on-time delivered orders / orders promised in it. An order
    promised in one month and delivered in the next is late in the month it was promised."""
    con = warehouse.connect()
    orders = con.execute(
        "select promised_date, delivered_date, is_on_time from marts.fct_order_delivery "
        "where is_otd_relevant"
    ).fetchall()
    crossing = [
        (promised, delivered)
        for promised, delivered, _ in orders
        if delivered is not None and _month(delivered) != _month(promised)
    ]
    assert crossing, "the demo should hold orders delivered in another month than promised"
    published = {
        start: (numerator, denominator)
        for start, numerator, denominator in con.execute(
            "select period_start, numerator, denominator from marts.kpi_period "
            "where period_type = 'month' and is_latest and kpi_code = 'otd_rate' "
            "and scope_type = 'plant'"
        ).fetchall()
    }
    for month in sorted({_month(promised) for promised, _, _ in orders}):
        due = [on_time for promised, _, on_time in orders if _month(promised) == month]
        assert published[month] == (sum(due), len(due)), month
