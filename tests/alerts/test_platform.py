"""Platform alerts (SPEC §8.6) over real HTTP against the simulator's robots: a stale
source alerts once and resolves once; a failed micro-batch sends one message, whoever
reports it; a blocked quality gate sends one message naming the failing check."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from alerts.channels import RateLimiter
from alerts.dispatch import dispatch
from alerts.platform import GATE_RULE, RUN_RULE, platform_key, queue_stale_sources
from expectations.gate import run_gate
from extractors.landing.raw import ensure_meta
from orchestration.defs.alerts.platform import report_failed_run
from perfchain.core.settings import Settings, load_settings
from perfchain.demo import point_at_simulator, use_demo_credentials
from perfchain.pipeline import RunFailed, run_signals
from tests.alerts.support import DUE_COLUMNS, Robots, alert_settings, demo_environ, free_port
from tests.quality.warehouse import DAY, build_warehouse
from tests.warehouse.conftest import run_dbt

pytestmark = pytest.mark.slow  # dbt builds the freshness model; a micro-batch runs

# 2026-03-04, plant time = UTC + 8: the day shift 08:00-20:00 runs 00:00-12:00 UTC.
SHIFT_DAY = "2026-03-04"


def _limiters() -> dict[str, RateLimiter]:
    return {"wecom": RateLimiter(), "dingtalk": RateLimiter()}


def _texts(robots: Robots) -> list[str]:
    return [call["body"]["markdown"]["content"] for call in robots.received("wecom")]


@pytest.fixture(scope="module")
def freshness_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse where dbt built stg_extract__batches and int_platform_sources_freshness
    (views: they read raw._batches and the as-of moment each time). The models they read
    from HR and the horizon are stand-in tables holding one day shift and the as-of
    moment, which the test moves as a batch would (int_data_horizons_resolved.as_of_at)."""
    root = tmp_path_factory.mktemp("freshness")
    path = root / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_meta(con)
        con.execute("create schema intermediate")
        con.execute("create schema staging")
        con.execute(
            "create table intermediate.int_data_horizons_resolved (horizon_id integer, "
            "data_through_at timestamptz, as_of_date date, as_of_end_at timestamptz, "
            "as_of_at timestamptz, batches_through_at timestamptz)"
        )
        con.execute("insert into intermediate.int_data_horizons_resolved (horizon_id) values (1)")
        con.execute(
            "create table staging.stg_hr__shift_schedules (work_date date, team_id varchar, "
            "shift_code varchar)"
        )
        con.execute(
            f"insert into staging.stg_hr__shift_schedules values ('{SHIFT_DAY}', 'T1', 'D')"
        )
        con.execute(
            "create table staging.stg_hr__shifts (shift_code varchar, start_time varchar, "
            "end_time varchar, planned_break_minutes integer)"
        )
        con.execute("insert into staging.stg_hr__shifts values ('D', '08:00', '20:00', 60)")
        columns = ", ".join(f'"{name}" {kind}' for name, kind in DUE_COLUMNS.items())
        con.execute(f"create table intermediate.int_alert_messages_due ({columns})")
    build = run_dbt(
        path, root, "run", "--select", "stg_extract__batches int_platform_sources_freshness"
    )
    assert build.returncode == 0, build.output[-3000:]
    return path


