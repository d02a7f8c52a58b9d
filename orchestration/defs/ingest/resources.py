"""Resources for the ingest assets: the working warehouse and one API client per source.

Built from perfchain.yaml (base URLs, page sizes, retry policy); secrets only through
dg.EnvVar, so they are read from the environment at run time and never stored in the
run's configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import Field

from extractors._http.client import SourceClient
from extractors._http.rest import RestApiClient
from extractors._http.session import RetryPolicy
from extractors.credentials import env_name
from extractors.crm import SalesforceClient
from extractors.erp import U8Client
from perfchain.settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """The working DuckDB file. One writer: every asset that writes it runs in pool 'duckdb'."""

    path: str
    memory_limit: str = "4GB"
    threads: int = 2
    temp_directory: str = ""
    plant_tz: str = "Asia/Shanghai"

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        temp_directory = self.temp_directory or str(Path(self.path).parent / "duckdb_tmp")
        con = duckdb.connect(
            self.path,
            config={
                "memory_limit": self.memory_limit,
                "threads": self.threads,
                "temp_directory": temp_directory,
                # Bulk loads need not keep file order; dropping it saves memory.
                "preserve_insertion_order": False,
                "TimeZone": "UTC",
            },
        )
        try:
            yield con
        finally:
            con.close()


class _ApiResource(dg.ConfigurableResource):
    base_url: str
    timeout_seconds: float = 30.0
    max_attempts: int = 6
    backoff_max_seconds: float = 30.0

    def policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_max=self.backoff_max_seconds,
            timeout=self.timeout_seconds,
        )


class RestApiResource(_ApiResource):
    """Our plant REST APIs (QMS, WMS/TMS, HR): bearer token and cursor paging."""

    source: str
    client_id: str = Field(description="from PERFCHAIN_<SOURCE>_CLIENT_ID")
    client_secret: str = Field(description="from PERFCHAIN_<SOURCE>_CLIENT_SECRET")
    page_size: int = 10_000

    def client(self) -> SourceClient:
        return RestApiClient(
            self.source,
            self.base_url,
            self.client_id,
            self.client_secret,
            page_size=self.page_size,
            policy=self.policy(),
        )


class SalesforceResource(_ApiResource):
    """CRM: Salesforce REST with the OAuth2 client-credentials flow."""

    client_id: str = Field(description="from PERFCHAIN_CRM_CLIENT_ID")
    client_secret: str = Field(description="from PERFCHAIN_CRM_CLIENT_SECRET")
    api_version: str = "66.0"

    def client(self) -> SourceClient:
        return SalesforceClient(
            self.base_url,
            self.client_id,
            self.client_secret,
            api_version=self.api_version,
            policy=self.policy(),
        )


class U8Resource(_ApiResource):
    """ERP: Yonyou U8+ OpenAPI with an app key and secret."""

    app_key: str = Field(description="from PERFCHAIN_ERP_APP_KEY")
    app_secret: str = Field(description="from PERFCHAIN_ERP_APP_SECRET")
    from_account: str = "perfchain"
    ds_sequence: int = 1
    rows_per_page: int = 2000
    plant_tz: str = "Asia/Shanghai"

    def client(self) -> SourceClient:
        return U8Client(
            self.base_url,
            self.app_key,
            self.app_secret,
            from_account=self.from_account,
            ds_sequence=self.ds_sequence,
            rows_per_page=self.rows_per_page,
            plant_tz=self.plant_tz,
            policy=self.policy(),
        )


def _common(settings: Settings, source: str) -> dict[str, object]:
    config = settings.sources[source]
    return {
        "base_url": config.base_url,
        "timeout_seconds": settings.extract.timeout_seconds,
        "max_attempts": settings.extract.max_attempts,
        "backoff_max_seconds": settings.extract.backoff_max_seconds,
    }


def build_api_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """`<source>_api` for every enabled source that has an extractor."""
    resources: dict[str, dg.ConfigurableResource] = {}
    enabled = {name for name, config in settings.sources.items() if config.enabled}
    if "crm" in enabled:
        resources["crm_api"] = SalesforceResource(
            client_id=dg.EnvVar(env_name("crm", "CLIENT_ID")),
            client_secret=dg.EnvVar(env_name("crm", "CLIENT_SECRET")),
            api_version=str(settings.sources["crm"].option("api_version", "66.0")),
            **_common(settings, "crm"),
        )
    if "erp" in enabled:
        erp = settings.sources["erp"]
        resources["erp_api"] = U8Resource(
            app_key=dg.EnvVar(env_name("erp", "APP_KEY")),
            app_secret=dg.EnvVar(env_name("erp", "APP_SECRET")),
            from_account=str(erp.option("from_account", "perfchain")),
            ds_sequence=int(erp.option("ds_sequence", 1)),
            rows_per_page=int(erp.option("rows_per_page", 2000)),
            plant_tz=settings.plant.timezone,
            **_common(settings, "erp"),
        )
    for source in REST_SOURCES:
        config = settings.sources.get(source)
        if config is None or not config.enabled:
            continue
        resources[f"{source}_api"] = RestApiResource(
            source=source,
            client_id=dg.EnvVar(env_name(source, "CLIENT_ID")),
            client_secret=dg.EnvVar(env_name(source, "CLIENT_SECRET")),
            page_size=int(config.option("page_size", 10_000)),
            **_common(settings, source),
        )
    return resources


REST_SOURCES = ("qms", "wms", "hr")


def build_warehouse(settings: Settings) -> WarehouseResource:
    return WarehouseResource(
        path=str(settings.warehouse_path),
        memory_limit=settings.warehouse.memory_limit,
        threads=settings.warehouse.threads,
        temp_directory=str(settings.home / "duckdb_tmp"),
        plant_tz=settings.plant.timezone,
    )
