"""`perfchain demo`: the embedded default, from nothing to outputs on one machine."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

import click
import requests

from extractors.credentials import SECRET_KEYS, env_name
from perfchain.core.settings import Settings, SmtpSettings, SourceSettings, load_settings


def demo_data_dir(settings: Settings, scale: str, seed: int) -> Path:
    return settings.home / "demo" / f"factory-{scale}-seed{seed}"


def ensure_demo_data(settings: Settings, scale: str, seed: int) -> Path:
    """Generate the demo factory once; later demos reuse it (generation is deterministic)."""
    from simulator.generator import generate

    data_dir = demo_data_dir(settings, scale, seed)
    if (data_dir / "manifest.json").exists():
        click.echo(f"demo factory: {data_dir} (already generated)")
        return data_dir
    click.echo(f"generating the demo factory (scale {scale}, seed {seed}) into {data_dir} ...")
    generate(data_dir, scale=scale, seed=seed, progress=True)
    return data_dir


def point_at_simulator(
    settings: Settings, urls: dict[str, str], excel_drop: Path, mail_port: int | None = None
) -> Settings:
    """The same settings with every source's base URL, and the alert robots', on the
    loopback simulator (it serves everything on one port: `<base>/<source>`,
    `<base>/wecom`, `<base>/dingtalk`); with `mail_port`, mail (the e-mailed tasks and the
    report drops) goes to the simulator's SMTP sink."""
    sources = {
        name: SourceSettings.model_validate({**config.model_dump(), "base_url": urls[name]})
        for name, config in settings.sources.items()
        if name in urls
    }
    paths = settings.paths.model_copy(update={"excel_drop": excel_drop})
    update: dict[str, object] = {"sources": sources, "paths": paths}
    if urls:
        base = next(iter(urls.values())).rstrip("/").rsplit("/", 1)[0]
        alerts = settings.alerts
        update["alerts"] = alerts.model_copy(
            update={
                "wecom": alerts.wecom.model_copy(update={"base_url": f"{base}/wecom"}),
                "dingtalk": alerts.dingtalk.model_copy(update={"base_url": f"{base}/dingtalk"}),
            }
        )
    if mail_port is not None:
        update["reports"] = settings.reports.model_copy(
            update={
                "smtp": SmtpSettings(
                    host="127.0.0.1",
                    port=mail_port,
                    sender="perfchain@plant.local",
                    recipients=["plant-managers@plant.local"],
                    starttls=False,
                )
            }
        )
    return settings.model_copy(update=update)


def use_demo_credentials() -> None:
    """The simulator's public demo credentials, unless the environment already has values."""
    from alerts.channels import env_var
    from simulator.server.credentials import Credentials
    from simulator.server.robots import (
        DEMO_ROBOTS,
        demo_dingtalk_secret,
        demo_dingtalk_token,
        demo_wecom_key,
    )

    demo = Credentials()
    for source, keys in SECRET_KEYS.items():
        for key in keys:
            os.environ.setdefault(
                env_name(source, key), str(getattr(demo, f"{source}_{key.lower()}"))
            )
    # The simulator's demo robots (public demo values, like the sources').
    for robot in DEMO_ROBOTS:
        os.environ.setdefault(env_var("wecom", "key", robot), demo_wecom_key(robot))
        os.environ.setdefault(env_var("dingtalk", "token", robot), demo_dingtalk_token(robot))
        os.environ.setdefault(env_var("dingtalk", "secret", robot), demo_dingtalk_secret(robot))


def last_day(manifest: dict) -> date:
    return date.fromisoformat(manifest["start"]) + timedelta(days=int(manifest["days"]) - 1)


def replay_day(manifest_planted: dict) -> tuple[date, list[datetime]] | None:
    """The planted day the demo replays micro-batches over, and their moments: the R2
    episode's (docs/planted.md, "Alerts"), a quarter hour after the hour before it opens,
    after it opens and after it resolves."""
    alerts = manifest_planted.get("alerts", {}).get("alerts", [])
    episode = next((alert for alert in alerts if alert["rule_id"] == "R2"), None)
    if episode is None:
        return None
    opened = datetime.fromisoformat(episode["opened_at"])
    moments = [opened + timedelta(minutes=minutes) for minutes in (-45, 15, 75)]
    return opened.date(), moments


