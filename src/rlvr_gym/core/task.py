"""`Task`: one verifiable problem, immutable and JSON-serialisable both ways."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Union

from rlvr_gym.core.errors import ConfigurationError

ChatMessage = Mapping[str, str]
Prompt = Union[str, tuple[ChatMessage, ...]]  # noqa: UP007 (a runtime alias on Python 3.10)

_FAMILIES = ("math", "code", "lean")


def _freeze(value: Any) -> Any:
    """Deep-freeze JSON-like data so a Task cannot be mutated through its fields."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    """Turn frozen data back into plain dicts and lists for JSON."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True, eq=True)
class Task:
    """A problem a policy answers and a verifier checks.

    `reference` holds what the verifier needs (math: ``answer`` and optionally ``solution``;
    code: tests; lean: the theorem); `difficulty` the generator knobs that produced it.
    """

    id: str
    family: str
    prompt: Prompt
    reference: Mapping[str, Any]
    difficulty: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id:
            raise ConfigurationError("Task.id must be a non-empty string")
        if not isinstance(self.prompt, (str, tuple, list)):
            raise ConfigurationError(
                f"Task {self.id!r}: prompt must be text or a list of chat messages"
            )
        object.__setattr__(self, "prompt", _freeze(self.prompt))
        object.__setattr__(self, "reference", _freeze(self.reference))
        object.__setattr__(self, "difficulty", _freeze(self.difficulty))
        object.__setattr__(self, "metadata", _freeze(self.metadata))

    def __hash__(self) -> int:
        return hash((self.id, self.family, self.to_json()))

    @property
    def prompt_text(self) -> str:
        """The prompt as one string (chat messages joined by their content)."""
        if isinstance(self.prompt, str):
            return self.prompt
        return "\n\n".join(str(m.get("content", "")) for m in self.prompt)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `Task.from_dict` inverts it."""
        return {
            "id": self.id,
            "family": self.family,
            "prompt": _thaw(self.prompt),
            "reference": _thaw(self.reference),
            "difficulty": _thaw(self.difficulty),
            "metadata": _thaw(self.metadata),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        """Build a Task from `to_dict` output; raises ConfigurationError naming a missing field."""
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"task data must be a mapping, got {type(data).__name__}")
        missing = [k for k in ("id", "family", "prompt", "reference") if k not in data]
        if missing:
            raise ConfigurationError(f"task data lacks field(s) {', '.join(missing)}")
        for name in ("reference", "difficulty", "metadata"):
            if data.get(name) is not None and not isinstance(data[name], Mapping):
                raise ConfigurationError(
                    f"task field {name!r} must be a mapping, got {type(data[name]).__name__}"
                )
        prompt = data["prompt"]
        if isinstance(prompt, list):
            prompt = tuple(prompt)
        return cls(
            id=str(data["id"]),
            family=str(data["family"]),
            prompt=prompt,
            reference=dict(data["reference"]),
            difficulty=dict(data.get("difficulty") or {}),
            metadata=dict(data.get("metadata") or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> Task:
        return cls.from_dict(json.loads(text))
