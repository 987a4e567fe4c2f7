"""The soak's verdict on itself: checks, figures, and the Markdown to paste into docs.

Inputs are what the run recorded: every result row as it was seen in an output file
(`Seen`), the rounds' inputs, the faults, the memory samples.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from soak_faults import KINDS, Fault, causes
from soak_procs import MIB, Sample

# The memory bounds, stated before the run (see `bounds_text`).
MAIN_RSS_MAX_MIB = 256  # the `rlvr score` main process holds one round's rows, no more
WORKER_TREE_MAX_MIB = 1024  # a scoring worker + its math workers + its Lean REPL (PSS)
CONTAINER_MAX_MIB = 704  # the sandbox's cgroup cap: 512 MiB + tmpfs 96 MiB + 96 MiB agent
MAIN_GROWTH_MIB = 64  # last-quarter median minus first-quarter median (after minute 1)
WORKER_GROWTH_MIB = 128
LEAK_WAIT_S = 30.0  # processes of a killed `rlvr score` must be gone this long after the kill
RECOVERY_MAX_S = 120.0
BLAME_WINDOW_S = 120.0  # an infrastructure error this long after a fault is not its doing


def bounds_text() -> list[str]:
    return [
        f"the `rlvr score` main process: RSS <= {MAIN_RSS_MAX_MIB} MiB at every sample, and its "
        f"median in the last quarter of the run <= its median in the first quarter (after the "
        f"first minute) + {MAIN_GROWTH_MIB} MiB",
        f"each scoring worker tree (worker, its math workers, its Lean REPL; PSS): <= "
        f"{WORKER_TREE_MAX_MIB} MiB at every sample, last-quarter median <= first-quarter "
        f"median + {WORKER_GROWTH_MIB} MiB",
        f"each sandbox container (its memory cgroup): <= {CONTAINER_MAX_MIB} MiB",
        f"no process of a SIGKILLed `rlvr score` still alive {LEAK_WAIT_S:g} s after the kill",
    ]


@dataclass
class Seen:
    """One result row, seen in its round's output file at `t` (seconds since the start)."""

    t: float
    pos: int  # global order of arrival
    round: int
    gen: int  # which `rlvr score` process (a restart is a new one)
    id: str | None
    label: str
    family: str
    expect: Any
    row: dict[str, Any]

    @property
    def infra(self) -> str | None:
        verdict = self.row.get("verdict")
        if isinstance(verdict, dict) and verdict.get("infra_error"):
            return str(verdict["infra_error"])
        return None

    @property
    def error(self) -> bool:
        return bool(self.row.get("error"))

    @property
    def reason(self) -> str:
        if self.error:
            return "error"
        verdict = self.row.get("verdict")
        return str(verdict.get("reason")) if isinstance(verdict, dict) else "?"

    @property
    def correct(self) -> bool:
        """Judged as expected (an infrastructure error is not a judgement)."""
        if self.infra is not None:
            return False
        if self.expect == "error":
            return self.error
        return not self.error and self.row.get("score") == self.expect


@dataclass
class RoundResult:
    number: int
    ids: list[str]
    labels: dict[str, str]
    seen: list[Seen] = field(default_factory=list)
    starts: int = 0
    exit_codes: list[int | None] = field(default_factory=list)
    finished: bool = False


def quantiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return {"n": len(ordered), "p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99),
            "max": ordered[-1]}


def attribute(seen: Sequence[Seen], faults: Sequence[Fault], gens: dict[int, int]
              ) -> tuple[dict[int, Fault], list[Seen]]:
    """Each infrastructure-error row -> the fault that caused it: the latest fault of a kind
    its error text names, injected at most `BLAME_WINDOW_S` before the row was seen, in the
    same `rlvr score` process (else the latest fault of any kind there). Rows with no such
    fault are returned apart."""
    blamed: dict[int, Fault] = {}
    loose: list[Seen] = []
    for row in seen:
        error = row.infra
        if error is None:
            continue
        candidates = [f for f in faults if f.t <= row.t <= f.t + BLAME_WINDOW_S
                      and gens.get(id(f)) == row.gen]
        likely = [f for f in candidates if f.kind in causes(error)]
        pick = (likely or candidates)[-1:] if (likely or candidates) else []
        if pick:
            blamed[row.pos] = pick[0]
        else:
            loose.append(row)
    return blamed, loose


