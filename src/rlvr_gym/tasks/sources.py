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
                    f"no generator named {generator!r}; known: {sorted(GENERATORS)}"
                )
            generator = GENERATORS[generator]
        self.generator = generator
        self.family: str = generator.family

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

        chosen = sorted(n for n, g in GENERATORS.items() if g.family == family) if names is None \
            else list(names)
        if not chosen:
            raise ConfigurationError("MixedGeneratorSource needs at least one generator")
        self.sources = [GeneratorSource(n) for n in chosen]
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
    """A fixed list of tasks (a loaded dataset); the rng picks one, a level filters them."""

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

    def sample(
        self, rng: np.random.Generator, difficulty: int | Mapping[str, Any] | None = None
    ) -> Task:
        pool = self._at_level(difficulty)
        return pool[int(rng.integers(len(pool)))]

    def task_at(self, index: int, difficulty: int | Mapping[str, Any] | None = None) -> Task:
        pool = self._at_level(difficulty)
        return pool[index % len(pool)]

    def _at_level(self, difficulty: int | Mapping[str, Any] | None) -> list[Task]:
        if isinstance(difficulty, int):
            return [t for t in self.tasks if t.difficulty.get("level") == difficulty] or self.tasks
        return self.tasks

    def __len__(self) -> int:
        return len(self.tasks)
