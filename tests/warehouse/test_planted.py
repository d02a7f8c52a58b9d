"""Every situation planted in the demo factory shows up in the marts where it should."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.warehouse.conftest import Warehouse


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _order(warehouse: Warehouse, order_id: str) -> dict:
    con = warehouse.connect()
    cursor = con.execute("select * from marts.fct_order_delivery where order_id = ?", [order_id])
    row = cursor.fetchone()
    assert row is not None, f"{order_id} missing from fct_order_delivery"
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def test_partial_delivery_is_not_delivered_before_its_last_pod(warehouse: Warehouse) -> None:
    spec = warehouse.planted["partial_delivery"]
    order = _order(warehouse, spec["order"])
    last_pod = (
        warehouse.connect()
        .execute(
            "select max(signed_at), count(*) from staging.stg_wms__proofs_of_delivery "
            "where order_id = ?",
            [spec["order"]],
        )
        .fetchone()
    )
    assert last_pod[1] >= spec["shipments"]
    assert last_pod[0] == _instant(spec["signed_at"])
    assert order["is_delivered"]
    assert order["delivered_at"] >= last_pod[0]
    assert order["sales_completed_at"] == last_pod[0]


def test_invoiced_before_signed_is_delivered_at_the_signature(warehouse: Warehouse) -> None:
    spec = warehouse.planted["invoiced_before_signed"]
    order = _order(warehouse, spec["order"])
    first_invoice = (
        warehouse.connect()
        .execute(
            "select min(invoiced_at) from staging.stg_erp__sale_invoices where order_id = ?",
            [spec["order"]],
        )
        .fetchone()[0]
    )
    assert first_invoice < _instant(spec["signed_at"])
    assert order["delivered_at"] == _instant(spec["signed_at"])
    assert order["is_on_time"]


def test_customer_promise_change_moves_the_promise(warehouse: Warehouse) -> None:
    spec = warehouse.planted["promise_change_customer"]
    order = _order(warehouse, spec["order"])
    assert order["customer_change_count"] >= 1
    assert order["promised_date"] == date.fromisoformat(spec["promised_date"])
    assert order["first_committed_date"] < order["promised_date"]


def test_plant_promise_change_does_not_move_the_promise(warehouse: Warehouse) -> None:
    spec = warehouse.planted["promise_change_plant"]
    order = _order(warehouse, spec["order"])
    assert order["plant_change_count"] >= 1
    # ERP shows the plant's new date; the promise we are measured against stays put.
    assert order["erp_promised_date"] == date.fromisoformat(spec["promised_date"])
    assert order["promised_date"] == order["first_committed_date"]
    assert order["promised_date"] < order["erp_promised_date"]


def test_cancelled_line_does_not_block_delivery(warehouse: Warehouse) -> None:
    spec = warehouse.planted["cancelled_line"]
    order = _order(warehouse, spec["order"])
    cancelled = (
        warehouse.connect()
        .execute(
            "select is_cancelled, signed_qty from intermediate.int_order_lines_completed "
            "where order_id = ? and line_no = ?",
            [spec["order"], spec["cancelled_rowno"]],
        )
        .fetchone()
    )
    assert cancelled == (True, 0)
    assert order["cancelled_line_count"] == 1
    assert order["is_delivered"]
    assert order["delivered_at"] >= _instant(spec["signed_at"])


def test_credit_note_reduces_net_invoiced(warehouse: Warehouse) -> None:
    spec = warehouse.planted["credit_note"]
    order = _order(warehouse, spec["order"])
    gross_blue, credited = (
        warehouse.connect()
        .execute(
            "select sum(invoiced_qty) filter (where not is_credit_note), "
            "sum(abs(invoiced_qty)) filter (where is_credit_note) "
            "from staging.stg_erp__sale_invoices where order_id = ?",
            [spec["order"]],
        )
        .fetchone()
    )
    assert order["credit_note_count"] >= 1
    assert credited > 0
    assert order["net_invoiced_qty"] == gross_blue - credited == order["ordered_qty"]
    assert order["is_delivered"]


def test_past_due_undelivered_order_counts_as_late_in_otd(warehouse: Warehouse) -> None:
    spec = warehouse.planted["past_due_undelivered"]
    order = _order(warehouse, spec["order"])
    assert not order["is_delivered"]
    assert order["delivery_status"] == "past_due"
    assert order["is_otd_relevant"] and not order["is_on_time"]
    con = warehouse.connect()
    numerator, denominator = con.execute(
        "select numerator, denominator from marts.kpi_daily where kpi_code = 'otd_rate' "
        "and scope_type = 'plant' and kpi_date = ?",
        [order["promised_date"]],
    ).fetchone()
    due, on_time = con.execute(
        "select count(*), count(*) filter (where is_on_time) from marts.fct_order_delivery "
        "where promised_date = ? and not is_cancelled",
        [order["promised_date"]],
    ).fetchone()
    assert denominator == due and numerator == on_time and numerator < denominator


@pytest.mark.parametrize(
    ("situation", "plant_date", "on_time"),
    [("midnight_before", "2026-01-12", True), ("midnight_after", "2026-01-13", False)],
)
def test_midnight_deliveries_fall_on_the_plant_date(
    warehouse: Warehouse, situation: str, plant_date: str, on_time: bool
) -> None:
    spec = warehouse.planted[situation]
    order = _order(warehouse, spec["order"])
    assert order["delivered_at"] == _instant(spec["signed_at"])
    assert order["delivered_date"] == date.fromisoformat(plant_date)
    assert order["is_on_time"] is on_time


def test_signed_but_not_invoiced_is_not_delivered_and_reconciliation_shows_it(
    warehouse: Warehouse,
) -> None:
    spec = warehouse.planted["signed_not_invoiced"]
    order = _order(warehouse, spec["order"])
    assert not order["is_delivered"]
    assert order["sales_completed_at"] == _instant(spec["signed_at"])
    status = (
        warehouse.connect()
        .execute(
            "select reconciliation_status from marts.fct_order_reconciliation where order_id = ?",
            [spec["order"]],
        )
        .fetchone()[0]
    )
    assert status == "signed_not_invoiced"


def test_low_fpy_team_hours_are_below_threshold(warehouse: Warehouse) -> None:
    spec = warehouse.planted["low_fpy_team"]
    rows = (
        warehouse.connect()
        .execute(
            "select hour_of_day, first_pass_yield from marts.fct_team_quality_hourly "
            "where team_id = ? and hour_date = ? order by hour_of_day",
            [spec["team"], spec["date"]],
        )
        .fetchall()
    )
    by_hour = dict(rows)
    for hour in spec["hours"]:
        assert by_hour[int(hour[:2])] < spec["threshold"]
    others = [fpy for h, fpy in rows if f"{h:02d}:00" not in spec["hours"] and fpy is not None]
    assert others and min(others) >= spec["threshold"] - 0.05


def test_machine_failures_show_in_oee_shift(warehouse: Warehouse) -> None:
    # Planted: four unplanned stops in one day shift (A); the availability drop shows there.
    spec = warehouse.planted["machine_failures"]
    con = warehouse.connect()
    stops, downtime, availability = con.execute(
        "select unplanned_stop_count, unplanned_downtime_minutes, availability "
        "from marts.fct_oee_shift where machine_id = ? and shift_date = ? and shift_code = 'A'",
        [spec["equipment_id"], spec["date"]],
    ).fetchone()
    assert stops >= 3
    assert stops == spec["unplanned_down_count"]
    assert downtime > 0
    typical = con.execute(
        "select median(availability) from marts.fct_oee_shift where machine_id = ?",
        [spec["equipment_id"]],
    ).fetchone()[0]
    assert availability < typical


def test_late_escalated_complaint_response_is_over_72_hours(warehouse: Warehouse) -> None:
    spec = warehouse.planted["late_complaint"]
    cursor = warehouse.connect().execute(
        "select * from marts.fct_signal_response where case_number = ?", [spec["case_number"]]
    )
    row = dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))
    assert row["is_escalated"] and row["signal_type"] == "complaint"
    assert row["signal_at"] == _instant(spec["case_created_at"])
    assert row["first_action_at"] == _instant(spec["first_response_at"])
    assert row["response_hours"] > 72
    assert float(row["response_hours"]) == pytest.approx(spec["response_hours"])


def test_deleted_opportunities_are_gone_from_staging(warehouse: Warehouse) -> None:
    ids = warehouse.planted["deleted_opportunities"]
    con = warehouse.connect()
    placeholders = ", ".join("?" for _ in ids)
    assert (
        con.execute(
            f"select count(*) from staging.stg_crm__opportunities where opportunity_id in ({placeholders})",
            ids,
        ).fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            f'select count(*) from raw.crm__opportunities where "Id" in ({placeholders})', ids
        ).fetchone()[0]
        > 0
    )


def test_contribution_rows_sum_to_every_pool(warehouse: Warehouse) -> None:
    con = warehouse.connect()
    broken = con.execute(
        """
        select delivery.order_id, delivery.points_pool, sum(contribution.points)
        from marts.fct_order_delivery as delivery
        left join marts.fct_order_contribution as contribution
            on delivery.order_id = contribution.order_id
        where delivery.is_delivered
        group by delivery.order_id, delivery.points_pool
        having sum(contribution.points) is null
            or abs(sum(contribution.points) - delivery.points_pool) > 0.01
        """
    ).fetchall()
    assert not broken
    delivered = con.execute(
        "select count(*) from marts.fct_order_delivery where is_delivered"
    ).fetchone()[0]
    stages = con.execute(
        "select count(distinct order_id || stage) from marts.fct_order_contribution"
    ).fetchone()[0]
    assert delivered > 100 and stages == delivered * 6


def test_customer_regrades_keep_both_grades_in_history(warehouse: Warehouse) -> None:
    changes = warehouse.planted.get("grade_changes")
    if not changes:
        pytest.skip("dataset has no planted grade changes")
    con = warehouse.connect()
    for change in changes:
        history = con.execute(
            "select customer_grade, valid_from_at, valid_to_at "
            "from intermediate.int_customer_grades_historized "
            "where customer_id = ? order by valid_from_at nulls first",
            [change["customer"]],
        ).fetchall()
        grades = [row[0] for row in history]
        assert grades[-2:] == [change["old_grade"], change["new_grade"]]
        assert history[-1][2] is None
        current = con.execute(
            "select customer_grade from marts.dim_customer where customer_id = ?",
            [change["customer"]],
        ).fetchone()[0]
        assert current == change["new_grade"]
