"""The publish asset: copies the audited marts into the published file (write–audit–publish).

It runs only after the blocking quality checks passed (Dagster skips it otherwise), and it
checks the gate result itself as well, so a regression in how Dagster honours blocking
checks still cannot let unaudited marts out.
"""

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from expectations.publish import GateBlocked, publish
from expectations.results import load_gate_result
from orchestration.defs.quality.checks import quality_run_dir, run_data_through

PUBLISH_KEY = dg.AssetKey(["published", "perfchain"])


def build_publish_asset(
    deps: Sequence[dg.AssetKey],
    *,
    quality_dir: str,
    published_path: str,
    logs_dir: str,
    keep: int = 7,
    plant_tz: str = "Asia/Shanghai",
) -> dg.AssetsDefinition:
    """`published/perfchain` downstream of the marts in `deps`; needs the `warehouse` and
    `as_of` resources and the gate result the quality checks wrote for the same run."""

    @dg.asset(
        key=PUBLISH_KEY,
        deps=list(deps),
        group_name="publish",
        required_resource_keys={"warehouse", "as_of"},
        pool="duckdb",
        kinds={"duckdb"},
        description="The published DuckDB file readers and BI tools open read-only; replaced "
        "as a whole, only after the quality gate passed.",
    )
    def _publish(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        gate = load_gate_result(quality_run_dir(quality_dir, context.run.run_id))
        if gate is None:
            raise dg.Failure(
                "no quality gate result for this run: the quality_gate checks must run "
                "before publishing (select them with the marts)"
            )
        try:
            with context.resources.warehouse.connect() as con:
                result = publish(
                    con,
                    Path(published_path),
                    run_id=context.run.run_id,
                    data_through=run_data_through(context, plant_tz),
                    gate=gate,
                    keep=keep,
                    logs_dir=Path(logs_dir),
                )
        except GateBlocked as blocked:
            raise dg.Failure(str(blocked), metadata={"summary": gate.summary}) from blocked
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(result.path)),
                "history_file": result.history_path.name,
                "data_through": result.data_through.isoformat(),
                "rows": sum(result.row_counts.values()),
                "marts": len(result.row_counts),
                "warnings": len(gate.warnings),
                "seconds": result.seconds,
            }
        )

    return _publish
