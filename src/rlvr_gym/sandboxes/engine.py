"""The connection to the Docker engine, and the labels that mark what rlvr-gym started there."""

from __future__ import annotations

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
