"""The built-in task ids, registered through the ``rlvr_gym.tasks`` entry point like any plugin.

The generator catalogue is written out here rather than read from `GENERATORS`, because reading
it imports every generator and sympy (half a second) at ``import rlvr_gym``; a test keeps the
two in step, so a new generator that is missing here fails the suite with the line to add.
"""

from __future__ import annotations

from rlvr_gym.core.registry import RegisterFn

MATH_ENV = "rlvr_gym.envs.math:make_math_env"
CODE_ENV = "rlvr_gym.envs.code:make_code_env"
LEAN_ENV = "rlvr_gym.envs.lean:make_lean_env"

# generator name -> (env name, description)
MATH_GENERATORS: dict[str, tuple[str, str]] = {
    "arithmetic": (
        "MathArithmetic", "Evaluate an integer expression with +, -, * and parentheses."),
    "calculus": (
        "MathCalculus", "Derivatives and exact definite integrals of elementary functions."),
    "fractions": (
        "MathFractions", "Add, subtract, multiply and divide fractions; lowest terms."),
    "linear_equations": (
        "MathLinear", "Solve a linear equation a x + b = c x + d for the unknown."),
    "linear_systems": (
        "MathLinearSystem", "Solve a 2x2 or 3x3 linear system with a unique solution."),
    "number_theory": (
        "MathNumberTheory", "gcd, lcm, modular exponentiation and modular inverses."),
    "polynomials": (
        "MathPolynomial", "Expand a product of linear factors or factor a polynomial."),
    "quadratics": ("MathQuadratic", "Find the real roots of a quadratic equation."),
    "word_problems": (
        "MathWordProblems", "Multi-step arithmetic word problems with integer answers."),
}


def register_all(register: RegisterFn) -> None:
    """Register the math ids (one single-turn and one step-mode id per generator, a mix and a
    file task), the code ids (the bundled public problems, single- and multi-turn) and the Lean
    ids (the bundled core-Lean theorems, whole proofs and tactic by tactic)."""
    for name, (env_name, description) in MATH_GENERATORS.items():
        register(f"rlvr/{env_name}-v0", MATH_ENV, family="math",
                 description=description, generator=name)
        register(f"rlvr/{env_name}Steps-v0", MATH_ENV, family="math",
                 description=f"{description} One reasoning step per action.",
                 generator=name, mode="steps")
    register("rlvr/Math-v0", MATH_ENV, family="math",
             description="A mix of every math generator (the default of `rlvr eval`).")
    register("rlvr/MathFile-v0", MATH_ENV, family="math", dataset="sample",
             description="Math problems from a local JSONL/Parquet file (dataset=PATH); "
             "defaults to a small bundled sample.")
    register("rlvr/CodePublic-v0", CODE_ENV, family="code", dataset="public",
             description="38 public code problems (HumanEval, MBPP, CodeContests) judged in the "
             "Docker sandbox; one program per episode.")
    register("rlvr/CodePublicMulti-v0", CODE_ENV, family="code", dataset="public",
             mode="multi", max_steps=4,
             description="The public code problems, multi-turn: submit, read the failing test, "
             "resubmit (4 submissions).")
    register("rlvr/LeanCore-v0", LEAN_ENV, family="lean", dataset="core", mode="whole",
             description="37 Lean 4 theorems that need only Lean's core library; one whole proof "
             "per episode, checked by a Lean REPL (dataset=PATH for miniF2F/Lean Workbook files).")
    register("rlvr/LeanCoreTactic-v0", LEAN_ENV, family="lean", dataset="core", mode="tactic",
             max_steps=16,
             description="The core-Lean theorems one tactic per step: Lean's error and the goals "
             "left are the next observation (16 tactics, `give up` to stop).")
