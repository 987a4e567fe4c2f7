"""verl adapter: a custom reward function and a Parquet exporter in verl's row format.

verl loads a custom reward function from a file (``custom_reward_function.path=...`` and
``custom_reward_function.name=compute_score``) and calls it per sample as
``compute_score(data_source, solution_str, ground_truth, extra_info)`` (verl's "Implement Reward
Function for Dataset" guide; ``verl/workers/reward_manager/naive.py``). A float is the reward; a
dict must hold ``score`` (the reward) and its other keys are logged per sample as
``reward_extra_info``, so every call returns the same keys.

verl's RL dataset rows (``verl/utils/dataset/README.md``, ``examples/data_preprocess/gsm8k.py``):
``data_source``, ``prompt`` (chat messages), ``ability``, ``reward_model`` (``style: "rule"``
and ``ground_truth``) and ``extra_info`` (``split``, ``index``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.integrations._common import (
    chat_prompt,
    components,
    family_of,
    score_pairs,
    task_from_label,
    tasks_of,
)

__all__ = ["compute_score", "export_verl_parquet", "verl_row"]

_WEIGHTS = RewardWeights()


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, float]:
    """The reward of one verl sample: ``score`` plus ``outcome``, ``process``, ``format`` and
    ``infra_error`` (1.0 when the machinery failed; filter such samples out of the batch).

    `ground_truth` is a task's JSON (what `export_verl_parquet` writes for code and Lean) or a
    math reference answer; `data_source` (an env id, ``rlvr-math``, ``math``) names the family.
    ``extra_info["task"]`` (a task's JSON) takes precedence over both. Extra keyword arguments
    (verl's ``reward_kwargs``) may set ``reward_weights`` (a dict of component weights).
    """
    family = family_of(data_source)
    info = dict(extra_info or {})
    label = info.get("task") or ground_truth
    task: Task = task_from_label(label, family=family, id=str(info.get("index", "row")))
    weights = kwargs.get("reward_weights")
    spec = _WEIGHTS if weights is None else RewardWeights.from_mapping(weights)
    verdict = score_pairs([task], [solution_str if isinstance(solution_str, str) else ""])[0]
    return components(verdict, spec)


def verl_row(task: Task, *, data_source: str, split: str, index: int) -> dict[str, Any]:
    """One row in verl's format; math keeps the bare answer as ``ground_truth`` (so verl's own
    math scorers work on it too), other families their task's JSON."""
    answer = task.reference.get("answer")
    ground_truth = answer if task.family == "math" and isinstance(answer, str) else task.to_json()
    return {
        "data_source": data_source,
        "prompt": chat_prompt(task),
        "ability": task.family,
        "reward_model": {"style": "rule", "ground_truth": ground_truth},
        "extra_info": {"split": split, "index": index, "task_id": task.id,
                       "task": task.to_json()},
    }


def export_verl_parquet(env_id: str, n: int, path: str | os.PathLike[str], *,
                        split: str = "train", start: int = 0) -> Path:
    """Write tasks ``start..start+n-1`` of `env_id` as a verl Parquet file (``data.train_files``).

    ``data_source`` is the env id, which `compute_score` routes on.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ConfigurationError(
            "writing Parquet needs pyarrow: pip install 'rlvr-gym[parquet]'"
        ) from exc
    from rlvr_gym.core.registry import spec

    full = spec(env_id).id
    tasks = tasks_of(full, n, start=start)
    rows = [verl_row(t, data_source=full, split=split, index=start + i)
            for i, t in enumerate(tasks)]
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows), target)
    return target
