"""Platform alerts (SPEC §8.6): a stale source, a failed run, a blocked quality gate.

They are level-0 rows of the same outbox as the business alerts (`alerts.outbox`), sent to
`alerts.platform_channel` (its first robot, or `reports.smtp.recipients` for e-mail) by the
same `dispatch`, so they share its retries, rate limits, digests and masking. Each has an
idempotency key of its own:

- **stale source**: `platform|stale|<episode>`, the episode being the source and the
  window end it is stuck at (`intermediate.int_platform_sources_freshness`, computed in
  dbt from the landed batches and the as-of moment, so a replay finds the same episodes):
  one message however many batches find it stale; once a newer landing ends it,
  `platform|fresh|<episode>` says it is current again, once, and only if the stale
  message went out;
- **failed run**: `platform|run|<run id>`: one message per failed run, nightly or
  micro-batch, whoever reports it (`perfchain run`'s error path, or the Dagster run-failure
  sensor for runs the daemon launched: both may see the same run);
- **blocked gate**: a run the quality gate stopped is a failed run whose message names the
  failing blocking checks instead of the step error (still one per run).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb

from alerts import outbox
from alerts.dispatch import dispatch
from alerts.render import Lang, label, plant_time
from perfchain.core.settings import Settings

FRESHNESS = "intermediate.int_platform_sources_freshness"
# rule_id of each kind in the outbox (fct_alert_message shows them as level 0).
STALE_RULE = "platform.stale_source"
FRESH_RULE = "platform.source_fresh"
RUN_RULE = "platform.run_failed"
GATE_RULE = "platform.gate_blocked"
REASON_CHARS = 600  # a step error can be long: the run log holds the rest

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "stale.title": "数据源 {source} 数据滞后",
        "stale.line": "数据截至 {through}（工厂时间），已落后 {lag} 分钟，允许 {limit} 分钟{during}",
        "during.shifts": "（班次内）",
        "fresh.title": "数据源 {source} 已恢复",
        "fresh.line": "数据截至 {through}（工厂时间），此前停在 {stuck}",
        "run.title": "运行失败：{job}（{what}）",
        "gate.title": "质量门禁拦截，未发布：{job}（{what}）",
        "run": "运行",
        "reason": "原因",
        "checks": "未通过的检查",
        "log": "日志",
        "source": "数据源",
    },
    "en": {
        "stale.title": "Source {source} is stale",
        "stale.line": "data through {through} (plant time), {lag} min behind, {limit} min "
        "allowed{during}",
        "during.shifts": " (during shifts)",
        "fresh.title": "Source {source} is current again",
        "fresh.line": "data through {through} (plant time), stuck at {stuck} before",
        "run.title": "Run failed: {job} ({what})",
        "gate.title": "Quality gate blocked the publish: {job} ({what})",
        "run": "Run",
        "reason": "Reason",
        "checks": "Failing checks",
        "log": "Log",
        "source": "Source",
    },
}


def _text(key: str, lang: Lang, **values: Any) -> str:
    return LABELS[lang][key].format(**values)


def platform_key(*parts: str) -> str:
    return hashlib.md5("|".join(["platform", *parts]).encode("utf-8")).hexdigest()


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not None:
        return moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def platform_configured(settings: Settings) -> bool:
    """Whether the platform channel has somewhere to go: a robot of that channel in
    perfchain.yaml, or a recipient of the report mailer for e-mail. A plant that set none
    gets no platform alert rather than a failed one at every run."""
    channel = settings.alerts.platform_channel
    if channel == "email":
        smtp = settings.reports.smtp
        return bool(smtp and smtp.recipients)
    return bool(getattr(settings.alerts, channel).robots)


def _target(settings: Settings) -> tuple[str, str | None, str | None]:
    """(channel, robot, address) of the platform channel: the channel's first robot (the
    dispatch picks it when robot is null), or the report mailer's first recipient."""
    channel = settings.alerts.platform_channel
    if channel == "email":
        smtp = settings.reports.smtp
        return channel, None, (smtp.recipients[0] if smtp and smtp.recipients else None)
    return channel, None, None


def _block(title: str, lines: Sequence[str], at: datetime, settings: Settings) -> str:
    lang: Lang = settings.alerts.lang
    level = label("level.0", lang)
    head = f"### 【{level}】{title}" if lang == "zh" else f"### [{level}] {title}"
    due = f"> {label('due', lang)}{label('colon', lang)}{plant_time(at, settings.plant.tz)}"
    return "\n".join([head, *(f"> {line}" for line in lines), due])


