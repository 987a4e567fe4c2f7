"""Shared fixtures: a private registry home so tests never touch the user's ~/.rlvr-gym."""

from __future__ import annotations

import os
import tempfile

import pytest

# Set before rlvr_gym is imported anywhere, so remembered data files of the user do not leak in.
os.environ.setdefault("RLVR_GYM_HOME", tempfile.mkdtemp(prefix="rlvr-gym-test-home-"))


@pytest.fixture(scope="session")
def gvisor() -> str:
    """The name of the Docker engine's gVisor runtime. The sandbox's isolation and attack tests
    run under it as well as under runc; like the engine itself it is part of the test machine
    (scripts/test.sh registers it), so its absence fails, never skips."""
    import docker

    from rlvr_gym.sandboxes.engine import gvisor_runtime

    runtime = gvisor_runtime(docker.from_env())
    if runtime is None:
        pytest.fail("the Docker engine has no gVisor runtime: run scripts/enable-gvisor.sh "
                    "(root; it installs runsc and registers it), as scripts/test.sh does")
    return runtime
