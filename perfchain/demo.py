"""`perfchain demo`: the embedded default, from nothing to outputs on one machine."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import click

from extractors.credentials import SECRET_KEYS, env_name
from perfchain.core.settings import Settings, SourceSettings, load_settings


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


def point_at_simulator(settings: Settings, urls: dict[str, str], excel_drop: Path) -> Settings:
    """The same settings with every source's base URL on the loopback simulator."""
    sources = {
        name: SourceSettings.model_validate({**config.model_dump(), "base_url": urls[name]})
        for name, config in settings.sources.items()
        if name in urls
    }
    paths = settings.paths.model_copy(update={"excel_drop": excel_drop})
    return settings.model_copy(update={"sources": sources, "paths": paths})


def use_demo_credentials() -> None:
    """The simulator's public demo credentials, unless the environment already has values."""
    from simulator.server.credentials import Credentials

    demo = Credentials()
    for source, keys in SECRET_KEYS.items():
        for key in keys:
            os.environ.setdefault(
                env_name(source, key), str(getattr(demo, f"{source}_{key.lower()}"))
            )


def last_day(manifest: dict) -> date:
    return date.fromisoformat(manifest["start"]) + timedelta(days=int(manifest["days"]) - 1)


def run_demo(scale: str = "s", seed: int = 42) -> None:
    from perfchain.pipeline import print_summary, run_pipeline
    from simulator.server import SimulatorServer

    settings = load_settings()
    data_dir = ensure_demo_data(settings, scale, seed)
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    through = last_day(manifest)
    use_demo_credentials()
    with SimulatorServer(data_dir, host="127.0.0.1", port=0) as server:
        server.set_as_of(through)
        click.echo(f"simulator: {server.base_url} (loopback only), serving as of {through}")
        demo = point_at_simulator(
            settings, {name: server.url(name) for name in settings.sources}, data_dir / "excel"
        )
        summary = run_pipeline(demo, [through])
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
    example = json.loads((data_dir / "planted.json").read_text(encoding="utf-8"))
    order = example.get("partial_delivery", {}).get("order", "<ORDER_NO>")
    click.echo(
        f"  order 360        .venv/bin/perfchain order {order}  (a planted partial delivery)"
    )
    click.echo(f"  Dagster UI       make dev (runs are recorded in {demo.home / 'dagster'})")
