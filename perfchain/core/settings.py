"""perfchain.yaml + environment → typed settings.

pydantic validates the file and gives errors that name the offending key; secrets are
never read from the file, only from `PERFCHAIN_<SOURCE>_<KEY>` environment variables.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from perfchain.core.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = REPO_ROOT / "perfchain.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlantSettings(_Strict):
    code: str = Field("P01", min_length=1)
    name: str = ""
    name_en: str = ""
    timezone: str = "Asia/Shanghai"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class PathSettings(_Strict):
    home: Path = Path("./var")
    excel_drop: Path | None = None


class ScheduleSettings(_Strict):
    nightly_cron: str = "0 2 * * *"
    history_start: date = date(2026, 1, 1)  # first plant date a run can be as of

    @field_validator("nightly_cron")
    @classmethod
    def _daily_cron(cls, value: str) -> str:
        parts = value.split()
        if len(parts) != 5 or not parts[0].isdigit() or not parts[1].isdigit():
            raise ValueError(f"{value!r} must be a daily cron such as '0 2 * * *'")
        return value


# What DuckDB's memory_limit takes: a number and a unit, e.g. 4GB, 512MiB.
_MEMORY = r"(?i)^\s*\d+(\.\d+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$"


class WarehouseSettings(_Strict):
    memory_limit: str = Field("4GB", pattern=_MEMORY)
    threads: int = Field(2, ge=1, le=256)
    published_keep: int = Field(7, ge=1)  # published files kept for `publish --rollback`


class ExtractSettings(_Strict):
    overlap_minutes: int = Field(60, ge=0)
    landing_retention_days: int = Field(14, ge=0)
    # Quarantined records are asked for again each night for this long (docs/operations.md).
    quarantine_retry_days: int = Field(30, ge=0, le=3650)
    timeout_seconds: float = Field(30, gt=0)
    max_attempts: int = Field(6, ge=1)
    backoff_max_seconds: float = Field(30, gt=0)
    # A source that takes no connection (refused, unknown host) is given up on after this
    # long, not retried max_attempts times like a 503 (docs/operations.md).
    unreachable_seconds: float = Field(10, gt=0, le=600)


class SmtpSettings(_Strict):
    """Where report drops are mailed; the password only from PERFCHAIN_SMTP_PASSWORD."""

    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    sender: str = "perfchain@localhost"
    recipients: list[str] = []
    username: str | None = None
    starttls: bool = True


class ReportSettings(_Strict):
    lang: Literal["zh", "en"] = "zh"
    periods: list[Literal["day", "week", "month"]] = ["day", "week", "month"]
    drop_folder: Path | None = None  # a shared folder the drops are copied to
    smtp: SmtpSettings | None = None


class SourceSettings(_Strict):
    """One source system: its URL, and the options of its protocol (which source takes
    which is in SOURCE_OPTIONS; docs/operations.md). Every value is checked here, so a bad
    one is named by its key before a run sends it to the source."""

    enabled: bool = True
    base_url: str
    # Salesforce (crm)
    api_version: str | None = Field(None, pattern=r"^\d+\.\d+$")
    batch_size: int | None = Field(None, ge=200, le=2000)  # Sforce-Query-Options range
    # Yonyou U8 (erp)
    from_account: str | None = Field(None, min_length=1)
    to_account: str | None = None
    ds_sequence: int | None = Field(None, ge=1)
    rows_per_page: int | None = Field(None, ge=1)
    # Weaver e-cology (oa)
    user_id: str | None = Field(None, min_length=1)
    # our REST APIs take up to 50,000 records a page; e-cology's pageSize has no documented cap
    page_size: int | None = Field(None, ge=1, le=50_000)
    sample_count: int | None = Field(None, ge=1)  # MTConnect /sample count (mes)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not an http(s) URL such as 'http://host:port/path'")
        if parts.username or parts.password or parts.query:
            raise ValueError(
                "must not hold credentials or a query string: secrets come only from "
                "PERFCHAIN_<SOURCE>_<KEY> environment variables"
            )
        return value

    def options(self) -> dict[str, Any]:
        """The protocol options set for this source (not `enabled` or `base_url`)."""
        return {
            key: value
            for key, value in self.model_dump(exclude={"enabled", "base_url"}).items()
            if value is not None
        }

    def option(self, key: str, default: Any = None) -> Any:
        return self.options().get(key, default)


# Which options each source takes: one set for another source's protocol is a mistake.
SOURCE_OPTIONS: dict[str, frozenset[str]] = {
    "crm": frozenset({"api_version", "batch_size"}),
    "erp": frozenset({"from_account", "to_account", "ds_sequence", "rows_per_page"}),
    "oa": frozenset({"user_id", "page_size"}),
    "mes": frozenset({"page_size", "sample_count"}),
    "qms": frozenset({"page_size"}),
    "wms": frozenset({"page_size"}),
    "hr": frozenset({"page_size"}),
}


# Robot names become environment-variable suffixes (PERFCHAIN_WECOM_KEY_<NAME>), so they
# are limited to what a variable name can hold.
_ROBOT_NAME = r"^[a-z][a-z0-9_]*$"


def _robot_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL such as 'https://qyapi.weixin.qq.com'")
    if parts.username or parts.password or parts.query:
        raise ValueError(
            "must not hold credentials or a query string: robot keys come only from "
            "PERFCHAIN_WECOM_* / PERFCHAIN_DINGTALK_* environment variables"
        )
    return value.rstrip("/")


class _RobotSettings(_Strict):
    """A robot channel: its service's base URL and the robots perfchain.yaml names."""

    base_url: str
    robots: list[str] = []

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _robot_url(value)

    @field_validator("robots")
    @classmethod
    def _robot_names(cls, value: list[str]) -> list[str]:
        return _check_robot_names(value)


