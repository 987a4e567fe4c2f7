"""Lean 4 backends: the REPL protocol client, the REPL pool, and a replaying stand-in REPL.

Imported lazily (PEP 562) so ``import rlvr_gym.lean`` costs nothing until a name is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rlvr_gym.lean.client import ReplClient, find_lean_command
    from rlvr_gym.lean.pool import ReplPool
    from rlvr_gym.lean.types import (
        CommandResult,
        LeanBackend,
        LeanMessage,
        Position,
        Sorry,
        TacticHandle,
        TacticResult,
        parse_response,
    )

_EXPORTS = {
    "ReplClient": "rlvr_gym.lean.client",
    "find_lean_command": "rlvr_gym.lean.client",
    "ReplPool": "rlvr_gym.lean.pool",
    "CommandResult": "rlvr_gym.lean.types",
    "LeanBackend": "rlvr_gym.lean.types",
    "LeanMessage": "rlvr_gym.lean.types",
    "Position": "rlvr_gym.lean.types",
    "Sorry": "rlvr_gym.lean.types",
    "TacticHandle": "rlvr_gym.lean.types",
    "TacticResult": "rlvr_gym.lean.types",
    "parse_response": "rlvr_gym.lean.types",
}

__all__ = [
    "CommandResult",
    "LeanBackend",
    "LeanMessage",
    "Position",
    "ReplClient",
    "ReplPool",
    "Sorry",
    "TacticHandle",
    "TacticResult",
    "find_lean_command",
    "parse_response",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rlvr_gym.lean' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
