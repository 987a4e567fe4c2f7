"""The bundled core-Lean theorem set: well-formed rows, no Mathlib, a reference proof for each."""

from __future__ import annotations

import json
import re

from rlvr_gym.tasks.lean_datasets import bundled_core_path, load_core_lean_tasks

TASKS = load_core_lean_tasks()


def test_the_bundled_set_holds_at_least_25_theorems_with_unique_ids() -> None:
    assert len(TASKS) >= 25
    assert len({t.id for t in TASKS}) == len(TASKS)


def test_every_statement_ends_in_the_definition_sign() -> None:
    for task in TASKS:
        assert task.reference["theorem"].endswith(":="), task.id


def test_every_statement_declares_the_theorem_its_row_names() -> None:
    for task in TASKS:
        assert re.match(rf"theorem {re.escape(task.id)}\b", task.reference["theorem"]), task.id


def test_every_reference_proof_is_a_non_empty_tactic_block_without_sorry() -> None:
    for task in TASKS:
        proof = task.reference["solution"]
        assert isinstance(proof, str) and proof.strip(), task.id
        assert proof.startswith("by"), task.id
        assert "sorry" not in proof and "admit" not in proof, task.id


def test_the_set_needs_only_lean_core() -> None:
    for task in TASKS:
        assert task.reference["header"] == "", task.id
        text = task.reference["theorem"] + task.reference["solution"]
        assert "Mathlib" not in text and "import" not in text, task.id
        assert "ℕ" not in text and "ℝ" not in text, task.id  # Mathlib notation


def test_every_row_cites_its_source() -> None:
    for line in bundled_core_path().read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        assert row["source"].strip(), row["name"]


def test_the_tactic_mode_tasks_are_the_same_theorems() -> None:
    tactic = load_core_lean_tasks("tactic")
    assert [t.reference for t in tactic] == [t.reference for t in TASKS]
