"""Loading formal theorem sets (miniF2F, Lean Workbook, plain rows); errors name file/row/field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rlvr_gym import ConfigurationError, TaskFileError
from rlvr_gym.tasks.lean_datasets import (
    MATHLIB_HEADER,
    detect_lean_format,
    lean_task,
    load_lean_tasks,
    normalise_statement,
    proof_after_statement,
)

MINIF2F_ROW = {
    "name": "mathd_algebra_10",
    "split": "test",
    "informal_prefix": "/-- Show that 2 + 2 = 4. -/\n",
    "formal_statement": "theorem mathd_algebra_10 : (2 : ℕ) + 2 = 4 := by\n",
    "goal": "⊢ 2 + 2 = 4",
    "header": "import Mathlib\nimport Aesop\n",
}
WORKBOOK_ROW = {
    "id": "lean_workbook_plus_7",
    "natural_language_statement": "Prove that a^2 + b^2 >= 2ab.",
    "formal_statement": "theorem lean_workbook_plus_7 (a b : ℝ) : a^2 + b^2 ≥ 2*a*b := by sorry",
    "proof": ["theorem lean_workbook_plus_7 (a b : ℝ) : a^2 + b^2 ≥ 2*a*b := by\n"
              "  nlinarith [sq_nonneg (a - b)]"],
    "status": "proved",
}
PLAIN_ROW = {"id": "p1", "theorem": "theorem p1 (n : Nat) : n + 0 = n :=", "solution": "by simp"}


def _write(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_a_minif2f_row_becomes_a_lean_task(tmp_path: Path) -> None:
    [task] = load_lean_tasks(_write(tmp_path / "minif2f.jsonl", [MINIF2F_ROW]))
    assert task.id == "mathd_algebra_10"
    assert task.family == "lean"
    assert task.reference["theorem"] == "theorem mathd_algebra_10 : (2 : ℕ) + 2 = 4 :="
    assert task.reference["header"] == "import Mathlib\nimport Aesop\n"
    assert task.reference["solution"] is None
    assert task.metadata["split"] == "test"
    assert "Show that 2 + 2 = 4." in task.prompt_text
    assert "theorem mathd_algebra_10" in task.prompt_text


def test_a_workbook_row_takes_the_proof_after_the_restated_theorem(tmp_path: Path) -> None:
    [task] = load_lean_tasks(_write(tmp_path / "workbook.jsonl", [WORKBOOK_ROW]))
    assert task.id == "lean_workbook_plus_7"
    assert task.reference["theorem"].endswith("≥ 2*a*b :=")
    assert task.reference["solution"] == "by\n  nlinarith [sq_nonneg (a - b)]"
    assert task.reference["header"] == MATHLIB_HEADER
    assert task.metadata["format"] == "workbook"


def test_a_plain_row_has_no_header_by_default(tmp_path: Path) -> None:
    [task] = load_lean_tasks(_write(tmp_path / "plain.jsonl", [PLAIN_ROW]))
    assert dict(task.reference) == {"theorem": "theorem p1 (n : Nat) : n + 0 = n :=",
                                    "header": "", "solution": "by simp"}


def test_the_header_argument_replaces_every_rows_header(tmp_path: Path) -> None:
    path = _write(tmp_path / "mixed.jsonl", [MINIF2F_ROW, WORKBOOK_ROW])
    assert {t.reference["header"] for t in load_lean_tasks(path, header="")} == {""}


def test_parquet_files_load_like_jsonl(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "minif2f.parquet"
    pq.write_table(pa.Table.from_pylist([MINIF2F_ROW]), path)
    assert load_lean_tasks(path)[0].id == "mathd_algebra_10"


def test_tactic_mode_prompts_ask_for_one_tactic_at_a_time(tmp_path: Path) -> None:
    [task] = load_lean_tasks(_write(tmp_path / "plain.jsonl", [PLAIN_ROW]), mode="tactic")
    assert "one tactic at a time" in task.prompt_text
    assert "give up" in task.prompt_text
    assert task.metadata["mode"] == "tactic"


@pytest.mark.parametrize(("text", "expected"), [
    ("theorem t : True := by sorry", "theorem t : True :="),
    ("theorem t : True := by\n", "theorem t : True :="),
    ("theorem t : True :=", "theorem t : True :="),
    ("  lemma t : True := sorry  ", "lemma t : True :="),
    ("theorem t : True", None),
    ("def f : Nat := 1", None),
    ("example : True := trivial", None),  # unnamed: its axioms could not be checked by name
])
def test_statements_are_normalised_to_end_in_the_definition_sign(
    text: str, expected: str | None
) -> None:
    assert normalise_statement(text) == expected


def test_a_proof_that_is_not_a_restated_theorem_is_kept_as_it_is() -> None:
    assert proof_after_statement("by simp", "theorem t : True :=") == "by simp"


def test_a_missing_statement_names_the_file_row_and_field(tmp_path: Path) -> None:
    bad = {k: v for k, v in MINIF2F_ROW.items() if k != "formal_statement"}
    bad["formal_statement"] = ""
    path = _write(tmp_path / "bad.jsonl", [MINIF2F_ROW, bad])
    with pytest.raises(TaskFileError, match=r"bad.jsonl, row 2, field 'formal_statement'"):
        load_lean_tasks(path)


def test_a_statement_without_the_definition_sign_is_refused(tmp_path: Path) -> None:
    row = {**MINIF2F_ROW, "formal_statement": "theorem t : 1 = 1"}
    path = _write(tmp_path / "bad.jsonl", [row])
    with pytest.raises(TaskFileError, match=r"row 1, field 'formal_statement'.*':='"):
        load_lean_tasks(path)


def test_a_proof_of_the_wrong_type_names_its_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [{**WORKBOOK_ROW, "proof": 3}])
    with pytest.raises(TaskFileError, match=r"row 1, field 'proof'"):
        load_lean_tasks(path)


def test_a_header_of_the_wrong_type_names_its_field(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.jsonl", [{**MINIF2F_ROW, "header": ["import Mathlib"]}])
    with pytest.raises(TaskFileError, match=r"row 1, field 'header'"):
        load_lean_tasks(path)


def test_repeated_ids_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "dup.jsonl", [MINIF2F_ROW, MINIF2F_ROW])
    with pytest.raises(TaskFileError, match=r"row 2, field 'name'.*row 1"):
        load_lean_tasks(path)


def test_a_row_of_no_known_format_names_the_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "odd.jsonl", [{"statement": "theorem t : True :="}])
    with pytest.raises(TaskFileError, match=r"odd.jsonl, row 1: cannot tell"):
        load_lean_tasks(path)


def test_bad_json_names_the_row(tmp_path: Path) -> None:
    path = _write(tmp_path / "broken.jsonl", [MINIF2F_ROW, "{oops"])
    with pytest.raises(TaskFileError, match=r"broken.jsonl, row 2"):
        load_lean_tasks(path)


def test_format_detection() -> None:
    assert detect_lean_format(MINIF2F_ROW) == "minif2f"
    assert detect_lean_format(WORKBOOK_ROW) == "workbook"
    assert detect_lean_format(PLAIN_ROW) == "plain"


def test_unknown_format_and_mode_are_configuration_errors(tmp_path: Path) -> None:
    path = _write(tmp_path / "plain.jsonl", [PLAIN_ROW])
    with pytest.raises(ConfigurationError, match="format"):
        load_lean_tasks(path, format="lean3")
    with pytest.raises(ConfigurationError, match="mode"):
        load_lean_tasks(path, mode="steps")


def test_lean_task_refuses_a_statement_it_cannot_complete() -> None:
    with pytest.raises(ConfigurationError, match="':='"):
        lean_task("x", "theorem x : True")
