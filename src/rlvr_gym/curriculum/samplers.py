"""Difficulty samplers: choose the next task's level from the policy's recent results.

Every sampler has ``sample() -> level`` and ``update(difficulty_or_task, scores)``, where the
first argument is a level, a difficulty mapping with ``"level"``, a `Task` or a task dict, and
`scores` one score or a group of them in [0, 1]. Levels come from a generator
(``ThresholdCurriculum.for_generator("arithmetic")``) or are given. Randomness comes only from
the sampler's own seeded generator, which is part of ``state_dict()``. What a sampler did is in
`last_decision` and, for level changes, in `events`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task

_STATE_VERSION = 1
S = TypeVar("S", bound="Curriculum")


@dataclass(frozen=True)
class Decision:
    """One thing a sampler did: ``kind`` is ``"promote"``, ``"demote"``, ``"stay"`` or
    ``"sample"``; `level` the level chosen or reached; `reason` a sentence for logs."""

    kind: str
    level: int
    reason: str
    update: int
    weights: Mapping[int, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "level": self.level,
            "reason": self.reason,
            "update": self.update,
            "weights": {str(k): v for k, v in self.weights.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        return cls(
            kind=str(data["kind"]),
            level=int(data["level"]),
            reason=str(data["reason"]),
            update=int(data["update"]),
            weights={int(k): float(v) for k, v in dict(data.get("weights", {})).items()},
        )


def level_of(difficulty_or_task: Any) -> int:
    """The level of a level, a difficulty mapping, a `Task` or a task dict."""
    value: Any = difficulty_or_task
    if isinstance(value, Task):
        value = value.difficulty
    elif isinstance(value, Mapping) and "difficulty" in value:
        value = value["difficulty"]
    if isinstance(value, Mapping):
        value = value.get("level")
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigurationError(
            f"cannot tell the difficulty level of {difficulty_or_task!r}; pass a level, a "
            "difficulty mapping with 'level', a Task or a task dict"
        )
    return int(value)


def _scores(scores: float | Sequence[float]) -> list[float]:
    values = [float(scores)] if isinstance(scores, (int, float)) else [float(s) for s in scores]
    if not values:
        raise ConfigurationError("update() needs at least one score")
    if any(not math.isfinite(s) or not 0.0 <= s <= 1.0 for s in values):
        raise ConfigurationError(f"scores must be in [0, 1], got {values}")
    return values


def generator_levels(name: str) -> list[int]:
    """The levels of a registered generator (`GENERATORS[name].levels`)."""
    from rlvr_gym.tasks.generators import GENERATORS

    if name not in GENERATORS:
        raise ConfigurationError(f"no generator named {name!r}; known: {sorted(GENERATORS)}")
    return sorted(GENERATORS[name].levels)


class Curriculum:
    """Shared machinery: the levels, a seeded RNG, decisions and state."""

    def __init__(self, levels: Sequence[int], *, seed: int = 0) -> None:
        chosen = sorted({int(level) for level in levels})
        if not chosen:
            raise ConfigurationError("a curriculum needs at least one level")
        self.levels = chosen
        self.rng = np.random.default_rng(seed)
        self.updates = 0
        self.events: list[Decision] = []
        self.last_decision: Decision | None = None

    @classmethod
    def for_generator(cls: type[S], name: str, **options: Any) -> S:
        """A sampler over the levels of generator `name`."""
        return cls(generator_levels(name), **options)

    def sample(self) -> int:
        raise NotImplementedError

    def update(self, difficulty_or_task: Any, scores: float | Sequence[float]) -> None:
        raise NotImplementedError

    def _check_level(self, level: int) -> int:
        if level not in self.levels:
            raise ConfigurationError(f"level {level} is not one of this curriculum's {self.levels}")
        return level

    def _decide(self, decision: Decision, *, event: bool) -> None:
        self.last_decision = decision
        if event:
            self.events.append(decision)

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _load_extra_state(self, state: Mapping[str, Any]) -> None:
        pass

    def state_dict(self) -> dict[str, Any]:
        """JSON-ready state: results, RNG, events; `load_state_dict` resumes exactly."""
        return {
            "version": _STATE_VERSION,
            "kind": type(self).__name__,
            "levels": list(self.levels),
            "rng": self.rng.bit_generator.state,
            "updates": self.updates,
            "events": [e.to_dict() for e in self.events],
            "last_decision": self.last_decision.to_dict() if self.last_decision else None,
            **self._extra_state(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        if state.get("version") != _STATE_VERSION or state.get("kind") != type(self).__name__:
            raise ConfigurationError(
                f"state of a {state.get('kind')!r} (version {state.get('version')!r}) cannot be "
                f"loaded into a {type(self).__name__} (version {_STATE_VERSION})"
            )
        if list(state["levels"]) != self.levels:
            raise ConfigurationError(
                f"saved levels {state['levels']} differ from this curriculum's {self.levels}"
            )
        self.rng.bit_generator.state = dict(state["rng"])
        self.updates = int(state["updates"])
        self.events = [Decision.from_dict(e) for e in state["events"]]
        last = state.get("last_decision")
        self.last_decision = Decision.from_dict(last) if last else None
        self._load_extra_state(state)


class _Windowed(Curriculum):
    """Keeps the last `window` scores of every level."""

    def __init__(self, levels: Sequence[int], *, window: int, seed: int = 0) -> None:
        super().__init__(levels, seed=seed)
        if isinstance(window, bool) or not isinstance(window, int) or window < 1:
            raise ConfigurationError(f"window must be a positive integer, got {window!r}")
        self.window = window
        self.results: dict[int, deque[float]] = {
            level: deque(maxlen=window) for level in self.levels
        }

    def success_rate(self, level: int) -> float | None:
        """Mean of the level's recent scores, or None before any."""
        recent = self.results[level]
        return sum(recent) / len(recent) if recent else None

    def _record(self, difficulty_or_task: Any, scores: float | Sequence[float]) -> int:
        level = self._check_level(level_of(difficulty_or_task))
        self.results[level].extend(_scores(scores))
        self.updates += 1
        return level

    def _extra_state(self) -> dict[str, Any]:
        return {"results": {str(k): list(v) for k, v in self.results.items()}}

    def _load_extra_state(self, state: Mapping[str, Any]) -> None:
        for key, values in state["results"].items():
            self.results[int(key)] = deque((float(v) for v in values), maxlen=self.window)


