"""Suite for marts.dim_date: one row per calendar date."""

from __future__ import annotations

from expectations.suite import MartSuite, contract_checks

SUITE = MartSuite("dim_date", tuple(contract_checks("dim_date")))
