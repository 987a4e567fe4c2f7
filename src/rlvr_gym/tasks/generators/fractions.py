"""Fraction arithmetic: add, subtract, multiply and divide fractions (rlvr/MathFractions-v0)."""

from __future__ import annotations

import math
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
    Leaf,
    evaluate,
    random_flat,
    random_nested,
    reduce_once,
    render,
)
from rlvr_gym.tasks.generators.notation import answer_line, latex_number, operand
from rlvr_gym.tasks.generators.sampling import nonzero_int

_MAX_DRAWS = 1000
_MAX_ABS = 10**6


@dataclass(frozen=True)
class FractionsConfig(GeneratorConfig):
    """Knobs of a fraction expression.

    terms: how many fractions the expression has (2..5).
    max_denominator: the largest denominator of an operand (2..100).
    max_numerator: the largest absolute numerator of an operand (1..100).
    operators: which of ``+ - * /`` may appear, e.g. ``"+-"``.
    allow_negatives: negative operands and intermediate results may appear.
    parentheses: randomly nested subexpressions instead of a flat expression.
    """

    terms: int = 2
    max_denominator: int = 6
    max_numerator: int = 6
    operators: str = "+-"
    allow_negatives: bool = False
    parentheses: bool = False

    def validate(self) -> None:
        self.require_int("terms", 2, 5)
        self.require_int("max_denominator", 2, 100)
        self.require_int("max_numerator", 1, 100)
        self.require_bool("allow_negatives")
        self.require_bool("parentheses")
        if (
            not isinstance(self.operators, str)
            or not self.operators
            or set(self.operators) - set("+-*/")
            or len(set(self.operators)) != len(self.operators)
        ):
            raise ConfigurationError(
                f"FractionsConfig.operators must be distinct characters from '+-*/', "
                f"e.g. '+-', got {self.operators!r}"
            )


def _raw_fraction(numerator: str | int, denominator: str | int) -> str:
    return f"\\frac{{{numerator}}}{{{denominator}}}"


def _signed_fraction(numerator: int, denominator: int, *, leading: bool = True) -> str:
    """``\\frac{n}{d}`` exactly as computed, not reduced (a working line, not an answer)."""
    text = _raw_fraction(abs(numerator), denominator)
    if numerator >= 0:
        return text
    return f"-{text}" if leading else f"(-{text})"


def operation_chain(node: BinOp) -> str:
    """The worked identity for one operation between two numbers, e.g.

    ``\\frac{3}{4} + \\frac{1}{6} = \\frac{9}{12} + \\frac{2}{12} = \\frac{9 + 2}{12}
    = \\frac{11}{12}``; each ``=`` joins two equal values.
    """
    if not (isinstance(node.left, Leaf) and isinstance(node.right, Leaf)):
        raise ValueError("operation_chain needs an operation between two numbers")
    x, y = node.left.value, node.right.value
    parts = [render(node)]
    whole = x.denominator == 1 and y.denominator == 1
    if node.op in "+-" and not whole:
        common = math.lcm(x.denominator, y.denominator)
        nx = x.numerator * (common // x.denominator)
        ny = y.numerator * (common // y.denominator)
        if x.denominator != common or y.denominator != common:
            parts.append(
                f"{_signed_fraction(nx, common)} {node.op} "
                f"{_signed_fraction(ny, common, leading=False)}"
            )
        parts.append(_raw_fraction(f"{nx} {node.op} {operand(ny)}", common))
        parts.append(_signed_fraction(nx + ny if node.op == "+" else nx - ny, common))
    elif node.op in "*/" and not (whole and node.op == "*"):
        if node.op == "/":
            y = 1 / y
            parts.append(f"{latex_number(x)} \\cdot {operand(y)}")
        numerator = f"{operand(x.numerator)} \\cdot {operand(y.numerator)}"
        parts.append(_raw_fraction(numerator, f"{x.denominator} \\cdot {y.denominator}"))
        parts.append(_signed_fraction(x.numerator * y.numerator, x.denominator * y.denominator))
    final = latex_number(evaluate(node))
    if parts[-1] != final:
        parts.append(final)
    return " = ".join(parts)


class FractionsGenerator(MathGenerator[FractionsConfig]):
    """Compute with fractions, answer in lowest terms; difficulty adds terms, operations, size."""

    name: ClassVar[str] = "fractions"
    env_name: ClassVar[str] = "MathFractions"
    description: ClassVar[str] = "Add, subtract, multiply and divide fractions; lowest terms."
    config_cls: ClassVar[type[GeneratorConfig]] = FractionsConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"terms": 2, "max_denominator": 6, "max_numerator": 5, "operators": "+-",
            "allow_negatives": False, "parentheses": False},
        2: {"terms": 2, "max_denominator": 12, "max_numerator": 9, "operators": "+-*/",
            "allow_negatives": False, "parentheses": False},
        3: {"terms": 3, "max_denominator": 12, "max_numerator": 12, "operators": "+-*/",
            "allow_negatives": True, "parentheses": False},
        4: {"terms": 3, "max_denominator": 20, "max_numerator": 20, "operators": "+-*/",
            "allow_negatives": True, "parentheses": True},
        5: {"terms": 4, "max_denominator": 30, "max_numerator": 30, "operators": "+-*/",
            "allow_negatives": True, "parentheses": True},
    }

    def build(self, rng: random.Random, config: FractionsConfig) -> GeneratedProblem:
        expr = self._draw(rng, config)
        answer = latex_number(evaluate(expr))
        question = (
            f"Compute ${render(expr)}$. Give the answer as a fraction in lowest terms "
            "(or as an integer if it is whole)."
        )
        steps: list[str] = []
        current: BinOp | Leaf = expr
        while isinstance(current, BinOp):
            reduced, node = reduce_once(current)
            steps.append(operation_chain(node))
            if node is not current:
                steps.append(f"{render(current)} = {render(reduced)}")
            current = reduced
        steps.append(answer_line(answer))
        return GeneratedProblem(question, answer, tuple(steps), {"expression": render(expr)})

    @staticmethod
    def _fraction(rng: random.Random, config: FractionsConfig) -> Fraction:
        """A non-integer operand (whole numbers would make the task plain arithmetic)."""
        low = -config.max_numerator if config.allow_negatives else 1
        denominator = rng.randint(2, config.max_denominator)
        numerator = nonzero_int(rng, low, config.max_numerator)
        value = Fraction(numerator, denominator)
        return value if value.denominator > 1 else Fraction(1, denominator)

    def _draw(self, rng: random.Random, config: FractionsConfig) -> BinOp:
        draw_tree = random_nested if config.parentheses else random_flat
        for _ in range(_MAX_DRAWS):
            leaves = [self._fraction(rng, config) for _ in range(config.terms)]
            tree = draw_tree(
                rng, leaves, config.operators,
                allow_negative=config.allow_negatives, max_abs=_MAX_ABS,
            )
            if isinstance(tree, BinOp):
                return tree
        raise ConfigurationError(
            f"fractions: no expression with {config.terms} terms and operators "
            f"{config.operators!r} found in {_MAX_DRAWS} draws; allow negatives or add operators"
        )


register_generator(FractionsGenerator())
