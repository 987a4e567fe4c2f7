"""Faults of the machinery under a pool: the engine unreachable, containers paused or killed.

Each fault must give the runs it touched an infrastructure error (never a verdict against the
program), and the pool must heal by itself once the fault is gone, leaving nothing behind.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from rlvr_gym.core.errors import ConfigurationError, SandboxError
from rlvr_gym.sandboxes import DockerSandboxPool, ExecResult, Limits
from rlvr_gym.sandboxes.container import ContainerSpec, RunnerContainer
from rlvr_gym.sandboxes.engine import OWNER_LABEL, RUNTIME_ENV_VAR
from rlvr_gym.sandboxes.pool import STATE_CHECK_AFTER_S
from rlvr_gym.sandboxes.protocol import AgentChannel, AgentStuck, Watchdog, encode_frame
from rlvr_gym.sandboxes.reap import owner_identity
from rlvr_gym.testing.docker_proxy import DockerSocketProxy

pytestmark = pytest.mark.docker

SLEEP_THEN_PRINT = ["python3", "-c", "import time; time.sleep(1.5); print('done')"]


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[DockerSocketProxy]:
    with DockerSocketProxy(tmp_path / "docker.sock") as relay:
        yield relay


def _ours(client: docker.DockerClient) -> list[str]:
    """Ids of the sandbox containers this test process owns, running or not."""
    found = client.containers.list(all=True, ignore_removed=True,
                                   filters={"label": f"{OWNER_LABEL}={owner_identity()}"})
    return [str(c.id) for c in found]


def _run_or_error(pool: DockerSandboxPool, argv: list[str]) -> ExecResult | SandboxError:
    try:
        return pool.run(argv)
    except SandboxError as exc:  # no container could be started: the verifiers' infra error
        return exc


def _pause_after(client: docker.DockerClient, container_id: str, after_s: float,
                 for_s: float | None) -> threading.Thread:
    """Pause the container `after_s` from now, in the background; unpause it `for_s` later
    (never, if None). Join the thread returned once the run is back."""
    def pause() -> None:
        time.sleep(after_s)
        client.api.pause(container_id)
        if for_s is not None:
            time.sleep(for_s)
            client.api.unpause(container_id)

    thread = threading.Thread(target=pause)
    thread.start()
    return thread


def _until(condition: Callable[[], bool], timeout_s: float) -> float:
    """Seconds until `condition` holds (polled); fails the test past `timeout_s`."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, "the pool did not recover in time"
        time.sleep(0.1)
    return time.monotonic() - started


def test_the_proxy_relays_the_engine_and_its_attach_streams(
    image: str, proxy: DockerSocketProxy,
) -> None:
    client = docker.DockerClient(base_url=proxy.url)
    assert client.ping()
    with DockerSandboxPool(image, size=1, client=client) as pool:
        assert pool.run(["echo", "through the proxy"]).stdout == b"through the proxy\n"
        assert proxy.connections >= 1  # the agent's attach stream goes through it


def test_an_unreachable_engine_gives_infra_errors_and_the_pool_heals(
    image: str, proxy: DockerSocketProxy, docker_client: docker.DockerClient,
) -> None:
    client = docker.DockerClient(base_url=proxy.url)
    pool = DockerSandboxPool(image, size=2, client=client, limits=Limits(wall_s=5.0))
    try:
        pool.wait_until_warm()
        assert pool.run(["true"]).ok
        before = set(pool.container_ids())
        proxy.cut()
        during = _run_or_error(pool, ["echo", "hi"])
        assert isinstance(during, SandboxError) or during.infra_error is not None
        if isinstance(during, ExecResult):
            assert not during.ok and during.exit_code is None
        proxy.restore()
        recovery = _until(lambda: isinstance(r := _run_or_error(pool, ["echo", "hi"]),
                                             ExecResult) and r.ok, timeout_s=20)
        assert recovery < 20
        assert before.isdisjoint(pool.container_ids())  # the cut-off containers were replaced
    finally:
        pool.close()
    # the containers it could not remove while the engine was away are gone now
    assert _until(lambda: not (set(_ours(docker_client)) & before), timeout_s=10) < 10


