"""Integer arithmetic: evaluate + - * expressions with parentheses (rlvr/MathArithmetic-v0)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.expression_tree import (
    BinOp,
    Expression,
    evaluate,
    random_flat,
    random_nested,
    reduce_once,
    render,
)
from rlvr_gym.tasks.generators.notation import answer_line, latex_number
from rlvr_gym.tasks.generators.sampling import nonzero_int

_MAX_DRAWS = 1000


@dataclass(frozen=True)
class ArithmeticConfig(GeneratorConfig):
    """Knobs of an integer expression.

    operands: how many numbers the expression has (2..10).
    magnitude: the largest absolute value of an operand (2..10**6).
    allow_negatives: negative operands and negative intermediate results may appear; without it
        every operand and every intermediate result is non-negative.
    operators: which of ``+ - *`` may appear, e.g. ``"+-"``.
    parentheses: randomly nested subexpressions; without it the expression is flat and read
        with the usual precedence.
    max_value: the largest absolute value of any intermediate result or the answer.
    """

    operands: int = 2
    magnitude: int = 20
    allow_negatives: bool = False
    operators: str = "+-"
    parentheses: bool = False
    max_value: int = 100

    def validate(self) -> None:
        self.require_int("operands", 2, 10)
        self.require_int("magnitude", 2, 10**6)
        self.require_bool("allow_negatives")
        self.require_bool("parentheses")
        self.require_int("max_value", 2, 10**12)
        if (
            not isinstance(self.operators, str)
            or not self.operators
            or set(self.operators) - set("+-*")
            or len(set(self.operators)) != len(self.operators)
        ):
            raise ConfigurationError(
                f"ArithmeticConfig.operators must be distinct characters from '+-*', "
                f"e.g. '+-*', got {self.operators!r}"
            )
        if self.max_value < self.magnitude:
            raise ConfigurationError(
                f"ArithmeticConfig.max_value ({self.max_value}) must be at least magnitude "
                f"({self.magnitude}), or no operand would fit"
            )


def reduction_steps(expr: Expression) -> list[str]:
    """One line per operation: ``whole expression = expression with that operation done``."""
    steps: list[str] = []
    while isinstance(expr, BinOp):
        reduced, _ = reduce_once(expr)
        steps.append(f"{render(expr)} = {render(reduced)}")
        expr = reduced
    return steps


class ArithmeticGenerator(MathGenerator[ArithmeticConfig]):
    """Evaluate an integer expression; difficulty adds operands, magnitude, negatives, nesting."""

    name: ClassVar[str] = "arithmetic"
    env_name: ClassVar[str] = "MathArithmetic"
    description: ClassVar[str] = "Evaluate an integer expression with +, -, * and parentheses."
    config_cls: ClassVar[type[GeneratorConfig]] = ArithmeticConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"operands": 2, "magnitude": 20, "allow_negatives": False, "operators": "+-",
            "parentheses": False, "max_value": 100},
        2: {"operands": 3, "magnitude": 20, "allow_negatives": False, "operators": "+-*",
            "parentheses": False, "max_value": 500},
        3: {"operands": 4, "magnitude": 50, "allow_negatives": True, "operators": "+-*",
            "parentheses": True, "max_value": 5_000},
        4: {"operands": 5, "magnitude": 100, "allow_negatives": True, "operators": "+-*",
            "parentheses": True, "max_value": 50_000},
        5: {"operands": 7, "magnitude": 500, "allow_negatives": True, "operators": "+-*",
            "parentheses": True, "max_value": 1_000_000},
    }

    def build(self, rng: random.Random, config: ArithmeticConfig) -> GeneratedProblem:
        expr = self._draw(rng, config)
        value = evaluate(expr)
        answer = latex_number(value)
        question = f"Evaluate ${render(expr)}$. Give the answer as an integer."
        steps = [*reduction_steps(expr), answer_line(answer)]
        return GeneratedProblem(question, answer, tuple(steps), {"expression": render(expr)})

    @staticmethod
    def _draw(rng: random.Random, config: ArithmeticConfig) -> BinOp:
        low = -config.magnitude if config.allow_negatives else 1
        draw_tree = random_nested if config.parentheses else random_flat
        for _ in range(_MAX_DRAWS):
            leaves = [
                Fraction(nonzero_int(rng, low, config.magnitude)) for _ in range(config.operands)
            ]
            tree = draw_tree(
                rng, leaves, config.operators,
                allow_negative=config.allow_negatives, max_abs=config.max_value,
            )
            if isinstance(tree, BinOp):
                return tree
        raise ConfigurationError(
            f"arithmetic: no expression with {config.operands} operands, operators "
            f"{config.operators!r} and max_value {config.max_value} found in {_MAX_DRAWS} draws; "
            "allow negatives, add operators or raise max_value"
        )


register_generator(ArithmeticGenerator())
