"""Code sandbox latency: our warm pool against a fresh `docker run` and a `docker exec` per program.

In one run, on one Docker engine, two programs are executed by three methods:

- programs: ``trivial`` (``print(1)``) and ``suite``, a function-problem test suite the size of
  one judged HumanEval problem (HumanEval/0's reference solution and 10 calls, one JSON line of
  result per call, the way the call harness reports);
- (a) ``docker run``: a fresh container per program, docker SDK
  ``containers.run(..., remove=True)`` with the pool's isolation settings (network none,
  read-only root, tmpfs ``/work`` and ``/tmp``, private IPC, memory/pids/CPU limits, every
  capability dropped, no-new-privileges, init) and uid 1000; the program is ``python3 -c SRC``;
- (b) ``docker exec``: one long-running container (the same settings, ``sleep infinity``),
  one SDK ``exec_run(["python3", "-c", SRC], user="1000:1000")`` per program;
- (c) ``pool``: ``DockerSandboxPool.run(["python3", "main.py"], files=[main.py])``, the way the
  code verifier uses it (the agent wipes the work folder, writes the file, forks, kills leftovers,
  wipes again; containers are recycled every ``runs_per_container`` runs in the background).

Runs go one at a time, each timed on the host from the call to its return (`time.perf_counter`),
and every output is checked. Each method's runs are split into ``--rounds`` blocks and the methods
take turns block by block (the order rotating each round), so load from other work on the machine
falls on all of them alike, while a docker run's teardown, which the engine finishes after the
call returns, does not land on the next method's runs (a pause, ``--settle``, precedes each
block).

Overhead: a method's p50 latency minus the p50 time of the same program started directly inside
a container, timed there around ``subprocess.run(["python3", "-c", SRC])`` (a probe run in the
exec container, ``--probe-runs`` samples per program right before every block, so under the same
load as the block). ``python3 -c pass`` is probed too: Python's start-up. For the pool the report
also splits its overhead: around the run (latency minus the agent's reported wall time of the same
run, fork to exit) and the rest (inside that wall time: the agent's fork and child set-up).

Runtime: ``--runtime NAME`` runs all three methods' containers under that Docker runtime (the
pool as ``DockerSandboxPool(runtime=NAME)``), with the settings the pool uses under it: for
gVisor (a runtime whose binary is ``runsc``) the host pids and memory caps sized for gVisor's
Sentry, straight from `ContainerSpec`, so the three are compared under the same kernel. Without
it, ``RLVR_SANDBOX_RUNTIME`` is used the way the pool uses it, else the engine's default (runc);
the report names the runtime, as the engine reports it for the containers started. Run the
script once per runtime with the same arguments to compare them.

    python3 -m rlvr_gym sandbox build      # the runner image, once
    python3 benchmarks/sandbox_latency.py [--runs 100] [--docker-run-runs 20] [--pool-size 2]
    python3 benchmarks/sandbox_latency.py --runtime rlvr-runsc     # the same under gVisor

Every container it starts carries the label ``rlvr-gym.benchmark.owner=<this process>`` and is
removed at the end (the pool's own containers by ``pool.close()``); nothing else is touched.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from rlvr_gym.sandboxes import DEFAULT_IMAGE, DockerSandboxPool, Limits, SandboxFile
from rlvr_gym.sandboxes.container import ContainerSpec, remove_quietly
from rlvr_gym.sandboxes.engine import OWNER_LABEL, check_runtime, configured_runtime, connect
from rlvr_gym.sandboxes.reap import owner_identity

BENCH_LABEL = "rlvr-gym.benchmark"
BENCH_OWNER_LABEL = "rlvr-gym.benchmark.owner"
LIMITS = Limits(wall_s=10, cpu_s=10, memory_bytes=256 * 1024**2)

TRIVIAL = "print(1)\n"

# HumanEval/0 (reference solution) and 10 calls: 7 from its tests and 3 more, one JSON line each.
SUITE = '''\
import json
from typing import List


def has_close_elements(numbers: List[float], threshold: float) -> bool:
    for idx, elem in enumerate(numbers):
        for idx2, elem2 in enumerate(numbers):
            if idx != idx2:
                distance = abs(elem - elem2)
                if distance < threshold:
                    return True
    return False


CALLS = [
    ([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.3),
    ([1.0, 2.0, 3.9, 4.0, 5.0, 2.2], 0.05),
    ([1.0, 2.0, 5.9, 4.0, 5.0], 0.95),
    ([1.0, 2.0, 5.9, 4.0, 5.0], 0.8),
    ([1.0, 2.0, 3.0, 4.0, 5.0, 2.0], 0.1),
    ([1.1, 2.2, 3.1, 4.1, 5.1], 1.0),
    ([1.1, 2.2, 3.1, 4.1, 5.1], 0.5),
    ([1.0, 2.0, 3.0], 0.5),
    ([1.0, 2.8, 3.0, 4.0, 5.0, 2.0], 0.3),
    ([], 1.0),
]
for i, (numbers, threshold) in enumerate(CALLS):
    try:
        print(json.dumps({"i": i, "value": has_close_elements(numbers, threshold)}))
    except Exception as exc:
        print(json.dumps({"i": i, "error": repr(exc)}))
'''

PROGRAMS = {"trivial": TRIVIAL, "suite": SUITE}
METHODS = ("docker run", "docker exec", "pool")

# Run inside a container: times each program given on the command line, started directly with
# subprocess (no sandbox machinery), argv[1] times each; prints the samples in ms as JSON.
PROBE = '''\
import json, subprocess, sys, time
samples = [[] for _ in sys.argv[2:]]
for _ in range(int(sys.argv[1])):
    for i, source in enumerate(sys.argv[2:]):
        t = time.perf_counter()
        subprocess.run(["python3", "-c", source], check=True, capture_output=True)
        samples[i].append((time.perf_counter() - t) * 1000)
print(json.dumps(samples))
'''
PROBED = {"pass": "pass", **PROGRAMS}


def expected_output(source: str) -> bytes:
    """What the program prints (our own fixed code, run on the host)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(source, "<bench>", "exec"), {"__name__": "__main__"})
    return buffer.getvalue().encode()


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class Series:
    """The timed runs of one method on one program."""

    target: int
    latencies: list[float] = field(default_factory=list)
    inside: list[float] = field(default_factory=list)  # pool only: the agent's wall time
    probes: list[float] = field(default_factory=list)  # the program started directly, same blocks
    failures: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return len(self.latencies) + len(self.failures) >= self.target

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)

    @property
    def per_second(self) -> float:
        return len(self.latencies) / sum(self.latencies) if self.latencies else float("nan")

    @property
    def overhead(self) -> float:
        return self.p(50) - percentile(self.probes, 50)


