"""Micro-feedback tasks (SPEC 9.4, docs/recognition.md) go through the action-task ledger
with the alerts' actions: the renewal-won task becomes one OA request in the simulator's
OA, a re-run creates nothing twice, and OA archives it at its planted offset (the answer
read back by the ordinary OA extraction)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import duckdb

from alerts.tasks import run_action_tasks
from simulator.generator.planted import oa_handling_offsets
from tests.alerts.test_action_tasks import (  # noqa: F401 - fixtures
    AS_OF,
    CREATED_LOCAL,
    _creates,
    _due,
    _ledger,
    _list,
    _people,
    _r2_r3,
    _server,
    con,
    dataset,
    oa,
    sim,
)


def _feedback_due(connection: duckdb.DuckDBPyConnection, rows: list[tuple[Any, ...]]) -> None:
    """intermediate.int_feedback_tasks_due as dbt builds it (its ledger columns)."""
    connection.execute(
        """
        create or replace table intermediate.int_feedback_tasks_due (
            action_key varchar, alert_id varchar, rule_id varchar, kind varchar,
            template varchar, assignee_id varchar, assignee_oa_user_id varchar,
            due_at timestamp, scope_type varchar, scope_id varchar, reference varchar,
            rule_name varchar
        )
        """
    )
    connection.executemany(
        f"insert into intermediate.int_feedback_tasks_due values ({', '.join('?' * 12)})", rows
    )


def test_a_renewal_won_becomes_one_oa_task_answered_as_planted(sim, oa, con, dataset) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _due(con, _r2_r3(dataset)[:1])
    (employee, oa_user), *_ = _people(dataset)
    _feedback_due(
        con,
        [
            (
                "k-f2-renewal",
                "FB-F2-O2",
                "F2",
                "oa_task",
                "成功经验萃取",
                employee,
                oa_user,
                AS_OF,
                "customer",
                "C1",
                "续约-华东机电",
                "续约赢单后的成功经验萃取",
            )
        ],
    )
    run = run_action_tasks(con, AS_OF, oa=oa, smtp=None)
    assert run.queued == 2 and run.failed == []
    ledger = _ledger(con)
    assert sorted(ledger) == ["k-f2-renewal", "k-r2-rca"]
    task = ledger["k-f2-renewal"]
    assert (task["rule_id"], task["template"], task["state"]) == ("F2", "成功经验萃取", "created")
    assert task["subject"] == "成功经验萃取-续约-华东机电"

    again = run_action_tasks(con, AS_OF + timedelta(minutes=15), oa=oa, smtp=None)
    assert again.queued == 0 and again.created == []
    assert _creates(sim) == 2

    acknowledged, completed = oa_handling_offsets("成功经验萃取", "customer", "C1")
    sim.set_as_of(CREATED_LOCAL + timedelta(seconds=completed))
    request = _list(sim)[task["oa_request_id"]]
    assert request["currentNodeName"] == "归档"  # answered: evidence for customer_success
    assert acknowledged < completed
