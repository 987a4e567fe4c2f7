"""The procedural task generator contract: a config with difficulty knobs, levels, and a seed.

A generator turns ``(seed, difficulty)`` into one `Task` with an exact answer and a reference
step-by-step solution. Each item is seeded on its own (``random.Random(seed)``), so item 17 is the
same item whatever was generated before it. ``difficulty`` is either a level (an int from
``1`` to ``max_level``, each mapping to preset knob values) or a mapping of knob overrides,
optionally with a ``"level"`` key to start from.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task

Difficulty = int | Mapping[str, Any] | None


@dataclass(frozen=True)
class GeneratorConfig:
    """Base of every generator's knobs; subclasses validate themselves in `validate`."""

    def validate(self) -> None:
        """Raise ConfigurationError when a knob is out of range (never `assert`)."""

    def __post_init__(self) -> None:
        # Knobs read from JSON or YAML arrive as lists; tuples keep the config frozen and hashable.
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))
        self.validate()

    def knobs(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def require_int(self, knob: str, low: int, high: int) -> None:
        """Raise unless knob `knob` is an int in ``[low, high]`` (bools are not ints here)."""
        value = getattr(self, knob)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigurationError(
                f"{type(self).__name__}.{knob} must be an integer from {low} to {high}, "
                f"got {value!r}"
            )

    def require_bool(self, knob: str) -> None:
        """Raise unless knob `knob` is True or False."""
        value = getattr(self, knob)
        if not isinstance(value, bool):
            raise ConfigurationError(
                f"{type(self).__name__}.{knob} must be true or false, got {value!r}"
            )

    def require_choice(self, knob: str, choices: Collection[str]) -> None:
        """Raise unless knob `knob` is one of `choices`."""
        value = getattr(self, knob)
        if not isinstance(value, str) or value not in choices:
            raise ConfigurationError(
                f"{type(self).__name__}.{knob} must be one of {sorted(choices)}, got {value!r}"
            )

    def require_subset(self, knob: str, choices: Collection[str]) -> None:
        """Raise unless knob `knob` is a non-empty tuple of distinct members of `choices`."""
        value = getattr(self, knob)
        if (
            not isinstance(value, tuple)
            or not value
            or not all(isinstance(item, str) for item in value)
            or len(set(value)) != len(value)
            or any(item not in choices for item in value)
        ):
            raise ConfigurationError(
                f"{type(self).__name__}.{knob} must be a non-empty list of distinct values "
                f"from {sorted(choices)}, got {value!r}"
            )


ConfigT = TypeVar("ConfigT", bound=GeneratorConfig)


@dataclass(frozen=True)
class GeneratedProblem:
    """What a generator's `build` returns: prompt body, exact answer, worked steps, metadata."""

    question: str
    answer: str
    steps: tuple[str, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)
    """JSON-ready facts (coefficients, the function) for checkers; merged into Task.metadata."""


class MathGenerator(ABC, Generic[ConfigT]):
    """Base of every math generator: knob levels, seeding, prompt wrapping and Task building.

    Subclasses set `name` (snake case, unique), `env_name` (CamelCase, the env id is
    ``rlvr/{env_name}-v0``), `description`, `config_cls`, `levels` (level -> knob overrides),
    and implement `build(rng, config)`.
    """

    name: ClassVar[str]
    env_name: ClassVar[str]
    description: ClassVar[str]
    config_cls: ClassVar[type[GeneratorConfig]]
    levels: ClassVar[Mapping[int, Mapping[str, Any]]]
    family: ClassVar[str] = "math"

    @property
    def max_level(self) -> int:
        return max(self.levels)

    def config(self, difficulty: Difficulty = None) -> ConfigT:
        """Resolve a level or a mapping of knob overrides into a validated config."""
        if difficulty is None:
            difficulty = 1
        if isinstance(difficulty, bool) or not isinstance(difficulty, (int, Mapping)):
            raise ConfigurationError(
                f"{self.name}: difficulty must be a level 1..{self.max_level} or a mapping of "
                f"knobs, got {difficulty!r}"
            )
        overrides: dict[str, Any] = {}
        level = _level_of(difficulty)
        if isinstance(level, bool) or not isinstance(level, int) or level not in self.levels:
            raise ConfigurationError(
                f"{self.name}: level {level} does not exist; choose 1..{self.max_level}"
            )
        overrides.update(self.levels[level])
        if isinstance(difficulty, Mapping):
            known = {f.name for f in dataclasses.fields(self.config_cls)}
            unknown = set(difficulty) - known - {"level"}
            if unknown:
                raise ConfigurationError(
                    f"{self.name}: unknown difficulty knob(s) {sorted(unknown)}; "
                    f"known: {sorted(known)}"
                )
            overrides.update({k: v for k, v in difficulty.items() if k != "level"})
        try:
            config = self.config_cls(**overrides)
        except TypeError as exc:
            raise ConfigurationError(f"{self.name}: bad difficulty knobs ({exc})") from exc
        return config  # type: ignore[return-value]

    @abstractmethod
    def build(self, rng: random.Random, config: ConfigT) -> GeneratedProblem:
        """Make one problem from `rng` (the only source of randomness) and the knobs."""

    def generate(self, seed: int, difficulty: Difficulty = None) -> Task:
        """The task for `seed` at `difficulty`; the same inputs always give the same task."""
        config = self.config(difficulty)
        problem = self.build(random.Random(f"{self.name}:{seed}"), config)
        level = _level_of(difficulty)
        task_id = f"{self.name}/{level}/{seed}"
        if isinstance(difficulty, Mapping) and set(difficulty) - {"level"}:
            # Knob overrides change the task, so they must change its id too.
            knobs = json.dumps(config.knobs(), sort_keys=True, default=str)
            task_id += "/" + hashlib.sha256(knobs.encode()).hexdigest()[:8]
        return Task(
            id=task_id,
            family=self.family,
            prompt=format_prompt(problem.question),
            reference={"answer": problem.answer, "solution": "\n".join(problem.steps)},
            difficulty={"level": level, **config.knobs()},
            metadata={**problem.metadata, "generator": self.name, "seed": seed},
        )


def _level_of(difficulty: Difficulty) -> Any:
    """The level a difficulty starts from (1 when none is given); validated by the caller."""
    if isinstance(difficulty, Mapping):
        return difficulty.get("level", 1)
    return 1 if difficulty is None else difficulty


def format_prompt(question: str) -> str:
    """Wrap a question in the instruction every math task shares."""
    return (
        f"{question}\n\n"
        "Solve the problem step by step, one step per line, and put the final answer in "
        "\\boxed{}."
    )


GENERATORS: dict[str, MathGenerator[Any]] = {}


def register_generator(generator: MathGenerator[Any]) -> MathGenerator[Any]:
    """Add a generator to the catalogue; the built-in env ids are made from this catalogue."""
    if generator.name in GENERATORS:
        raise ConfigurationError(f"a generator named {generator.name!r} is already registered")
    GENERATORS[generator.name] = generator
    return generator
