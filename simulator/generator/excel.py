"""The Excel drop: the targets workbook (clean, documented) and two department workbooks
in the shape people really keep them (merged Chinese headers, subtotals, notes, spacers).

Written with xlsxwriter and a fixed ``created`` property, so the files are byte-identical
for the same arguments (xlsxwriter stamps zip members with a constant 1980 date).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter

from simulator.generator.clock import DAY, dstr, to_date, ts_local
from simulator.generator.config import TEAM_OEE_TARGET
from simulator.generator.context import Ctx

TARGETS = "targets.xlsx"
PRODUCTION = "生产部月度汇总.xlsx"
SALES = "销售部订单跟踪.xlsx"

STAGE_WEIGHTS: tuple[tuple[str, str, float, str], ...] = (
    ("sales", "销售", 0.20, "Contract signed (CRM contract, salesperson)"),
    (
        "planning_procurement",
        "计划与采购",
        0.10,
        "Production orders planned, purchase orders placed",
    ),
    ("production", "生产", 0.35, "Good units produced for the order's production orders"),
    ("quality", "质量", 0.10, "Inspections of the order's production orders"),
    ("logistics", "仓储物流", 0.15, "Shipment handled and delivered (warehouse keeper, driver)"),
    ("invoicing", "开票", 0.10, "Sales invoices issued (finance clerk)"),
)
# kpi_code: (中文, unit, direction, target, yellow, red)
KPIS: dict[str, tuple[str, str, str, float, float, float]] = {
    "otd_rate": ("准时交付率", "ratio", "higher_better", 0.95, 0.92, 0.88),
    "first_pass_yield": ("一次合格率", "ratio", "higher_better", 0.97, 0.95, 0.925),
    "rework_rate": ("返工率", "ratio", "lower_better", 0.015, 0.025, 0.04),
    "downtime_rate": ("停机率", "ratio", "lower_better", 0.03, 0.05, 0.08),
    "output_per_head": ("人均产出(标准工时/出勤工时)", "ratio", "higher_better", 0.85, 0.75, 0.65),
    "oee": ("设备综合效率", "ratio", "higher_better", 0.75, 0.65, 0.55),
    "complaint_rate": ("客诉率", "ratio", "lower_better", 0.01, 0.02, 0.04),
    "response_hours_p90": ("客诉响应时长P90", "hours", "lower_better", 24.0, 48.0, 72.0),
}
_DEPT_KPIS: dict[str, tuple[str, ...]] = {
    "SAL": ("otd_rate", "complaint_rate"),
    "PLN": ("otd_rate",),
    "PRD": ("first_pass_yield", "rework_rate", "downtime_rate", "output_per_head", "oee"),
    "QUA": ("first_pass_yield", "complaint_rate", "response_hours_p90"),
    "WHL": ("otd_rate",),
    "FIN": ("otd_rate",),
    "TEC": ("downtime_rate", "response_hours_p90"),
    "MNT": ("downtime_rate", "oee"),
}
_TEAM_KPIS = ("first_pass_yield", "rework_rate", "downtime_rate", "output_per_head", "oee")
# The demo alert rules (SPEC 8.1; docs/sources/excel.md#alert_rules), as the sheet holds
# them: one row per rule, header = ALERT_RULE_COLUMNS.
ALERT_RULE_COLUMNS = (
    "rule_id",
    "name",
    "name_en",
    "scope_type",
    "condition",
    "kpi_code",
    "comparator",
    "threshold",
    "window",
    "windows",
    "level1_role",
    "cc_role",
    "ack_timeout_l1_minutes",
    "ack_timeout_l2_minutes",
    "channels",
    "actions",
    "enabled",
)
ALERT_RULES: tuple[tuple[Any, ...], ...] = (
    (
        "R1",
        "订单环节延误超4小时",
        "Order step more than 4 h behind plan",
        "order",
        "order_step_late",
        None,
        ">",
        4,
        "hour",
        1,
        "step_owner",
        "supervisor",
        1440,
        1440,
        "wecom",
        "oa_task:step_owner:交期偏差处理",
        True,
    ),
    (
        "R2",
        "班组一次合格率连续2小时低于92.5%",
        "Team first-pass yield below 92.5 % for 2 hours",
        "team",
        "kpi",
        "first_pass_yield",
        "<",
        0.925,
        "hour",
        2,
        "team_lead",
        None,
        1440,
        1440,
        "wecom,dingtalk",
        "message:team_lead:首检合格率预警; oa_task:line_quality_engineer:快速根因分析清单; "
        "email_task:production_planner:临时工艺参数复核",
        True,
    ),
    (
        "R3",
        "设备单日非计划停机3次及以上",
        "Machine with 3 or more unplanned stops in a day",
        "machine",
        "unplanned_stops",
        None,
        ">=",
        3,
        "day",
        1,
        "maintenance_lead",
        None,
        1440,
        1440,
        "dingtalk",
        "oa_task:maintenance_lead:技能缺口诊断问卷",
        True,
    ),
    (
        "R4",
        "客户投诉或升级",
        "Customer complaint or escalated case",
        "customer",
        "crm_case_opened",
        None,
        None,
        None,
        "hour",
        1,
        "account_owner",
        "quality_manager",
        1440,
        1440,
        "wecom,email",
        "oa_task:account_owner:客诉响应",
        True,
    ),
)
# line kind: (measure_type, metric, unit, yellow, red, meaning)
LINE_THRESHOLDS: dict[str, tuple[str, str, str, float, float, str]] = {
    "WLD": (
        "weld_strength",
        "cv",
        "ratio",
        0.030,
        0.045,
        "coefficient of variation of weld strength per team-hour (stddev ÷ mean)",
    ),
    "PNT": (
        "voc",
        "over_limit_count",
        "count",
        1,
        3,
        "VOC readings above upper_limit per team-hour",
    ),
}


def write_all(folder: Path, ctxs: list[Ctx], start_day: int, end_day: int, seed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    created = datetime.combine(to_date(start_day), time(9, 0))
    _targets(folder / TARGETS, ctxs, start_day, created)
    _production(folder / PRODUCTION, ctxs[0], start_day, end_day, created)
    _sales(folder / SALES, ctxs[0], end_day, created)


def _book(path: Path, created: datetime, title: str) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties(
        {
            "title": title,
            "author": "perfchain demo factory",
            "company": "perfchain",
            "created": created,
        }
    )
    return wb


# ---------------------------------------------------------------- targets.xlsx


def _targets(path: Path, ctxs: list[Ctx], start_day: int, created: datetime) -> None:
    wb = _book(path, created, "KPI targets and thresholds")
    head = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    pct = wb.add_format({"num_format": "0.000"})
    valid_from = dstr(start_day - int(dstr(start_day)[8:]) + 1)  # first of the start month

    readme = wb.add_worksheet("README")
    readme.set_column(0, 0, 110)
    for i, text in enumerate(
        (
            "perfchain targets workbook — read by the Excel extractor (docs/sources/excel.md).",
            "kpi_targets: one row per scope × KPI. status = green when value is at least as good as target,",
            "  yellow when between target and red_threshold (yellow_threshold marks the warning band), red beyond red_threshold.",
            "  direction says which way is better. Ratios are fractions (0.95 = 95 %). valid_from = first day the row applies.",
            "stage_weights: contribution-trace stage weights (SPEC 5.2); they must sum to 1.",
            "line_thresholds: per-line process thresholds (SPEC 5.3): weld-strength CV on welding, VOC over-limit count on painting.",
            "alert_rules: one row per alert rule (SPEC 8.1): condition, window, who gets it, channels, actions.",
            "goal_tree / kpi_weights / weight_rules: goals bound to kpi_daily, effective-dated weights, weight rules (SPEC 9; docs/goals.md).",
            "  actions: kind:role:template separated by ';' (kinds message, oa_task, email_task).",
            "Sheets and column names are a contract: add rows freely, do not rename columns.",
        )
    ):
        readme.write(i, 0, text)

    ws = wb.add_worksheet("kpi_targets")
    cols = (
        "scope_type",
        "scope_code",
        "scope_name",
        "kpi_code",
        "kpi_name",
        "unit",
        "direction",
        "target",
        "yellow_threshold",
        "red_threshold",
        "valid_from",
    )
    ws.write_row(0, 0, cols, head)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 1, 16)
    ws.set_column(2, 2, 22)
    ws.set_column(3, 4, 26)
    ws.set_column(5, 10, 15)
    r = 1

    def row(scope_type: str, code: str, name: str, kpi: str, tighten: float = 0.0) -> None:
        nonlocal r
        zh, unit, direction, target, yellow, red = KPIS[kpi]
        if scope_type == "team" and kpi == "oee":
            target = TEAM_OEE_TARGET  # a stretch only the planted crew meets for weeks
        elif tighten and unit == "ratio" and direction == "higher_better":
            target = min(0.995, target + tighten)
        ws.write_row(r, 0, (scope_type, code, name, kpi, zh, unit, direction))
        ws.write_number(r, 7, target, pct)
        ws.write_number(r, 8, yellow, pct)
        ws.write_number(r, 9, red, pct)
        ws.write_string(r, 10, valid_from)
        r += 1

    for ctx in ctxs:
        plant = ctx.plant
        for kpi in KPIS:
            row("plant", plant.code, f"{plant.city}工厂", kpi)
        for code, zh, _, _ in plant.depts:
            for kpi in _DEPT_KPIS.get(code.split("-")[-1], ()):
                row("department", code, zh, kpi)
        for team in plant.teams:
            for kpi in _TEAM_KPIS:
                row("team", team.code, team.name, kpi, 0.005 if team.kind == "ASM" else 0.0)

    ws = wb.add_worksheet("stage_weights")
    ws.write_row(0, 0, ("stage", "stage_name", "weight", "description"), head)
    ws.set_column(0, 1, 22)
    ws.set_column(3, 3, 60)
    for i, (stage, zh, weight, text) in enumerate(STAGE_WEIGHTS, start=1):
        ws.write_row(i, 0, (stage, zh))
        ws.write_number(i, 2, weight)
        ws.write_string(i, 3, text)

    ws = wb.add_worksheet("line_thresholds")
    ws.write_row(
        0,
        0,
        (
            "line_code",
            "line_name",
            "measure_type",
            "metric",
            "unit",
            "yellow_threshold",
            "red_threshold",
            "lower_limit",
            "upper_limit",
            "meaning",
        ),
        head,
    )
    ws.set_column(0, 4, 16)
    ws.set_column(9, 9, 70)
    r = 1
    for ctx in ctxs:
        for line in ctx.plant.lines:
            if line.kind not in LINE_THRESHOLDS:
                continue
            measure, metric, unit, yellow, red, meaning = LINE_THRESHOLDS[line.kind]
            from simulator.generator.shopfloor import MEASURES

            _, _, _, _, lower, upper = MEASURES[line.kind]
            ws.write_row(
                r,
                0,
                (line.code, {"WLD": "焊装线", "PNT": "涂装线"}[line.kind], measure, metric, unit),
            )
            ws.write_number(r, 5, yellow)
            ws.write_number(r, 6, red)
            if lower:
                ws.write_number(r, 7, float(lower))
            ws.write_number(r, 8, float(upper))
            ws.write_string(r, 9, meaning)
            r += 1

    ws = wb.add_worksheet("alert_rules")
    ws.write_row(0, 0, ALERT_RULE_COLUMNS, head)
    ws.freeze_panes(1, 1)
    ws.set_column(0, 0, 8)
    ws.set_column(1, 2, 34)
    ws.set_column(3, 14, 14)
    ws.set_column(15, 15, 90)
    for i, rule in enumerate(ALERT_RULES, start=1):
        for j, value in enumerate(rule):
            if value is None:
                continue
            if isinstance(value, bool):
                ws.write_boolean(i, j, value)
            elif isinstance(value, int | float):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, value)
    _goal_sheets(wb, ctxs[0], head)
    _recognition_sheets(wb, head)
    wb.close()


def _goal_sheets(wb: xlsxwriter.Workbook, ctx: Ctx, head: Any) -> None:
    """goal_tree, kpi_weights and weight_rules (SPEC 9.1, 9.2; simulator/generator/goals.py)."""
    from simulator.generator.goals import GOAL_COLUMNS, RULE_COLUMNS, WEIGHT_COLUMNS, goal_sheets

    sheets = goal_sheets(ctx)
    for name, columns, rows in (
        ("goal_tree", GOAL_COLUMNS, sheets.goals),
        ("kpi_weights", WEIGHT_COLUMNS, sheets.weights),
        ("weight_rules", RULE_COLUMNS, sheets.rules),
    ):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, columns, head)
        ws.freeze_panes(1, 1)
        ws.set_column(0, len(columns) - 1, 18)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, int | float):
                    ws.write_number(i, j, value)
                else:
                    ws.write_string(i, j, value)


# ---------------------------------------------------------------- recognition (SPEC 9.4-9.5)
# The demo feedback and badge rules (docs/recognition.md); header = the *_COLUMNS tuples.
FEEDBACK_RULE_COLUMNS = (
    "rule_id",
    "name",
    "name_en",
    "event",
    "alert_rule_id",
    "role",
    "template",
    "minutes",
    "questions",
    "skill_code",
    "skill_name",
    "skill_name_en",
    "enabled",
    "cooldown_days",
)
FEEDBACK_RULES: tuple[tuple[Any, ...], ...] = (
    (
        "F1",
        "设备停机后的技能缺口诊断",
        "Skill-gap check after repeated stops",
        "alert_task",
        "R3",
        None,
        "技能缺口诊断问卷",
        3,
        "停机的直接原因是什么?; 哪一步最难判断?; 需要哪种培训?",
        "equipment_diagnosis",
        "设备故障诊断",
        "Equipment fault diagnosis",
        True,
        None,
    ),
    (
        "F2",
        "续约赢单后的成功经验萃取",
        "Success story after a renewal won",
        "crm_renewal_won",
        None,
        "account_owner",
        "成功经验萃取",
        3,
        "客户为什么续约?; 哪个动作最关键?; 可复用给谁?",
        "customer_success",
        "客户成功经营",
        "Customer success",
        True,
        30,
    ),
)
BADGE_RULE_COLUMNS = (
    "badge_code",
    "level",
    "badge_name",
    "badge_name_en",
    "condition",
    "course_code",
    "share_of_shifts",
    "weeks",
    "skill_code",
    "enabled",
)
BADGE_RULES: tuple[tuple[Any, ...], ...] = (
    (
        "equipment_translator",
        1,
        "设备语言翻译官",
        "Equipment language translator",
        "training_completed",
        "MES-FAULT-101",
        None,
        None,
        "equipment_diagnosis",
        True,
    ),
    (
        "lean_pioneer",
        1,
        "精益先锋",
        "Lean pioneer",
        "team_oee_streak",
        None,
        0.95,
        3,
        "lean_operations",
        True,
    ),
)


def _rows(ws: Any, rows: tuple[tuple[Any, ...], ...]) -> None:
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                ws.write_boolean(i, j, value)
            elif isinstance(value, int | float):
                ws.write_number(i, j, value)
            else:
                ws.write_string(i, j, value)


def _recognition_sheets(wb: xlsxwriter.Workbook, head: Any) -> None:
    """Sheets feedback_rules and badge_rules of targets.xlsx (SPEC 9.4, 9.5)."""
    for name, columns, rows in (
        ("feedback_rules", FEEDBACK_RULE_COLUMNS, FEEDBACK_RULES),
        ("badge_rules", BADGE_RULE_COLUMNS, BADGE_RULES),
    ):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, columns, head)
        ws.freeze_panes(1, 1)
        ws.set_column(0, len(columns), 18)
        _rows(ws, rows)


# ---------------------------------------------------------------- 生产部月度汇总.xlsx


def _production(path: Path, ctx: Ctx, start_day: int, end_day: int, created: datetime) -> None:
    wb = _book(path, created, "生产部月度汇总")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = wb.add_format(
        {
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
            "bg_color": "#FCE4D6",
            "text_wrap": True,
        }
    )
    cell = wb.add_format({"border": 1})
    pct = wb.add_format({"border": 1, "num_format": "0.00%"})
    sub = wb.add_format({"border": 1, "bold": True, "bg_color": "#F2F2F2"})
    subpct = wb.add_format(
        {"border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "0.00%"}
    )
    months = sorted({dstr(d)[:7] for d in range(start_day, end_day)})
    st = ctx.stats
    kinds = (("WLD", "焊装线"), ("PNT", "涂装线"), ("ASM", "总装线"), ("MCH", "机加线"))
    for month in months:
        ws = wb.add_worksheet(f"{month[:4]}年{int(month[5:])}月")
        ws.set_column(0, 0, 14)
        ws.set_column(1, 8, 12)
        ws.set_column(9, 9, 36)
        ws.merge_range(
            0,
            0,
            0,
            9,
            f"{ctx.plant.city}工厂 生产部月度汇总 {month[:4]}年{int(month[5:])}月",
            title,
        )
        ws.merge_range(1, 0, 2, 0, "班组", head)
        ws.merge_range(1, 1, 1, 3, "产量(件)", head)
        ws.merge_range(1, 4, 1, 5, "质量", head)
        ws.merge_range(1, 6, 1, 8, "设备停机", head)
        ws.merge_range(1, 9, 2, 9, "备注", head)
        ws.write_row(2, 1, ("产出数", "良品数", "不良数", "一次合格率", "目标"), head)
        ws.write_row(2, 6, ("停机(分钟)", "计划生产(分钟)", "停机率"), head)
        r = 3
        total = [0.0, 0.0, 0.0, 0.0]
        for kind, zh in kinds:
            teams = [t for t in ctx.plant.teams if t.kind == kind]
            sums = [0.0, 0.0, 0.0, 0.0]
            for team in teams:
                produced = st.get((month, team.code, "produced"), 0.0)
                good = st.get((month, team.code, "good"), 0.0)
                down = round(st.get((month, team.code, "down_min"), 0.0))
                planned = round(st.get((month, team.code, "planned_min"), 0.0))
                ws.write_string(r, 0, team.name, cell)
                ws.write_number(r, 1, produced, cell)
                ws.write_number(r, 2, good, cell)
                ws.write_number(r, 3, produced - good, cell)
                ws.write_number(r, 4, good / produced if produced else 0, pct)
                ws.write_number(r, 5, 0.97, pct)
                ws.write_number(r, 6, down, cell)
                ws.write_number(r, 7, planned, cell)
                ws.write_number(r, 8, down / planned if planned else 0, pct)
                note = ""
                if produced and good / produced < 0.97:
                    note = "一次合格率未达标,已要求班组长分析原因"
                elif planned and down / planned > 0.05:
                    note = "设备停机偏多,设备科跟进"
                ws.write_string(r, 9, note, cell)
                for i, v in enumerate((produced, good, down, planned)):
                    sums[i] += v
                r += 1
            ws.write_string(r, 0, f"{zh} 小计", sub)
            ws.write_number(r, 1, sums[0], sub)
            ws.write_number(r, 2, sums[1], sub)
            ws.write_number(r, 3, sums[0] - sums[1], sub)
            ws.write_number(r, 4, sums[1] / sums[0] if sums[0] else 0, subpct)
            ws.write_string(r, 5, "", sub)
            ws.write_number(r, 6, sums[2], sub)
            ws.write_number(r, 7, sums[3], sub)
            ws.write_number(r, 8, sums[2] / sums[3] if sums[3] else 0, subpct)
            ws.write_string(r, 9, "", sub)
            for i in range(4):
                total[i] += sums[i]
            r += 2  # blank spacer row between lines, as the department keeps it
        ws.write_string(r, 0, "合计", sub)
        ws.write_number(r, 1, total[0], sub)
        ws.write_number(r, 2, total[1], sub)
        ws.write_number(r, 3, total[0] - total[1], sub)
        ws.write_number(r, 4, total[1] / total[0] if total[0] else 0, subpct)
        ws.write_string(r, 5, "", sub)
        ws.write_number(r, 6, total[2], sub)
        ws.write_number(r, 7, total[3], sub)
        ws.write_number(r, 8, total[2] / total[3] if total[3] else 0, subpct)
        ws.write_string(r, 9, "数据来源:MES日报手工汇总", sub)
        ws.write_string(r + 2, 0, "制表:生产部统计员    审核:生产部部长")
    wb.close()


# ---------------------------------------------------------------- 销售部订单跟踪.xlsx


def _sales(path: Path, ctx: Ctx, end_day: int, created: datetime) -> None:
    wb = _book(path, created, "销售部订单跟踪")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = wb.add_format(
        {
            "bold": True,
            "align": "center",
            "valign": "vcenter",
            "border": 1,
            "bg_color": "#E2EFDA",
            "text_wrap": True,
        }
    )
    cell = wb.add_format({"border": 1})
    num = wb.add_format({"border": 1, "num_format": "#,##0.00"})
    sub = wb.add_format(
        {"border": 1, "bold": True, "bg_color": "#F2F2F2", "num_format": "#,##0.00"}
    )
    ws = wb.add_worksheet("订单跟踪")
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 8, 13)
    ws.set_column(9, 9, 30)
    end_t = end_day * DAY
    ws.merge_range(0, 0, 0, 9, f"销售部订单跟踪表(截至 {dstr(end_day - 1)})", title)
    ws.merge_range(1, 0, 1, 3, "订单信息", head)
    ws.merge_range(1, 4, 1, 8, "交付情况", head)
    ws.merge_range(1, 9, 2, 9, "备注", head)
    ws.write_row(
        2,
        0,
        (
            "订单号",
            "客户",
            "下单日期",
            "金额(元,不含税)",
            "承诺交期",
            "已发货数量",
            "订单数量",
            "最后发货",
            "签收完成",
        ),
        head,
    )
    by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for order in ctx.orders_summary:
        by_customer[order["customer"]].append(order)
    r = 3
    grand = 0.0
    for customer in sorted(by_customer):
        orders = sorted(by_customer[customer], key=lambda o: o["code"])
        subtotal = 0.0
        for o in orders:
            shipped = [(t, q) for t, q in o["shipped"] if t < end_t]
            qty_shipped = sum(q for _, q in shipped)
            done = o["signed_at"] and o["signed_at"] < end_t and qty_shipped >= o["qty"]
            ws.write_string(r, 0, o["code"], cell)
            ws.write_string(r, 1, customer, cell)
            ws.write_string(r, 2, o["date"], cell)
            ws.write_number(r, 3, round(o["net"], 2), num)
            ws.write_string(r, 4, o["promise"], cell)
            ws.write_number(r, 5, qty_shipped, cell)
            ws.write_number(r, 6, o["qty"], cell)
            ws.write_string(
                r, 7, ts_local(max(t for t, _ in shipped))[:10] if shipped else "", cell
            )
            ws.write_string(r, 8, "是" if done else "否", cell)
            note = ""
            if 0 < qty_shipped < o["qty"]:
                note = "部分发货,余量待排产"
            elif not shipped and o["promise"] < dstr(end_day - 1):
                note = "已超期未发货!催生产"
            ws.write_string(r, 9, note, cell)
            subtotal += o["net"]
            r += 1
        ws.write_string(r, 0, f"{customer} 小计", sub)
        ws.write_number(r, 3, round(subtotal, 2), sub)
        grand += subtotal
        r += 2
    ws.write_string(r, 0, "总计", sub)
    ws.write_number(r, 3, round(grand, 2), sub)
    wb.close()
