"""Order 360's data: every system's view of one order, the anchor and the contribution
trace, read from the published file. `perfchain order` prints it and the dashboard shows
it; both read this one function, so they can never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb

TOP_PER_STAGE = 5  # contributors listed per stage; the rest are summed on one line

# Each section: (Chinese title, English title, fields); each field: (zh, en, column).
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    (
        "订单(ERP)",
        "Order (ERP)",
        (
            ("下单日期", "order date", "order_date"),
            ("客户", "customer", "customer_name"),
            ("客户等级", "grade", "customer_grade"),
            ("重点客户", "key account", "is_key_account"),
            ("加急", "urgent", "is_urgent"),
            ("销售员", "salesperson", "salesperson_name"),
            ("行数(已取消)", "lines (cancelled)", "active_line_count"),
            ("订购数量", "ordered qty", "ordered_qty"),
            ("不含税金额(元)", "net amount CNY", "net_amount_cny"),
        ),
    ),
    (
        "合同(CRM)",
        "Contract (CRM)",
        (
            ("合同号", "contract", "contract_number"),
            ("状态", "status", "crm_contract_status"),
            ("客户签约日期", "customer signed", "contract_customer_signed_date"),
        ),
    ),
    (
        "承诺交期",
        "Promise",
        (
            ("首次承诺", "first committed", "first_committed_date"),
            ("承诺交期(锚点)", "promised (anchor)", "promised_date"),
            ("ERP 当前交期", "ERP current", "erp_promised_date"),
            ("客户改期次数", "customer changes", "customer_change_count"),
            ("工厂改期次数", "plant changes", "plant_change_count"),
        ),
    ),
    (
        "生产(MES/QMS)",
        "Production (MES/QMS)",
        (
            ("生产订单数", "production orders", "production_order_count"),
            ("首次生产", "first produced", "first_produced_at"),
            ("产出 / 合格", "produced / good", "produced_qty"),
            ("首检 / 一次合格", "first inspected / passed", "first_inspected_qty"),
        ),
    ),
    (
        "物流口径(WMS:出库)",
        "Logistics view (WMS: shipped out)",
        (
            ("发货单数", "shipments", "shipment_count"),
            ("出库数量", "shipped qty", "shipped_qty"),
            ("全部出库", "shipped complete", "shipped_at"),
        ),
    ),
    (
        "销售口径(客户签收)",
        "Sales view (customer signed)",
        (
            ("签收单数", "proofs of delivery", "proof_of_delivery_count"),
            ("签收数量", "signed qty", "signed_qty"),
            ("全部签收", "signed complete", "sales_completed_at"),
        ),
    ),
    (
        "财务口径(ERP:开票、回款)",
        "Finance view (ERP: invoiced, paid)",
        (
            ("发票数(红字)", "invoices (credit notes)", "invoice_count"),
            ("净开票数量", "net invoiced qty", "net_invoiced_qty"),
            ("净开票金额(元)", "net invoiced CNY", "net_invoiced_amount_cny"),
            ("已回款(元)", "received CNY", "received_amount_cny"),
            ("全部回款", "paid in full", "paid_at"),
        ),
    ),
    (
        "交付锚点(签收 + 开票)",
        "Delivery anchor (signed + invoiced)",
        (
            ("已交付", "delivered", "is_delivered"),
            ("交付锚点时间", "delivered at", "delivered_at"),
            ("准时", "on time", "is_on_time"),
            ("状态", "status", "delivery_status"),
            ("延迟天数", "days late", "days_late"),
            ("对账", "reconciliation", "reconciliation_status"),
        ),
    ),
    (
        "信号(CRM 客诉)",
        "Signals (CRM cases)",
        (
            ("客诉数", "complaints", "complaint_count"),
            ("首个案件", "first case", "first_case_number"),
            ("最慢响应(小时)", "slowest response h", "max_response_hours"),
        ),
    ),
)

# Pairs shown as "a / b" on one line.
PAIRED = {
    "active_line_count": "cancelled_line_count",
    "produced_qty": "good_qty",
    "first_inspected_qty": "first_passed_qty",
    "invoice_count": "credit_note_count",
}


@dataclass(frozen=True)
class TraceRow:
    stage: str
    stage_weight: Decimal | None
    employee_id: str | None
    employee_name: str | None
    recorded_qty: Decimal | None
    points: Decimal | None


@dataclass(frozen=True)
class OrderView:
    order_id: str
    order: dict[str, Any]  # the order's `marts.order_360` row, column → value
    trace: list[TraceRow]  # its `fct_order_contribution` rows, by stage, largest first

    @property
    def points_pool(self) -> Any:
        return self.order.get("points_pool")


def published_order_count(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from marts.order_360").fetchone()[0]


def order_view(con: duckdb.DuckDBPyConnection, order_no: str) -> OrderView | None:
    """The order's 360 row and contribution trace; None when it is not published."""
    cursor = con.execute("select * from marts.order_360 where order_id = ?", [order_no])
    row = cursor.fetchone()
    if row is None:
        return None
    order = dict(zip([d[0] for d in cursor.description], row, strict=True))
    trace = con.execute(
        """
        select contribution.stage, contribution.stage_weight, contribution.employee_id,
            employee.employee_name, contribution.recorded_qty, contribution.points
        from marts.fct_order_contribution as contribution
        left join marts.dim_employee as employee
            on contribution.employee_id = employee.employee_id
        where contribution.order_id = ?
        order by contribution.stage_order, contribution.points desc, contribution.employee_id
        """,
        [order_no],
    ).fetchall()
    return OrderView(order_no, order, [TraceRow(*row) for row in trace])
