"""Weight schedules: a reward weight as a function of the training clock.

Each schedule is a small frozen dataclass, validated on construction, called as
``schedule(step)`` (``step`` is the trainer's step counter, passed in; never wall-clock time) and
serialised with ``to_dict()`` / `schedule_from_dict`. `SuccessGated` is the one schedule that
also reads the success rate: ``schedule(step, success_rate=...)``; a `RewardSpec` keeps that
moving average of outcomes and passes it to every schedule (the others ignore it).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rlvr_gym.core.errors import ConfigurationError

MAX_MAGNITUDE = 1e9  # a weight past this swamps every other term (and risks overflow to inf)
MAX_STEP = 2**63 - 1


def _number(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        raise ConfigurationError(
            f"{owner}.{name} must be a finite number of magnitude at most {MAX_MAGNITUDE:g}, "
            f"got {value!r:.80}"
        )
    return float(value)


def _count(owner: str, name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_STEP:
        raise ConfigurationError(
            f"{owner}.{name} must be an integer from {minimum} to 2**63 - 1, got {value!r:.80}"
        )
    return value


def _check_step(step: int) -> None:
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEP:
        raise ConfigurationError(
            f"the training step must be a non-negative integer (at most 2**63 - 1), "
            f"got {step!r:.80}"
        )


def _check_rate(success_rate: float) -> None:
    if isinstance(success_rate, bool) or not isinstance(success_rate, (int, float)) or \
            not 0.0 <= success_rate <= 1.0:
        raise ConfigurationError(
            f"the success rate must be a number in [0, 1], got {success_rate!r:.80}"
        )


@dataclass(frozen=True)
class Schedule:
    """Base of every schedule: ``schedule(step, success_rate=0.0) -> weight``."""

    kind: ClassVar[str] = ""

    def __call__(self, step: int, success_rate: float = 0.0) -> float:
        _check_step(step)
        _check_rate(success_rate)
        return self._value(step, success_rate)

    def _value(self, step: int, success_rate: float) -> float:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Schedule):
                value = value.to_dict()
            elif isinstance(value, tuple):
                value = [list(p) for p in value]
            data[f.name] = value
        return data


def _progress(step: int, begin: int, steps: int) -> float:
    """Fraction of the way from `begin` to `begin + steps`, clamped to [0, 1]."""
    return min(1.0, max(0.0, (step - begin) / steps))


@dataclass(frozen=True)
class Constant(Schedule):
    """The same weight at every step."""

    kind: ClassVar[str] = "constant"
    value: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _number("Constant", "value", self.value))

    def _value(self, step: int, success_rate: float) -> float:
        return self.value


@dataclass(frozen=True)
class _Ramp(Schedule):
    """From `start` to `end` over `steps` steps after `begin`; subclasses give the curve's shape."""

    start: float
    end: float
    steps: int
    begin: int = 0

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for name in ("start", "end"):
            object.__setattr__(self, name, _number(owner, name, getattr(self, name)))
        _count(owner, "steps", self.steps, minimum=1)
        _count(owner, "begin", self.begin, minimum=0)

    def _value(self, step: int, success_rate: float) -> float:
        return self.start + (self.end - self.start) * self._shape(
            _progress(step, self.begin, self.steps)
        )

    def _shape(self, fraction: float) -> float:
        """How far along the way from `start` to `end` the weight is, for a fraction of steps."""
        raise NotImplementedError


@dataclass(frozen=True)
class Linear(_Ramp):
    """`start` until step `begin`, then a straight line to `end` over `steps` steps, then `end`."""

    kind: ClassVar[str] = "linear"

    def _shape(self, fraction: float) -> float:
        return fraction


@dataclass(frozen=True)
class Cosine(_Ramp):
    """Half a cosine from `start` to `end` over `steps` steps after `begin` (slow, fast, slow)."""

    kind: ClassVar[str] = "cosine"

    def _shape(self, fraction: float) -> float:
        return 0.5 * (1.0 - math.cos(math.pi * fraction))


@dataclass(frozen=True)
class Exponential(Schedule):
    """Decays from `start` towards `end`, halving the remaining gap every `half_life` steps."""

    kind: ClassVar[str] = "exponential"
    start: float
    end: float
    half_life: float
    begin: int = 0

    def __post_init__(self) -> None:
        for name in ("start", "end", "half_life"):
            object.__setattr__(self, name, _number("Exponential", name, getattr(self, name)))
        if self.half_life <= 0:
            raise ConfigurationError(
                f"Exponential.half_life must be positive, got {self.half_life!r}"
            )
        _count("Exponential", "begin", self.begin, minimum=0)

    def _value(self, step: int, success_rate: float) -> float:
        elapsed = max(0, step - self.begin)
        return self.end + (self.start - self.end) * float(0.5 ** (elapsed / self.half_life))


