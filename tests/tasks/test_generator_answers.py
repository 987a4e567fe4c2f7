"""Every generated answer, re-derived independently with sympy (or plain integers) in the test."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from fractions import Fraction

import pytest
import sympy
from generated_tasks import generated
from latex_reading import X, equal, read_expression, read_set, read_tuple

from rlvr_gym.core.task import Task
from rlvr_gym.tasks.generators import GENERATORS

SEEDS = range(50)


def _tasks(name: str, seeds: range = SEEDS) -> Iterator[Task]:
    for level in sorted(GENERATORS[name].levels):
        for seed in seeds:
            yield generated(name, level, seed)


def _answer(task: Task) -> str:
    return str(task.reference["answer"])


def _prompt_math(task: Task) -> str:
    """The first ``$...$`` of the prompt: the expression or equation posed."""
    match = re.search(r"\$([^$]+)\$", task.prompt_text)
    assert match, task.prompt_text
    return match.group(1)


@pytest.mark.parametrize("name", ["arithmetic", "fractions"])
def test_expression_answers_equal_the_posed_expression(name: str) -> None:
    for task in _tasks(name):
        posed = read_expression(_prompt_math(task))
        answer = read_expression(_answer(task))
        assert posed == answer, (task.id, _prompt_math(task), _answer(task))


def test_arithmetic_answers_are_integers_and_respect_allow_negatives() -> None:
    for task in _tasks("arithmetic"):
        value = int(_answer(task))
        if not task.difficulty["allow_negatives"]:
            assert value >= 0, task.id
            assert "(-" not in task.prompt_text, task.id
        assert abs(value) <= task.difficulty["max_value"]


def test_fraction_answers_are_in_lowest_terms() -> None:
    for task in _tasks("fractions"):
        for numerator, denominator in re.findall(r"\\frac\{(\d+)\}\{(\d+)\}", _answer(task)):
            assert math.gcd(int(numerator), int(denominator)) == 1, task.id
            assert int(denominator) > 1


def test_linear_equation_answers_solve_the_equation() -> None:
    for task in _tasks("linear_equations"):
        m = task.metadata
        solution = read_expression(_answer(task))
        assert m["a"] != m["c"], "a unique solution needs a != c"
        assert m["a"] * solution + m["b"] == m["c"] * solution + m["d"], task.id
        assert bool(solution.is_integer) == task.difficulty["integer_solution"], task.id
        if not task.difficulty["both_sides"]:
            assert m["c"] == 0


def test_linear_equation_prompts_pose_the_equation_in_the_metadata() -> None:
    for task in _tasks("linear_equations", range(10)):
        m = task.metadata
        v = sympy.Symbol(m["variable"])
        left, right = _prompt_math(task).split("=")
        local = read_expression(left.replace(m["variable"], "x")).subs(X, v)
        assert equal(local, m["a"] * v + m["b"]), task.id
        assert equal(read_expression(right.replace(m["variable"], "x")).subs(X, v),
                     m["c"] * v + m["d"])


def test_linear_system_answers_are_the_unique_solution() -> None:
    for task in _tasks("linear_systems"):
        m = task.metadata
        matrix, rhs = sympy.Matrix(m["matrix"]), sympy.Matrix(m["rhs"])
        assert matrix.det() != 0, task.id
        answer = read_tuple(_answer(task))
        assert len(answer) == len(m["variables"]) == task.difficulty["size"]
        assert list(matrix * sympy.Matrix(answer) - rhs) == [0] * len(answer), task.id
        order = "(" + ", ".join(m["variables"]) + ")"
        assert f"${order}$" in task.prompt_text


def test_linear_system_prompts_pose_the_system_in_the_metadata() -> None:
    for task in _tasks("linear_systems", range(10)):
        equations = re.findall(r"^\$([^$]+)\$$", task.prompt_text, flags=re.MULTILINE)
        symbols = sympy.symbols(task.metadata["variables"])
        assert len(equations) == len(symbols)
        for text, row, b in zip(equations, task.metadata["matrix"], task.metadata["rhs"],
                                strict=True):
            left, right = text.split("=")
            local = {str(s): s for s in symbols}
            posed = sympy.sympify(
                str(read_expression(left)), locals=local
            ) - read_expression(right)
            assert equal(posed, sum(c * s for c, s in zip(row, symbols, strict=True)) - b)


def test_quadratic_answers_are_exactly_the_real_roots() -> None:
    for task in _tasks("quadratics"):
        a, b, c = task.metadata["coefficients"]
        polynomial = a * X**2 + b * X + c
        roots = read_set(_answer(task))
        discriminant = b * b - 4 * a * c
        assert discriminant >= 0, task.id
        assert len({sympy.N(r) for r in roots}) == len(roots) == (2 if discriminant else 1)
        for root in roots:
            assert sympy.expand(polynomial.subs(X, root)) == 0, (task.id, _answer(task))
        if len(roots) == 1:
            assert not _answer(task).startswith("\\{"), "a double root is a single value"
        irrational = task.difficulty["root_kind"] == "irrational"
        assert ("\\sqrt" in _answer(task)) == irrational, task.id
        assert all(r.is_rational != irrational for r in roots)


def test_quadratic_prompts_pose_the_polynomial_in_the_metadata() -> None:
    for task in _tasks("quadratics", range(10)):
        left, right = _prompt_math(task).split("=")
        posed = read_expression(left) - read_expression(right)
        assert equal(posed, sympy.Poly(task.metadata["coefficients"], X).as_expr())


def _is_product_of_linear_factors(expr: sympy.Expr) -> bool:
    factors = expr.args if isinstance(expr, sympy.Mul) else (expr,)
    for factor in factors:
        base = factor.base if isinstance(factor, sympy.Pow) else factor
        if sympy.Poly(base, X).degree() != 1:
            return False
    return True


def test_polynomial_answers_equal_the_polynomial_in_the_asked_form() -> None:
    for task in _tasks("polynomials"):
        polynomial = sympy.Poly(task.metadata["polynomial"], X).as_expr()
        answer = read_expression(_answer(task))
        assert sympy.expand(answer - polynomial) == 0, task.id
        if task.metadata["task"] == "factor":
            assert "factored form" in task.prompt_text
            assert _is_product_of_linear_factors(answer), _answer(task)
        else:
            assert "Expand" in task.prompt_text
            assert answer == sympy.expand(answer), _answer(task)
            assert sympy.expand(read_expression(_prompt_math(task)) - polynomial) == 0


def test_polynomial_factor_counts_follow_the_knob() -> None:
    for task in _tasks("polynomials", range(10)):
        degree = sympy.Poly(task.metadata["polynomial"], X).degree()
        assert degree == task.difficulty["factors"], task.id


def test_derivative_answers_equal_the_derivative() -> None:
    for task in _tasks("calculus", range(30)):
        if task.metadata["kind"] != "derivative":
            continue
        function = sympy.sympify(task.metadata["function"], locals={"x": X})
        posed = read_expression(_prompt_math(task).split("=", 1)[1])
        assert equal(posed, function), task.id
        assert equal(read_expression(_answer(task)), sympy.diff(function, X)), task.id


def test_integral_answers_equal_the_definite_integral() -> None:
    for task in _tasks("calculus", range(15)):
        if task.metadata["kind"] != "integral":
            continue
        m = task.metadata
        function = sympy.sympify(m["function"], locals={"x": X})
        bounds = (X, sympy.sympify(m["lower"]), sympy.sympify(m["upper"]))
        assert equal(read_expression(_answer(task)), sympy.integrate(function, bounds)), task.id
        assert "." not in _answer(task), "integrals are exact, never decimals"


def test_calculus_levels_add_transcendental_then_composite_functions() -> None:
    def functions(level: int) -> str:
        return " ".join(
            generated("calculus", level, seed).metadata["function"] for seed in range(30)
        )

    assert not re.search(r"sin|cos|exp", functions(1) + functions(2))
    assert re.search(r"sin|cos|exp", functions(3))
    assert re.search(r"x\*\*\d+\*(sin|cos|exp)|\(\d*\*?x [+-] \d+\)\*\*", functions(4))


def test_number_theory_answers_match_integer_arithmetic() -> None:
    for task in _tasks("number_theory"):
        m = task.metadata
        answer = int(_answer(task))
        if m["problem"] == "gcd":
            assert answer == math.gcd(*m["numbers"]), task.id
            assert answer > 1, "the numbers share a factor"
        elif m["problem"] == "lcm":
            assert answer == math.lcm(*m["numbers"]), task.id
        elif m["problem"] == "modpow":
            assert answer == pow(m["base"], m["exponent"], m["modulus"]), task.id
        else:
            assert 0 <= answer < m["modulus"]
            assert m["number"] * answer % m["modulus"] == 1, task.id


def _numbers(pattern: str, text: str) -> list[tuple[int, ...]]:
    return [tuple(int(g) for g in match.groups()) for match in re.finditer(pattern, text)]


def _age_story(text: str) -> int:
    """Re-reads an ages story sentence by sentence and returns the sum of ages in N years."""
    ages: dict[str, int] = {}
    for name, age in re.findall(r"(\w+) is (\d+) years old\.", text):
        ages[name] = int(age)
    for sentence in re.findall(r"\w+ is [^.]+ than \w+\.|\w+ is \d times as old as \w+\.", text):
        if m := re.match(r"(\w+) is (\d) times as old as (\w+)\.", sentence):
            ages[m[1]] = int(m[2]) * ages[m[3]]
        elif m := re.match(r"(\w+) is (\d+) years? (older|younger) than (\w+)\.", sentence):
            sign = 1 if m[3] == "older" else -1
            ages[m[1]] = ages[m[4]] + sign * int(m[2])
    years = int(re.findall(r"in (\d+) years\?", text)[0])
    assert all(age > 0 for age in ages.values())
    return sum(ages.values()) + len(ages) * years


def _recompute_story(template: str, text: str) -> int:
    if template == "shopping":
        total = sum(q * p for q, p in _numbers(r"(\d+) \w+ at \$(\d+) each", text))
        (paid,), = _numbers(r"pays with \$(\d+)", text)
        return paid - total
    if template == "travel":
        return sum(v * t for v, t in _numbers(r"at (\d+) km per hour for (\d+) hours", text))
    if template == "ages":
        return _age_story(text)
    if template == "sharing":
        marbles = sum(n * s for n, s in _numbers(r"(\d+) \w+ of (\d+) marbles", text))
        (given,), = _numbers(r"gives (\d+) marbles", text)
        (friends,), = _numbers(r"among (\d+) friends", text)
        share = Fraction(marbles - given, friends)
        assert share.denominator == 1
        assert share > 0
        return int(share)
    (weekly, weeks), = _numbers(r"saves \$(\d+) every week for (\d+) weeks", text)
    spent = sum(p for (p,) in _numbers(r"for \$(\d+)", text))
    return weekly * weeks - spent


def test_word_problem_answers_follow_from_the_story() -> None:
    templates = set()
    for task in _tasks("word_problems"):
        template = task.metadata["template"]
        templates.add(template)
        answer = int(_answer(task))
        assert answer >= 0, task.id
        assert answer == _recompute_story(template, task.prompt_text), task.id
    assert templates == {"shopping", "travel", "ages", "sharing", "savings"}


def test_word_problem_parts_add_steps() -> None:
    generator = GENERATORS["word_problems"]
    for seed in range(20):
        few = generator.generate(seed, {"parts": 2, "templates": ["travel"]})
        many = generator.generate(seed, {"parts": 5, "templates": ["travel"]})
        assert len(str(many.reference["solution"]).split("\n")) == len(
            str(few.reference["solution"]).split("\n")
        ) + 3
