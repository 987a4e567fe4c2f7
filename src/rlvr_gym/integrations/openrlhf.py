"""OpenRLHF adapter: a custom reward function and a multi-turn agent class.

Reward function (OpenRLHF README, "Reinforced Fine-tuning"): a file passed as
``--remote_rm_url /path/reward_func.py`` with ``--label_key`` naming the dataset field that
arrives as `labels`; OpenRLHF calls ``reward_func(queries, prompts, labels)`` where `queries`
are prompt + response texts, and expects a dict with ``rewards`` (a tensor, for advantages),
``scores`` (for dynamic filtering) and ``extra_logs`` (a dict logged to wandb).

Agent (OpenRLHF README, "Multi-turn RL with agent", ``--agent_func_path``): a module-level
``AgentInstance`` subclass of ``openrlhf.utils.agent.AgentInstanceBase`` with
``async reset(states)`` returning ``{"observation": ...}`` and ``async step(states)`` reading
``observation_text``, ``action_text`` and ``label`` and returning ``rewards``, ``scores``,
``environment_feedback``, ``done``, ``sampling_params`` and ``extra_logs``; and an
``AgentExecutor`` subclass of ``AgentExecutorBase`` that names it.

torch is imported only if installed: without it, values are plain lists (``torch.tensor(x)``
converts them); with it, tensors, as OpenRLHF expects.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.integrations._common import components, score_pairs, task_from_label

__all__ = [
    "RlvrAgentInstance",
    "agent_instance_class",
    "make_reward_func",
    "response_of",
    "reward_func",
]

if TYPE_CHECKING:
    _AgentBase = object
else:
    try:  # subclass OpenRLHF's base when it is installed, so its executor accepts the class
        from openrlhf.utils.agent import AgentInstanceBase as _AgentBase
    except ImportError:
        _AgentBase = object


def _tensor(values: list[float]) -> Any:
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return values
    return torch.tensor(values, dtype=torch.float32)


def response_of(query: str, prompt: str) -> str:
    """The response part of a query (OpenRLHF passes prompt + response as one text)."""
    if query.startswith(prompt):
        return query[len(prompt):]
    return query


class _RewardFunc:
    def __init__(self, family: str | None, workers: int | None, weights: RewardWeights) -> None:
        self.family = family
        self.workers = workers
        self.weights = weights
        self.__name__ = "reward_func"

    def __call__(self, queries: Sequence[str], prompts: Sequence[str],
                 labels: Sequence[Any]) -> dict[str, Any]:
        tasks: list[Task] = [
            task_from_label(label, family=self.family, prompt=prompt, id=str(i))
            for i, (prompt, label) in enumerate(zip(prompts, labels, strict=True))
        ]
        responses = [response_of(q, p) for q, p in zip(queries, prompts, strict=True)]
        parts = [components(v, self.weights) for v in score_pairs(tasks, responses,
                                                                 workers=self.workers)]
        # no way to drop a sample here: an infrastructure failure scores 0 and is counted
        rewards = [0.0 if p["infra_error"] else p["score"] for p in parts]
        return {
            "rewards": _tensor(rewards),
            "scores": _tensor([0.0 if p["infra_error"] else p["outcome"] for p in parts]),
            "extra_logs": {name: _tensor([p[name] for p in parts])
                           for name in ("outcome", "process", "format", "infra_error")},
        }


def make_reward_func(family: str | None = None, *, workers: int | None = None,
                     reward_weights: dict[str, float] | None = None) -> _RewardFunc:
    """A ``reward_func(queries, prompts, labels)`` with its own weights or process count.

    `labels` (``--label_key``) hold a task's JSON or, for math, the reference answer.
    """
    return _RewardFunc(family, workers, RewardWeights.from_mapping(reward_weights))


reward_func = make_reward_func()
"""The default: outcome reward, scored in this process; re-export it from your
``reward_func.py`` (``from rlvr_gym.integrations.openrlhf import reward_func``)."""


class RlvrAgentInstance(_AgentBase):
    """An rlvr env id as an OpenRLHF agent: each generated turn is one env step.

    Subclass with `env_id` (and `make_kwargs`) set, or use `agent_instance_class`. The dataset's
    ``--label_key`` field holds the task's JSON (as `export_trl_dataset` writes in ``task``).
    """

    env_id: str = "rlvr/MathLinearSteps-v0"
    make_kwargs: dict[str, Any] = {}  # noqa: RUF012 (replaced, never mutated)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from rlvr_gym.core.registry import make

        self._env = make(self.env_id, **self.make_kwargs)
        self._label: Any = None

    async def reset(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self._label = states.get("label")
        if self._label is not None:
            self._env.reset(options={"task": task_from_label(self._label)})
        return {"observation": states.get("observation", "")}

    async def step(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        label = states.get("label")
        if label is not None and label != self._label:  # a fresh episode without reset
            await self.reset({"label": label, "observation": states.get("observation_text")})
        action = str(states.get("action_text", ""))
        observation, reward, terminated, truncated, info = self._env.step(action)
        done = bool(terminated or truncated)
        infra = bool(info.get("infra_error"))
        value = 0.0 if infra else float(reward)
        feedback = "" if done else f"\n{observation}\n"
        return {
            "rewards": _tensor([value]),
            "scores": _tensor([0.0 if infra else float(info["reward"]["outcome"])]),
            "environment_feedback": feedback,
            "done": done,
            "sampling_params": states.get("sampling_params"),
            "extra_logs": {name: _tensor([float(info["reward"][name])])
                           for name in ("outcome", "process", "format")},
        }


def agent_instance_class(env_id: str, **make_kwargs: Any) -> type[RlvrAgentInstance]:
    """An ``AgentInstance`` class for `env_id`, to bind at module level in ``agent_func.py``."""
    from rlvr_gym.core.registry import spec

    return type("AgentInstance", (RlvrAgentInstance,),
                {"env_id": spec(env_id).id, "make_kwargs": dict(make_kwargs)})
