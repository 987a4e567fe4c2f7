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
import time
from pathlib import Path
from typing import TYPE_CHECKING

from rlvr_gym.sandboxes.base import ExecResult
from rlvr_gym.sandboxes.container import remove_quietly
from rlvr_gym.sandboxes.engine import OWNER_LABEL, SANDBOX_LABEL
from rlvr_gym.sandboxes.reap import owner_identity

if TYPE_CHECKING:
    import docker

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


def boot_problem(client: docker.DockerClient, runtime: str, image: str,
                 attempts: int = 3, timeout_s: float = 60.0) -> str | None:
    """Why `runtime` cannot start a container of `image` on this machine, or None when it can.

    Registering runsc with the engine does not prove it can boot a sandbox here: the Sentry needs
    kernel features (ptrace, seccomp filters, memory file mappings) that some hosts restrict, and
    then every start fails with the engine's "cannot create sandbox". This starts a container that
    runs `true`, `attempts` times before giving up (a boot can fail once under load)."""
    import docker
    import requests

    problem = "not tried"
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.5 * attempt)
        container = None
        try:
            container = client.containers.create(  # labelled as ours: reaped if we die here
                image, ["true"], runtime=runtime, network_disabled=True,
                labels={SANDBOX_LABEL: "1", OWNER_LABEL: owner_identity()},
            )
            container.start()
            status = container.wait(timeout=timeout_s).get("StatusCode")
            if status == 0:
                return None
            problem = f"`true` exited with {status} under {runtime}"
        except docker.errors.DockerException as exc:
            problem = str(getattr(exc, "explanation", None) or exc)
        except requests.exceptions.RequestException as exc:  # the wait's read timeout
            problem = f"no answer from a container under {runtime} within {timeout_s:g} s ({exc})"
        finally:
            if container is not None:
                with contextlib.suppress(docker.errors.DockerException):
                    remove_quietly(container)
    return problem
