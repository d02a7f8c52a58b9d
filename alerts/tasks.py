"""`alerts.action_tasks`: the actions of each alert, done once, never lost (SPEC 8.1, 8.3).

One row per action of an alert, keyed by dbt's `action_key` (int_alert_actions_due):
queueing inserts only keys not there yet, so a re-run of any window creates nothing
twice. `oa_task` and `ack_task` rows become Weaver workflow requests (doCreateRequest,
through the OA extractor's client: same session, auth and retries as the reads); an
`email_task` becomes one e-mail over SMTP (`reports.smtp` in perfchain.yaml). A failure
keeps the row `failed` with its reason and a `next_attempt_at` by backoff; the next batch
due tries it again. Times are naive UTC on the batch's clock (its as-of moment), so a
replayed batch writes the same `next_attempt_at` and `done_at`; `created_at` alone is the
wall clock, for the operator who asks when a task was really queued.

The created requests come back through the ordinary OA extraction (`oa.workflow_requests`,
`oa.workflow_logs`): dbt joins them to this ledger on `oa_request_id` and reads
acknowledgement (the request leaves its creation node) and completion (归档) from them.

The table is a dbt source (`source('alerts', 'action_tasks')`): `ensure_action_tasks`
creates it before dbt runs, empty on a new warehouse.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any, Protocol

import duckdb

from perfchain.core.errors import PerfchainError
from perfchain.core.settings import SmtpConfig

DUE_ACTIONS = "intermediate.int_alert_actions_due"
# Micro-feedback tasks (SPEC 9.4, docs/recognition.md): the same shape, the same ledger.
DUE_FEEDBACK = "intermediate.int_feedback_tasks_due"
_DUE_COLUMNS = (
    "action_key",
    "alert_id",
    "rule_id",
    "kind",
    "template",
    "assignee_id",
    "assignee_oa_user_id",
    "scope_type",
    "scope_id",
    "reference",
    "due_at",
)
DUE_MESSAGES = "intermediate.int_alert_messages_due"
OA_KINDS = ("oa_task", "ack_task")
EMAIL_KIND = "email_task"
# The workflow the plant's OA has set up for perfchain's alert tasks (its form holds the
# fields of `_main_data`); the demo OA's is 3001.
TASK_WORKFLOW_ID = "3001"
DEFAULT_BACKOFF_MINUTES = (1, 5, 15, 60)
DEFAULT_ADDRESS_TEMPLATE = "{oa_user_id}@plant.local"
SMTP_PASSWORD_ENV = "PERFCHAIN_SMTP_PASSWORD"

ACTION_TASKS_DDL = """
create schema if not exists alerts;
create table if not exists alerts.action_tasks (
    action_key varchar primary key,
    alert_id varchar not null,
    rule_id varchar not null,
    kind varchar not null,
    template varchar not null,
    assignee_id varchar,
    assignee_oa_user_id varchar,
    scope_type varchar,
    scope_id varchar,
    reference varchar,
    subject varchar not null,
    oa_request_id varchar,
    recipient_address varchar,
    state varchar not null default 'pending',
    attempts integer not null default 0,
    last_error varchar,
    created_at timestamp not null,
    next_attempt_at timestamp not null,
    done_at timestamp,
    batch_at timestamp not null,
    check (state in ('pending', 'created', 'failed', 'expired')),
    check (kind in ('oa_task', 'email_task', 'ack_task'))
)
"""


class TaskError(Exception):
    """A task that could not be done now; the message says why and what to check."""


class WorkflowCreator(Protocol):
    """What the ledger needs of the OA client (extractors.oa.WeaverClient)."""

    def create_request(
        self, workflow_id: str, request_name: str, main_data: dict[str, str]
    ) -> str: ...

    def find_requests(self, request_name: str) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class TaskFailure:
    action_key: str
    kind: str
    attempts: int
    error: str
    next_attempt_at: datetime


@dataclass
class TaskRun:
    """What one batch did: rows queued, requests created, mails sent, failures."""

    queued: int = 0
    created: list[tuple[str, str]] = field(default_factory=list)  # (action_key, requestid)
    mailed: list[tuple[str, str]] = field(default_factory=list)  # (action_key, address)
    failed: list[TaskFailure] = field(default_factory=list)
    waiting: int = 0  # failed rows whose backoff has not passed yet


def ensure_action_tasks(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema `alerts` and the action-task ledger if absent (safe on every run)."""
    con.execute(ACTION_TASKS_DDL)


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, qualified: str) -> set[str]:
    schema, table = qualified.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return {row[0] for row in rows}


