"""`RewardSpecWrapper`: apply a `RewardSpec` to any registered environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gymnasium
import numpy as np

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.rewards.spec import EpisodeState, RewardSpec


class RewardSpecWrapper(gymnasium.Wrapper[str, str, str, str]):
    """Recompute ``reward`` and ``info["reward"]`` of every step from ``info["verdict"]``.

    The spec is `reward_spec` (gymnasium's `spec` stays the env's registration). The clock is
    `clock()` when given (the trainer's step counter), else the wrapper's own count of steps.
    Per-episode state (the process cap, the delta form) starts afresh on ``reset``.
    ``state_dict()`` holds the spec's state, the step count and the open episode.
    """

    def __init__(
        self,
        env: gymnasium.Env[str, str],
        spec: RewardSpec,
        clock: Callable[[], int] | None = None,
    ) -> None:
        if not isinstance(spec, RewardSpec):
            raise ConfigurationError(f"spec must be a RewardSpec, got {type(spec).__name__}")
        if clock is not None and not callable(clock):
            raise ConfigurationError(
                f"clock must be None or a callable returning the trainer's step, got {clock!r:.80}"
            )
        super().__init__(env)
        self.reward_spec = spec
        self.clock = clock
        self.steps_taken = 0
        self.episode = spec.new_episode()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        self.episode = self.reward_spec.new_episode()
        return self.env.reset(seed=seed, options=options)

    def step(self, action: str) -> tuple[str, float, bool, bool, dict[str, Any]]:
        observation, _, terminated, truncated, info = self.env.step(action)
        if "verdict" not in info:
            raise ConfigurationError(
                "RewardSpecWrapper needs info['verdict'] from the wrapped env; "
                "wrap an rlvr-gym environment"
            )
        verdict = Verdict.from_dict(info["verdict"])
        step = self._clock_step() if self.clock is not None else self.steps_taken
        reward = self.reward_spec.score(verdict, step, response=action, episode=self.episode)
        self.steps_taken += 1
        info = {**info, "reward": reward.as_dict()}
        return observation, float(reward.total), terminated, truncated, info

    def _clock_step(self) -> int:
        assert self.clock is not None
        step = self.clock()
        if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
            raise ConfigurationError(
                f"clock() must return the trainer's step, an integer >= 0; got {step!r:.80}"
            )
        return int(step)

    def state_dict(self) -> dict[str, Any]:
        return {
            "spec": self.reward_spec.state_dict(),
            "steps_taken": self.steps_taken,
            "episode": self.episode.to_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from `state_dict` output; corrupted state raises a ConfigurationError naming
        the field and changes nothing."""
        if not isinstance(state, Mapping) or set(state) != {"spec", "steps_taken", "episode"}:
            raise ConfigurationError(
                "wrapper state must be the mapping state_dict() returned (spec, steps_taken, "
                f"episode), got {state!r:.80}"
            )
        steps = state["steps_taken"]
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
            raise ConfigurationError(
                f"wrapper state 'steps_taken' must be an integer >= 0, got {steps!r:.80}"
            )
        episode = EpisodeState.from_dict(state["episode"])
        self.reward_spec.load_state_dict(state["spec"])  # validates before it changes anything
        self.steps_taken = steps
        self.episode = episode
