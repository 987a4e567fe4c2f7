"""Hostile programs, one per attack, on the real Docker pool: each scores 0 and harms nothing.

Every attack is a real program in ``tests/code/attacks/`` (its first line says what it tries),
submitted through `CodeVerifier.verify` to one `DockerSandboxPool` of two containers for the
module, under short limits. A program that tries to break out returns the right answers only if
the break-out worked, so its 0 is also the proof that it did not. For each attack the test asserts:

1. the verdict's outcome is 0 and it is not an infrastructure error (a sample the trainer would
   drop instead of scoring it): the policy must not be able to turn a failure into "no sample".
   Only `kill_the_agent` may end either way (an infrastructure error or a 0; in practice a 0,
   since the program cannot signal the agent);
2. the verification ended within its limit: ``runs * WALL_S + MARGIN_S`` (``MARGIN_S`` covers
   the agent's kill sweep and wipe, a container's replacement after an anomaly, and Docker;
   gVisor gets 2.5 s more, its Sentry tearing a process tree down more slowly);
3. the host is untouched: a secret file on the host was neither read (the attacks that read it
   would have passed) nor changed, a host path the attacks write to does not exist, no process
   of the sandbox user is left in the pool's containers or appeared on the host outside a
   container;
4. the next run in the same container (the pool is steered to it; a container the pool retired
   after an anomaly is reported as recycled) is unaffected: a known-good solution scores 1.0,
   and a probe program finds an empty work folder, ``/tmp`` and ``/dev/shm``, no process but
   init and the agent, no System V IPC objects, and no Docker socket.

The suite runs under the configured runtime: Docker's default (runc) in the test command, gVisor
with ``RLVR_SANDBOX_RUNTIME=rlvr-runsc`` (``scripts/enable-gvisor.sh`` registers it; the
isolation tests run under both every time). Under gVisor the programs are not host processes,
so the host-process check of (3) sees only the Sentry; the one attack gVisor lets through is
marked `gvisor_gap`, with why it does no harm.

Run alone: ``pytest -m docker tests/code/test_code_attacks.py``; under gVisor:
``RLVR_SANDBOX_RUNTIME=rlvr-runsc pytest -m docker tests/code/test_code_attacks.py``.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rlvr_gym.core import procfs
from rlvr_gym.core.task import Task
from rlvr_gym.sandboxes.base import Limits
from rlvr_gym.sandboxes.container import RunnerContainer
from rlvr_gym.sandboxes.pool import DockerSandboxPool
from rlvr_gym.verifiers.code import CodeVerifier

pytestmark = pytest.mark.docker

WALL_S = 3.0
MARGIN_S = 3.0
GVISOR_EXTRA_MARGIN_S = 2.5
LIMITS = Limits(wall_s=WALL_S, cpu_s=WALL_S, memory_bytes=128 * 1024**2, pids=32,
                output_bytes=64 * 1024, file_bytes=4 * 1024**2, open_files=64)
SANDBOX_UID = 1000
ATTACKS_DIR = Path(__file__).parent / "attacks"

ADD = Task(
    id="attack/add", family="code", prompt="Write add(a, b).",
    reference={
        "kind": "function", "entry_point": "add",
        "tests": ["assert add(1, 2) == 3", "assert add(-4, 10) == 6", "assert add(20, 22) == 42"],
        "solution": "def add(a, b):\n    return a + b\n",
    },
)
SUM = Task(
    id="attack/sum", family="code", prompt="Print the sum of the numbers on stdin.",
    reference={
        "kind": "stdio", "entry_point": None,
        "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"}],
        "solution": "print(sum(map(int, input().split())))\n",
    },
)


@dataclass(frozen=True)
class Attack:
    """One hostile program: `name` is its file in attacks/ and the test id; `kind` the task it
    is judged on; `may_be_infra`: an infrastructure error is an acceptable end; `gvisor_gap`:
    why the attack gets what it wants under gVisor (its score is then not asserted there, the
    host and the next run still are)."""

    name: str
    kind: str = "function"
    may_be_infra: bool = False
    gvisor_gap: str | None = None

    @property
    def task(self) -> Task:
        return ADD if self.kind == "function" else SUM

    def program(self, host_marker: Path, host_canary: Path) -> str:
        source = (ATTACKS_DIR / f"{self.name}.py").read_text()
        return (source.replace("@@HOST_MARKER@@", str(host_marker))
                .replace("@@HOST_CANARY@@", str(host_canary)))


ATTACKS = [
    # resource exhaustion
    Attack("fork_bomb"),
    Attack("thread_bomb"),
    Attack("memory_bomb"),
    Attack("mmap_bomb"),
    Attack("oom_kills_the_agent"),
    Attack("memfd_oom_kills_the_agent"),
    Attack("infinite_loop"),
    Attack("infinite_loop_ignoring_signals"),
    Attack("sleeping_past_the_limit"),
    Attack("cpu_spin_in_threads"),
    Attack("stdout_flood", "stdio"),
    Attack("stderr_flood", "stdio"),
    Attack("disk_fill_work_folder"),
    Attack("inode_exhaustion"),
    Attack("fd_exhaustion"),
    Attack("deep_directory_nesting"),
    # getting out
    Attack("network_tcp_public"),
    Attack("network_host_gateway"),
    Attack("dns_lookup"),
    Attack("read_host_files"),
    Attack("read_the_agents_environment", gvisor_gap=(
        "gVisor (runsc 20221219) lets any process read /proc/PID/environ; the containers get no "
        "environment of ours, and test_sandbox_isolation.py checks what is there")),
    Attack("docker_socket"),
    Attack("write_outside_work"),
    Attack("tmp_beyond_its_cap"),
    Attack("unshare_namespaces"),
    Attack("setuid_root"),
    Attack("raise_rlimits"),
    Attack("kernel_keyring_channel"),
    # outliving the run, reaching the agent
    Attack("leave_a_daemon"),
    Attack("leave_a_zombie"),
    Attack("sysv_ipc_leftovers"),
    Attack("chmod_lockout"),
    Attack("kill_the_agent", may_be_infra=True),
    Attack("ptrace_the_agent"),
    Attack("proc_mem_of_the_agent"),
    Attack("results_file_swapped_for_a_symlink"),
    Attack("results_file_swapped_for_a_fifo"),
    # reward hacks
    Attack("os_exit_at_import"),
    Attack("system_exit_at_import"),
    Attack("exit_inside_the_call"),
    Attack("atexit_fake_success"),
    Attack("equals_everything"),
    Attack("int_subclass_equals_everything"),
    Attack("reads_the_callers_frame"),
    Attack("patches_builtins_unittest_json"),
    Attack("patches_the_harness"),
    Attack("forged_results_file"),
    Attack("forged_protocol_frame", "stdio"),
    Attack("never_reads_stdin", "stdio"),
    Attack("non_utf8_output", "stdio"),
    Attack("huge_int_crashes_the_judge"),
]

# Run after every attack in the container it used: what a leftover would show.
PROBE = r"""
import ctypes, json, os, socket, stat
me, agent = os.getpid(), os.getppid()
others = []
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) not in (me, agent, 1):
        try:
            with open(f"/proc/{entry}/status") as f:
                others.append(f.read().splitlines()[:3])
        except OSError:
            pass