def _scope_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Scope and reference of each due action: from int_alert_actions_due when it carries
    them, else from the alert's messages (int_alert_messages_due names the scope)."""
    columns = _columns(con, DUE_ACTIONS)
    if not columns:
        raise TaskError(f"{DUE_ACTIONS} is missing: build the models tagged `signals` first")
    if {"scope_type", "scope_id", "reference"} <= columns:
        return f"select * from {DUE_ACTIONS}"
    if not {"alert_id", "scope_type", "scope_id", "reference"} <= _columns(con, DUE_MESSAGES):
        raise TaskError(
            f"{DUE_ACTIONS} has no scope_type/scope_id/reference and {DUE_MESSAGES} "
            "is missing: build the models tagged `signals` first"
        )
    return f"""
        select due.*, scope.scope_type, scope.scope_id, scope.reference
        from {DUE_ACTIONS} as due
        left join (
            select alert_id,
                min(scope_type) as scope_type,
                min(scope_id) as scope_id,
                min(reference) as reference
            from {DUE_MESSAGES}
            group by alert_id
        ) as scope on scope.alert_id = due.alert_id
    """


def _due_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The alerts' due actions, and the due micro-feedback tasks when dbt built them."""
    columns = ", ".join(_DUE_COLUMNS)
    sql = f"select {columns} from ({_scope_sql(con)}) as alert_actions"
    if set(_DUE_COLUMNS) <= _columns(con, DUE_FEEDBACK):
        sql += f" union all select {columns} from {DUE_FEEDBACK}"
    return sql


def request_name(template: str, reference: str | None, scope_id: str | None) -> str:
    """The OA request's title: what to do, and on what (e-cology lists show only this)."""
    return f"{template}-{reference or scope_id or ''}".rstrip("-")


def queue(
    con: duckdb.DuckDBPyConnection, as_of_at: datetime, expire_before: datetime | None = None
) -> int:
    """Insert the actions due by `as_of_at` whose key is not in the ledger, pending and
    due at once; return how many. An action due before `expire_before` goes in `expired`,
    with the reason, and is never done."""
    ensure_action_tasks(con)
    rows = _dicts(
        con.execute(
            f"""
            select due.*
            from ({_due_sql(con)}) as due
            where due.due_at <= ?
                and not exists (
                    select 1 from alerts.action_tasks as task
                    where task.action_key = due.action_key
                )
            order by due.due_at, due.alert_id, due.kind, due.template, due.assignee_id
            """,
            [as_of_at],
        )
    )
    if not rows:
        return 0
    created_at = datetime.now(UTC).replace(tzinfo=None)
    con.executemany(
        """
        insert into alerts.action_tasks (
            action_key, alert_id, rule_id, kind, template, assignee_id, assignee_oa_user_id,
            scope_type, scope_id, reference, subject, state, last_error, attempts, created_at,
            next_attempt_at, batch_at
        )
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
        on conflict do nothing
        """,
        [
            (
                row["action_key"],
                row["alert_id"],
                row["rule_id"],
                row["kind"],
                row["template"],
                row.get("assignee_id"),
                row.get("assignee_oa_user_id"),
                row.get("scope_type"),
                row.get("scope_id"),
                row.get("reference"),
                request_name(row["template"], row.get("reference"), row.get("scope_id")),
                *_expiry(row["due_at"], expire_before),
                created_at,
                as_of_at,
                as_of_at,
            )
            for row in rows
        ],
    )
    return len(rows)


def _expiry(due_at: datetime, expire_before: datetime | None) -> tuple[str, str | None]:
    if due_at.tzinfo is not None:  # dbt's instants; the ledger's clock is naive UTC
        due_at = due_at.astimezone(UTC).replace(tzinfo=None)
    if expire_before is None or due_at >= expire_before:
        return "pending", None
    return "expired", (
        f"due at {due_at:%Y-%m-%d %H:%M} UTC, before {expire_before:%Y-%m-%d %H:%M} UTC when "
        "first queued: not created (alerts.send_within_hours)"
    )


def _main_data(task: dict[str, Any]) -> dict[str, str]:
    """The request's form: the alert it answers, and the order or customer it concerns in
    the fields every plant workflow has, so the staging that links OA requests to signals
    links these too."""
    scope_type, scope_id = task.get("scope_type") or "", task.get("scope_id") or ""
    return {
        "alert_id": task["alert_id"],
        "action_key": task["action_key"],
        "rule_id": task["rule_id"],
        "template": task["template"],
        "scope_type": scope_type,
        "scope_id": scope_id,
        "assignee": task.get("assignee_oa_user_id") or "",
        "related_order": scope_id if scope_type == "order" else "",
        "related_customer": scope_id if scope_type == "customer" else "",
    }


def _create_oa(task: dict[str, Any], oa: WorkflowCreator | None, workflow_id: str) -> str:
    if oa is None:
        raise TaskError("no OA client: sources.oa in perfchain.yaml and PERFCHAIN_OA_APPID")
    if not task.get("assignee_oa_user_id"):
        raise TaskError(
            f"assignee {task.get('assignee_id')!r} has no OA user id "
            "(hr employees.oa_user_id): nobody to hand the OA task to"
        )
    existing = _existing_request(task, oa)
    if existing is not None:
        return existing
    return oa.create_request(workflow_id, task["subject"], _main_data(task))


def _existing_request(task: dict[str, Any], oa: WorkflowCreator) -> str | None:
    """The request an earlier try created for this action, if OA has one: a creation
    whose answer was lost (a timeout after the server acted, a crash before the ledger
    was updated) must not become a second task for the same person. Recognised by the
    `action_key` field of its form; the first created wins."""
    found = [
        row
        for row in oa.find_requests(task["subject"])
        if row.get("action_key") == task["action_key"]
    ]
    if not found:
        return None
    first = min(found, key=lambda row: (str(row.get("createTime")), str(row.get("requestId"))))
    return str(first["requestId"])


