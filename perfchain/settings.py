"""perfchain.yaml + environment → typed settings.

pydantic validates the file and gives errors that name the offending key; secrets are
never read from the file, only from `PERFCHAIN_<SOURCE>_<KEY>` environment variables.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from perfchain.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "perfchain.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlantSettings(_Strict):
    code: str = "P01"
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
    history_start: date = date(2026, 1, 1)  # first daily partition

    @field_validator("nightly_cron")
    @classmethod
    def _daily_cron(cls, value: str) -> str:
        parts = value.split()
        if len(parts) != 5 or not parts[0].isdigit() or not parts[1].isdigit():
            raise ValueError(f"{value!r} must be a daily cron such as '0 2 * * *'")
        return value


class WarehouseSettings(_Strict):
    memory_limit: str = "4GB"
    threads: int = 2
    published_keep: int = Field(7, ge=1)  # published files kept for `publish --rollback`


class ExtractSettings(_Strict):
    overlap_minutes: int = Field(60, ge=0)
    landing_retention_days: int = Field(14, ge=0)
    timeout_seconds: float = Field(30, gt=0)
    max_attempts: int = Field(6, ge=1)
    backoff_max_seconds: float = Field(30, gt=0)


class SmtpSettings(_Strict):
    """Where report drops are mailed; the password only from PERFCHAIN_SMTP_PASSWORD."""

    host: str
    port: int = 587
    sender: str = "perfchain@localhost"
    recipients: list[str] = []
    username: str | None = None
    starttls: bool = True


class ReportSettings(_Strict):
    lang: Literal["zh", "en"] = "zh"
    periods: list[Literal["day", "week", "month"]] = ["day", "week", "month"]
    drop_folder: Path | None = None  # a shared folder the drops are copied to
    smtp: SmtpSettings | None = None


class SourceSettings(BaseModel):
    """One source system. Extra keys (page sizes, API version) are source-specific."""

    model_config = ConfigDict(extra="allow")
    enabled: bool = True
    base_url: str

    def option(self, key: str, default: Any = None) -> Any:
        return (self.model_extra or {}).get(key, default)


class Settings(_Strict):
    plant: PlantSettings = PlantSettings()
    paths: PathSettings = PathSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    warehouse: WarehouseSettings = WarehouseSettings()
    extract: ExtractSettings = ExtractSettings()
    reports: ReportSettings = ReportSettings()
    sources: dict[str, SourceSettings] = {}

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
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from error
    if not settings.paths.home.is_absolute() and "PERFCHAIN_HOME" not in os.environ:
        settings.paths.home = (path.parent / settings.paths.home).resolve()
    return settings


def smtp_config(settings: Settings):  # type: ignore[no-untyped-def]
    """The report mailer's configuration, or None when no SMTP server is set."""
    smtp = settings.reports.smtp
    if smtp is None:
        return None
    from reports.drop import SmtpConfig

    return SmtpConfig(
        host=smtp.host,
        port=smtp.port,
        sender=smtp.sender,
        recipients=tuple(smtp.recipients),
        username=smtp.username,
        starttls=smtp.starttls,
    )
