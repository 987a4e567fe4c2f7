"""`RewardSpec`: a verdict and the training clock become a scalar reward and its named parts.

The weights are schedules of the trainer's step counter (passed in, never read from a clock of
our own), so ``RewardSpec.annealed(Linear(1.0, 0.0, 5000))`` gives
``r = a(t)·process + (1 - a(t))·outcome``: a dense "exploration" reward early, the sparse
"competition" reward late. The breakdown is a superset of `rlvr_gym.RewardBreakdown.as_dict`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.rewards.schedules import OneMinus, Schedule, as_schedule

PROCESS_FORMS = ("mean", "min", "delta")
_STATE_VERSION = 1


@dataclass(frozen=True)
class LengthPenalty:
    """Penalise a response longer than `target` characters, linearly up to `weight` at `limit`."""

    target: int
    limit: int
    weight: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.target, bool) or not isinstance(self.target, int) or self.target < 0:
            raise ConfigurationError(
                f"LengthPenalty.target must be a non-negative integer, got {self.target!r}"
            )
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or (
            self.limit <= self.target
        ):
            raise ConfigurationError(
                f"LengthPenalty.limit must be an integer above target ({self.target}), "
                f"got {self.limit!r}"
            )
        if isinstance(self.weight, bool) or not isinstance(self.weight, (int, float)) or \
                not math.isfinite(self.weight) or (
            self.weight < 0
        ):
            raise ConfigurationError(
                f"LengthPenalty.weight must be a non-negative number, got {self.weight!r}"
            )

    def __call__(self, length: int) -> float:
        """The penalty's magnitude (>= 0) for a response of `length` characters."""
        over = (length - self.target) / (self.limit - self.target)
        return float(self.weight) * min(1.0, max(0.0, over))

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "limit": self.limit, "weight": self.weight}


