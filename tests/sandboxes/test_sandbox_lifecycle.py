"""The pool's containers: replaced when they die, removed on close, reaped after a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import docker
import pytest

from rlvr_gym.core.errors import ImageMissingError
from rlvr_gym.sandboxes import DockerSandboxPool, ExecResult, Limits, Sandbox
from rlvr_gym.sandboxes.engine import SANDBOX_LABEL
from rlvr_gym.sandboxes.reap import reap

pytestmark = pytest.mark.docker


def exists(client: docker.DockerClient, container_id: str) -> bool:
    try:
        client.containers.get(container_id)
    except docker.errors.NotFound:
        return False
    return True


def test_the_pool_is_a_sandbox(pool: DockerSandboxPool) -> None:
    assert isinstance(pool, Sandbox)


def test_a_missing_image_says_how_to_build_it() -> None:
    with pytest.raises(ImageMissingError, match="rlvr sandbox build"):
        DockerSandboxPool("rlvr-gym/no-such-image:0", size=1)


def test_containers_run_with_the_isolation_settings(
    pool: DockerSandboxPool, docker_client: docker.DockerClient,
) -> None:
    pool.wait_until_warm()
    host = docker_client.api.inspect_container(pool.container_ids()[0])["HostConfig"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] and host["Init"]
    assert host["CapDrop"] == ["ALL"]
    assert sorted(host["CapAdd"]) == ["CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID",
                                      "SETUID"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Memory"] == host["MemorySwap"] > 0 and host["PidsLimit"] > 0
    assert host["NanoCpus"] == 10**9
    assert set(host["Tmpfs"]) == {"/work", "/tmp"}


def test_killing_the_container_mid_run_is_an_infrastructure_error(
    image: str, docker_client: docker.DockerClient,
) -> None:
    with DockerSandboxPool(image, size=1, limits=Limits(wall_s=30.0)) as pool:
        assert pool.run(["true"]).ok
        (victim,) = pool.container_ids()
        results: list[ExecResult] = []
        runner = threading.Thread(target=lambda: results.append(
            pool.run(["python3", "-c", "import time; time.sleep(25)"])))
        runner.start()
        time.sleep(1.0)
        docker_client.containers.get(victim).kill()
        runner.join(timeout=10)
        assert not runner.is_alive()
        (result,) = results
        assert result.infra_error and not result.ok and result.exit_code is None
        follow_up = pool.run(["python3", "-c", "print('carried on')"])
        assert follow_up.stdout == b"carried on\n"
        assert victim not in pool.container_ids()
        deadline = time.monotonic() + 10
        while exists(docker_client, victim) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not exists(docker_client, victim)


def test_a_container_that_died_while_idle_is_replaced_before_the_next_run(
    image: str, docker_client: docker.DockerClient,
) -> None:
    with DockerSandboxPool(image, size=1) as pool:
        assert pool.run(["true"]).ok
        (victim,) = pool.container_ids()
        docker_client.containers.get(victim).kill()
        time.sleep(0.5)
        result = pool.run(["python3", "-c", "print('fresh')"])
        assert result.infra_error is None
        assert result.stdout == b"fresh\n"
        assert victim not in pool.container_ids()


def test_runs_in_parallel_threads_each_get_a_container(image: str) -> None:
    with DockerSandboxPool(image, size=2, runs_per_container=3) as pool:
        results: list[ExecResult] = []
        threads = [threading.Thread(target=lambda i=i: results.append(
            pool.run(["python3", "-c", f"import time; time.sleep(0.3); print({i})"])))
            for i in range(6)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(r.stdout for r in results) == [f"{i}\n".encode() for i in range(6)]
        assert time.monotonic() - started < 6


def test_close_leaves_no_container(image: str, docker_client: docker.DockerClient) -> None:
    pool = DockerSandboxPool(image, size=2)
    assert pool.run(["true"]).ok
    deadline = time.monotonic() + 20
    while len(pool.container_ids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    ids = pool.container_ids()
    assert len(ids) == 2
    pool.close()
    assert not any(exists(docker_client, i) for i in ids)


OWNER_SCRIPT = """
import sys, time
from rlvr_gym.sandboxes import DockerSandboxPool
pool = DockerSandboxPool(sys.argv[1], size=1)
assert pool.run(["true"]).ok
print(",".join(pool.container_ids()), flush=True)
time.sleep(600)
"""


@pytest.mark.slow
def _killed_owner(image: str) -> tuple[subprocess.Popen[str], list[str]]:
    """A process that started a pool, SIGKILLed (no atexit, no close()), and its containers."""
    owner = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT, image],
                             stdout=subprocess.PIPE, text=True)
    assert owner.stdout is not None
    orphans = owner.stdout.readline().strip().split(",")
    os.kill(owner.pid, signal.SIGKILL)
    return owner, orphans


def test_containers_of_a_killed_owner_are_reaped_at_the_next_start(
    image: str, docker_client: docker.DockerClient,
) -> None:
    owner, orphans = _killed_owner(image)
    owner.wait()
    assert orphans and all(exists(docker_client, i) for i in orphans)
    with DockerSandboxPool(image, size=1):
        assert not any(exists(docker_client, i) for i in orphans)


def test_containers_of_a_killed_owner_not_yet_waited_for_are_reaped(
    image: str, docker_client: docker.DockerClient,
) -> None:
    """A zombie owner has exited: its containers go even before its parent waits for it."""
    owner, orphans = _killed_owner(image)
    try:
        deadline = time.monotonic() + 10
        while _state(owner.pid) != "Z" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _state(owner.pid) == "Z", "the owner must be a zombie: killed, not waited for"
        reap(docker_client)
        assert not any(exists(docker_client, i) for i in orphans)
    finally:
        owner.wait()


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", "rb") as handle:
        raw = handle.read()
    return raw[raw.rfind(b")") + 2:].split()[0].decode()


def test_reap_leaves_live_pools_alone(
    pool: DockerSandboxPool, docker_client: docker.DockerClient,
) -> None:
    ids = pool.container_ids()
    reap(docker_client)
    assert all(exists(docker_client, i) for i in ids)
    labelled = docker_client.containers.list(filters={"label": f"{SANDBOX_LABEL}=1"})
    assert set(ids) <= {c.id for c in labelled}
