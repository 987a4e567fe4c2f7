"""gymnasium vector envs over our ids: ``gymnasium.make_vec`` steps a batch of episodes."""

from __future__ import annotations

import gymnasium
import numpy as np

import rlvr_gym  # noqa: F401  (registers the ids with gymnasium)


def test_make_vec_scores_each_sub_env_on_its_own_task() -> None:
    envs = gymnasium.make_vec("rlvr/MathLinear-v0", num_envs=2, vectorization_mode="sync")
    try:
        _, info = envs.reset(seed=0)
        answers = list(info["task"]["reference"]["answer"])
        actions = (f"\\boxed{{{answers[0]}}}", f"\\boxed{{{answers[1]}+1}}")
        _, rewards, terminated, _, _ = envs.step(actions)
    finally:
        envs.close()
    assert np.allclose(rewards, [1.0, 0.0])
    assert terminated.all()
