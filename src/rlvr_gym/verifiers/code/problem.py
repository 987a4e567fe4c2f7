"""`CodeProblem`: what a code task's ``reference`` says, checked once and parsed for judging.

A code task's reference holds:

- ``kind``: ``"function"`` (tests are ``assert`` lines about ``entry_point``) or ``"stdio"``
  (tests are ``{"input", "output"}`` pairs);
- ``entry_point``: the function name (function problems);
- ``tests``: the tests;
- ``solution``: a reference program that passes them (optional for scoring);
- ``prefix``: code a bare completion is appended to (HumanEval prompts), optional;
- ``float_tolerance``: stdio numeric tolerance, optional.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rlvr_gym.core.errors import ConfigurationError
from rlvr_gym.verifiers.code.asserts import FunctionTest, parse_asserts

KINDS = ("function", "stdio")


@dataclass(frozen=True)
class StdioTest:
    """One stdio test: the text fed to stdin and the output expected (compared by tokens)."""

    __test__ = False

    input: str
    output: str


@dataclass(frozen=True)
class CodeProblem:
    """A code task's judging data, validated."""

    kind: str
    entry_point: str | None
    function_tests: tuple[FunctionTest, ...] = ()
    stdio_tests: tuple[StdioTest, ...] = ()
    prefix: str | None = None
    float_tolerance: float | None = None

    @property
    def total(self) -> int:
        return len(self.function_tests) if self.kind == "function" else len(self.stdio_tests)

    @classmethod
    def from_reference(cls, reference: Mapping[str, Any]) -> CodeProblem:
        """Validate a task's reference; raises `ConfigurationError` naming the bad field."""
        kind = reference.get("kind")
        if kind not in KINDS:
            raise ConfigurationError(f"field 'kind' must be 'function' or 'stdio', got {kind!r}")
        tests = reference.get("tests")
        if not isinstance(tests, (list, tuple)) or not tests:
            raise ConfigurationError("field 'tests' must be a non-empty list")
        tolerance = reference.get("float_tolerance")
        if tolerance is not None and (
            not isinstance(tolerance, (int, float)) or isinstance(tolerance, bool)
            or not 0 <= tolerance < math.inf
        ):
            raise ConfigurationError(
                "field 'float_tolerance' must be a finite non-negative number"
            )
        prefix = reference.get("prefix")
        if prefix is not None and not isinstance(prefix, str):
            raise ConfigurationError("field 'prefix' must be a string")
        if kind == "function":
            entry_point = reference.get("entry_point")
            if not isinstance(entry_point, str) or not entry_point.isidentifier():
                raise ConfigurationError(
                    f"field 'entry_point' must name a Python function, got {entry_point!r}"
                )
            if not all(isinstance(t, str) for t in tests):
                raise ConfigurationError("function tests must be assert statements (strings)")
            return cls(
                kind="function", entry_point=entry_point,
                function_tests=parse_asserts(entry_point, tuple(tests)), prefix=prefix,
            )
        stdio = []
        for number, test in enumerate(tests, start=1):
            if not (
                isinstance(test, Mapping) and isinstance(test.get("input"), str)
                and isinstance(test.get("output"), str)
            ):
                raise ConfigurationError(
                    f"stdio test {number} must be an object with string 'input' and 'output'"
                )
            stdio.append(StdioTest(test["input"], test["output"]))
        return cls(
            kind="stdio", entry_point=None, stdio_tests=tuple(stdio), prefix=prefix,
            float_tolerance=None if tolerance is None else float(tolerance),
        )

    def program(self, code: str) -> str:
        """The program to run: `code`, after the prefix when `code` is a bare completion."""
        if self.prefix is None or self.entry_point is None or defines(code, self.entry_point):
            return code
        return self.prefix.rstrip("\n") + "\n" + code


def defines(code: str, name: str) -> bool:
    """True when `code` parses and defines `name` at its top level (def, class or assignment)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name:
                return True
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
    return False
