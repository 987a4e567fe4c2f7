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
import numbers
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
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
        """Rebuild a decision from `to_dict` output; a malformed one is a ConfigurationError."""
        try:
            if not isinstance(data, Mapping):
                raise TypeError(f"a decision must be a mapping, got {data!r:.80}")
            weights = data.get("weights", {})
            if not isinstance(weights, Mapping):
                raise TypeError(f"'weights' must be a mapping, got {weights!r:.80}")
            kind, reason = data["kind"], data["reason"]
            if not isinstance(kind, str) or not isinstance(reason, str):
                raise TypeError("'kind' and 'reason' must be strings")
            return cls(
                kind=kind,
                level=_integer("level", data["level"]),
                reason=reason,
                update=_integer("update", data["update"]),
                weights={_integer("weights key", int(k)): _rate("weight", v)
                         for k, v in weights.items()},
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise ConfigurationError(f"malformed curriculum decision: {exc}") from exc


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
    items = [scores] if isinstance(scores, numbers.Real) else scores
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, (Sequence, np.ndarray)) \
            or not all(isinstance(s, numbers.Real) for s in items):
        raise ConfigurationError(
            f"scores must be a number or a list of numbers in [0, 1], got {scores!r:.80}"
        )
    values = [float(s) for s in items]
    if not values:
        raise ConfigurationError("update() needs at least one score")
    if any(not math.isfinite(s) or not 0.0 <= s <= 1.0 for s in values):
        raise ConfigurationError(f"scores must be in [0, 1], got {values!r:.120}")
    return values


def _integer(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r:.80}")
    return int(value)


def _rate(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not math.isfinite(float(value)) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r:.80}")
    return float(value)


def _number_in(name: str, value: object, low: float, high: float) -> float:
    """`value` as a float when it is a real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not low <= float(value) <= high:
        raise ConfigurationError(f"{name} must be a number in [{low}, {high}], got {value!r:.80}")
    return float(value)


def generator_levels(name: str) -> list[int]:
    """The levels of a registered generator (`GENERATORS[name].levels`)."""
    from rlvr_gym.tasks.generators import GENERATORS

    if not isinstance(name, str) or name not in GENERATORS:
        raise ConfigurationError(
            f"no generator named {name!r:.80}; known: {sorted(GENERATORS)}"
        )
    return sorted(GENERATORS[name].levels)


class Curriculum:
    """Shared machinery: the levels, a seeded RNG, decisions and state."""

    def __init__(self, levels: Sequence[int], *, seed: int = 0) -> None:
        if isinstance(levels, (str, bytes, Mapping)) or not isinstance(levels, Iterable) or \
                not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                        for v in levels):
            raise ConfigurationError(
                f"levels must be a list of integer levels, got {levels!r:.80}"
            )
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or seed < 0
        ):
            raise ConfigurationError(f"seed must be an integer >= 0, got {seed!r:.80}")
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
        levels = generator_levels(name)
        try:
            return cls(levels, **options)
        except TypeError as exc:  # an unknown option name
            raise ConfigurationError(f"{cls.__name__}.for_generator: {exc}") from exc

    def sample(self) -> int:
        raise NotImplementedError

    def update(self, difficulty_or_task: Any, scores: float | Sequence[float]) -> None:
        raise NotImplementedError

    def _check_level(self, level: int) -> int:
        if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or \
                level not in self.levels:
            raise ConfigurationError(
                f"level {level!r:.80} is not one of this curriculum's {self.levels}"
            )
        return int(level)

    def _decide(self, decision: Decision, *, event: bool) -> None:
        self.last_decision = decision
        if event:
            self.events.append(decision)

    def _extra_state(self) -> dict[str, Any]:
        return {}

    def _read_extra_state(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """Validate the subclass's part of a saved state; the attributes to set from it."""
        return {}

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
        """Resume from `state_dict` output. Corrupted state raises a ConfigurationError naming
        the field and leaves the curriculum as it was."""
        if not isinstance(state, Mapping):
            raise ConfigurationError(f"curriculum state must be a mapping, got {state!r:.80}")
        if state.get("version") != _STATE_VERSION or state.get("kind") != type(self).__name__:
            raise ConfigurationError(
                f"state of a {state.get('kind')!r:.80} (version {state.get('version')!r:.20}) "
                f"cannot be loaded into a {type(self).__name__} (version {_STATE_VERSION})"
            )
        levels = _state_field(state, "levels")
        if not isinstance(levels, list) or levels != self.levels:
            raise ConfigurationError(
                f"saved levels {levels!r:.80} differ from this curriculum's {self.levels}"
            )
        rng = np.random.default_rng()
        try:
            rng.bit_generator.state = dict(_state_field(state, "rng"))
        except (TypeError, ValueError, KeyError, OverflowError) as exc:
            raise ConfigurationError(f"curriculum state 'rng' is not a generator state: {exc}"
                                     ) from exc
        updates = _state_field(state, "updates")
        if isinstance(updates, bool) or not isinstance(updates, int) or updates < 0:
            raise ConfigurationError(
                f"curriculum state 'updates' must be an integer >= 0, got {updates!r:.80}"
            )
        events = _state_field(state, "events")
        if not isinstance(events, list):
            raise ConfigurationError(f"curriculum state 'events' must be a list, got "
                                     f"{events!r:.80}")
        decisions = [Decision.from_dict(e) for e in events]
        last = state.get("last_decision")
        last_decision = Decision.from_dict(last) if last is not None else None
        extra = self._read_extra_state(state)
        self.rng = rng
        self.updates = updates
        self.events = decisions
        self.last_decision = last_decision
        for name, value in extra.items():
            setattr(self, name, value)


