"""Message text from due-message rows: Chinese by default, English on request.

Each outbox row stores its alert's block (`body`) and a one-line `subject`, rendered when
it is queued; the digest a channel sends is a header plus the blocks of the rows it
carries, each followed by its recipients (added at send time from the rows' recipient
columns, so the same block serves the owner and the cc). Labels live in one zh/en
dictionary, as the reports' do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

Lang = Literal["zh", "en"]

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "level.0": "平台告警",
        "level.1": "一级预警",
        "level.2": "二级预警（已升级）",
        "level.3": "三级预警（已升级）",
        "scope.machine": "设备",
        "scope.team": "班组",
        "scope.line": "产线",
        "scope.order": "订单",
        "scope.customer": "客户",
        "scope.source": "数据源",
        "scope.run": "运行",
        "window.hour": "小时",
        "window.shift": "班次",
        "window.day": "日",
        "scope": "范围",
        "value": "实测",
        "threshold": "阈值",
        "reference": "关联",
        "due": "时间",
        "recipients": "接收人",
        "digest": "perfchain 预警 · {count} 条",
        "digest.part": "（{part}/{parts}）",
        "digest.batch": "批次时间 {moment}（工厂时间）",
        "window": "{window}窗口",
        "sep": "，",
        "list": "、",
        "colon": "：",
        "subject": "【{level}】{rule} · {scope}",
        "mail.subject": "perfchain 预警：{count} 条",
    },
    "en": {
        "level.0": "Platform alert",
        "level.1": "Level 1",
        "level.2": "Level 2 (escalated)",
        "level.3": "Level 3 (escalated)",
        "scope.machine": "machine",
        "scope.team": "team",
        "scope.line": "line",
        "scope.order": "order",
        "scope.customer": "customer",
        "scope.source": "source",
        "scope.run": "run",
        "window.hour": "hour",
        "window.shift": "shift",
        "window.day": "day",
        "scope": "Scope",
        "value": "Observed",
        "threshold": "threshold",
        "reference": "Reference",
        "due": "At",
        "recipients": "To",
        "digest": "perfchain alerts · {count}",
        "digest.part": " ({part}/{parts})",
        "digest.batch": "Batch {moment} (plant time)",
        "window": "per {window}",
        "sep": ", ",
        "list": ", ",
        "colon": ": ",
        "subject": "[{level}] {rule} · {scope}",
        "mail.subject": "perfchain alerts: {count}",
    },
}


def label(key: str, lang: Lang, **values: Any) -> str:
    return LABELS[lang][key].format(**values)


def number(value: Any) -> str:
    """0.925 → 0.925, 4.0 → 4, 0.88236 → 0.8824, None → —."""
    if value is None:
        return "—"
    value = float(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.1f}"


def plant_time(moment: datetime | None, tz: ZoneInfo) -> str:
    """A naive-UTC warehouse timestamp as plant-local wall time."""
    if moment is None:
        return "—"
    return moment.replace(tzinfo=UTC).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _scope(row: Mapping[str, Any], lang: Lang) -> str:
    kind = str(row.get("scope_type") or "")
    name = LABELS[lang].get(f"scope.{kind}", kind)
    return f"{name} {row.get('scope_id') or ''}".strip()


def render_message(row: Mapping[str, Any], lang: Lang, tz: ZoneInfo) -> tuple[str, str]:
    """(subject, body) of one due message: the level, the rule, the scope, the value
    against the threshold, the reference and the moment it fell due."""
    level = label(f"level.{int(row.get('level') or 0)}", lang)
    rule = f"{row.get('rule_name') or row.get('rule_id')} ({row.get('rule_id')})"
    colon = label("colon", lang)
    comparator = str(row.get("comparator") or "").strip()
    threshold = number(row.get("threshold"))
    value = f"{label('value', lang)}{colon}{number(row.get('observed_value'))}"
    if row.get("threshold") is not None:
        # An event rule may have a threshold without a comparator (e.g. 4 h late).
        limit = " ".join(part for part in (label("threshold", lang), comparator, threshold) if part)
        value += f"{label('sep', lang)}{limit}"
    window = row.get("window")
    if window:
        shown = LABELS[lang].get(f"window.{window}", str(window))
        value += (
            f"（{label('window', lang, window=shown)}）"
            if lang == "zh"
            else (f" ({label('window', lang, window=shown)})")
        )
    lines = [
        f"### 【{level}】{rule}" if lang == "zh" else f"### [{level}] {rule}",
        f"> {label('scope', lang)}{colon}{_scope(row, lang)}",
        f"> {value}",
    ]
    if row.get("reference"):
        lines.append(f"> {label('reference', lang)}{colon}{row['reference']}")
    lines.append(f"> {label('due', lang)}{colon}{plant_time(row.get('due_at'), tz)}")
    subject = label(
        "subject",
        lang,
        level=level,
        rule=row.get("rule_name") or row.get("rule_id"),
        scope=_scope(row, lang),
    )
    return subject, "\n".join(lines)


# -- digests ------------------------------------------------------------------------------


@dataclass
class Entry:
    """One alert block in a digest and the outbox rows (one per recipient) it carries."""

    body: str
    message_keys: list[str] = field(default_factory=list)
    recipients: list[tuple[str, str]] = field(default_factory=list)  # (address, name)


@dataclass
class Part:
    """One message: the title, the text as sent, and what it carries."""

    title: str
    text: str
    message_keys: list[str]
    mentions: list[str]


def entries(rows: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """Group outbox rows by alert and level (the same block), keeping their order."""
    grouped: dict[tuple[str, int, str], Entry] = {}
    for row in rows:
        key = (str(row["alert_id"]), int(row["level"]), str(row["body"]))
        entry = grouped.setdefault(key, Entry(body=str(row["body"])))
        entry.message_keys.append(str(row["message_key"]))
        address = str(row.get("recipient_address") or "")
        name = str(row.get("recipient_name") or row.get("recipient_id") or "")
        if (address, name) not in entry.recipients:
            entry.recipients.append((address, name))
    return list(grouped.values())


def _recipients_line(entry: Entry, channel: str, lang: Lang) -> str:
    shown = []
    for address, name in entry.recipients:
        if channel == "wecom" and address:
            shown.append(f"<@{address}> {name}".strip())
        elif channel == "dingtalk" and address:
            shown.append(f"@{address} {name}".strip())
        else:
            shown.append(name or address)
    return f"> {label('recipients', lang)}{label('colon', lang)}{label('list', lang).join(shown)}"


def _fit(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes at a character boundary, marked with …."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: max(0, limit - 3)].decode("utf-8", errors="ignore") + "…"


def digest_parts(
    rows: Sequence[Mapping[str, Any]],
    *,
    channel: str,
    lang: Lang,
    tz: ZoneInfo,
    batch_at: datetime,
    max_bytes: int,
) -> list[Part]:
    """The messages that carry `rows` to one target: one, unless the text would pass
    `max_bytes`; then as few parts as fit, each with the header and a part number. A
    block is never cut across parts (only a single block longer than a whole message is
    shortened, which no real alert is)."""
    # A platform alert (level 0) goes to the channel's group, not to a person: no
    # recipients line.
    blocks = [
        (
            entry,
            f"{entry.body}\n{_recipients_line(entry, channel, lang)}"
            if any(address or name for address, name in entry.recipients)
            else entry.body,
        )
        for entry in entries(rows)
    ]
    count = len(blocks)

    def header(part: int, parts: int) -> tuple[str, str]:
        title = label("digest", lang, count=count)
        if parts > 1:
            title += label("digest.part", lang, part=part, parts=parts)
        batch = label("digest.batch", lang, moment=plant_time(batch_at, tz))
        return title, f"## {title}\n> {batch}"

    # The longest header a part can get (numbers up to 999 parts), so packing needs one pass.
    room = max_bytes - len(header(999, 999)[1].encode("utf-8")) - 2
    groups: list[list[tuple[Entry, str]]] = []
    used = room + 1
    for entry, text in blocks:
        text = _fit(text, room - 2)
        size = len(text.encode("utf-8")) + 2  # the blank line before it
        if used + size > room:
            groups.append([])
            used = 0
        groups[-1].append((entry, text))
        used += size
    parts = []
    for number_, group in enumerate(groups, start=1):
        title, head = header(number_, len(groups))
        text = "\n\n".join([head, *(block for _, block in group)])
        keys = [key for entry, _ in group for key in entry.message_keys]
        mentions = list(
            dict.fromkeys(
                address for entry, _ in group for address, _ in entry.recipients if address
            )
        )
        parts.append(Part(title=title, text=text, message_keys=keys, mentions=mentions))
    return parts
