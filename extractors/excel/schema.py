"""The Excel drop as landed entities (docs/sources/excel.md).

targets.xlsx is a contract: each sheet lands with its header row as column names and the
values typed and checked; a bad cell stops the load with an error naming file, sheet, row
and column. Department workbooks are kept the way people keep them, so they land as-is,
one record per non-empty row with its cells, for reconciliation and audit.
"""

from __future__ import annotations

from extractors.contract import Entity, F

_FILE = (
    F("source_file", required=True, doc="workbook file name"),
    F("source_row", "int", True, doc="row number in the sheet (1-based)"),
    F("file_modified_at", "ts_utc", True, "the workbook's modification time; version"),
)

TARGETS_FILE = "targets.xlsx"

KPI_TARGETS = Entity(
    "excel",
    "kpi_targets",
    ("scope_type", "scope_code", "kpi_code", "valid_from"),
    "file_modified_at",
    (
        F("scope_type", required=True),
        F("scope_code", required=True),
        F("scope_name"),
        F("kpi_code", required=True),
        F("kpi_name"),
        F("unit"),
        F("direction", required=True),
        F("target", "dec", True),
        F("yellow_threshold", "dec"),
        F("red_threshold", "dec", True),
        F("valid_from", "date"),
        *_FILE,
    ),
    "KPI targets and thresholds per scope (targets.xlsx, sheet kpi_targets).",
    None,
    "kpi_targets",
)
STAGE_WEIGHTS = Entity(
    "excel",
    "stage_weights",
    ("stage",),
    "file_modified_at",
    (
        F("stage", required=True),
        F("stage_name"),
        F("weight", "dec", True),
        F("description"),
        *_FILE,
    ),
    "Contribution stage weights (targets.xlsx, sheet stage_weights); they sum to 1.",
    None,
    "stage_weights",
)
LINE_THRESHOLDS = Entity(
    "excel",
    "line_thresholds",
    ("line_code", "measure_type", "metric"),
    "file_modified_at",
    (
        F("line_code", required=True),
        F("line_name"),
        F("measure_type", required=True),
        F("metric", required=True),
        F("unit"),
        F("yellow_threshold", "dec"),
        F("red_threshold", "dec"),
        F("lower_limit", "dec"),
        F("upper_limit", "dec"),
        F("meaning"),
        *_FILE,
    ),
    "Per-line process thresholds (targets.xlsx, sheet line_thresholds).",
    None,
    "line_thresholds",
)
ALERT_RULES = Entity(
    "excel",
    "alert_rules",
    ("rule_id",),
    "file_modified_at",
    (
        F("rule_id", required=True, doc="R1, R2, ...; unique in the sheet"),
        F("name", required=True, doc="Chinese name, as messages show it"),
        F("name_en"),
        F("scope_type", required=True, doc="machine | team | line | order | customer"),
        F("condition", required=True, doc="kpi, or a named event condition"),
        F("kpi_code", doc="a kpi_definitions code (condition kpi)"),
        F("comparator", doc="< <= > >="),
        F("threshold", "dec"),
        F("window", required=True, doc="hour | shift | day"),
        F("windows", "int", doc="consecutive windows the condition must hold (default 1)"),
        F("level1_role", required=True),
        F("cc_role"),
        F("ack_timeout_l1_minutes", "int", doc="default 1440"),
        F("ack_timeout_l2_minutes", "int", doc="default 1440"),
        F("channels", required=True, doc="comma list: wecom, dingtalk, email (wecom:robot)"),
        F("actions", doc="; list of kind:role:template"),
        F("enabled", "bool", doc="default true"),
        *_FILE,
    ),
    "Alert rules as data (targets.xlsx, sheet alert_rules; SPEC 8.1).",
    None,
    "alert_rules",
)
DEPARTMENT_ROWS = Entity(
    "excel",
    "department_rows",
    ("source_file", "sheet", "source_row"),
    "file_modified_at",
    (
        F("sheet", required=True),
        F("cells", required=True, doc="JSON array of the row's cell values"),
        *_FILE,
    ),
    "Department workbooks as kept: every non-empty row of every sheet, cells as JSON.",
    None,
    "department_rows",
)

