"""Signals and responses: CRM cases and tasks, OA workflows, MES parameter changes.

A complaint (or an escalation) is the external signal; the first OA workflow that
references its case, order or customer, or a logged parameter change on its line, is the
response (SPEC §5.5). Response delays are drawn from a log-normal: most within a day, a
tail of several days.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from simulator.generator.clock import DAY, HOUR, MINUTE, dstr, ts_local, ts_offset, ts_sf
from simulator.generator.context import Ctx
from simulator.generator.master import Employee, Machine, _sf_id, pick

WORKFLOWS: dict[str, tuple[str, str, str]] = {
    # kind: (workflowId, workflowName, workflowTypeName)
    "alert_task": ("3001", "预警行动任务", "预警"),  # as the simulator's OA creates them
    "contract": ("1001", "销售合同审批", "销售"),
    "corrective": ("2001", "质量纠正预防措施(8D)", "质量"),
    "deviation": ("2002", "生产偏差让步审批", "生产"),
    "promise": ("1002", "交期变更审批", "销售"),
}
PARAMETERS: dict[str, tuple[tuple[str, float, float], ...]] = {
    # line kind: (parameter, nominal, step)
    "WLD": (
        ("welding_current_A", 215.0, 5.0),
        ("wire_feed_m_min", 8.5, 0.3),
        ("weld_speed_mm_s", 12.0, 0.5),
    ),
    "PNT": (
        ("film_thickness_um", 85.0, 3.0),
        ("oven_temp_C", 180.0, 2.0),
        ("atomizer_rpm", 32000.0, 1000.0),
    ),
    "ASM": (("torque_Nm", 45.0, 1.0), ("press_force_kN", 12.0, 0.5)),
    "MCH": (
        ("spindle_rpm", 3200.0, 100.0),
        ("feed_mm_rev", 0.18, 0.01),
        ("tool_offset_mm", 0.0, 0.005),
    ),
}


def workflow(
    ctx: Ctx,
    kind: str,
    t: int,
    creator: Employee,
    steps: list[tuple[str, Employee, str, int]],
    name: str,
    *,
    case: str = "",
    order: str = "",
    customer: str = "",
) -> tuple[str, int]:
    """Write a workflow request (one version per handler step) and its log.

    ``steps`` are (node name, operator, operate type, seconds after the previous step);
    the first step is the creator's submission at ``t``. Returns (requestId, archive time).
    """
    plant = ctx.plant
    wf_id, wf_name, wf_type = WORKFLOWS[kind]
    request_id = f"{plant.no}{ctx.next('oa_request'):07d}"
    now = t
    for i, (node, who, op, delay) in enumerate(steps):
        now += delay
        last = i == len(steps) - 1
        next_node = steps[i + 1][0] if not last else "归档"
        ctx.tl.at(
            now,
            "oa/workflow_logs",
            logId=f"{plant.no}{ctx.next('oa_log'):08d}",
            requestId=request_id,
            nodeName=node,
            operatorId=who.oa_user_id,
            operatorName=who.name,
            operateType=op,
            operateTime=ts_local(now),
            remark="同意" if op == "批准" else "",
        )
        ctx.tl.at(
            now,
            "oa/workflow_requests",
            requestId=request_id,
            requestName=name,
            workflowId=wf_id,
            workflowName=wf_name,
            workflowTypeName=wf_type,
            creatorId=creator.oa_user_id,
            creatorName=creator.name,
            createTime=ts_local(t),
            lastOperateTime=ts_local(now),
            lastOperatorId=who.oa_user_id,
            status="归档" if last else "审批中",
            currentNodeName=next_node,
            related_case=case,
            related_order=order,
            related_customer=customer,
        )
    return request_id, now


def approval_steps(
    rng: random.Random, creator: Employee, approvers: list[Employee], archivist: Employee
) -> list[tuple[str, Employee, str, int]]:
    steps: list[tuple[str, Employee, str, int]] = [("申请人提交", creator, "提交", 0)]
    for i, who in enumerate(approvers):
        steps.append(
            (
                "部门经理审批" if i == 0 else "总经理审批",
                who,
                "批准",
                int(rng.uniform(0.5, 9) * HOUR),
            )
        )
    steps.append(("归档", archivist, "归档", int(rng.uniform(5, 60) * MINUTE)))
    return steps


def param_change(
    ctx: Ctx, rng: random.Random, t: int, machine: Machine, reason: str, case: str = ""
) -> None:
    name, nominal, step = rng.choice(PARAMETERS[machine.kind])
    old = nominal + step * rng.randint(-2, 2)
    new = old + step * rng.choice((-1, 1))
    engineer = pick(rng, ctx.plant.roles["engineer"])
    digits = 3 if step < 0.1 else (2 if step < 1 else 1)
    ctx.tl.at(
        t,
        "mes/parameter_changes",
        change_id=f"PC{ctx.plant.no:02d}{ctx.next('param'):07d}",
        equipment_id=machine.equipment_id,
        line_code=machine.line_code,
        changed_at=ts_offset(t),
        parameter=name,
        old_value=f"{old:.{digits}f}",
        new_value=f"{new:.{digits}f}",
        changed_by=engineer.no,
        reason=reason,
        related_case=case,
        updated_at=ts_offset(t + rng.randint(30, 600)),
    )


_COMPLAINT_REASONS: dict[str, tuple[str, str]] = {
    "WLD": ("焊接质量", "焊点虚焊/焊缝不良,客户来料检验发现"),
    "PNT": ("涂装质量", "漆面流挂、色差,客户装车前发现"),
    "ASM": ("装配质量", "漏装紧固件/扭矩不足"),
    "MCH": ("尺寸超差", "关键尺寸超差,影响客户装配"),
}


def complaint(
    ctx: Ctx,
    rng: random.Random,
    t: int,
    customer: str,
    order: str,
    kind: str,
    *,
    escalate: bool,
    response_hours: float | None = None,
    action_hours: float | None = None,
) -> str:
    """A complaint case with its status versions, follow-up task and the plant's responses.

    ``response_hours`` forces the delay of the first OA corrective action and
    ``action_hours`` the MES parameter change (the planted late answer uses both).
    Returns the CaseNumber.
    """
    plant = ctx.plant
    cust = ctx.customer(customer)
    line = plant.line(kind)
    owner = pick(rng, plant.roles["service"])
    n = ctx.next("case")
    case_id = _sf_id("500", plant.no, n)
    number = f"{plant.no:02d}{n:06d}"
    reason, text = _COMPLAINT_REASONS[kind]
    priority = "High" if escalate or cust.key else rng.choice(("Medium", "Medium", "Low"))
    created = t
    base = {
        "Id": case_id,
        "CaseNumber": number,
        "AccountId": cust.sf_id,
        "OwnerId": owner.sf_user_id,
        "Type": "Complaint",
        "Reason": reason,
        "Priority": priority,
        "Subject": f"{cust.abbr}投诉:{reason}",
        "Description": f"订单{order}:{text}",
        "Order_No__c": order,
        "Product_Line__c": line.code,
        "CreatedDate": ts_sf(created),
        "IsDeleted": False,
    }

    def version(at: int, status: str, escalated: bool, closed: bool) -> None:
        ctx.tl.at(
            at,
            "crm/cases",
            **base,
            Status=status,
            IsEscalated=escalated,
            IsClosed=closed,
            ClosedDate=ts_sf(at) if closed else "",
            LastModifiedDate=ts_sf(at),
            SystemModstamp=ts_sf(at),
        )

    version(created, "New", False, False)
    # Every complaint opens an R4 alert (docs/planted.md, "Alerts").
    ctx.planted.setdefault("_complaints", []).append(
        {"case_number": number, "customer": customer, "created": created, "escalated": escalate}
    )
    if created >= (ctx.start_day + PERFCHAIN_LIVE_AFTER_DAYS) * DAY:
        _perfchain_r4_task(ctx, created, number, order, customer, owner)
    working = created + int(rng.uniform(0.3, 4) * HOUR)
    version(working, "Working", False, False)
    now = working
    if escalate:
        now = working + int(rng.uniform(1, 20) * HOUR)
        version(now, "Escalated", True, False)
    if response_hours is None:
        # Escalated complaints get faster attention; a fifth wait for the weekly quality review.
        median = 10 if escalate else 20
        response_hours = rng.lognormvariate(0, 0.8) * median
        if rng.random() < 0.2:
            response_hours += rng.uniform(48, 110)
    first = created + int(response_hours * HOUR)
    engineer = pick(rng, plant.roles["quality_engineer"])
    approvers = [next(e for e in plant.employees if e.role == "qua_manager")]
    steps = approval_steps(rng, engineer, approvers, pick(rng, plant.roles["admin"]))
    workflow(
        ctx,
        "corrective",
        first,
        engineer,
        steps,
        f"8D纠正措施-{cust.abbr}-{number}",
        case=number,
        order=order,
        customer=customer,
    )
    if action_hours is not None or rng.random() < 0.5:
        hours = action_hours if action_hours is not None else response_hours + rng.uniform(1, 30)
        t_change = created + int(hours * HOUR)
        if action_hours is not None or not ctx.blocked(t_change, line=line.code):
            param_change(
                ctx, rng, t_change, rng.choice(line.machines), f"客诉{number}纠正措施", case=number
            )
    closed = max(now, first) + int(rng.uniform(2, 12) * DAY)
    version(closed, "Closed", escalate, True)
    _task(
        ctx, rng, case_id, owner, closed + int(rng.uniform(1, 3) * DAY), "客诉回访:确认纠正措施有效"
    )
    return number


def question(ctx: Ctx, rng: random.Random, t: int) -> None:
    """A routine customer question or service request (not a signal)."""
    plant = ctx.plant
    cust = rng.choice(ctx.group.customers)
    if ctx.blocked(t, customer=cust.code):
        return
    owner = pick(rng, plant.roles["service"])
    n = ctx.next("case")
    case_id = _sf_id("500", plant.no, n)
    kind = rng.choice(("Question", "Question", "Service"))
    subject = rng.choice(
        ("询问交期", "索取质量证明文件", "对账单核对", "包装规格咨询", "发票信息变更")
    )
    base = {
        "Id": case_id,
        "CaseNumber": f"{plant.no:02d}{n:06d}",
        "AccountId": cust.sf_id,
        "OwnerId": owner.sf_user_id,
        "Type": kind,
        "Reason": subject,
        "Priority": "Low",
        "Subject": f"{cust.abbr}:{subject}",
        "Description": subject,
        "IsEscalated": False,
        "CreatedDate": ts_sf(t),
        "IsDeleted": False,
    }
    ctx.tl.at(
        t,
        "crm/cases",
        **base,
        Status="New",
        IsClosed=False,
        LastModifiedDate=ts_sf(t),
        SystemModstamp=ts_sf(t),
    )
    done = t + int(rng.uniform(1, 30) * HOUR)
    ctx.tl.at(
        done,
        "crm/cases",
        **base,
        Status="Closed",
        IsClosed=True,
        ClosedDate=ts_sf(done),
        LastModifiedDate=ts_sf(done),
        SystemModstamp=ts_sf(done),
    )


# The plant's history has perfchain live from this day of the period on (datasets longer
# than it: the 90-day demo from its third month; the tests' 45-day slice never): its R4
# trigger's OA tasks are in the OA history, created by its service account in the hourly
# signals batch after each complaint (docs/planted.md, "Recognition"). A catch-up night
# expires its own copies of those tasks (never counted), but reads these as the replayed
# history's auto-triggered responses (fct_signal_response.is_auto_triggered).
PERFCHAIN_LIVE_AFTER_DAYS = 60
PERFCHAIN_OA_USER_ID = "1"  # the simulator's service account (simulator/server/oa.py)
R4_TEMPLATE = "客诉响应"


@dataclass(frozen=True)
class _Account:
    """An OA account that is nobody on the payroll (perfchain's service account)."""

    oa_user_id: str
    name: str


def _perfchain_r4_task(
    ctx: Ctx, created: int, number: str, order: str, customer: str, owner: Employee
) -> None:
    """The 客诉响应 task perfchain's R4 trigger created for a complaint: in the signals
    batch at a quarter past the next hour, handled like the simulator's OA handles the
    tasks it creates (acknowledged, then archived, at `oa_handling_offsets`)."""
    from simulator.generator.planted import oa_handling_offsets

    batch = (created // HOUR + 1) * HOUR + 15 * MINUTE
    acknowledged, completed = oa_handling_offsets(R4_TEMPLATE, "customer", customer)
    service = _Account(PERFCHAIN_OA_USER_ID, "perfchain")
    workflow(
        ctx,
        "alert_task",
        batch,
        service,  # type: ignore[arg-type]
        [
            ("创建", service, "提交", 0),  # type: ignore[list-item]
            ("处理", owner, "批准", acknowledged),
            ("归档", owner, "归档", completed - acknowledged),
        ],
        f"{R4_TEMPLATE}-{number}",
        case=number,
        order=order,
        customer=customer,
    )


def _task(ctx: Ctx, rng: random.Random, what: str, owner: Employee, due: int, subject: str) -> None:
    task_id = _sf_id("00T", ctx.plant.no, ctx.next("task"))
    created = due - int(rng.uniform(1, 4) * DAY)
    base = {
        "Id": task_id,
        "WhatId": what,
        "OwnerId": owner.sf_user_id,
        "Subject": subject,
        "ActivityDate": dstr(due // DAY),
        "CreatedDate": ts_sf(created),
        "IsDeleted": False,
    }
    ctx.tl.at(
        created,
        "crm/tasks",
        **base,
        Status="Not Started",
        LastModifiedDate=ts_sf(created),
        SystemModstamp=ts_sf(created),
    )
    done = due + int(rng.uniform(-20, 6) * HOUR)
    done = max(done, created + HOUR)
    ctx.tl.at(
        done,
        "crm/tasks",
        **base,
        Status="Completed",
        CompletedDateTime=ts_sf(done),
        LastModifiedDate=ts_sf(done),
        SystemModstamp=ts_sf(done),
    )


task = _task
