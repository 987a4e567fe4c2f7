"""`RewardBreakdown` and `RewardWeights`: how a verdict becomes a scalar reward and its named parts.

Every env step reports the breakdown in ``info["reward"]``; the scalar is the weighted sum of the
components. Issue-level schedules (annealing) replace the constant weights by functions of the
training clock without changing this contract.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.verdict import Verdict

COMPONENTS = ("outcome", "process", "format")


@dataclass(frozen=True)
class RewardBreakdown:
    """The named components of one reward, their weights, and the scalar they sum to.

    - `outcome`: sparse correctness in [0, 1].
    - `process`: dense per-step score in [0, 1] (mean over the steps judged in this step).
    - `format`: 1 when the response had the asked-for shape, else 0.
    """

    outcome: float
    process: float
    format: float
    weights: Mapping[str, float]
    total: float
    infra_error: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "process": self.process,
            "format": self.format,
            "weights": dict(self.weights),
            "total": self.total,
            "infra_error": self.infra_error,
        }


@dataclass(frozen=True)
class RewardWeights:
    """Constant weights of the reward components; the default rewards the outcome only."""

    outcome: float = 1.0
    process: float = 0.0
    format: float = 0.0

    def __post_init__(self) -> None:
        for name in COMPONENTS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value):
                raise ConfigurationError(
                    f"reward weight {name!r} must be a finite number, got {value!r}"
                )

    @classmethod
    def from_mapping(cls, data: Mapping[str, float] | None) -> RewardWeights:
        """Build weights from a dict, rejecting unknown component names."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                f"reward weights must be a mapping of component to weight, got "
                f"{type(data).__name__}"
            )
        unknown = set(data) - set(COMPONENTS)
        if unknown:
            raise ConfigurationError(
                f"unknown reward component(s) {sorted(unknown)}; known: {list(COMPONENTS)}"
            )
        weights: dict[str, float] = {}
        for name, value in data.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigurationError(
                    f"reward weight {name!r} must be a finite number, got {value!r}"
                )
            weights[name] = float(value)
        return cls(**weights)

    def breakdown(self, verdict: Verdict, *, process: float | None = None) -> RewardBreakdown:
        """Weigh a verdict's components; `process` overrides the verdict's mean step score."""
        proc = verdict.process if process is None else process
        fmt = 1.0 if verdict.format_ok else 0.0
        total = self.outcome * verdict.outcome + self.process * proc + self.format * fmt
        return RewardBreakdown(
            outcome=verdict.outcome,
            process=proc,
            format=fmt,
            weights={"outcome": self.outcome, "process": self.process, "format": self.format},
            total=total,
            infra_error=verdict.infra_error is not None,
        )
