"""gVisor's Sentry wears out a container: when the pool should replace one after a run.

Under gVisor (runsc, ptrace platform) the container's host pids cgroup holds the Sentry's threads,
and the Sentry keeps host threads of processes it ran after they are gone (measured: 53 host
pids idle, 110 after 30 small runs, about 400 more after each fork bomb capped at 32 processes).
A Sentry that reaches the container's pids limit dies with the container, which would turn the
next, innocent run into an infrastructure error. So a gVisor container is replaced after a run
that was killed (a timeout, a signal: the fork bombs' end) and, where the host's cgroup files are
readable, once its host pids pass half of its limit.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from rlvr_gym.sandboxes.base import ExecResult

# Where Docker puts a container's pids cgroup: cgroup v1 with the cgroupfs or systemd driver, and
# cgroup v2 with either driver.
_PIDS_CURRENT = (
    "/sys/fs/cgroup/pids/docker/{id}/pids.current",
    "/sys/fs/cgroup/pids/system.slice/docker-{id}.scope/pids.current",
    "/sys/fs/cgroup/system.slice/docker-{id}.scope/pids.current",
    "/sys/fs/cgroup/docker/{id}/pids.current",
)


def host_pids(container_id: str) -> int | None:
    """Host processes and threads in the container's pids cgroup, or None when this host cannot
    read it (a remote engine, another cgroup layout)."""
    for pattern in _PIDS_CURRENT:
        with contextlib.suppress(OSError, ValueError):
            return int(Path(pattern.format(id=container_id)).read_text().strip())
    return None


def worn_out(container_id: str, result: ExecResult, pids_limit: int) -> str | None:
    """Why a gVisor container should not take another run after `result`, or None."""
    if result.timed_out or result.oom_killed or result.signal is not None:
        return ("a gVisor container is replaced after a run that was killed: its Sentry keeps "
                "host threads of the processes it ran")
    used = host_pids(container_id)
    if used is not None and used > pids_limit // 2:
        return f"its gVisor Sentry holds {used} host pids of the container's {pids_limit}"
    return None