def recover(seen: Sequence[Seen], faults: Sequence[Fault], blamed: dict[int, Fault],
            gens: dict[int, int]) -> None:
    """Fill each fault's `recovery_s`: from its injection to the first row of a family it
    touches, judged right and expected to score 1, that arrived after the fault and after the
    last row it made an infrastructure error. For a scorer kill: to the restarted process's
    first row."""
    for fault in faults:  # idempotent: the soak asks before the report does
        fault.infra_rows, fault.recovery_s, fault.recovered_in = 0, None, ""
    last_blamed: dict[int, int] = defaultdict(lambda: -1)
    for pos, fault in blamed.items():
        last_blamed[id(fault)] = max(last_blamed[id(fault)], pos)
        fault.infra_rows += 1
    for fault in faults:
        gen = gens.get(id(fault), -1)
        if fault.kind == "scorer_kill":
            first = next((r for r in seen if r.gen == gen + 1), None)
            if first is not None:
                fault.recovery_s = first.t - fault.t
                fault.recovered_in = "restarted process"
            continue
        after = max(fault.rows_before - 1, last_blamed[id(fault)])
        for row in seen:
            if (row.pos > after and row.family in fault.families and row.expect == 1.0
                    and row.correct):
                fault.recovery_s = row.t - fault.t
                fault.recovered_in = "same process" if row.gen == gen else "next process"
                break


def memory_summary(samples: Sequence[Sample]) -> dict[str, dict[str, float | None]]:
    def series(pick: Any) -> list[tuple[float, float]]:
        out = []
        for s in samples:
            value = pick(s)
            if value is not None:
                out.append((s.t, value / MIB))
        return out

    classes = {
        "`rlvr score` main process (RSS)": series(lambda s: s.main_rss),
        "scoring worker tree, largest (PSS)": series(
            lambda s: max(s.worker_pss.values()) if s.worker_pss else None),
        "Lean REPL, largest (RSS)": series(
            lambda s: max(s.repl_rss.values()) if s.repl_rss else None),
        "sandbox container, largest (cgroup)": series(
            lambda s: max(s.containers.values()) if s.containers else None),
        "sandbox containers, all (cgroup)": series(
            lambda s: sum(s.containers.values()) if s.containers else None),
        "the soak itself (RSS)": series(lambda s: s.soak_rss),
    }
    summary: dict[str, dict[str, float | None]] = {}
    for name, points in classes.items():
        if not points:
            summary[name] = {"start": None, "peak": None, "end": None}
            continue
        settled = [v for t, v in points if t >= 60] or [v for _, v in points]
        summary[name] = {"start": round(settled[0], 1), "peak": round(max(v for _, v in points), 1),
                         "end": round(points[-1][1], 1)}
    return summary


def _growth(points: list[tuple[float, float]], duration: float) -> float | None:
    """Median of the last quarter minus median of the first quarter (after the first minute)."""
    start = min(60.0, duration / 4)
    quarter = (duration - start) / 4
    first = [v for t, v in points if start <= t < start + quarter]
    last = [v for t, v in points if t >= duration - quarter]
    if not first or not last:
        return None
    return statistics.median(last) - statistics.median(first)


