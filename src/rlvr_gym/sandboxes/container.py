"""One runner container: how it is started (every isolation setting lives here) and talked to."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rlvr_gym.core.errors import SandboxError
from rlvr_gym.sandboxes.base import Limits
from rlvr_gym.sandboxes.engine import OWNER_LABEL, SANDBOX_LABEL
from rlvr_gym.sandboxes.protocol import PROTOCOL, AgentChannel, AgentProtocolError

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

    def create_options(self) -> dict[str, Any]:
        """Keyword arguments of ``containers.create``: the isolation settings."""
        memory = (self.limits.memory_bytes + self.work_bytes + self.tmp_bytes + self.shm_bytes
                  + AGENT_MEMORY_BYTES)
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
            "pids_limit": self.limits.pids + AGENT_PIDS,
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
        }


class RunnerContainer:
    """A started container whose agent answered ``hello``."""

    def __init__(self, container: Container, channel: AgentChannel) -> None:
        self.container = container
        self.channel = channel
        self.runs = 0

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

    def request(self, message: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        return self.channel.request(message, timeout)

    def remove(self) -> None:
        self.channel.close()
        remove_quietly(self.container)


def remove_quietly(container: Container) -> None:
    """Force-remove `container`; already gone is fine."""
    import docker

    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if "already in progress" not in str(exc):
            raise
