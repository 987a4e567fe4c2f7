"""The connection to the Docker engine, and the labels that mark what rlvr-gym started there."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from rlvr_gym.core.errors import ConfigurationError, SandboxError

if TYPE_CHECKING:
    import docker

SANDBOX_LABEL = "rlvr-gym.sandbox"
"""Every container a pool starts carries ``rlvr-gym.sandbox=1``."""
OWNER_LABEL = "rlvr-gym.sandbox.owner"
"""``HOST:PID:START``: the process that owns the container (START tells a reused pid apart)."""
RECIPE_LABEL = "rlvr-gym.sandbox.recipe"
"""On images: the hash of the agent source and the build recipe the image was built from."""
GVISOR_BINARY = "runsc"
"""The binary of gVisor's OCI runtime: a runtime whose path ends so is treated as gVisor."""
GVISOR_RUNTIME = "rlvr-runsc"
"""The name scripts/enable-gvisor.sh registers gVisor under (with the flags the sandbox wants)."""
RUNTIME_ENV_VAR = "RLVR_SANDBOX_RUNTIME"
"""The Docker runtime of every sandbox container when a pool names none (e.g. ``runsc``)."""


def connect() -> docker.DockerClient:
    """A client of the local Docker engine (``DOCKER_HOST`` and friends are honoured)."""
    try:
        import docker
    except ImportError as exc:
        raise ConfigurationError(
            "the Docker sandbox needs the docker SDK: pip install 'rlvr-gym[code]'"
        ) from exc
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        raise SandboxError(
            f"cannot reach the Docker engine ({exc}); is it running, and may this user use it?"
        ) from exc
    return client


def configured_runtime(runtime: str | None) -> str | None:
    """The runtime a pool should use: `runtime`, else ``RLVR_SANDBOX_RUNTIME``, else None (the
    engine's default, normally runc)."""
    chosen = runtime if runtime is not None else os.environ.get(RUNTIME_ENV_VAR, "")
    chosen = chosen.strip()
    return chosen or None


def check_runtime(client: docker.DockerClient, runtime: str) -> bool:
    """Refuse a runtime the engine does not know, before any container is started; True when
    it is gVisor (its binary is ``runsc``), whose containers need other limits (see
    `ContainerSpec`)."""
    import docker

    try:
        runtimes = client.info().get("Runtimes") or {}
    except docker.errors.DockerException as exc:
        raise SandboxError(f"cannot ask the Docker engine for its runtimes ({exc})") from exc
    if runtime not in runtimes:
        raise ConfigurationError(
            f"the Docker engine has no runtime {runtime!r} (it has: "
            f"{', '.join(sorted(runtimes))}); register it in /etc/docker/daemon.json (for "
            f"gVisor: scripts/enable-gvisor.sh, see docs/security.md), or unset "
            f"{RUNTIME_ENV_VAR}"
        )
    return is_gvisor(runtimes[runtime])


def gvisor_runtime(client: docker.DockerClient) -> str | None:
    """The name of a gVisor runtime registered with the engine (`GVISOR_RUNTIME` first), or
    None."""
    runtimes = client.info().get("Runtimes") or {}
    found = sorted(name for name, entry in runtimes.items() if is_gvisor(entry))
    return GVISOR_RUNTIME if GVISOR_RUNTIME in found else (found[0] if found else None)


def is_gvisor(entry: object) -> bool:
    """Whether an engine's runtime entry (``docker info``'s ``Runtimes[name]``) runs gVisor."""
    path = entry.get("path") if isinstance(entry, dict) else None
    return isinstance(path, str) and os.path.basename(path) == GVISOR_BINARY
