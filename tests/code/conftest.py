"""The real Docker sandbox pool for the ``docker``-marked code tests (one per module, size 2)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rlvr_gym.sandboxes.base import Sandbox

POOL_SIZE = 2


@pytest.fixture(scope="module")
def pool() -> Iterator[Sandbox]:
    import docker

    # The Docker engine is part of the test machine: a missing engine fails, never skips.
    docker.from_env().ping()
    from rlvr_gym.sandboxes import DockerSandboxPool
    from rlvr_gym.sandboxes.image.build import build_image

    sandbox = DockerSandboxPool(image=build_image(), size=POOL_SIZE)
    try:
        yield sandbox
    finally:
        sandbox.close()
