"""`RaySampleScorer`: `evaluate`'s samples scored on Ray verifier actors, with the same rows.

The environment stays in the calling process (it draws the tasks, the policy answers them);
the actors only judge. To give the rows the env path writes, the actors rebuild the env's own
verifier from its settings (`rlvr_gym.integrations.ray.actor_verifier_for`: math `timeout_s`
and `process`, code `limits` and `concurrency`, Lean `command`, `cwd` and `verifier_options`),
and each verdict becomes a reward here, with the env's own `RewardWeights`, exactly as
`RlvrEnv.step` does in single-turn mode.

Refused with `ConfigurationError` before anything is scored: step-mode envs (``mode ==
"steps"``: each step's verdict depends on the steps before it, judged by the env one at a time),
an env wrapped in something that may change its rewards, an env class with its own `step`, and
env options the actors cannot honour (a custom `step_scorer`, a `sandbox` or Lean `backend`
object, a verifier type they do not know).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import gymnasium

from rlvr_gym.core.env import RlvrEnv
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict

__all__ = ["RaySampleScorer", "row_fields"]

# Wrappers `gymnasium.make` adds that never touch the reward (TimeLimit only truncates, and a
# single-turn episode is one step).
_NEUTRAL_WRAPPERS = ("OrderEnforcing", "PassiveEnvChecker", "TimeLimit")
_NO_RAY = "run without --ray (ray_address=None)"


def row_fields(verdict: Verdict, weights: RewardWeights) -> dict[str, Any]:
    """The ``reward``, ``verdict`` and ``infra_error`` of a row, as `RlvrEnv.step` reports them."""
    return {
        "reward": weights.breakdown(verdict).as_dict(),
        "verdict": verdict.to_dict(timing=False),
        "infra_error": verdict.infra_error is not None,
    }


def _rlvr_env(env: gymnasium.Env[Any, Any], env_id: str) -> RlvrEnv:
    """The `RlvrEnv` under `env`, refusing wrappers and subclasses that may score otherwise."""
    layer: Any = env
    while isinstance(layer, gymnasium.Wrapper):
        name = type(layer).__name__
        if type(layer).__module__.split(".")[0] != "gymnasium" or name not in _NEUTRAL_WRAPPERS:
            raise ConfigurationError(
                f"{env_id} is wrapped in {name}, which may change its rewards; Ray actors "
                f"score with the environment's own reward weights only; {_NO_RAY}"
            )
        layer = layer.env
    if not isinstance(layer, RlvrEnv) or type(layer).step is not RlvrEnv.step:
        raise ConfigurationError(
            f"{env_id} is a {type(layer).__name__}, which scores its own way; Ray actors can "
            f"only reproduce rlvr-gym's RlvrEnv scoring; {_NO_RAY}"
        )
    return layer


class RaySampleScorer:
    """A `SampleScorer` over Ray verifier actors rebuilt from `env`'s verifier settings.

    The checks run here, at once; Ray is connected (and the actors started) at the first
    `batch_rows` or `score`, so a finished run resumed with Ray never starts it. `address` is
    as in `rlvr_gym.integrations.ray.connect`; `num_actors` defaults to one per cluster CPU.
    """

    def __init__(
        self,
        env: gymnasium.Env[Any, Any],
        *,
        env_id: str,
        address: str | None = None,
        num_actors: int | None = None,
        per_actor: int = 1,
        rows_per_chunk: int = 4,
    ) -> None:
        from rlvr_gym.integrations.ray import actor_verifier_for

        base = _rlvr_env(env, env_id)
        if base.mode == "steps":
            raise ConfigurationError(
                f"{env_id} is in step mode (mode='steps'): each step is judged by the env after "
                "the steps before it, which Ray actors do not do; evaluate its single-turn id "
                f"(or drop --env-kwarg mode=steps) to use Ray, or {_NO_RAY}"
            )
        if not isinstance(base.weights, RewardWeights):
            raise ConfigurationError(
                f"{env_id} has reward weights of type {type(base.weights).__name__}; Ray "
                f"scoring needs RewardWeights; {_NO_RAY}"
            )
        if rows_per_chunk < 1:
            raise ConfigurationError(f"rows_per_chunk must be at least 1, got {rows_per_chunk}")
        self.weights = base.weights
        self.recipe = actor_verifier_for(base.verifier)
        self.address = address
        self.num_actors = num_actors
        self.per_actor = per_actor
        self.rows_per_chunk = rows_per_chunk
        self._scorer: Any = None

    def _started(self) -> Any:
        if self._scorer is None:
            from rlvr_gym.integrations.ray import RayScorer

            self._scorer = RayScorer(
                self.num_actors, self.address, per_actor=self.per_actor,
                verifiers={self.recipe.family: self.recipe},
            )
        return self._scorer

    def batch_rows(self) -> int:
        """Enough samples to give every actor several chunks (so none waits while others work)."""
        scorer = self._started()
        return int(scorer.num_actors * scorer.chunks_per_actor * self.rows_per_chunk)

    def score(self, items: Sequence[tuple[Task, str]]) -> Iterator[dict[str, Any]]:
        """Row fields of each (task, response), in order, as the actors finish them; a row
        whose actor died is an infrastructure error, never an exception."""
        if not items:
            return
        tasks = [task for task, _ in items]
        responses = [response for _, response in items]
        for verdict in self._started().score_iter(tasks, responses):
            yield row_fields(verdict, self.weights)

    def close(self) -> None:
        """Stop the actors (and Ray, if this scorer started it)."""
        if self._scorer is not None:
            self._scorer.close()
            self._scorer = None
