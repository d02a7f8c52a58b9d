"""Helpers for the alert channel tests: the robots over HTTP, hand-made due messages in
a scratch warehouse, settings pointing at the simulator, and a local SMTP inbox."""

from __future__ import annotations

import socket
from datetime import datetime
from typing import Any

import duckdb
import requests

from perfchain.core.settings import Settings
from simulator.server import SimulatorServer
from simulator.server.robots import demo_dingtalk_secret, demo_dingtalk_token, demo_wecom_key

AS_OF = datetime(2026, 3, 4, 2, 0)  # naive UTC: 10:00 plant time

DUE_COLUMNS = {
    "message_key": "varchar",
    "alert_id": "varchar",
    "rule_id": "varchar",
    "rule_name": "varchar",
    "level": "integer",
    "channel": "varchar",
    "robot": "varchar",
    "recipient_id": "varchar",
    "recipient_name": "varchar",
    "recipient_address": "varchar",
    "scope_type": "varchar",
    "scope_id": "varchar",
    "reference": "varchar",
    "observed_value": "double",
    "threshold": "double",
    "comparator": "varchar",
    "window": "varchar",
    "due_at": "timestamp",
}


class Robots:
    """The simulator's robots as a test sees them: over HTTP, like the benchmark does."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.base = server.base_url

    def reset(self) -> None:
        requests.post(f"{self.base}/robots/reset", timeout=5).raise_for_status()

    def received(self, channel: str | None = None, every: bool = False) -> list[dict[str, Any]]:
        params = {"all": "1"} if every else {}
        calls = requests.get(f"{self.base}/robots/received", params=params, timeout=5).json()
        return [call for call in calls if channel in (None, call["channel"])]

    def over_limit(self, channel: str, robot: str, count: int) -> None:
        requests.post(
            f"{self.base}/robots/faults",
            json={"channel": channel, "robot": robot, "over_limit": count},
            timeout=5,
        ).raise_for_status()


def demo_environ(robot: str = "plant") -> dict[str, str]:
    return {
        f"PERFCHAIN_WECOM_KEY_{robot.upper()}": demo_wecom_key(robot),
        f"PERFCHAIN_DINGTALK_TOKEN_{robot.upper()}": demo_dingtalk_token(robot),
        f"PERFCHAIN_DINGTALK_SECRET_{robot.upper()}": demo_dingtalk_secret(robot),
    }


def alert_settings(base_url: str, smtp_port: int | None = None, **alerts: Any) -> Settings:
    raw: dict[str, Any] = {
        "alerts": {
            "wecom": {"base_url": f"{base_url}/wecom", "robots": ["plant"]},
            "dingtalk": {"base_url": f"{base_url}/dingtalk", "robots": ["plant"]},
            **alerts,
        },
        "extract": {"timeout_seconds": 5},
    }
    if smtp_port is not None:
        raw["reports"] = {
            "smtp": {
                "host": "127.0.0.1",
                "port": smtp_port,
                "sender": "perfchain@plant.local",
                "starttls": False,
            }
        }
    return Settings.model_validate(raw)


def due(
    key: str,
    *,
    alert: str = "A1",
    channel: str = "wecom",
    robot: str | None = "plant",
    level: int = 1,
    recipient: tuple[str, str, str] = ("E001", "张伟", "zhangwei"),
    scope: tuple[str, str] = ("team", "T01"),
    reference: str = "产线 L01",
    rule: tuple[str, str] = ("R2", "首检合格率预警"),
    observed: float | None = 0.88,
    threshold: float | None = 0.925,
    comparator: str = "<",
    window: str = "hour",
    due_at: datetime = AS_OF,
) -> dict[str, Any]:
    return {
        "message_key": key,
        "alert_id": alert,
        "rule_id": rule[0],
        "rule_name": rule[1],
        "level": level,
        "channel": channel,
        "robot": robot,
        "recipient_id": recipient[0],
        "recipient_name": recipient[1],
        "recipient_address": recipient[2],
        "scope_type": scope[0],
        "scope_id": scope[1],
        "reference": reference,
        "observed_value": observed,
        "threshold": threshold,
        "comparator": comparator,
        "window": window,
        "due_at": due_at,
    }


def add_due(con: duckdb.DuckDBPyConnection, *rows: dict[str, Any]) -> None:
    names = list(DUE_COLUMNS)
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in names)
    con.executemany(
        f"insert into intermediate.int_alert_messages_due ({quoted}) values ({marks})",
        [[row[name] for name in names] for row in rows],
    )


def outbox_rows(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    cursor = con.execute("select * from alerts.outbox order by message_key")
    names = [column[0] for column in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append((list(envelope.rcpt_tos), envelope.original_content or b""))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
