"""`rlvr score` on Lean rows: without Lean every row is a counted infrastructure error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rlvr_gym.scoring import score_file, score_rows, summarize_scores

ROW = {"family": "lean", "id": "t1", "theorem": "theorem t1 (n : Nat) : n + 0 = n :=",
       "response": "by simp"}


@pytest.fixture
def no_lean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Hide every Lean REPL: no ``RLVR_LEAN_REPL`` and a PATH without ``repl`` or ``lake``."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.delenv("RLVR_LEAN_REPL", raising=False)
    monkeypatch.setenv("PATH", str(empty))


@pytest.mark.usefixtures("no_lean")
def test_lean_rows_without_lean_are_infrastructure_errors() -> None:
    rows = score_rows([ROW, {**ROW, "header": "", "id": "t2"}], workers=2)
    for row in rows:
        assert row.get("error") is None
        assert "no Lean REPL found" in row["verdict"]["infra_error"]
    summary = summarize_scores(rows)
    assert summary.infra_errors == 2
    assert summary.mean_score is None  # never counted as zeros


@pytest.mark.usefixtures("no_lean")
def test_score_file_counts_lean_infra_errors(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(ROW) + "\n")
    summary = score_file(source, tmp_path / "out.jsonl", workers=1)
    assert summary.infra_errors == 1 and summary.errors == 0


@pytest.mark.parametrize(("change", "field"), [
    ({"theorem": None}, "theorem"),
    ({"theorem": "theorem t : 1 = 1"}, "theorem"),
    ({"header": 3}, "header"),
    ({"response": None}, "response"),
])
def test_a_malformed_lean_row_is_an_error_row_naming_the_field(
    change: dict[str, object], field: str
) -> None:
    [row] = score_rows([{**ROW, **change}], workers=1)
    assert row["score"] is None
    assert row["error"].startswith("row 1:")
    assert f"'{field}'" in row["error"]
