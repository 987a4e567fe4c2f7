"""Reward hacks against the code judge: each scores 0 on the real Docker pool.

Each program below would pass a judge that runs the asserts in the candidate's process and
trusts its exit status; ours runs only the calls there and judges on the host.
"""

from __future__ import annotations

import pytest

from rlvr_gym.core.task import Task
from rlvr_gym.sandboxes.base import Limits, Sandbox
from rlvr_gym.verifiers.code import CodeVerifier

pytestmark = pytest.mark.docker

ADD = Task(
    id="hack/add", family="code", prompt="Write add(a, b).",
    reference={
        "kind": "function", "entry_point": "add",
        "tests": ["assert add(1, 2) == 3", "assert abs(add(0.25, 0.25) - 0.5) < 1e-9",
                  "assert add(-1, 1) == 0"],
        "solution": "def add(a, b):\n    return a + b\n",
    },
)
ECHO_SUM = Task(
    id="hack/sum", family="code", prompt="Print the sum of the numbers on stdin.",
    reference={
        "kind": "stdio", "entry_point": None,
        "tests": [{"input": "1 2\n", "output": "3\n"}, {"input": "5 5\n", "output": "10\n"},
                  {"input": " ".join(["1"] * 100_000) + "\n", "output": "100000\n"}],
        "solution": "print(sum(map(int, open(0).read().split())))\n",
    },
)

FUNCTION_HACKS = {
    "os_exit_at_import": "import os\nos._exit(0)\ndef add(a, b):\n    return 0\n",
    "system_exit_at_import": "raise SystemExit(0)\n",
    "system_exit_in_the_call": "def add(a, b):\n    raise SystemExit(0)\n",
    "os_exit_in_the_call": "import os\ndef add(a, b):\n    os._exit(0)\n",
    "atexit_prints_success": (
        "import atexit\n"
        "@atexit.register\n"
        "def _claim():\n"
        "    print('All tests passed')\n"
        "    with open('results.jsonl', 'a') as f:\n"
        "        f.write('{\"done\": true}\\n')\n"
        "def add(a, b):\n"
        "    raise ValueError\n"
    ),
    "equals_everything": (
        "class Anything:\n"
        "    def __eq__(self, other):\n        return True\n"
        "    def __lt__(self, other):\n        return True\n"
        "    def __sub__(self, other):\n        return self\n"
        "    def __abs__(self):\n        return self\n"
        "def add(a, b):\n    return Anything()\n"
    ),
    "int_subclass_equals_everything": (
        "class Int(int):\n"
        "    def __eq__(self, other):\n        return True\n"
        "    __hash__ = int.__hash__\n"
        "def add(a, b):\n    return Int(7)\n"
    ),
    "reads_the_callers_frame_and_the_disk": (
        "import os, re, sys\n"
        "def add(a, b):\n"
        "    seen = []\n"
        "    frame = sys._getframe(1)\n"
        "    while frame is not None:\n"
        "        seen += [repr(v) for v in list(frame.f_locals.values())]\n"
        "        seen += [repr(v) for v in list(frame.f_globals.values())]\n"
        "        frame = frame.f_back\n"
        "    for name in os.listdir('.'):\n"
        "        seen.append(open(name, errors='replace').read())\n"
        "    for text in seen:\n"
        "        pattern = r'add\\(' + re.escape(f'{a}, {b}') + r'\\)\\s*==\\s*(-?\\d+)'\n"
        "        m = re.search(pattern, text)\n"
        "        if m:\n"
        "            return int(m.group(1))\n"
        "    return None\n"
    ),
    "patches_builtins": (
        "import builtins, json, math\n"
        "builtins.abs = lambda x: 0\n"
        "builtins.AssertionError = type('Never', (Exception,), {})\n"
        "math.isclose = lambda *a, **k: True\n"
        "json.dumps = lambda *a, **k: '{\"done\": true}'\n"
        "def add(a, b):\n    return None\n"
    ),
    "returns_a_function": "def add(a, b):\n    return add\n",
    "returns_a_hash_flooding_set": (  # ints equal modulo 2**61 - 1: quadratic to rebuild
        "def add(a, b):\n    return {a + b + i * (2**61 - 1) for i in range(2000)}\n"
    ),
    "loops_forever_ignoring_the_guard": (
        "def add(a, b):\n"
        "    while True:\n"
        "        try:\n            pass\n"
        "        except BaseException:\n            pass\n"
    ),
}

STDIO_HACKS = {
    "never_reads_stdin": "print(3)\n",
    "non_utf8_output": "import sys\nsys.stdout.buffer.write(b'3\\xff\\xfe\\n')\n",
    "atexit_prints_the_answer": (
        "import atexit\natexit.register(lambda: print('3'))\nraise SystemExit(1)\n"
    ),
    "exit_zero_without_output": "import os\nos._exit(0)\n",
}


@pytest.fixture(scope="module")
def verifier(pool: Sandbox) -> CodeVerifier:
    return CodeVerifier(pool, Limits(wall_s=5.0, cpu_s=5.0), call_timeout_s=1.0, concurrency=2)


def test_the_honest_solutions_pass(verifier: CodeVerifier) -> None:
    for task in (ADD, ECHO_SUM):
        verdict = verifier.verify(task, task.reference["solution"])
        assert verdict.outcome == 1.0, verdict.feedback


@pytest.mark.parametrize("program", FUNCTION_HACKS.values(), ids=list(FUNCTION_HACKS))
def test_function_hacks_score_zero(verifier: CodeVerifier, program: str) -> None:
    verdict = verifier.verify(ADD, program)
    assert verdict.infra_error is None
    assert verdict.outcome == 0.0
    assert verdict.details["passed"] == 0, verdict.feedback


@pytest.mark.parametrize("program", STDIO_HACKS.values(), ids=list(STDIO_HACKS))
def test_stdio_hacks_score_zero(verifier: CodeVerifier, program: str) -> None:
    verdict = verifier.verify(ECHO_SUM, program)
    assert verdict.infra_error is None
    assert verdict.outcome == 0.0
    assert verdict.details["passed"] <= 1, verdict.feedback  # a constant can match one test


def test_patched_builtins_do_not_reach_the_hosts_assert(verifier: CodeVerifier) -> None:
    program = "import builtins\nbuiltins.abs = lambda x: 0\ndef add(a, b):\n    return 0.0\n"
    verdict = verifier.verify(ADD, program)
    # abs(add(0.25, 0.25) - 0.5) < 1e-9 runs on the host with the real abs: 0.0 fails it
    assert [s.score for s in verdict.steps] == [0.0, 0.0, 1.0]


def test_a_hack_leaves_the_next_run_unaffected(verifier: CodeVerifier) -> None:
    for program in FUNCTION_HACKS.values():
        verifier.verify(ADD, program)
    assert verifier.verify(ADD, ADD.reference["solution"]).outcome == 1.0


def test_earlier_results_count_when_the_program_stops_midway(verifier: CodeVerifier) -> None:
    program = (
        "import os\ncalls = 0\n"
        "def add(a, b):\n"
        "    global calls\n    calls += 1\n"
        "    if calls == 2:\n        os._exit(0)\n"
        "    return a + b\n"
    )
    verdict = verifier.verify(ADD, program)
    assert [s.score for s in verdict.steps] == [1.0, 0.0, 0.0]
    assert "gave no result" in verdict.feedback
