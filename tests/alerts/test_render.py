"""The message text: level, rule, scope, value against threshold, reference and time, in
Chinese by default and English on request; digests grouped by alert and split by bytes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from alerts.render import digest_parts, number, render_message
from tests.alerts.support import due

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.925, "0.925"), (4.0, "4"), (0.88236, "0.8824"), (None, "—"), (12345.678, "12,345.7")],
)
def test_numbers_are_shown_short(value: float | None, shown: str) -> None:
    assert number(value) == shown


def test_a_late_order_step_in_chinese() -> None:
    row = due(
        "k1",
        rule=("R1", "订单步骤延误"),
        scope=("order", "SO-0042"),
        reference="订单 SO-0042 · 发运",
        observed=6.25,
        threshold=4,
        comparator=">",
        level=3,
        due_at=datetime(2026, 3, 4, 16, 30),  # 00:30 the next plant day
    )
    subject, body = render_message(row, "zh", SHANGHAI)
    assert subject == "【三级预警（已升级）】订单步骤延误 · 订单 SO-0042"
    assert body == (
        "### 【三级预警（已升级）】订单步骤延误 (R1)\n"
        "> 范围：订单 SO-0042\n"
        "> 实测：6.25，阈值 > 4（小时窗口）\n"
        "> 关联：订单 SO-0042 · 发运\n"
        "> 时间：2026-03-05 00:30"
    )


def test_an_event_without_threshold_or_reference_in_english() -> None:
    row = due(
        "k1",
        rule=("R4", "客户投诉"),
        scope=("customer", "C-017"),
        reference="",
        observed=1,
        threshold=None,
        comparator="",
        window="hour",
    )
    subject, body = render_message(row, "en", SHANGHAI)
    assert subject == "[Level 1] 客户投诉 · customer C-017"
    assert body == (
        "### [Level 1] 客户投诉 (R4)\n"
        "> Scope: customer C-017\n"
        "> Observed: 1 (per hour)\n"
        "> At: 2026-03-04 10:00"
    )
    # A threshold without a comparator keeps single spaces.
    _, body = render_message({**row, "threshold": 4}, "en", SHANGHAI)
    assert "> Observed: 1, threshold 4 (per hour)\n" in body


def _outbox_row(key: str, alert: str, recipient: tuple[str, str, str]) -> dict[str, object]:
    row = due(key, alert=alert, recipient=recipient, scope=("machine", alert))
    return {**row, "body": render_message(row, "zh", SHANGHAI)[1], "attempts": 0}


def test_a_digest_groups_an_alerts_recipients_and_splits_by_bytes() -> None:
    rows = [
        _outbox_row("k1", "M01", ("E1", "张伟", "zhangwei")),
        _outbox_row("k2", "M01", ("E2", "李娜", "lina")),
        _outbox_row("k3", "M02", ("E1", "张伟", "zhangwei")),
    ]
    kwargs = {"lang": "zh", "tz": SHANGHAI, "batch_at": datetime(2026, 3, 4, 2, 0)}
    (one,) = digest_parts(rows, channel="wecom", max_bytes=4096, **kwargs)
    assert one.message_keys == ["k1", "k2", "k3"]
    assert one.mentions == ["zhangwei", "lina"]
    assert one.text.count("### ") == 2
    assert "> 接收人：<@zhangwei> 张伟、<@lina> 李娜" in one.text
    # DingTalk mentions with @, mail names the people.
    (ding,) = digest_parts(rows, channel="dingtalk", max_bytes=4096, **kwargs)
    assert "> 接收人：@zhangwei 张伟、@lina 李娜" in ding.text
    (mail,) = digest_parts(rows, channel="email", max_bytes=10_000, **kwargs)
    assert "> 接收人：张伟、李娜" in mail.text
    # A limit that holds one alert block per message: two parts, the keys in order, each
    # text within the limit, numbered.
    block = len(one.text.split("\n\n")[1].encode())
    header = len(
        "## perfchain 预警 · 2 条（999/999）\n> 批次时间 2026-03-04 10:00（工厂时间）".encode()
    )
    parts = digest_parts(rows, channel="wecom", max_bytes=header + block + 6, **kwargs)
    assert [part.message_keys for part in parts] == [["k1", "k2"], ["k3"]]
    assert [part.title for part in parts] == [
        "perfchain 预警 · 2 条（1/2）",
        "perfchain 预警 · 2 条（2/2）",
    ]
    assert all(len(part.text.encode()) <= header + block + 6 for part in parts)
