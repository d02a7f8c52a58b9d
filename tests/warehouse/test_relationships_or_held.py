"""A relationship that knows about quarantine (`held`: the staging models' warnings in
tests/generic/group_rules.sql, as tests/generic/relationships_or_held.sql for the marts):
an order whose customer is held open in quarantine is not an orphan; an order whose
customer is neither loaded nor held is, and so is the held customer's order once the hold
is released without the customer loading."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from extractors.landing.raw import ensure_meta
from tests.warehouse.conftest import DbtRun, Warehouse, run_dbt

# The ERP staging models' warnings: the orders' customer and the order lines' orders and
# products, which this test leaves whole.
TEST = "staging_relationships_erp"
SELECT = ["--select", TEST]


def _outcome(run: DbtRun) -> list[tuple[str, int]]:
    """Status and failing rows of the ERP staging warnings."""
    return [(r["status"], r["failures"]) for r in run.results if TEST in r["unique_id"]]


def test_a_child_of_a_held_parent_passes_and_a_child_of_an_unknown_parent_fails(
    warehouse: Warehouse, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse.path, db)
    with duckdb.connect(str(db)) as con:
        ensure_meta(con)
        # The customer with the fewest orders (at least one), spoiled in transit: none of
        # its versions loaded, it is held in quarantine under its key.
        held, orders = con.execute(
            "select custcode, count(distinct code) from raw.erp__sale_orders "
            "group by custcode order by 2, 1 limit 1"
        ).fetchone()
        assert orders >= 1
        con.execute("delete from raw.erp__customers where code = ?", [held])
        con.execute(
            "insert into raw._quarantine (source, entity, batch_id, reason, payload, record_key) "
            "values ('erp', 'customers', 'b1', 'modifytime: not a ts_local: x', '{}', ?)",
            [held],
        )
        # An order pointing at a customer no source ever had: a real orphan.
        con.execute(
            "insert into raw.erp__sale_orders select * replace ('NO-SUCH-CUSTOMER' as custcode, "
            "code || '-X' as code) from raw.erp__sale_orders where custcode <> ? limit 1",
            [held],
        )

    run = run_dbt(db, tmp_path, "test", *SELECT)
    assert _outcome(run) == [("warn", 1)], run.output

    # Released without a good version (here by hand): the held customer's orders are
    # orphans again, one failing row each, beside the unknown customer's order.
    with duckdb.connect(str(db)) as con:
        con.execute("update raw._quarantine set released_at = current_timestamp")
    run = run_dbt(db, tmp_path, "test", *SELECT)
    assert _outcome(run) == [("warn", 1 + orders)], run.output