def memory_checks(samples: Sequence[Sample], duration: float
                  ) -> list[tuple[str, bool, str]]:
    main = [(s.t, s.main_rss / MIB) for s in samples if s.main_rss is not None]
    trees = [(s.t, v / MIB) for s in samples for v in s.worker_pss.values()]
    boxes = [v / MIB for s in samples for v in s.containers.values()]
    checks = []
    peak = max((v for _, v in main), default=0.0)
    growth = _growth(main, duration)
    checks.append((
        "memory: `rlvr score` main process",
        peak <= MAIN_RSS_MAX_MIB and (growth is None or growth <= MAIN_GROWTH_MIB),
        f"peak {peak:.0f} MiB (bound {MAIN_RSS_MAX_MIB}); growth "
        f"{'n/a' if growth is None else f'{growth:+.0f}'} MiB (bound +{MAIN_GROWTH_MIB})"))
    # a worker tree's growth: per sample the largest tree (workers are replaced after a kill)
    largest: dict[float, float] = {}
    for t, v in trees:
        largest[t] = max(largest.get(t, 0.0), v)
    peak = max(largest.values(), default=0.0)
    growth = _growth(sorted(largest.items()), duration)
    checks.append((
        "memory: each scoring worker tree",
        peak <= WORKER_TREE_MAX_MIB and (growth is None or growth <= WORKER_GROWTH_MIB),
        f"peak {peak:.0f} MiB (bound {WORKER_TREE_MAX_MIB}); growth of the largest "
        f"{'n/a' if growth is None else f'{growth:+.0f}'} MiB (bound +{WORKER_GROWTH_MIB})"))
    peak = max(boxes, default=0.0)
    checks.append(("memory: each sandbox container", peak <= CONTAINER_MAX_MIB,
                   f"peak {peak:.0f} MiB (bound {CONTAINER_MAX_MIB})"))
    return checks


