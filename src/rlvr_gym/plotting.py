"""Pictures of a training log or an evaluation (``rlvr plot``); needs ``rlvr-gym[plot]``.

Two kinds of JSONL file are recognised from their rows:

- a **training log** (rows with ``step`` and ``weights``, as ``examples/grpo_loop.py`` writes):
  ``rewards.png`` (the reward components over the steps, the annealing weights beneath them)
  and ``curriculum.png`` (the difficulty level over the steps, with promotions and demotions);
- an **evaluation** (rows with ``task_index`` and ``reward``, as ``rlvr eval`` writes):
  ``eval_by_level.png`` (pass@k and mean reward by difficulty level).

matplotlib is imported only here, with the Agg backend (no display needed).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.evaluation.metrics import k_values, mean_pass_at_k

__all__ = ["detect_kind", "level_of_row", "load_rows", "plot_eval", "plot_file", "plot_training"]

INSTALL_HINT = "rlvr plot needs matplotlib: pip install 'rlvr-gym[plot]'"
COMPONENTS = ("outcome", "process", "exploration", "total")


def _pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, or a `ConfigurationError` saying what to install."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ConfigurationError(INSTALL_HINT) from exc
    return plt


def load_rows(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file (blank lines and a truncated last line skipped).

    Lines end at "\\n" only (U+2028 inside a JSON string is not a line break); bytes that are not
    UTF-8 are an error naming the row, as is an unreadable file."""
    source = Path(path)
    rows: list[dict[str, Any]] = []
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise TaskFileError(f"cannot read it ({exc.strerror or exc})", path=str(source)) from exc
    lines = data.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise TaskFileError(f"not UTF-8 text (byte {exc.start + 1} of the line)",
                                path=str(source), row=number) from exc
        except json.JSONDecodeError as exc:
            if number == len(lines):  # a run killed mid-write
                break
            raise TaskFileError(f"not JSON ({exc.msg})", path=str(source), row=number) from exc
        if isinstance(row, dict):
            rows.append(row)
    if not rows:
        raise TaskFileError("has no rows to plot", path=str(source))
    return rows


def detect_kind(rows: Sequence[Mapping[str, Any]]) -> str:
    """``"train"`` for a training log, ``"eval"`` for an evaluation's results."""
    first = rows[0]
    if first.get("kind") == "train" or ("step" in first and "weights" in first):
        return "train"
    if "task_index" in first and "reward" in first:
        return "eval"
    raise ConfigurationError(
        f"cannot tell what kind of file this is (first row's keys: {sorted(first)}); expected a "
        "training log (rows with 'step' and 'weights', as examples/grpo_loop.py writes) or an "
        "evaluation (rows with 'task_index' and 'reward', as `rlvr eval` writes)"
    )


def _smooth(values: Sequence[float], window: int) -> list[float]:
    out: list[float] = []
    total = 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        out.append(total / min(i + 1, window))
    return out


def plot_training(
    rows: Sequence[Mapping[str, Any]], out_dir: str | os.PathLike[str], *, smooth: int = 10
) -> list[Path]:
    """``rewards.png`` and ``curriculum.png`` from a training log."""
    plt = _pyplot()
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    steps = [int(r["step"]) for r in rows]
    window = max(1, smooth)
    written: list[Path] = []

    fig, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(9, 6.5), gridspec_kw={"height_ratios": [3, 2]}
    )
    for name in COMPONENTS:
        if not all(name in r for r in rows):
            continue
        values = [float(r[name]) for r in rows]
        (line,) = top.plot(steps, _smooth(values, window), label=name,
                           linewidth=2.2 if name == "total" else 1.6)
        top.plot(steps, values, color=line.get_color(), alpha=0.15, linewidth=0.8)
    top.set_ylabel(f"reward (group mean, {window}-step average)")
    top.set_title("Reward components over training")
    top.legend(loc="lower right", ncol=len(COMPONENTS), fontsize=9)
    top.grid(alpha=0.3)
    weight_names = sorted({k for r in rows for k in r.get("weights", {})},
                          key=lambda k: (k not in ("process", "outcome"), k))
    for name in weight_names:
        values = [float(r.get("weights", {}).get(name, 0.0)) for r in rows]
        if name not in ("process", "outcome") and not any(values):
            continue
        bottom.plot(steps, values, label=f"w_{name}", linewidth=2)
    bottom.set_ylabel("weight")
    bottom.set_xlabel("training step")
    bottom.set_title("Annealing weights: r = w_process·process + w_outcome·outcome")
    bottom.set_ylim(-0.05, 1.05)
    bottom.legend(loc="center right", fontsize=9)
    bottom.grid(alpha=0.3)
    fig.tight_layout()
    path = target / "rewards.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    if any("level" in r for r in rows):
        fig, axis = plt.subplots(figsize=(9, 4))
        levels = [int(r.get("level", 0)) for r in rows]
        axis.step(steps, levels, where="post", color="tab:purple", linewidth=2,
                  label="difficulty level")
        for kind, marker, color in (("promote", "^", "tab:green"), ("demote", "v", "tab:red")):
            hits = [(int(r["step"]), int(r.get("next_level", r.get("level", 0))))
                    for r in rows if r.get("decision") == kind]
            if hits:
                axis.scatter([h[0] for h in hits], [h[1] for h in hits], marker=marker,
                             color=color, zorder=3, label=kind)
        axis.set_yticks(sorted(set(levels)))
        axis.set_ylabel("level")
        axis.set_xlabel("training step")
        axis.grid(alpha=0.3)
        if all("outcome" in r for r in rows):
            twin = axis.twinx()
            twin.plot(steps, _smooth([float(r["outcome"]) for r in rows], window),
                      color="tab:gray", alpha=0.6, linewidth=1.2,
                      label=f"outcome ({window}-step average)")
            twin.set_ylim(-0.05, 1.05)
            twin.set_ylabel("outcome")
            handles, labels = axis.get_legend_handles_labels()
            more, more_labels = twin.get_legend_handles_labels()
            axis.legend(handles + more, labels + more_labels, loc="lower right", fontsize=9)
        else:
            axis.legend(loc="lower right", fontsize=9)
        axis.set_title("Curriculum: difficulty level over training")
        fig.tight_layout()
        path = target / "curriculum.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def level_of_row(row: Mapping[str, Any]) -> str:
    """A results row's difficulty level: its ``difficulty.level`` (or ``task.difficulty.level``)
    when the row has one, else the level in a generated task id (``generator/LEVEL/seed``), else
    ``"all"`` (rows written before eval rows recorded their difficulty)."""
    task = row.get("task")
    for difficulty in (row.get("difficulty"), task.get("difficulty")
                       if isinstance(task, Mapping) else None):
        level = difficulty.get("level") if isinstance(difficulty, Mapping) else None
        if level is not None:
            return str(level)
    parts = str(row.get("task_id", "")).split("/")
    if len(parts) == 3 and parts[1].lstrip("-").isdigit():
        return parts[1]
    return "all"


