"""Alerts: the outbox of alert messages, their channels (WeCom, DingTalk, e-mail) and the
batch that sends them (README.md). Below orchestration, above extractors."""
