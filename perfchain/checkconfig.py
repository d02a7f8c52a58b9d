"""`perfchain check-config`: everything a run needs, checked before the night it fails."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from alerts.channels import robot_secret_problems
from extractors._http.client import Window
from extractors.credentials import missing_secrets
from extractors.excel import ExcelDropClient
from extractors.excel.client import AlertRulesError, GoalSheetsError
from extractors.excel.departments import department_problems
from extractors.excel.recognition import RecognitionSheetError
from extractors.excel.schema import TARGET_SHEETS, TARGETS_FILE
from perfchain.core.errors import ConfigError, PerfchainError
from perfchain.core.settings import Settings, load_settings


def check(environ: dict[str, str] | None = None, as_of: date | None = None) -> list[str]:
    """Return the problems found; prints what is fine. `as_of` is the run date the Excel
    drop is checked for (default: yesterday in the plant's zone, as `perfchain run`)."""
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
    problems.extend(robot_secret_problems(settings, environ))
    for source, config in sorted(settings.sources.items()):
        if not config.enabled:
            click.echo(f"  {source}: disabled")
        elif not missing_secrets(source, environ):
            click.echo(f"  {source}: {config.base_url} (secrets present)")
    drop = settings.paths.excel_drop
    if drop is not None:
        robots = {
            "wecom": settings.alerts.wecom.robots,
            "dingtalk": settings.alerts.dingtalk.robots,
        }
        problems.extend(f"excel: {problem}" for problem in check_targets(drop, robots=robots))
        problems.extend(
            f"excel: {problem}" for problem in check_goal_bindings(drop, settings.published_path)
        )
        if as_of is None:
            as_of = datetime.now(ZoneInfo(settings.plant.timezone)).date() - timedelta(days=1)
        problems.extend(
            f"excel: {problem}"
            for problem in check_departments(drop, settings.schedule.history_start, as_of)
        )
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


def check_targets(
    drop: Path, *, echo: bool = True, robots: Mapping[str, Collection[str]] | None = None
) -> list[str]:
    """Read every sheet of the targets workbook the way a run would: a sheet's first bad
    cell (the reader stops there), for every sheet; every bad cell of alert_rules, each
    its own problem; a missing workbook once. `robots`: the robot names perfchain.yaml
    configures per channel, which the alert rules may name."""
    client = ExcelDropClient(drop, robots=robots)
    problems = []
    for entity in TARGET_SHEETS:
        try:
            rows = sum(len(page) for page in client.extract(entity, Window()))
        except (AlertRulesError, GoalSheetsError) as error:
            problems.extend(str(problem) for problem in error.problems)
            continue
        except RecognitionSheetError as error:
            problems.extend(str(problem) for problem in error.problems)
            continue
        except PerfchainError as error:
            problems.append(str(error))
            if not (drop / TARGETS_FILE).exists():
                break
            continue
        if echo:
            click.echo(f"  excel: {entity.protocol_name}: {rows} rows OK")
            for warning in client.warnings:
                click.secho(f"  ! excel: {warning}", fg="yellow")
            client.warnings.clear()
    return problems


def check_departments(
    drop: Path, first: date | None, through: date | None, *, echo: bool = True
) -> list[str]:
    """The department workbooks' problems for the period `first`..`through`, as a run
    dated `through` finds them; the open month's missing sheet is printed as a warning
    and is not a problem (the run lands the workbook and warns too)."""
    problems = department_problems(drop, first, through)
    if echo:
        click.echo(f"  excel: department workbooks checked for {first} .. {through}")
        for warning in (problem for problem in problems if problem.warning):
            click.secho(f"  ! excel: {warning}", fg="yellow")
    return [str(problem) for problem in problems if not problem.warning]


def check_goal_bindings(drop: Path, published_path: Path, *, echo: bool = True) -> list[str]:
    """The goals whose KPI has no kpi_daily data for their scope in the 30 days before the
    period, read from the published file when there is one (dbt checks the same on every
    build: int_goal_bindings_checked). Nothing to check without a published file or a
    readable goal_tree sheet (check_targets reports that one)."""
    from extractors.excel.goals import binding_problems
    from extractors.excel.schema import GOAL_TREE
    from perfchain.core.published import open_published

    path = drop / TARGETS_FILE
    if not path.exists() or not Path(published_path).exists():
        return []
    client = ExcelDropClient(drop)
    try:
        goals = client.goal_sheet(path, GOAL_TREE)
    except PerfchainError:
        return []
    if not goals:
        return []
    columns: dict[str, str] = {}
    client._sheet(path, GOAL_TREE, [], columns)
    with open_published(Path(published_path)) as con:
        rows = con.execute(
            "select kpi_code, scope_type, scope_id, kpi_date from marts.kpi_daily "
            "where value is not null"
        ).fetchall()
    data_days: dict[tuple[str, str, str], list[date]] = {}
    for kpi, scope_type, scope_id, day in rows:
        data_days.setdefault((kpi, scope_type, scope_id), []).append(day)
    first = min((row[3] for row in rows), default=None)
    problems = binding_problems(goals, path.name, columns, data_days, first)
    if echo:
        click.echo(f"  excel: goal_tree bindings checked against {published_path}")
    return [str(problem) for problem in problems]
