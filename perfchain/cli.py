"""The `perfchain` command line (SPEC §3).

click because dagster already depends on it and it gives us typed options, help text and
clean usage errors for free. Heavy imports stay inside the commands so `--help` is quick.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perfchain.core.errors import PerfchainError

SCALES = ("s", "m", "l")


class _Group(click.Group):
    """Turns expected failures into one readable line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except PerfchainError as error:
            click.secho(f"perfchain: {error}", fg="red", err=True)
            sys.exit(error.exit_code)


@click.group(cls=_Group)
@click.version_option(package_name="perfchain")
def main() -> None:
    """perfchain: the performance data warehouse for manufacturers."""


@main.command()
@click.option(
    "--out", "out", type=click.Path(path_type=Path), required=True, help="Folder to write."
)
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="s",
    show_default=True,
    help="s ≈ 800 employees, m ≈ 1,200 employees × 1 year, l = 10 plants × 3 years.",
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2026-01-01", show_default=True)
@click.option(
    "--days",
    type=click.IntRange(1, 3660),
    default=None,
    help="Days to generate (default: s 90, m 365, l 1095).",
)
def generate(out: Path, scale: str, seed: int, start, days: int | None) -> None:  # type: ignore[no-untyped-def]
    """Write a deterministic demo factory dataset."""
    from simulator.generator import generate as run_generate

    manifest = run_generate(
        out, scale=scale, seed=seed, start=start.date(), days=days, progress=True
    )
    total = sum(manifest.get("row_counts", {}).values())
    click.echo(f"wrote {total:,} source rows to {out}")


@main.command()
@click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    required=True,
    help="A dataset folder (see docs/dataset.md).",
)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option(
    "--faults", default=None, help="Fault plan, e.g. 'crm:rate_limit@2,erp:server_error@3x2'."
)
def simulate(data: Path, port: int, faults: str | None) -> None:
    """Serve a dataset over each source system's protocol on 127.0.0.1."""
    from simulator.server import serve_forever

    serve_forever(data, host="127.0.0.1", port=port, faults=faults)


@main.command("validate-dataset")
@click.argument("data", type=click.Path(path_type=Path, exists=True, file_okay=False))
def validate_dataset(data: Path) -> None:
    """Check a dataset folder against docs/dataset.md; every problem with file, line, column."""
    from perfchain.dataset import validate_dataset as problems_of

    problems = problems_of(data)
    for problem in problems:
        click.secho(f"  ✗ {problem}", fg="red", err=True)
    if problems:
        raise PerfchainError(f"{data}: {len(problems)} dataset problem(s) (docs/dataset.md)")
    click.echo(f"{data}: valid dataset")


@main.command()
@click.option("--scale", type=click.Choice(SCALES), default="s", show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--replay/--no-replay",
    default=True,
    show_default=True,
    help="Replay the planted alert day (a night, then signals micro-batches) first.",
)
def demo(scale: str, seed: int, replay: bool) -> None:
    """Generate the demo factory if missing, serve it on loopback and run the pipeline."""
    from perfchain.demo import run_demo

    run_demo(scale=scale, seed=seed, replay=replay)


_DATE = click.DateTime(["%Y-%m-%d"])


@main.command()
@click.option(
    "--date", "run_date", type=_DATE, default=None, help="Plant date to run (default: yesterday)."
)
@click.option("--start", type=_DATE, default=None, help="First date of a range (backfill).")
@click.option("--end", type=_DATE, default=None, help="Last date of a range, inclusive.")
@click.option("--source", "sources", multiple=True, help="Extract only these sources (repeatable).")
@click.option(
    "--extract-only", is_flag=True, help="Stop after extraction (no models, gate, publish)."
)
@click.option(
    "--full-refresh",
    is_flag=True,
    help="Rebuild the incremental models from raw (the Dagster job full_refresh_job); with "
    "a range, in the first date's run.",
)
def run(  # type: ignore[no-untyped-def]
    run_date, start, end, sources: tuple[str, ...], extract_only: bool, full_refresh: bool
) -> None:
    """Run the nightly job for a date or a range of dates."""
    from perfchain.core.settings import load_settings
    from perfchain.pipeline import parse_dates, print_summary, run_pipeline

    settings = load_settings()
    dates = parse_dates(
        run_date and run_date.date(),
        start and start.date(),
        end and end.date(),
        settings.plant.timezone,
    )
    summary = run_pipeline(
        settings, dates, sources or None, extract_only=extract_only, full_refresh=full_refresh
    )
    print_summary(summary, settings)