def _state_field(state: Mapping[str, Any], name: str) -> Any:
    if name not in state:
        raise ConfigurationError(f"curriculum state lacks the field {name!r}")
    return state[name]


def _per_level(state: Mapping[str, Any], name: str, levels: Sequence[int]) -> dict[int, Any]:
    """A saved ``{str(level): value}`` mapping whose keys are exactly `levels`."""
    found = _state_field(state, name)
    if not isinstance(found, Mapping):
        raise ConfigurationError(f"curriculum state {name!r} must be a mapping, got "
                                 f"{found!r:.80}")
    try:
        keyed = {int(k): v for k, v in found.items()}
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"curriculum state {name!r} has a key that is not a level"
                                 ) from exc
    if sorted(keyed) != list(levels):
        raise ConfigurationError(
            f"curriculum state {name!r} holds levels {sorted(keyed)}, not {list(levels)}"
        )
    return keyed


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

    def _read_extra_state(self, state: Mapping[str, Any]) -> dict[str, Any]:
        results = {}
        for level, values in _per_level(state, "results", self.levels).items():
            if not isinstance(values, list):
                raise ConfigurationError(
                    f"curriculum state 'results' of level {level} must be a list of scores"
                )
            try:
                scores = [_rate("a score", v) for v in values]
            except ValueError as exc:
                raise ConfigurationError(
                    f"curriculum state 'results' of level {level}: {exc}"
                ) from exc
            results[level] = deque(scores, maxlen=self.window)
        return {"results": results}


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
        promote = _number_in("promote", promote, 0.0, 1.0)
        demote = _number_in("demote", demote, 0.0, 1.0)
        if not 0.0 <= demote < promote <= 1.0:
            raise ConfigurationError(
                f"need 0 <= demote < promote <= 1, got demote={demote}, promote={promote}"
            )
        self.promote, self.demote = float(promote), float(demote)
        try:
            self.level = self._check_level(self.levels[0] if start is None else start)
        except ConfigurationError as exc:
            raise ConfigurationError(f"start: {exc}") from exc

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

    def _read_extra_state(self, state: Mapping[str, Any]) -> dict[str, Any]:
        extra = super()._read_extra_state(state)
        level = _state_field(state, "level")
        try:
            extra["level"] = self._check_level(level)
        except ConfigurationError as exc:
            raise ConfigurationError(f"curriculum state 'level': {exc}") from exc
        return extra


class _Weighted(Curriculum):
    """Samples a level in proportion to a per-level score plus `epsilon` (so none starves)."""

    def __init__(self, levels: Sequence[int], *, epsilon: float, seed: int = 0) -> None:
        super().__init__(levels, seed=seed)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or \
                not 0.0 < epsilon <= 1.0:
            raise ConfigurationError(f"epsilon must be in (0, 1], got {epsilon!r:.80}")
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
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or \
                not 0.0 < epsilon <= 1.0:
            raise ConfigurationError(f"epsilon must be in (0, 1], got {epsilon!r:.80}")
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
        fast = _number_in("fast", fast, 0.0, 1.0)
        slow = _number_in("slow", slow, 0.0, 1.0)
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

    def _read_extra_state(self, state: Mapping[str, Any]) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        for name in ("fast", "slow"):
            averages = _per_level(state, name, self.levels)
            try:
                extra[name] = {level: None if value is None else _rate("an average", value)
                               for level, value in averages.items()}
            except ValueError as exc:
                raise ConfigurationError(f"curriculum state {name!r}: {exc}") from exc
        return extra
