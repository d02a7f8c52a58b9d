"""`perfchain check-config`: everything a run needs, checked before the night it fails."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

import click

from extractors._http.client import Window
from extractors.credentials import missing_secrets
from extractors.excel import ExcelDropClient
from extractors.excel.schema import TARGET_SHEETS, TARGETS_FILE
from perfchain.errors import ConfigError, PerfchainError
from perfchain.settings import Settings, load_settings


def check(environ: dict[str, str] | None = None) -> list[str]:
    """Return the problems found; prints what is fine."""
    environ = dict(os.environ) if environ is None else environ
    try:
        settings = load_settings()
    except ConfigError as error:
        return [str(error)]
    problems: list[str] = []
    click.echo(
        f"config: plant {settings.plant.code}, zone {settings.plant.timezone}, home {settings.home}"
    )
    problems.extend(secret_problems(settings, environ=environ))
    for source, config in sorted(settings.sources.items()):
        if not config.enabled:
            click.echo(f"  {source}: disabled")
        elif not missing_secrets(source, environ):
            click.echo(f"  {source}: {config.base_url} (secrets present)")
    drop = settings.paths.excel_drop
    if drop is not None:
        problems.extend(f"excel: {problem}" for problem in check_targets(drop))
    return problems


def secret_problems(
    settings: Settings,
    sources: Collection[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str]:
    """`<source>: missing secret(s) PERFCHAIN_…` for each enabled source (of `sources`, when
    given) whose environment variables are unset or empty. `perfchain run` asks this
    before it starts, so a missing secret is one line, not a failed run."""
    return [
        f"{source}: missing secret(s) {', '.join(missing)}"
        for source, config in sorted(settings.sources.items())
        if config.enabled and (sources is None or source in sources)
        for missing in [missing_secrets(source, environ)]
        if missing
    ]


def check_targets(drop: Path, *, echo: bool = True) -> list[str]:
    """Read every sheet of the targets workbook the way a run would: a sheet's first bad
    cell (the reader stops there), for every sheet; a missing workbook once."""
    client = ExcelDropClient(drop)
    problems = []
    for entity in TARGET_SHEETS:
        try:
            rows = sum(len(page) for page in client.extract(entity, Window()))
        except PerfchainError as error:
            problems.append(str(error))
            if not (drop / TARGETS_FILE).exists():
                break
            continue
        if echo:
            click.echo(f"  excel: {entity.protocol_name}: {rows} rows OK")
    return problems
