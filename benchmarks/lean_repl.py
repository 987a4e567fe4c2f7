"""Lean REPL throughput: header reuse in a pool against a fresh REPL process per proof.

Over the bundled core-Lean theorems (``rlvr_gym/data/lean_core_theorems.jsonl``, or
``--dataset`` with a miniF2F / Lean Workbook / plain file), each proof is the theorem's
statement followed by its reference proof, checked as one command:

- (a) ``fresh``: a new REPL process per proof: start it, elaborate the header, check the proof,
  stop it (a `ReplPool` made and closed per proof), one proof at a time;
- (b) ``pool N``: one `ReplPool` with ``processes_per_header=N``; its processes elaborate the
  header once (`warm_up`, timed apart as the start-up cost) and N threads send the proofs.
  N runs over ``--pool-sizes`` (default 1 2 4).

It prints, per method: proofs, proofs that Lean accepted (no error message, no sorry), p50 and
p99 latency of one proof, proofs/s, and for the pools the warm-up time; then the speed-up of
each pool over fresh processes. ``--header "import Mathlib"`` (with ``--cwd`` a Lean project
that has Mathlib) shows what header reuse is for: there a fresh process pays the import on
every proof.

    export RLVR_LEAN_REPL="lake env /path/to/repl/.lake/build/bin/repl"   # or repl on PATH
    python3 benchmarks/lean_repl.py [--fresh-proofs 10] [--passes 3] [--pool-sizes 1 2 4]

Without a Lean REPL (no ``RLVR_LEAN_REPL``, no ``repl`` or ``lake`` on PATH, no ``--command``) it
says what it needs and exits 0.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rlvr_gym.core.task import Task
from rlvr_gym.lean.client import find_lean_command
from rlvr_gym.lean.pool import ReplPool
from rlvr_gym.lean.types import CommandResult
from rlvr_gym.tasks.lean_datasets import bundled_core_path, load_lean_tasks

NEEDS_LEAN = """\
This benchmark needs a Lean 4 REPL (leanprover-community/repl) and none was found.
Point rlvr-gym at one, then run it again:

    # a checkout of leanprover-community/repl whose lean-toolchain matches your project:
    cd repl && lake build
    export RLVR_LEAN_REPL="lake env $PWD/.lake/build/bin/repl"     # or put `repl` on PATH

or give the command directly: --command "lake env /path/to/repl/.lake/build/bin/repl".
For --header "import Mathlib", also pass --cwd with a Lean project that requires Mathlib.
"""


@dataclass(frozen=True)
class Proof:
    """One check: the source sent to Lean and the header it runs under."""

    name: str
    source: str
    header: str


@dataclass
class Timing:
    """What one method measured."""

    method: str
    latencies: list[float]
    accepted: int
    elapsed_s: float
    warm_up_s: float | None = None

    @property
    def proofs_per_s(self) -> float:
        return len(self.latencies) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def row(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        p50 = statistics.median(ms) if ms else 0.0
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))] if ms else 0.0
        warm = f"{self.warm_up_s:.2f}" if self.warm_up_s is not None else "-"
        return (f"| {self.method} | {len(ms)} | {self.accepted} | {p50:.1f} | {p99:.1f} | "
                f"{self.proofs_per_s:.2f} | {warm} |")


def proofs_of(tasks: Sequence[Task], header: str | None) -> list[Proof]:
    """Statement + reference proof of every task that has one."""
    found = []
    for task in tasks:
        solution = task.reference.get("solution")
        if not solution:
            continue
        found.append(Proof(task.id, f"{task.reference['theorem']} {solution}",
                           task.reference["header"] if header is None else header))
    return found


def accepted(result: CommandResult) -> bool:
    """Lean took the proof: no refusal, no error message, no sorry."""
    return not result.has_errors and not result.sorries


def run_fresh(command: list[str], cwd: str | None, proofs: Sequence[Proof],
              timeout_s: float) -> Timing:
    latencies, ok = [], 0
    started = time.perf_counter()
    for proof in proofs:
        t0 = time.perf_counter()
        with ReplPool(command, cwd, timeout_s=timeout_s) as pool:
            result = pool.check(proof.source, proof.header)
        latencies.append(time.perf_counter() - t0)
        ok += accepted(result)
    return Timing("fresh process per proof", latencies, ok, time.perf_counter() - started)


def run_pool(command: list[str], cwd: str | None, proofs: Sequence[Proof], size: int,
             timeout_s: float) -> Timing:
    headers = sorted({p.header for p in proofs})
    with ReplPool(command, cwd, processes_per_header=size, timeout_s=timeout_s) as pool:
        t0 = time.perf_counter()
        for header in headers:
            pool.warm_up(header)
        warm_up = time.perf_counter() - t0
        latencies: list[float] = []
        ok = 0
        lock = threading.Lock()

        def check(proof: Proof) -> None:
            nonlocal ok
            t = time.perf_counter()
            result = pool.check(proof.source, proof.header)
            elapsed = time.perf_counter() - t
            with lock:
                latencies.append(elapsed)
                ok += accepted(result)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=size) as executor:
            list(executor.map(check, proofs))
        elapsed_s = time.perf_counter() - started
    return Timing(f"pool of {size}", latencies, ok, elapsed_s, warm_up)


def report(timings: Sequence[Timing], out: Callable[[str], None] = print) -> None:
    out("| method | proofs | accepted | p50 ms | p99 ms | proofs/s | warm-up s |")
    out("|---|---|---|---|---|---|---|")
    for timing in timings:
        out(timing.row())
    fresh = next((t for t in timings if t.method.startswith("fresh")), None)
    if fresh is not None and fresh.proofs_per_s > 0:
        for timing in timings:
            if timing is not fresh:
                out(f"{timing.method}: {timing.proofs_per_s / fresh.proofs_per_s:.1f}x the "
                    "proofs/s of a fresh process per proof")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--command", help="the REPL command (default: RLVR_LEAN_REPL or PATH)")
    parser.add_argument("--cwd", help="the Lean project to start the REPL in")
    parser.add_argument("--dataset", default=str(bundled_core_path()),
                        help="theorems with reference proofs (default: the bundled core set)")
    parser.add_argument("--header", default=None,
                        help="the header to check every proof under (default: each row's)")
    parser.add_argument("--pool-sizes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--passes", type=int, default=3,
                        help="how many times the pools check the whole set")
    parser.add_argument("--fresh-proofs", type=int, default=10,
                        help="proofs checked by fresh processes (each pays a start-up)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    args = parser.parse_args(argv)

    command = shlex.split(args.command) if args.command else find_lean_command()
    if not command:
        sys.stdout.write(NEEDS_LEAN)
        return 0
    proofs = proofs_of(load_lean_tasks(Path(args.dataset)), args.header)
    if not proofs:
        sys.stdout.write(f"{args.dataset} holds no reference proofs to check\n")
        return 1
    print(f"REPL: {shlex.join(command)}; {len(proofs)} proofs from {args.dataset}; "
          f"headers: {sorted({p.header or '(none)' for p in proofs})}")
    timings = [run_fresh(command, args.cwd, proofs[:args.fresh_proofs], args.timeout)]
    for size in args.pool_sizes:
        timings.append(run_pool(command, args.cwd, proofs * args.passes, size, args.timeout))
    report(timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
