"""Find and remove sandbox containers whose owning process is gone.

Every container a pool starts is labelled ``rlvr-gym.sandbox=1`` and
``rlvr-gym.sandbox.owner=HOST:PID:START`` (START: the process's start time, so a pid reused by
another process does not keep a dead pool's containers alive). A pool reaps stale containers of
its own host when it starts; `rlvr sandbox reap` does it by hand (``--all``: every sandbox
container, live pools' too).
"""

from __future__ import annotations

import os
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from rlvr_gym.core import procfs
from rlvr_gym.sandboxes.engine import OWNER_LABEL, SANDBOX_LABEL, connect

if TYPE_CHECKING:
    import docker


def _start_time(pid: int) -> str | None:
    """The start time of `pid` in clock ticks since boot, "?" without /proc, None if it has
    exited (gone, or a zombie its parent has not waited for)."""
    stat = procfs.read_stat(pid)
    if stat is None:  # gone, or /proc unreadable (another OS, a hidden pid): then "?"
        return "?" if os.path.exists(f"/proc/{pid}") or not os.path.isdir("/proc") else None
    return stat.start if stat.running else None


def owner_identity(pid: int | None = None) -> str:
    """``HOST:PID:START`` of process `pid` (default: this one)."""
    pid = os.getpid() if pid is None else pid
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '?'}"


def owner_is_gone(owner: str) -> bool:
    """Whether the process named by an owner label has exited. Owners on another host are
    never judged gone (their pids mean nothing here)."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False
    host, pid, start = parts[0], int(parts[1]), parts[2]
    if host != socket.gethostname():
        return False
    current = _start_time(pid)
    if current is None:
        return True
    if current == "?" or start == "?":
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return current != start


def reap(client: docker.DockerClient | None = None, *, everything: bool = False) -> list[str]:
    """Remove the sandbox containers whose owner is gone (all of them with `everything`);
    returns their names."""
    client = client or connect()
    # ignore_removed: another process may remove a listed container before it is inspected
    containers = client.containers.list(all=True, filters={"label": f"{SANDBOX_LABEL}=1"},
                                        ignore_removed=True)
    doomed = [c for c in containers
              if everything or owner_is_gone(c.labels.get(OWNER_LABEL, ""))]
    if not doomed:
        return []
    from rlvr_gym.sandboxes.container import remove_quietly

    with ThreadPoolExecutor(max_workers=min(8, len(doomed))) as workers:
        list(workers.map(remove_quietly, doomed))
    return [str(c.name) for c in doomed]
