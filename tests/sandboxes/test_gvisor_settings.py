"""Containers under gVisor get limits sized for its Sentry, and runs their process cap inside."""

from __future__ import annotations

import docker
import pytest

from rlvr_gym.sandboxes import Limits
from rlvr_gym.sandboxes.container import (
    AGENT_PIDS,
    GVISOR_HOST_PIDS_BASE,
    GVISOR_HOST_PIDS_PER_PROCESS,
    GVISOR_SENTRY_MEMORY_BYTES,
    ContainerSpec,
)
from rlvr_gym.sandboxes.engine import OWNER_LABEL, check_runtime, gvisor_runtime, is_gvisor
from rlvr_gym.sandboxes.protocol import run_request
from rlvr_gym.sandboxes.reap import owner_identity

LIMITS = Limits(pids=32)


def test_a_gvisor_container_has_room_for_the_sentry() -> None:
    runc = ContainerSpec("image", LIMITS, owner="o").create_options()
    gvisor = ContainerSpec("image", LIMITS, owner="o", runtime="rlvr-runsc",
                           gvisor=True).create_options()
    assert runc["pids_limit"] == 32 + AGENT_PIDS
    assert gvisor["pids_limit"] == GVISOR_HOST_PIDS_BASE + GVISOR_HOST_PIDS_PER_PROCESS * 36
    assert gvisor["mem_limit"] == runc["mem_limit"] + GVISOR_SENTRY_MEMORY_BYTES
    assert gvisor["runtime"] == "rlvr-runsc" and "runtime" not in runc
    assert {k: v for k, v in gvisor.items() if k not in ("pids_limit", "mem_limit",
                                                       "memswap_limit", "runtime", "name")} \
        == {k: v for k, v in runc.items() if k not in ("pids_limit", "mem_limit",
                                                     "memswap_limit", "name")}


def test_only_gvisor_runs_are_capped_by_nproc() -> None:
    def limits_of(exact: bool) -> dict[str, object]:
        request = run_request(["true"], files=[], stdin=b"", limits=LIMITS, collect=[], env={},
                              exact_nproc=exact)
        return dict(request["limits"])

    assert limits_of(True)["nproc"] == 32
    assert "nproc" not in limits_of(False)  # the agent's 4096 backstop; the cgroup caps runc


@pytest.mark.parametrize(
    ("entry", "expected"),
    [({"path": "/usr/bin/runsc"}, True), ({"path": "runsc", "runtimeArgs": []}, True),
     ({"path": "runc"}, False), ({"path": "/opt/runsc-wrapper"}, False), ({}, False),
     (None, False), ("runsc", False)],
)
def test_gvisor_is_told_by_its_binary(entry: object, expected: bool) -> None:
    assert is_gvisor(entry) is expected


@pytest.mark.docker
def test_the_engine_reports_which_runtime_is_gvisor(
    docker_client: docker.DockerClient, gvisor: str,
) -> None:
    assert check_runtime(docker_client, "runc") is False
    assert check_runtime(docker_client, gvisor) is True
    assert gvisor_runtime(docker_client) == gvisor


def test_a_gvisor_container_is_worn_out_by_a_killed_run_not_by_a_clean_one() -> None:
    from rlvr_gym.sandboxes.base import ExecResult
    from rlvr_gym.sandboxes.gvisor import worn_out

    clean = ExecResult(exit_code=0)
    assert worn_out("no-such-container", clean, 4672) is None  # no cgroup file: nothing known
    for killed in (ExecResult(exit_code=None, timed_out=True), ExecResult(exit_code=None,
                   signal=9), ExecResult(exit_code=None, oom_killed=True)):
        assert "replaced after a run that was killed" in str(worn_out("x", killed, 4672))


@pytest.mark.docker
@pytest.mark.slow
def test_a_fork_bomb_under_gvisor_leaves_the_next_run_a_fresh_container(
    image: str, gvisor: str,
) -> None:
    from rlvr_gym.sandboxes import DockerSandboxPool
    from rlvr_gym.sandboxes.gvisor import host_pids

    bomb = "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass"
    with DockerSandboxPool(image, size=1, limits=LIMITS, runtime=gvisor) as pool:
        pool.wait_until_warm()
        first = pool.container_ids()[0]
        ok = pool.run(["python3", "-c", "print(1)"])
        assert ok.stdout == b"1\n" and pool.container_ids() == [first]
        used = host_pids(first)
        assert used is None or used < pool._spec.pids_limit // 2
        result = pool.run(["python3", "-c", bomb], limits=Limits(wall_s=2.0, pids=32))
        assert result.timed_out and result.infra_error is None
        after = pool.run(["python3", "-c", "print(2)"])
        assert after.stdout == b"2\n" and after.infra_error is None
        assert first not in pool.container_ids()


@pytest.mark.docker
def test_a_runtime_that_cannot_start_a_container_is_told_with_the_engines_reason(
    docker_client: docker.DockerClient, image: str,
) -> None:
    from rlvr_gym.sandboxes.gvisor import boot_problem

    assert boot_problem(docker_client, "runc", image) is None
    problem = boot_problem(docker_client, "no-such-runtime", image, attempts=1)
    assert problem is not None and "no-such-runtime" in problem
    ours = docker_client.containers.list(  # labelled as this process's: reaped if it dies
        all=True, filters={"label": f"{OWNER_LABEL}={owner_identity()}"})
    assert [c.id for c in ours if c.attrs["Config"]["Cmd"] == ["true"]] == []


@pytest.mark.docker
@pytest.mark.parametrize("runtime", ["runc", "gvisor"])
def test_rlvr_sandbox_check_runs_a_program_under_the_runtime(
    request: pytest.FixtureRequest, image: str, runtime: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from rlvr_gym.cli import main

    name = request.getfixturevalue("gvisor") if runtime == "gvisor" else "runc"
    assert main(["sandbox", "check", "--runtime", name, "--tag", image]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"the sandbox works: {image} under {name}")
    assert ("(gVisor)" in out) is (runtime == "gvisor")


@pytest.mark.docker
def test_rlvr_sandbox_check_of_an_unknown_runtime_exits_2_naming_it(
    image: str, capsys: pytest.CaptureFixture[str],
) -> None:
    from rlvr_gym.cli import main

    assert main(["sandbox", "check", "--runtime", "no-such-runtime", "--tag", image]) == 2
    err = capsys.readouterr().err
    assert "no runtime 'no-such-runtime'" in err and "enable-gvisor.sh" in err
