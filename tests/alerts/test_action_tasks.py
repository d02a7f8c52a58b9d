"""The action-task ledger against the simulator's OA over real HTTP: due actions become
OA requests (and e-mails) once, OA handles them as planted while the simulator's moment
moves, a refused or failing creation stays in the ledger with its reason and is created
once later, and the ordinary OA extraction brings the created requests back."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
import requests
from aiosmtpd.controller import Controller

from alerts.tasks import TaskError, ensure_action_tasks, run_action_tasks
from extractors.contract import entity
from perfchain.core.settings import SmtpConfig
from simulator.generator.planted import oa_handling_offsets
from simulator.server import SimulatorServer
from tests.extractors.support import client_for, extract
from tests.simulator.conftest import WeaverClient
from tests.simulator.handmade import Handmade, write_handmade

TZ = ZoneInfo("Asia/Shanghai")
CREATED_LOCAL = datetime(2026, 3, 5, 10, 0, 0)  # the batch's moment, plant-local
AS_OF = CREATED_LOCAL.replace(tzinfo=TZ).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
NEVER_HANDLED_MACHINE = "M02"
DUE_COLUMNS = (
    "action_key",
    "alert_id",
    "rule_id",
    "kind",
    "template",
    "assignee_id",
    "assignee_oa_user_id",
    "due_at",
    "scope_type",
    "scope_id",
    "reference",
)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Handmade:
    made = write_handmade(tmp_path_factory.mktemp("handmade_tasks"))
    planted = {
        "alerts": {
            "never_handled": {
                "rule_id": "R3",
                "scope_type": "machine",
                "scope_id": NEVER_HANDLED_MACHINE,
                "template": "技能缺口诊断问卷",
            }
        }
    }
    (made.root / "planted.json").write_text(json.dumps(planted), encoding="utf-8")
    return made


@pytest.fixture(scope="module")
def _server(dataset: Handmade) -> Iterator[SimulatorServer]:
    with SimulatorServer(dataset.root) as server:
        yield server


@pytest.fixture
def sim(_server: SimulatorServer) -> Iterator[SimulatorServer]:
    _server.reset()
    _server.set_as_of(CREATED_LOCAL)
    yield _server
    _server.reset()


@pytest.fixture
def oa(sim: SimulatorServer) -> Any:
    return client_for(sim, "oa")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    connection.execute("set TimeZone = 'UTC'")
    yield connection
    connection.close()


def _people(dataset: Handmade) -> list[tuple[str, str]]:
    """(employee_no, oa_user_id) of HR employees current on the batch's day."""
    return [
        (str(e["employee_no"]), str(e["oa_user_id"]))
        for e in dataset.current("hr", "employees", as_of=AS_OF.replace(tzinfo=ZoneInfo("UTC")))
    ]