class WecomSettings(_RobotSettings):
    """WeCom group robots; each robot's key comes from PERFCHAIN_WECOM_KEY_<NAME>."""

    base_url: str = "https://qyapi.weixin.qq.com"


class DingtalkSettings(_RobotSettings):
    """DingTalk custom robots; PERFCHAIN_DINGTALK_TOKEN_<NAME> and _SECRET_<NAME> each."""

    base_url: str = "https://oapi.dingtalk.com"


def _check_robot_names(value: list[str]) -> list[str]:
    for name in value:
        if not re.match(_ROBOT_NAME, name):
            raise ValueError(
                f"robot name {name!r} must be lowercase letters, digits and _ "
                "(it names the environment variable of its key)"
            )
    if len(set(value)) != len(value):
        raise ValueError("a robot is listed twice")
    return value


class AlertEmailSettings(_Strict):
    """Alert mail goes through reports.smtp; an address without '@' (an OA user id from
    HR) is completed with this template."""

    address_template: str = Field("{oa_user_id}@plant.local", pattern=r"\{oa_user_id\}")


# Every source perfchain extracts, with how far behind its data may fall before a
# platform alert says so (SPEC §8.6). MES feeds the alert rules every batch, so it must be
# current while teams work; the others are read by the nightly run, whose day ends at
# midnight and which starts at 02:00 (schedule.nightly_cron): a day and the start of the
# next night's run.
FRESHNESS_SOURCES = ("crm", "erp", "oa", "mes", "qms", "wms", "hr", "excel")
DEFAULT_FRESHNESS: dict[str, dict[str, Any]] = {
    "mes": {"max_lag_minutes": 30, "during": "shifts"},
    **{
        source: {"max_lag_minutes": 26 * 60, "during": "always"}
        for source in FRESHNESS_SOURCES
        if source != "mes"
    },
}


class FreshnessSettings(_Strict):
    """How far behind one source's extracted data may be at a run's as-of moment."""

    # Minutes between the end of the newest extraction window landed and the as-of moment.
    max_lag_minutes: int = Field(..., ge=1, le=60 * 24 * 31)
    # `shifts`: judged only while a scheduled shift is running (HR shift schedules);
    # `always`: at every moment; `never`: the source is not watched.
    during: Literal["always", "shifts", "never"] = "always"


