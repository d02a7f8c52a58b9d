"""One HTTP session per source: timeouts, retries with backoff, token refresh, redaction.

tenacity does the retrying (exponential backoff with jitter, a cap, Retry-After honoured
through a custom wait) instead of a hand-written loop; requests.Session keeps connections
alive across pages.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
import urllib3
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from extractors._http.errors import (
    ConnectFailed,
    ExtractError,
    RetryableError,
    SourceUnreachable,
    TokenExpired,
    install_log_redaction,
    redact,
)

log = logging.getLogger("perfchain.extract")
install_log_redaction()

# Statuses that a later attempt may get past. 403 is not here: Salesforce's
# REQUEST_LIMIT_EXCEEDED is recognised by the client from its body.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    timeout: float = 30.0
    # A Retry-After is obeyed as sent, up to this; a longer one fails the request instead.
    retry_after_max: float = 300.0
    # A host that takes no connection at all (refused, unknown name, connect timeout) is
    # not retried like a 503: only for this long, then given up on for the whole run. A
    # dead source then fails its first request in seconds and its other entities at once.
    unreachable_seconds: float = 10.0
    # Hosts given up on, with why. Every session made with this policy shares it: the
    # Dagster resource hands one policy to all the clients of a source in a run.
    dead_hosts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class SourceSession:
    """HTTP for one source. `authenticate` returns fresh auth headers or params."""

    source: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    authenticate: Callable[[SourceSession], None] | None = None
    http: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0

    def __post_init__(self) -> None:
        self.http.headers["User-Agent"] = "perfchain-extractor/0.1"
        self.auth_headers: dict[str, str] = {}
        self.auth_params: dict[str, str] = {}
        self._authenticated = False

    # -- auth ---------------------------------------------------------------------------
    def ensure_auth(self) -> None:
        if self.authenticate is not None and not self._authenticated:
            self.authenticate(self)
            self._authenticated = True

    def invalidate_auth(self) -> None:
        self._authenticated = False

    # -- requests -----------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        entity: str,
        check: Callable[[requests.Response], Any] | None = None,
        authenticated: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Send one request with retries; `check` turns a response into the parsed result,
        raising RetryableError or TokenExpired for what it recognises in the body."""

        host = urlsplit(url).netloc
        if host in self.policy.dead_hosts:
            raise SourceUnreachable(
                self.source, entity, f"{method} {url}", self.policy.dead_hosts[host]
            )

        def wait(state: RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome else None
            backoff = wait_exponential_jitter(
                multiplier=self.policy.backoff_initial, max=self.policy.backoff_max
            )(state)
            if isinstance(error, RetryableError) and error.retry_after is not None:
                return min(max(error.retry_after, 0.0), self.policy.retry_after_max)
            return backoff

        def before_sleep(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.warning(
                "%s.%s: attempt %d failed (%s); retrying",
                self.source,
                entity,
                state.attempt_number,
                redact(str(error)),
            )

        def stop(state: RetryCallState) -> bool:
            error = state.outcome.exception() if state.outcome else None
            if isinstance(error, ConnectFailed) and stop_before_delay(
                self.policy.unreachable_seconds
            )(state):
                return True
            return stop_after_attempt(self.policy.max_attempts)(state)

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception_type((RetryableError, TokenExpired)),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._send(method, url, entity, check, authenticated, kwargs)
        except ConnectFailed as error:
            seconds = retrying.statistics.get("delay_since_first_attempt", 0.0)
            reason = f"no connection for {seconds:.0f} s ({error})"
            self.policy.dead_hosts[host] = f"{reason}; not tried again in this run"
            # `from None`, here and below: the chained requests/urllib3 errors print the
            # request URL, and U8 sends its app key and secret in the query string.
            raise SourceUnreachable(self.source, entity, f"{method} {url}", reason) from None
        except (RetryableError, TokenExpired) as error:
            raise ExtractError(
                self.source,
                entity,
                f"{method} {url}",
                f"gave up after {retrying.statistics.get('attempt_number', 1)} attempts: {error}",
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(
        self,
        method: str,
        url: str,
        entity: str,
        check: Callable[[requests.Response], Any] | None,
        authenticated: bool,
        kwargs: dict[str, Any],
    ) -> Any:
        if authenticated:
            # Fresh dicts each attempt: a retry must send the same request again.
            self.ensure_auth()
            kwargs = {
                **kwargs,
                "headers": {**self.auth_headers, **(kwargs.get("headers") or {})},
                "params": {**self.auth_params, **(kwargs.get("params") or {})},
            }
        self.requests_made += 1
        try:
            # The whole body is read before this returns (requests' default, not streamed):
            # a body cut short raises here, where it is retried, and the connection goes
            # back to the pool.
            response = self.http.request(method, url, timeout=self._timeouts(), **kwargs)
        except requests.ConnectionError as error:
            no_connection = _no_connection(error)
            if no_connection is not None:
                raise ConnectFailed(f"{urlsplit(url).netloc}: {no_connection}") from None
            raise RetryableError(f"{type(error).__name__}: {error}") from None
        except (
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,  # a body cut off mid-way
            requests.exceptions.ContentDecodingError,
            urllib3.exceptions.HTTPError,  # the same, should one reach us unwrapped
        ) as error:
            raise RetryableError(f"{type(error).__name__}: {error}") from None
        try:
            if response.status_code in RETRY_STATUSES:
                raise RetryableError(
                    f"HTTP {response.status_code}", retry_after=_retry_after(response)
                )
            result = check(response) if check else _default_check(response)
        except TokenExpired:
            self.invalidate_auth()
            raise
        except RetryableError:
            raise
        except ExtractError:
            raise
        except requests.HTTPError:
            body = response.text[:300]
            raise ExtractError(
                self.source,
                entity,
                f"{method} {response.url}",
                f"HTTP {response.status_code}: {body}",
            ) from None
        except ValueError as error:  # a truncated or malformed body: ask again
            raise RetryableError(f"unreadable response body: {error}") from None
        return result

    def _timeouts(self) -> tuple[float, float]:
        """(connect, read): a host that does not answer the connection at all is given
        no longer than the unreachable budget."""
        return min(self.policy.timeout, self.policy.unreachable_seconds), self.policy.timeout


def _no_connection(error: requests.ConnectionError) -> str | None:
    """Why no connection was made (refused, unknown host, connect timeout), or None when
    the failure came after connecting (a dropped keep-alive, a reset): those are retried
    like a 503. The reason is urllib3's, without the request URL it is wrapped in."""
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    if isinstance(error, requests.ConnectTimeout) or isinstance(
        reason,
        urllib3.exceptions.ConnectTimeoutError,  # NewConnectionError is one
    ):
        text = str(reason or error)
        start = text.find("Failed to")
        return text[start:] if start >= 0 else "the connection timed out"
    return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cycle collector paused while a page becomes objects. A page parses into
    tens of thousands of objects, and every 700 allocations set off a collection that
    walks the young ones: parsing a 10,000-state MTConnect page took 225 ms with it and
    143 ms without (mean of 8). Parsed pages hold no reference cycles, so nothing waits
    on the collector; it runs again as soon as the page is parsed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse_json(response: requests.Response) -> Any:
    """The body as JSON. orjson rather than requests' stdlib parser: pages of 10,000
    records parse several times faster, and the extracting process is CPU-bound on it.
    A broken body raises ValueError (orjson.JSONDecodeError is one), which is retried."""
    with gc_paused():
        return orjson.loads(response.content)


def _default_check(response: requests.Response) -> Any:
    if response.status_code == 401:
        raise TokenExpired("HTTP 401")
    response.raise_for_status()
    return parse_json(response)


def client_credentials(
    session: SourceSession,
    url: str,
    client_id: str,
    client_secret: str,
    check: Callable[[requests.Response], Any],
) -> Any:
    """The OAuth2 client-credentials token request (Salesforce and our REST APIs)."""
    return session.request(
        "POST",
        url,
        entity="auth",
        authenticated=False,
        check=check,
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": client_secret,
        },
    )


class HttpSourceClient:
    """What every HTTP source client shares: one session, and the count of requests it
    made (the run's metadata reports it)."""

    session: SourceSession

    @property
    def requests_made(self) -> int:
        return self.session.requests_made