def plot_eval(rows: Sequence[Mapping[str, Any]], out_dir: str | os.PathLike[str]) -> list[Path]:
    """``eval_by_level.png``: pass@k and mean reward by difficulty level."""
    plt = _pyplot()
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    per_task: dict[str, dict[int, list[int]]] = {}
    rewards: dict[str, list[float]] = {}
    outcomes: dict[str, list[float]] = {}
    for row in rows:
        if row.get("infra_error"):
            continue  # says nothing about the policy, as in the eval summary
        level = level_of_row(row)
        reward = row.get("reward") or {}
        outcome = float(reward.get("outcome", 0.0))
        counts = per_task.setdefault(level, {}).setdefault(int(row["task_index"]), [0, 0])
        counts[0] += 1
        counts[1] += int(outcome >= 1.0)
        rewards.setdefault(level, []).append(float(reward.get("total", 0.0)))
        outcomes.setdefault(level, []).append(outcome)
    if not per_task:
        raise ConfigurationError("every row of the evaluation is an infrastructure error")
    levels = sorted(per_task, key=lambda v: (not v.lstrip("-").isdigit(), int(v)
                                             if v.lstrip("-").isdigit() else 0, v))
    samples = max(n for tasks in per_task.values() for n, _ in tasks.values())
    ks = k_values(samples)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    width = 0.8 / len(ks)
    xs = list(range(len(levels)))
    for j, k in enumerate(ks):
        values = [mean_pass_at_k([(n, c) for n, c in per_task[level].values()], k)
                  for level in levels]
        left.bar([x + (j - (len(ks) - 1) / 2) * width for x in xs],
                 [v if v is not None else 0.0 for v in values], width, label=f"pass@{k}")
    left.set_xticks(xs, levels)
    left.set_xlabel("difficulty level")
    left.set_ylabel("pass@k")
    left.set_ylim(0, 1.05)
    left.set_title("pass@k by difficulty level")
    left.legend(fontsize=9, loc="upper right")
    left.grid(axis="y", alpha=0.3)
    right.plot(xs, [sum(rewards[v]) / len(rewards[v]) for v in levels], marker="o",
               linewidth=2, label="mean reward (total)")
    right.plot(xs, [sum(outcomes[v]) / len(outcomes[v]) for v in levels], marker="s",
               linestyle="--", label="mean outcome")
    right.set_xticks(xs, levels)
    right.set_xlabel("difficulty level")
    right.set_ylabel("mean over samples")
    right.set_ylim(-0.05, 1.05)
    right.set_title("Mean reward by difficulty level")
    right.legend(fontsize=9, loc="upper right")
    right.grid(alpha=0.3)
    counts = [sum(n for n, _ in per_task[v].values()) for v in levels]
    for x, n in zip(xs, counts, strict=True):
        right.annotate(f"n={n}", (x, 0.0), textcoords="offset points", xytext=(0, 4),
                       ha="center", fontsize=8, color="gray")
    fig.tight_layout()
    path = target / "eval_by_level.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def plot_file(path: str | os.PathLike[str], out_dir: str | os.PathLike[str],
              *, smooth: int = 10) -> tuple[str, list[Path]]:
    """Detect what `path` is and draw it into `out_dir`; returns the kind and the PNGs."""
    _pyplot()  # fail on the missing extra before reading anything
    rows = load_rows(path)
    kind = detect_kind(rows)
    if kind == "train":
        return kind, plot_training(rows, out_dir, smooth=smooth)
    return kind, plot_eval(rows, out_dir)
