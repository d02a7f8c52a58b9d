"""One dispatch batch over real HTTP against the simulator's robots (and a local SMTP
server): digests, idempotency, over-the-limit answers, a wrong secret, splitting, mail,
and no secret anywhere it could leak."""

from __future__ import annotations

import email
import email.policy
import logging
from datetime import UTC, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from alerts.channels import RateLimiter
from alerts.dispatch import dispatch
from alerts.outbox import OutboxError
from simulator.server.robots import demo_dingtalk_secret, demo_dingtalk_token, demo_wecom_key
from tests.alerts.support import (
    AS_OF,
    Inbox,
    Robots,
    add_due,
    alert_settings,
    demo_environ,
    due,
    outbox_rows,
)

LATER = AS_OF + timedelta(minutes=15)  # the next micro-batch


def _limiters() -> dict[str, RateLimiter]:
    # A fresh limiter per test: the process-wide one would carry posts across tests.
    return {"wecom": RateLimiter(), "dingtalk": RateLimiter()}


def _three_alerts(con: duckdb.DuckDBPyConnection) -> None:
    """Two alerts for the WeCom robot (the first to an owner and a cc), one for DingTalk,
    and one WeCom message not due before the batch."""
    add_due(
        con,
        due("k1", alert="A1", recipient=("E001", "张伟", "zhangwei")),
        due("k2", alert="A1", recipient=("E002", "李娜", "lina")),
        due(
            "k3",
            alert="A2",
            rule=("R1", "订单步骤延误"),
            scope=("order", "SO-0042"),
            reference="订单 SO-0042 · 包装",
            observed=5.5,
            threshold=4,
            comparator=">",
            recipient=("E003", "王强", "wangqiang"),
        ),
        due(
            "k4",
            alert="A3",
            channel="dingtalk",
            scope=("machine", "M07"),
            reference="设备 M07",
            rule=("R3", "非计划停机"),
            observed=3,
            threshold=3,
            comparator=">=",
            window="day",
        ),
        due("k5", alert="A4", due_at=AS_OF + timedelta(minutes=5)),
    )


def test_several_due_alerts_go_out_as_one_digest_per_robot(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    _three_alerts(con)
    settings = alert_settings(robots.base)
    result = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=_limiters())

    # k5 is due five minutes after the batch: not queued yet.
    assert (result.queued, result.sent, result.posts, result.failed) == (4, 4, 2, 0)
    assert result.errors == [] and result.pending == 0
    wecom = robots.received("wecom")
    dingtalk = robots.received("dingtalk")
    assert len(wecom) == 1 and len(dingtalk) == 1
    text = wecom[0]["body"]["markdown"]["content"]
    assert wecom[0]["body"]["msgtype"] == "markdown"
    assert text.startswith("## perfchain 预警 · 2 条\n> 批次时间 2026-03-04 10:00（工厂时间）")
    # A1 once, with both its recipients; A2 with its own; value against threshold, level,
    # scope and reference in Chinese, times in plant time.
    assert text.count("首检合格率预警 (R2)") == 1
    assert (
        "### 【一级预警】首检合格率预警 (R2)\n> 范围：班组 T01\n> 实测：0.88，阈值 < 0.925（小时窗口）\n"
        in text
    )
    assert (
        "> 关联：产线 L01\n> 时间：2026-03-04 10:00\n> 接收人：<@zhangwei> 张伟、<@lina> 李娜"
        in text
    )
    assert (
        "> 范围：订单 SO-0042\n> 实测：5.5，阈值 > 4（小时窗口）\n> 关联：订单 SO-0042 · 包装"
        in text
    )
    assert "<@wangqiang> 王强" in text
    ding = dingtalk[0]["body"]
    assert ding["markdown"]["title"] == "perfchain 预警 · 1 条"
    assert "> 实测：3，阈值 >= 3（日窗口）" in ding["markdown"]["text"]
    assert ding["at"] == {"atUserIds": ["zhangwei"], "isAtAll": False}

    rows = outbox_rows(con)
    assert sorted(rows) == ["k1", "k2", "k3", "k4"]
    assert {rows[k]["state"] for k in rows} == {"sent"}
    assert {rows[k]["sent_at"] for k in rows} == {AS_OF}
    assert {rows[k]["attempts"] for k in rows} == {1}
    # The WeCom rows share one digest id, DingTalk's is another.
    assert rows["k1"]["digest_id"] == rows["k2"]["digest_id"] == rows["k3"]["digest_id"]
    assert rows["k4"]["digest_id"] != rows["k1"]["digest_id"]
    assert rows["k1"]["subject"] == "【一级预警】首检合格率预警 · 班组 T01"


