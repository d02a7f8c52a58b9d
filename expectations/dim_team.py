"""Suite for marts.dim_team: one row per team."""

from __future__ import annotations

from expectations.suite import MartSuite, contract_checks

SUITE = MartSuite("dim_team", tuple(contract_checks("dim_team")))
