"""The Dagster asset keys, pinned: a key is how the UI, schedules, sensors, backfills and the
run history find an asset, so renaming one by accident orphans its history.

tests/orchestration/asset_keys.txt holds one line per asset, `<key>  <group>`, sorted. When a
change to the keys is intended, regenerate the file and commit it with the change:

    PERFCHAIN_UPDATE_ASSET_KEYS=1 .venv/bin/python -m pytest tests/orchestration/test_asset_keys.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extractors.credentials import SECRET_KEYS, env_name

SNAPSHOT = Path(__file__).with_name("asset_keys.txt")
UPDATE_VARIABLE = "PERFCHAIN_UPDATE_ASSET_KEYS"


def asset_lines() -> list[str]:
    """`<key>  <group>` for every asset the definitions hold, sorted."""
    from orchestration.definitions import build_definitions
    from perfchain.core.settings import load_settings

    defs = build_definitions(load_settings())
    return sorted(
        f"{spec.key.to_user_string()}  {spec.group_name}" for spec in defs.resolve_all_asset_specs()
    )


def snapshot_difference(pinned: list[str], current: list[str]) -> str:
    """What changed between the pinned lines and the current ones, for the failure message."""
    added = sorted(set(current) - set(pinned))
    removed = sorted(set(pinned) - set(current))
    parts = [f"  + {line}" for line in added] + [f"  - {line}" for line in removed]
    return "\n".join(parts)


@pytest.fixture
def placeholder_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for source, keys in SECRET_KEYS.items():
        for key in keys:
            monkeypatch.setenv(env_name(source, key), "placeholder")


@pytest.mark.slow  # loads the Dagster definitions
def test_asset_keys_match_the_snapshot(placeholder_env: None) -> None:
    current = asset_lines()
    if os.environ.get(UPDATE_VARIABLE) == "1":
        SNAPSHOT.write_text("\n".join(current) + "\n", encoding="utf-8")
    pinned = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    assert current == pinned, (
        f"The Dagster asset keys (or their groups) differ from {SNAPSHOT.name}:\n"
        f"{snapshot_difference(pinned, current)}\n"
        "A renamed key orphans the asset's history in Dagster. If the change is intended, "
        f"regenerate the snapshot with `{UPDATE_VARIABLE}=1 .venv/bin/python -m pytest "
        "tests/orchestration/test_asset_keys.py` and commit it with the change."
    )


def test_snapshot_difference_names_added_and_removed_lines() -> None:
    pinned = ["marts/dim_customer  marts", "raw/crm/accounts  crm"]
    current = ["raw/crm/accounts  crm", "raw/crm/cases  crm"]
    assert snapshot_difference(pinned, current) == (
        "  + raw/crm/cases  crm\n  - marts/dim_customer  marts"
    )