def _due(con: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    """intermediate.int_alert_actions_due as part C's model builds it (here by hand)."""
    con.execute("create schema if not exists intermediate")
    con.execute(
        """
        create or replace table intermediate.int_alert_actions_due (
            action_key varchar, alert_id varchar, rule_id varchar, kind varchar,
            template varchar, assignee_id varchar, assignee_oa_user_id varchar,
            due_at timestamp, scope_type varchar, scope_id varchar, reference varchar
        )
        """
    )
    con.executemany(
        f"insert into intermediate.int_alert_actions_due values ({', '.join('?' * 11)})", rows
    )


def _r2_r3(dataset: Handmade) -> list[tuple[Any, ...]]:
    (e1, oa1), (e2, oa2) = _people(dataset)[:2]
    return [
        (
            "k-r2-rca",
            "a-r2",
            "R2",
            "oa_task",
            "快速根因分析清单",
            e1,
            oa1,
            AS_OF,
            "team",
            "T1",
            "焊接一班",
        ),
        (
            "k-r3-skill",
            "a-r3",
            "R3",
            "oa_task",
            "技能缺口诊断问卷",
            e2,
            oa2,
            AS_OF,
            "machine",
            NEVER_HANDLED_MACHINE,
            "焊接机器人2",
        ),
        # Due only after the batch's moment: not queued yet.
        (
            "k-later",
            "a-r4",
            "R4",
            "oa_task",
            "客诉响应",
            e1,
            oa1,
            AS_OF + timedelta(hours=1),
            "customer",
            "C1",
            "华东机电",
        ),
    ]


def _ledger(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = con.execute("select * from alerts.action_tasks order by action_key")
    names = [c[0] for c in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _list(sim: SimulatorServer, oa: Any = None) -> dict[str, dict[str, Any]]:
    """Every request the OA list API answers now (with logs), by requestId."""
    with requests.Session() as http:
        client = WeaverClient(http, sim).login()
        rows = client.post(
            "/api/workflow/paService/getAllWorkflowRequestList",
            pageNo="1",
            pageSize="1000",
            includeDetail="true",
        ).json()
    return {row["requestId"]: row for row in rows}


def _creates(sim: SimulatorServer) -> int:
    return sum(1 for e in sim.request_log if e.path.endswith("/doCreateRequest"))


def test_tasks_become_oa_requests_handled_as_planted(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    _due(con, _r2_r3(dataset))
    run = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    assert run.queued == 2 and run.failed == [] and run.waiting == 0
    ledger = _ledger(con)
    assert sorted(ledger) == ["k-r2-rca", "k-r3-skill"]
    assert {row["state"] for row in ledger.values()} == {"created"}
    assert [row["attempts"] for row in ledger.values()] == [1, 1]
    assert all(row["done_at"] == AS_OF == row["batch_at"] for row in ledger.values())
    rca, skill = ledger["k-r2-rca"]["oa_request_id"], ledger["k-r3-skill"]["oa_request_id"]
    assert sorted(run.created) == sorted([("k-r2-rca", rca), ("k-r3-skill", skill)])

    listed = _list(sim, oa)
    assert listed[rca]["requestName"] == "快速根因分析清单-焊接一班"
    assert listed[skill]["requestName"] == "技能缺口诊断问卷-焊接机器人2"
    for request_id in (rca, skill):
        assert listed[request_id]["status"] == "创建"
        assert listed[request_id]["createTime"] == "2026-03-05 10:00:00"
        assert listed[request_id]["workflowRequestLogs"] == []
    main = {
        f["fieldName"]: f["fieldValue"]
        for f in listed[rca]["workflowMainTableInfo"]["requestRecords"][0][
            "workflowRequestTableFields"
        ]
    }
    assert main["alert_id"] == "a-r2" and main["action_key"] == "k-r2-rca"
    assert main["assignee"] == ledger["k-r2-rca"]["assignee_oa_user_id"]

    acknowledged, completed = oa_handling_offsets("快速根因分析清单", "team", "T1")
    assert (acknowledged, completed) == (91 * 60, 133 * 60)
    sim.set_as_of(CREATED_LOCAL + timedelta(minutes=90, seconds=59))
    assert _list(sim, oa)[rca]["status"] == "创建"
    sim.set_as_of(CREATED_LOCAL + timedelta(minutes=91))
    now = _list(sim, oa)
    assert now[rca]["status"] == "审批中"
    assert [
        (log["operateType"], log["operateTime"]) for log in now[rca]["workflowRequestLogs"]
    ] == [("批准", "2026-03-05 11:31:00")]
    sim.set_as_of(CREATED_LOCAL + timedelta(minutes=133))
    now = _list(sim, oa)
    assert now[rca]["status"] == "归档"
    assert [
        (log["operateType"], log["operateTime"]) for log in now[rca]["workflowRequestLogs"]
    ] == [
        ("批准", "2026-03-05 11:31:00"),
        ("归档", "2026-03-05 12:13:00"),
    ]
    # The planted never-handled task is still waiting at the end of the dataset.
    sim.set_as_of(None)
    never = _list(sim, oa)[skill]
    assert never["status"] == "创建" and never["workflowRequestLogs"] == []


def test_a_second_run_creates_nothing(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    _due(con, _r2_r3(dataset))
    first = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    listed = len(_list(sim, oa))
    second = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    later = run_action_tasks(con, AS_OF + timedelta(minutes=15), oa=oa, smtp=None)
    assert len(first.created) == 2
    assert (second.queued, second.created, second.failed) == (0, [], [])
    assert (later.queued, later.created, later.failed) == (0, [], [])
    assert _creates(sim) == 2 and len(_list(sim, oa)) == listed
    # The R4 action falls due an hour later: it alone is queued and created then.
    after_hour = run_action_tasks(con, AS_OF + timedelta(hours=1), oa=oa, smtp=None)
    assert [key for key, _ in after_hour.created] == ["k-later"] and after_hour.queued == 1
    assert _creates(sim) == 3 and len(_list(sim, oa)) == listed + 1


def test_an_oa_error_is_kept_and_created_once_later(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    _due(con, _r2_r3(dataset)[:1])
    listed = len(_list(sim, oa))
    sim.faults.add("oa:server_error@1x*:match=doCreateRequest")
    run = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    assert [f.action_key for f in run.failed] == ["k-r2-rca"]
    row = _ledger(con)["k-r2-rca"]
    assert row["state"] == "failed" and row["attempts"] == 1 and row["oa_request_id"] is None
    assert "SYSTEM_INNER_ERROR" in row["last_error"]
    assert "快速根因分析清单-焊接一班" in row["last_error"]  # the error names the request
    assert row["next_attempt_at"] == AS_OF + timedelta(minutes=1)
    assert len(_list(sim, oa)) == listed

    sim.faults.clear()
    waiting = run_action_tasks(con, AS_OF + timedelta(seconds=30), oa=oa, smtp=None)
    assert (waiting.waiting, waiting.created) == (1, [])
    retried = run_action_tasks(con, AS_OF + timedelta(minutes=1), oa=oa, smtp=None)
    assert [key for key, _ in retried.created] == ["k-r2-rca"]
    row = _ledger(con)["k-r2-rca"]
    assert (row["state"], row["attempts"], row["last_error"]) == ("created", 2, None)
    named = [r for r in _list(sim, oa).values() if r["requestName"] == "快速根因分析清单-焊接一班"]
    assert [r["requestId"] for r in named] == [row["oa_request_id"]]
    assert run_action_tasks(con, AS_OF + timedelta(hours=2), oa=oa, smtp=None).created == []


def test_a_lost_answer_is_found_again_not_created_twice(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    _due(con, _r2_r3(dataset)[:1])
    listed = len(_list(sim, oa))
    # The server creates the request, but its answer is cut off halfway.
    sim.faults.add("oa:truncated@1:match=doCreateRequest")
    lost = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    assert [f.action_key for f in lost.failed] == ["k-r2-rca"] and lost.created == []
    assert "快速根因分析清单-焊接一班" in _ledger(con)["k-r2-rca"]["last_error"]
    assert len(_list(sim, oa)) == listed + 1 and _creates(sim) == 1

    found = run_action_tasks(con, AS_OF + timedelta(minutes=1), oa=oa, smtp=None)
    (only,) = [
        r for r in _list(sim, oa).values() if r["requestName"] == "快速根因分析清单-焊接一班"
    ]
    assert found.created == [("k-r2-rca", only["requestId"])] and _creates(sim) == 1
    row = _ledger(con)["k-r2-rca"]
    assert (row["state"], row["oa_request_id"], row["attempts"]) == (
        "created",
        only["requestId"],
        2,
    )


def test_a_refusal_names_the_request_and_backs_off(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    e1, _ = _people(dataset)[0]
    _due(
        con,
        [
            (
                "k-x",
                "a-x",
                "R1",
                "oa_task",
                "交期偏差处理",
                e1,
                "no-such-user",
                AS_OF,
                "order",
                "SO00001",
                "SO00001",
            )
        ],
    )
    first = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    second = run_action_tasks(con, AS_OF + timedelta(minutes=1), oa=oa, smtp=None)
    third = run_action_tasks(con, AS_OF + timedelta(minutes=2), oa=oa, smtp=None)
    row = _ledger(con)["k-x"]
    assert "USER_EXCEPTION" in row["last_error"] and "交期偏差处理-SO00001" in row["last_error"]
    # Backoff 1, 5, 15, 60 min: tried at +0 and +1, then not before +6.
    assert (len(first.failed), len(second.failed), third.waiting) == (1, 1, 1)
    assert row["attempts"] == 2 and row["next_attempt_at"] == AS_OF + timedelta(minutes=6)
    assert _creates(sim) == 2


def test_no_oa_user_is_a_clear_failure_without_a_call(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    e1, _ = _people(dataset)[0]
    _due(
        con,
        [
            (
                "k-y",
                "a-y",
                "R2",
                "oa_task",
                "快速根因分析清单",
                e1,
                None,
                AS_OF,
                "team",
                "T1",
                "焊接一班",
            )
        ],
    )
    run = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    assert f"assignee '{e1}' has no OA user id" in run.failed[0].error
    assert _creates(sim) == 0


def test_extraction_brings_the_created_requests_back(sim, oa, con, dataset, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two ordinary incremental extractions: just after the batch the requests are new
    (创建, no logs); the next day's run brings the handling (the latest version, 归档, and
    both logs of the handled one; the never-handled one unchanged)."""
    _due(con, _r2_r3(dataset))
    ids = dict(run_action_tasks(con, AS_OF, oa=oa, smtp=None).created)
    rca, skill = ids["k-r2-rca"], ids["k-r3-skill"]
    landing = tmp_path / "landing"
    reader = client_for(sim, "oa")

    def extract_oa(day: date) -> None:
        for name in ("workflow_requests", "workflow_logs"):
            extract(reader, entity("oa", name), con, landing, run_date=day)

    def versions(request_id: str) -> list[tuple[Any, ...]]:
        return con.execute(
            """
            select distinct status, createTime, lastOperateTime, creatorName,
                json_extract_string(_extra, '$.alert_id')
            from raw.oa__workflow_requests where requestId = ? order by lastOperateTime
            """,
            [request_id],
        ).fetchall()

    def logs(request_id: str) -> list[tuple[Any, ...]]:
        return con.execute(
            """
            select distinct operatorId, operateType, operateTime from raw.oa__workflow_logs
            where requestId = ? order by operateTime
            """,
            [request_id],
        ).fetchall()

    created = datetime(2026, 3, 5, 10, 0)
    sim.set_as_of(CREATED_LOCAL + timedelta(minutes=15))
    extract_oa(date(2026, 3, 5))
    for request_id, alert in ((rca, "a-r2"), (skill, "a-r3")):
        assert versions(request_id) == [("创建", created, created, "perfchain", alert)]
        assert logs(request_id) == []

    sim.set_as_of(date(2026, 3, 6))
    extract_oa(date(2026, 3, 6))
    archived = datetime(2026, 3, 5, 12, 13)
    assert versions(rca) == [
        ("创建", created, created, "perfchain", "a-r2"),
        ("归档", created, archived, "perfchain", "a-r2"),
    ]
    assert versions(skill) == [("创建", created, created, "perfchain", "a-r3")]
    assignee = _ledger(con)["k-r2-rca"]["assignee_oa_user_id"]
    assert logs(rca) == [
        (assignee, "批准", datetime(2026, 3, 5, 11, 31)),
        (assignee, "归档", archived),
    ]
    assert logs(skill) == []


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[_Inbox, SmtpConfig]]:
    inbox = _Inbox()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpConfig(host="127.0.0.1", port=port, starttls=False)
    finally:
        controller.stop()


def test_email_tasks_are_mailed_once(sim, oa, con, dataset, smtp_inbox) -> None:  # type: ignore[no-untyped-def]
    inbox, smtp = smtp_inbox
    e1, oa1 = _people(dataset)[0]
    _due(
        con,
        [
            (
                "k-mail",
                "a-r2",
                "R2",
                "email_task",
                "临时工艺参数复核",
                e1,
                oa1,
                AS_OF,
                "team",
                "T1",
                "焊接一班",
            )
        ],
    )
    missing = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    assert "no SMTP server: set reports.smtp" in missing.failed[0].error
    run = run_action_tasks(con, AS_OF + timedelta(minutes=1), oa=oa, smtp=smtp)
    again = run_action_tasks(con, AS_OF + timedelta(minutes=2), oa=oa, smtp=smtp)
    address = f"{oa1}@plant.local"
    assert run.mailed == [("k-mail", address)] and again.mailed == []
    assert len(inbox.messages) == 1 and _creates(sim) == 0
    message = message_from_bytes(inbox.messages[0])
    assert message["To"] == address
    assert str(make_header(decode_header(message["Subject"]))) == (
        "[perfchain] 临时工艺参数复核-焊接一班"
    )
    body = message.get_payload(decode=True).decode("utf-8")
    assert "a-r2" in body and "k-mail" in body
    row = _ledger(con)["k-mail"]
    assert (row["state"], row["recipient_address"], row["attempts"]) == ("created", address, 2)


def test_the_ledger_is_created_empty_and_idempotently(con) -> None:  # type: ignore[no-untyped-def]
    ensure_action_tasks(con)
    ensure_action_tasks(con)
    assert con.execute("select count(*) from alerts.action_tasks").fetchone() == (0,)
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "insert into alerts.action_tasks (action_key, alert_id, rule_id, kind, template, "
            "subject, state, created_at, next_attempt_at, batch_at) values "
            "('k', 'a', 'R1', 'sms_task', 't', 's', 'pending', now(), now(), now())"
        )


def test_scope_comes_from_the_alert_messages_when_actions_lack_it(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]
    (e1, oa1) = _people(dataset)[0]
    con.execute("create schema intermediate")
    con.execute(
        """
        create table intermediate.int_alert_actions_due as
        select 'k-ack' as action_key, 'a-r1' as alert_id, 'R1' as rule_id, 'ack_task' as kind,
            '预警确认' as template, ? as assignee_id, ? as assignee_oa_user_id, ? as due_at
        """,
        [e1, oa1, AS_OF],
    )
    con.execute(
        """
        create table intermediate.int_alert_messages_due as
        select * from (values
            ('a-r1', 'order', 'SO00001', 'SO00001 / 焊接'),
            ('a-r1', 'order', 'SO00001', 'SO00001 / 焊接'),
            ('a-other', 'team', 'T9', '别的班组')
        ) as t(alert_id, scope_type, scope_id, reference)
        """
    )
    run = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    (request_id,) = [rid for _, rid in run.created]
    row = _ledger(con)["k-ack"]
    assert (row["kind"], row["scope_type"], row["scope_id"], row["subject"]) == (
        "ack_task",
        "order",
        "SO00001",
        "预警确认-SO00001 / 焊接",
    )
    listed = _list(sim)[request_id]
    main = {
        f["fieldName"]: f["fieldValue"]
        for f in listed["workflowMainTableInfo"]["requestRecords"][0]["workflowRequestTableFields"]
    }
    # An order scope fills the field the signal staging links orders by.
    assert (main["related_order"], main["related_customer"]) == ("SO00001", "")


def test_without_the_signals_models_the_batch_says_what_to_build(con) -> None:  # type: ignore[no-untyped-def]
    con.execute("create schema intermediate")
    con.execute(
        "create table intermediate.int_alert_actions_due (action_key varchar, alert_id varchar, "
        "rule_id varchar, kind varchar, template varchar, assignee_id varchar, "
        "assignee_oa_user_id varchar, due_at timestamp)"
    )
    with pytest.raises(TaskError, match="build the models tagged `signals` first"):
        run_action_tasks(con, AS_OF, oa=None, smtp=None)


def test_actions_due_long_before_their_first_batch_are_kept_expired_not_created(  # type: ignore[no-untyped-def]
    sim, oa, con, dataset
) -> None:
    """A night catching up on weeks does not hand people last month's tasks: an action due
    more than the expiry limit before its first batch is kept `expired`, with the reason,
    and never created, then or later; one due inside the limit is created."""
    _due(con, _r2_r3(dataset))
    due_ats = sorted(
        row[0]
        for row in con.execute("select due_at from intermediate.int_alert_actions_due").fetchall()
    )
    # Expire what fell due before the first row's moment: the rows due at AS_OF go, the
    # one due an hour later (k-later) is created when it falls due.
    first = run_action_tasks(
        con, AS_OF + timedelta(hours=1), oa=oa, smtp=None, expire_before=due_ats[-1]
    )
    ledger = _ledger(con)
    expired = {key for key, row in ledger.items() if row["state"] == "expired"}
    assert expired == {key for key, row in ledger.items() if row["action_key"] != "k-later"}
    assert len(expired) == len(due_ats) - 1
    assert [key for key, _ in first.created] == ["k-later"] and _creates(sim) == 1
    assert all(
        "not created (alerts.send_within_hours)" in ledger[key]["last_error"] for key in expired
    )
    again = run_action_tasks(con, AS_OF + timedelta(hours=2), oa=oa, smtp=None)
    assert (again.queued, again.created) == (0, []) and _creates(sim) == 1
