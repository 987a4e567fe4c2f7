from __future__ import annotations

import pytest

import rlvr_gym
from rlvr_gym import ConfigurationError


def reference_response(info: dict) -> str:
    return str(info["task"]["reference"]["solution"])


@pytest.fixture
def env():  # type: ignore[no-untyped-def]
    environment = rlvr_gym.make("rlvr/MathLinear-v0")
    yield environment
    environment.close()


def test_reset_returns_the_prompt_and_the_task(env) -> None:  # type: ignore[no-untyped-def]
    prompt, info = env.reset(seed=7)
    assert prompt == info["task"]["prompt"]
    assert "\\boxed" in prompt


def test_same_seed_gives_same_task(env) -> None:  # type: ignore[no-untyped-def]
    assert env.reset(seed=11)[1]["task"] == env.reset(seed=11)[1]["task"]


def test_reference_solution_scores_one_and_ends_the_episode(env) -> None:  # type: ignore[no-untyped-def]
    _, info = env.reset(seed=1)
    _, reward, terminated, truncated, info = env.step(reference_response(info))
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["reward"]["outcome"] == 1.0
    assert info["reward"]["process"] == 1.0
    assert info["verdict"]["reason"] == "correct"


def test_wrong_answer_scores_zero(env) -> None:  # type: ignore[no-untyped-def]
    _, info = env.reset(seed=1)
    answer = info["task"]["reference"]["answer"]
    _, reward, terminated, _, info = env.step(f"\\boxed{{{answer} + 1}}")
    assert reward == 0.0 and terminated
    assert info["verdict"]["reason"] == "wrong_answer"


@pytest.mark.parametrize(
    "response", ["", "no idea", "\\boxed{", "}}}{{{", "\x00\xff", "a" * 100_000]
)
def test_malformed_responses_score_zero_with_a_reason(env, response: str) -> None:  # type: ignore[no-untyped-def]
    env.reset(seed=2)
    _, reward, terminated, _, info = env.step(response)
    assert reward == 0.0 and terminated
    assert info["verdict"]["reason"]


def test_step_after_the_end_asks_for_reset(env) -> None:  # type: ignore[no-untyped-def]
    env.reset(seed=2)
    env.step("\\boxed{1}")
    with pytest.raises(ConfigurationError, match="reset"):
        env.step("\\boxed{1}")


def test_options_choose_the_task_and_difficulty(env) -> None:  # type: ignore[no-untyped-def]
    _, info = env.reset(seed=0, options={"difficulty": 3})
    assert info["task"]["difficulty"]["level"] == 3
    _, again = env.reset(options={"task": info["task"]})
    assert again["task"] == info["task"]


def test_a_wrong_intermediate_step_costs_process_reward_even_with_the_right_answer() -> None:
    env = rlvr_gym.make("rlvr/MathArithmetic-v0", reward_weights={"outcome": 1.0, "process": 1.0})
    task = rlvr_gym.Task(id="q", family="math", prompt="What is 3 * 4 + 2?",
                         reference={"answer": "14"})
    env.reset(options={"task": task})
    _, honest, _, _, _ = env.step("3 * 4 = 12\n12 + 2 = 14\nThe answer is \\boxed{14}.")
    env.reset(options={"task": task})
    _, sloppy, _, _, info = env.step("3 * 4 = 13\n12 + 2 = 14\nThe answer is \\boxed{14}.")
    assert info["reward"]["outcome"] == 1.0
    assert sloppy < honest
    assert info["verdict"]["first_wrong_step"] == 0


def test_step_mode_rewards_each_step_and_ends_on_the_final_answer() -> None:
    env = rlvr_gym.make("rlvr/MathLinearSteps-v0")
    task = rlvr_gym.Task(id="q", family="math", prompt="Solve 2x + 3 = 11.",
                         reference={"answer": "4"})
    env.reset(options={"task": task})
    rewards = []
    for line in ["2x + 3 = 11", "2x = 8", "x = 4"]:
        _, reward, terminated, truncated, info = env.step(line)
        rewards.append(reward)
        assert not terminated and not truncated
        assert info["reward"]["process"] == 1.0
    _, reward, terminated, _, info = env.step("The answer is \\boxed{4}.")
    assert terminated and info["reward"]["outcome"] == 1.0
    assert all(0 < r < 1 for r in rewards)
    assert sum(rewards) < reward


