"""Tokens and passwords appear in no log, landing file, warehouse table, published file or
report."""

from __future__ import annotations

import logging
import shutil
import socket
import zipfile
from datetime import date
from pathlib import Path
from urllib.parse import quote, quote_plus

import duckdb
import pypdf
import pytest
from click.testing import CliRunner

from extractors.contract import ENTITIES
from perfchain.cli import main
from simulator.server.credentials import Credentials
from tests.conftest import GOOD_NIGHT, SOURCES, GoodNight, planted_secrets
from tests.extractors.support import client_for, extract, warehouse

DAY = date(2026, 1, 3)


def _secrets() -> set[str]:
    demo = Credentials()
    return {
        value
        for name, value in vars(demo).items()
        if isinstance(value, str) and ("secret" in name or "app_key" in name)
    }


@pytest.mark.slow  # extracts every entity of every source
def test_no_secret_or_token_reaches_logs_landing_or_tables(simulator, tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    con = warehouse(tmp_path)
    simulator.set_as_of(DAY)
    # Force retries and re-authentication so that those paths log too.
    simulator.faults.add("erp:token_expiry@2")
    simulator.faults.add("crm:token_expiry@1")
    simulator.faults.add("qms:server_error@1")
    for source in ("crm", "erp", "oa", "mes", "qms", "wms", "hr"):
        client = client_for(simulator, source)
        for target in (e for e in ENTITIES if e.source == source):
            extract(client, target, con, tmp_path / "landing", DAY)

    tokens = simulator.issued_tokens()
    assert tokens, "the simulator issued no tokens: the test would prove nothing"
    needles = _secrets() | tokens

    texts = {"log": caplog.text}
    for path in (tmp_path / "landing").rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables()"
    ).fetchall():
        rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
        texts[f"{schema}.{table}"] = "\n".join(map(str, rows))
    assert len(texts) > 20
    leaks = [
        (where, needle) for where, text in texts.items() for needle in needles if needle in text
    ]
    assert leaks == []


def test_error_messages_redact_tokens_in_urls() -> None:
    from extractors._http.errors import ExtractError

    error = ExtractError(
        "erp",
        "sale_orders",
        "GET http://127.0.0.1:1/erp/api/saleorderlist/batch_get?app_key=k&token=abc123&app_secret=s3",
        "errcode 30001",
    )
    assert "abc123" not in str(error) and "s3" not in str(error).split("request:")[1]
    assert "token=***" in str(error)


def _closed_port() -> int:
    """A loopback port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _readable(path: Path) -> bytes:
    """A file's bytes as a reader would see its text: a DuckDB file's every table rendered
    (its storage compresses strings), a workbook's XML parts unzipped, a PDF's text and
    metadata extracted, alongside the raw bytes of each."""
    raw = path.read_bytes()
    if path.suffix == ".duckdb" and raw[8:12] == b"DUCK":
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "union all select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
            rendered = []
            for schema, table in tables:
                rows = con.execute(f'select * from "{schema}"."{table}"').fetchall()
                rendered.append(f"{schema}.{table}: {rows}")
        return raw + "\n".join(rendered).encode()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return raw + b"".join(book.read(name) for name in book.namelist())
    if path.suffix == ".pdf":
        document = pypdf.PdfReader(path)
        text = "\n".join(page.extract_text() for page in document.pages)
        return raw + (text + str(document.metadata)).encode()
    return raw


@pytest.mark.slow  # waits out each source's unreachable budget after the session's good night
def test_no_secret_leaks_anywhere_when_each_source_is_unreachable(  # type: ignore[no-untyped-def]
    good_night: GoodNight, simulator, demo_data, tmp_path, monkeypatch
) -> None:
    """Distinctive secrets in the environment: a good night against a simulator that
    accepts those secrets, which publishes and drops reports (the session's `good_night`,
    run through the command line); then, in a copy of its home, each source in turn on a
    closed port, run through the command line. The terminal and every file under
    PERFCHAIN_HOME (Dagster's SQLite storage and compute logs, run logs, landing,
    warehouse, published file, report workbooks and PDFs, read as their readers see them)
    are searched for each secret, plain and URL-encoded."""
    assert good_night.exit_code == 0, good_night.output
    planted = planted_secrets()
    for name, value in planted.items():
        monkeypatch.setenv(name, value)
    home = Path(shutil.copytree(good_night.home, tmp_path / "home"))
    monkeypatch.setenv("PERFCHAIN_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))  # the run sets it; restored after
    dead = f"http://127.0.0.1:{_closed_port()}"

    def configure(name: str, urls: dict[str, str]) -> None:
        config = tmp_path / f"perfchain-{name}.yaml"
        config.write_text(
            "extract: {unreachable_seconds: 1, max_attempts: 2, backoff_max_seconds: 0.2}\n"
            f"paths: {{excel_drop: '{demo_data / 'excel'}'}}\n"
            "sources:\n"
            + "".join(f"  {source}: {{base_url: '{url}'}}\n" for source, url in urls.items()),
            encoding="utf-8",
        )
        monkeypatch.setenv("PERFCHAIN_CONFIG", str(config))

    terminal = [good_night.output]
    for source in SOURCES:
        configure(
            source,
            {name: f"{dead if name == source else simulator.base_url}/{name}" for name in SOURCES},
        )
        # The good night's date again: an earlier one is refused before any source is asked.
        result = CliRunner().invoke(
            main, ["run", "--date", GOOD_NIGHT.isoformat(), "--source", source]
        )
        assert result.exit_code == 1, result.output
        assert f"{source}." in result.output and "source unreachable" in result.output
        terminal.append(result.output)

    needles = {
        form.encode()
        for value in planted.values()
        for form in (value, quote(value, safe=""), quote_plus(value))
    }
    files = {path: _readable(path) for path in home.rglob("*") if path.is_file()}
    files[Path("terminal")] = "\n".join(terminal).encode()
    # The scan reads where the failures and the outputs were recorded, else it would
    # prove nothing.
    storage = [path for path in files if path.suffix == ".db" and "dagster" in path.parts]
    assert storage, sorted(map(str, files))
    assert any(b"source unreachable" in files[path] for path in storage)
    assert sum(b"source unreachable" in text for text in files.values()) >= 3
    published = home / "published" / "perfchain.duckdb"
    assert b"kpi_daily: [(" in files[published]
    kinds = {path.suffix for path in files if "reports" in path.parts}
    assert {".xlsx", ".pdf"} <= kinds, kinds
    pdfs = [text.decode(errors="replace") for path, text in files.items() if path.suffix == ".pdf"]
    assert any(GOOD_NIGHT.isoformat() in text for text in pdfs)
    leaks = [
        (str(path), needle) for path, text in files.items() for needle in needles if needle in text
    ]
    assert leaks == []
