"""One batch of alert messages: queue what dbt says is due, send what is pending.

`dispatch(con, as_of_at, settings)`:
1. inserts the rows of `intermediate.int_alert_messages_due` due by `as_of_at` into
   `alerts.outbox` that are not there yet (their text rendered now, in alerts.lang);
2. takes every pending or failed row whose next attempt is due and sends them as ONE
   digest per robot (per address for e-mail), split only when the text would pass the
   channel's limit (WeCom markdown 4096 bytes);
3. records the outcome per row: `sent` with its digest id; over the limit (45009/130101,
   or no free slot in our own 20-a-minute limiter) or unreachable: still `pending`,
   `next_attempt_at` by `alerts.retry_backoff_minutes`; refused (bad key, bad sign) or
   misconfigured: `failed` with an error naming the robot and the variable to check,
   tried again in a later batch (a fixed secret then sends it).

It returns what it did; the caller prints `errors`. No secret is ever written to the
outbox or a log: errors are masked, and secret values are registered for masking.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import requests

from alerts import outbox
from alerts.channels import (
    Channel,
    ChannelError,
    ConfigMissing,
    Digest,
    RateLimited,
    RateLimiter,
    Rejected,
    Unavailable,
    process_limiter,
)
from alerts.channels.dingtalk import DingtalkRobot
from alerts.channels.email import EmailChannel
from alerts.channels.wecom import WecomRobot
from alerts.nudges import queue_nudges
from alerts.render import Lang, digest_parts, render_message
from extractors._http.errors import redact
from perfchain.core.settings import Settings, smtp_config

log = logging.getLogger("perfchain.alerts")

ROBOT_CHANNELS = ("wecom", "dingtalk")


@dataclass
class DispatchResult:
    """What one batch did. Row counts are outbox rows (messages); `posts` counts the
    robot posts and mails actually delivered (a digest carries several rows)."""

    queued: int = 0  # new rows inserted into the outbox
    sent: int = 0  # rows sent in this batch
    failed: int = 0  # rows marked failed in this batch
    deferred: int = 0  # rows due but left pending (over a limit, receiver unavailable)
    pending: int = 0  # rows pending in the outbox after the batch (due later included)
    posts: int = 0
    errors: list[str] = field(default_factory=list)  # failures: the operator must act
    warnings: list[str] = field(default_factory=list)  # retried later on their own

    def summary(self) -> str:
        return (
            f"alerts: {self.queued} queued, {self.sent} sent in {self.posts} message(s), "
            f"{self.failed} failed, {self.deferred} deferred, {self.pending} pending"
        )


def _address(template: str) -> Any:
    """E-mail rows whose address is an OA user id get the configured domain."""

    def address(row: Mapping[str, Any]) -> str | None:
        value = row.get("recipient_address")
        if row.get("channel") != "email" or not value or "@" in str(value):
            return value
        return template.format(oa_user_id=value)

    return address


def _backoff(settings: Settings, attempts: int, at_least_minutes: float = 0.0) -> timedelta:
    steps = settings.alerts.retry_backoff_minutes
    step = steps[min(max(attempts, 1), len(steps)) - 1]
    return timedelta(minutes=max(float(step), at_least_minutes))


def _digest_id(channel: str, target: str, as_of_at: datetime, keys: Sequence[str]) -> str:
    # Deterministic: the same rows sent in the same batch get the same id on a replay.
    text = "|".join([channel, target, as_of_at.isoformat(), *sorted(keys)])
    return hashlib.md5(text.encode("utf-8")).hexdigest()[:16]


def build_channels(
    settings: Settings, environ: Mapping[str, str], http: requests.Session
) -> dict[str, Channel]:
    alerts = settings.alerts
    timeout = settings.extract.timeout_seconds
    return {
        "wecom": WecomRobot(alerts.wecom.base_url, alerts.wecom.robots, environ, http, timeout),
        "dingtalk": DingtalkRobot(
            alerts.dingtalk.base_url, alerts.dingtalk.robots, environ, http, timeout
        ),
        "email": EmailChannel(smtp_config(settings), environ),
    }


def _target(settings: Settings, row: Mapping[str, Any]) -> str:
    """The robot name, or the e-mail address. A robot row without a robot goes to the
    channel's first listed robot: the plant's default group."""
    channel = row["channel"]
    if channel == "email":
        return str(row.get("recipient_address") or "")
    if row.get("robot"):
        return str(row["robot"])
    if channel not in ROBOT_CHANNELS:
        return ""
    robots = getattr(settings.alerts, channel).robots
    return robots[0] if robots else ""


def dispatch(
    con: duckdb.DuckDBPyConnection,
    as_of_at: datetime,
    settings: Settings,
    *,
    environ: Mapping[str, str] | None = None,
    http: requests.Session | None = None,
    limiters: Mapping[str, RateLimiter] | None = None,
    channels: Mapping[str, Channel] | None = None,
    queue_due: bool = True,
) -> DispatchResult:
    """Queue the due messages and send the pending ones as of `as_of_at` (naive UTC).
    `queue_due=False` only sends what is pending: a failed run's platform alert
    (alerts/platform.py) goes out without the alert models its run did not build."""
    if as_of_at.tzinfo is not None:  # the warehouse's timestamps are naive UTC
        as_of_at = as_of_at.astimezone(UTC).replace(tzinfo=None)
    environ = os.environ if environ is None else environ
    own_http = http is None
    session = requests.Session() if http is None else http
    session.headers["User-Agent"] = "perfchain-alerts/0.1"
    lang: Lang = settings.alerts.lang
    tz = settings.plant.tz
    result = DispatchResult()
    try:
        outbox.ensure_outbox(con)
        result.queued = (
            0
            if not queue_due
            else outbox.queue(
                con,
                as_of_at,
                render=lambda row: render_message(row, lang, tz),
                address=_address(settings.alerts.email.address_template),
                expire_before=as_of_at - timedelta(hours=settings.alerts.send_within_hours),
            )
        )
        # Nudges (SPEC 9.6) share the outbox: one key each, queued once (alerts/nudges.py).
        result.queued += queue_nudges(
            con,
            as_of_at,
            lang=lang,
            address=_address(settings.alerts.email.address_template),
            expire_before=as_of_at - timedelta(hours=settings.alerts.send_within_hours),
        )
        used = (
            dict(channels) if channels is not None else build_channels(settings, environ, session)
        )
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for row in outbox.sendable(con, as_of_at):
            groups.setdefault((row["channel"], _target(settings, row)), []).append(row)
        for (channel_name, target), rows in groups.items():
            if channel_name not in used:
                known = ", ".join(used)
                error = f"unknown alert channel {channel_name!r} (perfchain sends to {known})"
                _fail(con, rows, error, as_of_at, settings, result)
                continue
            limiter = (limiters or {}).get(channel_name) or process_limiter(channel_name)
            _send_group(con, used[channel_name], target, rows, as_of_at, settings, limiter, result)
        result.pending = outbox.counts(con)["pending"]
    finally:
        if own_http:
            session.close()
    log.info(result.summary())
    for error in result.errors:
        log.error(error)
    for warning in result.warnings:
        log.warning(warning)
    return result


def _send_group(
    con: duckdb.DuckDBPyConnection,
    channel: Channel,
    target: str,
    rows: list[dict[str, Any]],
    as_of_at: datetime,
    settings: Settings,
    limiter: RateLimiter,
    result: DispatchResult,
) -> None:
    """Send one target's rows: its digest parts in order, stopping at the first answer
    that would repeat for the rest (over the limit, refused robot, unreachable)."""
    lang: Lang = settings.alerts.lang
    where = (
        f"{channel.name} robot {target!r}"
        if channel.name in ROBOT_CHANNELS
        else (f"email to {target or '(no address)'}")
    )
    if not target:
        what = (
            f"no robot configured for {channel.name} (alerts.{channel.name}.robots in "
            "perfchain.yaml)"
            if channel.name in ROBOT_CHANNELS
            else "the recipient has no e-mail address in HR"
        )
        _fail(con, rows, f"{where}: {what}", as_of_at, settings, result)
        return
    parts = digest_parts(
        rows,
        channel=channel.name,
        lang=lang,
        tz=settings.plant.tz,
        batch_at=as_of_at,
        max_bytes=channel.max_bytes,
    )
    by_key = {row["message_key"]: row for row in rows}
    if channel.name == "email" and len(parts) == 1 and len(parts[0].message_keys) == 1:
        parts[0].title = str(by_key[parts[0].message_keys[0]]["subject"])
    uses_limiter = channel.name in ROBOT_CHANNELS
    for index, part in enumerate(parts):
        part_rows = [by_key[key] for key in part.message_keys]
        rest = [by_key[key] for later in parts[index:] for key in later.message_keys]
        if uses_limiter:
            wait = limiter.acquire(f"{channel.name}:{target}")
            if wait is not None:
                # Not an attempt (nothing was sent), so the rows are left as they are:
                # still due, the next batch takes them, and a failed row keeps its error.
                result.deferred += len(rest)
                result.warnings.append(
                    f"{where}: {len(rest)} message(s) held back by the 20-a-minute limit "
                    f"(a slot frees in {wait:.0f} s); sent in a later batch"
                )
                return
        try:
            channel.send(target, Digest(part.title, part.text, tuple(part.mentions)))
        except RateLimited as error:
            _retry_later(
                con,
                part_rows,
                str(error),
                as_of_at,
                settings,
                result,
                at_least=error.retry_after_minutes,
            )
            return
        except Unavailable as error:
            _retry_later(con, part_rows, str(error), as_of_at, settings, result)
            return
        except ConfigMissing as error:
            _fail(con, rest, str(error), as_of_at, settings, result)
            return
        except Rejected as error:
            if error.whole_target:
                _fail(con, rest, str(error), as_of_at, settings, result)
                return
            _fail(con, part_rows, str(error), as_of_at, settings, result)
            continue
        except ChannelError as error:  # pragma: no cover - every channel error is one above
            _fail(con, rest, str(error), as_of_at, settings, result)
            return
        digest_id = _digest_id(channel.name, target, as_of_at, part.message_keys)
        outbox.mark_sent(con, part.message_keys, as_of_at, digest_id)
        result.sent += len(part.message_keys)
        result.posts += 1


def _retry_later(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    error: str,
    as_of_at: datetime,
    settings: Settings,
    result: DispatchResult,
    at_least: float = 0.0,
) -> None:
    attempts = max(int(row["attempts"]) for row in rows) + 1
    when = as_of_at + _backoff(settings, attempts, at_least)
    outbox.mark_unsent(
        con,
        [row["message_key"] for row in rows],
        state="pending",
        error=redact(error),
        next_attempt_at=when,
    )
    result.deferred += len(rows)
    result.warnings.append(
        f"{redact(error)}; {len(rows)} message(s) stay pending, next attempt not before "
        f"{when:%Y-%m-%d %H:%M} UTC"
    )


def _fail(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    error: str,
    as_of_at: datetime,
    settings: Settings,
    result: DispatchResult,
) -> None:
    attempts = max(int(row["attempts"]) for row in rows) + 1
    outbox.mark_unsent(
        con,
        [row["message_key"] for row in rows],
        state="failed",
        error=redact(error),
        next_attempt_at=as_of_at + _backoff(settings, attempts),
    )
    result.failed += len(rows)
    result.errors.append(
        f"{redact(error)} ({len(rows)} message(s) failed; kept in alerts.outbox and tried "
        "again in a later batch)"
    )
