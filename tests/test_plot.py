"""`rlvr plot`: both kinds of file become PNGs; without matplotlib a clear error."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rlvr_gym.cli import main
from rlvr_gym.core.errors import TaskFileError
from rlvr_gym.plotting import detect_kind, level_of_row, load_rows

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
    assert level_of_row({"task_id": "sample-03", "difficulty": {"level": 2}}) == "2"
    assert level_of_row({"task_id": "arithmetic/3/7", "difficulty": {"level": 4}}) == "4"


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


def test_load_rows_names_the_row_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_bytes(b'{"task_index": 0, "reward": {}}\n{"task_id": "\xff"}\n')
    with pytest.raises(TaskFileError, match=r"eval.jsonl, row 2: not UTF-8"):
        load_rows(path)


def test_load_rows_keeps_line_separators_inside_strings(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    rows = [{"task_index": 0, "response": "a\u2028b\x85c"}, {"task_index": 1, "response": ""}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    assert load_rows(path) == rows
    path.write_text(path.read_text(encoding="utf-8") + '{"task_index": 2, "resp',
                    encoding="utf-8")
    assert load_rows(path) == rows  # a run killed mid-write


def test_load_rows_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="cannot read it"):
        load_rows(tmp_path / "absent.jsonl")
