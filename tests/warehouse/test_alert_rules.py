"""The alert models (SPEC 8, dbt_project/models/intermediate/alerts) on the demo factory with
rules landed: they build with the R1-R4 rules of SPEC 8.1, a second build at the same
moment names the same messages, a batch's as-of moment bounds every window, and a rule
perfchain cannot evaluate is an error naming its workbook row. The definitions themselves
are pinned by the dbt unit tests beside the models (hand-computed rows)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import DbtRun, Warehouse, run_dbt

pytestmark = pytest.mark.slow  # copies the demo warehouse and runs dbt

RULE_COLUMNS = (
    "rule_id, name, scope_type, condition, kpi_code, comparator, threshold, window, windows, "
    "level1_role, cc_role, channels, actions, source_file, source_row"
)
DEMO_RULES = [
    ("R1", "订单工序延误", "order", "order_step_late", None, ">", 4, "hour", 1, "step_owner",
     "supervisor", "wecom", "oa_task:step_owner:交期偏差处理", "targets.xlsx", 2),
    ("R2", "首检合格率低", "team", "kpi", "fpy", "<", 0.925, "hour", 2, "team_lead", None,
     "wecom,dingtalk", "message:team_lead:首检合格率预警; "
     "oa_task:line_quality_engineer:快速根因分析清单; "
     "email_task:production_planner:临时工艺参数复核", "targets.xlsx", 3),
    ("R3", "设备非计划停机", "machine", "unplanned_stops", None, ">=", 3, "day", 1,
     "maintenance_lead", None, "dingtalk", "oa_task:maintenance_lead:技能缺口诊断问卷",
     "targets.xlsx", 4),
    ("R4", "客诉", "customer", "crm_case_opened", None, None, None, "hour", 1, "account_owner",
     "quality_manager", "wecom,email", "oa_task:account_owner:客诉响应", "targets.xlsx", 5),
]  # fmt: skip


@dataclass(frozen=True)
class Copy:
    path: Path
    work: Path

    def build(self, *args: str) -> DbtRun:
        return run_dbt(self.path, self.work, "build", *args)

    def rows(self, sql: str) -> list[tuple]:
        con = duckdb.connect(str(self.path), read_only=True)
        try:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql).fetchall()
        finally:
            con.close()


def _land_rules(db: Path, rules: list[tuple]) -> None:
    """raw.excel__alert_rules as the Excel extractor lands a sheet: one batch, typed, every
    column of the sheet (ALERTS_DESIGN), the optional ones left empty here."""
    con = duckdb.connect(str(db))
    try:
        con.execute("drop table if exists raw.excel__alert_rules")
        con.execute(
            """
            create table raw.excel__alert_rules (
                rule_id varchar, name varchar, name_en varchar, scope_type varchar,
                "condition" varchar, kpi_code varchar, comparator varchar,
                threshold decimal(18,4), "window" varchar, windows bigint,
                level1_role varchar, cc_role varchar, ack_timeout_l1_minutes bigint,
                ack_timeout_l2_minutes bigint, channels varchar, actions varchar,
                enabled boolean, source_file varchar, source_row bigint,
                _batch_id varchar, _extracted_at timestamptz
            )
            """
        )
        columns = RULE_COLUMNS.replace("condition", '"condition"').replace("window,", '"window",')
        con.executemany(
            f"insert into raw.excel__alert_rules ({columns}, _batch_id, _extracted_at) "
            f"values ({', '.join('?' * 15)}, 'workbook', timestamptz '2026-02-15 00:00:00+00')",
            rules,
        )
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_copy(warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Copy:
    work = tmp_path_factory.mktemp("alert_rules")
    db = work / "warehouse.duckdb"
    shutil.copyfile(warehouse.path, db)
    _land_rules(db, DEMO_RULES)
    return Copy(db, work)


def _messages(copy: Copy) -> list[tuple]:
    return copy.rows(
        "select message_key, alert_id, level, channel, recipient_id "
        "from intermediate.int_alert_messages_due order by message_key"
    )


def test_the_demo_rules_build_and_a_second_build_names_the_same_messages(
    demo_copy: Copy,
) -> None:
    first = demo_copy.build("--select", "tag:signals")
    assert first.returncode == 0, first.output[-4000:]
    messages = _messages(demo_copy)
    rules = {row[0] for row in demo_copy.rows("select distinct rule_id from marts.fct_alert")}
    assert {"R2", "R3", "R4"} <= rules
    # R4 is an event: one alert per customer and clock hour with a complaint or escalated
    # case opened in it (cases of one customer in two adjacent hours make one episode).
    (r4_alerts, case_hours) = demo_copy.rows(
        """
        select
            (select count(*) from marts.fct_alert where rule_id = 'R4'),
            (
                select count(distinct accounts.customer_id || '@'
                    || cast(date_trunc('hour', cases.created_at) as varchar))
                from staging.stg_crm__cases as cases
                inner join staging.stg_crm__accounts as accounts
                    on cases.account_id = accounts.account_id
                where cases.case_type = 'Complaint' or coalesce(cases.is_escalated, false)
            )
        """
    )[0]
    assert r4_alerts == case_hours > 0
    assert messages and len({row[0] for row in messages}) == len(messages)
    # R2 is a team's first-pass yield below 92.5 % in two consecutive hours: every R2 alert
    # is backed by two holding windows of its team ending at and just before its opening.
    r2 = demo_copy.rows(
        """
        select alerts.alert_id, count(windows.alert_window_id)
        from marts.fct_alert as alerts
        inner join intermediate.int_alert_windows_evaluated as windows
            on windows.rule_id = alerts.rule_id
            and windows.scope_id = alerts.scope_id
            and windows.window_end_at > alerts.opened_at - interval 2 hour
            and windows.window_end_at <= alerts.opened_at
            and windows.holds
            and windows.observed_value < 0.925
        where alerts.rule_id = 'R2'
        group by alerts.alert_id
        """
    )
    assert r2 and all(count == 2 for _, count in r2)

    second = demo_copy.build("--select", "tag:signals")
    assert second.returncode == 0, second.output[-4000:]
    assert _messages(demo_copy) == messages


def test_an_earlier_as_of_moment_bounds_every_window_and_alert(demo_copy: Copy) -> None:
    # A replay of an earlier moment over data that reaches further (`run`: the build's
    # tests refuse an as-of day before the newest event, tests/assert_no_event_after_...).
    run = run_dbt(
        demo_copy.path,
        demo_copy.work,
        "run",
        "--select",
        "int_data_horizons_resolved tag:signals",
        "--vars",
        "{as_of_date: '2026-01-20'}",
    )
    assert run.returncode == 0, run.output[-4000:]
    # The end of plant day 2026-01-20 (Asia/Shanghai) is 2026-01-20 16:00 UTC.
    (latest_window, latest_event, as_of_at) = demo_copy.rows(
        """
        select
            (select max(window_end_at) from intermediate.int_alert_windows_evaluated),
            (
                select max(greatest(opened_at, coalesce(resolved_at, opened_at),
                    coalesce(level3_at, opened_at)))
                from marts.fct_alert
            ),
            (select max(as_of_at) from marts.fct_alert)
        """
    )[0]
    assert str(as_of_at) == "2026-01-20 16:00:00+00:00"
    assert latest_window <= as_of_at and latest_event <= as_of_at


def test_a_rule_that_cannot_be_evaluated_is_an_error_naming_its_row(
    demo_copy: Copy, tmp_path: Path
) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(demo_copy.path, db)
    bad = [
        # A KPI rule on a machine (KPIs are evaluated per team), and one without comparator.
        ("R8", "设备合格率", "machine", "kpi", "fpy", "<", 0.9, "hour", 1, "team_lead", None,
         "wecom", None, "targets.xlsx", 6),
        ("R9", "班组合格率", "team", "kpi", "fpy", None, 0.9, "hour", 1, "team_lead", None,
         "wecom", None, "targets.xlsx", 7),
    ]  # fmt: skip
    _land_rules(db, [*DEMO_RULES, *bad])
    run = run_dbt(db, tmp_path, "build", "--select", "stg_excel__alert_rules")
    assert run.returncode != 0
    failed = [r for r in run.results if r["status"] == "fail"]
    # The rules of the workbook's staging models are one test (tests/generic/group_rules.sql).
    assert [r["unique_id"].split(".")[2] for r in failed] == ["staging_rules_excel"]
    compiled = next(tmp_path.joinpath("target", "compiled").rglob("staging_rules_excel.sql"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            f"select broken_rule, _lineage_file, _lineage_sheet, cast(_lineage_row as integer) "
            f"from ({compiled.read_text(encoding='utf-8')}) "
            "where model_name = 'stg_excel__alert_rules' order by 4, broken_rule"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("condition_is_evaluated", "targets.xlsx", "alert_rules", 6),
        ("kpi_rule_has_comparator_and_threshold", "targets.xlsx", "alert_rules", 7),
    ]
