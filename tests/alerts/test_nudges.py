"""Nudges through the outbox (SPEC 9.6, docs/recognition.md): one message per nudge key,
queued once however often the batch runs, with the three suggestions in the body."""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from alerts.nudges import queue_nudges, render_nudge

AS_OF = datetime(2026, 1, 7, 2, 0)
ROW = {
    "nudge_key": "n1",
    "employee_id": "E001",
    "employee_name": "张三",
    "oa_user_id": "22001",
    "recipient_oa_user_id": "22001",
    "is_to_supervisor": False,
    "kpi_code": "first_pass_yield",
    "kpi_name": "一次合格率",
    "scope_type": "team",
    "scope_id": "P01-ASM1-A",
    "run_start_date": date(2026, 1, 5),
    "triggered_on": date(2026, 1, 6),
    "due_at": datetime(2026, 1, 6, 16, 0),
    "value": 0.91,
    "baseline": 0.925,
    "suggestions": "1. 甲\n2. 乙\n3. 丙",
    "suggestions_en": "1. a\n2. b\n3. c",
    "suggestion_count": 3,
}


def _due(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    con.execute("create schema if not exists intermediate")
    columns = ", ".join(ROW)
    con.execute(
        "create or replace table intermediate.int_nudges_due as select * from ("
        "values "
        + ", ".join(f"({', '.join('?' * len(ROW))})" for _ in rows)
        + f") as t({columns})",
        [value for row in rows for value in row.values()],
    )


def test_a_nudge_is_queued_once() -> None:
    con = duckdb.connect()
    assert queue_nudges(con, AS_OF) == 0  # no model yet: nothing, no error
    later = {**ROW, "nudge_key": "n2", "due_at": datetime(2026, 1, 8, 16, 0)}
    _due(con, [ROW, later])
    address = lambda row: f"{row['recipient_address']}@plant.local"  # noqa: E731
    assert queue_nudges(con, AS_OF, address=address) == 1  # n2 is not due yet
    assert queue_nudges(con, AS_OF, address=address) == 0
    rows = con.execute(
        "select message_key, rule_id, channel, recipient_id, recipient_address, state, body "
        "from alerts.outbox"
    ).fetchall()
    assert [r[:6] for r in rows] == [
        ("n1", "NUDGE", "email", "E001", "22001@plant.local", "pending")
    ]
    assert rows[0][6].endswith("1. 甲\n2. 乙\n3. 丙")
    assert "0.910 / 0.925" in rows[0][6]


def test_the_english_nudge() -> None:
    subject, body = render_nudge(ROW, "en")
    assert subject == "[perfchain] first_pass_yield below your baseline for 2 days"
    assert "since 2026-01-05" in body and body.endswith("1. a\n2. b\n3. c")


def test_an_employee_without_an_oa_account_is_nudged_through_the_supervisor() -> None:
    # int_nudges_due gives such a nudge the supervisor's OA account (an operator on the
    # line has none): it is addressed to them and says why.
    con = duckdb.connect()
    operator = {
        **ROW,
        "oa_user_id": None,
        "recipient_oa_user_id": "21007",
        "is_to_supervisor": True,
    }
    _due(con, [operator])
    address = lambda row: f"{row['recipient_address']}@plant.local"  # noqa: E731
    assert queue_nudges(con, AS_OF, address=address) == 1
    recipient, body = con.execute("select recipient_address, body from alerts.outbox").fetchone()  # type: ignore[misc]
    assert recipient == "21007@plant.local"
    assert body.startswith("（张三 没有 OA 账号，此提醒发给其直属上级。）")
    assert render_nudge(operator, "en")[1].startswith("(To the supervisor: 张三 has no OA")
