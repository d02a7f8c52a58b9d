"""Fixtures for the alert channels: the simulator's robots on loopback, a local SMTP
server, and a scratch warehouse holding a hand-made `int_alert_messages_due`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from aiosmtpd.controller import Controller

from simulator.server import SimulatorServer
from tests.alerts.support import DUE_COLUMNS, Inbox, Robots, free_port
from tests.simulator.handmade import write_handmade


@pytest.fixture(scope="session")
def robots_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatorServer]:
    made = write_handmade(tmp_path_factory.mktemp("handmade"))
    with SimulatorServer(made.root) as server:
        yield server


@pytest.fixture
def robots(robots_server: SimulatorServer) -> Iterator[Robots]:
    found = Robots(robots_server)
    found.reset()
    yield found
    found.reset()


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A scratch warehouse with an empty intermediate.int_alert_messages_due."""
    connection = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    columns = ", ".join(f'"{name}" {kind}' for name, kind in DUE_COLUMNS.items())
    connection.execute("create schema intermediate")
    connection.execute(f"create table intermediate.int_alert_messages_due ({columns})")
    yield connection
    connection.close()


@pytest.fixture
def smtp_inbox() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
