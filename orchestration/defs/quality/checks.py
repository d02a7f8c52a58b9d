"""Blocking Great Expectations checks on the published marts.

One `quality_gate` check per mart, all evaluated by one step that runs the whole gate
once (`expectations.gate.run_gate`): the volume and cross-source checks look across marts
and the Data Docs and summary cover the whole run. A mart whose suite has a failed blocking
expectation fails its check with ERROR severity, which stops everything downstream — the
publish asset above all; failed warnings give WARN and let the run go on.
"""

from collections.abc import Iterator, Mapping
from datetime import date
from importlib.util import find_spec
from pathlib import Path

import dagster as dg

from expectations.contract import CONTRACTS

CHECK_NAME = "quality_gate"


def run_data_through(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, tz: str
) -> date:
    """The run's plant date: its as-of date (the `as_of` resource, default yesterday)."""
    return context.resources.as_of.day(tz)


def quality_run_dir(quality_dir: str, run_id: str) -> Path:
    return Path(quality_dir) / run_id


def _has_suite(mart: str) -> bool:
    return mart in CONTRACTS and find_spec(f"expectations.{mart}") is not None


def build_quality_checks(
    mart_asset_keys: Mapping[str, dg.AssetKey],
    *,
    quality_dir: str,
    published_path: str,
    logs_dir: str,
    plant_tz: str = "Asia/Shanghai",
) -> list[dg.AssetChecksDefinition]:
    """Checks for the marts named in `mart_asset_keys` (mart name → its asset key).

    Needs the `warehouse` resource (the working DuckDB) and `as_of`. Writes the gate result, Data Docs
    and summary under `quality_dir/<run id>/`, where the publish asset reads them.
    """
    # Marts without a suite (expectations/<mart>.py) get no check here; their dbt tests
    # and contract still guard them. The suite is found, not imported: the suites import
    # Great Expectations, which loading the definitions does not need (≈ half its time).
    keys = {mart: key for mart, key in mart_asset_keys.items() if _has_suite(mart)}
    specs = [
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=key,
            blocking=True,
            description=f"Great Expectations suite expectations/{mart}.py; blocking "
            "expectations stop publishing.",
        )
        for mart, key in keys.items()
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=CHECK_NAME,
        required_resource_keys={"warehouse", "as_of"},
        pool="duckdb",
        description="Audit the marts in the working warehouse before they are published.",
    )
    def _quality_gate(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        from expectations.gate import run_gate
        from expectations.registry import SUITES
        from perfchain.core.published import remove_stale_temporaries

        # Also here, not only in `perfchain run`: runs the UI or the schedule launch pass
        # through the gate too, and a blocked gate never reaches the publish that would
        # clear a killed predecessor's files.
        for stale in remove_stale_temporaries(Path(published_path)):
            context.log.info(f"removed {stale.name}, left by a killed publish")
        with context.resources.warehouse.connect() as con:
            result = run_gate(
                con,
                run_data_through(context, plant_tz),
                run_id=context.run.run_id,
                out_dir=quality_run_dir(quality_dir, context.run.run_id),
                plant_tz=plant_tz,
                published_path=Path(published_path),
                logs_dir=Path(logs_dir),
                suites=[SUITES[mart] for mart in keys],
            )
        (context.log.info if result.passed else context.log.error)(result.summary)
        for suite in result.suites:
            failures = [check for check in suite.checks if check.failed]
            metadata: dict[str, dg.RawMetadataValue] = {
                "rows": suite.row_count,
                "checks": len(suite.checks),
                "failed": ", ".join(f"{c.name} [{c.severity}]" for c in failures) or "none",
                "seconds (whole gate)": result.seconds,
            }
            if result.docs_path:
                metadata["data_docs"] = dg.MetadataValue.path(str(result.docs_path))
            yield dg.AssetCheckResult(
                asset_key=keys[suite.mart],
                check_name=CHECK_NAME,
                passed=not failures,
                severity=dg.AssetCheckSeverity.ERROR
                if suite.blocked
                else dg.AssetCheckSeverity.WARN,
                metadata=metadata,
            )

    return [_quality_gate]
