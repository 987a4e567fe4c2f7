"""`RlvrEnv`: the gymnasium environment every family shares (single-turn and multi-turn)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.protocols import TaskSource, Verifier
from rlvr_gym.core.reward import COMPONENTS, RewardWeights
from rlvr_gym.core.spaces import AnyText
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict

RESET_OPTIONS = frozenset({"task", "index", "difficulty"})


def check_max_steps(max_steps: object) -> int:
    """`max_steps` when it is an integer >= 1; a ConfigurationError naming it otherwise."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ConfigurationError(f"max_steps must be an integer >= 1, got {max_steps!r:.80}")
    return max_steps


def check_difficulty(difficulty: Any, source: object = None) -> int | Mapping[str, Any] | None:
    """`difficulty` when it is None, a level (int) or a mapping of knobs that `source` accepts
    (sources with a ``check_difficulty`` method say); a ConfigurationError otherwise."""
    if difficulty is not None and (
        isinstance(difficulty, bool) or not isinstance(difficulty, (int, Mapping))
    ):
        raise ConfigurationError(
            f"difficulty must be None, a level (an integer) or a mapping of knobs, "
            f"got {difficulty!r:.80}"
        )
    check = getattr(source, "check_difficulty", None)
    if difficulty is not None and callable(check):
        try:
            check(difficulty)
        except ConfigurationError as exc:
            raise ConfigurationError(f"difficulty {difficulty!r:.80}: {exc}") from exc
    return difficulty  # type: ignore[no-any-return]


def reward_weights_from(weights: object) -> RewardWeights:
    """`RewardWeights` from None, weights, or a mapping of component -> finite number."""
    if weights is None or isinstance(weights, RewardWeights):
        return weights if weights is not None else RewardWeights()
    if not isinstance(weights, Mapping):
        raise ConfigurationError(
            f"reward_weights must be a mapping such as {{'outcome': 1, 'process': 0.2}}, got "
            f"{weights!r:.80}"
        )
    unknown = [str(k) for k in weights if k not in COMPONENTS]
    if unknown:
        raise ConfigurationError(
            f"unknown reward component(s) {sorted(unknown)} in reward_weights; known: "
            f"{list(COMPONENTS)}"
        )
    for name, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not math.isfinite(value):
            raise ConfigurationError(
                f"reward_weights[{name!r}] must be a finite number, got {value!r:.80}"
            )
    return RewardWeights.from_mapping(weights)


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
        if not isinstance(mode, str) or mode not in ("single", "steps"):
            raise ConfigurationError(f"mode must be 'single' or 'steps', got {mode!r:.80}")
        check_max_steps(max_steps)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ConfigurationError(
                f"render_mode must be None or 'ansi', got {render_mode!r:.80}"
            )
        self.source = source
        self.verifier = verifier
        self.mode = mode
        self.max_steps = max_steps
        self.difficulty = check_difficulty(difficulty, source)
        self.weights = reward_weights_from(reward_weights)
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
            try:
                return Task.from_dict(given)
            except ConfigurationError as exc:
                raise ConfigurationError(f"options['task'] is not a task: {exc}") from exc
            except (TypeError, ValueError, AttributeError) as exc:
                raise ConfigurationError(
                    f"options['task'] is not a task ({type(exc).__name__}: {exc}); pass a Task "
                    "or the dict of Task.to_dict()"
                ) from exc
        if given is not None:
            raise ConfigurationError(
                f"options['task'] must be a Task or a task dict, got {type(given).__name__}"
            )
        difficulty = check_difficulty(options.get("difficulty", self.difficulty), self.source)
        return self.source.sample(self.np_random, difficulty)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise ConfigurationError(f"seed must be None or an integer >= 0, got {seed!r:.80}")
        if options is not None and not isinstance(options, Mapping):
            raise ConfigurationError(
                f"options must be a dict (keys {sorted(RESET_OPTIONS)}), got {options!r:.80}"
            )
        options = dict(options or {})
        unknown = set(options) - RESET_OPTIONS
        if unknown:
            raise ConfigurationError(
                f"unknown reset option(s) {sorted(map(str, unknown))}; known: "
                f"{sorted(RESET_OPTIONS)}"
            )
        super().reset(seed=seed)
        if "index" in options:
            index = options["index"]
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
                raise ConfigurationError(
                    f"options['index'] must be an integer >= 0, got {index!r:.80}"
                )
            index = int(index)
            difficulty = check_difficulty(options.get("difficulty", self.difficulty),
                                          self.source)
            task_at = getattr(self.source, "task_at", None)
            if task_at is not None:
                task = task_at(index, difficulty)
            else:  # a source without `task_at`: still deterministic in the index
                task = self.source.sample(np.random.default_rng(index), difficulty)
        else:
            task = self._choose_task(options)
        if task.family != self.verifier.family:
            raise ConfigurationError(
                f"task {task.id!r} is of family {task.family!r} but this environment "
                f"verifies {self.verifier.family!r}"
            )
        check_task = getattr(self.verifier, "check_task", None)
        if callable(check_task):
            check_task(task)  # a task the verifier cannot judge fails here, not at step()
        self.task = task
        self.history = []
        self._done = False
        self._transcript = [self.task.prompt_text]
        return self.task.prompt_text, {"task": self.task.to_dict()}

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        """Judge one action (text); a non-text action is a ConfigurationError, nothing else."""
        if self.task is None:
            raise ConfigurationError("call reset() before step()")
        if self._done:
            raise ConfigurationError("the episode has ended; call reset() to start another")
        if not isinstance(action, str):
            # the action space holds text only; nothing of the episode changes, so the caller
            # can decode its output and step again
            kind = type(action).__name__
            hint = " (decode bytes with .decode('utf-8'))" if isinstance(action, bytes) else ""
            raise ConfigurationError(
                f"an action must be text (str), got {kind}{hint}; the episode is unchanged"
            )
        text = action
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
