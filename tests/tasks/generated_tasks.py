"""Generated tasks cached across the test modules, so a task is built once per test session."""

from __future__ import annotations

import functools

from rlvr_gym.core.task import Task
from rlvr_gym.tasks.generators import GENERATORS


@functools.cache
def generated(name: str, level: int, seed: int) -> Task:
    """The task generator `name` makes for `seed` at `level` (tasks are immutable, so shareable)."""
    return GENERATORS[name].generate(seed, level)