def test_a_run_frozen_past_its_limit_is_an_infra_error_not_a_timeout(
    image: str, docker_client: docker.DockerClient,
) -> None:
    # Paused from 0.5 s to 4.5 s: past the 4 s limit, thawed before the pool's state check at
    # wall_s + STATE_CHECK_AFTER_S = 6 s, so the agent itself reports its freeze.
    with DockerSandboxPool(image, size=1, limits=Limits(wall_s=4.0)) as pool:
        pool.wait_until_warm()
        (victim,) = pool.container_ids()
        pauser = _pause_after(docker_client, victim, after_s=0.5, for_s=4.0)
        result = pool.run(SLEEP_THEN_PRINT)
        pauser.join()
        assert not result.timed_out
        assert result.infra_error is not None and "frozen" in result.infra_error
        after = pool.run(SLEEP_THEN_PRINT)  # the thawed container serves the next run
        assert after.ok and after.stdout == b"done\n"
        assert pool.container_ids() == [victim]


def test_a_brief_pause_within_the_limit_changes_nothing(
    image: str, docker_client: docker.DockerClient,
) -> None:
    with DockerSandboxPool(image, size=1, limits=Limits(wall_s=10.0)) as pool:
        pool.wait_until_warm()
        (victim,) = pool.container_ids()
        docker_client.api.pause(victim)
        threading.Timer(1.0, docker_client.api.unpause, args=(victim,)).start()
        result = pool.run(["echo", "late but fine"])
        assert result.ok and result.stdout == b"late but fine\n"


def test_a_pause_mid_run_within_the_limit_changes_nothing(
    image: str, docker_client: docker.DockerClient,
) -> None:
    with DockerSandboxPool(image, size=1, limits=Limits(wall_s=10.0)) as pool:
        pool.wait_until_warm()
        (victim,) = pool.container_ids()
        pauser = _pause_after(docker_client, victim, after_s=0.5, for_s=4.0)
        result = pool.run(SLEEP_THEN_PRINT)
        pauser.join()
        assert result.ok and result.stdout == b"done\n" and result.infra_error is None
        assert pool.container_ids() == [victim]


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["runc", "gvisor"])
@pytest.mark.parametrize("pause_after_s", [None, 0.5], ids=["before-the-run", "mid-run"])
def test_a_container_left_paused_is_an_infra_error_soon_and_is_replaced(
    image: str, docker_client: docker.DockerClient, pause_after_s: float | None, runtime: str,
    request: pytest.FixtureRequest,
) -> None:
    """Given up once the engine says "paused" at wall_s + STATE_CHECK_AFTER_S, not at the
    reply deadline (wall_s + 15 s); and removed, under gVisor too (runsc cannot kill a paused
    sandbox: the pool unpauses it to remove it)."""
    chosen = request.getfixturevalue("gvisor") if runtime == "gvisor" else None
    limits = Limits(wall_s=3.0)
    with DockerSandboxPool(image, size=1, limits=limits, runtime=chosen) as pool:
        pool.wait_until_warm()
        (victim,) = pool.container_ids()
        pauser = None
        if pause_after_s is None:
            docker_client.api.pause(victim)
        else:
            pauser = _pause_after(docker_client, victim, pause_after_s, for_s=None)
        began = time.monotonic()
        result = pool.run(SLEEP_THEN_PRINT)
        given_up_after = time.monotonic() - began
        if pauser is not None:
            pauser.join()
        assert result.infra_error is not None and not result.timed_out
        assert "paused" in result.infra_error and "replaced" in result.infra_error
        assert limits.wall_s + STATE_CHECK_AFTER_S - 0.1 < given_up_after < limits.wall_s + 5
        again = pool.run(SLEEP_THEN_PRINT)
        assert again.ok and again.stdout == b"done\n" and victim not in pool.container_ids()
    assert _until(lambda: victim not in _ours(docker_client), timeout_s=10) < 10


def test_the_state_check_tells_paused_from_running_and_is_silent_without_an_engine(
    image: str, proxy: DockerSocketProxy,
) -> None:
    client = docker.DockerClient(base_url=proxy.url)
    spec = ContainerSpec(image=image, limits=Limits(), owner=owner_identity())
    container = RunnerContainer.start(client, spec, timeout=60.0)
    try:
        assert container.why_silent() is None  # running: the agent is only slow
        client.api.pause(container.id)
        assert "paused" in (container.why_silent() or "")
        proxy.cut()
        assert container.why_silent() is None  # nothing known: keep waiting, never raise
        proxy.restore()
    finally:
        container.remove()  # removes a paused container too


