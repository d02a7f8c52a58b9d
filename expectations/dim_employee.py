"""Suite for marts.dim_employee: one row per employee."""

from __future__ import annotations

from expectations.suite import MartSuite, contract_checks

SUITE = MartSuite("dim_employee", tuple(contract_checks("dim_employee")))