class AlertSettings(_Strict):
    """Signals and alert channels (SPEC §8, docs/alerts.md)."""

    # The signals micro-batch runs every `cadence_minutes` in plant time (a divisor of 60,
    # or a multiple of 60 up to a day: a cron step).
    cadence_minutes: int = Field(15, ge=1, le=1440)
    # A message or task due longer ago than this when its batch first finds it is recorded
    # `expired`, never sent: the first run of a new installation, or a night that catches
    # up on weeks, must not page people about last month.
    send_within_hours: int = Field(24, ge=1)
    lang: Literal["zh", "en"] = "zh"
    platform_channel: Literal["wecom", "dingtalk", "email"] = "wecom"
    # Wait before the n-th retry of a message; the last step repeats.
    retry_backoff_minutes: list[int] = Field([1, 5, 15, 60], min_length=1)
    wecom: WecomSettings = WecomSettings()
    dingtalk: DingtalkSettings = DingtalkSettings()
    email: AlertEmailSettings = AlertEmailSettings()
    # Per source (SPEC §8.6); a source left out keeps its default (DEFAULT_FRESHNESS).
    freshness: dict[str, FreshnessSettings] = {}

    @field_validator("freshness")
    @classmethod
    def _known_freshness_sources(
        cls, value: dict[str, FreshnessSettings]
    ) -> dict[str, FreshnessSettings]:
        unknown = sorted(set(value) - set(FRESHNESS_SOURCES))
        if unknown:
            raise ValueError(
                f"alerts.freshness.{unknown[0]}: unknown source "
                f"(known: {', '.join(FRESHNESS_SOURCES)})"
            )
        return value

    def freshness_expectations(self) -> list[dict[str, Any]]:
        """Every source's expectation, defaults filled in, in FRESHNESS_SOURCES order: the
        dbt var `platform_freshness` int_platform_sources_freshness reads."""
        rows = []
        for source in FRESHNESS_SOURCES:
            chosen = self.freshness.get(source) or FreshnessSettings(**DEFAULT_FRESHNESS[source])
            rows.append({"source": source, **chosen.model_dump()})
        return rows

    @property
    def signals_cron(self) -> str:
        minutes = self.cadence_minutes
        if minutes < 60:
            return f"*/{minutes} * * * *"
        return f"0 */{minutes // 60} * * *" if minutes < 1440 else "0 0 * * *"

    @field_validator("cadence_minutes")
    @classmethod
    def _cron_step(cls, value: int) -> int:
        if (value < 60 and 60 % value) or (value >= 60 and (value % 60 or 24 % (value // 60))):
            raise ValueError(
                "cadence_minutes must divide an hour (1, 2, 3, 5, 10, 15, 20, 30) or be whole "
                "hours dividing a day (60, 120, 180, ...)"
            )
        return value

    @field_validator("retry_backoff_minutes")
    @classmethod
    def _positive_steps(cls, value: list[int]) -> list[int]:
        if any(step < 0 for step in value):
            raise ValueError("backoff steps are minutes >= 0")
        return value


class Settings(_Strict):
    plant: PlantSettings = PlantSettings()
    paths: PathSettings = PathSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    extract: ExtractSettings = ExtractSettings()
    reports: ReportSettings = ReportSettings()
    sources: dict[str, SourceSettings] = {}
    alerts: AlertSettings = AlertSettings()

    @field_validator("sources")
    @classmethod
    def _known_sources_and_options(
        cls, value: dict[str, SourceSettings]
    ) -> dict[str, SourceSettings]:
        for name, config in value.items():
            if name not in SOURCE_OPTIONS:
                known = ", ".join(sorted(SOURCE_OPTIONS))
                raise ValueError(f"sources.{name}: unknown source (known: {known})")
            wrong = sorted(set(config.options()) - SOURCE_OPTIONS[name])
            if wrong:
                takes = ", ".join(sorted(SOURCE_OPTIONS[name]))
                raise ValueError(
                    f"sources.{name}.{wrong[0]}: not an option of {name} (it takes {takes})"
                )
        return value

    # Resolved locations under PERFCHAIN_HOME (SPEC §3).
    @property
    def home(self) -> Path:
        return Path(os.environ.get("PERFCHAIN_HOME") or self.paths.home).resolve()

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published_path(self) -> Path:
        return self.home / "published" / "perfchain.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def logs_dir(self) -> Path:
        return self.home / "logs"


def load_settings(path: Path | None = None) -> Settings:
    """Read perfchain.yaml (PERFCHAIN_CONFIG, else the repository's) into Settings."""
    path = Path(path or os.environ.get("PERFCHAIN_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as error:
        raise ConfigError(f"configuration file {path} not found (set PERFCHAIN_CONFIG)") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(_problem(item) for item in error.errors())
        # `from None`: pydantic's own text repeats each problem with a documentation link.
        raise ConfigError(
            f"{path}: {problems}. Fix the file and run `perfchain check-config`"
        ) from None
    if not settings.paths.home.is_absolute() and "PERFCHAIN_HOME" not in os.environ:
        settings.paths.home = (path.parent / settings.paths.home).resolve()
    return settings


def _problem(item: Any) -> str:
    """`sources.oa.page_size: Input should be greater than or equal to 1 (got -5)`."""
    message = item["msg"].removeprefix("Value error, ")
    if message.startswith("sources."):  # a check across sources names the key itself
        return message
    where = ".".join(str(part) for part in item["loc"])
    got = item.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return f"{where}: {message}{shown}"


@dataclass(frozen=True)
class SmtpConfig:
    """Where the report drop is mailed. The password is never part of the configuration:
    it is read from `PERFCHAIN_SMTP_PASSWORD` at send time, and only when `username` is
    set (reports/drop.py)."""

    host: str
    port: int = 587
    sender: str = "perfchain@localhost"
    recipients: tuple[str, ...] = field(default_factory=tuple)
    username: str | None = None
    starttls: bool = True
    timeout_seconds: float = 30.0


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The report mailer's configuration, or None when no SMTP server is set."""
    smtp = settings.reports.smtp
    if smtp is None:
        return None
    return SmtpConfig(
        host=smtp.host,
        port=smtp.port,
        sender=smtp.sender,
        recipients=tuple(smtp.recipients),
        username=smtp.username,
        starttls=smtp.starttls,
    )
