"""Demo credentials the simulator accepts, and the tokens it issues.

The defaults are public demo values (documented in docs/sources/*.md); nothing here is a
secret. Extractors read the same values from ``PERFCHAIN_<SOURCE>_<KEY>`` environment
variables, and ``Credentials.from_env()`` lets a simulator process accept other values.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass, fields

# Our REST APIs (and the MES REST part) share one shape of client credentials.
REST_SOURCES = ("mes", "qms", "wms", "hr")


@dataclass
class Credentials:
    # Salesforce connected app (client credentials flow).
    crm_client_id: str = "perfchain-demo-crm"
    crm_client_secret: str = "demo-crm-secret"
    # Yonyou U8+ OpenAPI application and account set.
    erp_from_account: str = "perfchain"
    erp_to_account: str = "demo"
    erp_app_key: str = "opa-demo-app-key"
    erp_app_secret: str = "demo-erp-secret"
    erp_ds_sequence: str = "1"
    # Weaver e-cology: the registered appid and the OA user calls run as (monitor account).
    oa_appid: str = "perfchain-demo"
    oa_user_id: str = "1"
    # Our REST APIs: one client per source.
    mes_client_id: str = "perfchain-demo-mes"
    mes_client_secret: str = "demo-mes-secret"
    qms_client_id: str = "perfchain-demo-qms"
    qms_client_secret: str = "demo-qms-secret"
    wms_client_id: str = "perfchain-demo-wms"
    wms_client_secret: str = "demo-wms-secret"
    hr_client_id: str = "perfchain-demo-hr"
    hr_client_secret: str = "demo-hr-secret"
    # Token lifetimes in seconds. Salesforce sends no expires_in (the org session timeout
    # applies); U8 says 7200; Weaver takes the `time` header, this is its default.
    crm_session_seconds: float = 7200
    erp_token_seconds: float = 7200
    oa_token_seconds: float = 1800
    rest_token_seconds: float = 3600
    # Set to make every token expire after this many seconds (tests of re-authentication).
    token_ttl_seconds: float | None = None

    def ttl(self, source: str) -> float:
        if self.token_ttl_seconds is not None:
            return self.token_ttl_seconds
        if source == "crm":
            return self.crm_session_seconds
        if source == "erp":
            return self.erp_token_seconds
        if source == "oa":
            return self.oa_token_seconds
        return self.rest_token_seconds

    def rest_client(self, source: str) -> tuple[str, str]:
        return getattr(self, f"{source}_client_id"), getattr(self, f"{source}_client_secret")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Credentials:
        """Defaults overridden by PERFCHAIN_<SOURCE>_<KEY> (e.g. PERFCHAIN_CRM_CLIENT_SECRET)."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for item in fields(cls):
            name = env_name(item.name)
            if name in environ and not item.name.endswith("_seconds"):
                values[item.name] = environ[name]
        return cls(**values)  # type: ignore[arg-type]


def env_name(field_name: str) -> str:
    """``crm_client_secret`` → ``PERFCHAIN_CRM_CLIENT_SECRET``."""
    return "PERFCHAIN_" + field_name.upper()


@dataclass
class Token:
    value: str
    source: str
    expires_at: float  # time.monotonic()


class TokenStore:
    """Tokens issued per source; revocable one by one (faults) or all at once (reset)."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._issued: set[str] = set()  # every value handed out (tests look for leaks)
        self._lock = threading.Lock()

    def issue(self, source: str, ttl: float, value: str | None = None) -> Token:
        token = Token(value or secrets.token_urlsafe(24), source, time.monotonic() + ttl)
        with self._lock:
            self._tokens[token.value] = token
            self._issued.add(token.value)
        return token

    def issued(self) -> set[str]:
        with self._lock:
            return set(self._issued)

    def valid(self, source: str, value: str | None) -> bool:
        if not value:
            return False
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.source != source:
                return False
            if time.monotonic() >= token.expires_at:
                del self._tokens[value]
                return False
            return True

    def revoke(self, value: str | None) -> None:
        with self._lock:
            self._tokens.pop(value or "", None)

    def revoke_all(self) -> None:
        with self._lock:
            self._tokens.clear()
            self._issued.clear()