@main.command()
@click.option(
    "--at",
    "at",
    default=None,
    help="The batch's moment, ISO 8601 (plant time unless it has an offset), e.g. "
    "2026-03-02T10:15; default now. A past moment replays that batch.",
)
def signals(at: str | None) -> None:
    """Run one signals micro-batch: extract what the alert rules read, evaluate them,
    dispatch the due alerts and tasks (docs/alerts.md)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from perfchain.core.errors import PerfchainError
    from perfchain.core.settings import load_settings
    from perfchain.pipeline import print_signals_summary, run_signals

    settings = load_settings()
    moment = None
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise PerfchainError(
                f"--at {at!r} is not a moment (YYYY-MM-DDTHH:MM[+08:00])"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(settings.plant.timezone))
    summary = run_signals(settings, moment)
    print_signals_summary(summary, settings)


@main.command()
@click.option("--date", "as_of", type=_DATE, required=True, help="Plant date the drop is for.")
@click.option(
    "--period",
    type=click.Choice(["day", "week", "month"]),
    default=None,
    help="One period (default: those in perfchain.yaml, day, week and month).",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default=None, help="Default: reports.lang (zh)."
)
def report(as_of, period: str | None, lang: str | None) -> None:  # type: ignore[no-untyped-def]
    """(Re)build the report drop for a date from the published marts."""
    from perfchain.core.settings import load_settings, smtp_config
    from reports.drop import report_command

    settings = load_settings()
    if not settings.published_path.exists():
        raise PerfchainError(
            f"{settings.published_path} does not exist yet: run `perfchain run` or `perfchain demo` first"
        )
    files = report_command(
        settings.published_path,
        settings.reports_dir,
        as_of.date(),
        period=period,
        lang=lang or settings.reports.lang,
        drop_folder=settings.reports.drop_folder,
        smtp=smtp_config(settings),
        tz=settings.plant.timezone,
    )
    for path in files:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("order_no")
def order(order_no: str) -> None:
    """Order 360: every system's view of one order, the anchor and the contribution trace."""
    from perfchain.core.settings import load_settings
    from perfchain.order360 import show_order

    settings = load_settings()
    show_order(settings.published_path, order_no, settings.plant.timezone)


@main.command()
@click.argument("employee_id")
@click.option("--month", default=None, help="YYYY-MM (default: the newest month with a score).")
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default=None, help="Default: reports.lang (zh)."
)
@click.option(
    "--files", is_flag=True, help="Also write the card as Excel and PDF (reports/cards/<month>/)."
)
def person(employee_id: str, month: str | None, lang: str | None, files: bool) -> None:
    """The employee's personal card: goals, weights, actual vs target, attainment, score,
    contribution points and badges for a month (docs/goals.md)."""
    from datetime import date

    from perfchain.core.published import open_published
    from perfchain.core.settings import load_settings
    from reports.card import CardNotFound, card_text, latest_month, person_card
    from reports.drop import build_person_cards

    settings = load_settings()
    lang = lang or settings.reports.lang
    if not settings.published_path.exists():
        raise PerfchainError(
            f"{settings.published_path} does not exist yet: run `perfchain run` or `perfchain demo` first"
        )
    chosen = None
    if month:
        try:
            chosen = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise PerfchainError(f"--month {month!r} is not a month (YYYY-MM)") from None
    try:
        with open_published(settings.published_path) as con:
            chosen = chosen or latest_month(con, employee_id)
            if chosen is None:
                raise CardNotFound(f"{employee_id} has no scored month in the published file")
            card = person_card(con, employee_id, chosen)
        click.echo(card_text(card, lang))
        if files:
            for path in build_person_cards(
                settings.published_path,
                settings.reports_dir,
                [employee_id],
                chosen,
                lang=lang,
                drop_folder=settings.reports.drop_folder,
            ):
                click.echo(f"wrote {path}")
    except CardNotFound as error:
        raise PerfchainError(str(error)) from None


@main.command()
@click.option(
    "--port", type=int, default=8501, show_default=True, help="Port on 127.0.0.1 to serve on."
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default=None, help="Default: reports.lang (zh)."
)
def dashboard(port: int, lang: str | None) -> None:
    """Serve the read-only dashboard over the published file on 127.0.0.1 (SPEC 10)."""
    import importlib.util

    from perfchain.core.settings import load_settings

    if importlib.util.find_spec("streamlit") is None:
        raise PerfchainError(
            "the dashboard needs the `dashboard` extra: .venv/bin/pip install -e '.[dashboard]'"
        )
    from dashboard.server import HOST, serve

    settings = load_settings()
    if not settings.published_path.exists():
        raise PerfchainError(
            f"{settings.published_path} does not exist yet: run `perfchain run` or `perfchain demo` first"
        )
    click.echo(f"dashboard on http://{HOST}:{port} over {settings.published_path} (Ctrl-C stops)")
    code = serve(
        settings.published_path,
        port=port,
        lang=lang or settings.reports.lang,
        tz=settings.plant.timezone,
    )
    if code:
        raise PerfchainError(f"the dashboard stopped with exit code {code}")


@main.command()
@click.option(
    "--rollback", is_flag=True, required=True, help="Put the previous published file back."
)
def publish(rollback: bool) -> None:
    """Manage the published warehouse file (readers' copy)."""
    from expectations.publish import rollback as do_rollback
    from perfchain.core.settings import load_settings

    settings = load_settings()
    restored = do_rollback(settings.published_path, logs_dir=settings.logs_dir)
    click.echo(f"restored {restored.name} as {settings.published_path}")


@main.command()
def prepare() -> None:
    """Parse the dbt project and write this installation's dbt profile: what loading the
    Dagster definitions (`make dev`, `dagster dev`) reads and does not write itself."""
    from orchestration.defs.warehouse.project import MANIFEST, prepare
    from perfchain.core.settings import load_settings

    profiles = prepare(load_settings())
    click.echo(f"dbt manifest {MANIFEST}; profile {profiles / 'profiles.yml'}")


@main.command("check-config")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Run date the Excel drop's month sheets are checked for (default: yesterday).",
)
def check_config(as_of) -> None:  # type: ignore[no-untyped-def]
    """Validate perfchain.yaml and report missing secrets by variable name."""
    from perfchain.checkconfig import check

    problems = check(as_of=as_of and as_of.date())
    if problems:
        for problem in problems:
            click.secho(f"  ✗ {problem}", fg="red", err=True)
        raise PerfchainError(f"{len(problems)} configuration problem(s)")
    click.echo("configuration OK")


if __name__ == "__main__":
    main()
