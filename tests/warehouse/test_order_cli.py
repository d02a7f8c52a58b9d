"""`perfchain order`: the order 360 a user reads, from the published file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from expectations.publish import publish
from expectations.results import GateResult
from perfchain.cli import main
from tests.warehouse.conftest import Warehouse

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def home(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    home = tmp_path_factory.mktemp("order-home")
    day = date(2026, 2, 14)
    publish(
        warehouse.path,
        home / "published" / "perfchain.duckdb",
        run_id="order-cli",
        data_through=day,
        gate=GateResult("order-cli", day, []),
    )
    return home


def test_order_360_shows_every_view_the_anchor_and_the_trace(warehouse, home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    order = warehouse.planted["invoiced_before_signed"]["order"]
    with warehouse.connect() as con:
        delivered_at, pool, on_time = con.execute(
            "select delivered_at, points_pool, is_on_time from marts.fct_order_delivery where order_id = ?",
            [order],
        ).fetchone()
    result = CliRunner().invoke(main, ["order", order])
    assert result.exit_code == 0, result.output
    out = result.output
    for section in (
        "Order (ERP)",
        "Contract (CRM)",
        "Promise",
        "Logistics view",
        "Sales view",
        "Finance view",
        "Delivery anchor",
        "Contribution trace",
    ):
        assert section in out
    # The anchor in plant time: the signature, which came after the invoice.
    local = delivered_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    assert f"delivered at              {local}" in out
    assert f"on time                   {'yes' if on_time else 'no'}" in out
    # The trace sums to the pool.
    total_line = [line for line in out.splitlines() if line.strip().startswith("total")][-1]
    assert Decimal(total_line.split()[-1].replace(",", "")) == pool.quantize(Decimal("0.01"))


def test_an_unknown_order_is_a_clear_error(home, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    result = CliRunner().invoke(main, ["order", "SO-NOPE"])
    assert result.exit_code == 2
    assert "order SO-NOPE is not in the published marts" in result.output
    assert "Traceback" not in result.output
