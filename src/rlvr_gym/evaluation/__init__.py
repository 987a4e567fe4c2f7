"""Evaluation: run a policy on an environment's tasks and report pass@k and mean rewards.

    from rlvr_gym.evaluation import evaluate
    summary = evaluate("rlvr/Math-v0", "reference", n=20, samples=4, out="eval.jsonl")
    summary.pass_at_k[1], summary.mean_outcome

The same run from the shell is ``rlvr eval rlvr/Math-v0 --policy reference -n 20 --samples 4``.
"""

from __future__ import annotations

from rlvr_gym.evaluation.metrics import EvalSummary, mean_pass_at_k, pass_at_k, summarize
from rlvr_gym.evaluation.policies import Policy, load_policy, reference_response
from rlvr_gym.evaluation.runner import evaluate

__all__ = [
    "EvalSummary",
    "Policy",
    "evaluate",
    "load_policy",
    "mean_pass_at_k",
    "pass_at_k",
    "reference_response",
    "summarize",
]