def test_a_second_dispatch_of_the_same_rows_sends_nothing(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    _three_alerts(con)
    settings = alert_settings(robots.base)
    limiters = _limiters()
    first = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=limiters)
    again = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=limiters)
    assert (first.sent, again.queued, again.sent, again.posts) == (4, 0, 0, 0)
    assert len(robots.received()) == 2
    # The next batch queues and sends only k5, now due; the rest are not sent again.
    later = dispatch(con, LATER, settings, environ=demo_environ(), limiters=limiters)
    assert (later.queued, later.sent, later.posts) == (1, 1, 1)
    received = robots.received("wecom")
    assert len(received) == 2
    assert "首检合格率预警 (R2)" in received[1]["body"]["markdown"]["content"]
    assert "SO-0042" not in received[1]["body"]["markdown"]["content"]
    assert con.execute("select count(*) from alerts.outbox").fetchone() == (5,)


@pytest.mark.parametrize(
    ("channel", "code", "wait"),
    [("wecom", 45009, timedelta(minutes=1)), ("dingtalk", 130101, timedelta(minutes=10))],
)
def test_over_the_limit_stays_pending_and_is_received_once_later(
    con: duckdb.DuckDBPyConnection, robots: Robots, channel: str, code: int, wait: timedelta
) -> None:
    add_due(con, due("k1", channel=channel), due("k2", alert="A2", channel=channel))
    settings = alert_settings(robots.base)
    limiters = _limiters()
    robots.over_limit(channel, "plant", 1)

    first = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=limiters)
    assert (first.sent, first.failed, first.deferred, first.pending) == (0, 0, 2, 2)
    assert first.errors == [] and len(first.warnings) == 1
    rows = outbox_rows(con)
    assert {r["state"] for r in rows.values()} == {"pending"}
    assert {r["attempts"] for r in rows.values()} == {1}
    # Backoff: the first step (1 min), or DingTalk's 10-minute throttle.
    assert {r["next_attempt_at"] for r in rows.values()} == {AS_OF + wait}
    assert str(code) in rows["k1"]["last_error"]
    assert robots.received(channel) == []

    # The same batch again: not due yet, nothing posted.
    again = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=limiters)
    assert (again.sent, again.posts) == (0, 0)
    assert len(robots.received(channel, every=True)) == 1

    later = dispatch(con, LATER, settings, environ=demo_environ(), limiters=limiters)
    assert (later.sent, later.posts, later.pending) == (2, 1, 0)
    calls = robots.received(channel, every=True)
    assert [call["errcode"] for call in calls] == [code, 0]
    assert len(robots.received(channel)) == 1
    rows = outbox_rows(con)
    assert {(r["state"], r["attempts"], r["sent_at"]) for r in rows.values()} == {
        ("sent", 2, LATER)
    }
    assert {r["last_error"] for r in rows.values()} == {None}


