"""gcd, lcm, modular powers and modular inverses (rlvr/MathNumberTheory-v0)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, ClassVar

import sympy

from rlvr_gym.tasks.generators.base import (
    GeneratedProblem,
    GeneratorConfig,
    MathGenerator,
    register_generator,
)
from rlvr_gym.tasks.generators.notation import answer_line, operand

_MAX_DRAWS = 1000
PROBLEMS = ("gcd", "lcm", "modpow", "modinv")


@dataclass(frozen=True)
class NumberTheoryConfig(GeneratorConfig):
    """Knobs of an elementary number theory question.

    problems: which questions may be asked, a non-empty subset of ``gcd``, ``lcm``, ``modpow``
        (``a^b mod m``) and ``modinv`` (the inverse of ``a`` modulo ``m``).
    count: how many numbers a gcd or lcm question takes, 2 or 3.
    max_value: the largest number in a gcd or lcm question, 10..10**6.
    max_modulus: the largest modulus ``m``, 5..10**4.
    max_exponent: the largest exponent ``b`` of ``a^b mod m``, 2..10**6.
    """

    problems: tuple[str, ...] = ("gcd", "lcm")
    count: int = 2
    max_value: int = 50
    max_modulus: int = 13
    max_exponent: int = 5

    def validate(self) -> None:
        self.require_subset("problems", PROBLEMS)
        self.require_int("count", 2, 3)
        self.require_int("max_value", 10, 10**6)
        self.require_int("max_modulus", 5, 10**4)
        self.require_int("max_exponent", 2, 10**6)


def _gcd_text(numbers: list[int]) -> str:
    return f"\\gcd({', '.join(map(str, numbers))})"


def _lcm_text(numbers: list[int]) -> str:
    return f"\\operatorname{{lcm}}({', '.join(map(str, numbers))})"


def euclid_steps(a: int, b: int) -> list[str]:
    """Euclid's algorithm as division identities ``a = q \\cdot b + r``, ending with ``r = 0``."""
    a, b = max(a, b), min(a, b)
    steps = []
    while b:
        q, r = divmod(a, b)
        steps.append(f"{a} = {q} \\cdot {b} + {r}")
        a, b = b, r
    return steps


def gcd_steps(numbers: list[int]) -> list[str]:
    """Euclid on the first two numbers, then on that gcd and the next number."""
    steps: list[str] = []
    current = numbers[0]
    for i, n in enumerate(numbers[1:], start=2):
        steps.extend(euclid_steps(current, n))
        current = math.gcd(current, n)
        steps.append(f"{_gcd_text(numbers[:i])} = {current}")
    return steps


def _factorisation(n: int) -> str:
    """``2^{2} \\cdot 3``."""
    return " \\cdot ".join(
        str(p) if e == 1 else f"{p}^{{{e}}}" for p, e in sorted(sympy.factorint(n).items())
    )


def lcm_steps(numbers: list[int]) -> list[str]:
    """Factor each number, then take every prime to its highest power."""
    steps = [f"{n} = {_factorisation(n)}" for n in numbers if _factorisation(n) != str(n)]
    lcm = math.lcm(*numbers)
    steps.append(f"{_lcm_text(numbers)} = {_factorisation(lcm)} = {lcm}")
    return steps


def modpow_steps(a: int, b: int, m: int) -> list[str]:
    """Repeated squaring: ``a^{2^k} mod m`` from the previous square, then multiply the bits."""
    steps = []
    base = a % m
    if base != a:
        steps.append(f"{a} \\bmod {m} = {base}")
    if b <= 3:
        steps.append(f"{a}^{{{b}}} \\bmod {m} = {base ** b} \\bmod {m} = {pow(a, b, m)}")
        return steps
    powers = {1: base}
    k = 1
    while 2 * k <= b:
        previous = powers[k]
        powers[2 * k] = previous * previous % m
        parts = [f"{a}^{{{2 * k}}} \\bmod {m}", f"{operand(previous)}^{{2}} \\bmod {m}"]
        if parts[1] == f"{a}^{{2}} \\bmod {m}":
            parts.pop()
        steps.append(" = ".join([*parts, str(powers[2 * k])]))
        k *= 2
    bits = [p for p in sorted(powers, reverse=True) if b & p]
    if len(bits) > 1:
        written = " \\cdot ".join(f"{a}^{{{p}}}" for p in bits)
        product = " \\cdot ".join(str(powers[p]) for p in bits)
        steps.append(
            f"{a}^{{{b}}} \\bmod {m} = {written} \\bmod {m} = {product} \\bmod {m} = {pow(a, b, m)}"
        )
    return steps


def _bezout(a: int, m: int) -> tuple[int, int]:
    """``(s, t)`` with ``s a + t m = gcd(a, m)`` (the extended Euclidean algorithm)."""
    old_r, r, old_s, s, old_t, t = a, m, 1, 0, 0, 1
    while r:
        q = old_r // r
        old_r, r = r, old_r - q * r
        old_s, s = s, old_s - q * s
        old_t, t = t, old_t - q * t
    return old_s, old_t


