from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rlvr_gym.core.errors import VerifierTimeout, WorkerCrashed
from rlvr_gym.core.isolation import RemoteError, WorkerPool


@pytest.fixture(scope="module")
def pool() -> WorkerPool:
    with WorkerPool(max_workers=2) as workers:
        workers.warm_up()
        yield workers  # type: ignore[misc]


def test_call_returns_the_function_result(pool: WorkerPool) -> None:
    assert pool.call("math", "factorial", 6, timeout_s=2) == 720


def test_a_call_past_its_limit_raises_within_the_limit(pool: WorkerPool) -> None:
    started = time.monotonic()
    with pytest.raises(VerifierTimeout):
        pool.call("time", "sleep", 30, timeout_s=0.3)
    assert time.monotonic() - started < 0.3 + 0.5


def test_the_limit_holds_from_a_thread(pool: WorkerPool) -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            pool.call("time", "sleep", 30, timeout_s=0.3)
        except VerifierTimeout:
            outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)
    assert float(outcome["elapsed"]) < 0.8  # type: ignore[arg-type]


def test_the_pool_recovers_after_a_timeout(pool: WorkerPool) -> None:
    with pytest.raises(VerifierTimeout):
        pool.call("time", "sleep", 30, timeout_s=0.2)
    assert pool.call("operator", "add", 2, 3, timeout_s=30) == 5


def test_an_exception_inside_comes_back_by_name(pool: WorkerPool) -> None:
    with pytest.raises(RemoteError) as caught:
        pool.call("math", "sqrt", -1, timeout_s=2)
    assert caught.value.kind == "ValueError"
    assert pool.call("math", "sqrt", 4, timeout_s=2) == 2


def test_a_memory_blow_up_is_contained() -> None:
    with WorkerPool(max_workers=1, memory_bytes=512 * 1024**2) as small:
        with pytest.raises(RemoteError) as caught:
            small.call("operator", "mul", b"x", 2 * 1024**3, timeout_s=10)
        assert caught.value.kind == "MemoryError"
        assert small.call("operator", "add", 1, 1, timeout_s=30) == 2


def test_a_worker_killed_mid_call_is_a_crash_not_a_timeout() -> None:
    with WorkerPool(max_workers=1) as single:
        single.warm_up()
        worker = single._idle.get()
        single._idle.put(worker)
        threading.Timer(0.3, os.kill, args=(worker.pid, signal.SIGKILL)).start()
        started = time.monotonic()
        with pytest.raises(WorkerCrashed):
            single.call("time", "sleep", 30, timeout_s=60)
        assert time.monotonic() - started < 5  # seen at the death, not at the limit
        assert single.call("operator", "add", 1, 1, timeout_s=30) == 2


def test_a_worker_that_died_while_idle_is_replaced_not_blamed() -> None:
    with WorkerPool(max_workers=1) as single:
        single.warm_up()
        worker = single._idle.get()
        single._idle.put(worker)
        os.kill(worker.pid, signal.SIGKILL)
        wait_until_gone(worker.pid)
        assert single.call("operator", "add", 1, 1, timeout_s=30) == 2


def test_close_leaves_no_worker_process() -> None:
    single = WorkerPool(max_workers=2)
    single.warm_up()
    pids = [w.pid for w in list(single._all)]
    assert single._zygote is not None
    pids.append(single._zygote.process.pid)
    single.close()
    assert all(wait_until_gone(pid) for pid in pids)


def test_consecutive_timeouts_never_leave_the_next_call_waiting(pool: WorkerPool) -> None:
    for _ in range(4):
        with pytest.raises(VerifierTimeout):
            pool.call("time", "sleep", 30, timeout_s=0.1)
        started = time.monotonic()
        assert pool.call("operator", "add", 1, 2, timeout_s=5) == 3
        assert time.monotonic() - started < 0.5


def test_a_killed_parent_leaves_no_worker_behind(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, time\n"
        "from rlvr_gym.core.isolation import WorkerPool\n"
        "pool = WorkerPool(max_workers=2)\n"
        "pool.warm_up()\n"
        "pids = [w.pid for w in pool._all] + [pool._zygote.process.pid]\n"
        "print(' '.join(map(str, pids)), flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    pids = [int(p) for p in parent.stdout.readline().split()]
    assert len(pids) == 3
    parent.kill()
    parent.wait()
    assert all(wait_until_gone(pid) for pid in pids)


def wait_until_gone(pid: int, timeout_s: float = 10.0) -> bool:
    """True once no process has `pid` (zombies count as gone)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().split(") ", 1)[1].startswith("Z"):
                    return True
        except (FileNotFoundError, ProcessLookupError):
            return True
        time.sleep(0.02)
    return False


def test_a_huge_time_limit_means_no_limit_not_an_overflow(pool: WorkerPool) -> None:
    assert pool.call("operator", "add", 1, 2, timeout_s=1e308) == 3
