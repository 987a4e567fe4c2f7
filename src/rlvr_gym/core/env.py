"""`RlvrEnv`: the gymnasium environment every family shares (single-turn and multi-turn)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.protocols import TaskSource, Verifier
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.spaces import AnyText
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict


class RlvrEnv(gymnasium.Env[str, str]):
    """A task, a verifier and reward weights make an environment.

    Contract:
    - ``reset(seed=, options=)`` returns the prompt and ``info["task"]`` (the task as a dict).
      ``options`` may hold ``"task"`` (a `Task` or its dict: answer exactly that task),
      ``"index"`` (task number i of the source: row i of a dataset, seed i of a generator) or
      ``"difficulty"`` (a level or knob mapping).
    - ``step(text)`` returns ``(observation, reward, terminated, truncated, info)``.
      ``info["reward"]`` is the named breakdown (``outcome``, ``process``, ``format``, their
      ``weights`` and the ``total`` that equals ``reward``); ``info["verdict"]`` the verdict.
    - ``mode="single"``: one response ends the episode; the observation is the feedback.
    - ``mode="steps"``: each action is one step, rewarded densely; the episode terminates on a
      final answer and is truncated after ``max_steps`` actions. The observation is feedback on
      the step just taken.
    - ``info["infra_error"]`` is True when the machinery failed: drop the sample.
    """

    metadata: dict[str, Any] = {"render_modes": ["ansi"]}  # noqa: RUF012 (gymnasium API)

    def __init__(
        self,
        source: TaskSource,
        verifier: Verifier,
        *,
        mode: str = "single",
        max_steps: int = 16,
        difficulty: int | Mapping[str, Any] | None = None,
        reward_weights: Mapping[str, float] | RewardWeights | None = None,
        render_mode: str | None = None,
    ) -> None:
        if mode not in ("single", "steps"):
            raise ConfigurationError(f"mode must be 'single' or 'steps', got {mode!r}")
        if max_steps < 1:
            raise ConfigurationError(f"max_steps must be at least 1, got {max_steps}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigurationError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.source = source
        self.verifier = verifier
        self.mode = mode
        self.max_steps = max_steps
        self.difficulty = difficulty
        self.weights = (
            reward_weights
            if isinstance(reward_weights, RewardWeights)
            else RewardWeights.from_mapping(reward_weights)
        )
        self.render_mode = render_mode
        self.observation_space = AnyText()
        self.action_space = AnyText()
        self.task: Task | None = None
        self.history: list[str] = []
        self._done = False
        self._transcript: list[str] = []

    def _choose_task(self, options: Mapping[str, Any]) -> Task:
        given = options.get("task")
        if isinstance(given, Task):
            return given
        if isinstance(given, Mapping):
            return Task.from_dict(given)
        if given is not None:
            raise ConfigurationError("options['task'] must be a Task or a task dict")
        difficulty = options.get("difficulty", self.difficulty)
        return self.source.sample(self.np_random, difficulty)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        super().reset(seed=seed)
        options = dict(options or {})
        if "index" in options:
            index = int(options["index"])
            difficulty = options.get("difficulty", self.difficulty)
            task_at = getattr(self.source, "task_at", None)
            if task_at is not None:
                self.task = task_at(index, difficulty)
            else:  # a source without `task_at`: still deterministic in the index
                self.task = self.source.sample(np.random.default_rng(index), difficulty)
        else:
            self.task = self._choose_task(options)
        if self.task.family != self.verifier.family:
            raise ConfigurationError(
                f"task {self.task.id!r} is of family {self.task.family!r} but this environment "
                f"verifies {self.verifier.family!r}"
            )
        self.history = []
        self._done = False
        self._transcript = [self.task.prompt_text]
        return self.task.prompt_text, {"task": self.task.to_dict()}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        if self.task is None:
            raise ConfigurationError("call reset() before step()")
        if self._done:
            raise ConfigurationError("the episode has ended; call reset() to start another")
        text = action if isinstance(action, str) else str(action)
        if self.mode == "single":
            verdict = self.verifier.verify(self.task, text)
            terminated, truncated = True, False
        else:
            verdict = self.verifier.verify_step(self.task, tuple(self.history), text)
            self.history.append(text)
            terminated = bool(verdict.details.get("final", False))
            truncated = not terminated and len(self.history) >= self.max_steps
        breakdown = self.weights.breakdown(verdict)
        self._done = terminated or truncated
        observation = verdict.feedback
        self._transcript.extend([text, observation])
        info = self._info(verdict, breakdown.as_dict())
        return observation, float(breakdown.total), terminated, truncated, info

    def _info(self, verdict: Verdict, reward: dict[str, Any]) -> dict[str, Any]:
        assert self.task is not None
        return {
            "task": self.task.to_dict(),
            "reward": reward,
            # no timing here: gymnasium's checker requires equal info for equal seeds and actions
            "verdict": verdict.to_dict(timing=False),
            "infra_error": verdict.infra_error is not None,
            "step": len(self.history) if self.mode == "steps" else 1,
        }

    def render(self) -> str | None:
        if self.render_mode == "ansi":
            return "\n\n".join(self._transcript)
        return None
