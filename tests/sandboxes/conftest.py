"""Fixtures of the sandbox tests: the real Docker engine, the image built if missing, one pool."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from rlvr_gym.sandboxes import DockerSandboxPool, Limits
from rlvr_gym.sandboxes.engine import gvisor_runtime
from rlvr_gym.sandboxes.gvisor import boot_problem
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


@pytest.fixture(scope="session")
def gvisor(docker_client: docker.DockerClient, image: str) -> str:
    """The name of the Docker engine's gVisor runtime. The sandbox's isolation tests run under it
    as well as under runc. scripts/test.sh registers it, so its absence fails. Only when runsc is
    registered but cannot boot a sandbox on this machine's kernel do these tests skip, with the
    engine's error and runsc's own log as the reason."""
    runtime = gvisor_runtime(docker_client)
    if runtime is None:
        pytest.fail("the Docker engine has no gVisor runtime: run scripts/enable-gvisor.sh "
                    "(root; it installs runsc and registers it), as scripts/test.sh does")
    problem = boot_problem(docker_client, runtime, image)
    if problem is not None:
        pytest.skip(f"runsc is registered as {runtime} but cannot start a sandbox on this "
                    f"machine: {problem}; runsc's own log: {_runsc_boot_log()}")
    return runtime


def _runsc_boot_log() -> str:
    """The warnings and errors runsc logs when it boots a sandbox outside Docker (`runsc do`),
    to tell why it cannot boot here."""
    if shutil.which("runsc") is None or os.geteuid() != 0:
        return "(runsc is not on PATH or this is not root, so it was not run directly)"
    with tempfile.TemporaryDirectory(prefix="runsc-log-") as folder:
        with contextlib.suppress(subprocess.TimeoutExpired):
            subprocess.run(["runsc", "--network=none", "--debug", f"--debug-log={folder}/",
                            "do", "true"], capture_output=True, timeout=60, check=False)
        lines = [line.strip() for log in sorted(Path(folder).iterdir())
                 for line in log.read_text(errors="replace").splitlines()
                 if line[:1] in ("W", "E", "F") or "panic" in line]
    return " | ".join(lines[-12:]) or "(no warning or error)"
