"""The report drop asset: after each publish, the daily, weekly and monthly workbook and
brief for the run's date, copied to the drop folder and mailed when configured.

Dagster needs real annotations on `context` here, so this module does not use
`from __future__ import annotations`.
"""

import time
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from orchestration.defs.quality.checks import run_data_through
from perfchain.core.settings import SmtpConfig
from reports.common.periods import PERIODS
from reports.drop import build_drop
from reports.roles import ROLE_VARIANTS

REPORTS_KEY = dg.AssetKey(["reports", "drop"])


def build_reports_asset(
    deps: Sequence[dg.AssetKey],
    *,
    published_path: str,
    reports_dir: str,
    drop_folder: str | None,
    smtp: SmtpConfig | None,
    lang: str = "zh",
    periods: Sequence[str] = PERIODS,
    plant_tz: str = "Asia/Shanghai",
) -> dg.AssetsDefinition:
    """`reports/drop` downstream of `deps` (the publish asset), for the run's as-of date
    (the `as_of` resource); reads only the published file, so it never competes with the
    working warehouse's writer."""

    @dg.asset(
        key=REPORTS_KEY,
        deps=list(deps),
        group_name="reports",
        required_resource_keys={"as_of"},
        kinds={"excel", "pdf"},
        description="Daily, weekly and monthly report drops (Excel workbook with the KPI "
        "health heatmap, PDF management brief) built from the published marts.",
    )
    def _drop(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        as_of = run_data_through(context, plant_tz)
        started = time.perf_counter()
        files = build_drop(
            Path(published_path),
            Path(reports_dir),
            as_of,
            periods=tuple(periods),
            lang=lang,
            drop_folder=Path(drop_folder) if drop_folder else None,
            smtp=smtp,
            tz=plant_tz,
            roles=ROLE_VARIANTS,
        )
        return dg.MaterializeResult(
            metadata={
                "folder": dg.MetadataValue.path(str(Path(reports_dir) / as_of.isoformat())),
                "files": dg.MetadataValue.json([path.name for path in files]),
                "as_of": as_of.isoformat(),
                "copied_to": drop_folder or "",
                "mailed_to": len(smtp.recipients) if smtp else 0,
                "seconds": round(time.perf_counter() - started, 1),
            }
        )

    return _drop
