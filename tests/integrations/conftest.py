"""Math tasks the adapter tests share (generators: fast, no Docker)."""

from __future__ import annotations

import pytest

from rlvr_gym.core.task import Task
from rlvr_gym.tasks.generators import GENERATORS


@pytest.fixture(scope="session")
def math_tasks() -> list[Task]:
    return [GENERATORS["linear_equations"].generate(seed, 1) for seed in range(6)]
