"""What the Lean tests share: the recorded transcripts, a replaying REPL command, /proc checks.

A plain module (not conftest.py) so its name is unique when the whole suite runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from rlvr_gym.core.procfs import cmdline, pids_with
from rlvr_gym.lean.replay import Exchange, transcripts

_HERE = Path(__file__).resolve().parent
_CANDIDATES = (
    Path(os.environ.get("RLVR_LEAN_TRANSCRIPTS", "/nonexistent")),
    _HERE.parent / "lean_transcripts" / "test",
)


def transcript_dir() -> Path:
    """The folder of recorded REPL transcripts (RLVR_LEAN_TRANSCRIPTS overrides)."""
    for candidate in _CANDIDATES:
        if (candidate / "readme.in").exists():
            return candidate
    raise FileNotFoundError(
        "the recorded Lean REPL transcripts are missing: set RLVR_LEAN_TRANSCRIPTS to the "
        f"repl checkout's test/ folder (looked in {[str(c) for c in _CANDIDATES]})"
    )


TRANSCRIPTS = transcript_dir()
RECORDED: dict[str, list[Exchange]] = transcripts(TRANSCRIPTS)


def replay_command(*extra: str, directory: Path | None = None) -> list[str]:
    """The command that starts a replaying REPL over the recordings (or `directory`)."""
    return [sys.executable, "-m", "rlvr_gym.lean.replay", str(directory or TRANSCRIPTS), *extra]


def write_transcript(directory: Path, name: str,
                     exchanges: Sequence[tuple[dict[str, object], dict[str, object]]]) -> None:
    """Write a transcript in the recorded format: requests and pretty answers, blank lines."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.in").write_text(
        "".join(json.dumps(req, ensure_ascii=False) + "\n\n" for req, _ in exchanges),
        encoding="utf-8")
    (directory / f"{name}.expected.out").write_text(
        "".join(json.dumps(resp, indent=1, ensure_ascii=False) + "\n\n" for _, resp in exchanges),
        encoding="utf-8")


def repls_with(marker: str) -> list[int]:
    """Live replaying REPLs (not their guards) whose command line holds `marker`."""
    repls = []
    for pid in pids_with(marker):
        argv = cmdline(pid)
        if argv is None:
            continue
        if b"rlvr_gym.lean.replay" in argv and not any(a.endswith(b"_guard.py") for a in argv):
            repls.append(pid)
    return repls


def wait_until(condition: object, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return bool(callable(condition) and condition())
