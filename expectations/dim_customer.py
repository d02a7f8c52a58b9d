"""Suite for marts.dim_customer: one row per customer."""

from __future__ import annotations

from expectations.suite import MartSuite, contract_checks

SUITE = MartSuite("dim_customer", tuple(contract_checks("dim_customer")))
