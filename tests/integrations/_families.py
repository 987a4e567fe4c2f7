"""Test-only batch families, imported in the scoring workers through ``preload``."""

from __future__ import annotations

import os

from rlvr_gym.core.errors import InfrastructureError
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.integrations.batch import BatchOptions, register_batch_verifier


class _Unreachable:
    def verify(self, task: Task, response: str) -> Verdict:
        raise InfrastructureError("the backend is unreachable")


class _Dying:
    def verify(self, task: Task, response: str) -> Verdict:
        os._exit(3)


def _unreachable(options: BatchOptions) -> _Unreachable:
    return _Unreachable()


def _dying(options: BatchOptions) -> _Dying:
    return _Dying()


register_batch_verifier("unreachable", _unreachable)
register_batch_verifier("dying", _dying)
