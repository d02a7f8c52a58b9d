"""The published data contract (SPEC §6): each mart's grain, key and required columns,
with the business definition of each column.

The gate checks the columns against it and publishing writes the definitions as
`COMMENT ON` so a BI tool shows them. Comments the dbt models already carry in the
working warehouse take precedence; these are the fallback and the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MartContract:
    name: str
    grain: str
    description: str
    key: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)  # column → business definition


def _dim(entity: str, label: str) -> MartContract:
    return MartContract(
        f"dim_{entity}",
        f"one row per {label}",
        f"{label.capitalize()} dimension.",
        (f"{entity}_id",),
        {f"{entity}_id": f"{label.capitalize()} key."},
    )


_CONTRACTS = (
    _dim("date", "calendar date"),
    _dim("employee", "employee"),
    _dim("team", "team"),
    _dim("customer", "customer"),
    _dim("machine", "machine"),
    _dim("product", "product"),
    MartContract(
        "fct_order_delivery",
        "one row per order",
        "Sales orders with the unified delivery anchor (SPEC 5.1) and the departmental views.",
        ("order_id",),
        {
            "order_id": "Sales order key (the ERP sales order code).",
            "customer_id": "Customer key.",
            "promised_date": "First committed date, moved only by a customer-requested change.",
            "first_committed_date": "Date first committed to the customer.",
            "delivered_at": "First moment (UTC) at which, for every non-cancelled line, "
            "the customer-signed and the invoiced quantity both reached the ordered quantity.",
            "is_delivered": "True once delivered_at is set.",
            "is_on_time": "Delivered and the plant-local date of delivered_at <= promised_date.",
            "points_pool": "Contribution points: net amount excluding tax / 1,000 x weight.",
            "sales_completed_at": "Sales view: customer signed.",
            "shipped_at": "Logistics view: shipped out of the warehouse.",
            "paid_at": "Finance view: payment received.",
        },
    ),
    MartContract(
        "fct_order_contribution",
        "one row per order x stage x employee",
        "Who contributed to each delivered order (SPEC 5.2); rows of an order sum to its pool.",
        ("order_id", "stage", "employee_id"),
        {
            "order_id": "Sales order key.",
            "stage": "Stage of the order's life: sales, planning & procurement, production, "
            "quality, warehouse & logistics, invoicing.",
            "employee_id": "Employee credited; null = unattributed (no employee recorded).",
            "points": "Points credited: pool x stage weight x the employee's share of the stage.",
        },
    ),
    MartContract(
        "fct_team_quality_hourly",
        "one row per team x hour",
        "Team quality, three rates and one efficiency (SPEC 5.3); roll up by summing components.",
        ("team_id", "hour_at"),
        {
            "team_id": "Team key.",
            "hour_at": "Start of the hour (UTC).",
            "first_pass_yield": "Units good at first inspection / units first-inspected.",
            "rework_rate": "Units reworked / units produced.",
            "downtime_rate": "Unplanned downtime minutes / planned production minutes.",
            "output_per_head": "Standard hours earned by good units / attended labour hours.",
        },
    ),
    MartContract(
        "fct_oee_shift",
        "one row per machine x shift",
        "OEE per ISO 22400-2 (SPEC 5.4); roll-ups sum components and divide once.",
        ("machine_id", "shift_date", "shift_code"),
        {
            "machine_id": "Machine key.",
            "shift_date": "Plant-local date the shift starts.",
            "shift_code": "Shift code.",
            "unknown_minutes": "Shift minutes left out: plant hours with unknown machine state.",
            "unknown_from_at": "First instant of the shift with unknown machine state.",
            "unknown_until_at": "End of the shift's last unknown machine-state time.",
            "data_coverage": "Share of the shift the components cover (1 = all known).",
            "planned_busy_minutes": "Shift time - unknown time - planned stops.",
            "run_minutes": "Planned busy time - unplanned downtime.",
            "ideal_minutes": "Ideal cycle time x produced quantity.",
            "produced_qty": "Units produced.",
            "good_qty": "Units good.",
            "availability": "run_minutes / planned_busy_minutes.",
            "performance": "ideal_minutes / run_minutes.",
            "quality": "good_qty / produced_qty.",
            "oee": "availability x performance x quality.",
        },
    ),
    MartContract(
        "fct_signal_response",
        "one row per signal",
        "Signals (complaints, escalations, internal alerts) and the first response (SPEC 5.5).",
        ("signal_id",),
        {
            "signal_id": "Signal key.",
            "signal_at": "When the signal happened (UTC).",
            "first_action_at": "First linked internal action after the signal (UTC).",
            "response_hours": "first_action_at - signal_at, in hours.",
            "is_auto_triggered": "The action was triggered by perfchain itself.",
        },
    ),
    MartContract(
        "kpi_daily",
        "one row per date x scope x kpi",
        "KPI health (SPEC 5.7): value, numerator, denominator, target and status.",
        ("kpi_date", "scope_type", "scope_id", "kpi_code"),
        {
            "kpi_date": "Plant-local date.",
            "scope_type": "Scope kind (plant, line, team, ...).",
            "scope_id": "Scope key.",
            "kpi_code": "KPI code.",
            "value": "numerator / denominator for ratio KPIs; null when the denominator is 0.",
            "numerator": "Numerator summed from components.",
            "denominator": "Denominator summed from components.",
            "target": "Target from the targets workbook.",
            "status": "green | yellow | red from the configured thresholds.",
        },
    ),
    MartContract(
        "kpi_period",
        "one row per period type x period end x scope x kpi",
        "KPIs of the ISO week and the calendar month to each date (SPEC 5.6): the period's own "
        "numerator and denominator, whatever day each side fell on.",
        ("period_type", "period_end", "scope_type", "scope_id", "kpi_code"),
        {
            "period_type": "week (ISO, from Monday) | month.",
            "period_start": "First plant-local date of the period.",
            "period_end": "Last plant-local date counted: the row is the period to this date.",
            "is_latest": "The row holding the whole period (its last day, or the as-of date).",
            "scope_type": "Scope kind (plant, line, team, ...).",
            "scope_id": "Scope key.",
            "kpi_code": "KPI code.",
            "value": "numerator / denominator of the period; null when the denominator is 0.",
            "numerator": "The period's numerator, from its own facts.",
            "denominator": "The period's denominator, from its own facts.",
            "target": "Target in force on period_end.",
            "status": "green | yellow | red from the thresholds in force on period_end.",
        },
    ),
    MartContract(
        "order_360",
        "one row per order",
        "Every system's view of one order in one wide row.",
        ("order_id",),
        {"order_id": "Sales order key."},
    ),
)

CONTRACTS: dict[str, MartContract] = {contract.name: contract for contract in _CONTRACTS}

PUBLISH_LOG_COLUMNS: dict[str, str] = {
    "run_id": "Run that wrote this row (a nightly run id, or rollback-<time>).",
    "action": "publish | rollback.",
    "published_at": "When the file was put in place (UTC).",
    "data_through": "Last plant-local date the marts hold.",
    "checks_passed": "Number of quality checks that passed.",
    "checks_failed": "Number of warning checks that failed (blocking failures never publish).",
    "checks": "Each check: suite, name, severity, status; a failed (warning) check also "
    "its reason, what was observed (or the error) and up to five sample rows.",
    "row_counts": "Rows per mart, as JSON.",
    "file_name": "History file holding this content (published/history/).",
}
