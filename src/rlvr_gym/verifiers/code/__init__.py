"""Code verification: programs run in a sandbox, every test is judged on the host.

    from rlvr_gym.verifiers.code import CodeVerifier
    verdict = CodeVerifier(sandbox=pool).verify(task, response)
"""

from rlvr_gym.verifiers.code.asserts import FunctionTest, TestFormatError, parse_assert
from rlvr_gym.verifiers.code.extract import extract_code, fenced_blocks
from rlvr_gym.verifiers.code.problem import CodeProblem, StdioTest
from rlvr_gym.verifiers.code.stdio import compare_tokens
from rlvr_gym.verifiers.code.verifier import (
    CodeVerifier,
    TestResult,
    default_code_sandbox,
    set_default_code_sandbox,
)

__all__ = [
    "CodeProblem",
    "CodeVerifier",
    "FunctionTest",
    "StdioTest",
    "TestFormatError",
    "TestResult",
    "compare_tokens",
    "default_code_sandbox",
    "extract_code",
    "fenced_blocks",
    "parse_assert",
    "set_default_code_sandbox",
]
