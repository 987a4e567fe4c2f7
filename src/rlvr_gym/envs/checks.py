"""Checks of the keyword arguments every env factory shares, so `gymnasium.make` with a bad
kwarg raises a ConfigurationError naming it (never a TypeError from deep inside)."""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Mapping
from typing import Any

from rlvr_gym.core.errors import ConfigurationError


def reject_unknown(factory: str, unknown: Mapping[str, Any], known: Iterable[str]) -> None:
    """Raise ConfigurationError naming each unknown keyword (and the known one it is close to)."""
    if not unknown:
        return
    names = sorted(known)
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, names, n=1)
        parts.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ConfigurationError(
        f"{factory} got unknown keyword argument(s) {', '.join(parts)}; known: {names}"
    )


def check_choice(name: str, value: object, choices: Iterable[str], expected: str = "") -> str:
    """`value` when it is one of the string `choices` (`expected` words them for the error)."""
    options = list(choices)
    if not isinstance(value, str) or value not in options:
        wanted = expected or f"one of {options}"
        raise ConfigurationError(f"{name} must be {wanted}, got {value!r:.80}")
    return value


def check_bool(name: str, value: object) -> bool:
    """`value` when it is True or False (not merely truthy)."""
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, got {value!r:.80}")
    return value


def check_count(name: str, value: object, minimum: int = 1) -> int:
    """`value` when it is an integer >= `minimum` (bools are not counts)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be an integer >= {minimum}, got {value!r:.80}")
    return value


def check_seconds(name: str, value: object) -> float:
    """`value` as a float when it is a positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value) or value <= 0:
        raise ConfigurationError(
            f"{name} must be a positive, finite number of seconds, got {value!r:.80}"
        )
    return float(value)


def check_path_or_name(name: str, value: object, names: Iterable[str] = ()) -> str:
    """`value` as a string when it is a file path (str or os.PathLike) or one of `names`."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        extra = f" or one of {list(names)}" if names else ""
        raise ConfigurationError(f"{name} must be a file path{extra}, got {value!r:.80}")
    return value


def check_optional_mapping(name: str, value: object) -> Mapping[str, Any] | None:
    """`value` when it is None or a mapping."""
    if value is not None and not isinstance(value, Mapping):
        raise ConfigurationError(f"{name} must be a mapping (dict), got {value!r:.80}")
    return value
