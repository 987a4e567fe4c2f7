"""Group filtering for GRPO-style training: drop groups whose samples all score the same.

Group-normalised advantages are ``(r - mean) / std`` within a group; when every sample of a group
has the same reward the advantages are all zero, so the group costs a forward and backward pass
and teaches nothing (and with a small std epsilon it only adds noise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


def is_informative(scores: Sequence[float], *, tolerance: float = 0.0) -> bool:
    """True when the scores of one group differ by more than `tolerance`."""
    if len(scores) < 2:
        return False
    return max(scores) - min(scores) > tolerance


def filter_groups(
    groups: Sequence[Sequence[float]], *, tolerance: float = 0.0
) -> list[int]:
    """The indices of the groups worth training on (see `is_informative`)."""
    return [i for i, scores in enumerate(groups) if is_informative(scores, tolerance=tolerance)]


@dataclass
class GroupFilter:
    """`filter_groups` with counters, for a GRPO loop: ``keep = group_filter(batch_scores)``.

    `kept`, `dropped_solved` (every sample scored the maximum of 1), `dropped_failed` (every
    sample scored 0) and `dropped_other` say what it did; `last_decision` the latest batch.
    """

    tolerance: float = 0.0
    kept: int = 0
    dropped_solved: int = 0
    dropped_failed: int = 0
    dropped_other: int = 0
    last_decision: dict[str, Any] | None = None

    def __call__(self, groups: Sequence[Sequence[float]]) -> list[int]:
        keep = filter_groups(groups, tolerance=self.tolerance)
        kept = set(keep)
        solved = failed = other = 0
        for i, scores in enumerate(groups):
            if i in kept:
                continue
            if scores and all(math.isclose(s, 1.0) for s in scores):
                solved += 1
            elif scores and all(s == 0.0 for s in scores):
                failed += 1
            else:
                other += 1
        self.kept += len(keep)
        self.dropped_solved += solved
        self.dropped_failed += failed
        self.dropped_other += other
        self.last_decision = {
            "kept": keep,
            "dropped_solved": solved,
            "dropped_failed": failed,
            "dropped_other": other,
        }
        return keep

    @property
    def drop_rate(self) -> float:
        total = self.kept + self.dropped_solved + self.dropped_failed + self.dropped_other
        return 0.0 if total == 0 else 1.0 - self.kept / total

    def state_dict(self) -> dict[str, Any]:
        return {
            "kept": self.kept,
            "dropped_solved": self.dropped_solved,
            "dropped_failed": self.dropped_failed,
            "dropped_other": self.dropped_other,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.kept = int(state["kept"])
        self.dropped_solved = int(state["dropped_solved"])
        self.dropped_failed = int(state["dropped_failed"])
        self.dropped_other = int(state["dropped_other"])