@pytest.fixture
def warehouse(freshness_built: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(freshness_built, path)
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'UTC'")
        yield con


def _land(con: duckdb.DuckDBPyConnection, source: str, through: str, batch: str) -> None:
    """A batch of `source` that read through `through` (UTC), as the load records it."""
    con.execute(
        "insert into raw._batches (source, entity, batch_id, rows_loaded, rows_quarantined, "
        "extracted_at, window_until) values (?, 'e', ?, 1, 0, ?::timestamptz, ?::timestamptz)",
        [source, batch, f"{through}+00", f"{through}+00"],
    )


def _batch(con: duckdb.DuckDBPyConnection, settings: Settings, at: datetime) -> tuple[int, Any]:
    """What the dispatch asset does at a batch's moment: stale sources, then dispatch."""
    con.execute(
        "update intermediate.int_data_horizons_resolved set as_of_at = ?::timestamptz",
        [f"{at:%Y-%m-%d %H:%M:%S}+00"],
    )
    queued = queue_stale_sources(con, at, settings)
    return queued, dispatch(con, at, settings, environ=demo_environ(), limiters=_limiters())


def test_a_stale_source_alerts_once_and_resolves(
    warehouse: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    settings = alert_settings(robots.base)
    con = warehouse
    # MES (30 min during shifts) read through 09:00 plant time; ERP (26 h) through the end
    # of the day before.
    _land(con, "mes", "2026-03-04 01:00:00", "m1")
    _land(con, "erp", "2026-03-03 16:00:00", "e1")

    # 09:15: MES 15 min behind, ERP 75 min: fresh, nothing sent.
    queued, sent = _batch(con, settings, datetime(2026, 3, 4, 1, 15))
    assert (queued, sent.sent) == (0, 0) and robots.received() == []

    # 09:45: MES 45 min behind, a shift running: one message to the platform robot.
    queued, sent = _batch(con, settings, datetime(2026, 3, 4, 1, 45))
    assert (queued, sent.sent, sent.posts) == (1, 1, 1)
    (text,) = _texts(robots)
    assert "### 【平台告警】数据源 mes 数据滞后" in text
    assert "> 数据截至 2026-03-04 09:00（工厂时间），已落后 45 分钟，允许 30 分钟（班次内）" in text
    # Due when it became stale: 09:00 + 30 min.
    assert "> 时间：2026-03-04 09:30" in text
    assert "erp" not in text and "接收人" not in text

    # 10:00 and 10:15: still stuck at 09:00, the same episode: nothing more.
    for minute in (0, 15):
        queued, sent = _batch(con, settings, datetime(2026, 3, 4, 2, minute))
        assert (queued, sent.sent) == (0, 0)
    assert len(robots.received()) == 1

    # A batch lands MES through 10:30: current again, said once.
    _land(con, "mes", "2026-03-04 02:30:00", "m2")
    queued, sent = _batch(con, settings, datetime(2026, 3, 4, 2, 30))
    assert (queued, sent.sent) == (1, 1)
    texts = _texts(robots)
    assert len(texts) == 2
    assert "### 【平台告警】数据源 mes 已恢复" in texts[1]
    assert "数据截至 2026-03-04 10:30（工厂时间），此前停在 2026-03-04 09:00" in texts[1]
    for minute in (45, 50):
        queued, sent = _batch(con, settings, datetime(2026, 3, 4, 2, minute))
        assert (queued, sent.sent) == (0, 0)
    assert len(robots.received()) == 2

    # A replay of 09:45 finds the same episode: its key is in the outbox, nothing is sent.
    queued, sent = _batch(con, settings, datetime(2026, 3, 4, 1, 45))
    assert (queued, sent.sent) == (0, 0) and len(robots.received()) == 2
    states = con.execute(
        "select rule_id, level, state from alerts.outbox order by created_at"
    ).fetchall()
    assert states == [
        ("platform.stale_source", 0, "sent"),
        ("platform.source_fresh", 0, "sent"),
    ]


def test_outside_shifts_a_quiet_mes_is_not_stale_and_english_on_request(
    warehouse: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    con = warehouse
    _land(con, "mes", "2026-03-04 12:00:00", "m1")  # 20:00 plant time, the shift's end
    # 23:00 plant time: 3 h behind, but no shift runs: not judged.
    queued, _ = _batch(con, alert_settings(robots.base), datetime(2026, 3, 4, 15, 0))
    assert queued == 0
    # An HR source watched always, 26 h: stale at 02:01 plant time two days later.
    _land(con, "hr", "2026-03-04 16:00:00", "h1")
    english = alert_settings(robots.base, lang="en")
    queued, sent = _batch(con, english, datetime(2026, 3, 5, 18, 1))
    assert (queued, sent.sent) == (1, 1)
    (text,) = _texts(robots)
    assert "### [Platform alert] Source hr is stale" in text
    assert "data through 2026-03-05 00:00 (plant time), 1561 min behind, 1560 min allowed" in text


def _failing_settings(robots: Robots, home: Path) -> Settings:
    """The demo configuration in `home`, every source at a closed port, the platform
    robots at the simulator."""
    dead = free_port()
    base = load_settings()
    pointed = point_at_simulator(
        base, {name: f"http://127.0.0.1:{dead}/{name}" for name in base.sources}, home / "excel"
    )
    raw = pointed.model_dump(mode="json")
    raw["paths"]["home"] = str(home)
    raw["extract"].update(unreachable_seconds=1, max_attempts=1, timeout_seconds=2)
    raw["alerts"]["wecom"] = {"base_url": f"{robots.base}/wecom", "robots": ["plant"]}
    raw["alerts"]["dingtalk"] = {"base_url": f"{robots.base}/dingtalk", "robots": ["plant"]}
    return Settings.model_validate(raw)


def test_a_failed_micro_batch_sends_one_message(
    robots: Robots,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    (home / "excel").mkdir(parents=True)
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    monkeypatch.delenv("PERFCHAIN_CONFIG", raising=False)
    use_demo_credentials()
    for name, value in demo_environ().items():
        monkeypatch.setenv(name, value)
    settings = _failing_settings(robots, home)
    at = datetime.now().astimezone() - timedelta(minutes=5)

    with pytest.raises(RunFailed) as failed:
        run_signals(settings, at, show_progress=False)

    # The error stays the run's; what the platform channel got is its own line after it.
    assert "platform alert" not in str(failed.value)
    assert "platform alert (wecom): 1 queued, 1 sent in 1 message(s)" in capsys.readouterr().err
    (text,) = _texts(robots)
    assert "### 【平台告警】运行失败：signals_job（" in text
    assert "> 原因：raw__" in text and "source unreachable" in text, text
    assert "Run log:" not in text and "> 日志：" in text
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ((run_id, rule),) = con.execute(
            "select alert_id, rule_id from alerts.outbox where level = 0"
        ).fetchall()
    assert rule == RUN_RULE and run_id in text

    # The run-failure sensor (a daemon watching the same instance) reports the same run:
    # its key is there, nothing is sent again.
    lines = report_failed_run(
        settings,
        run_id=run_id,
        job="signals_job",
        what=at.isoformat(),
        reason="seen by the sensor",
        hold_writer=True,
        environ=demo_environ(),
        limiters=_limiters(),
    )
    assert lines[0].startswith("platform alert (wecom): 0 queued, 0 sent")
    assert len(robots.received()) == 1


def test_a_blocked_gate_sends_one_message_naming_the_failing_check(
    robots: Robots, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    settings = alert_settings(robots.base)
    home.mkdir()
    warehouse = build_warehouse(settings.warehouse_path, ("duplicated_invoice",))
    run_id = "night-blocked"
    with duckdb.connect(str(warehouse)) as con:
        gate = run_gate(con, DAY, run_id=run_id, out_dir=home / "quality" / run_id, docs=False)
    assert not gate.passed

    for _ in range(2):  # perfchain run's error path, then the sensor: one message
        lines = report_failed_run(
            settings,
            run_id=run_id,
            job="nightly_job",
            what=DAY.isoformat(),
            reason="quality_gate: blocking checks failed",
            environ=demo_environ(),
            limiters=_limiters(),
        )
        assert not any("error" in line for line in lines), lines
    (text,) = _texts(robots)
    assert f"### 【平台告警】质量门禁拦截，未发布：nightly_job（{DAY.isoformat()}）" in text
    assert "fct_order_delivery.invoiced_not_above_ordered" in text
    assert "原因" not in text  # the checks, not the step's error
    with duckdb.connect(str(warehouse)) as con:
        assert con.execute(
            "select message_key, rule_id, state from alerts.outbox where level = 0"
        ).fetchall() == [(platform_key("run", run_id), GATE_RULE, "sent")]


def test_without_a_platform_robot_a_failed_run_pages_no_one() -> None:
    raw = load_settings().model_dump(mode="json")
    raw["alerts"]["wecom"]["robots"] = []
    settings = Settings.model_validate(raw)
    assert settings.alerts.platform_channel == "wecom"
    assert report_failed_run(settings, run_id="r1", job="nightly_job", what="x", reason="y") == []