def mail_body(task: dict[str, Any]) -> str:
    return "\n".join(
        (
            f"任务: {task['template']}",
            f"对象: {task.get('reference') or task.get('scope_id') or ''}"
            f" ({task.get('scope_type') or ''})",
            f"预警: {task['rule_id']} / {task['alert_id']}",
            f"任务编号: {task['action_key']}",
            "",
            "请尽快处理并回复处理结果。此邮件由 perfchain 自动发送。",
        )
    )


def send_task_mail(smtp: SmtpConfig, to: str, subject: str, body: str) -> None:
    """One plain-text e-mail through the report mailer's SMTP server (`reports.smtp`);
    the password comes from PERFCHAIN_SMTP_PASSWORD, and only when a user is set."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = smtp.sender
    message["To"] = to
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
        client.ehlo()
        if smtp.starttls:
            client.starttls()
            client.ehlo()
        if smtp.username:
            password = os.environ.get(SMTP_PASSWORD_ENV)
            if not password:
                raise TaskError(
                    f"SMTP user {smtp.username!r} is configured but {SMTP_PASSWORD_ENV} is not set"
                )
            client.login(smtp.username, password)
        client.send_message(message)


def _mail(task: dict[str, Any], smtp: SmtpConfig | None, address_template: str) -> str:
    if smtp is None:
        raise TaskError("no SMTP server: set reports.smtp in perfchain.yaml")
    if not task.get("assignee_oa_user_id") and "{oa_user_id}" in address_template:
        raise TaskError(
            f"assignee {task.get('assignee_id')!r} has no OA user id for the address "
            f"{address_template!r}"
        )
    address = address_template.format(
        oa_user_id=task.get("assignee_oa_user_id") or "",
        employee_no=task.get("assignee_id") or "",
    )
    try:
        send_task_mail(smtp, address, f"[perfchain] {task['subject']}", mail_body(task))
    except (smtplib.SMTPException, OSError) as error:
        raise TaskError(
            f"SMTP {smtp.host}:{smtp.port} refused the mail to {address}: "
            f"{type(error).__name__}: {error}"
        ) from None
    return address


def _backoff(attempts: int, minutes: Sequence[int]) -> timedelta:
    return timedelta(minutes=minutes[min(attempts, len(minutes)) - 1])


def run_action_tasks(
    con: duckdb.DuckDBPyConnection,
    as_of_at: datetime,
    *,
    oa: WorkflowCreator | None,
    smtp: SmtpConfig | None,
    workflow_id: str = TASK_WORKFLOW_ID,
    backoff_minutes: Sequence[int] = DEFAULT_BACKOFF_MINUTES,
    address_template: str = DEFAULT_ADDRESS_TEMPLATE,
    expire_before: datetime | None = None,
) -> TaskRun:
    """One batch: queue the new due actions, then do every pending task and every failed
    one whose backoff has passed. Each row is updated as soon as its task is done, so a
    crash later in the batch never creates a request twice."""
    run = TaskRun(queued=queue(con, as_of_at, expire_before))
    tasks = _dicts(
        con.execute(
            """
            select * from alerts.action_tasks
            where state in ('pending', 'failed')
            order by next_attempt_at, created_at, action_key
            """
        )
    )
    for task in tasks:
        if task["next_attempt_at"] > as_of_at:
            run.waiting += 1
            continue
        attempts = int(task["attempts"]) + 1
        try:
            if task["kind"] in OA_KINDS:
                request_id = _create_oa(task, oa, workflow_id)
                con.execute(
                    """
                    update alerts.action_tasks
                    set state = 'created', oa_request_id = ?, attempts = ?,
                        last_error = null, done_at = ?
                    where action_key = ?
                    """,
                    [request_id, attempts, as_of_at, task["action_key"]],
                )
                run.created.append((task["action_key"], request_id))
            elif task["kind"] == EMAIL_KIND:
                address = _mail(task, smtp, address_template)
                con.execute(
                    """
                    update alerts.action_tasks
                    set state = 'created', recipient_address = ?, attempts = ?,
                        last_error = null, done_at = ?
                    where action_key = ?
                    """,
                    [address, attempts, as_of_at, task["action_key"]],
                )
                run.mailed.append((task["action_key"], address))
            else:
                raise TaskError(f"unknown task kind {task['kind']!r}")
        except (TaskError, PerfchainError, OSError) as error:
            reason = f"{type(error).__name__}: {error}"
            retry_at = as_of_at + _backoff(attempts, backoff_minutes)
            con.execute(
                """
                update alerts.action_tasks
                set state = 'failed', attempts = ?, last_error = ?, next_attempt_at = ?
                where action_key = ?
                """,
                [attempts, reason, retry_at, task["action_key"]],
            )
            run.failed.append(
                TaskFailure(task["action_key"], task["kind"], attempts, reason, retry_at)
            )
    return run
