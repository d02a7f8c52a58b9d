"""Every word a report shows, in Chinese and English: the one dictionary (STYLE.md, Reports).

Builders ask `label(key, lang)`; a key missing from the dictionary is a programming error
and raises, so a forgotten translation fails the tests instead of printing a raw key.
KPI names fall back to the mart's own `kpi_name` / `kpi_name_en` (the dbt seed is the
source of truth for KPIs added later); the short names here keep heatmap columns narrow.
"""

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_LABELS: dict[str, tuple[str, str]] = {
    # Titles and periods
    "report.title": ("绩效报表", "Performance report"),
    "brief.title": ("管理简报", "Management brief"),
    "period.day": ("日报", "Daily"),
    "period.week": ("周报", "Weekly"),
    "period.month": ("月报", "Monthly"),
    "period.window": ("统计区间", "Period"),
    "period.day.note": ("当日", "the day"),
    "period.week.note": ("本周至今", "week to date"),
    "period.month.note": ("本月至今", "month to date"),
    "meta.data_through": ("数据截至", "Data through"),
    "meta.generated": ("生成时间", "Generated"),
    "meta.published": ("发布时间", "Published"),
    "meta.run": ("运行编号", "Run"),
    "meta.plant_time": ("工厂当地时间", "plant time"),
    "meta.checks_passed": ("通过检查数", "Checks passed"),
    "meta.checks_failed": ("未通过检查数", "Checks failed"),
    "meta.page": ("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    # Sheets
    "sheet.overview": ("总览", "Overview"),
    "sheet.kpi": ("KPI明细", "KPI detail"),
    "sheet.otd": ("准时交付", "On-time delivery"),
    "sheet.quality": ("班组质量", "Team quality"),
    "sheet.oee": ("设备OEE", "OEE"),
    "sheet.contrib_dept": ("贡献-部门", "Contribution by dept"),
    "sheet.contrib_emp": ("贡献-员工", "Contribution by employee"),
    "sheet.signals": ("信号响应", "Signal response"),
    "sheet.reconciliation": ("口径对账", "Reconciliation"),
    "sheet.completion": ("口径完成率", "Completion by view"),
    "sheet.quality_gate": ("数据质量", "Data quality"),
    # Overview / heatmap
    "heatmap.title": ("KPI 健康热力图", "KPI health heatmap"),
    "heatmap.level": ("层级", "Level"),
    "heatmap.scope": ("班组 / 部门", "Team / department"),
    "heatmap.actual": ("实际", "Actual"),
    "heatmap.target": ("目标", "Target"),
    "heatmap.legend": (
        "绿 = 达标;黄 = 预警(未达目标、未过红线);红 = 超出红线。红色单元格可点击,跳转到其明细行。",
        "Green = on target; yellow = warning (below target, above the red line); red = past the "
        "red line. Click a red cell to jump to the rows behind it.",
    ),
    "heatmap.rollup": (
        "区间值 = 区间自身的分子 ÷ 分母(无论分子、分母落在哪一天,kpi_period);OEE 由区间内"
        "各分量之和计算,响应时长取区间内发起的信号。",
        "Period value = the period's own numerator ÷ denominator, whatever day each side fell on "
        "(kpi_period); OEE from the period's summed components, response hours over the "
        "signals raised in the period.",
    ),
    "heatmap.red_cells": ("红色单元格", "Red cells"),
    "heatmap.no_data": ("—", "—"),
    "heatmap.link_note": ("明细:{sheet} 第 {first}–{last} 行", "Rows: {sheet} {first}–{last}"),
    "level.plant": ("全厂", "Plant"),
    "level.department": ("部门", "Department"),
    "level.team": ("班组", "Team"),
    "status.green": ("达标", "On target"),
    "status.yellow": ("预警", "Warning"),
    "status.red": ("超红线", "Red"),
    # Column headers
    "col.scope_key": ("筛选键", "Filter key"),
    "col.kpi_date": ("日期", "Date"),
    "col.scope_type": ("层级", "Level"),
    "col.scope_id": ("对象编号", "Scope ID"),
    "col.kpi": ("指标", "KPI"),
    "col.value": ("实际值", "Value"),
    "col.numerator": ("分子", "Numerator"),
    "col.denominator": ("分母", "Denominator"),
    "col.target": ("目标", "Target"),
    "col.status": ("状态", "Status"),
    "col.order_id": ("订单号", "Order"),
    "col.customer": ("客户", "Customer"),
    "col.department": ("部门", "Department"),
    "col.department_id": ("部门编号", "Department ID"),
    "col.salesperson": ("销售员", "Salesperson"),
    "col.promised_date": ("承诺交期", "Promised date"),
    "col.first_committed_date": ("首次承诺交期", "First committed"),
    "col.customer_changes": ("客户改期次数", "Customer changes"),
    "col.plant_changes": ("工厂改期次数", "Plant changes"),
    "col.ordered_qty": ("订购数量", "Ordered qty"),
    "col.signed_qty": ("客户签收数量", "Signed qty"),
    "col.invoiced_qty": ("净开票数量", "Net invoiced qty"),
    "col.first_signed_at": ("首次签收", "First signed"),
    "col.last_invoiced_at": ("最后开票", "Last invoiced"),
    "col.delivered_at": ("交付锚点时间", "Delivered (anchor)"),
    "col.days_late": ("延迟天数", "Days late"),
    "col.otd_status": ("交付状态", "Delivery status"),
    "col.net_amount": ("不含税金额(元)", "Net amount (CNY)"),
    "col.team_id": ("班组编号", "Team ID"),
    "col.team": ("班组", "Team"),
    "col.line_id": ("产线", "Line"),
    "col.date": ("日期", "Date"),
    "col.hour": ("小时", "Hour"),
    "col.produced_qty": ("产出数量", "Produced"),
    "col.good_qty": ("合格数量", "Good"),
    "col.first_inspected_qty": ("首检数量", "First inspected"),
    "col.first_passed_qty": ("一次合格数量", "First passed"),
    "col.reworked_qty": ("返工数量", "Reworked"),
    "col.planned_minutes": ("计划生产分钟", "Planned minutes"),
    "col.downtime_minutes": ("非计划停机分钟", "Unplanned downtime min"),
    "col.standard_hours": ("标准工时", "Standard hours"),
    "col.attended_hours": ("出勤工时", "Attended hours"),
    "col.first_pass_yield": ("一次合格率", "First-pass yield"),
    "col.rework_rate": ("返工率", "Rework rate"),
    "col.downtime_rate": ("停机率", "Downtime rate"),
    "col.output_per_head": ("人均产出", "Output per head"),
    "col.line_breach": ("产线阈值超限", "Line threshold breached"),
    "col.machine_id": ("设备编号", "Machine ID"),
    "col.machine": ("设备", "Machine"),
    "col.shift_date": ("班次日期", "Shift date"),
    "col.shift_code": ("班次", "Shift"),
    "col.planned_busy_minutes": ("计划负荷分钟", "Planned busy min"),
    "col.run_minutes": ("运行分钟", "Run min"),
    "col.ideal_minutes": ("理论分钟", "Ideal min"),
    "col.availability": ("时间开动率", "Availability"),
    "col.performance": ("性能开动率", "Performance"),
    "col.quality": ("合格品率", "Quality"),
    "col.oee": ("OEE", "OEE"),
    "col.employee_id": ("员工编号", "Employee ID"),
    "col.employee": ("员工", "Employee"),
    "col.points": ("贡献积分", "Points"),
    "col.share": ("占比", "Share"),
    "col.orders": ("订单数", "Orders"),
    "col.stages": ("环节", "Stages"),
    "col.unattributed": ("未归属", "Unattributed"),
    "col.signal_id": ("信号编号", "Signal"),
    "col.signal_type": ("信号类型", "Type"),
    "col.case_number": ("工单号", "Case"),
    "col.is_complaint": ("客诉", "Complaint"),
    "col.is_escalated": ("升级", "Escalated"),
    "col.priority": ("优先级", "Priority"),
    "col.signal_at": ("信号时间", "Signal at"),
    "col.first_action_at": ("首次响应时间", "First action at"),
    "col.first_action_type": ("响应方式", "Action type"),
    "col.response_hours": ("响应时长(小时)", "Response (hours)"),
    "col.auto_triggered": ("系统触发", "Auto-triggered"),
    "col.reconciliation_status": ("对账结论", "Finding"),
    "col.sales_days": ("销售口径差(天)", "Sales vs anchor (days)"),
    "col.logistics_days": ("物流口径差(天)", "Logistics vs anchor (days)"),
    "col.finance_days": ("财务口径差(天)", "Finance vs anchor (days)"),
    "col.sales_completed_at": ("销售完成(签收)", "Sales complete (signed)"),
    "col.shipped_at": ("物流完成(出库)", "Logistics complete (shipped)"),
    "col.paid_at": ("财务完成(回款)", "Finance complete (paid)"),
    "col.view": ("口径", "View"),
    "col.orders_due": ("应交订单", "Orders due"),
    "col.orders_complete": ("已完成", "Complete"),
    "col.orders_on_time": ("按期完成", "On time"),
    "col.completion_rate": ("完成率", "Completion rate"),
    "col.on_time_rate": ("准时率", "On-time rate"),
    "col.gap_pp": ("与锚点差(百分点)", "Gap to anchor (pp)"),
    "col.item": ("项目", "Item"),
    "col.detail": ("内容", "Detail"),
    "col.suite": ("检查集", "Suite"),
    "col.check": ("检查项", "Check"),
    "col.severity": ("级别", "Severity"),
    # Values shown in cells
    "value.yes": ("是", "yes"),
    "value.no": ("否", "no"),
    "otd.late": ("延迟交付", "delivered late"),
    "otd.past_due": ("逾期未交", "past due"),
    "otd.at_risk": ("即将到期未交", "at risk"),
    "view.anchor": ("统一锚点", "Anchor"),
    "view.sales": ("销售(签收)", "Sales (signed)"),
    "view.logistics": ("物流(出库)", "Logistics (shipped)"),
    "view.finance": ("财务(回款)", "Finance (paid)"),
    "stage.sales": ("销售", "Sales"),
    "stage.planning_procurement": ("计划采购", "Planning & procurement"),
    "stage.production": ("生产", "Production"),
    "stage.quality": ("质量", "Quality"),
    "stage.logistics": ("仓储物流", "Warehouse & logistics"),
    "stage.invoicing": ("开票", "Invoicing"),
    "recon.all_agree": ("一致", "all agree"),
    "recon.signed_not_invoiced": ("已签收未开票", "signed, not invoiced"),
    "recon.delivered_not_paid": ("已交付未回款", "delivered, not paid"),
    "recon.shipped_not_signed": ("已出库未签收", "shipped, not signed"),
    "recon.on_time_for_sales_only": ("仅销售口径准时", "on time for sales only"),
    "recon.other_disagreement": ("其他差异", "other disagreement"),
    # Sheet notes
    "note.otd": (
        "区间内承诺交期的延迟和逾期订单,以及未来 {days} 天内到期仍未交付的订单;"
        "交付锚点 = 签收数量与净开票数量均达到订购数量的时刻。",
        "Late and past-due orders promised in the period, and open orders due in the next "
        "{days} days; the anchor is the moment signed and net invoiced quantities both reach "
        "the ordered quantity.",
    ),
    "note.quality": (
        "三率一效:一次合格率、返工率、停机率、人均产出;每行一个班组小时(工厂当地时间)。",
        "First-pass yield, rework rate, downtime rate, output per head; one row per team "
        "hour (plant time).",
    ),
    "note.oee": (
        "每行一台设备一个班次;汇总时先加总分子分母再相除(ISO 22400-2)。",
        "One row per machine shift; roll-ups sum the components, then divide (ISO 22400-2).",
    ),
    "note.contribution": (
        "区间内交付订单的贡献积分(积分池 = 不含税金额 ÷ 1000,按环节权重分配)。",
        "Contribution points of orders delivered in the period (pool = net amount ÷ 1,000, "
        "split by stage weights).",
    ),
    "note.signals": (
        "区间内(日报为本月至今,与响应类指标一致)的客诉、升级工单和告警,及其首次内部响应。",
        "Complaints, escalations and alerts in the period (month to date in a day report, as "
        "its response KPIs are) and their first internal action.",
    ),
    "note.reconciliation": (
        "区间内承诺交期的订单中,销售/物流/财务口径与统一锚点不一致的订单。",
        "Orders promised in the period where the sales, logistics or finance view disagrees "
        "with the anchor.",
    ),
    "note.completion": (
        "各部门口径下区间内应交订单的完成率与准时率,及与统一锚点的差距。",
        "Completion and on-time rates of orders due in the period by each department's view, "
        "and the gap to the anchor.",
    ),
    "note.kpi": (
        "热力图背后的每日 KPI 行(kpi_daily),可按筛选键过滤。",
        "The daily KPI rows (kpi_daily) behind the heatmap; filter on the filter key.",
    ),
    # Data quality
    "dq.title": ("数据质量", "Data quality"),
    "dq.none": ("发布文件中没有发布记录。", "The published file records no publish."),
    "dq.clean": (
        "已发布数据的质量检查全部通过。",
        "The published data's quality gate passed every check.",
    ),
    "dq.warned": (
        "注意:已发布数据的质量检查有警告,详见数据质量页。",
        "Note: the published data's quality gate reported warnings; see the data-quality sheet.",
    ),
    "dq.summary": ("质量检查摘要", "Quality gate summary"),
    "dq.publish": ("发布记录", "Publish record"),
    # Brief
    "brief.headline": ("核心指标", "Headline figures"),
    "brief.otd_trend": (
        "准时交付率与目标(按承诺交期)",
        "On-time delivery against target (by promised date)",
    ),
    "brief.otd_daily": ("每日", "Daily"),
    "brief.otd_rolling": ("7 日滚动", "7-day rolling"),
    "brief.fpy_heatmap": ("各班组分时段一次合格率", "First-pass yield by team and hour"),
    "brief.oee_waterfall": ("OEE 损失瀑布(全厂,小时)", "OEE loss waterfall (plant, hours)"),
    "brief.oee.planned": ("计划负荷时间", "Planned busy time"),
    "brief.oee.availability_loss": ("停机损失", "Downtime loss"),
    "brief.oee.performance_loss": ("速度损失", "Speed loss"),
    "brief.oee.quality_loss": ("质量损失", "Quality loss"),
    "brief.oee.productive": ("有效产出时间", "Fully productive time"),
    "brief.contribution": (
        "前十大订单贡献流向(按环节)",
        "Contribution flow across stages, top orders",
    ),
    "brief.red_cells": ("红灯指标", "Red KPIs"),
    "brief.late_orders": (
        "延迟与逾期订单(金额最大的前十)",
        "Late and past-due orders (ten largest)",
    ),
    "brief.none": ("无", "None"),
    "brief.hours": ("小时", "hours"),
    "brief.points": ("积分", "points"),
    "brief.hour_of_day": ("时段", "Hour of day"),
    "brief.no_data": ("本区间无数据", "No data in this period"),
    # Response speed per month (SPEC 5.5, 8.5): its sheet and brief page.
    "sheet.response": ("响应速度", "Response speed"),
    "note.response": (
        "每月信号(客诉、升级工单、告警)从发生到首次内部响应的时长:中位数与P90(小时),"
        "及由 perfchain 自动触发的响应占比;当月为月初至今。",
        "Per month: hours from each signal (complaint, escalation, alert) to its first "
        "internal action, median and p90, and the share of responses perfchain triggered; "
        "the as-of month to date.",
    ),
    "brief.response": ("响应速度(按月)", "Response speed by month"),
    "col.month": ("月份", "Month"),
    "col.month_end": ("数据截至", "Data through"),
    "col.signals_raised": ("信号数", "Signals"),
    "col.signals_answered": ("已响应", "Answered"),
    "col.response_median": ("响应中位数(小时)", "Median (hours)"),
    "col.response_p90": ("响应P90(小时)", "p90 (hours)"),
    "col.auto_share": ("系统触发占比", "Auto-triggered"),
    "mail.subject": ("perfchain 绩效报表 {date}", "perfchain performance reports {date}"),
    "mail.body": (
        "附件为 {date} 的绩效报表({periods})。\n此邮件由 perfchain 自动发送。",
        "Attached are the performance reports for {date} ({periods}).\nSent by perfchain.",
    ),
}

# The employee's personal card (reports/card.py; SPEC 9.3).
_LABELS.update(
    {
        "card.title": ("员工个人绩效卡", "Employee performance card"),
        "card.sheet": ("个人绩效卡", "Card"),
        "card.employee": ("员工", "Employee"),
        "card.team": ("班组", "Team"),
        "card.month": ("月份", "Month"),
        "card.score": ("目标得分 (Σ权重×达成率)", "Goal score (Σ weight × attainment)"),
        "card.weight_total": ("权重合计", "Weights total"),
        "card.points": ("本月贡献积分", "Contribution points this month"),
        "card.col.kpi": ("指标", "KPI"),
        "card.col.scope": ("数据范围", "Scope"),
        "card.col.weight": ("权重", "Weight"),
        "card.col.target": ("目标", "Target"),
        "card.col.actual": ("实际", "Actual"),
        "card.col.attainment": ("达成率", "Attainment"),
        "card.col.contribution": ("得分贡献", "Adds to score"),
        # The unit of a KPI that is neither a share nor hours (reports/common/style.py).
        "card.unit.output_per_head": ("标准工时/出勤工时", "std h per h"),
        "card.explain": (
            "达成率 = 实际 ÷ 目标(越低越好的指标为 目标 ÷ 实际),上限 120%;"
            "权重为目标期间第一天生效的权重;季度目标按季度累计至当月月末计分;"
            "得分 = Σ 权重 × 达成率。",
            "Attainment = actual ÷ target (target ÷ actual when lower is better), capped at "
            "120 %; weights are those in force on the goal period's first day; a quarter goal "
            "counts quarter to date, to the month's end; score = Σ weight × attainment.",
        ),
        "card.badges": ("徽章", "Badges"),
        "card.badges_none": ("暂无徽章", "No badge yet"),
        "card.badges_none_published": ("徽章台账尚未发布", "No badge ledger published yet"),
    }
)


# Short KPI names for narrow columns; the mart's names are used for any code not listed.
_KPI_SHORT: dict[str, tuple[str, str]] = {
    "otd_rate": ("准时交付率", "OTD"),
    "complaint_rate": ("客诉率", "Complaint rate"),
    "first_pass_yield": ("一次合格率", "First-pass yield"),
    "rework_rate": ("返工率", "Rework rate"),
    "downtime_rate": ("停机率", "Downtime rate"),
    "output_per_head": ("人均产出", "Output per head"),
    "oee": ("OEE", "OEE"),
    "availability": ("时间开动率", "Availability"),
    "performance": ("性能开动率", "Performance"),
    "quality_rate": ("合格品率", "Quality rate"),
    "response_hours_median": ("响应中位数", "Response median"),
    "response_hours_p90": ("响应P90", "Response p90"),
    "auto_trigger_share": ("系统触发占比", "Auto-triggered share"),
}


def label(key: str, lang: Lang, **values: object) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled from `values`."""
    zh, en = _LABELS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def kpi_label(code: str, lang: Lang, mart_name: str | None = None) -> str:
    """A KPI's short name; the mart's name for a KPI this dictionary does not know."""
    if code in _KPI_SHORT:
        zh, en = _KPI_SHORT[code]
        return zh if lang == "zh" else en
    return mart_name or code


def optional_label(key: str, lang: Lang, fallback: str) -> str:
    """For codes that come from data (stages, statuses): unknown codes show as they are."""
    return label(key, lang) if key in _LABELS else fallback


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


# ---- role views (SPEC 9.6): HR capability snapshot and manager war room (reports/roles.py)
_LABELS.update(
    {
        "roles.war_room.title": ("经理作战室", "Manager war room"),
        "roles.war_room.red": ("红色指标", "Red KPI items"),
        "roles.war_room.alerts": ("未关闭预警", "Open alerts"),
        "roles.war_room.none_red": ("今日无红色指标。", "No red KPI item today."),
        "roles.war_room.none_alerts": ("没有未关闭的预警。", "No open alert."),
        "roles.war_room.more": ("另有 {count} 项未列出", "{count} more not listed"),
        "roles.hr.title": ("HR 能力快照", "HR capability snapshot"),
        "roles.hr.profile": ("能力画像", "Capability profile"),
        "roles.hr.badges": ("徽章", "Badges"),
        "roles.hr.score": ("得分解释", "Score explained"),
        "roles.hr.no_score": (
            "尚无个人得分(目标树未发布 fct_employee_score_explained)。",
            "No personal score yet (the goal tree has not published fct_employee_score_explained).",
        ),
        "roles.hr.none": ("暂无记录。", "Nothing recorded yet."),
        "col.scope": ("范围", "Scope"),
        "level.machine": ("设备", "Machine"),
        "level.line": ("产线", "Line"),
        "level.order": ("订单", "Order"),
        "level.customer": ("客户", "Customer"),
        "col.kpi": ("指标", "KPI"),
        "col.value": ("实际", "Actual"),
        "col.target": ("目标", "Target"),
        "col.red_line": ("红线", "Red line"),
        "col.rule": ("规则", "Rule"),
        "col.opened_at": ("开启时间", "Opened"),
        "col.level": ("级别", "Level"),
        "col.employee": ("员工", "Employee"),
        "col.team": ("班组", "Team"),
        "col.skill": ("技能", "Skill"),
        "col.evidence_count": ("证据数", "Evidence"),
        "col.last_evidence": ("最近证据", "Last evidence"),
        "col.badge": ("徽章", "Badge"),
        "col.awarded_at": ("授予时间", "Awarded"),
        "col.evidence": ("依据", "Evidence"),
        "col.goal": ("目标", "Goal"),
        "col.weight": ("权重", "Weight"),
        "col.attainment": ("达成率", "Attainment"),
        "col.contribution": ("得分贡献", "Contribution"),
    }
)
