"""The source contract: every entity each source system serves, its fields, key and
version column.

This is the product's one description of what it reads. The clients ask for these
entities and these fields, the bulk load types and checks every landed record against
them (extractors/landing/), the Dagster ingest assets are one per entity
(orchestration/defs/ingest/assets.py), and the dbt sources declare one raw table per
entity with these columns (tests/extractors/test_source_contract.py holds them together). The demo
simulator (simulator/) imports it to generate and serve the same entities; nothing here
knows about the simulator. Adding a source starts here (CONTRIBUTING.md).

Conventions
-----------
* Field names are the source system's own names (Salesforce PascalCase, U8 lowercase
  abbreviations, Weaver camelCase, our ISA-95 REST APIs snake_case): raw lands
  unchanged and renaming happens in dbt staging.
* Versions: a record may arrive many times, one per version. The ``modstamp`` field says
  when that version was written in the source system; it is the incremental cursor and
  the high-water mark.
* Deletes: entities with a ``deleted`` field mark a deleting version with ``true``.
* Timestamps are written the way the source system sends them:
  - ``ts_utc``: ``2026-03-01T02:15:09.000+0000`` (Salesforce) or ``...Z`` (MTConnect);
  - ``ts_local``: ``2026-03-01 10:15:09``, plant-local wall time with no zone (U8, Weaver);
  - ``ts_offset``: ``2026-03-01T10:15:09+08:00`` (our REST APIs, ISO 8601 with offset).
* Types: ``str``, ``int``, ``dec`` (decimal number, plain notation), ``bool``
  (``true``/``false``), ``date`` (``YYYY-MM-DD``) and the three timestamp kinds above.
* A dataset (the simulator's files, docs/dataset.md) holds each entity as one CSV file,
  ``<source>/<entity>.csv`` (``Entity.path``), one row per version.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # str | int | dec | bool | date | ts_utc | ts_local | ts_offset
    required: bool = False
    doc: str = ""
    # A column added to a sheet after plants had workbooks: a workbook without it reads as
    # if every cell of it were empty (the column's default applies), not as a missing column.
    may_be_absent: bool = False


@dataclass(frozen=True)
class Entity:
    source: str  # crm | erp | oa | mes | qms | wms | hr
    name: str  # snake_case plural: file name, landing folder, raw table suffix
    key: tuple[str, ...]
    modstamp: str  # column holding the version time (see module doc)
    fields: tuple[Field, ...]
    doc: str = ""
    deleted: str | None = None  # column that marks a deleting version
    protocol_name: str = ""  # the name the source protocol uses (sObject, list key, path)
    extra: dict = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"{self.source}/{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.source}.{self.name} has no field {name!r}")


def F(  # noqa: N802
    name: str,
    type_: str = "str",
    required: bool = False,
    doc: str = "",
    may_be_absent: bool = False,
) -> Field:
    return Field(name, type_, required, doc, may_be_absent)


# Salesforce system fields every sObject carries in the dataset.
_SF_SYSTEM = (
    F("CreatedDate", "ts_utc", True),
    F("LastModifiedDate", "ts_utc", True),
    F("SystemModstamp", "ts_utc", True, "version time; incremental cursor"),
    F("IsDeleted", "bool", True, "true on the deleting version (served by queryAll only)"),
)

CRM = (
    Entity(
        "crm",
        "users",
        ("Id",),
        "SystemModstamp",
        (
            F("Id", required=True),
            F("Name", required=True),
            F("Username"),
            F("EmployeeNumber", doc="HR employee_no of the user"),
            F("Department"),
            F("IsActive", "bool"),
            *_SF_SYSTEM,
        ),
        "Salesforce users (sales and service staff).",
        "IsDeleted",
        "User",
    ),
    Entity(
        "crm",
        "accounts",
        ("Id",),
        "SystemModstamp",
        (
            F("Id", required=True),
            F("Name", required=True),
            F("AccountNumber", doc="= ERP customer code"),
            F("Industry"),
            F("BillingCity"),
            F("OwnerId"),
            F("Grade__c", doc="customer grade A/B/C; changes over time"),
            F("Is_Key_Account__c", "bool"),
            *_SF_SYSTEM,
        ),
        "Customer accounts. AccountNumber links to the ERP customer code.",
        "IsDeleted",
        "Account",
    ),
    Entity(
        "crm",
        "opportunities",
        ("Id",),
        "SystemModstamp",
        (
            F("Id", required=True),
            F("Name"),
            F("AccountId", required=True),
            F("OwnerId"),
            F("StageName"),
            F("IsClosed", "bool"),
            F("IsWon", "bool"),
            F("CloseDate", "date"),
            F("Amount", "dec"),
            F("Is_Urgent__c", "bool"),
            *_SF_SYSTEM,
        ),
        "Sales opportunities; won ones become contracts and ERP sales orders.",
        "IsDeleted",
        "Opportunity",
    ),
    Entity(
        "crm",
        "contracts",
        ("Id",),
        "SystemModstamp",
        (
            F("Id", required=True),
            F("ContractNumber", required=True),
            F("AccountId", required=True),
            F("OwnerId"),
            F("Opportunity__c"),
            F("Status"),
            F("StatusCode"),
            F("CustomerSignedDate", "date"),
            F("CompanySignedDate", "date"),
            F("StartDate", "date"),
            F("ContractTerm", "int"),
            F("ActivatedDate", "ts_utc"),
            F("ERP_Order_No__c", doc="the U8 sales order code this contract became"),
            F("Amount__c", "dec"),
            *_SF_SYSTEM,
        ),
        "Signed sales contracts (signing = the sales stage of the contribution trace).",
        "IsDeleted",
        "Contract",
    ),
    Entity(
        "crm",
        "cases",
        ("Id",),
        "SystemModstamp",
        (
            F("Id", required=True),
            F("CaseNumber", required=True),
            F("AccountId"),
            F("OwnerId"),
            F("Type", doc="Complaint | Question | Service"),
            F("Reason"),
            F("Priority"),
            F("Status"),
            F("IsEscalated", "bool"),
            F("IsClosed", "bool"),
            F("ClosedDate", "ts_utc"),
            F("Subject"),
            F("Description"),
            F("Order_No__c", doc="related ERP sales order code, if any"),
            F("Product_Line__c", doc="affected line code, if any"),
            *_SF_SYSTEM,
        ),
        "Service cases: complaints and escalations are the external signals.",
        "IsDeleted",
        "Case",
    ),
    Entity(
        "crm",
        "tasks",
        ("Id",),
        "SystemModstamp",
        (
            F("Id", required=True),
            F("WhatId", doc="related case or opportunity Id"),
            F("OwnerId"),
            F("Subject"),
            F("Status"),
            F("ActivityDate", "date"),
            F("CompletedDateTime", "ts_utc"),
            *_SF_SYSTEM,
        ),
        "Follow-up tasks on cases and opportunities.",
        "IsDeleted",
        "Task",
    ),
)

# U8 version column: local wall time of the last change (served as `modifytime`; the real
# OpenAPI exposes `ufts` rowversion filters - see docs/sources/erp.md).
_U8_TS = F("modifytime", "ts_local", True, "last change, plant-local; incremental cursor")

ERP = (
    Entity(
        "erp",
        "customers",
        ("code",),
        "modifytime",
        (
            F("code", required=True),
            F("name", required=True),
            F("abbrname"),
            F("ccuscls", doc="customer class"),
            F("ccusgrade", doc="grade A/B/C"),
            F("cdccode", doc="region"),
            _U8_TS,
        ),
        "Customer master.",
        None,
        "customer",
    ),
    Entity(
        "erp",
        "inventories",
        ("code",),
        "modifytime",
        (
            F("code", required=True),
            F("name", required=True),
            F("name_en"),
            F("specs"),
            F("cinvccode", doc="inventory class"),
            F("ccomunitcode", doc="unit"),
            F("iinvsprice", "dec", doc="standard price excl. tax"),
            F("std_hours", "dec", doc="standard labour hours per unit (定额工时)"),
            _U8_TS,
        ),
        "Products (finished goods).",
        None,
        "inventory",
    ),
    Entity(
        "erp",
        "sale_orders",
        ("code",),
        "modifytime",
        (
            F("code", required=True),
            F("date", "date", True),
            F("custcode", required=True),
            F("cusname"),
            F("deptcode"),
            F("personcode", doc="salesperson employee_no"),
            F("businesstype"),
            F("state", doc="开立 | 审核 | 关闭"),
            F("dpredatebt", "date", doc="header promised date (current)"),
            F("taxrate", "dec"),
            F("cmemo"),
            F("is_urgent", "bool"),
            F("contract_no", doc="CRM ContractNumber"),
            _U8_TS,
        ),
        "Sales order headers; lines in sale_order_lines (served nested as `entry`).",
        None,
        "saleorder",
    ),
    Entity(
        "erp",
        "sale_order_lines",
        ("code", "rowno"),
        "modifytime",
        (
            F("code", required=True),
            F("rowno", "int", True),
            F("inventory_code", required=True),
            F("quantity", "dec", True),
            F("price", "dec", doc="unit price excl. tax"),
            F("taxprice", "dec", doc="unit price incl. tax"),
            F("money", "dec", doc="net amount excl. tax"),
            F("tax", "dec"),
            F("sum", "dec", doc="amount incl. tax"),
            F("dpredate", "date", doc="line promised date (current)"),
            F("closed", "bool", doc="true = line cancelled"),
            _U8_TS,
        ),
        "Sales order lines.",
        None,
        "saleorder.entry",
    ),
    Entity(
        "erp",
        "sale_order_changes",
        ("id",),
        "modifytime",
        (
            F("id", required=True),
            F("code", required=True),
            F("rowno", "int"),
            F("change_type", doc="promise_date | quantity | cancel"),
            F("old_value"),
            F("new_value"),
            F("requested_by", doc="customer | plant"),
            F("reason"),
            F("changed_at", "ts_local", True),
            F("personcode"),
            _U8_TS,
        ),
        "Sales order change log (变更单).",
        None,
        "saleorderchange",
    ),
    Entity(
        "erp",
        "purchase_orders",
        ("code",),
        "modifytime",
        (
            F("code", required=True),
            F("date", "date", True),
            F("vencode"),
            F("venname"),
            F("personcode", doc="buyer employee_no"),
            F("socode", doc="sales order it supplies"),
            F("inventory_code"),
            F("quantity", "dec"),
            F("money", "dec"),
            F("arrivedate", "date"),
            F("state"),
            _U8_TS,
        ),
        "Purchase orders for sales-order components (MTO).",
        None,
        "purchaseorder",
    ),
    Entity(
        "erp",
        "production_orders",
        ("code",),
        "modifytime",
        (
            F("code", required=True),
            F("socode"),
            F("sorowno", "int"),
            F("inventory_code", required=True),
            F("quantity", "dec", True),
            F("line_code"),
            F("personcode", doc="planner employee_no"),
            F("startdate", "date"),
            F("duedate", "date"),
            F("state"),
            _U8_TS,
        ),
        "Production orders (MOM); no public OpenAPI endpoint - served like the list APIs.",
        None,
        "productionorder",
    ),
    Entity(
        "erp",
        "consignments",
        ("code", "rowno"),
        "modifytime",
        (
            F("code", required=True),
            F("rowno", "int", True),
            F("date", "date", True),
            F("custcode"),
            F("socode", required=True),
            F("sorowno", "int", True),
            F("inventory_code"),
            F("quantity", "dec", True),
            F("personcode"),
            F("verify_time", "ts_local"),
            _U8_TS,
        ),
        "Dispatch lists (发货单) by line.",
        None,
        "consignment",
    ),
    Entity(
        "erp",
        "sale_invoices",
        ("code", "rowno"),
        "modifytime",
        (
            F("code", required=True),
            F("rowno", "int", True),
            F("date", "date", True),
            F("custcode"),
            F("socode", required=True),
            F("sorowno", "int", True),
            F("inventory_code"),
            F("quantity", "dec", True, "negative on a credit note"),
            F("money", "dec", doc="net excl. tax"),
            F("sum", "dec"),
            F("invoice_type", doc="blue | red (red = credit note)"),
            F("personcode", doc="finance clerk employee_no"),
            F("verify_time", "ts_local", True, "audit time = invoiced moment"),
            _U8_TS,
        ),
        "Sales invoices by line; red invoices are credit notes.",
        None,
        "saleinvoice",
    ),
    Entity(
        "erp",
        "receipts",
        ("code",),
        "modifytime",
        (
            F("code", required=True),
            F("date", "date", True),
            F("custcode"),
            F("socode"),
            F("amount", "dec", True),
            F("personcode"),
            F("verify_time", "ts_local"),
            _U8_TS,
        ),
        "Customer payments (收款单).",
        None,
        "receive",
    ),
)

OA = (
    Entity(
        "oa",
        "workflow_requests",
        ("requestId",),
        "lastOperateTime",
        (
            F("requestId", required=True),
            F("requestName"),
            F("workflowId"),
            F("workflowName"),
            F("workflowTypeName"),
            F("creatorId", doc="OA user id"),
            F("creatorName"),
            F("createTime", "ts_local", True),
            F("lastOperateTime", "ts_local", True),
            F("lastOperatorId"),
            F("status"),
            F("currentNodeName"),
            F("related_case", doc="main table: CRM CaseNumber"),
            F("related_order", doc="main table: ERP sales order code"),
            F("related_customer", doc="main table: ERP customer code"),
        ),
        "Workflow requests (approvals, corrective actions).",
        None,
        "workflowRequest",
    ),
    Entity(
        "oa",
        "workflow_logs",
        ("logId",),
        "operateTime",
        (
            F("logId", required=True),
            F("requestId", required=True),
            F("nodeName"),
            F("operatorId"),
            F("operatorName"),
            F("operateType", doc="提交 | 批准 | 退回 | 归档"),
            F("operateTime", "ts_local", True),
            F("remark"),
        ),
        "Handler steps of each request (workflowRequestLogs).",
        None,
        "workflowRequestLogs",
    ),
)

_TS = F("updated_at", "ts_offset", True, "last change; `updated_since` cursor")

MES = (
    Entity(
        "mes",
        "equipment",
        ("equipment_id",),
        "updated_at",
        (
            F("equipment_id", required=True),
            F("name"),
            F("name_en"),
            F("line_code"),
            F("work_center"),
            F("mtconnect_uuid"),
            F("plant_code"),
            _TS,
        ),
        "Machines (ISA-95 equipment) per line.",
        None,
        "equipment",
    ),
    Entity(
        "mes",
        "routings",
        ("product_code", "line_code"),
        "updated_at",
        (
            F("product_code", required=True),
            F("line_code", required=True),
            F("ideal_cycle_seconds", "dec", True),
            F(
                "std_labour_hours",
                "dec",
                doc="standard labour hours per unit for this step; "
                "good units × this = standard hours earned (output per head)",
            ),
            _TS,
        ),
        "Ideal cycle time and labour standard per product on a line.",
        None,
        "routings",
    ),
    Entity(
        "mes",
        "machine_states",
        ("mtconnect_uuid", "timestamp"),
        "timestamp",
        (
            F("mtconnect_uuid", required=True),
            F("timestamp", "ts_utc", True),
            F("state", required=True, doc="running | planned_stop | unplanned_down"),
            F("reason_code"),
            F("reason_text"),
        ),
        "Machine state changes, in timestamp order (the simulator numbers them as MTConnect\n"
        "sequences and serves them as Execution/Condition observations).",
        None,
        "MTConnectStreams",
    ),
    Entity(
        "mes",
        "production_counts",
        ("record_id",),
        "updated_at",
        (
            F("record_id", required=True),
            F("equipment_id", required=True),
            F("production_order"),
            F("product_code"),
            F("team_code"),
            F("shift_code"),
            F("hour_start", "ts_offset", True),
            F("produced_qty", "int", True),
            F("good_qty", "int", True),
            F("operator_no"),
            _TS,
        ),
        "Hourly produced and good counts per machine (ISA-95 ProductionPerformance).",
        None,
        "production-performance",
    ),
    Entity(
        "mes",
        "first_piece_checks",
        ("check_id",),
        "updated_at",
        (
            F("check_id", required=True),
            F("equipment_id"),
            F("production_order"),
            F("product_code"),
            F("checked_at", "ts_offset", True),
            F("inspector_no"),
            F("result", doc="pass | fail"),
            _TS,
        ),
        "First-piece inspections.",
        None,
        "first-piece-checks",
    ),
    Entity(
        "mes",
        "parameter_changes",
        ("change_id",),
        "updated_at",
        (
            F("change_id", required=True),
            F("equipment_id"),
            F("line_code"),
            F("changed_at", "ts_offset", True),
            F("parameter"),
            F("old_value"),
            F("new_value"),
            F("changed_by"),
            F("reason"),
            F("related_case"),
            _TS,
        ),
        "Logged process parameter changes.",
        None,
        "parameter-changes",
    ),
)

QMS = (
    Entity(
        "qms",
        "inspections",
        ("inspection_id",),
        "updated_at",
        (
            F("inspection_id", required=True),
            F("production_order"),
            F("product_code"),
            F("equipment_id"),
            F("line_code"),
            F("team_code"),
            F("inspected_at", "ts_offset", True),
            F("inspection_type", required=True, doc="first | reinspection | final"),
            F("inspected_qty", "int", True),
            F("passed_qty", "int", True),
            F("inspector_no"),
            _TS,
        ),
        "Inspections; `first` is first-pass inspection.",
        None,
        "inspections",
    ),
    Entity(
        "qms",
        "defects",
        ("defect_id",),
        "updated_at",
        (
            F("defect_id", required=True),
            F("inspection_id", required=True),
            F("defect_code"),
            F("defect_name"),
            F("qty", "int", True),
            F("disposition", doc="rework | scrap | concession"),
            _TS,
        ),
        "Defects found at inspection.",
        None,
        "defects",
    ),
    Entity(
        "qms",
        "rework_orders",
        ("rework_id",),
        "updated_at",
        (
            F("rework_id", required=True),
            F("defect_id"),
            F("production_order"),
            F("team_code"),
            F("reworked_qty", "int", True),
            F("started_at", "ts_offset"),
            F("finished_at", "ts_offset"),
            F("operator_no"),
            F("result", doc="ok | scrap"),
            _TS,
        ),
        "Rework of defective units.",
        None,
        "rework-orders",
    ),
    Entity(
        "qms",
        "line_measures",
        ("measure_id",),
        "updated_at",
        (
            F("measure_id", required=True),
            F("line_code"),
            F("equipment_id"),
            F("measured_at", "ts_offset", True),
            F("measure_type", doc="weld_strength | voc"),
            F("value", "dec", True),
            F("unit"),
            F("lower_limit", "dec"),
            F("upper_limit", "dec"),
            _TS,
        ),
        "Line measures: weld strength (kN) on welding, VOC (mg/m3) on painting.",
        None,
        "line-measures",
    ),
)

WMS = (
    Entity(
        "wms",
        "shipments",
        ("shipment_id",),
        "updated_at",
        (
            F("shipment_id", required=True),
            F("consignment_code"),
            F("so_code", required=True),
            F("customer_code"),
            F("warehouse"),
            F("shipped_at", "ts_offset"),
            F("carrier"),
            F("handled_by", doc="warehouse employee_no"),
            F("status", doc="picking | shipped | delivered"),
            _TS,
        ),
        "Outbound shipments.",
        None,
        "shipments",
    ),
    Entity(
        "wms",
        "shipment_lines",
        ("shipment_id", "line_no"),
        "updated_at",
        (
            F("shipment_id", required=True),
            F("line_no", "int", True),
            F("so_code", required=True),
            F("so_rowno", "int", True),
            F("product_code"),
            F("qty", "int", True),
            _TS,
        ),
        "Outbound shipment lines.",
        None,
        "shipment-lines",
    ),
    Entity(
        "wms",
        "proofs_of_delivery",
        ("pod_id",),
        "updated_at",
        (
            F("pod_id", required=True),
            F("shipment_id", required=True),
            F("so_code", required=True),
            F("so_rowno", "int", True),
            F("signed_at", "ts_offset", True),
            F("signer"),
            F("signed_qty", "int", True),
            F("driver_no"),
            _TS,
        ),
        "Proof of delivery per shipment line: the customer's signature.",
        None,
        "proofs-of-delivery",
    ),
)

HR = (
    Entity(
        "hr",
        "departments",
        ("department_code",),
        "updated_at",
        (
            F("department_code", required=True),
            F("name", required=True),
            F("name_en"),
            F("parent_code"),
            F("manager_no"),
            _TS,
        ),
        "Departments.",
        None,
        "departments",
    ),
    Entity(
        "hr",
        "teams",
        ("team_code",),
        "updated_at",
        (
            F("team_code", required=True),
            F("name", required=True),
            F("name_en"),
            F("department_code"),
            F("line_code"),
            F("leader_no"),
            _TS,
        ),
        "Teams (production teams run a line).",
        None,
        "teams",
    ),
    Entity(
        "hr",
        "employees",
        ("employee_no",),
        "updated_at",
        (
            F("employee_no", required=True),
            F("name", required=True),
            F("name_en"),
            F("gender"),
            F("department_code"),
            F("team_code"),
            F("position"),
            F("manager_no"),
            F("hire_date", "date"),
            F("leave_date", "date"),
            F("status", doc="active | left"),
            F("oa_user_id"),
            F("sf_user_id"),
            _TS,
        ),
        "Employees; team transfers create new versions.",
        None,
        "employees",
    ),
    Entity(
        "hr",
        "shifts",
        ("shift_code",),
        "updated_at",
        (
            F("shift_code", required=True),
            F("name"),
            F("name_en"),
            F("start_time", doc="HH:MM local"),
            F("end_time", doc="HH:MM local, may be next day"),
            F("planned_break_minutes", "int"),
            _TS,
        ),
        "Shift definitions.",
        None,
        "shifts",
    ),
    Entity(
        "hr",
        "shift_schedules",
        ("work_date", "team_code"),
        "updated_at",
        (
            F("work_date", "date", True),
            F("team_code", required=True),
            F("shift_code", required=True),
            _TS,
        ),
        "Which shift each team works on each date.",
        None,
        "shift-schedules",
    ),
    Entity(
        "hr",
        "attendance",
        ("attendance_id",),
        "updated_at",
        (
            F("attendance_id", required=True),
            F("employee_no", required=True),
            F("work_date", "date", True),
            F("shift_code"),
            F("clock_in", "ts_offset"),
            F("clock_out", "ts_offset"),
            F("hours", "dec"),
            F("absence_type"),
            _TS,
        ),
        "Attendance per employee per day.",
        None,
        "attendance",
    ),
    Entity(
        "hr",
        "training_records",
        ("record_id",),
        "updated_at",
        (
            F("record_id", required=True),
            F("employee_no", required=True),
            F("course_code", required=True, doc="e.g. MES-FAULT-101 (the MES fault-code course)"),
            F("course_name"),
            F("status", doc="completed | enrolled"),
            F("completed_on", "date", doc="the day the course was passed"),
            F("score", "dec"),
            _TS,
        ),
        "Training records: who took which course, and when it was passed (SPEC 9.5 badges).",
        None,
        "training-records",
    ),
)

ENTITIES: tuple[Entity, ...] = CRM + ERP + OA + MES + QMS + WMS + HR
SOURCES = ("crm", "erp", "oa", "mes", "qms", "wms", "hr")


def entity(source: str, name: str) -> Entity:
    for candidate in ENTITIES:
        if candidate.source == source and candidate.name == name:
            return candidate
    raise KeyError(f"unknown entity {source}.{name}")


def entities_of(source: str) -> tuple[Entity, ...]:
    return tuple(e for e in ENTITIES if e.source == source)
