"""`Verdict`: what a verifier concluded about one response, and `StepScore` for each judged step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rlvr_gym.core.task import _freeze, _thaw


@dataclass(frozen=True)
class StepScore:
    """The process score of one reasoning step (or one test, or one tactic).

    `checked` is False when nothing in the step could be verified; such steps score 1 by default
    so that unverifiable prose is neither rewarded nor punished relative to checked steps.
    """

    index: int
    text: str
    score: float
    checked: bool = True
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "text": self.text,
            "score": self.score,
            "checked": self.checked,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepScore:
        return cls(
            index=int(data["index"]),
            text=str(data["text"]),
            score=float(data["score"]),
            checked=bool(data.get("checked", True)),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True)
class Verdict:
    """A verifier's judgement of one response.

    - `outcome`: the sparse reward in [0, 1] (1 = answer right, all tests pass, proof complete).
    - `steps`: per-step process scores, in order.
    - `format_ok`: the response had the shape asked for (e.g. one final answer could be found).
    - `reason`: a short machine-friendly cause (``"correct"``, ``"wrong_answer"``, ``"no_answer"``,
      ``"hedged"``, ``"timeout"``, ...).
    - `feedback`: text a model can read in a multi-turn episode.
    - `details`: parsed answers, per-test results, Lean messages.
    - `infra_error`: set when the machinery failed; a trainer should drop the sample.
    """

    outcome: float
    steps: tuple[StepScore, ...] = ()
    format_ok: bool = True
    reason: str = ""
    feedback: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)
    infra_error: str | None = None
    elapsed_s: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", float(min(1.0, max(0.0, self.outcome))))
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "details", _freeze(self.details))

    @property
    def correct(self) -> bool:
        """True when the outcome is full marks."""
        return self.outcome >= 1.0

    @property
    def process(self) -> float:
        """Mean process score over the steps; the outcome when no step was judged."""
        if not self.steps:
            return self.outcome
        return sum(s.score for s in self.steps) / len(self.steps)

    @property
    def first_wrong_step(self) -> int | None:
        """Index of the first step whose check failed, or None."""
        for step in self.steps:
            if step.checked and step.score < 1.0:
                return step.index
        return None

    def to_dict(self, *, timing: bool = True) -> dict[str, Any]:
        """Plain JSON-ready data; ``timing=False`` leaves out `elapsed_s` (deterministic info)."""
        data = {
            "outcome": self.outcome,
            "process": self.process,
            "steps": [s.to_dict() for s in self.steps],
            "first_wrong_step": self.first_wrong_step,
            "format_ok": self.format_ok,
            "reason": self.reason,
            "feedback": self.feedback,
            "details": _thaw(self.details),
            "infra_error": self.infra_error,
        }
        if timing:
            data["elapsed_s"] = self.elapsed_s
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        return cls(
            outcome=float(data["outcome"]),
            steps=tuple(StepScore.from_dict(s) for s in data.get("steps", ())),
            format_ok=bool(data.get("format_ok", True)),
            reason=str(data.get("reason", "")),
            feedback=str(data.get("feedback", "")),
            details=dict(data.get("details") or {}),
            infra_error=data.get("infra_error"),
            elapsed_s=float(data.get("elapsed_s", 0.0)),
        )

    @classmethod
    def infrastructure_failure(cls, message: str, elapsed_s: float = 0.0) -> Verdict:
        """A verdict that records a machinery failure; trainers should drop such samples."""
        return cls(
            outcome=0.0, format_ok=True, reason="infra_error", feedback=message,
            infra_error=message, elapsed_s=elapsed_s,
        )
