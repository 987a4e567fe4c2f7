"""The registry: every rlvr environment id, registered with gymnasium under ``rlvr/``.

Built-in tasks load through the same ``rlvr_gym.tasks`` entry-point group a third-party package
uses: each entry point names a callable that receives `register` and calls it once per id.
Data files registered with ``rlvr tasks add`` (or `register_file`) are remembered in
``$RLVR_GYM_HOME/tasks.json`` (default ``~/.rlvr-gym``) and registered at import.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import gymnasium

from rlvr_gym.core.errors import ConfigurationError, UnknownEnvironmentError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock, the rest works
    fcntl = None  # type: ignore[assignment]

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
    The file is loaded first: a bad file raises `TaskFileError` (file, row, field) and leaves the
    remembered registrations as they were.
    """
    if family != "math":
        raise ConfigurationError(
            f"data-file tasks support the 'math' family so far, not {family!r:.80}"
        )
    if not isinstance(description, str):
        raise ConfigurationError(f"description must be a string, got {description!r:.80}")
    from rlvr_gym.tasks.datasets import dataset_path, load_math_tasks

    resolved = dataset_path(path).expanduser().resolve()
    if not resolved.is_file():
        raise ConfigurationError(f"{resolved}: no such file; give the path of a JSONL file")
    full = _normalise_id(id)
    load_math_tasks(resolved, format=format)  # validate now: errors name the row and field
    if persist:
        with _file_registry_lock():
            store = _read_file_registry()  # a damaged store raises here: nothing is overwritten
            store[full] = {"path": str(resolved), "family": family, "format": format,
                           "description": description or f"math tasks from {resolved.name}"}
            _write_file_registry(store)
    return register(
        full, "rlvr_gym.envs.math:make_math_env", family=family,
        description=description or f"math tasks from {resolved.name}", origin="file",
        dataset=str(resolved), format=format,
    )


def unregister_file(id: str) -> None:
    """Forget a remembered data-file task."""
    full = _normalise_id(id)
    with _file_registry_lock():
        store = _read_file_registry()
        if full not in store:
            raise UnknownEnvironmentError(f"{full} is not a registered data-file task")
        del store[full]
        _write_file_registry(store)
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
    except (ValueError, RecursionError) as exc:  # bad JSON, bad UTF-8, nesting too deep
        raise ConfigurationError(
            f"{path} is not valid JSON ({exc}); fix it, or delete it to forget every "
            "remembered data-file task"
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"{path} cannot be read ({exc}); fix its permissions") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"{path} must hold a JSON object of id -> file; fix it, or delete it to forget every "
            "remembered data-file task"
        )
    return data


def _write_file_registry(store: Mapping[str, Any]) -> None:
    """Replace the store in one step (write a temporary file, then rename it over)."""
    target = _file_registry_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(store, indent=2, sort_keys=True), encoding="utf-8")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def _file_registry_lock() -> Iterator[None]:
    """Hold an exclusive lock on the store while it is read and rewritten, so two
    ``rlvr tasks add`` at once cannot drop each other's entry."""
    home = _registry_home()
    home.mkdir(parents=True, exist_ok=True)
    with (home / "tasks.lock").open("a") as handle:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _remembered_entries() -> list[tuple[str, dict[str, Any]]]:
    """The remembered registrations usable at import; a damaged store or entry is reported
    with a warning and skipped, so it cannot break ``import rlvr_gym``."""
    try:
        store = _read_file_registry()
    except ConfigurationError as exc:
        warnings.warn(f"remembered data-file tasks ignored: {exc}", RuntimeWarning, stacklevel=3)
        return []
    entries = []
    for id, item in store.items():
        try:
            _normalise_id(id)
        except ConfigurationError:
            item = None
        if not isinstance(item, dict) or not isinstance(item.get("path"), str) or not all(
            isinstance(item.get(key, ""), str) for key in ("family", "format", "description")
        ):
            warnings.warn(
                f"remembered data-file task {id!r} in {_file_registry_path()} is malformed and "
                f"was skipped; remove it with `rlvr tasks remove {id}`", RuntimeWarning,
                stacklevel=3,
            )
            continue
        entries.append((id, item))
    return entries


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
        for id, item in _remembered_entries():
            path = Path(item["path"])
            if not path.is_file():
                continue  # a moved file must not break `import rlvr_gym`; `rlvr tasks` shows it
            try:
                register(
                    id, "rlvr_gym.envs.math:make_math_env", family=item.get("family", "math"),
                    description=item.get("description", ""), origin="file",
                    dataset=str(path), format=item.get("format", "auto"),
                )
            except ConfigurationError as exc:
                warnings.warn(f"remembered data-file task {id!r} was skipped: {exc}",
                              RuntimeWarning, stacklevel=2)


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
