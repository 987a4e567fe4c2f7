"""The seams between the parts: what a verifier and a task source must provide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict


@runtime_checkable
class Verifier(Protocol):
    """Judges responses to tasks of one family.

    Pure with respect to the task, thread-safe, never raises on bad model output (a Verdict with
    score 0 and a reason instead); raises our errors only for misconfiguration, and marks
    infrastructure failures in `Verdict.infra_error`.
    """

    family: str

    def verify(self, task: Task, response: str) -> Verdict:
        """Judge one whole response."""
        ...

    def verify_step(self, task: Task, history: Sequence[str], action: str) -> Verdict:
        """Judge one step of a multi-turn episode given the earlier actions.

        The verdict's `steps` holds the score of this action only; `details["final"]` is True
        when the action ended the episode (a final answer, a complete proof).
        """
        ...


@runtime_checkable
class TaskSource(Protocol):
    """Where an environment's tasks come from: a generator (infinite) or a dataset (finite).

    A source may also offer ``task_at(index, difficulty) -> Task`` (row ``index % len`` of a
    dataset, seed `index` of a generator); ``reset(options={"index": i})`` uses it when present.
    """

    family: str

    def sample(
        self, rng: np.random.Generator, difficulty: int | Mapping[str, Any] | None = None
    ) -> Task:
        """Draw one task using only `rng` for randomness."""
        ...

    def __len__(self) -> int:
        """The number of distinct tasks (a large number for generators)."""
        ...
