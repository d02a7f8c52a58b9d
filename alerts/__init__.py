"""Alerts: the outbox of alert messages, their channels (WeCom, DingTalk, e-mail), the
batch that sends them and the ledger of action tasks (README.md, docs/alerts.md). Below
orchestration, above extractors."""
