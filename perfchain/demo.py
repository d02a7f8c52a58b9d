"""`perfchain demo`: the embedded default, from nothing to outputs on one machine."""

from __future__ import annotations

import json
from pathlib import Path

import click

from perfchain.settings import Settings, load_settings


def demo_data_dir(settings: Settings, scale: str, seed: int) -> Path:
    return settings.home / "demo" / f"factory-{scale}-seed{seed}"


def ensure_demo_data(settings: Settings, scale: str, seed: int) -> Path:
    """Generate the demo factory once; later demos reuse it (generation is deterministic)."""
    from extractors.simulator.generator import generate

    data_dir = demo_data_dir(settings, scale, seed)
    if (data_dir / "manifest.json").exists():
        click.echo(f"demo factory: {data_dir} (already generated)")
        return data_dir
    click.echo(f"generating the demo factory (scale {scale}, seed {seed}) into {data_dir} ...")
    generate(data_dir, scale=scale, seed=seed, progress=True)
    return data_dir


def run_demo(scale: str = "s", seed: int = 42) -> None:
    from extractors.simulator.server import SimulatorServer

    settings = load_settings()
    data_dir = ensure_demo_data(settings, scale, seed)
    manifest = json.loads((data_dir / "manifest.json").read_text(encoding="utf-8"))
    with SimulatorServer(data_dir, host="127.0.0.1", port=0) as server:
        click.echo(f"simulator: {server.base_url} (loopback only)")
        counts = manifest.get("row_counts", {})
        click.echo(
            f"demo factory: {len(counts)} source entities, {sum(counts.values()):,} rows, "
            f"{manifest.get('start')} + {manifest.get('days')} days"
        )
        for source in sorted({name.split("/")[0] for name in counts}):
            click.echo(f"  {source:<4} {server.url(source)}")
    click.echo("")
    click.echo("outputs:")
    click.echo(f"  demo dataset   {data_dir}")
    click.echo(f"  planted cases  {data_dir / 'planted.json'} (see docs/planted.md)")