def _insert(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    key: str,
    alert_id: str,
    rule_id: str,
    subject: str,
    body: str,
    due_at: datetime,
    batch_at: datetime,
) -> int:
    """Insert one level-0 row if its key is new; return 1 if it was."""
    outbox.ensure_outbox(con)
    if con.execute("select 1 from alerts.outbox where message_key = ?", [key]).fetchone():
        return 0
    channel, robot, address = _target(settings)
    lang: Lang = settings.alerts.lang
    level = label("level.0", lang)
    con.execute(
        """
        insert into alerts.outbox (
            message_key, alert_id, rule_id, level, channel, robot, recipient_id,
            recipient_name, recipient_address, subject, body, state, attempts, created_at,
            next_attempt_at, batch_at
        )
        values (?, ?, ?, 0, ?, ?, null, null, ?, ?, ?, 'pending', 0, ?, ?, ?)
        on conflict do nothing
        """,
        [
            key,
            alert_id,
            rule_id,
            channel,
            robot,
            address,
            f"【{level}】{subject}" if lang == "zh" else f"[{level}] {subject}",
            body,
            datetime.now(UTC).replace(tzinfo=None),
            _naive_utc(due_at),
            _naive_utc(batch_at),
        ],
    )
    return 1


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, _, name = table.partition(".")
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def queue_stale_sources(
    con: duckdb.DuckDBPyConnection, as_of_at: datetime, settings: Settings
) -> int:
    """Queue a message for each stale episode not yet in the outbox, and one for each
    episode whose stale message went out and that a newer landing has ended; return how
    many rows were queued. Nothing when the freshness model was not built (a fresh
    warehouse)."""
    if not _exists(con, FRESHNESS):
        return 0
    outbox.ensure_outbox(con)
    as_of_at = _naive_utc(as_of_at)
    lang: Lang = settings.alerts.lang
    tz = settings.plant.tz
    rows = con.execute(
        f"""
        select source_system, max_lag_minutes, watched_during, read_through_at, lag_minutes,
            is_stale, episode_id, stale_since_at, previous_read_through_at,
            resolved_episode_id
        from {FRESHNESS}
        order by source_system
        """
    ).fetchall()
    queued = 0
    for (
        source,
        limit,
        during,
        through,
        lag,
        stale,
        episode,
        since,
        previous,
        resolved,
    ) in rows:
        through, since = _naive_utc(through), _naive_utc(since)
        if stale:
            title = _text("stale.title", lang, source=source)
            line = _text(
                "stale.line",
                lang,
                through=plant_time(through, tz),
                lag=int(lag),
                limit=int(limit),
                during=_text("during.shifts", lang) if during == "shifts" else "",
            )
            queued += _insert(
                con,
                settings,
                key=platform_key("stale", episode),
                alert_id=episode,
                rule_id=STALE_RULE,
                subject=title,
                body=_block(title, [line], since, settings),
                due_at=since,
                batch_at=as_of_at,
            )
        if resolved and _stale_message_went_out(con, resolved):
            title = _text("fresh.title", lang, source=source)
            line = _text(
                "fresh.line",
                lang,
                through=plant_time(through, tz),
                stuck=plant_time(_naive_utc(previous), tz),
            )
            queued += _insert(
                con,
                settings,
                key=platform_key("fresh", resolved),
                alert_id=resolved,
                rule_id=FRESH_RULE,
                subject=title,
                body=_block(title, [line], through, settings),
                due_at=through,
                batch_at=as_of_at,
            )
    return queued


def _stale_message_went_out(con: duckdb.DuckDBPyConnection, episode: str) -> bool:
    found = con.execute(
        "select 1 from alerts.outbox where message_key = ? and state = 'sent'",
        [platform_key("stale", episode)],
    ).fetchone()
    return found is not None


def queue_failed_run(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    run_id: str,
    job: str,
    what: str,
    reason: str,
    failed_at: datetime,
    failing_checks: Sequence[str] = (),
    log_path: str | None = None,
) -> int:
    """Queue the one message of a failed run (`what`: its date or moment); a run the
    quality gate blocked names its failing checks. 0 if this run was reported already."""
    lang: Lang = settings.alerts.lang
    colon = label("colon", lang)
    lines = [f"{_text('run', lang)}{colon}{run_id}"]
    if failing_checks:
        title = _text("gate.title", lang, job=job, what=what)
        lines.append(f"{_text('checks', lang)}{colon}{label('list', lang).join(failing_checks)}")
        rule = GATE_RULE
    else:
        title = _text("run.title", lang, job=job, what=what)
        text = " ".join(reason.split())
        if log_path:  # said on its own line
            text = text.removesuffix(f" Run log: {log_path}")
        if len(text) > REASON_CHARS:
            text = text[: REASON_CHARS - 1] + "…"
        lines.append(f"{_text('reason', lang)}{colon}{text}")
        rule = RUN_RULE
    if log_path:
        lines.append(f"{_text('log', lang)}{colon}{log_path}")
    failed_at = _naive_utc(failed_at)
    return _insert(
        con,
        settings,
        key=platform_key("run", run_id),
        alert_id=run_id,
        rule_id=rule,
        subject=title,
        body=_block(title, lines, failed_at, settings),
        due_at=failed_at,
        batch_at=failed_at,
    )


def send_now(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    at: datetime | None = None,
    **dispatch_options: Any,
) -> Any:
    """Send what is pending (platform rows included) without queueing business alerts:
    a failed run has no fresh dbt models to queue from. Returns the DispatchResult."""
    moment = _naive_utc(at or datetime.now(UTC))
    return dispatch(con, moment, settings, queue_due=False, **dispatch_options)
