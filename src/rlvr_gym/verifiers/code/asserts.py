"""Function tests: split each ``assert`` into the calls the sandbox runs and the host's check.

``assert abs(f(x) - 0.5) < 1e-6`` becomes the call ``f(x)`` (sent to the sandbox) and the host
expression ``abs(_rlvr_call_0 - 0.5) < 1e-6`` (evaluated here once the call's value is back).
A call goes to the sandbox when its function mentions the entry point (``f(x)``,
``candidate(x)``, ``f(x).lower()``); the outermost such call is sent whole, so its arguments,
which are inputs, run there too. Expected values stay in the host expression.

The host evaluates with a small set of built-ins and ``math``, over values decoded from plain
data: nothing the candidate defined takes part in the comparison.
"""

from __future__ import annotations

import ast
import builtins
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType
from typing import Any

from rlvr_gym.core.errors import ConfigurationError

CANDIDATE_ALIAS = "candidate"
_PLACEHOLDER = "_rlvr_call_{}"

_HOST_BUILTINS = {
    name: getattr(builtins, name)
    for name in (
        "abs", "all", "any", "bool", "bytes", "chr", "dict", "divmod", "enumerate", "filter",
        "float", "frozenset", "int", "isinstance", "len", "list", "map", "max", "min", "ord",
        "pow", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
        "ArithmeticError", "Exception", "TypeError", "ValueError",
    )
}
HOST_NAMES = frozenset(_HOST_BUILTINS) | {"math", "True", "False", "None"}


class TestFormatError(ConfigurationError):
    """A function test is not a supported single-line ``assert``; the message says why."""

    __test__ = False  # not a pytest class


@dataclass(frozen=True)
class FunctionTest:
    """One ``assert`` split for judging: `calls` run in the sandbox, `check` runs on the host."""

    __test__ = False

    source: str
    calls: tuple[str, ...]
    check: CodeType

    def evaluate(self, values: Sequence[Any]) -> tuple[bool, str]:
        """Run the host check with the call results substituted: ``(passed, why not)``."""
        if len(values) != len(self.calls):
            raise ValueError(f"{len(self.calls)} call results expected, got {len(values)}")
        namespace: dict[str, Any] = {"__builtins__": _HOST_BUILTINS, "math": math}
        namespace.update({_PLACEHOLDER.format(i): v for i, v in enumerate(values)})
        try:
            return bool(eval(self.check, namespace)), ""
        except Exception as exc:  # the test's own expression failed on this value
            return False, f"the assert raised {type(exc).__name__}: {exc}"


def _mentions(node: ast.AST, names: frozenset[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _bound_names(node: ast.AST) -> set[str]:
    """Names an expression binds itself (comprehension targets, lambda parameters, walrus)."""
    bound: set[str] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.comprehension):
            bound |= {t.id for t in ast.walk(n.target) if isinstance(t, ast.Name)}
        elif isinstance(n, ast.Lambda):
            bound |= {a.arg for a in ast.walk(n.args) if isinstance(a, ast.arg)}
        elif isinstance(n, ast.NamedExpr):
            bound.add(n.target.id)
    return bound


class _CallSplitter(ast.NodeTransformer):
    def __init__(self, targets: frozenset[str]) -> None:
        self.targets = targets
        self.calls: list[ast.Call] = []

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if _mentions(node.func, self.targets):
            self.calls.append(node)
            return ast.copy_location(
                ast.Name(id=_PLACEHOLDER.format(len(self.calls) - 1), ctx=ast.Load()), node
            )
        return self.generic_visit(node)


def parse_assert(source: str, entry_point: str) -> FunctionTest:
    """Split one single-line ``assert`` about `entry_point`; raises `TestFormatError`."""
    text = source.strip()
    try:
        module = ast.parse(text, mode="exec")
    except SyntaxError as exc:
        raise TestFormatError(f"test {text[:120]!r} is not valid Python: {exc.msg}") from None
    if len(module.body) != 1 or not isinstance(module.body[0], ast.Assert):
        raise TestFormatError(f"test {text[:120]!r} must be exactly one assert statement")
    condition = module.body[0].test
    targets = frozenset({entry_point, CANDIDATE_ALIAS})
    bound = _bound_names(condition)
    splitter = _CallSplitter(targets)
    check = splitter.visit(condition)
    for call in splitter.calls:
        inner = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
        if inner & bound:
            raise TestFormatError(
                f"test {text[:120]!r} calls {entry_point} with a name bound inside the assert "
                f"({', '.join(sorted(inner & bound))}); write one assert per call"
            )
    placeholders = {_PLACEHOLDER.format(i) for i in range(len(splitter.calls))}
    free = {
        n.id for n in ast.walk(check)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    } - placeholders - bound
    if free - HOST_NAMES:
        raise TestFormatError(
            f"test {text[:120]!r} uses {', '.join(sorted(free - HOST_NAMES))} outside a call of "
            f"{entry_point}; the judge knows only {entry_point}(...), math and basic built-ins"
        )
    calls = tuple(ast.unparse(c) for c in splitter.calls)
    expression = ast.fix_missing_locations(ast.Expression(body=check))
    return FunctionTest(source=text, calls=calls, check=compile(expression, "<assert>", "eval"))


@lru_cache(maxsize=4096)
def parse_asserts(entry_point: str, tests: tuple[str, ...]) -> tuple[FunctionTest, ...]:
    """Parse every test of one problem (cached: tasks are immutable and judged many times)."""
    return tuple(parse_assert(t, entry_point) for t in tests)
