"""Procedural math generators; importing this package registers every built-in one.

Each module holds one generator: its config, the generator, its reference-solution writer and a
``register_generator(...)`` line at the bottom. To add a task, copy a neighbour and import it here.
"""

from __future__ import annotations

from rlvr_gym.tasks.generators import (
    arithmetic,
    calculus,
    fractions,
    linear_equations,
    linear_systems,
    number_theory,
    polynomials,
    quadratics,
    word_problems,
)
from rlvr_gym.tasks.generators.base import (
    GENERATORS,
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    format_prompt,
    register_generator,
)

__all__ = [
    "GENERATORS",
    "GeneratedProblem",
    "GeneratorConfig",
    "MathGenerator",
    "arithmetic",
    "calculus",
    "format_prompt",
    "fractions",
    "linear_equations",
    "linear_systems",
    "number_theory",
    "polynomials",
    "quadratics",
    "register_generator",
    "word_problems",
]
