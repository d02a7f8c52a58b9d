"""Extractor clients pointed at the simulator, with its public demo credentials."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from extractors._http.client import SourceClient
from extractors._http.session import RetryPolicy
from extractors.clients import build_client
from extractors.credentials import SECRET_KEYS
from simulator.server.credentials import Credentials


def demo_client(
    source: str,
    base_url: str,
    *,
    policy: RetryPolicy,
    plant_tz: str,
    options: Mapping[str, Any],
) -> SourceClient:
    """`source`'s client at `base_url` with the demo secrets, the U8 account set and the
    Weaver user the simulator expects, and `options` (page sizes)."""
    demo = Credentials()
    secrets = {key: getattr(demo, f"{source}_{key.lower()}") for key in SECRET_KEYS[source]}
    return build_client(
        source,
        base_url,
        secrets,
        policy=policy,
        plant_tz=plant_tz,
        options={**options, "from_account": demo.erp_from_account, "user_id": demo.oa_user_id},
    )
