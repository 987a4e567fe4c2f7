"""The registry: every rlvr environment id, registered with gymnasium under ``rlvr/``.

Built-in tasks load through the same ``rlvr_gym.tasks`` entry-point group a third-party package
uses: each entry point names a callable that receives `register` and calls it once per id.
Data files registered with ``rlvr tasks add`` (or `register_file`) are remembered in
``$RLVR_GYM_HOME/tasks.json`` (default ``~/.rlvr-gym``) and registered at import.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import gymnasium

from rlvr_gym.core.errors import ConfigurationError, UnknownEnvironmentError

NAMESPACE = "rlvr"
ENTRY_POINT_GROUP = "rlvr_gym.tasks"
_ID_PATTERN = re.compile(r"^rlvr/[A-Za-z][A-Za-z0-9_.]*-v\d+$")


class RegisterFn(Protocol):
    def __call__(
        self, id: str, entry_point: str | Callable[..., Any], *, family: str = ...,
        description: str = ..., **kwargs: Any,
    ) -> object: ...


@dataclass(frozen=True)
class TaskSpec:
    """What the registry knows of one id: its creator, default kwargs, family and description."""

    id: str
    entry_point: str | Callable[..., Any]
    family: str
    description: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "python"


_SPECS: dict[str, TaskSpec] = {}
_LOADED = False
_LOAD_LOCK = threading.RLock()


def _normalise_id(id: str) -> str:
    if not isinstance(id, str):
        raise ConfigurationError(f"an environment id must be a string, got {id!r}")
    full = id if id.startswith(f"{NAMESPACE}/") else f"{NAMESPACE}/{id}"
    if not _ID_PATTERN.match(full):
        raise ConfigurationError(
            f"environment id {id!r} must look like 'rlvr/Name-vN' (e.g. 'rlvr/MathLinear-v0')"
        )
    return full


def register(
    id: str,
    entry_point: str | Callable[..., Any],
    *,
    family: str = "math",
    description: str = "",
    origin: str = "python",
    **kwargs: Any,
) -> TaskSpec:
    """Register an environment id with rlvr-gym and gymnasium (``gymnasium.make`` works on it).

    `entry_point` is ``"module:callable"`` or a callable returning an env; `kwargs` are its
    defaults, overridable at `make`. Registering an existing id replaces it.
    """
    full = _normalise_id(id)
    spec = TaskSpec(full, entry_point, family, description, dict(kwargs), origin)
    _SPECS[full] = spec
    if full in gymnasium.registry:
        del gymnasium.registry[full]
    gymnasium.register(id=full, entry_point=entry_point, kwargs=dict(kwargs))
    return spec


def _registry_home() -> Path:
    return Path(os.environ.get("RLVR_GYM_HOME", Path.home() / ".rlvr-gym"))


def _file_registry_path() -> Path:
    return _registry_home() / "tasks.json"


def register_file(
    id: str, path: str | os.PathLike[str], *, family: str = "math", format: str = "auto",
    persist: bool = False, description: str = "",
) -> TaskSpec:
    """Make a data file (JSONL or Parquet of prompt + answer rows) a task with no code.

    With ``persist=True`` the registration is remembered for future sessions (``rlvr tasks add``).
    """
    if family != "math":
        raise ConfigurationError(
            f"data-file tasks support the 'math' family so far, not {family!r}"
        )
    resolved = Path(path).expanduser().resolve()
    if not resolved.is_file():
        raise ConfigurationError(f"{resolved}: no such file; give the path of a JSONL file")
    from rlvr_gym.tasks.datasets import load_math_tasks

    load_math_tasks(resolved, format=format)  # validate now: errors name the row and field
    spec = register(
        id, "rlvr_gym.envs.math:make_math_env", family=family,
        description=description or f"math tasks from {resolved.name}", origin="file",
        dataset=str(resolved), format=format,
    )
    if persist:
        store = _read_file_registry()
        store[spec.id] = {"path": str(resolved), "family": family, "format": format,
                          "description": spec.description}
        target = _file_registry_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps(store, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(target)
    return spec


def unregister_file(id: str) -> None:
    """Forget a remembered data-file task."""
    full = _normalise_id(id)
    store = _read_file_registry()
    if full not in store:
        raise UnknownEnvironmentError(f"{full} is not a registered data-file task")
    del store[full]
    _file_registry_path().write_text(json.dumps(store, indent=2, sort_keys=True), "utf-8")
    _SPECS.pop(full, None)
    gymnasium.registry.pop(full, None)


def remembered_files() -> dict[str, dict[str, Any]]:
    """The data-file tasks remembered by ``rlvr tasks add``: id -> path, family, format."""
    return {k: dict(v) for k, v in _read_file_registry().items() if isinstance(v, dict)}


def _read_file_registry() -> dict[str, Any]:
    path = _file_registry_path()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    return data if isinstance(data, dict) else {}


def load_plugins() -> None:
    """Register the built-in tasks, every installed plugin's, and remembered data files (once)."""
    global _LOADED
    with _LOAD_LOCK:
        if _LOADED:
            return
        _LOADED = True
        names = set()
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            names.add(entry.value)
            if entry.value.startswith("rlvr_gym."):
                entry.load()(register)
                continue
            try:  # a broken third-party plugin must not break `import rlvr_gym`
                entry.load()(register)
            except Exception as exc:
                warnings.warn(
                    f"rlvr-gym task plugin {entry.name!r} ({entry.value}) failed to load: "
                    f"{exc!r}; its environments are unavailable",
                    RuntimeWarning, stacklevel=2,
                )
        if "rlvr_gym.tasks.builtin:register_all" not in names:  # running from a source tree
            from rlvr_gym.tasks.builtin import register_all

            register_all(register)
        for id, item in _read_file_registry().items():
            path = Path(item.get("path", ""))
            if not path.is_file():
                continue  # a moved file must not break `import rlvr_gym`; `rlvr tasks` shows it
            register(
                id, "rlvr_gym.envs.math:make_math_env", family=item.get("family", "math"),
                description=item.get("description", ""), origin="file",
                dataset=str(path), format=item.get("format", "auto"),
            )


def registered_ids(family: str | None = None) -> list[str]:
    """Every registered id, sorted; only those of `family` when given."""
    load_plugins()
    return sorted(i for i, s in _SPECS.items() if family is None or s.family == family)


def spec(id: str) -> TaskSpec:
    """The registry entry of an id; a wrong id gets an error suggesting the near miss."""
    load_plugins()
    full = id if id.startswith(f"{NAMESPACE}/") else f"{NAMESPACE}/{id}"
    if full not in _SPECS:
        suggestion = difflib.get_close_matches(full, list(_SPECS), n=1)
        hint = f" Did you mean `{suggestion[0]}`?" if suggestion else ""
        raise UnknownEnvironmentError(
            f"Environment `{id}` is not registered.{hint} `rlvr tasks` lists every id."
        )
    return _SPECS[full]


def make(id: str, **kwargs: Any) -> gymnasium.Env[Any, Any]:
    """Create a registered environment; `kwargs` override its registered defaults."""
    found = spec(id)
    return gymnasium.make(found.id, **kwargs)