class Bench:
    """The three methods, their containers, and the cleanup of what this process started."""

    def __init__(self, image: str, pool_size: int, runtime: str | None) -> None:
        self.client = connect()
        self.owner = owner_identity()
        self.image_id = str(self.client.images.get(image).id)
        # Resolved the way the pool resolves it, so all three methods get the same runtime; an
        # unknown name is refused here, before any container starts.
        self.runtime = configured_runtime(runtime)
        self.gvisor = self.runtime is not None and check_runtime(self.client, self.runtime)
        spec = ContainerSpec(image=self.image_id, limits=LIMITS, owner=self.owner,
                             runtime=self.runtime, gvisor=self.gvisor)
        options = spec.create_options()
        # Same isolation as the pool's containers (the runtime and, under gVisor, the caps
        # sized for its Sentry included); no agent here, so no capability at all and the
        # program's uid directly. docker run keeps the default log driver: the SDK reads the
        # program's output from the container's log.
        for key in ("image", "command", "detach", "stdin_open", "tty", "log_config", "name",
                    "labels", "cap_add"):
            options.pop(key)
        options["user"] = "1000:1000"
        options["working_dir"] = "/work"
        options["labels"] = {BENCH_LABEL: "sandbox_latency", BENCH_OWNER_LABEL: self.owner}
        self.options = options
        self.exec_container = None
        self.pool: DockerSandboxPool | None = None
        try:
            started = time.perf_counter()
            self.exec_container = self.client.containers.run(
                self.image_id, ["sleep", "infinity"], detach=True, name=self._name("exec"),
                **{**options, "log_config": {"Type": "none", "Config": {}}},
            )
            self.exec_start_s = time.perf_counter() - started
            started = time.perf_counter()
            self.pool = DockerSandboxPool(image=self.image_id, size=pool_size, limits=LIMITS,
                                          runtime=self.runtime)
            first = self.pool.run(["python3", "-c", "pass"])  # waits for the first container
            if not first.ok:
                raise RuntimeError(f"the pool cannot run python3: {first}")
            self.pool_start_s = time.perf_counter() - started
        except BaseException:
            self.close()
            raise

    def runtimes_seen(self) -> str:
        """The runtime the engine reports for the exec container and for the pool's containers
        (found by this process's owner label): a check that the runtime asked for is used."""
        assert self.exec_container is not None
        self.exec_container.reload()
        seen = {f"exec container {self.exec_container.attrs['HostConfig'].get('Runtime')}"}
        for container in self.client.containers.list(
                filters={"label": f"{OWNER_LABEL}={self.owner}"}):
            seen.add(f"pool container {container.attrs['HostConfig'].get('Runtime')}")
        return ", ".join(sorted(seen))

    def describe(self) -> str:
        """The runtime and the caps it sets, for the report."""
        name = self.runtime or f"engine default ({self.client.info().get('DefaultRuntime')})"
        kind = "gVisor" if self.gvisor else "not gVisor"
        return (f"runtime {name}, {kind}; host caps per container: pids "
                f"{self.options['pids_limit']}, memory {self.options['mem_limit'] // 1024**2} MiB")

    def _name(self, what: str) -> str:
        return f"rlvr-bench-{what}-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    def docker_run(self, source: str) -> tuple[bytes, float | None]:
        output = self.client.containers.run(
            self.image_id, ["python3", "-c", source], remove=True, detach=False, stdout=True,
            stderr=True, name=self._name("run"), **self.options,
        )
        return bytes(output), None

    def docker_exec(self, source: str) -> tuple[bytes, float | None]:
        assert self.exec_container is not None
        code, output = self.exec_container.exec_run(
            ["python3", "-c", source], user="1000:1000", workdir="/work",
        )
        assert isinstance(output, bytes)  # not streamed
        if code != 0:
            raise RuntimeError(f"exit code {code}: {output[-300:]!r}")
        return bytes(output), None

    def pool_run(self, source: str) -> tuple[bytes, float | None]:
        assert self.pool is not None
        result = self.pool.run(["python3", "main.py"],
                               files=[SandboxFile("main.py", source.encode())])
        if not result.ok:
            problem = result.infra_error or f"exit code {result.exit_code}"
            raise RuntimeError(f"{problem}: {result.stderr[-300:]!r}")
        return result.stdout + result.stderr, result.wall_s

    def probe(self, runs: int) -> dict[str, list[float]]:
        """Each program of `PROBED` started directly in the exec container, `runs` times; s."""
        assert self.exec_container is not None
        code, output = self.exec_container.exec_run(
            ["python3", "-c", PROBE, str(runs), *PROBED.values()], user="1000:1000",
            workdir="/work",
        )
        assert isinstance(output, bytes)  # not streamed
        if code != 0:
            raise RuntimeError(f"the probe failed: {output[-300:]!r}")
        samples = json.loads(output)
        return {name: [v / 1000 for v in found] for name, found in zip(PROBED, samples,
                                                                        strict=True)}

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
        # Whatever this process started and is still there (an interrupted docker run included):
        # found by this process's own owner label only.
        mine = self.client.containers.list(
            all=True, filters={"label": f"{BENCH_OWNER_LABEL}={self.owner}"},
        )
        for container in mine:
            remove_quietly(container)


