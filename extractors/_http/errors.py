"""Extraction errors. Every message names the source, the entity and the request."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from perfchain.core.errors import PerfchainError

# Query parameters and headers whose values are credentials: never printed or logged.
_SECRET_PARAM = re.compile(
    r"(?i)((?:access_)?token|app_secret|client_secret|secret|password|signature|sign|key)=([^&\s]+)"
)


# The secret values themselves, as read from the environment and as they look
# URL-encoded: masked wherever they appear, also outside a `key=value` pair.
_known: set[str] = set()
_known_lock = threading.Lock()


def register_secrets(values: Iterable[str]) -> None:
    """Remember secret values so that `redact` masks them in any text."""
    with _known_lock:
        for value in values:
            if len(value) >= 4:  # shorter ones would mask ordinary text, and guess nothing
                _known.update({value, quote(value, safe=""), quote_plus(value)})


def redact(text: str) -> str:
    """Mask credential values in a URL or message (U8 passes its token in the query)."""
    text = _SECRET_PARAM.sub(lambda match: f"{match.group(1)}=***", text)
    for value in sorted(_known, key=len, reverse=True):
        if value in text:
            text = text.replace(value, "***")
    return text


class ExtractError(PerfchainError):
    """A source failed in a way retries did not fix; nothing was loaded from the batch."""

    def __init__(self, source: str, entity: str, request: str, message: str) -> None:
        self.source, self.entity, self.request = source, entity, redact(request)
        super().__init__(f"{source}.{entity}: {redact(message)} (request: {self.request})")


class SourceUnreachable(ExtractError):
    """No connection could be made (refused, no such host, connect timeout) for longer than
    the source's budget, or the host already failed so in this run: asking again is
    pointless, so every later request to it fails at once."""

    def __init__(self, source: str, entity: str, request: str, message: str) -> None:
        super().__init__(
            source,
            entity,
            request,
            f"source unreachable: {message}. Check that {source} is up and that "
            f"sources.{source}.base_url in perfchain.yaml is right",
        )


class RetryableError(Exception):
    """A transient failure (rate limit, 5xx, timeout, broken body): try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(redact(message))
        self.retry_after = retry_after


class ConnectFailed(RetryableError):
    """No connection was made at all: retried only within the policy's unreachable budget."""


class TokenExpired(Exception):
    """The source rejected our token: authenticate again and repeat the request."""


class RedactingFilter(logging.Filter):
    """Masks credentials in log records, e.g. urllib3's DEBUG lines that print request URLs
    (U8 sends its token and app key as query parameters)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        return True


def install_log_redaction() -> None:
    """Attach the filter to the loggers that print URLs; safe to call more than once."""
    for name in ("urllib3.connectionpool",):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
