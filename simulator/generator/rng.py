"""Independent, reproducible random streams per (seed, plant, day, stream).

Every chunk of the dataset draws from its own stream, so a day's output does not depend
on how many numbers an earlier day happened to consume: changing one stream's logic
leaves the others' bytes untouched, and plants can be generated in any order.
"""

from __future__ import annotations

import random

import numpy as np

# Stream ids are part of the dataset's identity: never renumber, only append.
STREAMS: dict[str, int] = {
    "master": 1,
    "orders": 2,
    "shopfloor": 3,
    "measures": 4,
    "attendance": 5,
    "service": 6,
    "hr_events": 7,
    "excel": 8,
    "order_detail": 9,
    "crew_pace": 10,
    "maintenance": 11,
}
_DAY_OFFSET = 1_000_000  # keeps pre-period day indexes non-negative for SeedSequence


def _entropy(seed: int, plant: int, day: int, stream: str, extra: int) -> list[int]:
    return [seed & 0xFFFFFFFF, plant, day + _DAY_OFFSET, STREAMS[stream], extra]


def np_rng(seed: int, plant: int, day: int, stream: str, extra: int = 0) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(_entropy(seed, plant, day, stream, extra)))


def py_rng(seed: int, plant: int, day: int, stream: str, extra: int = 0) -> random.Random:
    """A stdlib generator (faster than numpy for scalar draws) seeded from the same tree."""
    state = np.random.SeedSequence(_entropy(seed, plant, day, stream, extra)).generate_state(2)
    return random.Random(int(state[0]) << 32 | int(state[1]))
