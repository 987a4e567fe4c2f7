"""Group filtering for GRPO-style training: drop groups whose samples all score the same.

Group-normalised advantages are ``(r - mean) / std`` within a group; when every sample of a group
has the same reward the advantages are all zero, so the group costs a forward and backward pass
and teaches nothing (and with a small std epsilon it only adds noise).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rlvr_gym.core.errors import ConfigurationError


def is_informative(scores: Sequence[float], *, tolerance: float = 0.0) -> bool:
    """True when the scores of one group differ by more than `tolerance`."""
    _check_tolerance(tolerance)
    values = _group(scores)
    if len(values) < 2:
        return False
    return max(values) - min(values) > tolerance


def filter_groups(
    groups: Sequence[Sequence[float]], *, tolerance: float = 0.0
) -> list[int]:
    """The indices of the groups worth training on (see `is_informative`)."""
    if isinstance(groups, (str, bytes, Mapping)) or not isinstance(groups, Collection):
        raise ConfigurationError(
            f"groups must be a list of groups of scores, got {groups!r:.80}"
        )
    return [i for i, scores in enumerate(groups) if is_informative(scores, tolerance=tolerance)]


def _check_tolerance(tolerance: object) -> None:
    if isinstance(tolerance, bool) or not isinstance(tolerance, numbers.Real) or \
            not math.isfinite(float(tolerance)) or float(tolerance) < 0:
        raise ConfigurationError(
            f"tolerance must be a finite number >= 0, got {tolerance!r:.80}"
        )


def _group(scores: object) -> list[float]:
    """One group's scores as floats; anything but a list of finite numbers is refused."""
    if isinstance(scores, (str, bytes, Mapping)) or not isinstance(scores, Collection) or \
            not all(isinstance(s, numbers.Real) and math.isfinite(float(s)) for s in scores):
        raise ConfigurationError(
            f"a group must be a list of finite scores, got {scores!r:.80}"
        )
    return [float(s) for s in scores]


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

    def __post_init__(self) -> None:
        _check_tolerance(self.tolerance)
        for name in _COUNTERS:
            _counter(name, getattr(self, name))

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
        """Resume the counters; corrupted state is refused by name and changes nothing."""
        if not isinstance(state, Mapping) or set(state) != set(_COUNTERS):
            raise ConfigurationError(
                f"group-filter state must be the mapping state_dict() returned "
                f"({', '.join(_COUNTERS)}), got {state!r:.80}"
            )
        counts = {name: _counter(name, state[name]) for name in _COUNTERS}
        for name, value in counts.items():
            setattr(self, name, value)


_COUNTERS = ("kept", "dropped_solved", "dropped_failed", "dropped_other")


def _counter(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"group-filter {name!r} must be an integer >= 0, "
                                 f"got {value!r:.80}")
    return value
