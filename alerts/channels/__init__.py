"""What every alert channel shares: the errors a send ends in, the client-side rate limit,
the environment variables robots read their secrets from, and the robot HTTP call.

A channel turns one digest (title, text, mentions) into one message on one target (a
robot, or an e-mail address). It raises one of the errors below; dispatch.py maps each to
the outbox state: RateLimited and Unavailable keep the messages pending with backoff,
Rejected and ConfigMissing mark them failed (retried next batch), and nothing else.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from extractors._http.errors import install_log_redaction, redact, register_secrets
from perfchain.core.settings import Settings

# urllib3 prints request URLs at DEBUG, and WeCom/DingTalk carry the key or token in the
# query string: its log records go through the same redaction as the extractors'.
install_log_redaction()

# Both robots allow 20 messages per minute per robot (source-apis.md §4).
ROBOT_POSTS_PER_MINUTE = 20


class ChannelError(Exception):
    """A send that did not deliver; the text is safe to store and print (masked)."""

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))


class ConfigMissing(ChannelError):
    """The channel cannot be used as configured (a secret unset, an unknown robot, no
    SMTP server): nothing was sent, and every message for it fails until it is fixed."""


class Rejected(ChannelError):
    """The receiver answered with an error. `whole_target` when it refuses the robot or
    mailbox itself (bad key, bad sign): every message for it would get the same answer."""

    def __init__(self, message: str, *, whole_target: bool = False) -> None:
        super().__init__(message)
        self.whole_target = whole_target


class RateLimited(ChannelError):
    """Over the receiver's limit (WeCom 45009, DingTalk 130101, or our own limiter): try
    again no sooner than `retry_after_minutes`."""

    def __init__(self, message: str, retry_after_minutes: float) -> None:
        super().__init__(message)
        self.retry_after_minutes = retry_after_minutes


class Unavailable(ChannelError):
    """The receiver could not be reached or failed (connection, timeout, HTTP 5xx) after a
    few quick attempts: the message stays pending for a later batch."""


@dataclass(frozen=True)
class Digest:
    """One message as a channel sends it, carrying one or more outbox rows."""

    title: str
    text: str
    mentions: tuple[str, ...] = ()  # robot user ids to @-mention


class Channel(Protocol):
    """A way to deliver a digest to a target: a robot name, or an e-mail address."""

    name: str
    max_bytes: int  # the longest text one message may carry (UTF-8 bytes)

    def send(self, target: str, digest: Digest) -> None: ...


# -- robot secrets ----------------------------------------------------------------------


def env_var(channel: str, kind: str, robot: str) -> str:
    """`env_var("dingtalk", "secret", "plant")` → `PERFCHAIN_DINGTALK_SECRET_PLANT`."""
    return f"PERFCHAIN_{channel.upper()}_{kind.upper()}_{robot.upper()}"


# The secrets each robot channel needs, by kind.
ROBOT_SECRETS: dict[str, tuple[str, ...]] = {
    "wecom": ("key",),
    "dingtalk": ("token", "secret"),
}


def robot_secret_problems(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """`alerts.wecom robot 'plant': missing secret(s) PERFCHAIN_WECOM_KEY_PLANT`, one line
    per configured robot whose variables are unset or empty."""
    problems = []
    for channel, kinds in ROBOT_SECRETS.items():
        robots = getattr(settings.alerts, channel).robots
        for robot in robots:
            missing = [
                env_var(channel, kind, robot)
                for kind in kinds
                if not environ.get(env_var(channel, kind, robot))
            ]
            if missing:
                problems.append(
                    f"alerts.{channel} robot {robot!r}: missing secret(s) {', '.join(missing)}"
                )
    return problems


def robot_secrets(
    channel: str, robot: str, robots: list[str], environ: Mapping[str, str]
) -> dict[str, str]:
    """The robot's secrets by kind, registered for masking; ConfigMissing when the robot is
    not configured or a variable is empty (the error names the variable, never a value)."""
    if robot not in robots:
        configured = ", ".join(robots) or "none"
        raise ConfigMissing(
            f"{channel} robot {robot!r} is not configured (alerts.{channel}.robots in "
            f"perfchain.yaml lists: {configured})"
        )
    found = {
        kind: environ.get(env_var(channel, kind, robot), "") for kind in ROBOT_SECRETS[channel]
    }
    missing = [env_var(channel, kind, robot) for kind, value in found.items() if not value]
    if missing:
        raise ConfigMissing(f"{channel} robot {robot!r}: {', '.join(missing)} is not set")
    register_secrets(found.values())
    return found


# -- rate limit -------------------------------------------------------------------------


class RateLimiter:
    """At most `per_minute` posts per target in any rolling 60 s, in this process.

    Both robots enforce 20/min server-side and DingTalk then throttles for 10 minutes, so
    the client never tries a 21st post: a post with no free slot is not sent and its
    messages wait for the next batch. `clock` is injectable for tests.
    """

    def __init__(
        self, per_minute: int = ROBOT_POSTS_PER_MINUTE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, target: str) -> float | None:
        """Take a slot for `target`: None if taken, else the seconds until one frees up."""
        with self._lock:
            now = self.clock()
            sent = self._sent.setdefault(target, deque())
            while sent and now - sent[0] >= 60.0:
                sent.popleft()
            if len(sent) >= self.per_minute:
                return 60.0 - (now - sent[0])
            sent.append(now)
            return None


# One limiter per robot channel for the whole process: the limit belongs to the robot,
# not to one dispatch call, and micro-batches in one process follow each other.
_LIMITERS: dict[str, RateLimiter] = {}


def process_limiter(channel: str) -> RateLimiter:
    return _LIMITERS.setdefault(channel, RateLimiter())


# -- the robot HTTP call ----------------------------------------------------------------

# Transient failures are retried a few times within the send (a quick blip should not
# cost a whole cadence); past that the outbox's backoff takes over. tenacity, as in
# extractors/_http/session.py, rather than a hand-written loop.
QUICK_ATTEMPTS = 3


class _Transient(Exception):
    pass


def post_robot(
    http: requests.Session,
    url: str,
    params: dict[str, str],
    body: dict[str, Any],
    *,
    where: str,
    timeout: float,
    wait_seconds: float = 0.5,
) -> dict[str, Any]:
    """POST the JSON body and return the robot's JSON answer (errcode not yet checked).

    Raises Unavailable after QUICK_ATTEMPTS transient failures (no connection, timeout,
    HTTP 5xx/429, an unreadable body) and Rejected for another HTTP error status. `where`
    names the robot in errors; the URL's query (key, token, sign) is never printed.
    """

    def once() -> dict[str, Any]:
        try:
            response = http.post(url, params=params, json=body, timeout=timeout)
        except (requests.ConnectionError, requests.Timeout) as error:
            raise _Transient(f"{type(error).__name__}") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise _Transient(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise Rejected(
                f"{where}: HTTP {response.status_code} from {url} "
                f"(check base_url in perfchain.yaml): {response.text[:200]}",
                whole_target=True,
            )
        try:
            answer = response.json()
        except ValueError:
            raise _Transient("the answer is not JSON") from None
        if not isinstance(answer, dict) or "errcode" not in answer:
            raise _Transient(f"the answer has no errcode: {str(answer)[:200]}")
        return answer

    retrying = Retrying(
        stop=stop_after_attempt(QUICK_ATTEMPTS),
        wait=wait_exponential(multiplier=wait_seconds, max=4 * wait_seconds),
        retry=retry_if_exception_type(_Transient),
        reraise=True,
    )
    try:
        return retrying(once)
    except _Transient as error:
        raise Unavailable(
            f"{where}: {url} unavailable after {QUICK_ATTEMPTS} attempts ({error})"
        ) from None
