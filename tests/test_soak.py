"""The soak end to end, compressed: `benchmarks/soak.py` for about 75 s with every fault kind.

It runs the real thing as a subprocess (`rlvr score --processes` children, the Docker sandbox
pool behind a socket proxy, Lean rows through the recorded-transcript REPL) and asserts that
the soak's own checks pass (no row lost or duplicated, no right answer scored 0, malformed rows
errors, recovery after every fault, no process left by a killed scorer, memory within its
bounds) and that every fault kind was injected at least once.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOAK = ROOT / "benchmarks" / "soak.py"
KINDS = ("container_kill", "container_pause", "container_pause_left", "socket_cut",
         "repl_kill", "worker_kill", "math_worker_kill", "scorer_kill")


@pytest.mark.slow
@pytest.mark.docker
def test_a_compressed_soak_under_every_fault_passes_its_checks(tmp_path: Path) -> None:
    out = tmp_path / "soak"
    command = [sys.executable, str(SOAK), "--minutes", "1.25", "--fault-every", "6",
               "--round-rows", "160", "--out", str(out), "--seed", "1"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    report_path = out / "report.json"
    assert report_path.is_file(), f"no report; soak said:\n{done.stdout[-4000:]}\n{done.stderr}"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    failed = [c for c in report["checks"] if not c["ok"]]
    assert not failed, json.dumps(failed, indent=1)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    injected = {f["kind"] for f in report["faults"]}
    assert injected == set(KINDS), f"never injected: {set(KINDS) - injected}"
    rows = report["rows"]
    assert rows["input"] == rows["results"] > 0
    assert rows["restarts_of_rlvr_score"] >= 1  # the scorer kill, resumed
    for family in ("math", "code", "lean"):
        assert report["reasons"][family].get("correct", 0) > 0, report["reasons"]
    assert report["reasons"]["malformed"] == {"error": report["reasons"]["malformed"]["error"]}
    assert (out / "report.md").read_text(encoding="utf-8").count("| PASS |") == len(
        report["checks"])