def test_a_wrong_dingtalk_secret_fails_clearly_and_sends_once_fixed(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    add_due(con, due("k1", channel="dingtalk"), due("k2", alert="A2", channel="wecom"))
    settings = alert_settings(robots.base)
    limiters = _limiters()
    wrong = {**demo_environ(), "PERFCHAIN_DINGTALK_SECRET_PLANT": "SECwrong-secret-value"}

    first = dispatch(con, AS_OF, settings, environ=wrong, limiters=limiters)
    # WeCom is unaffected; DingTalk's row is failed, with an error naming the robot and
    # the variable to check, never the value.
    assert (first.sent, first.failed, first.pending) == (1, 1, 0)
    assert len(first.errors) == 1
    error = first.errors[0]
    assert error.startswith("dingtalk robot 'plant': errcode 310000 sign not match")
    assert "PERFCHAIN_DINGTALK_SECRET_PLANT" in error
    assert "SECwrong-secret-value" not in error and demo_dingtalk_token("plant") not in error
    row = outbox_rows(con)["k1"]
    assert (row["state"], row["attempts"], row["sent_at"]) == ("failed", 1, None)
    assert "310000" in row["last_error"] and "PERFCHAIN_DINGTALK_SECRET_PLANT" in row["last_error"]
    assert [c["errcode"] for c in robots.received("dingtalk", every=True)] == [310000]

    # Still wrong in the next batch: tried again, still failed, still nothing received.
    second = dispatch(con, LATER, settings, environ=wrong, limiters=limiters)
    assert (second.sent, second.failed) == (0, 1)
    assert outbox_rows(con)["k1"]["attempts"] == 2
    # The secret is fixed: the batch after sends it, once.
    fixed_at = LATER + timedelta(minutes=15)
    fixed = dispatch(con, fixed_at, settings, environ=demo_environ(), limiters=limiters)
    assert (fixed.sent, fixed.failed, fixed.errors) == (1, 0, [])
    row = outbox_rows(con)["k1"]
    assert (row["state"], row["attempts"], row["sent_at"], row["last_error"]) == (
        "sent",
        3,
        fixed_at,
        None,
    )
    assert len(robots.received("dingtalk")) == 1
    assert len(robots.received("wecom")) == 1


def test_a_missing_secret_or_unknown_robot_names_what_to_set(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    add_due(
        con,
        due("k1", channel="wecom"),
        due("k2", alert="A2", channel="wecom", robot="quality"),
        due("k3", alert="A3", channel="dingtalk", robot=None),
    )
    settings = alert_settings(robots.base)
    environ = {k: v for k, v in demo_environ().items() if "WECOM" not in k}
    result = dispatch(con, AS_OF, settings, environ=environ, limiters=_limiters())
    assert (result.sent, result.failed) == (1, 2)
    assert sorted(result.errors) == [
        "wecom robot 'plant': PERFCHAIN_WECOM_KEY_PLANT is not set (1 message(s) failed; "
        "kept in alerts.outbox and tried again in a later batch)",
        "wecom robot 'quality' is not configured (alerts.wecom.robots in perfchain.yaml "
        "lists: plant) (1 message(s) failed; kept in alerts.outbox and tried again in a "
        "later batch)",
    ]
    # A robot row without a robot goes to the channel's first robot.
    assert len(robots.received("dingtalk")) == 1 and robots.received("wecom", every=True) == []


def test_a_digest_over_4096_bytes_is_split_and_every_part_is_accepted(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    add_due(
        con,
        *(
            due(
                f"k{i:02d}",
                alert=f"A{i:02d}",
                scope=("machine", f"M{i:02d}"),
                reference=f"设备 M{i:02d} · 冲压线 L{i % 3}",
            )
            for i in range(30)
        ),
    )
    settings = alert_settings(robots.base)
    result = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=_limiters())
    received = robots.received("wecom", every=True)
    texts = [call["body"]["markdown"]["content"] for call in received]
    # 30 blocks of about 240 bytes: more than 4096 bytes, so several messages, all accepted.
    assert len(texts) >= 2 and {call["errcode"] for call in received} == {0}
    assert sum(len(text.encode("utf-8")) for text in texts) > 4096
    assert all(len(text.encode("utf-8")) <= 4096 for text in texts)
    assert (result.sent, result.posts) == (30, len(texts))
    assert texts[0].startswith(f"## perfchain 预警 · 30 条（1/{len(texts)}）")
    # Every alert exactly once across the parts, in order.
    for i in range(30):
        assert sum(text.count(f"> 范围：设备 M{i:02d}\n") for text in texts) == 1
    # Packed, not scattered: the next part's first block would not have fitted.
    first_of_next = texts[1].split("\n\n")[1]
    assert len(f"{texts[0]}\n\n{first_of_next}".encode()) > 4096
    rows = outbox_rows(con)
    assert len({row["digest_id"] for row in rows.values()}) == len(texts)


def test_the_client_never_posts_more_than_its_limit_per_rolling_minute(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    now = [1000.0]
    limiter = RateLimiter(per_minute=20, clock=lambda: now[0])
    assert [limiter.acquire("wecom:plant") for _ in range(20)] == [None] * 20
    now[0] += 45.0
    assert limiter.acquire("wecom:plant") == pytest.approx(15.0)
    assert limiter.acquire("wecom:other") is None  # per robot
    now[0] += 15.0
    assert limiter.acquire("wecom:plant") is None

    # In a batch: a split digest of three parts against a limiter with one slot left.
    add_due(
        con,
        *(due(f"k{i:02d}", alert=f"A{i:02d}", scope=("machine", f"M{i:02d}")) for i in range(30)),
    )
    tight = RateLimiter(per_minute=1, clock=lambda: now[0])
    settings = alert_settings(robots.base)
    result = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters={"wecom": tight})
    assert result.posts == 1 and result.sent > 0 and result.sent + result.deferred == 30
    assert len(robots.received("wecom", every=True)) == 1
    held = [r for r in outbox_rows(con).values() if r["state"] == "pending"]
    assert len(held) == result.deferred
    # Held back is not an attempt: nothing was sent for them.
    assert {r["attempts"] for r in held} == {0}
    now[0] += 60.0
    rest = dispatch(con, LATER, settings, environ=demo_environ(), limiters={"wecom": tight})
    assert rest.posts == 1 and result.sent + rest.sent + rest.deferred == 30


def test_receiver_errors_keep_or_fail_the_messages(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    add_due(con, due("k1", channel="wecom"), due("k2", alert="A2", channel="dingtalk"))
    # WeCom nowhere to be reached (a closed port); DingTalk at a wrong path (HTTP 404).
    settings = alert_settings(robots.base).model_copy(deep=True)
    settings.alerts.wecom.base_url = "http://127.0.0.1:9/wecom"
    settings.alerts.dingtalk.base_url = f"{robots.base}/nowhere"
    result = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=_limiters())
    rows = outbox_rows(con)
    assert (rows["k1"]["state"], rows["k1"]["attempts"]) == ("pending", 1)
    assert rows["k1"]["next_attempt_at"] == AS_OF + timedelta(minutes=1)
    assert "unavailable after 3 attempts (ConnectionError)" in rows["k1"]["last_error"]
    assert rows["k2"]["state"] == "failed"
    assert "HTTP 404" in rows["k2"]["last_error"]
    assert (result.sent, result.failed, result.deferred) == (0, 1, 1)
    assert len(result.errors) == 1 and len(result.warnings) == 1


def test_alert_mail_goes_out_one_per_recipient_through_smtp(
    con: duckdb.DuckDBPyConnection, robots: Robots, smtp_inbox: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_inbox
    add_due(
        con,
        due("k1", channel="email", robot=None, recipient=("E009", "赵敏", "zhaomin")),
        due(
            "k2",
            alert="A2",
            channel="email",
            robot=None,
            recipient=("E009", "赵敏", "zhaomin"),
            scope=("customer", "C-017"),
            reference="客户 C-017 · 投诉 CS-88",
            rule=("R4", "客户投诉"),
        ),
        due(
            "k3",
            alert="A2",
            channel="email",
            robot=None,
            recipient=("E010", "钱进", "qian@plant.example"),
            scope=("customer", "C-017"),
            reference="客户 C-017 · 投诉 CS-88",
            rule=("R4", "客户投诉"),
        ),
    )
    settings = alert_settings(robots.base, smtp_port=port)
    result = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=_limiters())
    assert (result.sent, result.posts, result.failed) == (3, 2, 0)
    to = sorted(rcpt for rcpts, _ in inbox.messages for rcpt in rcpts)
    # An OA user id gets alerts.email.address_template; a full address is kept.
    assert to == ["qian@plant.example", "zhaomin@plant.local"]
    mails = {rcpts[0]: raw for rcpts, raw in inbox.messages}
    first = email.message_from_bytes(mails["zhaomin@plant.local"], policy=email.policy.default)
    assert first["Subject"] == "perfchain 预警 · 2 条"
    body = first.get_content()
    assert "首检合格率预警 (R2)" in body and "客户投诉 (R4)" in body
    assert "> 关联：客户 C-017 · 投诉 CS-88" in body
    single = email.message_from_bytes(mails["qian@plant.example"], policy=email.policy.default)
    assert single["Subject"] == "【一级预警】客户投诉 · 客户 C-017"
    assert outbox_rows(con)["k1"]["recipient_address"] == "zhaomin@plant.local"


def test_mail_without_an_smtp_server_fails_naming_the_setting(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    add_due(con, due("k1", channel="email", robot=None))
    result = dispatch(con, AS_OF, alert_settings(robots.base), environ=demo_environ())
    assert result.failed == 1
    assert "reports.smtp in perfchain.yaml" in result.errors[0]


def test_english_on_request(con: duckdb.DuckDBPyConnection, robots: Robots) -> None:
    add_due(con, due("k1", level=2))
    settings = alert_settings(robots.base, lang="en")
    dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=_limiters())
    text = robots.received("wecom")[0]["body"]["markdown"]["content"]
    assert text.startswith("## perfchain alerts · 1\n> Batch 2026-03-04 10:00 (plant time)")
    assert "### [Level 2 (escalated)] 首检合格率预警 (R2)\n> Scope: team T01\n" in text
    assert "> Observed: 0.88, threshold < 0.925 (per hour)\n" in text
    assert "> To: <@zhangwei> 张伟" in text


def test_secrets_never_reach_the_outbox_the_robots_or_the_logs(
    con: duckdb.DuckDBPyConnection, robots: Robots, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 logs each request URL at DEBUG
    add_due(con, due("k1", channel="wecom"), due("k2", alert="A2", channel="dingtalk"))
    settings = alert_settings(robots.base)
    wrong = {**demo_environ(), "PERFCHAIN_DINGTALK_SECRET_PLANT": "SECwrong-secret-value"}
    dispatch(con, AS_OF, settings, environ=wrong, limiters=_limiters())
    result = dispatch(con, LATER, settings, environ=demo_environ(), limiters=_limiters())
    assert result.sent == 1
    secrets = [
        demo_wecom_key("plant"),
        demo_dingtalk_token("plant"),
        demo_dingtalk_secret("plant"),
        "SECwrong-secret-value",
    ]
    assert "/cgi-bin/webhook/send" in caplog.text  # the request lines were logged ...
    stored = repr(con.execute("select * from alerts.outbox").fetchall())
    received = repr(robots.received(every=True))
    for secret in secrets:  # ... without a key, token or secret
        assert secret not in caplog.text
        assert secret not in stored
        assert secret not in received


def test_an_unknown_channel_is_failed_by_name_and_a_missing_model_is_named(
    con: duckdb.DuckDBPyConnection, robots: Robots, tmp_path: Path
) -> None:
    add_due(con, due("k1", channel="sms", robot=None), due("k2", alert="A2"))
    # An aware as-of moment is the same instant as the naive UTC one.
    aware = AS_OF.replace(tzinfo=UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    result = dispatch(
        con, aware, alert_settings(robots.base), environ=demo_environ(), limiters=_limiters()
    )
    assert (result.sent, result.failed) == (1, 1)
    assert result.errors[0].startswith(
        "unknown alert channel 'sms' (perfchain sends to wecom, dingtalk, email)"
    )
    rows = outbox_rows(con)
    assert rows["k1"]["state"] == "failed" and rows["k2"]["sent_at"] == AS_OF

    empty = duckdb.connect(str(tmp_path / "empty.duckdb"))
    with pytest.raises(OutboxError, match="intermediate.int_alert_messages_due is not in"):
        dispatch(empty, AS_OF, alert_settings(robots.base), environ=demo_environ())
    empty.close()


def test_a_message_due_long_before_its_first_batch_is_recorded_expired_never_sent(
    con: duckdb.DuckDBPyConnection, robots: Robots
) -> None:
    """The first night of an installation (or one catching up on weeks) finds alerts of
    last month: they are kept, as `expired` with the reason, and nobody is paged. The
    limit is alerts.send_within_hours (24): a message due 24 h before the batch is sent,
    one due a minute earlier is not."""
    add_due(
        con,
        due("old", alert="A1", due_at=AS_OF - timedelta(hours=24, minutes=1)),
        due("edge", alert="A2", due_at=AS_OF - timedelta(hours=24)),
    )
    settings = alert_settings(robots.base)
    result = dispatch(con, AS_OF, settings, environ=demo_environ(), limiters=_limiters())
    assert (result.queued, result.sent, result.posts) == (2, 1, 1)
    rows = outbox_rows(con)
    assert rows["edge"]["state"] == "sent"
    assert rows["old"]["state"] == "expired" and rows["old"]["sent_at"] is None
    assert rows["old"]["last_error"] == (
        "due at 2026-03-03 01:59 UTC, before 2026-03-03 02:00 UTC when first queued: "
        "not sent (alerts.send_within_hours)"
    )
    # Never sent later either.
    again = dispatch(con, LATER, settings, environ=demo_environ(), limiters=_limiters())
    assert (again.queued, again.sent, again.posts) == (0, 0, 0)
    assert len(robots.received()) == 1
