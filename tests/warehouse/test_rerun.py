"""After a build of the demo's last day (2026-02-14), re-running 2026-02-13 on that
warehouse is refused up front (SPEC §7: a re-run must give the date's marts, which this
warehouse can no longer give), naming the reason and what to run instead."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from perfchain.core.errors import PerfchainError
from perfchain.core.settings import load_settings
from perfchain.pipeline import refuse_earlier_date
from tests.warehouse.conftest import Warehouse


def test_rerunning_the_day_before_the_last_build_is_refused(
    warehouse: Warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    settings = load_settings()
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(warehouse.path, settings.warehouse_path)
    with warehouse.connect() as con:
        last = con.execute("select as_of_date from intermediate.int_data_horizons_resolved")
        assert last.fetchone()[0] == date(2026, 2, 14)

    refuse_earlier_date(settings, date(2026, 2, 14))
    with pytest.raises(PerfchainError) as raised:
        refuse_earlier_date(settings, date(2026, 2, 13))
    message = str(raised.value)
    assert message.startswith("cannot run 2026-02-13: the warehouse already holds data through")
    assert "perfchain run --date 2026-02-14" in message
