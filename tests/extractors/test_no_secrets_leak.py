"""Tokens and passwords appear in no log, landing file or warehouse table."""

from __future__ import annotations

import logging
from datetime import date

from extractors.simulator.schema import ENTITIES
from extractors.simulator.server.credentials import Credentials
from tests.extractors.support import client_for, extract, warehouse

DAY = date(2026, 1, 3)


def _secrets() -> set[str]:
    demo = Credentials()
    return {
        value
        for name, value in vars(demo).items()
        if isinstance(value, str) and ("secret" in name or "app_key" in name)
    }


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