class ThresholdCurriculum(_Windowed):
    """Stay on one level; promote when its last `window` scores average at least `promote`,
    demote when they average below `demote`.

    A level's window is cleared when the curriculum enters it, so each decision rests on
    results at the current difficulty since arriving there (no instant bounce back on stale
    results).
    """

    def __init__(
        self,
        levels: Sequence[int],
        *,
        promote: float = 0.8,
        demote: float = 0.3,
        window: int = 32,
        start: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(levels, window=window, seed=seed)
        if not 0.0 <= demote < promote <= 1.0:
            raise ConfigurationError(
                f"need 0 <= demote < promote <= 1, got demote={demote}, promote={promote}"
            )
        self.promote, self.demote = float(promote), float(demote)
        self.level = self._check_level(self.levels[0] if start is None else start)

    def sample(self) -> int:
        return self.level

    def update(self, difficulty_or_task: Any, scores: float | Sequence[float]) -> None:
        level = self._record(difficulty_or_task, scores)
        rate = self.success_rate(level)
        if level != self.level or len(self.results[level]) < self.window or rate is None:
            return
        index = self.levels.index(level)
        if rate >= self.promote and index + 1 < len(self.levels):
            self._move(self.levels[index + 1], "promote", rate)
        elif rate < self.demote and index > 0:
            self._move(self.levels[index - 1], "demote", rate)
        else:
            self._decide(
                Decision("stay", level, f"success {rate:.2f} at level {level}", self.updates),
                event=False,
            )

    def _move(self, to: int, kind: str, rate: float) -> None:
        reason = (
            f"success {rate:.2f} over the last {self.window} at level {self.level} "
            f"{'>=' if kind == 'promote' else '<'} "
            f"{self.promote if kind == 'promote' else self.demote}"
        )
        self.level = to
        self.results[to].clear()
        self._decide(Decision(kind, to, reason, self.updates), event=True)

    def _extra_state(self) -> dict[str, Any]:
        return {**super()._extra_state(), "level": self.level}

    def _load_extra_state(self, state: Mapping[str, Any]) -> None:
        super()._load_extra_state(state)
        self.level = self._check_level(int(state["level"]))


class _Weighted(Curriculum):
    """Samples a level in proportion to a per-level score plus `epsilon` (so none starves)."""

    def __init__(self, levels: Sequence[int], *, epsilon: float, seed: int = 0) -> None:
        super().__init__(levels, seed=seed)
        if not isinstance(epsilon, (int, float)) or not 0.0 < epsilon <= 1.0:
            raise ConfigurationError(f"epsilon must be in (0, 1], got {epsilon!r}")
        self.epsilon = float(epsilon)

    def level_scores(self) -> dict[int, float]:
        raise NotImplementedError

    def probabilities(self) -> dict[int, float]:
        raw = {level: score + self.epsilon for level, score in self.level_scores().items()}
        total = sum(raw.values())
        return {level: value / total for level, value in raw.items()}

    def sample(self) -> int:
        probs = self.probabilities()
        index = int(self.rng.choice(len(self.levels), p=[probs[lv] for lv in self.levels]))
        level = self.levels[index]
        self._decide(
            Decision("sample", level, f"{type(self).__name__} drew level {level}",
                     self.updates, weights=probs),
            event=False,
        )
        return level


class LearnabilityCurriculum(_Weighted, _Windowed):
    """Prefer levels where the success rate p is near 1/2: weight ``p(1 - p)`` + `epsilon`.

    Levels never tried count as p = 1/2 (the most learnable), so each gets tried early.
    """

    def __init__(
        self,
        levels: Sequence[int],
        *,
        window: int = 32,
        epsilon: float = 0.01,
        seed: int = 0,
    ) -> None:
        _Windowed.__init__(self, levels, window=window, seed=seed)
        if not isinstance(epsilon, (int, float)) or not 0.0 < epsilon <= 1.0:
            raise ConfigurationError(f"epsilon must be in (0, 1], got {epsilon!r}")
        self.epsilon = float(epsilon)

    def level_scores(self) -> dict[int, float]:
        scores = {}
        for level in self.levels:
            p = self.success_rate(level)
            p = 0.5 if p is None else p
            scores[level] = p * (1.0 - p)
        return scores

    def update(self, difficulty_or_task: Any, scores: float | Sequence[float]) -> None:
        self._record(difficulty_or_task, scores)


class LearningProgressCurriculum(_Weighted):
    """Prefer levels whose success is changing: weight ``|fast EMA - slow EMA|`` + `epsilon`.

    Progress in either direction counts: forgetting a level is as urgent as learning one.
    """

    def __init__(
        self,
        levels: Sequence[int],
        *,
        fast: float = 0.2,
        slow: float = 0.02,
        epsilon: float = 0.05,
        seed: int = 0,
    ) -> None:
        super().__init__(levels, epsilon=epsilon, seed=seed)
        if not 0.0 < slow < fast <= 1.0:
            raise ConfigurationError(
                f"need 0 < slow < fast <= 1 (EMA rates), got slow={slow}, fast={fast}"
            )
        self.fast_rate, self.slow_rate = float(fast), float(slow)
        self.fast: dict[int, float | None] = dict.fromkeys(self.levels)
        self.slow: dict[int, float | None] = dict.fromkeys(self.levels)

    def progress(self, level: int) -> float:
        fast, slow = self.fast[level], self.slow[level]
        return 0.0 if fast is None or slow is None else abs(fast - slow)

    def level_scores(self) -> dict[int, float]:
        return {level: self.progress(level) for level in self.levels}

    def update(self, difficulty_or_task: Any, scores: float | Sequence[float]) -> None:
        level = self._check_level(level_of(difficulty_or_task))
        for score in _scores(scores):
            fast, slow = self.fast[level], self.slow[level]
            self.fast[level] = score if fast is None else fast + self.fast_rate * (score - fast)
            self.slow[level] = score if slow is None else slow + self.slow_rate * (score - slow)
        self.updates += 1

    def _extra_state(self) -> dict[str, Any]:
        return {
            "fast": {str(k): v for k, v in self.fast.items()},
            "slow": {str(k): v for k, v in self.slow.items()},
        }

    def _load_extra_state(self, state: Mapping[str, Any]) -> None:
        self.fast = {int(k): v for k, v in state["fast"].items()}
        self.slow = {int(k): v for k, v in state["slow"].items()}
