"""Planted defects block publishing and leave the published file byte-identical; a clean
warehouse passes and publishes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from expectations.gate import run_gate
from expectations.publish import GateBlocked, publish
from perfchain.core.published import read_publish_log
from tests.quality.warehouse import DAY, build_warehouse

pytestmark = pytest.mark.slow  # runs the quality gate on planted warehouses


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean run, gated and published: the last good file the defects must not touch."""
    home = tmp_path_factory.mktemp("home")
    warehouse = build_warehouse(home / "warehouse.duckdb")
    target = home / "published" / "perfchain.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        gate = run_gate(con, DAY, run_id="clean", out_dir=home / "quality" / "clean")
        assert gate.passed, gate.summary
        result = publish(con, target, run_id="clean", data_through=DAY, gate=gate)
    assert result.row_counts["fct_order_delivery"] == 72
    return target


def test_clean_run_publishes_and_logs(published: Path) -> None:
    (entry,) = read_publish_log(published)
    assert entry["run_id"] == "clean" and entry["action"] == "publish"
    assert entry["data_through"] == DAY
    assert entry["checks_passed"] > 80 and entry["checks_failed"] == 0
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.kpi_daily").fetchone()[0] == 36


@pytest.mark.parametrize(
    ("defect", "failing_check"),
    [
        ("duplicated_invoice", "fct_order_delivery.invoiced_not_above_ordered"),
        ("duplicated_order_row", "fct_order_delivery.key_unique"),
        ("source_missing_for_day", "kpi_daily.every_source_present_for_the_day"),
        ("negative_quantity_surge", "fct_order_delivery.no_negative_quantity_surge"),
    ],
)
def test_planted_defect_blocks_and_leaves_published_file_identical(
    defect: str, failing_check: str, published: Path, tmp_path: Path
) -> None:
    before = _sha256(published)
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb", (defect,))
    with duckdb.connect(str(warehouse)) as con:
        gate = run_gate(
            con,
            DAY,
            run_id=f"bad-{defect}",
            out_dir=tmp_path / "quality",
            published_path=published,
            logs_dir=tmp_path / "logs",
            # Data Docs once is enough to show they are built; rendering costs seconds.
            docs=defect == "duplicated_invoice",
        )
        assert not gate.passed
        assert failing_check in {f"{c.suite}.{c.name}" for c in gate.blocking_failures}
        with pytest.raises(GateBlocked):
            publish(con, published, run_id=f"bad-{defect}", data_through=DAY, gate=gate)

    assert _sha256(published) == before
    failing = next(c for c in gate.blocking_failures if f"{c.suite}.{c.name}" == failing_check)
    assert 1 <= len(failing.sample_rows) <= 5
    # The report names the check and shows its rows, in the log folder and beside Data Docs.
    summary = (tmp_path / "logs" / "quality-latest.txt").read_text(encoding="utf-8")
    assert "BLOCKED" in summary and failing_check in summary and "row: " in summary
    if defect == "duplicated_invoice":
        assert gate.docs_path is not None and gate.docs_path.exists()
        assert "<html" in gate.docs_path.read_text(encoding="utf-8").lower()
