"""`perfchain run` night by night on the demo factory into the Spring Festival shutdown:
a working day publishes, the next working day with a silent source blocks, and the first
shutdown day (a Sunday without a single scheduled shift) publishes (SPEC 7).

The factory runs from 2026-01-01 for 46 days, through Sunday 2026-02-15, the first day of
the shutdown (Spring Festival 2026-02-17; the plant closes two days before).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from perfchain.core.published import read_publish_log
from perfchain.core.settings import Settings, load_settings
from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import RunFailed, run_pipeline
from simulator.server import SimulatorServer
from tests.conftest import DEMO_SEED, DEMO_START

DAYS = 46
FRIDAY, SATURDAY, SUNDAY = date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 15)


@pytest.fixture(scope="module")
def factory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.generator import generate

    out = tmp_path_factory.mktemp("shutdown_factory")
    generate(out, scale="s", seed=DEMO_SEED, start=DEMO_START, days=DAYS, progress=False)
    return out


@pytest.fixture(scope="module")
def server(factory: Path) -> Iterator[SimulatorServer]:
    with SimulatorServer(factory, host="127.0.0.1", port=0) as running:
        yield running


@pytest.fixture
def settings(
    server: SimulatorServer, factory: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    use_demo_credentials()
    base = load_settings()
    urls = {name: server.url(name) for name in base.sources}
    return point_at_simulator(base, urls, factory / "excel")


def _scheduled(factory: Path, day: date) -> int:
    with (factory / "hr" / "shift_schedules.csv").open(encoding="utf-8") as rows:
        return sum(1 for row in csv.DictReader(rows) if row["work_date"] == day.isoformat())


@pytest.mark.slow
def test_a_shutdown_sunday_publishes_and_a_silent_source_on_a_working_day_blocks(
    server: SimulatorServer, factory: Path, settings: Settings
) -> None:
    assert _scheduled(factory, SATURDAY) > 0 and _scheduled(factory, SUNDAY) == 0
    sources = sorted(settings.sources)

    # Friday, a working day, every source: published.
    server.set_as_of(FRIDAY)
    run_pipeline(settings, [FRIDAY], show_progress=False)
    before = settings.published_path.read_bytes()

    # Saturday, a working day, with QMS silent (not extracted): blocked, nothing published.
    server.set_as_of(SATURDAY)
    with pytest.raises(RunFailed) as blocked:
        run_pipeline(
            settings,
            [SATURDAY],
            sources=[name for name in sources if name != "qms"],
            show_progress=False,
        )
    assert "quality_gate" in str(blocked.value)
    summary = (settings.logs_dir / "quality-latest.txt").read_text(encoding="utf-8")
    # The one blocking failure names the source and the day; QMS had rows on each of the
    # four Saturdays before (01-17, 01-24, 01-31, 02-07), all working days.
    assert "1 blocking failure(s)" in summary
    assert "kpi_daily.every_source_present_for_the_day" in summary
    assert "row: source_entity=qms.inspections, missing_date=2026-02-14" in summary
    assert "same_weekdays_with_rows=4" in summary
    assert settings.published_path.read_bytes() == before

    # Sunday, the first shutdown day: no shift, no production, no inspection. Every source
    # is extracted again (QMS catches up on Saturday); the marts hold Saturday, the last
    # working day, and nothing is owed for Sunday. Published.
    server.set_as_of(SUNDAY)
    run_pipeline(settings, [SUNDAY], show_progress=False)

    log = read_publish_log(settings.published_path)
    assert [(entry["action"], entry["data_through"]) for entry in log] == [
        ("publish", FRIDAY),
        ("publish", SUNDAY),
    ]
