"""The pool's slot bookkeeping under interleavings a real engine cannot be made to produce on
demand: one slot's starts failing while another's succeed, removals still queued at close.

The engine is replaced at the pool's seams only (`RunnerContainer.start`, the image check, the
reaper's listing); the faults themselves are exercised against the real engine in
test_sandbox_faults.py.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from rlvr_gym.sandboxes import pool as pool_module
from rlvr_gym.sandboxes.pool import DockerSandboxPool


class _Channel:
    stderr_tail = b""

    def lost(self) -> bool:
        return False

    def close(self) -> None:
        pass


class _Container:
    """Stands in for a started container; counts its removal."""

    made = 0

    def __init__(self, removed: set[str], remove_s: float = 0.0) -> None:
        _Container.made += 1
        self.id = f"stand-in-{_Container.made}"
        self.channel = _Channel()
        self.runs = 0
        self._removed = removed
        self._remove_s = remove_s

    def remove(self) -> None:
        time.sleep(self._remove_s)
        self._removed.add(self.id)


class _Engine:
    """Just what the pool asks of a client before it starts containers."""

    class images:  # the attribute names of docker.DockerClient
        @staticmethod
        def get(name: str) -> Any:
            return type("Image", (), {"labels": {}})()

    class containers:
        @staticmethod
        def list(**filters: Any) -> list[Any]:
            return []


def _until(condition: Any, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_slot_whose_starts_failed_is_refilled_after_another_slot_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    removed: set[str] = set()
    attempts = {"n": 0}
    lock = threading.Lock()

    def start(client: Any, spec: Any, timeout: float) -> _Container:
        with lock:
            attempts["n"] += 1
            first = attempts["n"] == 1
        if first:
            raise RuntimeError("the engine hiccuped")  # slot A: its one attempt fails
        time.sleep(0.5)  # slot B starts after A failed, which clears the pool's start error
        return _Container(removed)

    monkeypatch.setattr(pool_module, "START_ATTEMPTS", 1)
    monkeypatch.setattr(pool_module, "RESTART_AFTER_S", 0.2)
    monkeypatch.setattr(pool_module.RunnerContainer, "start", staticmethod(start))
    with DockerSandboxPool(size=2, client=_Engine()) as pool:  # type: ignore[arg-type]
        assert _until(lambda: len(pool.container_ids()) == 1 and pool._starting == 0)
        assert pool._start_error is None

        def run_once() -> bool:  # what run() does: take a container, topping the pool up
            pool._idle.put(pool._take())
            return len(pool.container_ids()) == 2

        assert _until(run_once)


def test_a_discarded_container_is_replaced_once_not_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    removed: set[str] = set()
    monkeypatch.setattr(pool_module.RunnerContainer, "start",
                        staticmethod(lambda client, spec, timeout: _Container(removed)))
    with DockerSandboxPool(size=2, client=_Engine()) as pool:  # type: ignore[arg-type]
        pool.wait_until_warm()
        victim = pool._take()
        pool._discard(victim, "an anomaly")
        pool._top_up()  # between the discard and the replacement's start: nothing to add
        assert _until(lambda: victim.id in removed and pool._starting == 0)
        assert len(pool.container_ids()) == 2


def test_close_removes_containers_whose_removal_was_still_queued(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    removed: set[str] = set()
    made: list[_Container] = []

    def start(client: Any, spec: Any, timeout: float) -> _Container:
        if len(made) >= 2:
            time.sleep(2.0)  # replacements are slow: the removals wait behind them
        made.append(_Container(removed, remove_s=0.5))
        return made[-1]

    monkeypatch.setattr(pool_module.RunnerContainer, "start", staticmethod(start))
    pool = DockerSandboxPool(size=2, client=_Engine())  # type: ignore[arg-type]
    pool.wait_until_warm()
    first, second = pool._take(), pool._take()
    pool._discard(first, "an anomaly")
    pool._discard(second, "an anomaly")
    time.sleep(0.2)
    pool.close()
    assert {c.id for c in made} <= removed


def test_a_cpu_limit_kill_is_told_from_a_wall_clock_timeout() -> None:
    import signal

    from rlvr_gym.sandboxes import ExecResult, Limits
    from rlvr_gym.sandboxes.pool import _cpu_limit_reached

    limits = Limits(cpu_s=2.0)
    assert _cpu_limit_reached(ExecResult(None, signal=signal.SIGXCPU, timed_out=True), limits)
    assert _cpu_limit_reached(ExecResult(None, signal=signal.SIGKILL, cpu_s=1.99,
                                         timed_out=True), limits)
    assert not _cpu_limit_reached(ExecResult(None, signal=signal.SIGKILL, cpu_s=0.1,
                                             timed_out=True), limits)  # the wall clock's kill
