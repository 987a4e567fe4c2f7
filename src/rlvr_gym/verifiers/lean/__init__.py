"""Lean proofs: the rules a proof must pass (`rules`) and `LeanVerifier`."""

from __future__ import annotations

from rlvr_gym.verifiers.lean.rules import (
    ProofCheck,
    StepJudgement,
    judge_tactic_step,
    judge_whole_proof,
    normalize_statement,
)
from rlvr_gym.verifiers.lean.verifier import LeanVerifier, extract_lean

__all__ = [
    "LeanVerifier",
    "ProofCheck",
    "StepJudgement",
    "extract_lean",
    "judge_tactic_step",
    "judge_whole_proof",
    "normalize_statement",
]
