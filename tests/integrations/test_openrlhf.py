"""OpenRLHF adapter, against its documented shapes: ``reward_func(queries, prompts, labels)``
returning ``rewards``, ``scores`` and ``extra_logs``; an agent with async ``reset(states)`` and
``step(states)`` returning ``rewards``, ``scores``, ``environment_feedback``, ``done``,
``sampling_params`` and ``extra_logs``."""

from __future__ import annotations

import asyncio
import inspect

from adapter_rows import right, wrong

from rlvr_gym.core.task import Task
from rlvr_gym.integrations.openrlhf import (
    agent_instance_class,
    make_reward_func,
    response_of,
    reward_func,
)


def test_the_signature_is_openrlhfs() -> None:
    assert list(inspect.signature(reward_func).parameters) == ["queries", "prompts", "labels"]


def test_rewards_follow_the_answers_in_the_labels(math_tasks: list[Task]) -> None:
    tasks = math_tasks[:2]
    prompts = [t.prompt_text for t in tasks]
    queries = [prompts[0] + right(tasks[0]), prompts[1] + wrong(tasks[1])]
    result = reward_func(queries, prompts, [t.reference["answer"] for t in tasks])
    assert list(result["rewards"]) == [1.0, 0.0]
    assert list(result["scores"]) == [1.0, 0.0]


def test_components_are_logged_in_extra_logs(math_tasks: list[Task]) -> None:
    task = math_tasks[0]
    result = reward_func([task.prompt_text + right(task)], [task.prompt_text], [task.to_json()])
    assert set(result["extra_logs"]) == {"outcome", "process", "format", "infra_error"}
    assert list(result["extra_logs"]["infra_error"]) == [0.0]


def test_weights_mix_process_into_the_reward(math_tasks: list[Task]) -> None:
    task = math_tasks[0]  # 5t - 3 = 7: the first step below is right, the second wrong
    weighted = make_reward_func("math", reward_weights={"outcome": 0.5, "process": 0.5})
    response = "5 t = 11\nt = 3\n\\boxed{3}"
    result = weighted([task.prompt_text + response], [task.prompt_text], ["2"])
    process = next(iter(result["extra_logs"]["process"]))
    assert 0.0 < process < 1.0
    assert list(result["rewards"]) == [0.5 * process]


def test_the_response_is_the_query_after_the_prompt() -> None:
    assert response_of("Q: 1+1?\nA: 2", "Q: 1+1?\n") == "A: 2"


def test_the_agent_steps_until_the_final_answer(math_tasks: list[Task]) -> None:
    task = math_tasks[0]
    agent = agent_instance_class("rlvr/MathLinearSteps-v0")()

    async def episode() -> list[dict[str, object]]:
        await agent.reset({"observation": task.prompt_text, "label": task.to_json()})
        outs = []
        for line in str(task.reference["solution"]).splitlines():
            outs.append(await agent.step({"observation_text": task.prompt_text,
                                          "action_text": line, "label": task.to_json()}))
        return outs

    outs = asyncio.run(episode())
    assert [o["done"] for o in outs] == [False] * (len(outs) - 1) + [True]
    assert set(outs[-1]) == {"rewards", "scores", "environment_feedback", "done",
                             "sampling_params", "extra_logs"}
    assert list(outs[-1]["scores"]) == [1.0]  # type: ignore[call-overload]
