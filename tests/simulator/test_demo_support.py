"""The simulator's SMTP sink (what the demo's e-mailed tasks and report drops go to) and
the demo factory's fit with the source contract."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest

from perfchain.core.settings import load_settings
from perfchain.demo import point_at_simulator
from simulator.server import SimulatorServer
from tests.simulator.handmade import write_handmade


def test_the_sink_keeps_each_message_and_the_demo_settings_point_mail_at_it(
    tmp_path: Path,
) -> None:
    made = write_handmade(tmp_path / "handmade")
    with SimulatorServer(made.root, mail=True) as server:
        message = EmailMessage()
        message["From"] = "perfchain@plant.local"
        message["To"] = "u1001@plant.local, u1002@plant.local"
        message["Subject"] = "临时工艺参数复核"
        message.set_content("body")
        with smtplib.SMTP("127.0.0.1", server.mail_port, timeout=10) as smtp:
            smtp.send_message(message)
        assert server.mail_received() == [
            {
                "from": "perfchain@plant.local",
                "to": ["u1001@plant.local", "u1002@plant.local"],
                "subject": "临时工艺参数复核",
            }
        ]
        settings = point_at_simulator(load_settings(), {}, made.root, mail_port=server.mail_port)
        assert settings.reports.smtp is not None
        assert (settings.reports.smtp.host, settings.reports.smtp.port) == (
            "127.0.0.1",
            server.mail_port,
        )
        assert settings.reports.smtp.starttls is False
        server.reset()
        assert server.mail_received() == []


def test_without_mail_the_simulator_says_so(tmp_path: Path) -> None:
    made = write_handmade(tmp_path / "handmade")
    with SimulatorServer(made.root) as server, pytest.raises(RuntimeError, match="mail=True"):
        _ = server.mail_port


def test_a_demo_factory_older_than_the_source_contract_is_refused_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perfchain.core.errors import PerfchainError
    from perfchain.demo import ensure_demo_data

    monkeypatch.setenv("PERFCHAIN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PERFCHAIN_CONFIG", raising=False)
    made = write_handmade(tmp_path / "home" / "demo" / "factory-s-seed42")
    (made.root / "hr" / "training_records.csv").unlink()  # an entity added since
    with pytest.raises(PerfchainError, match=r"hr/training_records.csv.*`make clean`"):
        ensure_demo_data(load_settings(), "s", 42)