@dataclass(frozen=True)
class ProcessGuards:
    """Options that stop a policy from farming the dense process reward.

    - `form`: ``"mean"`` of the step scores; ``"min"`` over them (one bad step sinks the
      term, so padding with easy correct steps gains nothing); ``"delta"``: the change in the
      episode's mean step score since the last reward, so an episode's process rewards sum to
      its final score however many steps it takes.
    - `clip`: ``(low, high)`` bounds on the process term of each reward.
    - `episode_cap`: the most process reward (before weighting) one episode can collect.
    """

    form: str = "mean"
    clip: tuple[float, float] | None = None
    episode_cap: float | None = None

    def __post_init__(self) -> None:
        if self.form not in PROCESS_FORMS:
            raise ConfigurationError(
                f"ProcessGuards.form must be one of {list(PROCESS_FORMS)}, got {self.form!r}"
            )
        if self.clip is not None:
            if not isinstance(self.clip, (list, tuple)) or len(self.clip) != 2 or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                for v in self.clip
            ) or self.clip[0] > self.clip[1]:
                raise ConfigurationError(
                    f"ProcessGuards.clip must be (low, high) with low <= high, "
                    f"got {self.clip!r:.80}"
                )
            object.__setattr__(self, "clip", (float(self.clip[0]), float(self.clip[1])))
        if self.episode_cap is not None and (
            isinstance(self.episode_cap, bool) or not isinstance(self.episode_cap, (int, float))
            or not math.isfinite(self.episode_cap)
            or self.episode_cap < 0
        ):
            raise ConfigurationError(
                f"ProcessGuards.episode_cap must be a non-negative number, got {self.episode_cap!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "clip": list(self.clip) if self.clip is not None else None,
            "episode_cap": self.episode_cap,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProcessGuards:
        """Rebuild guards from `to_dict` output; unknown or malformed fields are refused."""
        _check_fields("ProcessGuards", data, ("form", "clip", "episode_cap"))
        clip = data.get("clip")
        return cls(
            form=data.get("form", "mean"),
            clip=tuple(clip) if isinstance(clip, list) else clip,
            episode_cap=data.get("episode_cap"),
        )


@dataclass
class EpisodeState:
    """What a spec remembers within one episode (for the cap and the delta form)."""

    step_scores: list[float] = field(default_factory=list)
    process_paid: float = 0.0
    last_level: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "step_scores": list(self.step_scores),
            "process_paid": self.process_paid,
            "last_level": self.last_level,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpisodeState:
        """Rebuild episode state from `to_dict` output; malformed state is refused by name."""
        _check_fields("episode state", data, ("step_scores", "process_paid", "last_level"))
        scores = data.get("step_scores", [])
        if not isinstance(scores, (list, tuple)):
            raise ConfigurationError(
                f"episode state 'step_scores' must be a list of numbers, got {scores!r:.80}"
            )
        return cls(
            step_scores=[_finite("episode state 'step_scores'", s) for s in scores],
            process_paid=_finite("episode state 'process_paid'", data.get("process_paid", 0.0)),
            last_level=_finite("episode state 'last_level'", data.get("last_level", 0.0)),
        )


def _check_fields(owner: str, data: object, known: tuple[str, ...]) -> None:
    """Raise unless `data` is a mapping whose keys are all in `known`."""
    if not isinstance(data, Mapping):
        raise ConfigurationError(f"{owner} must be a mapping, got {data!r:.80}")
    unknown = [str(k) for k in data if k not in known]
    if unknown:
        raise ConfigurationError(
            f"unknown {owner} field(s) {sorted(unknown)}; known: {list(known)}"
        )


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a finite number, got {value!r:.80}")
    return float(value)


@dataclass(frozen=True)
class ShapedReward:
    """One reward and its named parts.

    - `outcome`, `process`, `format`: the component values (process after the guards).
    - `exploration`: the dense share of the total, ``weights["process"] * process``.
    - `penalties`: negative contributions, already weighted (``length``, ``hedging``).
    - `weights`: every weight at this step; `total` is the reward.
    - `step`, `success_rate`: the clock and the outcome moving average the weights were read at.
    """

    outcome: float
    process: float
    format: float
    exploration: float
    penalties: Mapping[str, float]
    weights: Mapping[str, float]
    total: float
    step: int
    success_rate: float
    infra_error: bool = False

    @property
    def outcome_share(self) -> float:
        """The outcome term's share of the absolute reward mass (0 when there is none)."""
        parts = [
            self.weights["outcome"] * self.outcome,
            self.exploration,
            self.weights["format"] * self.format,
            *self.penalties.values(),
        ]
        mass = sum(abs(p) for p in parts)
        return abs(parts[0]) / mass if mass else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "process": self.process,
            "format": self.format,
            "exploration": self.exploration,
            "penalties": dict(self.penalties),
            "weights": dict(self.weights),
            "total": self.total,
            "step": self.step,
            "success_rate": self.success_rate,
            "infra_error": self.infra_error,
        }


