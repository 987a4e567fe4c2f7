"""Fixtures of the sandbox tests: the real Docker engine, the image built if missing, one pool."""

from __future__ import annotations

from collections.abc import Iterator

import docker
import pytest

from rlvr_gym.sandboxes import DockerSandboxPool, Limits
from rlvr_gym.sandboxes.image.build import DEFAULT_IMAGE, build_image

# Small enough that the bombs finish quickly, large enough for any ordinary program.
TEST_LIMITS = Limits(wall_s=5.0, cpu_s=5.0, memory_bytes=256 * 1024**2, pids=32,
                     output_bytes=256 * 1024)


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    return docker.from_env()


@pytest.fixture(scope="session")
def image() -> str:
    """The runner image; built from scratch (about a minute) when missing or out of date."""
    return build_image(DEFAULT_IMAGE)


@pytest.fixture(scope="session")
def pool(image: str) -> Iterator[DockerSandboxPool]:
    """One container, so consecutive runs share it (what the isolation tests need)."""
    with DockerSandboxPool(image, size=1, limits=TEST_LIMITS, runs_per_container=1000) as p:
        p.wait_until_warm()
        yield p
