"""`perfchain check-config`: everything a run needs, checked before the night it fails."""

from __future__ import annotations

import os

import click

from extractors.credentials import missing_secrets
from perfchain.errors import ConfigError
from perfchain.settings import load_settings


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
    for source, config in sorted(settings.sources.items()):
        if not config.enabled:
            click.echo(f"  {source}: disabled")
            continue
        missing = missing_secrets(source, environ)
        if missing:
            problems.append(f"{source}: missing secret(s) {', '.join(missing)}")
        else:
            click.echo(f"  {source}: {config.base_url} (secrets present)")
    drop = settings.paths.excel_drop
    if drop is not None and not (drop / "targets.xlsx").exists():
        problems.append(f"excel drop: {drop / 'targets.xlsx'} not found")
    return problems