class RewardSpec:
    """Weights (schedules), penalties and process guards, plus the outcome moving average.

    ``score(verdict, step)`` is the whole API a trainer needs; ``state_dict()`` goes into its
    checkpoint and ``load_state_dict`` resumes exactly (the configuration itself travels as
    ``to_dict()`` / ``from_dict``). Infrastructure failures score 0 and do not move the
    success rate: the sample should be dropped, not learned from.
    """

    def __init__(
        self,
        *,
        outcome: float | Schedule | Mapping[str, Any] = 1.0,
        process: float | Schedule | Mapping[str, Any] = 0.0,
        format: float | Schedule | Mapping[str, Any] = 0.0,
        hedging: float | Schedule | Mapping[str, Any] = 0.0,
        length: LengthPenalty | None = None,
        guards: ProcessGuards | None = None,
        success_alpha: float = 0.01,
    ) -> None:
        self.outcome = _schedule("outcome", outcome)
        self.process = _schedule("process", process)
        self.format = _schedule("format", format)
        self.hedging = _schedule("hedging", hedging)
        if isinstance(length, Mapping):
            length = _length_from(length)
        if length is not None and not isinstance(length, LengthPenalty):
            raise ConfigurationError(
                f"length must be a LengthPenalty, its dict or None, got {length!r:.80}"
            )
        self.length = length
        if isinstance(guards, Mapping):
            guards = ProcessGuards.from_dict(guards)
        if guards is not None and not isinstance(guards, ProcessGuards):
            raise ConfigurationError(
                f"guards must be a ProcessGuards, its dict or None, got {guards!r:.80}"
            )
        self.guards = guards or ProcessGuards()
        if (
            isinstance(success_alpha, bool)
            or not isinstance(success_alpha, (int, float))
            or not 0.0 < success_alpha <= 1.0
        ):
            raise ConfigurationError(
                f"success_alpha must be in (0, 1] (1/alpha is roughly the averaging window), "
                f"got {success_alpha!r}"
            )
        self.success_alpha = float(success_alpha)
        self.success_rate = 0.0
        self.updates = 0

    @classmethod
    def annealed(
        cls,
        schedule: float | Schedule | Mapping[str, Any],
        **options: Any,
    ) -> RewardSpec:
        """``r = a(t)·process + (1 - a(t))·outcome`` with ``a = schedule``; other options as
        for the constructor."""
        a = _schedule("schedule", schedule)
        unknown = set(options) - {"format", "hedging", "length", "guards", "success_alpha"}
        if unknown:
            raise ConfigurationError(
                f"unknown RewardSpec.annealed option(s) {sorted(unknown)}; known: format, "
                "hedging, length, guards, success_alpha"
            )
        return cls(outcome=OneMinus(a), process=a, **options)

    def weights_at(self, step: int) -> dict[str, float]:
        """Every weight at `step` and the current success rate."""
        rate = self.success_rate
        return {
            "outcome": self.outcome(step, rate),
            "process": self.process(step, rate),
            "format": self.format(step, rate),
            "hedging": self.hedging(step, rate),
            "length": float(self.length.weight) if self.length is not None else 0.0,
        }

    def new_episode(self) -> EpisodeState:
        return EpisodeState()

    def process_term(self, verdict: Verdict, episode: EpisodeState) -> float:
        """The guarded process term of one verdict; updates `episode` (cap and delta state)."""
        scores = [s.score for s in verdict.steps] or [verdict.process]
        episode.step_scores.extend(scores)
        form = self.guards.form
        if form == "mean":
            term = sum(scores) / len(scores)
        elif form == "min":
            term = min(scores)
        else:
            level = sum(episode.step_scores) / len(episode.step_scores)
            term = level - episode.last_level
            episode.last_level = level
        if self.guards.clip is not None:
            low, high = self.guards.clip
            term = min(high, max(low, term))
        cap = self.guards.episode_cap
        if cap is not None and term > 0:
            term = min(term, max(0.0, cap - episode.process_paid))
        episode.process_paid += term
        return term

    def score(
        self,
        verdict: Verdict,
        step: int,
        *,
        response: str | None = None,
        episode: EpisodeState | None = None,
    ) -> ShapedReward:
        """Reward `verdict` at training step `step`, then fold its outcome into the success rate.

        `response` (the text judged) is needed only for the length penalty; `episode` carries
        the cap and delta-form state across the steps of one episode (a fresh one by default).
        """
        if not isinstance(verdict, Verdict):
            raise ConfigurationError(f"score() needs a Verdict, got {type(verdict).__name__}")
        if response is not None and not isinstance(response, str):
            raise ConfigurationError(
                f"response must be the judged text or None, got {type(response).__name__}"
            )
        if episode is not None and not isinstance(episode, EpisodeState):
            raise ConfigurationError(
                f"episode must be an EpisodeState or None, got {type(episode).__name__}"
            )
        weights = self.weights_at(step)
        episode = episode if episode is not None else self.new_episode()
        fmt = 1.0 if verdict.format_ok else 0.0
        if verdict.infra_error is not None:
            return ShapedReward(
                outcome=verdict.outcome, process=0.0, format=fmt, exploration=0.0,
                penalties={}, weights=weights, total=0.0, step=step,
                success_rate=self.success_rate, infra_error=True,
            )
        process = self.process_term(verdict, episode)
        penalties: dict[str, float] = {}
        if weights["hedging"] and verdict.reason == "hedged":
            penalties["hedging"] = -weights["hedging"]
        if self.length is not None and response is not None:
            penalties["length"] = -self.length(len(response))
        exploration = weights["process"] * process
        total = (
            weights["outcome"] * verdict.outcome
            + exploration
            + weights["format"] * fmt
            + sum(penalties.values())
        )
        reward = ShapedReward(
            outcome=verdict.outcome, process=process, format=fmt, exploration=exploration,
            penalties=penalties, weights=weights, total=total, step=step,
            success_rate=self.success_rate,
        )
        self.success_rate += self.success_alpha * (verdict.outcome - self.success_rate)
        self.updates += 1
        return reward

    def state_dict(self) -> dict[str, Any]:
        """The mutable state (JSON-ready); the configuration is `to_dict`."""
        return {
            "version": _STATE_VERSION,
            "success_rate": self.success_rate,
            "updates": self.updates,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from `state_dict` output; corrupted state is refused, naming the field, and
        leaves this spec as it was."""
        _check_fields("reward-spec state", state, ("version", "success_rate", "updates"))
        if state.get("version") != _STATE_VERSION:
            raise ConfigurationError(
                f"reward-spec state version {state.get('version')!r:.80} is not "
                f"{_STATE_VERSION}; it was saved by another rlvr-gym version"
            )
        rate = state.get("success_rate")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or \
                not 0.0 <= rate <= 1.0:
            raise ConfigurationError(
                f"reward-spec state 'success_rate' must be a number in [0, 1], got {rate!r:.80}"
            )
        updates = state.get("updates")
        if isinstance(updates, bool) or not isinstance(updates, int) or updates < 0:
            raise ConfigurationError(
                f"reward-spec state 'updates' must be an integer >= 0, got {updates!r:.80}"
            )
        self.success_rate = float(rate)
        self.updates = updates

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.to_dict(),
            "process": self.process.to_dict(),
            "format": self.format.to_dict(),
            "hedging": self.hedging.to_dict(),
            "length": self.length.to_dict() if self.length is not None else None,
            "guards": self.guards.to_dict(),
            "success_alpha": self.success_alpha,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RewardSpec:
        """Rebuild a spec from `to_dict` output (or a hand-written config)."""
        _check_fields("reward-spec", data, ("outcome", "process", "format", "hedging",
                                            "length", "guards", "success_alpha"))
        return cls(
            outcome=data.get("outcome", 1.0),
            process=data.get("process", 0.0),
            format=data.get("format", 0.0),
            hedging=data.get("hedging", 0.0),
            length=data.get("length"),
            guards=data.get("guards"),
            success_alpha=data.get("success_alpha", 0.01),
        )


def _schedule(name: str, value: object) -> Schedule:
    """A weight given as a number, a schedule or its dict; a ConfigurationError naming it."""
    try:
        return as_schedule(value)  # type: ignore[arg-type]
    except ConfigurationError as exc:
        raise ConfigurationError(f"reward weight {name!r}: {exc}") from exc


def _length_from(data: Mapping[str, Any]) -> LengthPenalty:
    _check_fields("length penalty", data, ("target", "limit", "weight"))
    missing = [k for k in ("target", "limit") if k not in data]
    if missing:
        raise ConfigurationError(f"length penalty lacks field(s) {missing}")
    return LengthPenalty(**data)
