"""The dashboard's own words in Chinese and English; everything else (KPI names, column
headers, statuses, stages) comes from the reports' dictionary, so a figure is named the
same on screen and on paper. A missing key raises, as in reports/labels.py."""

from reports.labels import Lang, optional_label
from reports.labels import label as report_label

_LABELS: dict[str, tuple[str, str]] = {
    "app.title": ("perfchain 绩效看板", "perfchain dashboard"),
    "app.lang_switch": ("English", "中文"),
    "app.no_file": (
        "尚无发布文件 {path}:先运行 `perfchain demo` 或 `perfchain run`。",
        "No published file at {path} yet: run `perfchain demo` or `perfchain run` first.",
    ),
    "app.read_only": (
        "只读 · 每次打开页面读取最新发布",
        "Read-only · each page load reads the latest publish",
    ),
    "page.heatmap": ("KPI 健康热力图", "KPI health heatmap"),
    "page.order": ("订单 360", "Order 360"),
    "page.trace": ("贡献追溯", "Contribution trace"),
    "page.oee": ("OEE 损失瀑布", "OEE loss waterfall"),
    "page.quality": ("数据质量", "Data quality"),
    "page.alerts": ("预警作战室", "Alerts war room"),
    "page.goals": ("目标树", "Goal tree"),
    "page.card": ("个人卡片", "Personal card"),
    "ctl.period": ("区间", "Period"),
    "ctl.as_of": ("截至日期", "As of"),
    "ctl.order": ("订单号", "Order number"),
    "ctl.order_help": ("输入订单号后按回车", "Type an order number and press Enter"),
    "ctl.line": ("产线", "Line"),
    "ctl.shift": ("班次", "Shift"),
    "ctl.all": ("全部", "All"),
    "ctl.employee": ("员工", "Employee"),
    "ctl.goal_period": ("目标周期", "Goal period"),
    "ctl.show_closed": ("包含已关闭预警", "Include closed alerts"),
    "drill.title": ("明细钻取", "Drill-down"),
    "drill.close": ("关闭明细", "Close"),
    "drill.kpi_rows": ("kpi_daily 行", "kpi_daily rows"),
    "drill.period_row": ("kpi_period 行", "kpi_period row"),
    "drill.facts": (
        "分子 / 分母(由来源行重新计算)",
        "Numerator / denominator (recomputed from the source rows)",
    ),
    "drill.source_rows": ("来源行", "Source rows"),
    "drill.source_model": ("来源模型", "Source model"),
    "drill.published": ("已发布", "Published"),
    "drill.recomputed": ("来源行合计", "From the source rows"),
    "drill.formula": ("公式", "Formula"),
    "drill.match": ("一致", "match"),
    "drill.mismatch": ("不一致", "MISMATCH"),
    "drill.no_rows": ("该单元格没有 kpi_daily 行。", "The cell has no kpi_daily row."),
    "drill.truncated": (
        "显示前 {shown} 行,共 {total} 行;下载 CSV 查看全部。",
        "Showing the first {shown} of {total} rows; download the CSV for all of them.",
    ),
    "drill.download": ("下载来源行 CSV", "Download the source rows (CSV)"),
    "drill.rows_count": ("{count} 行", "{count} rows"),
    "order.not_found": (
        "订单 {order} 不在已发布数据中(已发布 {count} 个订单)。",
        "Order {order} is not in the published marts ({count} orders published).",
    ),
    "order.pick": ("最近交付的订单:", "Recently delivered orders:"),
    "order.trace_link": ("查看贡献追溯", "Contribution trace"),
    "order.360_link": ("查看订单 360", "Order 360"),
    "trace.pool": ("积分池 {pool} 分", "Pool {pool} points"),
    "trace.no_pool": ("订单尚未交付,没有积分池。", "The order is not delivered: no pool yet."),
    "trace.total": ("合计", "Total"),
    "trace.more": ("… 另 {count} 人", "… {count} more"),
    "trace.by_stage": ("各环节积分", "Points by stage"),
    "oee.busy": ("计划运行时间", "Planned busy time"),
    "oee.availability_loss": ("可用性损失", "Availability loss"),
    "oee.performance_loss": ("性能损失", "Performance loss"),
    "oee.quality_loss": ("质量损失", "Quality loss"),
    "oee.productive": ("完全有效生产时间", "Fully productive time"),
    "oee.minutes": ("分钟", "minutes"),
    "oee.value": ("OEE", "OEE"),
    "oee.shifts": ("设备班次数", "Machine shifts"),
    "oee.by_line_shift": ("按产线和班次", "By line and shift"),
    "oee.none": ("该区间没有设备班次。", "No machine shifts in the period."),
    "quality.run": ("运行", "Run"),
    "quality.action": ("动作", "Action"),
    "quality.failing": ("未通过的检查", "Failing checks"),
    "quality.all_checks": ("全部检查", "All checks"),
    "quality.sample_rows": ("样例行", "Sample rows"),
    "quality.reason": ("原因", "Why it matters"),
    "quality.observed": ("观测值", "Observed"),
    "quality.error": ("错误", "Error"),
    "quality.row_counts": ("发布的行数", "Published row counts"),
    "quality.no_runs": ("发布文件没有记录任何发布。", "The published file records no publish."),
    "quality.none_failing": ("全部检查通过。", "Every check passed."),
    "alerts.open": ("未关闭预警", "Open alerts"),
    "alerts.level": ("{level} 级", "Level {level}"),
    "alerts.messages": ("消息", "Messages"),
    "alerts.tasks": ("动作任务", "Action tasks"),
    "alerts.none": ("没有未关闭的预警。", "No open alerts."),
    "alerts.none_at_all": ("没有预警。", "No alerts."),
    "goals.not_configured": (
        "尚未配置目标:发布文件中没有目标树(marts.fct_goal_attainment)。在 Excel 模板的 "
        "goal_tree、kpi_weights 工作表中配置后,下一次发布即显示。",
        "Goals are not configured: the published file holds no goal tree "
        "(marts.fct_goal_attainment). Fill the goal_tree and kpi_weights sheets of the Excel "
        "template; the next publish shows them.",
    ),
    "card.not_configured": (
        "尚未配置目标:发布文件中没有员工得分(marts.fct_employee_score),个人卡片暂无内容。",
        "Goals are not configured: the published file holds no employee score "
        "(marts.fct_employee_score), so there is no personal card yet.",
    ),
    "card.not_found": ("员工 {employee} 没有得分。", "Employee {employee} has no score."),
    "card.score": ("得分", "Score"),
    "card.month": ("月份", "Month"),
    "card.points": ("贡献积分", "Contribution points"),
    "card.goals": ("目标与权重", "Goals and weights"),
    "card.badges": ("徽章", "Badges"),
    "card.capabilities": ("能力档案", "Capability profile"),
    "card.none": ("暂无。", "None yet."),
    "col.attainment": ("达成率", "Attainment"),
    "col.rolled_up_attainment": ("汇总达成率", "Rolled-up attainment"),
    "col.weight": ("权重", "Weight"),
    "col.goal_id": ("目标编号", "Goal"),
    "col.actual": ("实际值", "Actual"),
    "col.owner_id": ("负责人", "Owner"),
    "col.score_contribution": ("得分贡献", "Score contribution"),
    "col.weight_effective_from": ("权重生效日", "Weight effective from"),
    "col.badge_name": ("徽章", "Badge"),
    "col.awarded_at": ("授予时间", "Awarded"),
    "col.evidence": ("依据", "Evidence"),
    "col.skill_name": ("技能", "Skill"),
    "col.evidence_count": ("证据数", "Evidence count"),
    "col.last_evidence_at": ("最近证据", "Last evidence"),
    "col.level": ("等级", "Level"),
    "col.yellow_threshold": ("预警线", "Yellow line"),
    "col.red_threshold": ("红线", "Red line"),
    "col.target_source": ("目标来源", "Target source"),
    "col.kpi_daily_id": ("kpi_daily 键", "kpi_daily key"),
    "col.stage": ("环节", "Stage"),
    "col.stage_weight": ("环节权重", "Stage weight"),
    "col.employee_name": ("员工", "Employee"),
    "col.recorded_qty": ("记录数量", "Recorded qty"),
}


def t(key: str, lang: Lang, **values: object) -> str:
    """A dashboard word; the reports' dictionary for the keys it owns."""
    if key in _LABELS:
        text = _LABELS[key][0 if lang == "zh" else 1]
        return text.format(**values) if values else text
    return report_label(key, lang, **values)


def column_label(column: str, lang: Lang) -> str:
    """A column header: the dictionaries' `col.<name>` when either has one, else the
    column's own (published) name."""
    key = f"col.{column}"
    if key in _LABELS:
        return t(key, lang)
    return optional_label(key, lang, column)
