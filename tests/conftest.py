"""Shared fixtures: a small demo factory and the simulator serving it on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

# A short, fixed slice of the demo factory: big enough to hold every planted situation,
# small enough to generate in seconds. Every test that needs source data reads this one.
DEMO_START = date(2026, 1, 1)
DEMO_DAYS = 45
DEMO_SEED = 7

# Tests that use these fixtures wait for the demo warehouse build (generate, load, dbt
# build: minutes on a cold run), so they are slow whatever they do themselves.
SLOW_FIXTURES = frozenset({"warehouse"})


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` every test that needs the warehouse (directly or through a fixture)."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.generator import generate

    out = tmp_path_factory.mktemp("demo_factory")
    generate(out, scale="s", seed=DEMO_SEED, start=DEMO_START, days=DEMO_DAYS, progress=False)
    return out


@pytest.fixture(scope="session")
def _simulator_session(demo_data: Path) -> Iterator[object]:
    from simulator.server import SimulatorServer

    server = SimulatorServer(demo_data, host="127.0.0.1", port=0)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def simulator(_simulator_session):  # type: ignore[no-untyped-def]
    """The session's simulator, reset to a clean state (no faults, empty log, last day)."""
    _simulator_session.reset()
    yield _simulator_session
    _simulator_session.reset()
