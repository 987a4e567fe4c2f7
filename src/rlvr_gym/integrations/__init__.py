"""Trainer adapters: TRL, verl, OpenRLHF, and `score_batch` for any loop.

Each adapter module imports its trainer lazily (or not at all): importing this package needs
nothing beyond rlvr-gym.
"""

from __future__ import annotations

from rlvr_gym.integrations.batch import BatchScorer, score_batch

__all__ = ["BatchScorer", "score_batch"]
