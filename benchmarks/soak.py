"""A soak run: `rlvr score --processes` on a mixed, hostile stream for minutes, under faults.

Rows (see soak_rows.py): math (right, wrong, malformed and hostile answers: huge powers,
factorials, towers that must end at the time limit), code (public problems' reference and wrong
solutions; hostile programs from tests/code/attacks: fork and memory bombs, an infinite loop,
sleeping past the limit, an output flood, network access, writes outside the work folder, a
daemon left running, tampering with the harness), Lean (right, sorry, a changed statement, a
forbidden axiom) and malformed rows (missing fields, wrong types, lines that are not JSON
objects). Each row has an ``id``, a ``label`` and the score it must get (``expect``).

They go in rounds: each round is its own input file of ``--round-rows`` rows, scored by one
`rlvr score FILE --out OUT --processes --workers W --per-worker K` child into its own output
file; the next round starts until ``--minutes`` or ``--max-rows`` runs out (then at most two
more, only while a fault kind was never injected or a fault's recovery has not shown yet).
Meanwhile, every ``--fault-every`` seconds, one fault in turn (soak_faults.py): a sandbox
container killed; paused for 4 s; paused and left so; the Docker socket (the child reaches the
engine through a `DockerSocketProxy`) cut for 3 s; a Lean REPL killed; a scoring worker
killed; a math worker killed; the `rlvr score` process itself SIGKILLed and started again with
the same command (it must resume its output file). Every few seconds the memory of each
process class is sampled.

At the end it checks that every input row has exactly one result row, that every judged row got
the score it must (an infrastructure error is no judgement; a right answer scored 0 is a
failure), that malformed rows got an ``error``, that every fault kind was injected and the pools
recovered from each, that a killed `rlvr score` left no process behind, that the hostile programs
left the host alone, and that memory stayed within the bounds printed at the start. It prints
and writes ``report.json`` and ``report.md`` (tables to paste into docs/benchmarks.md) and exits
1 when any check fails.

    python3 -m rlvr_gym sandbox build          # the runner image, once
    python3 benchmarks/soak.py [--minutes 10] [--max-rows N] [--workers 2] [--per-worker 2]
        [--faults all|none|KIND,...] [--fault-every 15] [--round-rows 300] [--out DIR] [--seed 0]

Lean rows go to a real Lean REPL when one is found (``RLVR_LEAN_REPL``, ``repl`` or ``lake`` on
PATH); otherwise to ``python -m rlvr_gym.lean.replay`` over transcripts the soak writes, in the
REPL's format, for exactly the requests its rows make.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak_child import Child, Output, lean_setup, scorer_command
from soak_faults import KINDS, Fault, Injector, Schedule, census, rows_needed
from soak_procs import (
    Engine,
    Sample,
    Tree,
    alive,
    become_subreaper,
    reap_zombies,
    sample,
    scan,
    scorer_tree,
)
from soak_report import (
    LEAK_WAIT_S,
    RoundResult,
    Seen,
    attribute,
    bounds_text,
    build,
    markdown,
    recover,
)
from soak_rows import RowStream

MAX_EXTRA_ROUNDS = 2  # after the time is up, for kinds never injected or recoveries unseen
ROUND_TIMEOUT_S = 900.0  # one round's `rlvr score` (restarts included) may take this long at most
MAX_STARTS = 10  # of one round's `rlvr score`, the soak's own restarts included
TICK_S = 0.2


@dataclass
class Options:
    minutes: float
    max_rows: int
    workers: int
    per_worker: int
    faults: list[str]
    fault_every: float
    round_rows: int
    out: Path
    seed: int
    sample_every: float


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--max-rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-worker", type=int, default=2)
    parser.add_argument("--faults", default="all",
                        help=f"all, none, or a comma-separated list of: {', '.join(KINDS)}")
    parser.add_argument("--fault-every", type=float, default=15.0, metavar="SECONDS")
    parser.add_argument("--round-rows", type=int, default=300)
    parser.add_argument("--sample-every", type=float, default=2.0, metavar="SECONDS")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.faults == "all":
        faults = list(KINDS)
    elif args.faults == "none":
        faults = []
    else:
        faults = [k.strip() for k in args.faults.split(",") if k.strip()]
        unknown = [k for k in faults if k not in KINDS]
        if unknown:
            parser.error(f"unknown fault kinds {unknown}; known: {', '.join(KINDS)}")
    out = args.out or Path(tempfile.mkdtemp(prefix="rlvr-soak-"))
    return Options(args.minutes, args.max_rows, args.workers, args.per_worker, faults,
                   args.fault_every, args.round_rows, out, args.seed, args.sample_every)


class Soak:
    """The run: rounds of `rlvr score` children, faults on a schedule, samples, then checks."""

    def __init__(self, options: Options) -> None:
        from rlvr_gym.testing.docker_proxy import DockerSocketProxy

        self.options = options
        self.out = options.out
        (self.out / "rounds").mkdir(parents=True, exist_ok=True)
        self.subreaper = become_subreaper()
        self.marker, self.canary = self.out / "host-marker", self.out / "host-canary"
        self.canary.write_text("untouched\n", encoding="utf-8")
        self.stream = RowStream(options.seed, self.marker, self.canary)
        lean_env, self.lean_mode = lean_setup(self.out)
        # the child reaches the engine through this proxy; a unix socket's path must be short
        self.socket_dir = Path(tempfile.mkdtemp(prefix="soak-", dir="/tmp"))
        self.proxy = DockerSocketProxy(self.socket_dir / "docker.sock")
        self.engine = Engine()
        self.env = {**os.environ, **lean_env, "DOCKER_HOST": self.proxy.url,
                    "PYTHONUNBUFFERED": "1"}
        self.schedule = Schedule(options.faults, options.seed)
        self.injector = Injector(self.engine, self.proxy, options.seed)
        self.t0 = time.monotonic()
        self.deadline = options.minutes * 60
        self.child: Child | None = None
        self.rows_made = 0
        self.rows_seen = 0
        self.gen = 0  # which `rlvr score` process: every start, restarts included, is a new one
        self.faults: list[Fault] = []
        self.fault_gen: dict[int, int] = {}
        self.samples: list[Sample] = []
        self.rounds: list[RoundResult] = []
        self.undo: list[tuple[float, Any, Fault]] = []
        self.undoing: list[threading.Thread] = []
        self.leak_checks: list[tuple[float, dict[int, str], Fault]] = []
        self.leaks: list[dict[str, Any]] = []
        self.skipped: Counter[str] = Counter()
        self.owners_ever: set[str] = set()
        self.next_fault = min(options.fault_every, 20.0)
        self.next_sample = 0.0
        self.extra_rounds = 0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def say(self, text: str) -> None:
        print(f"soak: {self.now():7.1f}s {text}", flush=True)

    # -- rounds ----------------------------------------------------------------------------

    def new_round(self) -> Child | None:
        size = min(self.options.round_rows, self.options.max_rows - self.rows_made)
        if size <= 0:
            return None
        batch = self.stream.next_round(size)
        self.rows_made += size
        stem = self.out / "rounds" / f"round-{batch.number:03d}"
        source, target = Path(f"{stem}.jsonl"), Path(f"{stem}.out.jsonl")
        batch.write(source)  # written whole before its child starts, never changed after
        result = RoundResult(batch.number, list(batch.rows),
                             {i: str(r["label"]) for i, r in batch.rows.items()})
        self.rounds.append(result)
        command = scorer_command(source, target, self.options.workers, self.options.per_worker)
        child = Child(batch, result, command, self.env, Path(f"{stem}.log"), Output(target))
        self.gen += 1
        child.start(self.now())
        return child

    def collect(self, child: Child) -> None:
        for row in child.output.read():
            rid = row.get("id") if isinstance(row.get("id"), str) else None
            if rid is None and isinstance(row.get("row"), int):  # a line that was no object
                rid = child.batch.line_ids.get(row["row"])
            source = child.batch.rows.get(rid or "", {})
            label = str(source.get("label", "?"))
            child.result.seen.append(Seen(
                self.now(), self.rows_seen, child.batch.number, self.gen, rid, label,
                label.split("/")[0] if label != "?" else "?", source.get("expect"), row))
            self.rows_seen += 1

    def round_over(self, child: Child, code: int) -> bool:
        """The child exited: True when its round is over (done, or out of time)."""
        self.collect(child)
        child.result.exit_codes.append(code)
        if (code != 0 and self.now() - child.started < ROUND_TIMEOUT_S
                and child.result.starts < MAX_STARTS):
            self.say(f"`rlvr score` exited {code} unasked; starting it again")
            self.gen += 1
            child.start(self.now())
            return False
        child.result.finished = code == 0
        self.say(f"round {child.batch.number} done: {len(child.result.seen)}/"
                 f"{len(child.batch.rows)} rows, starts {child.result.starts}, exit "
                 f"{child.result.exit_codes}")
        return True

    def another_round(self) -> bool:
        """Rounds go on until the time is up; then at most `MAX_EXTRA_ROUNDS` more while a
        fault kind was never injected (only those are injected then) or a fault's recovery
        has not shown yet (judged as the report will)."""
        if self.now() < self.deadline:
            return True
        if self.extra_rounds >= MAX_EXTRA_ROUNDS:
            return False
        if self.never_injected():
            why = f"{', '.join(self.never_injected())} not injected yet"
        elif self.unsettled():
            why = "a fault's recovery has not shown yet"
        else:
            return False
        self.extra_rounds += 1
        self.say(f"time is up, but {why}: one more round")
        return True

    def never_injected(self) -> list[str]:
        done = {f.kind for f in self.faults}
        return [k for k in self.options.faults if k not in done]

    def unsettled(self) -> bool:
        """Whether a fault's recovery has not shown yet (judged as the report will)."""
        seen = sorted((s for r in self.rounds for s in r.seen), key=lambda s: s.pos)
        blamed, _ = attribute(seen, self.faults, self.fault_gen)
        recover(seen, self.faults, blamed, self.fault_gen)
        return any(f.recovery_s is None for f in self.faults)

    # -- faults ----------------------------------------------------------------------------

    def tree(self, child: Child) -> Tree:
        tree = scorer_tree(scan(), child.pid)
        self.owners_ever |= tree.owners()
        return tree

    def maybe_inject(self, child: Child) -> None:
        now = self.now()
        if not self.options.faults or now < self.next_fault or now - child.started < 8.0:
            return
        missing = self.never_injected() if now >= self.deadline else None
        if missing == []:
            return  # after the time is up: only kinds that were never injected
        kind = self.schedule.next(functools.partial(
            room_for, remaining=child.remaining, round_rows=len(child.batch.rows),
            only=missing))
        if kind is None:
            return
        if self.inject(child, kind):
            self.schedule.done(kind)
            self.next_fault = now + self.options.fault_every
        else:
            self.skipped[kind] += 1
            self.schedule.postpone(kind)
            self.next_fault = now + 1.0

    def inject(self, child: Child, kind: str) -> bool:
        tree = self.tree(child)
        now = self.now()
        fault = Fault(kind, now, "", child.batch.number, self.rows_seen, KINDS[kind][0])
        fault.baseline = census(kind, tree, self.engine)
        if kind == "scorer_kill":
            popen = child.popen()
            if popen.poll() is not None:
                return False
            snapshot = {pid: start for pid, start in tree.pids.items() if pid != tree.main}
            popen.send_signal(signal.SIGKILL)
            popen.wait()
            self.collect(child)  # what the killed process wrote, before its successor writes
            child.result.exit_codes.append(popen.returncode)
            fault.target = f"pid {child.pid} ({len(snapshot) + 1} processes in its tree)"
            self.record(fault)
            self.gen += 1
            child.start(self.now())  # the same command: it must resume its output file
            self.leak_checks.append((now + LEAK_WAIT_S, snapshot, fault))
        else:
            struck = self.injector.strike(kind, tree)
            if struck is None:
                return False
            fault.target, action, delay = struck
            self.record(fault)
            if action is not None:
                self.undo.append((now + delay, action, fault))
        self.say(f"fault {kind}: {fault.target}")
        return True

    def record(self, fault: Fault) -> None:
        self.faults.append(fault)
        self.fault_gen[id(fault)] = self.gen

    def undo_due(self, everything: bool = False) -> None:
        for entry in [u for u in self.undo if everything or u[0] <= self.now()]:
            self.undo.remove(entry)
            self.undoing.append(undo(self, entry[1], entry[2]))

    def check_leaks(self, final: bool = False) -> None:
        """Processes of a SIGKILLed `rlvr score` still alive `LEAK_WAIT_S` after the kill are
        leaks: counted, then ended (the soak started them). `final`: wait for the last ones."""
        while self.leak_checks:
            for entry in list(self.leak_checks):
                due, snapshot, fault = entry
                living = [pid for pid, start in snapshot.items() if alive(pid, start)]
                if living and self.now() < due:
                    continue
                self.leak_checks.remove(entry)
                procs = scan()
                self.leaks.append({
                    "kill_t": round(fault.t, 1), "processes": len(snapshot),
                    "gone_after_s": None if living else round(self.now() - fault.t, 1),
                    "alive": [f"{pid} {procs[pid].cmd[:60]}" for pid in living if pid in procs],
                })
                for pid in living:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
            if not final:
                return
            time.sleep(TICK_S)

    def watch_paused(self) -> None:
        """Note when the pool got rid of a container left paused."""
        import docker

        for container in list(self.injector.left_paused):
            try:
                container.reload()
                continue
            except docker.errors.NotFound:
                pass
            except Exception:  # the engine slow to answer: look again at the next sample
                continue
            self.injector.left_paused.remove(container)
            fault = next((f for f in reversed(self.faults) if f.kind == "container_pause_left"
                          and container.id[:12] in f.target), None)
            if fault is not None:
                fault.replaced_s = round(self.now() - fault.t, 1)

    def watch_restored(self, tree: Tree) -> None:
        """Note when what a fault struck runs again in full (same `rlvr score` process; for a
        scorer kill, its successor)."""
        for fault in self.faults:
            gen = self.fault_gen[id(fault)] + (1 if fault.kind == "scorer_kill" else 0)
            if fault.restored_s is not None or fault.baseline is None or gen != self.gen:
                continue
            count = census(fault.kind, tree, self.engine)
            if count is not None and count >= fault.baseline:
                fault.restored_s = self.now() - fault.t

    def take_sample(self, child: Child) -> None:
        now = self.now()
        if now < self.next_sample:
            return
        self.next_sample = now + self.options.sample_every
        tree = self.tree(child)
        leaked = sum(1 for _, snapshot, _ in self.leak_checks
                     for pid, start in snapshot.items() if alive(pid, start))
        self.samples.append(sample(now, self.rows_seen, child.batch.number, tree,
                                   self.engine.owned(tree.owners()), leaked))
        self.watch_paused()
        self.watch_restored(tree)

    # -- the run ---------------------------------------------------------------------------

    def loop(self) -> None:
        child = self.child = self.new_round()
        while child is not None:
            self.undo_due()
            self.collect(child)
            code = child.popen().poll()
            if code is None and self.now() - child.started > ROUND_TIMEOUT_S:
                self.say(f"round {child.batch.number} ran past {ROUND_TIMEOUT_S:g} s: killed")
                child.popen().kill()
                code = child.popen().wait()
            if code is not None:
                if self.round_over(child, code):
                    child = self.child = self.new_round() if self.another_round() else None
                continue
            self.maybe_inject(child)
            self.take_sample(child)
            self.check_leaks()
            reap_zombies({child.pid})
            time.sleep(TICK_S)

    def run(self) -> dict[str, Any]:
        options = self.options
        print(f"soak: {options.minutes:g} min, {options.workers} workers x "
              f"{options.per_worker}, faults {options.faults or 'none'} every "
              f"{options.fault_every:g} s; out {self.out}")
        print(f"soak: {self.lean_mode}; child subreaper: {self.subreaper}")
        for line in bounds_text():
            print(f"soak: bound: {line}")
        try:
            self.loop()
        except BaseException:
            self.emergency_stop()
            raise
        duration = self.now()
        self.undo_due(everything=True)
        for thread in self.undoing:
            thread.join(timeout=90)
        self.check_leaks(final=True)
        self.watch_paused()
        self.proxy.close()
        shutil.rmtree(self.socket_dir, ignore_errors=True)
        cleanup = self.clean_up()
        config = {"minutes": options.minutes, "max_rows": options.max_rows,
                  "workers": options.workers, "per_worker": options.per_worker,
                  "faults": options.faults, "fault_every": options.fault_every,
                  "round_rows": options.round_rows, "seed": options.seed,
                  "lean_mode": self.lean_mode,
                  "child": shlex.join(scorer_command(Path("IN"), Path("OUT"), options.workers,
                                                     options.per_worker)[1:])}
        report = build(config=config, duration=duration, rounds=self.rounds,
                       faults=self.faults, gens=self.fault_gen, samples=self.samples,
                       leaks=self.leaks, cleanup=cleanup, host=self.host_untouched(),
                       skipped=self.skipped)
        with (self.out / "samples.jsonl").open("w", encoding="utf-8") as handle:
            for item in self.samples:
                handle.write(json.dumps(item.to_dict()) + "\n")
        with (self.out / "seen.jsonl").open("w", encoding="utf-8") as handle:
            for result in self.rounds:  # when each result row showed up, for a closer look
                for seen in result.seen:
                    handle.write(json.dumps({
                        "t": round(seen.t, 2), "pos": seen.pos, "gen": seen.gen, "id": seen.id,
                        "label": seen.label, "expect": seen.expect,
                        "score": seen.row.get("score"), "reason": seen.reason,
                        "scoring_s": seen.row.get("scoring_s"),
                        "infra": (seen.infra or "")[:160] or None}) + "\n")
        return report

    def emergency_stop(self) -> None:
        """The soak itself failed: end the scoring child's processes and its containers."""
        child = self.child
        if child is not None and child.proc is not None:
            for pid in self.tree(child).pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            child.proc.wait()
        for container in self.engine.owned(self.owners_ever):
            self.engine.remove(container)
        self.proxy.close()

    def clean_up(self) -> dict[str, Any]:
        """Remove what the soak's scorers left: containers of dead workers, paused ones."""
        time.sleep(2.0)
        left = self.engine.owned(self.owners_ever)
        removed = [c.id[:12] for c in left if self.engine.remove(c)]
        for container in self.injector.left_paused:
            self.engine.remove(container)
        return {"containers_left_by_dead_workers": removed,
                "fault_actions_failed": self.injector.failures}

    def host_untouched(self) -> dict[str, Any]:
        problems = []
        if self.marker.exists():
            problems.append(f"{self.marker} exists")
        if self.canary.read_text(encoding="utf-8") != "untouched\n":
            problems.append(f"{self.canary} changed")
        return {"ok": not problems, "detail": "; ".join(problems) or
                "host marker absent, canary file unchanged"}