# System V IPC objects by system call (SHM_INFO, MSG_INFO, SEM_INFO: gVisor has no
# /proc/sysvipc): the first int each call writes (segments, queues) or the 8th (semaphore sets).
libc = ctypes.CDLL(None, use_errno=True)
ipc = []
for name, call, args in (("shm", libc.shmctl, (0, 14)), ("msg", libc.msgctl, (0, 12)),
                         ("sem", libc.semctl, (0, 0, 19))):
    buffer = (ctypes.c_int * 64)()
    if call(*args, buffer) < 0:
        ipc.append(f"{name}: unreadable (errno {ctypes.get_errno()})")
    elif buffer[7 if name == "sem" else 0]:
        ipc.append(f"{name}: {buffer[7 if name == 'sem' else 0]}")
sockets = [p for p in ("/var/run/docker.sock", "/run/docker.sock") if os.path.exists(p)]
work = os.stat("/work")
print(json.dumps({
    "work": os.listdir("/work"), "tmp": os.listdir("/tmp"), "shm": os.listdir("/dev/shm"),
    "work_mode": oct(stat.S_IMODE(work.st_mode)), "work_owner": work.st_uid,
    "others": others, "ipc": ipc, "docker_sockets": sockets, "uid": os.getuid(),
}))
"""
CLEAN_PROBE = {"work": [], "tmp": [], "shm": [], "work_mode": "0o700", "work_owner": SANDBOX_UID,
               "others": [], "ipc": [], "docker_sockets": [], "uid": SANDBOX_UID}


# ------------------------------------------------------------------ host observations


def _host_processes() -> dict[tuple[int, str], tuple[int, str]]:
    """Every process on this machine: (pid, start time) -> (real uid, cgroup text)."""
    found: dict[tuple[int, str], tuple[int, str]] = {}
    for proc in procfs.processes():
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                uid = next(int(line.split()[1]) for line in f if line.startswith("Uid:"))
            with open(f"/proc/{proc.pid}/cgroup") as f:
                cgroup = f.read()
        except (OSError, StopIteration):
            continue
        found[(proc.pid, proc.start)] = (uid, cgroup)
    return found


@dataclass
class HostState:
    marker: Path
    marker_content: bytes
    marker_mtime: int
    canary: Path
    local_engine: bool

    def sandbox_user_processes(
        self, container_ids: set[str], before: dict[tuple[int, str], tuple[int, str]],
    ) -> list[str]:
        """Processes of the sandbox user inside the pool's containers, and new processes of
        that uid outside any container: both must not exist once a run is over."""
        bad = []
        for key, (uid, cgroup) in _host_processes().items():
            if uid != SANDBOX_UID:
                continue
            if any(cid in cgroup for cid in container_ids):
                bad.append(f"pid {key[0]} left in a pool container")
            elif "docker" not in cgroup and key not in before:
                bad.append(f"pid {key[0]} (uid {uid}) outside any container")
        return bad


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> HostState:
    folder = tmp_path_factory.mktemp("attack-host")
    marker = folder / "host-secret.txt"
    marker.write_bytes(f"host secret {uuid.uuid4()}\n".encode())
    return HostState(marker=marker, marker_content=marker.read_bytes(),
                     marker_mtime=marker.stat().st_mtime_ns, canary=folder / "canary-written",
                     local_engine=False)


# ------------------------------------------------------------------ the pool


class SteeredPool(DockerSandboxPool):
    """The real pool, told which container to take next (`steer`), and remembering which
    container each run took (`last`): so "the next run in the same container" is exact."""

    steer: str | None = None
    last: str | None = None

    def _take(self) -> RunnerContainer:
        for _ in range(4 * self.size):
            container = super()._take()
            if (self.steer is None or container.id == self.steer
                    or self.steer not in self.container_ids()):
                break
            self._idle.put(container)  # not the one asked for: back in the queue
        self.last = container.id
        return container


@pytest.fixture(scope="module")
def attack_pool(host: HostState) -> Iterator[SteeredPool]:
    """The pool under the configured runtime: Docker's default (runc), or the one
    ``RLVR_SANDBOX_RUNTIME`` names (``rlvr-runsc``: the whole suite under gVisor)."""
    import docker

    # The Docker engine is part of the test machine: a missing engine fails, never skips.
    client = docker.from_env()
    client.ping()
    from rlvr_gym.sandboxes.image.build import build_image

    pool = SteeredPool(image=build_image(), size=2, limits=LIMITS, runs_per_container=1000)
    try:
        pool.wait_until_warm()
        agents = [uid for uid, cgroup in _host_processes().values()
                  if uid == 0 and any(cid in cgroup for cid in pool.container_ids())]
        host.local_engine = bool(agents)  # the engine's processes are visible from here
        yield pool
    finally:
        pool.close()


@pytest.fixture(scope="module")
def verifier(attack_pool: SteeredPool) -> CodeVerifier:
    return CodeVerifier(attack_pool, LIMITS, call_timeout_s=1.0, budget_s=60.0)


# ------------------------------------------------------------------ the suite


def test_every_attack_program_is_listed_once() -> None:
    files = sorted(p.stem for p in ATTACKS_DIR.glob("*.py"))
    names = [a.name for a in ATTACKS]
    assert sorted(names) == files and len(set(names)) == len(names) >= 32
    for path in ATTACKS_DIR.glob("*.py"):
        first = path.read_text().splitlines()[0]
        assert first.startswith(("# attack", "# reward hack")), path.name


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_scores_zero_and_harms_nothing(
    attack: Attack, attack_pool: SteeredPool, verifier: CodeVerifier, host: HostState,
) -> None:
    pool = attack_pool
    pool.wait_until_warm()
    target = pool.container_ids()[0]
    pool.steer = target
    processes_before = _host_processes()
    task = attack.task
    runs = 1 if task.reference["kind"] == "function" else len(task.reference["tests"])

    started = time.monotonic()
    verdict = verifier.verify(task, attack.program(host.marker, host.canary))
    elapsed = time.monotonic() - started

    # (1) reward 0, and not an infrastructure error (a dropped sample) unless allowed
    if pool.gvisor and attack.gvisor_gap:
        print(f"\nKNOWN GVISOR GAP {attack.name}: outcome={verdict.outcome}: {attack.gvisor_gap}")
    elif verdict.infra_error is not None:
        assert attack.may_be_infra, f"an infrastructure error: {verdict.infra_error}"
    else:
        assert verdict.outcome == 0.0, verdict.feedback
        assert verdict.details["passed"] < verdict.details["total"]
    # (2) within its limit (under gVisor the Sentry tears a process tree down more slowly)
    margin = MARGIN_S + (GVISOR_EXTRA_MARGIN_S if pool.gvisor else 0.0)
    assert elapsed < runs * WALL_S + margin, f"took {elapsed:.2f} s"
    # (3) the host is untouched
    assert host.marker.read_bytes() == host.marker_content
    assert host.marker.stat().st_mtime_ns == host.marker_mtime
    assert not host.canary.exists()
    if host.local_engine:
        live = set(pool.container_ids())
        assert host.sandbox_user_processes(live, processes_before) == []
    # (4) the next run in the same container (or its replacement) is unaffected
    recycled = target not in pool.container_ids()
    good = verifier.verify(task, task.reference["solution"])
    assert good.infra_error is None and good.outcome == 1.0, good.feedback
    if not recycled:
        assert pool.last == target
    probe = pool.run(["python3", "-c", PROBE])
    assert probe.ok, probe
    assert json.loads(probe.stdout) == CLEAN_PROBE
    if not recycled:
        assert pool.last == target
    print(f"\nATTACK {attack.name}: outcome={verdict.outcome} reason={verdict.reason} "
          f"infra={verdict.infra_error is not None} elapsed={elapsed:.2f}s "
          f"container={'recycled' if recycled else 'reused'} "
          f"host_processes_checked={host.local_engine}")
