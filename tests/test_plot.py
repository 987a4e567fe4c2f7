"""`rlvr plot`: both kinds of file become PNGs; without matplotlib a clear error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rlvr_gym.cli import main
from rlvr_gym.plotting import detect_kind, level_of_row

PNG = b"\x89PNG\r\n\x1a\n"


def training_log(path: Path) -> Path:
    with path.open("w") as handle:
        for step in range(40):
            a = max(0.0, 1 - step / 30)
            handle.write(json.dumps({
                "kind": "train", "step": step, "level": 1 + step // 10,
                "next_level": 1 + (step + 1) // 10,
                "decision": "promote" if step % 10 == 9 else None,
                "weights": {"outcome": 1 - a, "process": a, "format": 0.0, "hedging": 0.0,
                            "length": 0.0},
                "outcome": step / 40, "process": 0.9, "format": 1.0,
                "exploration": a * 0.9, "total": a * 0.9 + (1 - a) * step / 40,
            }) + "\n")
    return path


def eval_log(path: Path) -> Path:
    with path.open("w") as handle:
        for level in (1, 2, 3):
            for task in range(3):
                for sample in range(4):
                    ok = float(sample < 4 - level)
                    handle.write(json.dumps({
                        "task_index": task, "sample_index": sample,
                        "task_id": f"arithmetic/{level}/{task}",
                        "reward": {"outcome": ok, "process": 1.0, "total": ok},
                        "infra_error": False,
                    }) + "\n")
    return path


def test_training_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = training_log(tmp_path / "train.jsonl")
    assert main(["plot", str(log), "--out", str(tmp_path / "png")]) == 0
    for name in ("rewards.png", "curriculum.png"):
        assert (tmp_path / "png" / name).read_bytes()[:8] == PNG
    assert "as a training log" in capsys.readouterr().out


def test_eval_plots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = eval_log(tmp_path / "eval.jsonl")
    assert main(["plot", str(log), "--out", str(tmp_path / "png")]) == 0
    assert (tmp_path / "png" / "eval_by_level.png").read_bytes()[:8] == PNG
    assert "as an evaluation" in capsys.readouterr().out


def test_detect_kind_and_levels() -> None:
    assert detect_kind([{"step": 0, "weights": {}}]) == "train"
    assert detect_kind([{"task_index": 0, "reward": {}}]) == "eval"
    assert level_of_row({"task_id": "arithmetic/3/7"}) == "3"
    assert level_of_row({"task_id": "file-row-12"}) == "all"


def test_unknown_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"hello": 1}\n')
    assert main(["plot", str(path), "--out", str(tmp_path)]) == 2
    assert "cannot tell what kind of file" in capsys.readouterr().err


def test_missing_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    log = training_log(tmp_path / "train.jsonl")
    assert main(["plot", str(log), "--out", str(tmp_path / "png")]) == 2
    assert "pip install 'rlvr-gym[plot]'" in capsys.readouterr().err
    assert not (tmp_path / "png").exists()
