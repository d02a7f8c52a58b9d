"""The secrets each source needs, and the environment variables they come from.

Secrets come only from `PERFCHAIN_<SOURCE>_<KEY>` environment variables (SPEC §3).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "crm": ("CLIENT_ID", "CLIENT_SECRET"),
    "erp": ("APP_KEY", "APP_SECRET"),
    "oa": ("APPID",),
    "mes": ("CLIENT_ID", "CLIENT_SECRET"),
    "qms": ("CLIENT_ID", "CLIENT_SECRET"),
    "wms": ("CLIENT_ID", "CLIENT_SECRET"),
    "hr": ("CLIENT_ID", "CLIENT_SECRET"),
    "excel": (),  # a folder on disk
}


def env_name(source: str, key: str) -> str:
    return f"PERFCHAIN_{source.upper()}_{key}"


def secrets_from_env(source: str, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    environ = os.environ if environ is None else environ
    return {key: environ.get(env_name(source, key), "") for key in SECRET_KEYS[source]}


def missing_secrets(source: str, environ: Mapping[str, str] | None = None) -> list[str]:
    found = secrets_from_env(source, environ)
    return [env_name(source, key) for key, value in found.items() if not value]
