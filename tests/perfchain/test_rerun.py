"""An earlier date than the warehouse has reached is refused before anything runs, with the
reason and what to run instead; the newest date and later ones go through."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from click.testing import CliRunner

from perfchain.cli import main
from perfchain.core.errors import PerfchainError
from perfchain.core.settings import Settings, load_settings
from perfchain.pipeline import refuse_earlier_date


def _settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data_through: str) -> Settings:
    config = tmp_path / "perfchain.yaml"
    config.write_text(
        "plant: {code: P01, timezone: Asia/Shanghai}\n"
        f"paths: {{home: {tmp_path / 'home'}}}\n"
        "sources:\n  crm: {base_url: 'http://127.0.0.1:1/crm'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PERFCHAIN_CONFIG", str(config))
    settings = load_settings()
    settings.warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_data_horizons_resolved as select "
            f"timestamptz '{data_through}' as data_through_at, date '2026-02-14' as as_of_date"
        )
    return settings


@pytest.mark.parametrize(
    ("data_through", "run_date", "refused"),
    [
        # The last run was 02-14: its data reach 09:30 on 02-14, Shanghai time.
        ("2026-02-14 09:30:00+08", date(2026, 2, 14), False),
        ("2026-02-14 09:30:00+08", date(2026, 2, 15), False),
        ("2026-02-14 09:30:00+08", date(2026, 2, 13), True),
        # The 02-13 plant day ends at 16:00 UTC: data at 15:59 UTC still belong to it ...
        ("2026-02-13 15:59:00+00", date(2026, 2, 13), False),
        # ... data at its very end do not (the as-of day must end after the newest data).
        ("2026-02-13 16:00:00+00", date(2026, 2, 13), True),
    ],
)
def test_a_date_before_the_warehouse_data_is_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data_through: str,
    run_date: date,
    refused: bool,
) -> None:
    settings = _settings(tmp_path, monkeypatch, data_through)
    if not refused:
        refuse_earlier_date(settings, run_date)
        return
    with pytest.raises(PerfchainError) as raised:
        refuse_earlier_date(settings, run_date)
    assert f"cannot run {run_date}" in str(raised.value)


def test_perfchain_run_refuses_an_earlier_date_up_front_and_says_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch, "2026-02-14 09:30:00+08")
    for args in (["--date", "2026-02-13"], ["--start", "2026-02-10", "--end", "2026-02-20"]):
        result = CliRunner().invoke(main, ["run", *args])
        assert result.exit_code == 2, result.output
        first = args[1]
        assert f"cannot run {first}: the warehouse already holds data through " in result.output
        assert "2026-02-14 09:30 plant time (its last build was as of 2026-02-14)" in result.output
        assert "perfchain run --date 2026-02-14" in result.output
        assert f"perfchain run --start 2026-01-01 --end {first}" in result.output
        assert "Traceback" not in result.output
    # Refused before anything ran: no Dagster run, no run log.
    assert not (settings.home / "dagster").exists()
    assert not settings.logs_dir.exists() or not any(settings.logs_dir.iterdir())


def test_no_warehouse_or_no_build_yet_is_not_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(tmp_path, monkeypatch, "2026-02-14 09:30:00+08")
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("drop table intermediate.int_data_horizons_resolved")
    refuse_earlier_date(settings, date(2026, 1, 2))
    settings.warehouse_path.unlink()
    refuse_earlier_date(settings, date(2026, 1, 2))


def test_perfchain_run_refuses_dates_outside_the_history_and_a_full_refresh_that_extracts_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A date before schedule.history_start, one that has not ended in the plant, and
    `--full-refresh` with `--extract-only` are refused before anything runs."""
    settings = _settings(tmp_path, monkeypatch, "2026-02-14 09:30:00+08")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    yesterday = today - timedelta(days=1)
    for args, message in (
        (
            ["--date", "2025-12-31"],
            "2025-12-31 is not a plant date the job can run: dates start at 2026-01-01",
        ),
        (
            ["--date", today.isoformat()],
            f"{today} is not a plant date the job can run: dates start at 2026-01-01 "
            f"(schedule.history_start in perfchain.yaml) and end yesterday in the plant's "
            f"time zone ({yesterday})",
        ),
        (
            ["--date", "2026-02-14", "--full-refresh", "--extract-only"],
            "--full-refresh rebuilds the models: it cannot go with --extract-only",
        ),
    ):
        result = CliRunner().invoke(main, ["run", *args])
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not (settings.home / "dagster").exists()