def modinv_steps(a: int, m: int) -> tuple[list[str], int]:
    """Euclid's algorithm, the Bezout identity it yields, and the check ``a x mod m = 1``."""
    steps = euclid_steps(m, a)
    s, t = _bezout(a, m)
    inverse = s % m
    steps.append(f"{operand(s)} \\cdot {a} + {operand(t)} \\cdot {m} = 1")
    if inverse != s:
        steps.append(f"{operand(s)} \\bmod {m} = {inverse}")
    steps.append(f"{a} \\cdot {inverse} \\bmod {m} = 1")
    return steps, inverse


class NumberTheoryGenerator(MathGenerator[NumberTheoryConfig]):
    """gcd, lcm, ``a^b mod m`` and modular inverses; difficulty grows the numbers and the mix."""

    name: ClassVar[str] = "number_theory"
    env_name: ClassVar[str] = "MathNumberTheory"
    description: ClassVar[str] = "gcd, lcm, modular exponentiation and modular inverses."
    config_cls: ClassVar[type[GeneratorConfig]] = NumberTheoryConfig
    levels: ClassVar[dict[int, dict[str, Any]]] = {
        1: {"problems": ("gcd", "lcm"), "count": 2, "max_value": 60, "max_modulus": 13,
            "max_exponent": 5},
        2: {"problems": ("gcd", "lcm", "modpow"), "count": 2, "max_value": 200,
            "max_modulus": 20, "max_exponent": 20},
        3: {"problems": PROBLEMS, "count": 2, "max_value": 1000, "max_modulus": 50,
            "max_exponent": 100},
        4: {"problems": PROBLEMS, "count": 3, "max_value": 5000, "max_modulus": 200,
            "max_exponent": 1000},
        5: {"problems": PROBLEMS, "count": 3, "max_value": 100_000, "max_modulus": 1000,
            "max_exponent": 100_000},
    }

    def build(self, rng: random.Random, config: NumberTheoryConfig) -> GeneratedProblem:
        problem = rng.choice(config.problems)
        metadata: dict[str, Any] = {"problem": problem}
        if problem in ("gcd", "lcm"):
            numbers = self._numbers(rng, config)
            metadata["numbers"] = numbers
            if problem == "gcd":
                value = math.gcd(*numbers)
                question = f"Find the greatest common divisor ${_gcd_text(numbers)}$."
                steps = gcd_steps(numbers)
            else:
                value = math.lcm(*numbers)
                question = f"Find the least common multiple ${_lcm_text(numbers)}$."
                steps = lcm_steps(numbers)
        elif problem == "modpow":
            m = rng.randint(5, config.max_modulus)
            a = rng.randint(2, max(3, 2 * m))
            b = rng.randint(2, config.max_exponent)
            metadata.update(base=a, exponent=b, modulus=m)
            value = pow(a, b, m)
            question = (
                f"Compute ${a}^{{{b}}} \\bmod {m}$, the remainder of ${a}^{{{b}}}$ on division "
                f"by ${m}$."
            )
            steps = modpow_steps(a, b, m)
        else:
            a, m = self._invertible(rng, config)
            metadata.update(number=a, modulus=m)
            question = (
                f"Find the inverse of ${a}$ modulo ${m}$: the integer $x$ with $0 \\le x < {m}$ "
                f"and ${a} x \\equiv 1 \\pmod{{{m}}}$."
            )
            steps, value = modinv_steps(a, m)
        answer = str(value)
        question += " Give the answer as an integer."
        return GeneratedProblem(question, answer, (*steps, answer_line(answer)), metadata)

    @staticmethod
    def _numbers(rng: random.Random, config: NumberTheoryConfig) -> list[int]:
        """Distinct numbers sharing a common factor, so neither gcd nor lcm is trivial."""
        for _ in range(_MAX_DRAWS):
            factor = rng.randint(2, max(2, math.isqrt(config.max_value)))
            top = config.max_value // factor
            if top < config.count + 1:
                continue
            multiples = rng.sample(range(2, top + 1), config.count)
            numbers = [factor * k for k in multiples]
            if math.gcd(*numbers) != min(numbers):
                return numbers
        raise RuntimeError("number_theory: could not draw numbers with a shared factor")

    @staticmethod
    def _invertible(rng: random.Random, config: NumberTheoryConfig) -> tuple[int, int]:
        for _ in range(_MAX_DRAWS):
            m = rng.randint(5, config.max_modulus)
            a = rng.randint(2, m - 1)
            if math.gcd(a, m) == 1:
                return a, m
        raise RuntimeError("number_theory: could not draw an invertible residue")


register_generator(NumberTheoryGenerator())