def test_step_mode_flags_a_wrong_step_in_its_feedback() -> None:
    env = rlvr_gym.make("rlvr/MathLinearSteps-v0")
    task = rlvr_gym.Task(id="q", family="math", prompt="Solve 2x + 3 = 11.",
                         reference={"answer": "4"})
    env.reset(options={"task": task})
    env.step("2x + 3 = 11")
    feedback, reward, _, _, info = env.step("2x = 9")
    assert info["reward"]["process"] == 0.0
    assert reward == 0.0
    assert "wrong" in feedback


def test_step_mode_truncates_at_the_step_budget() -> None:
    env = rlvr_gym.make("rlvr/MathLinearSteps-v0", max_steps=3)
    env.reset(seed=0)
    results = [env.step("Let me think.") for _ in range(3)]
    assert [r[3] for r in results] == [False, False, True]
    assert not any(r[2] for r in results)


def test_step_mode_does_not_end_on_a_concluding_sentence_without_a_marker() -> None:
    env = rlvr_gym.make("rlvr/MathLinearSteps-v0")
    task = rlvr_gym.Task(id="q", family="math", prompt="Solve 2x = 8.", reference={"answer": "4"})
    env.reset(options={"task": task})
    _, _, terminated, _, _ = env.step("So $x = 4$.")
    assert not terminated


def test_vector_envs_step_a_batch_of_responses() -> None:
    import gymnasium

    envs = gymnasium.make_vec("rlvr/MathLinear-v0", num_envs=2, vectorization_mode="sync")
    _, infos = envs.reset(seed=0)
    # gymnasium merges per-env info dicts key by key into arrays
    first_answer = infos["task"]["reference"]["answer"][0]
    _, rewards, terminated, _, _ = envs.step([f"\\boxed{{{first_answer}}}", "\\boxed{no}"])
    assert list(rewards) == [1.0, 0.0]
    assert list(terminated) == [True, True]
    envs.close()


def test_index_walks_a_dataset_row_by_row() -> None:
    env = rlvr_gym.make("rlvr/MathFile-v0")
    ids = [env.reset(options={"index": i})[1]["task"]["id"] for i in range(20)]
    assert ids == [f"sample-{i:02d}" for i in range(1, 21)]
    assert env.reset(options={"index": 20})[1]["task"]["id"] == "sample-01"


def test_index_is_a_generator_seed() -> None:
    from rlvr_gym.tasks.generators import GENERATORS

    env = rlvr_gym.make("rlvr/MathQuadratic-v0", difficulty=2)
    _, info = env.reset(options={"index": 17})
    assert info["task"] == GENERATORS["quadratics"].generate(17, 2).to_dict()


def test_a_dataset_level_filters_its_tasks_and_walks_only_them() -> None:
    env = rlvr_gym.make("rlvr/MathFile-v0", difficulty=3)
    source = env.unwrapped.source
    assert source.levels == [1, 2, 3] and source.count(3) == 3
    levels = {env.reset(options={"index": i})[1]["task"]["difficulty"]["level"] for i in range(6)}
    assert levels == {3}
    assert env.reset(options={"index": 3})[1]["task"]["id"] == \
        env.reset(options={"index": 0})[1]["task"]["id"]


def test_a_dataset_difficulty_mapping_filters_on_every_item() -> None:
    env = rlvr_gym.make("rlvr/MathFile-v0", difficulty={"level": 1})
    levels = {env.reset(seed=s)[1]["task"]["difficulty"]["level"] for s in range(10)}
    assert levels == {1}


@pytest.mark.parametrize(
    ("difficulty", "match"),
    [(7, r"no task of this list is at level 7; its levels are \[1, 2, 3\]"),
     ({"level": 1, "grade": 4}, r"no task of this list has difficulty .*knobs.*\['level'\]")],
)
def test_a_difficulty_no_dataset_task_has_is_refused(difficulty: object, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        rlvr_gym.make("rlvr/MathFile-v0", difficulty=difficulty)
    env = rlvr_gym.make("rlvr/MathFile-v0")
    with pytest.raises(ConfigurationError, match=match):
        env.reset(options={"difficulty": difficulty})
