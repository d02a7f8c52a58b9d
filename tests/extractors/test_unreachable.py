"""A source that takes no connection fails fast, once per run, and its error carries no
chained transport exception (those print the request URL, U8's secrets included)."""

from __future__ import annotations

import socket
import traceback
from datetime import UTC, datetime

import pytest

from extractors._http.client import Window
from extractors._http.errors import SourceUnreachable
from extractors._http.session import RetryPolicy
from extractors.contract import ENTITIES
from extractors.erp import U8Client

pytestmark = pytest.mark.slow  # waits out the unreachable-source budget

KEY, SECRET = "u8-planted-key-Qx71", "u8-planted-secret-Wm52"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_gives_up_within_the_budget_then_for_the_whole_run() -> None:
    # 40 attempts would be made for a 503; a refused connection stops at the 1 s budget.
    policy = RetryPolicy(
        max_attempts=40, backoff_initial=0.1, backoff_max=0.4, unreachable_seconds=1.0
    )
    base = f"http://127.0.0.1:{_closed_port()}/erp"
    erp = [e for e in ENTITIES if e.source == "erp"]
    window = Window(until=datetime(2026, 1, 5, tzinfo=UTC))

    first = U8Client(base, KEY, SECRET, policy=policy)
    with pytest.raises(SourceUnreachable) as raised:
        list(first.extract(erp[0], window))
    error = raised.value
    assert "source unreachable: no connection for" in str(error)
    assert "Connection refused" in str(error) and "sources.erp.base_url" in str(error)
    assert 2 <= first.requests_made < 40
    # Nothing chained: what Dagster stores of the error is this one message.
    assert error.__cause__ is None and error.__suppress_context__
    printed = "".join(traceback.format_exception(error))
    assert KEY not in printed and SECRET not in printed and "app_secret" not in printed

    # The other entities of the run share the policy: they fail without a request.
    for entity in erp[1:]:
        other = U8Client(base, KEY, SECRET, policy=policy)
        with pytest.raises(SourceUnreachable, match="not tried again in this run"):
            list(other.extract(entity, window))
        assert other.requests_made == 0

    # A new run (a new policy) asks the host again.
    again = U8Client(base, KEY, SECRET, policy=RetryPolicy(max_attempts=1))
    with pytest.raises(SourceUnreachable):
        list(again.extract(erp[0], window))
    assert again.requests_made == 1