@dataclass(frozen=True)
class Piecewise(Schedule):
    """Straight lines through ``(step, value)`` points; the first and last values hold outside.

    ``Piecewise(((0, 1.0), (1000, 1.0), (1001, 0.0)))`` is a step function at 1000.
    """

    kind: ClassVar[str] = "piecewise"
    points: tuple[tuple[int, float], ...]

    def __post_init__(self) -> None:
        raw = self.points
        if not isinstance(raw, (list, tuple)) or not raw:
            raise ConfigurationError(
                f"Piecewise.points must be a non-empty list of [step, value] pairs, "
                f"got {raw!r:.80}"
            )
        points: list[tuple[int, float]] = []
        for i, pair in enumerate(raw):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ConfigurationError(
                    f"Piecewise.points[{i}] must be a [step, value] pair, got {pair!r:.80}"
                )
            step = _count("Piecewise", f"points[{i}] step", pair[0], minimum=0)
            points.append((step, _number("Piecewise", f"points[{i}] value", pair[1])))
        steps = [p[0] for p in points]
        if any(b <= a for a, b in itertools.pairwise(steps)):
            raise ConfigurationError(
                f"Piecewise.points must have strictly increasing steps, got {steps}"
            )
        object.__setattr__(self, "points", tuple(points))

    def _value(self, step: int, success_rate: float) -> float:
        points = self.points
        if step <= points[0][0]:
            return points[0][1]
        for (s0, v0), (s1, v1) in itertools.pairwise(points):
            if step <= s1:
                return v0 + (v1 - v0) * (step - s0) / (s1 - s0)
        return points[-1][1]


@dataclass(frozen=True)
class SuccessGated(Schedule):
    """`start` while the success rate is at most `low`, `end` from `high` on, linear between.

    The success rate is the spec's moving average of outcomes, so the weight moves when the
    policy gets better, not when the clock ticks: a dense shaping reward can stay on until the
    policy actually solves tasks.
    """

    kind: ClassVar[str] = "success_gated"
    start: float
    end: float
    low: float = 0.2
    high: float = 0.8

    def __post_init__(self) -> None:
        for name in ("start", "end", "low", "high"):
            object.__setattr__(self, name, _number("SuccessGated", name, getattr(self, name)))
        if not 0.0 <= self.low < self.high <= 1.0:
            raise ConfigurationError(
                f"SuccessGated needs 0 <= low < high <= 1, got low={self.low}, high={self.high}"
            )

    def _value(self, step: int, success_rate: float) -> float:
        frac = min(1.0, max(0.0, (success_rate - self.low) / (self.high - self.low)))
        return self.start + (self.end - self.start) * frac


@dataclass(frozen=True)
class OneMinus(Schedule):
    """``1 - inner(step)``: the outcome weight of ``a(t)·process + (1 - a(t))·outcome``."""

    kind: ClassVar[str] = "one_minus"
    inner: Schedule

    def __post_init__(self) -> None:
        try:
            inner = as_schedule(self.inner)
        except ConfigurationError as exc:
            raise ConfigurationError(
                f"OneMinus.inner must be a schedule, a number or a schedule dict: {exc}"
            ) from exc
        object.__setattr__(self, "inner", inner)

    def _value(self, step: int, success_rate: float) -> float:
        return 1.0 - float(self.inner(step, success_rate))


SCHEDULES: dict[str, type[Schedule]] = {
    cls.kind: cls
    for cls in (Constant, Linear, Cosine, Exponential, Piecewise, SuccessGated, OneMinus)
}


def schedule_from_dict(data: Mapping[str, Any]) -> Schedule:
    """Rebuild a schedule from `Schedule.to_dict` output (or a hand-written config)."""
    if not isinstance(data, Mapping) or "kind" not in data:
        raise ConfigurationError(
            f"a schedule must be a mapping with a 'kind', got {data!r:.80}"
        )
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in SCHEDULES:
        raise ConfigurationError(
            f"unknown schedule kind {kind!r:.80}; known: {sorted(SCHEDULES)}"
        )
    cls = SCHEDULES[kind]
    fields = {f.name for f in dataclasses.fields(cls)}
    args = {k: v for k, v in data.items() if k != "kind"}
    unknown = set(args) - fields
    if unknown:
        raise ConfigurationError(
            f"unknown field(s) {sorted(map(str, unknown))} for schedule {kind!r}; known: "
            f"{sorted(fields)}"
        )
    if isinstance(args.get("points"), list):
        args["points"] = tuple(tuple(p) if isinstance(p, list) else p for p in args["points"])
    if isinstance(args.get("inner"), Mapping):
        args["inner"] = schedule_from_dict(args["inner"])
    try:
        return cls(**args)
    except TypeError as exc:
        raise ConfigurationError(f"schedule {kind!r}: {exc}") from exc


def as_schedule(value: float | Schedule | Mapping[str, Any]) -> Schedule:
    """Accept a number (a constant), a schedule, or a schedule's dict."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, Mapping):
        return schedule_from_dict(value)
    return Constant(value)
