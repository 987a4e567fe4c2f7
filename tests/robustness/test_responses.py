"""Bad responses: any text gets a reward in range and a verdict with a reason; a non-text action
gets a ConfigurationError that leaves the episode as it was."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gymnasium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_strategies import math_responses, non_string_actions, within

import rlvr_gym  # noqa: F401 (registers the rlvr/ ids)
from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task
from rlvr_gym.verifiers.math.verifier import MathVerifier

TIME_LIMIT_S = 0.5
MATH_IDS = ("rlvr/MathArithmetic-v0", "rlvr/MathFractions-v0", "rlvr/MathQuadratic-v0",
            "rlvr/MathLinearSteps-v0", "rlvr/MathCalculusSteps-v0", "rlvr/MathFile-v0")
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def math_envs() -> Iterator[dict[str, gymnasium.Env[str, str]]]:
    envs = {id: gymnasium.make(id, timeout_s=TIME_LIMIT_S) for id in MATH_IDS}
    yield envs
    for env in envs.values():
        env.close()


@pytest.fixture(scope="module")
def code_env() -> Iterator[gymnasium.Env[str, str]]:
    env = gymnasium.make("rlvr/CodePublic-v0")  # the sandbox starts only when code must run
    yield env
    env.close()


def _check_step(result: tuple[Any, ...]) -> None:
    observation, reward, terminated, truncated, info = result
    assert isinstance(observation, str)
    breakdown = info["reward"]
    assert reward == breakdown["total"]
    low = sum(min(0.0, w) for w in breakdown["weights"].values())
    high = sum(max(0.0, w) for w in breakdown["weights"].values())
    assert low - 1e-9 <= reward <= high + 1e-9
    assert 0.0 <= info["verdict"]["outcome"] <= 1.0
    assert info["verdict"]["reason"]
    assert isinstance(terminated, bool) and isinstance(truncated, bool)


@SETTINGS
@given(id=st.sampled_from(MATH_IDS), seed=st.integers(0, 50),
       responses=st.lists(math_responses, min_size=1, max_size=3))
def test_any_text_gets_a_reward_in_range_and_a_reason(
    math_envs: dict[str, gymnasium.Env[str, str]], id: str, seed: int, responses: list[str]
) -> None:
    env = math_envs[id]
    env.reset(seed=seed)
    for response in responses:
        with within(4 * TIME_LIMIT_S + 2):
            result = env.step(response)
        _check_step(result)
        if result[2] or result[3]:
            env.reset(seed=seed)
    _, info = env.reset(seed=seed)  # still usable: the reference answer still scores 1
    if env.unwrapped.mode == "single":  # type: ignore[attr-defined]
        reward = env.step(str(info["task"]["reference"]["solution"]))[1]
        assert reward == 1.0


@SETTINGS
@given(id=st.sampled_from(MATH_IDS), action=non_string_actions)
def test_a_non_text_action_is_refused_and_the_episode_goes_on(
    math_envs: dict[str, gymnasium.Env[str, str]], id: str, action: object
) -> None:
    env = math_envs[id]
    _, info = env.reset(seed=3)
    with pytest.raises(ConfigurationError, match="text"):
        env.step(action)  # type: ignore[arg-type]
    answer = info["task"]["reference"]["answer"]
    _, reward, terminated, _, _ = env.step(f"The answer is \\boxed{{{answer}}}.")
    assert terminated and reward > 0


@SETTINGS
@given(response=st.one_of(st.just(""), st.text(max_size=40).filter(lambda t: "`" not in t),
                          st.sampled_from(["```python\n```", "```\n\n```", " \n\t"])))
def test_code_text_with_no_code_scores_zero_without_a_sandbox(
    code_env: gymnasium.Env[str, str], response: str
) -> None:
    code_env.reset(seed=0)
    from rlvr_gym.verifiers.code.extract import extract_code

    if extract_code(response)[0].strip():
        return  # has code: would need the sandbox
    _, reward, terminated, _, info = code_env.step(response)
    assert (reward, terminated) == (0.0, True)
    assert info["verdict"]["reason"] == "no_code"


@SETTINGS
@given(action=non_string_actions)
def test_a_non_text_code_action_is_refused(code_env: gymnasium.Env[str, str],
                                           action: object) -> None:
    code_env.reset(seed=0)
    with pytest.raises(ConfigurationError, match="text"):
        code_env.step(action)  # type: ignore[arg-type]
    assert code_env.step("")[1] == 0.0  # the same episode goes on


TASK = Task(id="t", family="math", prompt="What is 1/2 + 1/3?",
            reference={"answer": "\\frac{5}{6}", "solution": "1/2 + 1/3 = 5/6"})


@pytest.fixture(scope="module")
def verifier() -> MathVerifier:
    return MathVerifier(timeout_s=TIME_LIMIT_S)


@SETTINGS
@given(response=math_responses)
def test_the_math_verifier_judges_any_text(verifier: MathVerifier, response: str) -> None:
    with within(4 * TIME_LIMIT_S + 2):
        verdict = verifier.verify(TASK, response)
    assert 0.0 <= verdict.outcome <= 1.0 and verdict.reason
    assert all(0.0 <= s.score <= 1.0 for s in verdict.steps)
    if verdict.outcome == 1.0:
        assert verdict.reason in ("correct", "set of answers")


@SETTINGS
@given(history=st.lists(math_responses, max_size=2), action=math_responses)
def test_the_math_verifier_judges_any_step(verifier: MathVerifier, history: list[str],
                                          action: str) -> None:
    with within(4 * TIME_LIMIT_S + 2):
        verdict = verifier.verify_step(TASK, history, action)
    assert 0.0 <= verdict.outcome <= 1.0 and verdict.reason
    assert len(verdict.steps) == 1 and 0.0 <= verdict.steps[0].score <= 1.0


@SETTINGS
@given(response=non_string_actions)
def test_the_math_verifier_scores_non_text_zero_with_a_reason(verifier: MathVerifier,
                                                             response: object) -> None:
    for verdict in (verifier.verify(TASK, response),  # type: ignore[arg-type]
                    verifier.verify_step(TASK, [], response)):  # type: ignore[arg-type]
        assert (verdict.outcome, verdict.reason) == (0.0, "not_text")


def test_the_checker_of_gymnasium_passes_after_bad_actions(
    math_envs: dict[str, gymnasium.Env[str, str]]
) -> None:
    from gymnasium.utils.env_checker import check_env

    env = math_envs["rlvr/MathArithmetic-v0"]
    env.reset(seed=0)
    with pytest.raises(ConfigurationError):
        env.step(None)  # type: ignore[arg-type]
    check_env(env.unwrapped, skip_render_check=True)
