"""Runs expectations on pandas dataframes through Great Expectations: the one path the gate
uses, so tests that call it test the gate.

Why pandas: GE 1.x's SQLAlchemy route through duckdb-engine returns empty metric results,
so expectations would pass or fail on nothing. The marts are small; pulling each frame
from DuckDB into pandas and validating it with GE's pandas datasource is exact.

One ephemeral data context per gate run (no project folder, nothing left behind) with a
filesystem Data Docs site when a folder is given; progress bars are off, and the package's
__init__ has switched usage statistics off before this module imports GE.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.core.expectation_validation_result import ExpectationValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.metadata_types import FailureSeverity

SAMPLE_SIZE = 5
_SEVERITY = {"blocking": FailureSeverity.CRITICAL, "warning": FailureSeverity.WARNING}


class FrameValidator:
    """Validates named dataframes; `build_docs` renders every result of the run as HTML."""

    def __init__(self, run_name: str, docs_dir: Path | None = None) -> None:
        self.run_id = RunIdentifier(run_name=run_name)
        self.docs_dir = docs_dir
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(
            globally=False, metric_calculations=False
        )
        # The ephemeral context brings a site in a temporary folder; ours replaces it.
        for site in list(self.context.variables.config.data_docs_sites or {}):
            self.context.delete_data_docs_site(site)
        if docs_dir is not None:
            self.context.add_data_docs_site(
                "perfchain",
                {
                    "class_name": "SiteBuilder",
                    "show_how_to_buttons": False,
                    "store_backend": {
                        "class_name": "TupleFilesystemStoreBackend",
                        "base_directory": str(docs_dir),
                    },
                    "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                    # Validation pages only: rendering each suite again as its own page
                    # doubles the build time and says nothing the validation page omits.
                    "site_section_builders": {"expectations": "0", "profiling": "0"},
                },
            )
        # One asset and batch definition serve every frame: adding an asset per frame
        # re-serialises the whole context configuration each time (quadratic).
        asset = self.context.data_sources.add_pandas("warehouse").add_dataframe_asset("frame")
        self._batch_definition = asset.add_batch_definition_whole_dataframe("whole")

    def validate(
        self,
        name: str,
        frame: pd.DataFrame,
        checks: Sequence[tuple[str, str, str, gxe.Expectation]],
    ) -> dict[str, ExpectationValidationResult]:
        """Validate `frame` against (check name, severity, reason, expectation) tuples.

        Returns each check's GE result by check name. The expectations are copied, so a
        suite's module-level expectations stay untouched across runs.
        """
        suite = self.context.suites.add(gx.ExpectationSuite(name=name))
        for check_name, severity, reason, expectation in checks:
            copy = expectation.copy(deep=True)
            copy.meta = {"check": check_name, "severity": severity}
            copy.description = f"[{severity}] {check_name}: {reason}"
            copy.severity = _SEVERITY[severity]
            copy.catch_exceptions = True
            suite.add_expectation(copy)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=self._batch_definition, suite=suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_SIZE},
            run_id=self.run_id,
        )
        return {item.expectation_config.meta["check"]: item for item in result.results}

    def build_docs(self) -> Path | None:
        if self.docs_dir is None:
            return None
        self.context.build_data_docs(site_names=["perfchain"])
        return self.docs_dir / "index.html"
