"""What the soak watches: the `rlvr score` child's process tree, its sandbox containers, memory.

Processes are read from /proc (no psutil). The tree of one scoring child::

    rlvr score (main)
      |- multiprocessing resource tracker
      |- scoring worker (multiprocessing spawn_main), one per --workers
           |- math zygote (rlvr_gym.core._worker_main)
           |    |- math workers (forked from the zygote)
           |- Lean guard (rlvr_gym/lean/_guard.py)
                |- Lean REPL (the replay REPL, or a real one)

A worker tree's memory is the sum of PSS (proportional set size: a page shared by n processes
counts 1/n in each, so forked math workers are not counted twice) over the worker and every
process below it. Sandbox containers are found by their owner label (the scoring worker that
started them) and measured from their memory cgroup.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rlvr_gym.core import procfs

MIB = 1024 * 1024
SANDBOX_LABEL = "rlvr-gym.sandbox"
OWNER_LABEL = "rlvr-gym.sandbox.owner"


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    start: str  # start time in clock ticks since boot (with the pid: one process, ever)
    state: str
    cmd: str


def scan() -> dict[int, Proc]:
    """Every live (non-zombie) process."""
    found: dict[int, Proc] = {}
    for stat in procfs.processes():
        argv = procfs.cmdline(stat.pid)
        if not stat.running or argv is None:
            continue
        cmd = b" ".join(argv).decode("utf-8", "replace").strip()
        found[stat.pid] = Proc(stat.pid, stat.ppid, stat.start, stat.state, cmd)
    return found


def alive(pid: int, start: str) -> bool:
    """Whether process `pid` that started at `start` still runs (a zombie does not)."""
    stat = procfs.read_stat(pid)
    return stat is not None and stat.start == start and stat.running


def _kib_field(path: str, name: str) -> int | None:
    """Bytes of the ``NAME:  N kB`` line of a /proc file, None without one (OSError passes)."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    return None


def rss_bytes(pid: int) -> int | None:
    try:
        return _kib_field(f"/proc/{pid}/status", "VmRSS:") or 0
    except OSError:
        return None


def pss_bytes(pid: int) -> int | None:
    """PSS from smaps_rollup (RSS where the kernel has none)."""
    try:
        pss = _kib_field(f"/proc/{pid}/smaps_rollup", "Pss:")
    except OSError:
        pss = None
    return pss if pss is not None else rss_bytes(pid)


def become_subreaper() -> bool:
    """Orphans of our children are reparented to us (not to a PID 1 that may never reap them),
    so the processes a killed scorer leaves behind can be seen, killed and reaped."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(36, 1, 0, 0, 0)) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def reap_zombies(keep: set[int]) -> None:
    """Reap our zombie children except `keep` (the Popen children, which reap themselves)."""
    me = os.getpid()
    for stat in procfs.processes():
        if stat.pid not in keep and stat.state == "Z" and stat.ppid == me:
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(stat.pid, os.WNOHANG)


@dataclass
class Tree:
    """The scoring child's processes at one moment, by role."""

    main: int
    workers: list[int] = field(default_factory=list)
    zygotes: list[int] = field(default_factory=list)
    math_workers: list[int] = field(default_factory=list)
    guards: list[int] = field(default_factory=list)
    repls: list[int] = field(default_factory=list)
    worker_of: dict[int, int] = field(default_factory=dict)  # pid -> its scoring worker
    pids: dict[int, str] = field(default_factory=dict)  # every pid of the tree -> start time

    def owners(self) -> set[str]:
        """The container owner labels of this tree's scoring workers."""
        host = socket.gethostname()
        return {f"{host}:{pid}:{self.pids[pid]}" for pid in self.workers}