def test_a_hung_engine_holds_the_state_check_no_longer_than_its_timeout(tmp_path: Path) -> None:
    """An engine that takes connections and never answers (the client would wait 60 s): the
    check gives up after its timeout, and asks again only once the first question is answered."""
    hung = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    hung.bind(str(tmp_path / "hung.sock"))
    hung.listen(8)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: [accepted.append(hung.accept()[0]) for _ in range(8)],
                     daemon=True).start()
    client = docker.DockerClient(base_url=f"unix://{tmp_path / 'hung.sock'}", version="1.41")
    ours, theirs = socket.socketpair()
    container = RunnerContainer(client.containers.prepare_model({"Id": "f" * 64}),
                                AgentChannel(ours))
    try:
        for _ in range(3):
            started = time.monotonic()
            assert container.why_silent(timeout_s=0.3) is None
            assert time.monotonic() - started < 1.0
        assert _until(lambda: len(accepted) >= 1, timeout_s=5) < 5
        assert len(accepted) == 1  # one question in flight, not one per check
    finally:
        for connection in accepted:
            connection.close()  # the hung question ends (its thread returns None)
        hung.close()
        theirs.close()
        container.channel.close()


def _as_docker_stdout(message: dict[str, object]) -> bytes:
    """`message` as the agent's reply looks on the attach stream (one stdout chunk)."""
    frame = encode_frame(message)
    return struct.pack(">BxxxI", 1, len(frame)) + frame


def test_the_watchdog_waits_on_while_the_container_runs() -> None:
    host, agent = socket.socketpair()
    probes: list[float] = []

    def running() -> str | None:
        probes.append(time.monotonic())
        return None

    reply_later = threading.Timer(1.5, agent.sendall, args=(_as_docker_stdout({"ok": True}),))
    reply_later.start()
    try:
        watchdog = Watchdog(after_s=0.5, every_s=0.3, probe=running)
        assert AgentChannel(host).request({"op": "hello"}, 10.0, watchdog) == {"ok": True}
        assert 3 <= len(probes) <= 5  # at about 0.5, 0.8, 1.1 and 1.4 s
    finally:
        reply_later.join()
        host.close()
        agent.close()


def test_the_watchdog_gives_up_as_soon_as_the_container_is_paused() -> None:
    host, agent = socket.socketpair()
    try:
        watchdog = Watchdog(after_s=0.5, every_s=0.3, probe=lambda: "it is paused")
        began = time.monotonic()
        with pytest.raises(AgentStuck, match="it is paused"):
            AgentChannel(host).request({"op": "hello"}, 30.0, watchdog)
        assert 0.5 <= time.monotonic() - began < 1.5
    finally:
        host.close()
        agent.close()



def test_a_reply_already_received_is_taken_even_past_the_deadline_and_the_probe() -> None:
    """The container was paused (or the host stalled us) just after the agent replied: the
    reply in the socket is the run's result, not an infrastructure error."""
    host, agent = socket.socketpair()
    try:
        agent.sendall(_as_docker_stdout({"ok": True, "late": "but here"}))
        watchdog = Watchdog(after_s=0.0, every_s=0.1, probe=lambda: "it is paused")
        assert AgentChannel(host).request({"op": "hello"}, 0.0, watchdog) == {
            "ok": True, "late": "but here"}
    finally:
        host.close()
        agent.close()

def test_a_program_that_starves_its_agent_still_times_out(pool: DockerSandboxPool) -> None:
    """Stall detection must not excuse a program: burning the container's own CPU is its doing."""
    spin = ("import os\n"
            "for _ in range(15):\n"
            "    if os.fork() == 0:\n"
            "        break\n"
            "while True:\n"
            "    pass\n")
    result = pool.run(["python3", "-c", spin], limits=Limits(
        wall_s=3.0, cpu_s=60.0, memory_bytes=pool.limits.memory_bytes, pids=pool.limits.pids))
    assert result.timed_out and result.infra_error is None


def test_containers_run_under_the_runtime_asked_for(
    image: str, docker_client: docker.DockerClient,
) -> None:
    with DockerSandboxPool(image, size=1, runtime="runc") as pool:
        pool.wait_until_warm()
        host = docker_client.api.inspect_container(pool.container_ids()[0])["HostConfig"]
        assert host["Runtime"] == "runc"
        assert pool.run(["true"]).ok


def test_a_runtime_the_engine_lacks_is_refused_before_anything_starts(
    image: str, docker_client: docker.DockerClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = "rlvr-no-such-runtime"  # not runsc: hosts that run the gVisor tests have it
    before = set(_ours(docker_client))
    with pytest.raises(ConfigurationError, match=rf"no runtime '{missing}'.*docs/security.md"):
        DockerSandboxPool(image, size=1, runtime=missing)
    monkeypatch.setenv(RUNTIME_ENV_VAR, missing)
    with pytest.raises(ConfigurationError, match=RUNTIME_ENV_VAR):
        DockerSandboxPool(image, size=1)
    assert set(_ours(docker_client)) == before