def room_for(kind: str, *, remaining: int, round_rows: int, only: list[str] | None) -> bool:
    return remaining >= rows_needed(kind, round_rows) and (only is None or kind in only)


def undo(soak: Soak, action: Any, fault: Fault) -> threading.Thread:
    """Undo a timed fault (unpause, restore the socket) in a thread: the engine may take its
    time, and the soak must keep reading and sampling meanwhile."""

    def work() -> None:
        started = soak.now()
        try:
            action()
        except Exception as exc:  # the container is gone (the pool removed it), or a timeout
            fault.notes.append(f"undo failed after {soak.now() - started:.1f} s: {exc!r}"[:300])
        else:
            if soak.now() - started > 5:
                fault.notes.append(f"undo took {soak.now() - started:.1f} s")
        fault.ended_t = soak.now()

    thread = threading.Thread(target=work, name=f"soak-undo-{fault.kind}", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    report = Soak(options).run()
    command = "python3 benchmarks/soak.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    text = markdown(report, command.strip())
    (options.out / "report.json").write_text(json.dumps(report, indent=2) + "\n",
                                             encoding="utf-8")
    (options.out / "report.md").write_text(text, encoding="utf-8")
    print(text)
    for check in report["checks"]:
        print(f"{'PASS' if check['ok'] else 'FAIL'}  {check['check']}: {check['detail']}")
    print(f"soak: report in {options.out / 'report.json'} and {options.out / 'report.md'}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
