"""Build the client for a source from its base URL, secrets and options.

One place that knows which class speaks for which source: the Dagster resources, the
benchmarks and the tests all come through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from extractors._http.client import SourceClient
from extractors._http.rest import RestApiClient
from extractors._http.session import RetryPolicy

REST_PAGE_SIZE = 50_000  # our REST APIs allow up to 50,000 records a page


def build_client(
    source: str,
    base_url: str,
    secrets: Mapping[str, str],
    *,
    policy: RetryPolicy | None = None,
    plant_tz: str = "Asia/Shanghai",
    options: Mapping[str, Any] | None = None,
) -> SourceClient:
    """`secrets` holds the keys of extractors.credentials.SECRET_KEYS[source]."""
    options = options or {}
    policy = policy or RetryPolicy()
    if source == "crm":
        from extractors.crm import SalesforceClient

        return SalesforceClient(
            base_url,
            secrets["CLIENT_ID"],
            secrets["CLIENT_SECRET"],
            api_version=str(options.get("api_version", "66.0")),
            batch_size=int(options.get("batch_size", 2000)),
            policy=policy,
        )
    if source == "erp":
        from extractors.erp import U8Client

        return U8Client(
            base_url,
            secrets["APP_KEY"],
            secrets["APP_SECRET"],
            from_account=str(options.get("from_account", "perfchain")),
            to_account=str(options.get("to_account", "")),
            ds_sequence=int(options.get("ds_sequence", 1)),
            rows_per_page=int(options.get("rows_per_page", 2000)),
            plant_tz=plant_tz,
            policy=policy,
        )
    if source == "oa":
        from extractors.oa import WeaverClient

        return WeaverClient(
            base_url,
            secrets["APPID"],
            user_id=str(options.get("user_id", "1")),
            page_size=int(options.get("page_size", 1000)),
            plant_tz=plant_tz,
            policy=policy,
        )
    if source == "mes":
        from extractors.mes import MesClient

        return MesClient(
            base_url,
            secrets["CLIENT_ID"],
            secrets["CLIENT_SECRET"],
            page_size=int(options.get("page_size", REST_PAGE_SIZE)),
            sample_count=int(options.get("sample_count", 10_000)),
            policy=policy,
        )
    if source in ("qms", "wms", "hr"):
        return RestApiClient(
            source,
            base_url,
            secrets["CLIENT_ID"],
            secrets["CLIENT_SECRET"],
            page_size=int(options.get("page_size", REST_PAGE_SIZE)),
            policy=policy,
        )
    if source == "excel":
        from extractors.excel import ExcelDropClient

        start = options.get("history_start")
        robots = {
            channel: [name for name in str(options.get(f"{channel}_robots", "")).split(",") if name]
            for channel in ("wecom", "dingtalk")
        }
        return ExcelDropClient(  # the drop folder
            base_url,
            history_start=date.fromisoformat(str(start)) if start else None,
            plant_tz=plant_tz,
            robots=robots,
        )
    raise KeyError(f"no extractor for source {source!r}")