def run_demo(scale: str = "s", seed: int = 42) -> None:
    from perfchain.pipeline import print_signals_summary, print_summary, run_pipeline, run_signals
    from simulator.server import SimulatorServer

    settings = load_settings()
    data_dir = ensure_demo_data(settings, scale, seed)
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    through = last_day(manifest)
    use_demo_credentials()
    planted = json.loads((data_dir / "planted.json").read_text(encoding="utf-8"))
    replay = replay_day(planted)
    with SimulatorServer(data_dir, host="127.0.0.1", port=0, mail=True) as server:
        click.echo(f"simulator: {server.base_url} (loopback only)")
        demo = point_at_simulator(
            settings,
            {name: server.url(name) for name in settings.sources},
            data_dir / "excel",
            mail_port=server.mail_port,
        )
        if replay is not None and not demo.warehouse_path.exists():
            # A planted day replayed as the plant lives it: the night before, then signals
            # micro-batches through the day (an alert opens, is sent, resolves). In a home of
            # its own, so the demo's published file is one night's, as a plant's first is.
            day, moments = replay
            night = day - timedelta(days=1)
            home, replay_home = os.environ.get("PERFCHAIN_HOME"), demo.home / "replay"
            os.environ["PERFCHAIN_HOME"] = str(replay_home)
            try:
                server.set_as_of(night)
                click.echo(
                    f"replay ({replay_home}): night of {night}, then signals "
                    f"micro-batches on the planted day {day}:"
                )
                run_pipeline(demo, [night], show_progress=False)
                for moment in moments:
                    server.set_as_of(moment)
                    click.echo(f"  perfchain signals --at {moment:%Y-%m-%dT%H:%M}")
                    print_signals_summary(run_signals(demo, moment, show_progress=False), demo)
            finally:
                if home is None:
                    os.environ.pop("PERFCHAIN_HOME", None)
                else:
                    os.environ["PERFCHAIN_HOME"] = home
        server.set_as_of(through)
        click.echo(f"nightly run as of {through}:")
        summary = run_pipeline(demo, [through])
        # What the robots accepted (GET /robots/received: without keys or signs).
        received = len(requests.get(f"{server.base_url}/robots/received", timeout=30).json())
        mailed = server.mail_received()
    print_summary(summary, demo)
    click.echo("")
    click.echo("outputs:")
    click.echo(f"  demo dataset     {data_dir}")
    click.echo(f"  planted cases    {data_dir / 'planted.json'} (docs/planted.md)")
    click.echo(f"  landing files    {demo.landing_dir}")
    click.echo(f"  warehouse        {demo.warehouse_path} (working copy, one writer)")
    click.echo(f"  published        {demo.published_path} (open read-only: docs/bi.md)")
    click.echo(f"  report drops     {demo.reports_dir / through.isoformat()} (Excel + PDF, zh)")
    click.echo(f"  quality reports  {demo.home / 'quality'}")
    if received:
        click.echo(
            f"  alerts           {received} message(s) the simulator's WeCom/DingTalk robots "
            "received; published marts.fct_alert, fct_alert_message, fct_action_task "
            "(docs/alerts.md)"
        )
    if mailed:
        drops = sum(1 for mail in mailed if "plant-managers@plant.local" in mail["to"])
        click.echo(
            f"  mail             {len(mailed)} message(s) the simulator's SMTP server accepted: "
            f"{len(mailed) - drops} to people (e-mailed tasks, nudges), {drops} report drop(s)"
        )
    order = planted.get("partial_delivery", {}).get("order", "<ORDER_NO>")
    click.echo(
        f"  order 360        .venv/bin/perfchain order {order}  (a planted partial delivery)"
    )
    click.echo(f"  Dagster UI       make dev (runs are recorded in {demo.home / 'dagster'})")
    click.echo(
        "  dashboard        .venv/bin/perfchain dashboard, then open http://127.0.0.1:8501 "
        "(heatmap, order 360, OEE, data quality, alerts; --lang en for English)"
    )
