"""Business rules on the sources block the nightly build and name the record to fix.

A new version of an order line with quantity -300 (the order's quantity halved, its net
amount cut) and a blue invoice line with a negative quantity are planted in a copy of the
demo warehouse; the dbt asset's build fails, and the run's failure message (the one
`perfchain run` prints) names the order code and line, the invoice and their values. The
demo's red invoices (credit notes, negative by design) are not named.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.as_of import AsOfResource
from orchestration.defs.ingest.resources import build_warehouse
from orchestration.defs.warehouse.assets import build_dbt_assets, build_dbt_resource
from orchestration.defs.warehouse.project import write_profile
from perfchain.core.settings import Settings, load_settings
from perfchain.pipeline import _failure
from tests.warehouse.conftest import Warehouse

pytestmark = pytest.mark.slow  # runs dbt on a warehouse

DAY = date(2026, 2, 14)  # the demo factory's last day (tests/conftest.py)
ORDER_LINES = dg.AssetKey(["staging", "stg_erp__sale_order_lines"])
INVOICES = dg.AssetKey(["staging", "stg_erp__sale_invoices"])


@pytest.fixture
def settings(warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    settings = load_settings()
    shutil.copy(warehouse.path, settings.warehouse_path)
    return settings


def _build(settings: Settings) -> dg.ExecuteInProcessResult:
    models = build_dbt_assets(
        settings.plant.code,
        settings.plant.timezone,
        settings.home / "dbt" / "runs",
        history_start=settings.schedule.history_start,
    )
    return dg.materialize(
        [models],
        selection=[ORDER_LINES, INVOICES],
        resources={
            "dbt": build_dbt_resource(str(write_profile(settings))),
            "warehouse": build_warehouse(settings),
            "as_of": AsOfResource(as_of_date=DAY.isoformat()),
        },
        raise_on_error=False,
    )


def test_negative_quantities_block_the_build_and_the_message_names_the_records(
    settings: Settings, warehouse: Warehouse
) -> None:
    credit_note_order = warehouse.planted["credit_note"]["order"]
    with duckdb.connect(str(settings.warehouse_path)) as con:
        # The order line to break: the first line of the first order, as last versioned.
        code, rowno, quantity, price = con.execute(
            "select code, rowno, quantity, price from raw.erp__sale_order_lines "
            "qualify row_number() over (partition by code, rowno order by modifytime desc) = 1 "
            "order by code, rowno limit 1"
        ).fetchone()
        assert quantity > 0
        # A new version: quantity -300, amounts consistent with it (only the sign is wrong).
        con.execute(
            "insert into raw.erp__sale_order_lines "
            "select * replace (-300 as quantity, -300 * price as money, "
            "round(-300 * price * 0.13, 2) as tax, "
            "-300 * price + round(-300 * price * 0.13, 2) as sum, "
            "modifytime + interval 1 hour as modifytime) "
            "from raw.erp__sale_order_lines where code = ? and rowno = ? "
            "order by modifytime desc limit 1",
            [code, rowno],
        )
        # A blue invoice may not be negative: a copy of a credit-note line, typed blue.
        red = con.execute(
            "select code, rowno, quantity from raw.erp__sale_invoices "
            "where invoice_type = 'red' and socode = ?",
            [credit_note_order],
        ).fetchall()
        assert red and all(line[2] < 0 for line in red)  # the demo's credit note stands
        con.execute(
            "insert into raw.erp__sale_invoices "
            "select * replace ('BLUE-NEG' as code, 'blue' as invoice_type) "
            "from raw.erp__sale_invoices where code = ? and rowno = ?",
            [red[0][0], red[0][1]],
        )

    result = _build(settings)

    assert not result.success
    message = _failure(result, settings.logs_dir / "run.log")
    # The step, then each failed test by name with its rows (the terminal shows this).
    assert message.startswith("warehouse_models: ")
    # The ERP staging models' rules are one test (tests/generic/group_rules.sql).
    assert "dbt test staging_rules_erp: 2 failing row(s)" in message
    assert "model_name=stg_erp__sale_order_lines" in message
    assert "model_name=stg_erp__sale_invoices" in message
    order_line = next(line for line in message.splitlines() if f"order_id={code}" in line)
    assert "broken_rule=ordered_qty_not_negative" in order_line
    assert f"line_no={rowno}" in order_line and "ordered_qty=-300" in order_line
    assert f"net_amount_cny={-300 * price:.4f}" in order_line
    invoice = next(line for line in message.splitlines() if "invoice_id=BLUE-NEG" in line)
    assert "broken_rule=blue_invoice_quantity_not_negative" in invoice
    assert f"invoiced_qty={red[0][2]}" in invoice
    # One failing row per broken record: the credit note's own red lines are not named.
    assert message.count("broken_rule=") == 2
    assert f"invoice_id={red[0][0]}," not in message
