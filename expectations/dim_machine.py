"""Suite for marts.dim_machine: one row per machine."""

from __future__ import annotations

from expectations.suite import MartSuite, contract_checks

SUITE = MartSuite("dim_machine", tuple(contract_checks("dim_machine")))
