"""Code environments and `rlvr score` code rows, end to end on the real Docker pool."""

from __future__ import annotations

import json

import pytest

import rlvr_gym
from rlvr_gym.sandboxes.base import Sandbox
from rlvr_gym.scoring import score_rows
from rlvr_gym.tasks.code_datasets import bundled_public_path, load_public_code_tasks
from rlvr_gym.verifiers.code import set_default_code_sandbox

pytestmark = pytest.mark.docker

FUNCTION_TASK = next(t for t in load_public_code_tasks("function") if t.id == "HumanEval/0")
WRONG = FUNCTION_TASK.metadata["wrong_solutions"][0]
RIGHT = FUNCTION_TASK.reference["solution"]


def block(code: str) -> str:
    return f"```python\n{code}```"


def test_single_turn_rewards_the_reference_and_ends(pool: Sandbox) -> None:
    env = rlvr_gym.make("rlvr/CodePublic-v0", sandbox=pool)
    prompt, _ = env.reset(options={"task": FUNCTION_TASK})
    assert "has_close_elements" in prompt
    _, reward, terminated, truncated, info = env.step(block(RIGHT))
    assert (reward, terminated, truncated) == (1.0, True, False)
    assert info["verdict"]["details"]["final"] is True


def test_multi_turn_shows_the_failing_test_then_accepts_the_fix(pool: Sandbox) -> None:
    env = rlvr_gym.make("rlvr/CodePublicMulti-v0", sandbox=pool)
    env.reset(options={"task": FUNCTION_TASK})
    feedback, _, terminated, truncated, info = env.step(block(WRONG))
    assert not terminated and not truncated
    assert feedback.startswith("Attempt 1: 5/7 tests passed")
    assert "assert has_close_elements(" in feedback and "returned False" in feedback
    _, reward, terminated, _, info = env.step(block(RIGHT))
    assert terminated
    assert info["reward"]["outcome"] == 1.0
    assert reward > 1.0 - 1e-9


def test_multi_turn_is_truncated_after_the_budget(pool: Sandbox) -> None:
    env = rlvr_gym.make("rlvr/CodePublicMulti-v0", sandbox=pool, max_steps=2)
    env.reset(options={"task": FUNCTION_TASK})
    env.step(block(WRONG))
    _, _, terminated, truncated, _ = env.step(block(WRONG))
    assert (terminated, truncated) == (False, True)


def test_score_accepts_code_rows_in_the_public_format(pool: Sandbox) -> None:
    text = bundled_public_path().read_text(encoding="utf-8")
    rows = [json.loads(line) for line in text.splitlines()]
    humaneval, stdio = rows[0], rows[-1]
    inputs = [
        {**{k: humaneval[k] for k in ("id", "kind", "entry_point", "tests", "prompt")},
         "family": "code", "response": block(humaneval["reference_solution"])},
        {**{k: stdio[k] for k in ("id", "kind", "entry_point", "tests")},
         "family": "code", "response": block(stdio["wrong_solutions"][0])},
        {"family": "code", "kind": "function", "tests": ["assert f(1) == 1"], "response": "x"},
    ]
    previous = set_default_code_sandbox(pool)  # the scorer runs code in the default sandbox
    try:
        scored = score_rows(inputs, workers=2)
    finally:
        set_default_code_sandbox(previous)
    assert scored[0]["score"] == 1.0
    assert scored[1]["score"] == 0.0
    assert scored[1]["verdict"]["process"] == pytest.approx(stdio["wrong_solution_pass_rates"][0],
                                                            abs=1e-4)
    assert scored[2]["error"].startswith("row 3: field 'entry_point'")


def test_a_container_killed_mid_run_is_an_infrastructure_failure(pool: Sandbox) -> None:
    import threading

    import docker

    from rlvr_gym.core.task import Task
    from rlvr_gym.sandboxes.engine import OWNER_LABEL
    from rlvr_gym.sandboxes.reap import owner_identity
    from rlvr_gym.verifiers.code import CodeVerifier

    task = Task(id="slow", family="code", prompt="p", reference={
        "kind": "stdio", "tests": [{"input": "", "output": "1"}]})
    mine = {"label": f"{OWNER_LABEL}={owner_identity()}"}

    def kill_the_busy_container() -> None:
        for container in docker.from_env().containers.list(filters=mine):
            if "solution.py" in str(container.top().get("Processes")):
                container.kill()

    killer = threading.Timer(1.0, kill_the_busy_container)
    killer.start()
    verdict = CodeVerifier(pool).verify(task, "import time\ntime.sleep(5)\nprint(1)\n")
    killer.join()
    assert verdict.infra_error is not None
    assert verdict.reason == "infra_error"
    after = CodeVerifier(pool).verify(task, "print(1)")  # the pool replaced the container
    assert (after.infra_error, after.outcome) == (None, 1.0)
