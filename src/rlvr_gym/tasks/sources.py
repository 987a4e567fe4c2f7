"""Task sources: where an environment draws its tasks from (generators or a fixed list)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.core.task import Task

_SEED_SPACE = 2**31 - 1


class GeneratorSource:
    """Draws tasks from one procedural generator; the rng picks the item's seed."""

    def __init__(self, generator: str | Any) -> None:
        from rlvr_gym.tasks.generators import GENERATORS

        if isinstance(generator, str):
            if generator not in GENERATORS:
                raise ConfigurationError(
                    f"no generator named {generator!r:.80}; known: {sorted(GENERATORS)}"
                )
            generator = GENERATORS[generator]
        elif not callable(getattr(generator, "generate", None)) or not isinstance(
            getattr(generator, "family", None), str
        ):
            raise ConfigurationError(
                f"a generator must be a name from {sorted(GENERATORS)} or a MathGenerator, "
                f"got {generator!r:.80}"
            )
        self.generator = generator
        self.family: str = generator.family

    def check_difficulty(self, difficulty: int | Mapping[str, Any] | None) -> None:
        """Raise ConfigurationError (naming the level or knob) unless the generator takes it."""
        config = getattr(self.generator, "config", None)
        if callable(config):
            config(difficulty)

    def sample(
        self, rng: np.random.Generator, difficulty: int | Mapping[str, Any] | None = None
    ) -> Task:
        return self.task_at(int(rng.integers(_SEED_SPACE)), difficulty)

    def task_at(self, index: int, difficulty: int | Mapping[str, Any] | None = None) -> Task:
        return self.generator.generate(index, difficulty)

    def __len__(self) -> int:
        return _SEED_SPACE


class MixedGeneratorSource:
    """Draws from several generators in turn, uniformly; a level applies to each of them."""

    def __init__(self, names: Sequence[str] | None = None, family: str = "math") -> None:
        from rlvr_gym.tasks.generators import GENERATORS

        if names is not None and (
            isinstance(names, str) or not isinstance(names, (list, tuple))
            or not all(isinstance(n, str) for n in names)
        ):
            raise ConfigurationError(
                f"generators must be a list of generator names (e.g. ['arithmetic']), "
                f"got {names!r:.80}"
            )
        chosen = sorted(n for n, g in GENERATORS.items() if g.family == family) if names is None \
            else list(names)
        if not chosen:
            raise ConfigurationError("MixedGeneratorSource needs at least one generator")
        try:
            self.sources = [GeneratorSource(n) for n in chosen]
        except ConfigurationError as exc:
            raise ConfigurationError(f"generators: {exc}") from exc
        self.family = family

    def sample(
        self, rng: np.random.Generator, difficulty: int | Mapping[str, Any] | None = None
    ) -> Task:
        source = self.sources[int(rng.integers(len(self.sources)))]
        return source.sample(rng, self._level_for(source, difficulty))

    def task_at(self, index: int, difficulty: int | Mapping[str, Any] | None = None) -> Task:
        """Generators take turns: index 0 is the first generator's seed 0, index 1 the second's."""
        source = self.sources[index % len(self.sources)]
        return source.task_at(index // len(self.sources), self._level_for(source, difficulty))

    def check_difficulty(self, difficulty: int | Mapping[str, Any] | None) -> None:
        """Raise ConfigurationError unless every generator of the mix takes `difficulty`."""
        if isinstance(difficulty, int) and not isinstance(difficulty, bool) and difficulty < 1:
            raise ConfigurationError(f"difficulty level must be 1 or more, got {difficulty}")
        for source in self.sources:
            source.check_difficulty(self._level_for(source, difficulty))

    @staticmethod
    def _level_for(
        source: GeneratorSource, difficulty: int | Mapping[str, Any] | None
    ) -> int | Mapping[str, Any] | None:
        if isinstance(difficulty, int):
            return min(difficulty, source.generator.max_level)
        return difficulty

    def __len__(self) -> int:
        return _SEED_SPACE


class TaskListSource:
    """A fixed list of tasks (a loaded dataset); the rng picks one, a difficulty filters them.

    A level keeps the tasks whose ``difficulty["level"]`` equals it; a mapping keeps the tasks
    whose difficulty holds every one of its items. A difficulty no task has is refused (naming
    the levels there are) rather than silently widened to the whole list."""

    def __init__(self, tasks: Sequence[Task], family: str | None = None) -> None:
        if not tasks:
            raise ConfigurationError("a task list needs at least one task")
        self.tasks = list(tasks)
        self.family = family or self.tasks[0].family
        mixed = {t.family for t in self.tasks} - {self.family}
        if mixed:
            raise ConfigurationError(
                f"a task list must hold one family; found {sorted(mixed | {self.family})}"
            )

    @property
    def levels(self) -> list[int]:
        """The integer levels the tasks carry (``difficulty["level"]``), sorted; for curricula."""
        found = {t.difficulty.get("level") for t in self.tasks}
        return sorted(v for v in found if isinstance(v, int) and not isinstance(v, bool))

    def check_difficulty(self, difficulty: int | Mapping[str, Any] | None) -> None:
        """Raise ConfigurationError unless some task is at `difficulty`."""
        if difficulty is None or self._at_level(difficulty):
            return
        if isinstance(difficulty, int):
            there = f"its levels are {self.levels}" if self.levels else \
                "its tasks carry no level (difficulty['level'])"
            raise ConfigurationError(
                f"no task of this list is at level {difficulty}; {there}"
            )
        knobs = sorted({key for t in self.tasks for key in t.difficulty})
        raise ConfigurationError(
            f"no task of this list has difficulty {dict(difficulty)!r:.120}; the knobs its "
            f"tasks carry: {knobs}"
        )

    def sample(
        self, rng: np.random.Generator, difficulty: int | Mapping[str, Any] | None = None
    ) -> Task:
        pool = self._pool(difficulty)
        return pool[int(rng.integers(len(pool)))]

    def task_at(self, index: int, difficulty: int | Mapping[str, Any] | None = None) -> Task:
        pool = self._pool(difficulty)
        return pool[index % len(pool)]

    def count(self, difficulty: int | Mapping[str, Any] | None = None) -> int:
        """How many tasks are at `difficulty` (all of them for None)."""
        return len(self._at_level(difficulty))

    def _pool(self, difficulty: int | Mapping[str, Any] | None) -> list[Task]:
        self.check_difficulty(difficulty)
        return self._at_level(difficulty)

    def _at_level(self, difficulty: int | Mapping[str, Any] | None) -> list[Task]:
        if difficulty is None:
            return self.tasks
        wanted = {"level": difficulty} if isinstance(difficulty, int) else dict(difficulty)
        return [t for t in self.tasks
                if all(k in t.difficulty and t.difficulty[k] == v for k, v in wanted.items())]

    def __len__(self) -> int:
        return len(self.tasks)