def build(
    *,
    config: dict[str, Any],
    duration: float,
    rounds: Sequence[RoundResult],
    faults: Sequence[Fault],
    gens: dict[int, int],
    samples: Sequence[Sample],
    leaks: list[dict[str, Any]],
    cleanup: dict[str, Any],
    host: dict[str, Any],
    skipped: Counter[str],
) -> dict[str, Any]:
    seen = [s for r in rounds for s in r.seen]
    seen.sort(key=lambda s: s.pos)
    blamed, loose = attribute(seen, faults, gens)
    recover(seen, faults, blamed, gens)
    checks: list[tuple[str, bool, str]] = []

    # 1. one result row per input row, per round
    lost, duplicated, strange = [], [], []
    for result in rounds:
        counts = Counter(s.id for s in result.seen)
        lost += [i for i in result.ids if counts[i] == 0]
        duplicated += [i for i, n in counts.items() if n > 1 and i is not None]
        strange += [s.row for s in result.seen if s.id is None or s.id not in result.labels]
    inputs = sum(len(r.ids) for r in rounds)
    checks.append(("every input row has exactly one result row",
                   not lost and not duplicated and not strange,
                   f"{inputs} input rows, {len(seen)} result rows; lost {len(lost)} "
                   f"{lost[:5]}, duplicated {len(duplicated)} {duplicated[:5]}, "
                   f"unknown {len(strange)}"))
    unfinished = [r.number for r in rounds if not r.finished]
    checks.append(("every round's `rlvr score` finished", not unfinished,
                   f"{len(rounds)} rounds; unfinished {unfinished}"))

    # 2. judgements: never a 0 for a right answer, never a 1 for a wrong one
    charged = [s for s in seen if s.infra is None and s.expect == 1.0 and not s.correct]
    wrong = [s for s in seen if s.infra is None and s.expect == 0.0 and not s.correct]
    bad_errors = [s for s in seen if s.infra is None and (s.expect == "error") != s.error]

    def describe(rows: list[Seen]) -> list[dict[str, Any]]:
        return [{"id": s.id, "label": s.label, "score": s.row.get("score"), "reason": s.reason,
                 "error": s.row.get("error"), "t": round(s.t, 1)} for s in rows[:10]]

    checks.append(("no right answer scored 0 (never a 0 charged for a fault)", not charged,
                   f"{len(charged)} rows: {describe(charged)}"))
    checks.append(("no wrong or hostile answer scored 1", not wrong,
                   f"{len(wrong)} rows: {describe(wrong)}"))
    checks.append(("malformed rows, and only they, got `error`", not bad_errors,
                   f"{len(bad_errors)} rows: {describe(bad_errors)}"))
    checks.append(("every infrastructure error follows a fault in the same process", not loose,
                   f"{len(loose)} rows: {[(s.id, s.infra) for s in loose[:5]]}"))

    # 3. faults: each kind injected, each recovered
    enabled = list(config["faults"])
    injected = Counter(f.kind for f in faults)
    missing = [k for k in enabled if injected[k] == 0]
    checks.append(("every fault kind injected", not missing,
                   f"{dict(injected)}; never: {missing}; postponed for want of a target: "
                   f"{dict(skipped)}"))
    unrecovered = [f"{f.kind}@{f.t:.0f}s" for f in faults
                   if f.recovery_s is None or f.recovery_s > RECOVERY_MAX_S]
    checks.append((f"the pools recovered after every fault (within {RECOVERY_MAX_S:g} s)",
                   not unrecovered, f"not recovered: {unrecovered}"))
    leaked = [leak for leak in leaks if leak["alive"]]
    gone = [leak["gone_after_s"] for leak in leaks if leak["gone_after_s"] is not None]
    checks.append((f"no process of a killed `rlvr score` alive {LEAK_WAIT_S:g} s later",
                   not leaked, f"{sum(len(x['alive']) for x in leaked)} processes left after "
                   f"{len(leaked)} of {len(leaks)} kills "
                   f"{[x['alive'][:4] for x in leaked[:3]]}; the others' processes were gone "
                   f"{_max(gone)} s after the kill at most"))
    checks.append(("the host is untouched by the hostile programs", host["ok"], host["detail"]))
    checks += memory_checks(samples, duration)
    minutes = float(config["minutes"])
    checks.append((f"ran at least {minutes:g} minutes", duration >= minutes * 60 - 1,
                   f"{duration / 60:.1f} minutes"))

    # figures
    per_minute = Counter(int(s.t // 60) for s in seen)
    latency_family: dict[str, list[float]] = defaultdict(list)
    latency_label: dict[str, list[float]] = defaultdict(list)
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for s in seen:
        reasons[s.family][s.reason if s.infra is None else "infra_error"] += 1
        value = s.row.get("scoring_s")
        if isinstance(value, (int, float)) and s.infra is None:
            latency_family[s.family].append(float(value))
            latency_label[s.label].append(float(value))
    infra_by_kind: Counter[str] = Counter(f.kind for f in blamed.values())
    recovery: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        times = [f.recovery_s for f in faults if f.kind == kind and f.recovery_s is not None]
        recovery[kind] = {
            "injected": injected[kind],
            "infra_rows": infra_by_kind[kind],
            "recovery_median_s": round(statistics.median(times), 1) if times else None,
            "recovery_max_s": round(max(times), 1) if times else None,
            "replaced_s": [f.replaced_s for f in faults if f.kind == kind and f.replaced_s],
            "restored_median_s": _median([f.restored_s for f in faults if f.kind == kind]),
            "restored_max_s": _max([f.restored_s for f in faults if f.kind == kind]),
            "unrestored": sum(1 for f in faults if f.kind == kind and f.baseline is not None
                              and f.restored_s is None),
        }
    infra_texts = Counter(_shorten(s.infra) for s in seen if s.infra is not None)
    return {
        "config": config,
        "bounds": bounds_text(),
        "duration_s": round(duration, 1),
        "rows": {"input": inputs, "results": len(seen), "rounds": len(rounds),
                 "rows_per_s": round(len(seen) / duration, 2) if duration else None,
                 "restarts_of_rlvr_score": sum(max(0, r.starts - 1) for r in rounds)},
        "throughput_per_minute": [per_minute[m] for m in range(int(duration // 60) + 1)],
        "latency_s": {
            "family": {k: _rounded(quantiles(v)) for k, v in sorted(latency_family.items())},
            "label": {k: _rounded(quantiles(v)) for k, v in sorted(latency_label.items())},
        },
        "reasons": {k: dict(v.most_common()) for k, v in sorted(reasons.items())},
        "infra_errors": {"total": sum(1 for s in seen if s.infra), "by_fault": dict(infra_by_kind),
                         "texts": dict(infra_texts.most_common(12)),
                         "unattributed": len(loose)},
        "faults": [f.to_dict() for f in faults],
        "recovery": recovery,
        "memory_mib": memory_summary(samples),
        "leaks": leaks,
        "cleanup": cleanup,
        "checks": [{"check": name, "ok": ok, "detail": detail} for name, ok, detail in checks],
        "ok": all(ok for _, ok, _ in checks),
    }


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def _max(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(max(present), 1) if present else None


def _shorten(text: str | None) -> str:
    import re

    text = re.sub(r"[0-9a-f]{12,64}", "<id>", text or "")
    text = re.sub(r"\b\d+(\.\d+)?\b", "<n>", text)
    return text[:140]


def _rounded(q: dict[str, float]) -> dict[str, float]:
    return {k: (round(v, 3) if k != "n" else v) for k, v in q.items()}


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return lines


def markdown(report: dict[str, Any], command: str) -> str:
    rows = report["rows"]
    out = [
        f"```bash\n{command}\n```",
        "",
        f"{report['duration_s'] / 60:.1f} minutes, {rows['results']} result rows for "
        f"{rows['input']} input rows in {rows['rounds']} rounds ({rows['rows_per_s']} rows/s "
        f"overall), {len(report['faults'])} faults injected, `rlvr score` restarted "
        f"{rows['restarts_of_rlvr_score']} times. {report['config']['lean_mode']}.",
        "",
        "Throughput, result rows per minute: "
        + ", ".join(str(n) for n in report["throughput_per_minute"]) + ".",
        "",
        "**Checks**",
        "",
    ]
    out += _table(["check", "result", "detail"],
                  [(c["check"], "PASS" if c["ok"] else "**FAIL**", c["detail"].replace("|", "/"))
                   for c in report["checks"]])
    out += ["", "**Latency of one row** (`scoring_s`, seconds; infrastructure errors left out)",
            ""]
    lat = report["latency_s"]
    out += _table(["rows", "n", "p50", "p90", "p99", "max"],
                  [(name, q["n"], q["p50"], q["p90"], q["p99"], q["max"])
                   for name, q in [*lat["family"].items(), *lat["label"].items()]])
    out += ["", "**Verdicts by family**", ""]
    out += _table(["family", "verdict reasons (count)"],
                  [(family, ", ".join(f"{k} {v}" for k, v in counts.items()))
                   for family, counts in report["reasons"].items()])
    out += ["", "**Faults**: the infrastructure-error rows each caused; *recovery*: from the "
            "injection to the first right answer of a family it touches, judged 1, that arrived "
            "after the fault's last infrastructure-error row (scorer kill: to the restarted "
            "process's first row); output rows arrive a batch at a time, so this includes the "
            "rest of the batch in flight. *Back to full strength*: until as many containers "
            "(running, not paused), REPLs, math workers or scoring workers ran again as before "
            "the fault (sampled every few seconds)", ""]
    out += _table(["fault", "what", "injected", "infra-error rows", "recovery median s",
                   "recovery max s", "back to full strength median / max s"],
                  [(kind, KINDS[kind][1], r["injected"], r["infra_rows"],
                    r["recovery_median_s"], r["recovery_max_s"],
                    "" if r["restored_median_s"] is None else
                    f"{r['restored_median_s']} / {r['restored_max_s']}")
                   for kind, r in report["recovery"].items() if r["injected"]])
    texts = report["infra_errors"]["texts"]
    if texts:
        out += ["", "**Infrastructure errors** by text (ids and numbers replaced)", ""]
        out += _table(["rows", "infra_error"],
                      [(n, f"`{t.replace('|', '/')}`") for t, n in texts.items()])
    out += ["", "**Memory** (MiB; start = first sample after the first minute)", ""]
    out += _table(["process", "start", "peak", "end"],
                  [(name, m["start"], m["peak"], m["end"])
                   for name, m in report["memory_mib"].items()])
    out += ["", "Bounds stated before the run: " + "; ".join(report["bounds"]) + "."]
    return "\n".join(out) + "\n"
