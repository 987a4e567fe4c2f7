"""Sandboxes: run untrusted programs under hard limits (the Docker backend is the default).

`DockerSandboxPool`, `build_image` and `DEFAULT_IMAGE` load on first use, so importing this
package needs neither the docker SDK nor an engine. Stale containers: `rlvr_gym.sandboxes.reap`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rlvr_gym.sandboxes.base import ExecResult, Limits, Sandbox, SandboxFile

if TYPE_CHECKING:
    from rlvr_gym.sandboxes.image.build import DEFAULT_IMAGE, build_image
    from rlvr_gym.sandboxes.pool import DockerSandboxPool

__all__ = [
    "DEFAULT_IMAGE", "DockerSandboxPool", "ExecResult", "Limits", "Sandbox", "SandboxFile",
    "build_image",
]

_LAZY = {
    "DockerSandboxPool": "rlvr_gym.sandboxes.pool",
    "build_image": "rlvr_gym.sandboxes.image.build",
    "DEFAULT_IMAGE": "rlvr_gym.sandboxes.image.build",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
