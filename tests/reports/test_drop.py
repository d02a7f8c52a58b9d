"""The drop: files per period under reports/<date>/, copies in the drop folder, the mail
through a local SMTP server (with login, and no password in the message), and the
Dagster asset running after a publish; and a drop built while a BI client holds the
published file read-write."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from openpyxl import load_workbook

from orchestration.defs.as_of import AsOfResource, as_of_run_config
from orchestration.defs.publish.assets import PUBLISH_KEY
from orchestration.defs.reports.assets import REPORTS_KEY, build_reports_asset
from reports.drop import PASSWORD_ENV, SmtpConfig, build_drop
from reports.labels import label

PASSWORD = "s3cret-only-in-env"


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == PASSWORD.encode())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    inbox = _Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=_free_port(),
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def test_drop_writes_copies_and_mails(
    published: Path,
    as_of: date,
    tmp_path: Path,
    smtp_server,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    inbox, port = smtp_server
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    smtp = SmtpConfig(
        host="127.0.0.1",
        port=port,
        sender="perfchain@plant.example",
        recipients=("manager@plant.example", "hr@plant.example"),
        username="perfchain",
        starttls=False,
    )
    files = build_drop(
        published,
        tmp_path / "reports",
        as_of,
        periods="day",
        lang="en",
        drop_folder=tmp_path / "drop",
        smtp=smtp,
    )
    folder = tmp_path / "reports" / as_of.isoformat()
    assert sorted(path.name for path in files) == [
        f"perfchain-day-{as_of}-en.pdf",
        f"perfchain-day-{as_of}-en.xlsx",
    ]
    assert all(path.parent == folder and path.stat().st_size > 5000 for path in files)
    copies = sorted((tmp_path / "drop" / as_of.isoformat()).iterdir())
    assert [path.name for path in copies] == sorted(path.name for path in files)
    assert inbox.logins == [(b"perfchain", PASSWORD.encode())]
    assert len(inbox.messages) == 1
    raw = inbox.messages[0]
    assert PASSWORD.encode() not in raw
    from email import message_from_bytes

    message = message_from_bytes(raw)
    assert message["Subject"] == f"perfchain performance reports {as_of}"
    attachments = {part.get_filename() for part in message.walk() if part.get_filename()}
    assert attachments == {path.name for path in files}


def test_dagster_asset_runs_after_publish(published: Path, as_of: date, tmp_path: Path) -> None:
    home = tmp_path / "home"
    target = home / "published" / "perfchain.duckdb"

    @dg.asset(key=PUBLISH_KEY)
    def publish_stand_in() -> None:
        target.parent.mkdir(parents=True)
        shutil.copyfile(published, target)

    reports = build_reports_asset(
        [PUBLISH_KEY],
        published_path=str(target),
        reports_dir=str(home / "reports"),
        drop_folder=None,
        smtp=None,
    )
    job = dg.define_asset_job("reports_after_publish", selection=[PUBLISH_KEY, REPORTS_KEY])
    defs = dg.Definitions(
        assets=[publish_stand_in, reports], jobs=[job], resources={"as_of": AsOfResource()}
    )
    result = defs.resolve_job_def("reports_after_publish").execute_in_process(
        run_config=as_of_run_config(as_of)
    )
    assert result.success
    steps = [event.step_key for event in result.all_events if event.is_step_success]
    assert steps.index("published__perfchain") < steps.index("reports__drop")
    written = sorted(path.name for path in (home / "reports" / as_of.isoformat()).iterdir())
    # Day, week and month, and the two role views (war room, HR snapshot): Excel + PDF each.
    kinds = {name.removeprefix("perfchain-").split("-")[0] for name in written}
    assert kinds == {"day", "week", "month", "war_room", "hr_snapshot"}
    assert len(written) == 10 and all(
        name.endswith(f"{as_of}-zh.xlsx") or name.endswith(f"{as_of}-zh.pdf") for name in written
    )
    materialization = result.asset_materializations_for_node("reports__drop")[0]
    assert materialization.metadata["as_of"].value == as_of.isoformat()


def _sheet_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every cell's value, cut before the words saying when the workbook was generated (its
    minute differs between two builds that straddle a minute)."""
    generated = label("meta.generated", "zh")
    workbook = load_workbook(path, read_only=True)
    try:
        return {
            sheet.title: [
                tuple(
                    value.split(generated)[0] if isinstance(value, str) else value for value in row
                )
                for row in sheet.iter_rows(values_only=True)
            ]
            for sheet in workbook
        }
    finally:
        workbook.close()


def test_drop_is_built_while_another_process_holds_the_file_read_write(
    published: Path, as_of: date, tmp_path: Path
) -> None:
    held = Path(shutil.copyfile(published, tmp_path / "perfchain.duckdb"))
    free = build_drop(published, tmp_path / "free", as_of, periods="day")
    # A BI client connected without read-only: DuckDB's lock refuses every other opener.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.readline()",
            str(held),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(duckdb.IOException, match="Could not set lock"):
            duckdb.connect(str(held), read_only=True)

        files = build_drop(held, tmp_path / "held", as_of, periods="day")
    finally:
        holder.kill()
        holder.wait()

    assert [path.name for path in files] == [path.name for path in free]
    workbook = next(path for path in files if path.suffix == ".xlsx")
    assert _sheet_values(workbook) == _sheet_values(
        next(path for path in free if path.suffix == ".xlsx")
    )