def scorer_tree(procs: dict[int, Proc], main: int) -> Tree:
    kids: dict[int, list[int]] = {}
    for proc in procs.values():
        kids.setdefault(proc.ppid, []).append(proc.pid)
    tree = Tree(main)
    if main not in procs:
        return tree
    tree.pids[main] = procs[main].start

    def walk(pid: int, worker: int) -> None:
        for child in kids.get(pid, []):
            proc = procs[child]
            tree.pids[child] = proc.start
            tree.worker_of[child] = worker
            parent = procs.get(pid)
            if "_worker_main" in proc.cmd:
                if parent is not None and "_worker_main" in parent.cmd:
                    tree.math_workers.append(child)
                else:
                    tree.zygotes.append(child)
            elif "_guard.py" in proc.cmd:
                tree.guards.append(child)
            elif parent is not None and "_guard.py" in parent.cmd:
                tree.repls.append(child)
            walk(child, worker)

    for child in kids.get(main, []):
        proc = procs[child]
        tree.pids[child] = proc.start
        if "spawn_main" in proc.cmd:
            tree.workers.append(child)
            tree.worker_of[child] = child
            walk(child, child)
    return tree


def container_memory(container_id: str) -> int | None:
    """Memory charged to a container's cgroup (v1, else v2), None when not readable."""
    for path in (f"/sys/fs/cgroup/memory/docker/{container_id}/memory.usage_in_bytes",
                 f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/memory.current"):
        with contextlib.suppress(OSError, ValueError):
            return int(Path(path).read_text().strip())
    return None


def container_pids(container_id: str) -> int:
    """Processes in a container (init and the agent are 2: more means a run is going on)."""
    for path in (f"/sys/fs/cgroup/pids/docker/{container_id}/pids.current",
                 f"/sys/fs/cgroup/system.slice/docker-{container_id}.scope/pids.current"):
        with contextlib.suppress(OSError, ValueError):
            return int(Path(path).read_text().strip())
    return 0


class Engine:
    """The real Docker engine (never the proxy): the soak's own view, for faults and sampling."""

    def __init__(self, timeout_s: int = 20) -> None:
        import docker

        self.client = docker.from_env(timeout=timeout_s)

    def sandboxes(self) -> list[Any]:
        """Every rlvr-gym sandbox container on the engine (other users' too: filter by owner)."""
        try:
            return list(self.client.containers.list(
                all=True, filters={"label": f"{SANDBOX_LABEL}=1"}))
        except Exception:  # the SDK raises requests' errors too (a timeout)
            return []

    def owned(self, owners: set[str]) -> list[Any]:
        return [c for c in self.sandboxes() if (c.labels or {}).get(OWNER_LABEL) in owners]

    def remove(self, container: Any) -> bool:
        import docker

        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            return False
        except Exception:
            with contextlib.suppress(Exception):
                container.unpause()
            with contextlib.suppress(Exception):
                container.remove(force=True)
        return True


@dataclass
class Sample:
    """One look at the run: `t` seconds after the soak started."""

    t: float
    rows: int
    round: int
    main_rss: int | None
    worker_pss: dict[int, int]
    repl_rss: dict[int, int]
    containers: dict[str, int]
    soak_rss: int
    leaked: int  # processes of killed scorers still alive

    def to_dict(self) -> dict[str, Any]:
        return {"t": round(self.t, 2), "rows": self.rows, "round": self.round,
                "main_rss_mib": _mib(self.main_rss),
                "worker_pss_mib": {str(k): _mib(v) for k, v in self.worker_pss.items()},
                "repl_rss_mib": {str(k): _mib(v) for k, v in self.repl_rss.items()},
                "containers_mib": {k[:12]: _mib(v) for k, v in self.containers.items()},
                "soak_rss_mib": _mib(self.soak_rss), "leaked": self.leaked}


def _mib(value: int | None) -> float | None:
    return None if value is None else round(value / MIB, 1)


def sample(t: float, rows: int, round_number: int, tree: Tree, containers: list[Any],
           leaked: int) -> Sample:
    worker_pss: dict[int, int] = {}
    for worker in tree.workers:
        total = 0
        for pid, owner in tree.worker_of.items():
            if owner == worker:
                total += pss_bytes(pid) or 0
        worker_pss[worker] = total
    repl_rss = {pid: rss_bytes(pid) or 0 for pid in tree.repls}
    memory: dict[str, int] = {}
    for container in containers:
        used = container_memory(container.id)
        if used is not None:
            memory[container.id] = used
    return Sample(t, rows, round_number, rss_bytes(tree.main) if tree.pids else None,
                  worker_pss, repl_rss, memory, rss_bytes(os.getpid()) or 0, leaked)
