"""The faults the soak injects, how it picks their targets, and how it attributes their damage.

Every target belongs to the soak's own scoring child (its process tree, or a container whose
owner label names one of its workers); nothing else on the machine is touched.
"""

from __future__ import annotations

import os
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from soak_procs import Engine, Tree, container_pids

PAUSE_S = 4.0  # a container paused briefly, then resumed
CUT_S = 3.0  # the Docker socket unreachable

# kind -> (the families whose rows it can touch, what it does)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "container_kill": (("code",), "a sandbox container killed (docker kill)"),
    "container_pause": (("code",), f"a sandbox container paused for {PAUSE_S:g} s"),
    "container_pause_left": (("code",), "a sandbox container paused and left paused"),
    "socket_cut": (("code",), f"the Docker socket unreachable for {CUT_S:g} s (proxy cut)"),
    "repl_kill": (("lean",), "a Lean REPL process killed (SIGKILL)"),
    "worker_kill": (("math", "code", "lean"), "a scoring worker process killed (SIGKILL)"),
    "math_worker_kill": (("math",), "a math worker process killed (SIGKILL)"),
    "scorer_kill": (("math", "code", "lean"),
                    "the `rlvr score` process killed (SIGKILL) and restarted"),
}

# Words of an infrastructure error's text -> the fault kinds that cause it (first match wins).
INFRA_CAUSES: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    (("frozen", "paused", "did not answer in time"), ("container_pause", "container_pause_left")),
    (("scoring worker died",), ("worker_kill",)),
    (("lean", "repl"), ("repl_kill",)),
    (("worker process", "zygote", "workercrashed"), ("math_worker_kill",)),
    (("cannot reach the docker engine", "connection", "cannot start"), ("socket_cut",)),
    (("channel closed", "died", "sandbox container"), ("container_kill", "socket_cut")),
]


def causes(infra_error: str) -> tuple[str, ...]:
    text = infra_error.lower()
    for words, kinds in INFRA_CAUSES:
        if any(w in text for w in words):
            return kinds
    return ()


@dataclass
class Fault:
    """One injected fault: when (seconds since the soak started), what, on which target."""

    kind: str
    t: float
    target: str
    round: int
    rows_before: int  # result rows seen before it (global order)
    families: tuple[str, ...]
    ended_t: float | None = None  # when a timed fault was undone (unpause, restore)
    recovery_s: float | None = None
    recovered_in: str = ""  # "same process" or "next round"
    infra_rows: int = 0
    replaced_s: float | None = None  # container_pause_left: when the pool got rid of it
    baseline: int | None = None  # how many of what it struck ran before (see `census`)
    restored_s: float | None = None  # when as many ran again
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "t": round(self.t, 2), "target": self.target,
                "round": self.round, "rows_before": self.rows_before,
                "ended_t": None if self.ended_t is None else round(self.ended_t, 2),
                "recovery_s": None if self.recovery_s is None else round(self.recovery_s, 2),
                "recovered_in": self.recovered_in, "infra_rows": self.infra_rows,
                "replaced_s": None if self.replaced_s is None else round(self.replaced_s, 2),
                "baseline": self.baseline,
                "restored_s": None if self.restored_s is None else round(self.restored_s, 2),
                "notes": self.notes}


def census(kind: str, tree: Tree, engine: Engine) -> int | None:
    """How many of what `kind` strikes are running (None: not counted for this kind): the pool
    has recovered when the count is back where it was before the fault."""
    if kind in ("container_kill", "container_pause", "container_pause_left"):
        return sum(1 for c in engine.owned(tree.owners()) if c.status == "running")
    if kind == "repl_kill":
        return len(tree.repls)
    if kind == "math_worker_kill":
        return len(tree.math_workers)
    if kind in ("worker_kill", "scorer_kill"):
        return len(tree.workers)
    return None


class Schedule:
    """Kinds in turn: each cycle is every enabled kind once, in a seeded order; a kind that
    found no target goes to the back of the queue and comes again."""

    def __init__(self, kinds: list[str], seed: int) -> None:
        self.kinds = kinds
        self.random = random.Random(seed)
        self.queue: list[str] = []

    def next(self, allowed: Callable[[str], bool] = lambda kind: True) -> str | None:
        """The first kind in the queue that `allowed` accepts now (None: none does)."""
        if not self.queue:
            cycle = list(self.kinds)
            self.random.shuffle(cycle)
            self.queue = cycle
        return next((kind for kind in self.queue if allowed(kind)), None)

    def done(self, kind: str) -> None:
        self.queue.remove(kind)

    def postpone(self, kind: str) -> None:
        self.queue.remove(kind)
        self.queue.append(kind)


def rows_needed(kind: str, round_rows: int) -> int:
    """Rows a round must still have to score for `kind` to be injected in it: enough for its
    damage and its recovery to show in the same `rlvr score` process. While the engine is
    unreachable every code row fails at once, so a socket cut can use up the rest of a round
    in a few seconds: it is injected in the first half of a round only."""
    if kind == "socket_cut":
        return max(64, round_rows // 2)
    return max(48, round_rows // 3)


Action = Callable[[], None]


class Injector:
    """Finds a target for a kind in the current tree and strikes it.

    `strike(kind, tree)` returns ``(target description, undo action or None, undo delay)`` or
    None when there is no target now (no container started yet, no REPL yet, ...).
    """

    def __init__(self, engine: Engine, proxy: Any, seed: int) -> None:
        self.engine = engine
        self.proxy = proxy
        self.random = random.Random(seed + 1)
        self.left_paused: list[Any] = []
        self.failures: list[str] = []

    def _containers(self, tree: Tree) -> list[Any]:
        running = [c for c in self.engine.owned(tree.owners()) if c.status == "running"]
        busy = [c for c in running if container_pids(c.id) > 2]
        return busy or running

    def strike(self, kind: str, tree: Tree) -> tuple[str, Action | None, float] | None:
        if kind in ("container_kill", "container_pause", "container_pause_left"):
            containers = self._containers(tree)
            if not containers:
                return None
            container = self.random.choice(containers)
            target = f"container {container.id[:12]} (pids {container_pids(container.id)})"
            try:
                if kind == "container_kill":
                    container.kill()
                    return target, None, 0.0
                container.pause()
            except Exception as exc:  # gone meanwhile, or the engine did not answer in time
                self.failures.append(f"{kind} on {container.id[:12]}: {exc!r}"[:300])
                return None
            if kind == "container_pause_left":
                self.left_paused.append(container)
                return target, None, 0.0
            return target, container.unpause, PAUSE_S
        if kind == "socket_cut":
            self.proxy.cut()
            return f"proxy {self.proxy.path}", self.proxy.restore, CUT_S
        pids = {"repl_kill": tree.repls, "worker_kill": tree.workers,
                "math_worker_kill": tree.math_workers, "scorer_kill": [tree.main]}[kind]
        if not pids:
            return None
        pid = self.random.choice(pids)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return f"pid {pid}", None, 0.0
