"""One round's `rlvr score` child: its command, its environment, and reading its output file."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soak_report import RoundResult
from soak_rows import Round, write_lean_transcripts


def scorer_command(source: Path, out: Path, workers: int, per_worker: int) -> list[str]:
    """`rlvr score FILE --out OUT --processes ...` when the CLI has the flag, else a Python
    line calling the function behind it (same rows, same resumable output file)."""
    probe = subprocess.run([sys.executable, "-m", "rlvr_gym", "score", "--help"],
                           capture_output=True, text=True, check=False)
    if "--processes" in probe.stdout:
        return [sys.executable, "-m", "rlvr_gym", "score", str(source), "--out", str(out),
                "--processes", "--workers", str(workers), "--per-worker", str(per_worker),
                "--no-progress"]
    code = ("import sys; from rlvr_gym.integrations.batch import score_file_processes as s; "
            "print(s(sys.argv[1], sys.argv[2], workers=int(sys.argv[3]), "
            "per_worker=int(sys.argv[4])).line())")
    return [sys.executable, "-c", code, str(source), str(out), str(workers), str(per_worker)]


def lean_setup(work: Path) -> tuple[dict[str, str], str]:
    """The environment the child needs for Lean rows, and how they are judged: a real Lean
    REPL when one is found, else the replay REPL over transcripts written into `work`."""
    from rlvr_gym.lean.client import find_lean_command

    real = find_lean_command()
    if real is not None:
        return {}, f"Lean rows via a real Lean REPL ({shlex.join(real)})"
    folder = write_lean_transcripts(work / "lean-transcripts")
    command = [sys.executable, "-m", "rlvr_gym.lean.replay", str(folder)]
    return ({"RLVR_LEAN_REPL": shlex.join(command)},
            "Lean rows via the recorded-transcript REPL (no Lean here)")


def is_header(row: dict[str, Any]) -> bool:
    """A meta header line of a results file (not a result row)."""
    if any(k in row for k in ("score", "error", "verdict")):
        return False
    return any(k in row for k in ("meta", "rlvr", "kind", "format", "header"))


class Output:
    """Reads a round's output file as it grows: complete lines only (a killed child may leave
    half a line, which the restarted one cuts off)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lines = 0

    def read(self) -> list[dict[str, Any]]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1
        rows = []
        for line in data[:end].splitlines():
            self.lines += 1
            if not line.strip():
                continue
            row = json.loads(line)
            if self.lines == 1 and isinstance(row, dict) and is_header(row):
                continue
            rows.append(row)
        self.offset += end
        return rows


@dataclass
class Child:
    """One round's `rlvr score` (started again with the same command after a kill)."""

    batch: Round
    result: RoundResult
    command: list[str]
    env: dict[str, str]
    log: Path
    output: Output
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0

    def start(self, now: float) -> None:
        with self.log.open("ab") as log:
            log.write(f"--- start {self.result.starts + 1} at {now:.1f}s: "
                      f"{shlex.join(self.command)}\n".encode())
            self.proc = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                         env=self.env, stdin=subprocess.DEVNULL)
        self.result.starts += 1
        self.started = now

    def popen(self) -> subprocess.Popen[bytes]:
        assert self.proc is not None, "start() first"
        return self.proc

    @property
    def pid(self) -> int:
        return self.popen().pid

    @property
    def remaining(self) -> int:
        """Input rows with no result row seen yet."""
        return len(self.batch.rows) - len(self.result.seen)
