"""One runner container: how it is started (every isolation setting lives here) and talked to."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rlvr_gym.core.errors import SandboxError
from rlvr_gym.sandboxes.base import Limits
from rlvr_gym.sandboxes.engine import OWNER_LABEL, SANDBOX_LABEL
from rlvr_gym.sandboxes.protocol import PROTOCOL, AgentChannel, AgentProtocolError, Watchdog

if TYPE_CHECKING:
    import docker
    from docker.models.containers import Container

MiB = 1024**2
# The agent, its interpreter and init, on top of what the program may use.
AGENT_MEMORY_BYTES = 96 * MiB
AGENT_PIDS = 4
# The only capabilities the agent keeps; docs/sandbox.md says what each one is for.
AGENT_CAPABILITIES = ("SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER")
AGENT_COMMAND = ["python3", "-I", "/opt/rlvr/agent.py"]
# Under gVisor the container's cgroups hold the Sentry (the user-space kernel) and its gofer, not
# the program's processes: each sandboxed process costs the Sentry host threads (about 5 while
# it sleeps; a fork bomb capped at 32 processes peaked at 450 to 1,050 host pids in a fresh
# container on the ptrace platform, measured, and the Sentry keeps many of them afterwards: see
# `gvisor.worn_out`), and a Sentry that hits its pids cap dies with every process in it. So the
# host caps are sized for the Sentry, with a margin (4,672 for 32 processes), and the program's
# process count is capped inside by RLIMIT_NPROC, which gVisor's kernel counts per sandbox (see
# `run_request`).
GVISOR_HOST_PIDS_BASE = 64
GVISOR_HOST_PIDS_PER_PROCESS = 128
GVISOR_SENTRY_MEMORY_BYTES = 64 * MiB


@dataclass(frozen=True)
class ContainerSpec:
    """What every container of a pool is started with."""

    image: str
    limits: Limits
    owner: str
    work_bytes: int = 64 * MiB
    tmp_bytes: int = 16 * MiB
    shm_bytes: int = 16 * MiB
    work_inodes: int = 8192
    cpus: float = 1.0
    runtime: str | None = None
    gvisor: bool = False  # `runtime` is gVisor's runsc

    @property
    def pids_limit(self) -> int:
        """The container's pids cgroup limit (for gVisor, room for the Sentry's threads)."""
        pids = self.limits.pids + AGENT_PIDS
        return GVISOR_HOST_PIDS_BASE + GVISOR_HOST_PIDS_PER_PROCESS * pids if self.gvisor \
            else pids

    @property
    def memory_limit(self) -> int:
        """The container's memory (and memory+swap) limit: the program's, its folders', the
        agent's and, for gVisor, the Sentry's."""
        memory = (self.limits.memory_bytes + self.work_bytes + self.tmp_bytes + self.shm_bytes
                  + AGENT_MEMORY_BYTES)
        return memory + GVISOR_SENTRY_MEMORY_BYTES if self.gvisor else memory

    def create_options(self) -> dict[str, Any]:
        """Keyword arguments of ``containers.create``: the isolation settings."""
        memory = self.memory_limit
        return {
            "image": self.image,
            "command": AGENT_COMMAND,
            "user": "0:0",  # the agent; every run drops to uid 1000
            "stdin_open": True,  # the channel: stdin kept open, attached once
            "tty": False,
            "detach": True,
            "network_mode": "none",
            "read_only": True,
            "tmpfs": {
                "/work": f"rw,size={self.work_bytes},nr_inodes={self.work_inodes},uid=1000,"
                         "gid=1000,mode=0700,nosuid,nodev,noexec",
                "/tmp": f"rw,size={self.tmp_bytes},nr_inodes={self.work_inodes},mode=1777,"
                        "nosuid,nodev,noexec",
            },
            "ipc_mode": "private",
            "shm_size": self.shm_bytes,
            "mem_limit": memory,
            "memswap_limit": memory,  # equal: no swap
            "pids_limit": self.pids_limit,
            "nano_cpus": int(self.cpus * 1e9),
            "cap_drop": ["ALL"],
            "cap_add": list(AGENT_CAPABILITIES),
            "security_opt": ["no-new-privileges"],
            "init": True,
            "hostname": "sandbox",
            "environment": {},
            "log_config": {"Type": "none", "Config": {}},  # the channel must not fill a log file
            "labels": {SANDBOX_LABEL: "1", OWNER_LABEL: self.owner},
            "name": f"rlvr-sandbox-{os.getpid()}-{uuid.uuid4().hex[:10]}",
            **({"runtime": self.runtime} if self.runtime else {}),
        }


# How long a run waits for the engine's answer to "is this container paused or stopped?".
STATE_QUESTION_TIMEOUT_S = 2.0


def _ask_in_background(question: Callable[[], str | None]) -> Future[str | None]:
    """`question()` on a daemon thread: a future of its answer (None if it raises)."""
    answer: Future[str | None] = Future()

    def ask() -> None:
        try:
            answer.set_result(question())
        except BaseException:
            answer.set_result(None)

    threading.Thread(target=ask, name="rlvr-engine-question", daemon=True).start()
    return answer


class RunnerContainer:
    """A started container whose agent answered ``hello``."""

    def __init__(self, container: Container, channel: AgentChannel) -> None:
        self.container = container
        self.channel = channel
        self.runs = 0
        self._state_question: Future[str | None] | None = None

    @property
    def id(self) -> str:
        return str(self.container.id)

    @classmethod
    def start(cls, client: docker.DockerClient, spec: ContainerSpec,
              timeout: float) -> RunnerContainer:
        """Create and start a container, attach to its agent, and check the agent answers."""
        container = client.containers.create(**spec.create_options())
        try:
            container.start()
            raw = client.api.attach_socket(
                str(container.id), params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1},
            )
            sock = getattr(raw, "_sock", raw)
            if not isinstance(sock, socket.socket):
                raise SandboxError(
                    f"the Docker connection ({client.api.base_url}) gives no plain socket for "
                    "attach; use a local engine (unix socket or tcp)"
                )
            channel = AgentChannel(sock, keepalive=raw)
            hello = channel.request({"op": "hello"}, timeout)
            if hello.get("protocol") != PROTOCOL:
                raise AgentProtocolError(
                    f"the image's agent speaks protocol {hello.get('protocol')}, this library "
                    f"{PROTOCOL}: rebuild the image with `rlvr sandbox build`"
                )
        except BaseException:
            remove_quietly(container)
            raise
        return cls(container, channel)

    def request(self, message: Mapping[str, Any], timeout: float,
                watchdog: Watchdog | None = None) -> dict[str, Any]:
        """Send `message` to the agent and return its reply (see `AgentChannel.request`)."""
        return self.channel.request(message, timeout, watchdog)

    def why_silent(self, timeout_s: float = STATE_QUESTION_TIMEOUT_S) -> str | None:
        """Why this container's agent cannot answer, as the Docker engine sees it: paused,
        stopped, or gone. None while it runs (the agent is only slow), and None when the engine
        does not answer either, within `timeout_s`: then nothing is known, and the caller keeps
        waiting. One ``inspect`` call (a few ms), asked on a thread of its own so that a hung
        engine (the client waits 60 s) cannot hold the caller past `timeout_s`; while a
        question is unanswered the next call waits for that one instead of asking again. Never
        raises."""
        if self._state_question is None or self._state_question.done():
            self._state_question = _ask_in_background(self._engine_state)
        try:
            return self._state_question.result(timeout=timeout_s)
        except FutureTimeout:
            return None

    def _engine_state(self) -> str | None:
        import docker

        client = self.container.client
        if client is None:  # not from an engine (never so for a started container)
            return None
        try:
            state = client.api.inspect_container(self.id).get("State") or {}
        except docker.errors.NotFound:
            return "it no longer exists on the Docker engine"
        except Exception:  # engine unreachable or failing: no verdict
            return None
        return describe_stopped(state)

    def remove(self) -> None:
        self.channel.close()
        remove_quietly(self.container)


def describe_stopped(state: Mapping[str, Any]) -> str | None:
    """What keeps a container in `state` (``inspect_container(...)["State"]``) from running its
    agent, or None if it is running. Docker reports a paused container as running too."""
    status = state.get("Status")
    if state.get("Paused") or status == "paused":
        return "it is paused (`docker pause`)"
    if status is not None and status != "running":
        return f"it is {status}, not running"
    return None


def remove_quietly(container: Container, attempts: int = 4) -> None:
    """Force-remove `container`; already gone is fine. When the engine cannot remove it as it is
    (gVisor's runsc cannot kill a paused sandbox, and one being torn down may still refuse),
    unpause it and try again, waiting 0.25, 0.5, then 1 s; the last refusal is raised."""
    import docker

    for attempt in range(attempts):
        try:
            container.remove(force=True)
            return
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            if "already in progress" in str(exc):
                return
            if attempt == attempts - 1:
                raise
        with contextlib.suppress(docker.errors.APIError):
            container.unpause()  # refused when it is not paused: nothing to undo then
        time.sleep(0.25 * 2**attempt)