# ---- Goals and elastic weights (SPEC 9.1, 9.2; docs/goals.md) ----
GOAL_TREE = Entity(
    "excel",
    "goal_tree",
    ("goal_id",),
    "file_modified_at",
    (
        F("goal_id", required=True, doc="unique in the sheet"),
        F("parent_goal_id", doc="the goal this one serves; empty for a root"),
        F("owner_type", required=True, doc="plant | department | team | employee"),
        F("owner_id", required=True, doc="plant code, department, team or employee id"),
        F("period", required=True, doc="YYYY-MM (month) or YYYY-Qn (quarter)"),
        F("kpi_code", required=True, doc="a kpi_definitions code"),
        F("scope_type", required=True, doc="the kpi_daily scope the goal reads"),
        F("scope_id", required=True, doc="the kpi_daily scope id the goal reads"),
        F("target", "dec", True),
        F("value_path", doc="how the goal serves its parent; required but for a root"),
        F("data_binding", doc="kpi_daily (the only binding; empty = kpi_daily)"),
        *_FILE,
    ),
    "Goal tree: each goal bound to a kpi_daily KPI and scope (targets.xlsx, sheet goal_tree).",
    None,
    "goal_tree",
)
KPI_WEIGHTS = Entity(
    "excel",
    "kpi_weights",
    ("owner_type", "owner_id", "kpi_code", "effective_from"),
    "file_modified_at",
    (
        F("owner_type", required=True, doc="plant | department | team | employee"),
        F("owner_id", required=True),
        F("kpi_code", required=True),
        F("weight", "dec", True),
        F("effective_from", "date", True),
        F("effective_to", "date", doc="last day in force; empty = open"),
        *_FILE,
    ),
    "KPI weights per owner, effective-dated (targets.xlsx, sheet kpi_weights); sum to 1.",
    None,
    "kpi_weights",
)
WEIGHT_RULES = Entity(
    "excel",
    "weight_rules",
    ("rule_id",),
    "file_modified_at",
    (
        F("rule_id", required=True, doc="unique in the sheet"),
        F("condition", required=True, doc="new_channel | key_rush_order"),
        F("from_date", "date", True, doc="first day the rule applies"),
        F("owner_type", doc="new_channel: whose weights move"),
        F("owner_id", doc="new_channel: the owner, or * for every owner of owner_type"),
        F("kpi_raised", doc="new_channel: the KPI whose weight rises"),
        F("kpi_lowered", doc="new_channel: the KPI that gives up the difference"),
        F("new_weight", "dec", doc="new_channel: the raised KPI's new weight"),
        F("factor", "dec", doc="key_rush_order: points-pool factor (default 1.5)"),
        F("customer_grade", doc="key_rush_order: customer grade (default A)"),
        F("max_lead_days", "int", doc="key_rush_order: longest lead time in days (default 7)"),
        F("description"),
        *_FILE,
    ),
    "Rules that move weights or multiply points pools (targets.xlsx, sheet weight_rules).",
    None,
    "weight_rules",
)
GOAL_SHEETS = (GOAL_TREE, KPI_WEIGHTS, WEIGHT_RULES)

# ---- recognition (SPEC 9.4-9.5): feedback_rules, badge_rules; checks in recognition.py
FEEDBACK_RULES = Entity(
    "excel",
    "feedback_rules",
    ("rule_id",),
    "file_modified_at",
    (
        F("rule_id", required=True, doc="F1, F2, ...; unique in the sheet"),
        F("name", required=True, doc="Chinese name"),
        F("name_en"),
        F("event", required=True, doc="alert_task | crm_renewal_won"),
        F("alert_rule_id", doc="alert_task: the alert_rules rule whose OA task it is"),
        F("role", doc="crm_renewal_won: who answers (account_owner)"),
        F("template", required=True, doc="the OA task's template (its title)"),
        F("minutes", "int", doc="how long answering takes, as the task says"),
        F("questions", doc="the template's short questions, ; separated"),
        F("skill_code", required=True, doc="the skill a completed answer is evidence for"),
        F("skill_name", required=True),
        F("skill_name_en"),
        F("enabled", "bool", doc="default true"),
        F(
            "cooldown_days",
            "int",
            doc="crm_renewal_won: a person is asked at most once per rule in this many days "
            "(30); a workbook from before the column may leave it out",
            may_be_absent=True,
        ),
        *_FILE,
    ),
    "Micro-feedback event rules (targets.xlsx, sheet feedback_rules; SPEC 9.4).",
    None,
    "feedback_rules",
)
BADGE_RULES = Entity(
    "excel",
    "badge_rules",
    ("badge_code", "level"),
    "file_modified_at",
    (
        F("badge_code", required=True, doc="lowercase letters, digits, _"),
        F("level", "int", True, doc="1, 2, ...; one award per employee and level"),
        F("badge_name", required=True, doc="Chinese name"),
        F("badge_name_en"),
        F("condition", required=True, doc="training_completed | team_oee_streak"),
        F("course_code", doc="training_completed: the HR training course"),
        F("share_of_shifts", "dec", doc="team_oee_streak: share of shifts on target (0.95)"),
        F("weeks", "int", doc="team_oee_streak: consecutive weeks (3)"),
        F("skill_code", doc="the skill the badge is evidence for"),
        F("enabled", "bool", doc="default true"),
        *_FILE,
    ),
    "Badge rules (targets.xlsx, sheet badge_rules; SPEC 9.5).",
    None,
    "badge_rules",
)

TARGET_SHEETS = (
    KPI_TARGETS,
    STAGE_WEIGHTS,
    LINE_THRESHOLDS,
    ALERT_RULES,
    *GOAL_SHEETS,
    FEEDBACK_RULES,
    BADGE_RULES,
)
EXCEL_ENTITIES = (*TARGET_SHEETS, DEPARTMENT_ROWS)
