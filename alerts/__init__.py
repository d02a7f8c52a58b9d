"""Alerts: the outbox of messages and the ledger of action tasks (docs/alerts.md)."""
