"""Extraction errors. Every message names the source, the entity and the request."""

from __future__ import annotations

import logging
import re

from perfchain.errors import PerfchainError

# Query parameters and headers whose values are credentials: never printed or logged.
_SECRET_PARAM = re.compile(
    r"(?i)((?:access_)?token|app_secret|client_secret|secret|password|signature|sign|key)=([^&\s]+)"
)


def redact(text: str) -> str:
    """Mask credential values in a URL or message (U8 passes its token in the query)."""
    return _SECRET_PARAM.sub(lambda match: f"{match.group(1)}=***", text)


class ExtractError(PerfchainError):
    """A source failed in a way retries did not fix; nothing was loaded from the batch."""

    def __init__(self, source: str, entity: str, request: str, message: str) -> None:
        self.source, self.entity, self.request = source, entity, redact(request)
        super().__init__(f"{source}.{entity}: {redact(message)} (request: {self.request})")


class RetryableError(Exception):
    """A transient failure (rate limit, 5xx, timeout, broken body): try again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(redact(message))
        self.retry_after = retry_after


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
