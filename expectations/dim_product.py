"""Suite for marts.dim_product: one row per product."""

from __future__ import annotations

from expectations.suite import MartSuite, contract_checks

SUITE = MartSuite("dim_product", tuple(contract_checks("dim_product")))
