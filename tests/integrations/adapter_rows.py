"""Responses the adapter tests share: a task's right and wrong answers."""

from __future__ import annotations

from rlvr_gym.core.task import Task


def right(task: Task) -> str:
    return f"{task.reference['solution']}\n\\boxed{{{task.reference['answer']}}}"


def wrong(task: Task) -> str:
    return f"The answer is \\boxed{{{task.reference['answer']}+1}}."
