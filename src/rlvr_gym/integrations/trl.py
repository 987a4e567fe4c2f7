"""TRL adapter: reward functions for ``GRPOTrainer(reward_funcs=...)``, an environment class for
``environment_factory=``, and a dataset exporter.

The call shapes follow TRL's documentation (``docs/source/grpo_trainer.md``, "Using a custom
reward function"): a reward function is called as ``f(prompts=..., completions=..., **kwargs)``
where every other dataset column arrives as a keyword holding one value per completion, and
returns one float per completion (or None where it does not apply, which TRL ignores). With
conversational data a completion is a list of message dicts. TRL logs each reward function
under its ``__name__`` and weighs them with ``GRPOConfig(reward_weights=[...])``, so each
reward component is its own function.

``environment_factory`` (TRL's experimental multi-turn API, ``docs/source/environments.md`` and
huggingface/trl#5093): the trainer makes one instance per rollout with no arguments, calls
``reset(**row)`` with the dataset row's columns (a returned string is appended to the prompt),
exposes the public methods as tools (described by their docstrings and type hints), and passes
the instances to the reward functions as ``environments=``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.integrations._common import (
    COMPONENTS,
    chat_prompt,
    completion_text,
    components,
    score_pairs,
    task_from_label,
    tasks_of,
)

__all__ = [
    "TrlRewardFunction",
    "export_trl_dataset",
    "trl_environment_factory",
    "trl_environment_reward",
    "trl_reward_functions",
]

TASK_COLUMN = "task"
ANSWER_COLUMN = "answer"


class _SharedScores:
    """Scores a batch once for all component functions (TRL calls them one after another with
    the same completions)."""

    def __init__(self, family: str | None, workers: int | None, weights: RewardWeights) -> None:
        self.family = family
        self.workers = workers
        self.weights = weights
        self._key: tuple[Any, ...] | None = None
        self._scores: list[dict[str, float]] = []

    def scores(self, prompts: Sequence[Any], completions: Sequence[Any],
               kwargs: Mapping[str, Any]) -> list[dict[str, float]]:
        texts = [completion_text(c) for c in completions]
        labels = _labels(kwargs, len(texts))
        key = (tuple(texts), tuple(json.dumps(lbl, sort_keys=True, default=str) for lbl in labels))
        if key != self._key:
            tasks = [
                task_from_label(label, family=self.family, id=str(i),
                                prompt=_prompt_text(p))
                for i, (label, p) in enumerate(zip(labels, _pad(prompts, len(texts)),
                                                   strict=True))
            ]
            verdicts = score_pairs(tasks, texts, workers=self.workers)
            self._scores = [components(v, self.weights) for v in verdicts]
            self._key = key
        return self._scores


def _prompt_text(prompt: Any) -> str:
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, Sequence):
        return "\n\n".join(str(m.get("content", "")) for m in prompt if isinstance(m, Mapping))
    return ""


def _pad(values: Sequence[Any], n: int) -> list[Any]:
    return list(values)[:n] + [""] * max(0, n - len(values))


def _labels(kwargs: Mapping[str, Any], n: int) -> list[Any]:
    for column in (TASK_COLUMN, ANSWER_COLUMN):
        values = kwargs.get(column)
        if values is not None:
            if len(values) != n:
                raise ConfigurationError(
                    f"column {column!r} has {len(values)} values for {n} completions"
                )
            return list(values)
    raise ConfigurationError(
        f"the dataset needs a {TASK_COLUMN!r} column (a task's JSON, as export_trl_dataset "
        f"writes) or an {ANSWER_COLUMN!r} column (math reference answers); got columns "
        f"{sorted(kwargs)}"
    )


class TrlRewardFunction:
    """One reward component as a TRL reward function; ``__name__`` is what TRL logs."""

    def __init__(self, component: str, shared: _SharedScores, infra_value: float | None) -> None:
        self.component = component
        self.__name__ = f"rlvr_{component}"
        self._shared = shared
        self._infra_value = infra_value

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any],
                 **kwargs: Any) -> list[float | None]:
        scores = self._shared.scores(prompts, completions, kwargs)
        return [self._infra_value if s["infra_error"] else s[self.component] for s in scores]


def trl_reward_functions(
    family: str | None = None,
    *,
    components: Sequence[str] = COMPONENTS,
    workers: int | None = None,
    infra_value: float | None = None,
) -> list[TrlRewardFunction]:
    """Reward functions for ``GRPOTrainer(reward_funcs=...)``, one per component, in order.

    Tasks come from the ``task`` column (a task's JSON) or, for math, the ``answer`` column.
    `family` (``"math"``, ``"code"``, ``"lean"``) only checks that bare answers are allowed;
    mixed families work through the task column. `workers=None` scores in this process (with
    the shared math worker pool and Docker pool); ``workers=N`` uses `score_batch` on N
    processes. A sample whose verification failed on infrastructure gets `infra_value` (None:
    TRL leaves it out of the reward). Weigh components with ``GRPOConfig(reward_weights=...)``.
    """
    unknown = [c for c in components if c not in COMPONENTS]
    if unknown or not components:
        raise ConfigurationError(f"unknown reward component(s) {unknown}; known: {COMPONENTS}")
    # unit weights: TRL applies its own reward_weights to each function's values
    shared = _SharedScores(family, workers, RewardWeights(outcome=1.0, process=0.0, format=0.0))
    return [TrlRewardFunction(c, shared, infra_value) for c in components]


class RlvrTrlEnvironment:
    """A multi-turn rlvr env as a TRL environment: ``submit`` is the tool the model calls.

    Subclasses made by `trl_environment_factory` fix `env_id` and the env's options. Each
    ``submit`` is one env step; the episode's rewards accumulate in `reward` (the sum of the
    step totals, as GRPO collapses per-step rewards of one rollout) and `done` turns True when
    the env ends the episode, after which further submissions are refused.
    """

    env_id: str = "rlvr/MathLinearSteps-v0"
    make_kwargs: Mapping[str, Any] = {}

    def __init__(self) -> None:
        from rlvr_gym.core.registry import make

        self._env = make(self.env_id, **dict(self.make_kwargs))
        self.reward = 0.0
        self.done = False
        self.infra_error = False
        self.verdicts: list[dict[str, Any]] = []

    def reset(self, **kwargs: Any) -> str | None:
        """Start an episode on the row's task (``task`` column) or, without one, the env's own
        task number ``index`` (default 0). Returns nothing to append when the row's prompt is
        the task's prompt, else the task's prompt."""
        self.reward, self.done, self.infra_error, self.verdicts = 0.0, False, False, []
        label = kwargs.get(TASK_COLUMN)
        if label is not None:
            task = task_from_label(label)
            self._env.reset(options={"task": task})
            return None
        prompt, _ = self._env.reset(options={"index": int(kwargs.get("index", 0))})
        return str(prompt)

    def submit(self, text: str) -> str:
        """Submit the next step of your solution (or your final answer) for checking.

        Args:
            text: One step of the worked solution, or the final answer in \\boxed{}.

        Returns:
            Feedback on this submission.
        """
        if self.done:
            return "The episode has ended; no further submissions are checked."
        observation, reward, terminated, truncated, info = self._env.step(text)
        self.reward += float(reward)
        self.infra_error = self.infra_error or bool(info.get("infra_error"))
        self.verdicts.append(info["verdict"])
        self.done = bool(terminated or truncated)
        return str(observation)


def trl_environment_factory(env_id: str, **make_kwargs: Any) -> type[RlvrTrlEnvironment]:
    """A class to pass as ``GRPOTrainer(environment_factory=...)`` for a registered env id.

    `make_kwargs` go to `rlvr_gym.make` (e.g. ``reward_weights``, ``max_steps``).
    """
    from rlvr_gym.core.registry import spec

    found = spec(env_id)
    name = found.id.split("/", 1)[1].replace("-", "_").replace(".", "_")
    return type(f"Rlvr_{name}", (RlvrTrlEnvironment,),
                {"env_id": found.id, "make_kwargs": dict(make_kwargs)})


def trl_environment_reward(
    environments: Sequence[RlvrTrlEnvironment] | None = None, **kwargs: Any
) -> list[float | None]:
    """Reward function for environment training: each rollout's accumulated env reward (None
    for a rollout whose verification failed on infrastructure, so TRL leaves it out)."""
    if environments is None:
        raise ConfigurationError(
            "trl_environment_reward needs GRPOTrainer(environment_factory=...): TRL passes the "
            "rollouts' environments as `environments`"
        )
    return [None if env.infra_error else env.reward for env in environments]


trl_environment_reward.__name__ = "rlvr_env_reward"


def trl_rows(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """TRL dataset rows: conversational ``prompt``, the ``task`` JSON, and (math) ``answer``."""
    rows = []
    for task in tasks:
        answer = task.reference.get("answer")
        rows.append({
            "prompt": chat_prompt(task),
            TASK_COLUMN: task.to_json(),
            ANSWER_COLUMN: answer if isinstance(answer, str) else "",
            "id": task.id,
        })
    return rows


def export_trl_dataset(env_id: str, n: int, path: str | os.PathLike[str], *,
                       start: int = 0) -> Path:
    """Write tasks ``start..start+n-1`` of `env_id` as a TRL dataset: JSONL, or Parquet when
    `path` ends in ``.parquet``. Load with ``datasets.load_dataset("json", data_files=path)``."""
    target = Path(path)
    rows = trl_rows(tasks_of(env_id, n, start=start))
    _write_rows(rows, target)
    return target


def _write_rows(rows: Sequence[Mapping[str, Any]], target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.suffix == ".parquet":
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise ConfigurationError(
                "writing Parquet needs pyarrow: pip install 'rlvr-gym[parquet]'"
            ) from exc
        pq.write_table(pa.Table.from_pylist([dict(r) for r in rows]), target)
        return
    with target.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def verdicts_of(env: RlvrTrlEnvironment) -> list[Verdict]:
    """The verdicts of an environment's episode so far (for custom reward functions)."""
    return [Verdict.from_dict(v) for v in env.verdicts]