def measure(
    bench: Bench, targets: dict[str, int], rounds: int, warmup: int, settle_s: float,
    probe_runs: int, max_seconds: float,
) -> tuple[dict[tuple[str, str], Series], list[float], bool]:
    """Blocks of runs, method by method, in `rounds` rounds whose order rotates, each after a
    probe; returns the series, the probed start-up times and whether time ran out."""
    calls: dict[str, Callable[[str], tuple[bytes, float | None]]] = {
        "docker run": bench.docker_run, "docker exec": bench.docker_exec, "pool": bench.pool_run,
    }
    expected = {name: expected_output(source) for name, source in PROGRAMS.items()}
    for _ in range(warmup):  # page cache, first-use paths; not counted
        for method in METHODS:
            for source in PROGRAMS.values():
                calls[method](source)
    series = {(m, p): Series(targets[m]) for m in METHODS for p in PROGRAMS}
    startup: list[float] = []
    deadline = time.monotonic() + max_seconds
    for round_index in range(rounds):
        shift = round_index % len(METHODS)
        for method in METHODS[shift:] + METHODS[:shift]:
            if all(series[(method, p)].done for p in PROGRAMS):
                continue
            time.sleep(settle_s)  # let the engine finish the previous block's teardown
            probed = bench.probe(probe_runs)
            startup += probed["pass"]
            for program in PROGRAMS:
                series[(method, program)].probes += probed[program]
            share = -(-targets[method] // rounds)
            for program, source in PROGRAMS.items():
                current = series[(method, program)]
                for _ in range(share):
                    if current.done:
                        break
                    if time.monotonic() > deadline:
                        return series, startup, True
                    started = time.perf_counter()
                    try:
                        output, inside = calls[method](source)
                    except Exception as exc:  # counted and shown, never timed
                        current.failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                        continue
                    elapsed = time.perf_counter() - started
                    if output != expected[program]:
                        current.failures.append(f"wrong output {output[:100]!r}")
                        continue
                    current.latencies.append(elapsed)
                    if inside is not None:
                        current.inside.append(inside)
    return series, startup, False


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def report(series: dict[tuple[str, str], Series], startup: list[float], bench: Bench,
           pool_size: int) -> bool:
    """Print the tables; returns whether the issue's target (overhead ratio >= 20) is met."""
    print(f"\nContainers: {bench.describe()}")
    print("\nPer run (one at a time, in blocks per method; runs/s = runs / time spent in them;")
    print("direct: the program started with subprocess inside a container, same blocks)\n")
    print("| program | method | runs | p50 ms | p90 ms | p99 ms | runs/s | direct p50 ms | "
          "overhead p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for program in PROGRAMS:
        for method in METHODS:
            s = series[(method, program)]
            failed = f" ({len(s.failures)} failed)" if s.failures else ""
            print(f"| {program} | {method} | {len(s.latencies)}{failed} | {ms(s.p(50))} | "
                  f"{ms(s.p(90))} | {ms(s.p(99))} | {s.per_second:.1f} | "
                  f"{ms(percentile(s.probes, 50))} | {ms(s.overhead)} |")
    print("\nRatios (in this run; > 1: the pool is better)\n")
    print("| program | p50: docker run / pool | p50: docker exec / pool | "
          "runs/s: pool / docker run | runs/s: pool / docker exec | "
          "overhead p50: docker run / pool | overhead p50: docker exec / pool |")
    print("|---|---|---|---|---|---|---|")
    met = True
    for program in PROGRAMS:
        run, exe = series[("docker run", program)], series[("docker exec", program)]
        pool = series[("pool", program)]
        ratio = run.overhead / pool.overhead
        met = met and ratio >= 20
        print(f"| {program} | {run.p(50) / pool.p(50):.1f}x | {exe.p(50) / pool.p(50):.1f}x | "
              f"{pool.per_second / run.per_second:.1f}x | {pool.per_second / exe.per_second:.1f}x"
              f" | **{ratio:.0f}x** | {exe.overhead / pool.overhead:.0f}x |")
    print("\nThe pool's overhead split (p50 ms): around the run = latency - the agent's wall time "
          "of the same run (fork to exit: the channel, wipes, file write, kill sweep); the rest "
          "is inside that wall time, beyond the direct time")
    for program in PROGRAMS:
        pool = series[("pool", program)]
        host = percentile([a - b for a, b in zip(pool.latencies, pool.inside, strict=True)], 50)
        inside = percentile(pool.inside, 50)
        print(f"  {program}: around the run {ms(host)}, agent's wall time {ms(inside)} vs direct "
              f"{ms(percentile(pool.probes, 50))}")
    print(f"\nPython start-up in a container (`python3 -c pass` started directly, p50 of "
          f"{len(startup)}): {ms(percentile(startup, 50))} ms")
    print(f"Set-up, not in the figures: the exec container started in {ms(bench.exec_start_s)} "
          f"ms; the pool (size {pool_size}) ran its first program {ms(bench.pool_start_s)} ms "
          "after construction")
    for (method, program), s in series.items():
        for failure in s.failures[:3]:
            print(f"FAILED {method} / {program}: {failure}")
    verdict = "MET" if met else "NOT MET"
    print(f"\nTarget (the pool's p50 overhead per run at least 20x lower than a fresh docker "
          f"run's, both programs): {verdict}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100,
                        help="timed runs per program for the pool and docker exec (default 100)")
    parser.add_argument("--docker-run-runs", type=int, default=None,
                        help="timed runs per program for docker run (default: --runs / 5)")
    parser.add_argument("--pool-size", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5,
                        help="each method's runs are split into this many blocks, the methods "
                             "taking turns (default 5)")
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds of pause before each block, not timed (default 1)")
    parser.add_argument("--probe-runs", type=int, default=10,
                        help="direct in-container samples per program before each block")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per method first")
    parser.add_argument("--max-seconds", type=float, default=600,
                        help="stop the timed runs after this long and report what was measured")
    parser.add_argument("--image", default=DEFAULT_IMAGE)
    parser.add_argument("--runtime", default=None, metavar="NAME",
                        help="Docker runtime of every container, e.g. rlvr-runsc for gVisor "
                             "(default: RLVR_SANDBOX_RUNTIME, else the engine's default)")
    args = parser.parse_args()
    docker_run_runs = args.docker_run_runs or max(1, args.runs // 5)
    targets = {"docker run": docker_run_runs, "docker exec": args.runs, "pool": args.runs}

    load_before = os.getloadavg()
    bench = Bench(args.image, args.pool_size, args.runtime)
    try:
        version = bench.client.version()
        info = bench.client.info()
        print(f"{datetime.datetime.now().isoformat(timespec='seconds')}  image {args.image} "
              f"({bench.image_id[7:19]})  Docker {version.get('Version')}, cgroup v"
              f"{info.get('CgroupVersion', '?')}, {info.get('Driver')}, {info.get('NCPU')} CPUs, "
              f"Python {sys.version.split()[0]} on the host")
        print(f"{bench.describe()}; as the engine reports it: {bench.runtimes_seen()}")
        print(f"runs per program: {targets}; pool size {args.pool_size}; load average before "
              f"{load_before[0]:.2f}")
        started = time.monotonic()
        series, startup, out_of_time = measure(bench, targets, args.rounds, args.warmup,
                                               args.settle, args.probe_runs, args.max_seconds)
        elapsed = time.monotonic() - started
    finally:
        bench.close()
    if out_of_time:
        print(f"\nstopped after --max-seconds {args.max_seconds:g}: fewer runs than asked")
    report(series, startup, bench, args.pool_size)
    load_after = os.getloadavg()
    print(f"measured in {elapsed:.0f} s; load average after {load_after[0]:.2f} "
          f"(1 min), {load_after[1]:.2f} (5 min)")


if __name__ == "__main__":
    main()
