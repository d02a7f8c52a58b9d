"""Errors a user can act on: the CLI prints them as one line, without a traceback."""

from __future__ import annotations


class PerfchainError(Exception):
    """An expected failure. The message names what is at fault and what to do."""

    exit_code = 2


class ConfigError(PerfchainError):
    """perfchain.yaml or the environment is incomplete or wrong."""
