"""Random draws the generators share; all take the problem's `random.Random` explicitly."""

from __future__ import annotations

import random


def nonzero_int(rng: random.Random, low: int, high: int) -> int:
    """A uniform draw from ``[low, high]`` without 0 (which makes many problems trivial)."""
    if low > 0 or high < 0:
        return rng.randint(low, high)
    if low == 0 == high:
        raise ValueError("the range [0, 0] holds no nonzero integer")
    value = rng.randint(low, high - 1)
    return value + 1 if value >= 0 else value


def signed_int(rng: random.Random, magnitude: int) -> int:
    """A nonzero integer with absolute value at most `magnitude`, either sign."""
    return nonzero_int(rng, -magnitude, magnitude)
