"""The client and the pool over real pipes and real processes: a replaying REPL stands in."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from lean_fixtures import replay_command, repls_with, wait_until

from rlvr_gym.core.errors import (
    LeanCrashed,
    LeanHeaderError,
    LeanMemoryExceeded,
    LeanTimeout,
    StaleProofStateError,
)
from rlvr_gym.core.procfs import is_running, pids_with
from rlvr_gym.lean.client import ReplClient
from rlvr_gym.lean.pool import ReplPool
from rlvr_gym.lean.types import CommandResult, LeanBackend, TacticResult

HEADER = "import Lean"
THEOREM = "theorem foo (x : Int) : x = x := by sorry"


@pytest.fixture
def label() -> str:
    return f"rlvr-test-{uuid.uuid4().hex}"


@pytest.fixture
def log(tmp_path: Path) -> Path:
    return tmp_path / "requests.jsonl"


def _requests(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def pool(label: str, log: Path) -> Iterator[ReplPool]:
    command = replay_command("--label", label, "--log", str(log), "--stall-on", "STALL",
                             "--crash-on", "CRASH", "--hog-on", "HOG")
    with ReplPool(command, timeout_s=2.0, memory_bytes=300 * 1024**2,
                  requests_per_process=100) as pool:
        yield pool
    assert wait_until(lambda: not pids_with(label), 5.0), "a REPL outlived its pool"


# -- the client ---------------------------------------------------------------------------------

def test_the_client_runs_commands_and_tactics_over_the_protocol(label: str) -> None:
    with ReplClient(replay_command("--label", label)) as client:
        opened = client.command("def f : Nat := by sorry", timeout_s=10)
        assert isinstance(opened, CommandResult) and opened.env == 0
        state = opened.sorries[0].proof_state
        assert state is not None
        step = client.tactic("apply Int.natAbs", state, timeout_s=10)
        assert isinstance(step, TacticResult) and step.goals == ("⊢ Int",)
        done = client.tactic("exact -37", state, timeout_s=10)
        assert done.error is not None  # recorded only after apply Int.natAbs, on another state
        assert client.tactic("exact 42", 99, timeout_s=10).error == "Unknown proof state."
        assert client.command("def f : Nat := by sorry", env=7, timeout_s=10).error == (
            "Unknown environment.")
    assert not pids_with(label)


def test_the_client_pickles_and_unpickles(tmp_path: Path, label: str) -> None:
    with ReplClient(replay_command("--label", label)) as client:
        client.command("import Lean", timeout_s=10)
        opened = client.command("def f : Nat := by sorry", env=0, timeout_s=10)
        state = opened.sorries[0].proof_state
        assert state is not None
        path = str(tmp_path / "c.olean")
        saved = client.pickle_proof_state(state, path, timeout_s=10)
        assert saved.goals == ("⊢ Nat",)
        loaded = client.unpickle_proof_state(path, timeout_s=10)
        assert loaded.proof_state is not None and loaded.goals == ("⊢ Nat",)
        assert client.tactic("have t : Nat := 42", loaded.proof_state, timeout_s=10).goals == (
            "t : Nat\n⊢ Nat",)
        assert client.pickle_env(1, str(tmp_path / "e.olean"), timeout_s=10).env == 1
        assert client.unpickle_env(str(tmp_path / "e.olean"), timeout_s=10).env is not None


def test_a_stalled_request_kills_the_client_at_its_limit(label: str) -> None:
    with ReplClient(replay_command("--label", label, "--stall-on", "STALL")) as client:
        started = time.monotonic()
        with pytest.raises(LeanTimeout):
            client.command("-- STALL", timeout_s=1.0)
        assert time.monotonic() - started < 3.0
        assert not client.alive
        assert wait_until(lambda: not pids_with(label), 3.0)


def test_a_crash_mid_answer_raises_lean_crashed(label: str) -> None:
    with ReplClient(replay_command("--label", label, "--crash-on", "CRASH")) as client:
        with pytest.raises(LeanCrashed, match="exit status 3"):
            client.command("-- CRASH", timeout_s=10)
        assert not client.alive


def test_a_missing_repl_binary_is_reported_as_a_crash_with_the_reason() -> None:
    with ReplClient(["/nonexistent/repl"]) as client, pytest.raises(LeanCrashed,
                                                                     match="cannot start"):
        client.command("def f := 1", timeout_s=10)


# -- the pool -----------------------------------------------------------------------------------

def test_the_header_is_sent_once_per_process_and_its_env_reused(pool: ReplPool,
                                                               log: Path) -> None:
    for _ in range(3):
        result = pool.check(THEOREM, HEADER)
        assert result.env is not None and not result.errors
    requests = [json.loads(str(r["request"])) for r in _requests(log)]
    assert [r["cmd"] for r in requests].count(HEADER) == 1
    assert "env" not in requests[0]
    assert all(r.get("env") == 0 for r in requests[1:])


def test_each_header_gets_its_own_process(pool: ReplPool) -> None:
    pool.check(THEOREM, HEADER)
    pool.check("def f : Nat := by sorry", "")
    assert len(pool.process_pids()) == 2


def test_a_stalled_repl_is_killed_at_the_limit_and_replaced(pool: ReplPool, label: str) -> None:
    pool.check(THEOREM, HEADER)
    (first,) = pool.process_pids()
    started = time.monotonic()
    with pytest.raises(LeanTimeout):
        pool.check("-- STALL", HEADER)
    assert time.monotonic() - started < 4.0
    assert not is_running(first)
    assert wait_until(lambda: len(pool.process_pids()) == 1, 5.0), "no replacement started"
    assert pool.process_pids() != [first]
    assert not pool.check(THEOREM, HEADER).has_errors
    assert pool.restarts == 1
    assert len(repls_with(label)) == 1  # only the replacement's REPL


def test_a_crashed_repl_is_restarted(pool: ReplPool) -> None:
    pool.check(THEOREM, HEADER)
    (first,) = pool.process_pids()
    with pytest.raises(LeanCrashed):
        pool.check("-- CRASH", HEADER)
    result = pool.check(THEOREM, HEADER)
    assert not result.has_errors
    assert pool.process_pids() and pool.process_pids() != [first]


def test_a_repl_past_its_memory_limit_is_killed(pool: ReplPool) -> None:
    with pytest.raises(LeanMemoryExceeded):
        pool.check("-- HOG", HEADER, timeout_s=20)
    assert not pool.check(THEOREM, HEADER).has_errors


def test_processes_are_recycled_after_n_requests(label: str, log: Path) -> None:
    with ReplPool(replay_command("--label", label, "--log", str(log)),
                  requests_per_process=2) as pool:
        pids = []
        for _ in range(5):
            pool.check(THEOREM, HEADER)
            pids.extend(pool.process_pids())
        assert len(set(pids)) == 3  # 2 + 2 + 1 requests
        by_process: dict[object, list[str]] = {}
        for entry in _requests(log):
            by_process.setdefault(entry["pid"], []).append(str(entry["request"]))
        assert [len(r) for r in by_process.values()] == [3, 3, 2]  # each: header + proofs
    assert wait_until(lambda: not pids_with(label), 5.0)


def test_tactic_mode_follows_the_owning_process(pool: ReplPool) -> None:
    opened = pool.start(THEOREM, HEADER)
    (handle,) = opened.handles
    split = pool.apply(handle, "by_cases h : x < 0")
    assert len(split.goals) == 2
    closed = pool.apply(split, "case pos => rfl")
    assert closed.goals == ("case neg\nx : Int\nh : ¬x < 0\n⊢ x = x",)


def test_a_handle_into_a_restarted_process_is_stale(pool: ReplPool) -> None:
    (handle,) = pool.start(THEOREM, HEADER).handles
    with pytest.raises(LeanCrashed):
        pool.check("-- CRASH", HEADER)
    with pytest.raises(StaleProofStateError, match="restarted or recycled"):
        pool.apply(handle, "by_cases h : x < 0")


def test_a_header_that_does_not_elaborate_is_a_configuration_error(pool: ReplPool) -> None:
    with pytest.raises(LeanHeaderError, match="does not elaborate"):
        pool.check(THEOREM, "def broken := (")


def test_close_leaves_no_process_behind(label: str) -> None:
    pool = ReplPool(replay_command("--label", label), processes_per_header=2)
    pool.warm_up(HEADER)
    pool.check("def f : Nat := by sorry")
    guards = pool.process_pids()
    assert len(guards) == 3 and len(repls_with(label)) == 3
    pool.close()
    assert not [pid for pid in guards if is_running(pid)]
    assert wait_until(lambda: not pids_with(label), 5.0)


_CHILD = textwrap.dedent("""
    import sys, time
    from rlvr_gym.lean.pool import ReplPool
    pool = ReplPool({command!r})
    pool.check("def f : Nat := by sorry", "import Lean")
    print("ready", flush=True)
    if sys.argv[1] == "sleep":
        time.sleep(600)
""")


def _child(label: str, mode: str) -> subprocess.Popen[str]:
    script = _CHILD.format(command=replay_command("--label", label))
    child = subprocess.Popen([sys.executable, "-c", script, mode], stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def test_a_killed_python_parent_leaves_no_repl_behind(label: str) -> None:
    child = _child(label, "sleep")
    assert len(repls_with(label)) == 1
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert wait_until(lambda: not pids_with(label), 5.0), "the REPL outlived a killed parent"


def test_a_python_that_exits_without_closing_leaves_no_repl_behind(label: str) -> None:
    child = _child(label, "exit")
    assert child.wait(timeout=10) == 0
    assert wait_until(lambda: not pids_with(label), 5.0)


def test_the_pool_is_a_lean_backend(pool: ReplPool) -> None:
    assert isinstance(pool, LeanBackend)


def test_concurrent_callers_share_a_headers_processes(label: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ReplPool(replay_command("--label", label), processes_per_header=2) as pool:
        with ThreadPoolExecutor(max_workers=8) as executor:
            results = list(executor.map(lambda _: pool.check(THEOREM, HEADER), range(24)))
        assert all(r.env is not None and not r.errors for r in results)
        assert len(pool.process_pids()) == 2
