"""No input makes a math check exceed its hard time limit by more than 0.5 s."""

from __future__ import annotations

import concurrent.futures
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rlvr_gym.verifiers.math.verifier import MathVerifier

LIMIT_S = 1.0
SLACK_S = 0.5

PATHOLOGICAL = [
    "10^{10^{10}}",
    "10^{10^{10^{10}}}",
    "(10^{10})!",
    "99999999!",
    "2^{2^{2^{2^{2^{2}}}}}",
    "\\frac{1}{" * 300 + "2" + "}" * 300,
    "(" * 2000 + "1" + ")" * 2000,
    "1e999999999",
    "9" * 5000,
    "x^{x^{x^{x^{x^{x^{x^{x}}}}}}} - 1",
    "\\sin(10^{10^{5}})",
    "\\sqrt{" * 500 + "2" + "}" * 500,
    "\\int_0^{10^{10}} e^{x^2} dx",
    "\\begin{pmatrix}" + " & ".join(["x"] * 400) + "\\end{pmatrix}",
]


@pytest.fixture(scope="module")
def verifier() -> MathVerifier:
    checker = MathVerifier(timeout_s=LIMIT_S)
    checker.pool.warm_up()
    return checker


def timed_check(verifier: MathVerifier, reference: str, answer: str) -> float:
    started = time.monotonic()
    verifier.check_answer(reference, f"The answer is $\\boxed{{{answer}}}$.")
    return time.monotonic() - started


@pytest.mark.parametrize("answer", PATHOLOGICAL)
def test_pathological_answers_return_within_the_limit(verifier: MathVerifier, answer: str) -> None:
    started = time.monotonic()
    check = verifier.check_answer("2", f"\\boxed{{{answer}}}")
    assert time.monotonic() - started < LIMIT_S + SLACK_S
    assert not check.correct


@pytest.mark.parametrize("reference", ["10^{10^{10}}", "(10^{10})!"])
def test_pathological_references_return_within_the_limit(
    verifier: MathVerifier, reference: str
) -> None:
    assert timed_check(verifier, reference, "3") < LIMIT_S + SLACK_S


def test_pathological_answers_return_within_the_limit_from_threads(
    verifier: MathVerifier,
) -> None:
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as executor:
        futures = [executor.submit(timed_check, verifier, "2", a) for a in PATHOLOGICAL[:4]]
        # two threads share the workers; each check's own limit still holds
        assert all(f.result() < LIMIT_S + SLACK_S for f in futures)


def test_a_timed_out_check_is_wrong_with_reason_timeout(verifier: MathVerifier) -> None:
    hurried = MathVerifier(timeout_s=0.002, pool=verifier.pool)
    check = hurried.check_answer("\\sin^2(x) + \\cos^2(x) + \\tan(x)^2",
                                 "\\boxed{\\sec(x)^2}")
    assert (check.correct, check.reason) == (False, "timeout")
    assert check.infra_error is None


TOKENS = [
    *"0123456789+-*/^()[]{}.,=<>!|x\\ ",
    "\\frac", "\\sqrt", "\\cdot", "^{", "\\pi", "e", "i", "\\infty", "\\cup", "\\{", "\\}",
    "\\left(", "\\right)", "\\text{", "%", "\\boxed{",
]
MATHY = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer=MATHY, reference=MATHY)
def test_fuzzed_inputs_never_exceed_the_limit(
    verifier: MathVerifier, answer: str, reference: str
) -> None:
    started = time.monotonic()
    verifier.check_answer(reference or "0", f"\\boxed{{{answer}}}")
    assert time.monotonic() - started < LIMIT_S + SLACK_S


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(response=st.text(max_size=3000))
def test_fuzzed_whole_responses_never_crash_and_stay_bounded(
    verifier: MathVerifier, response: str
) -> None:
    from rlvr_gym import Task

    task = Task(id="t", family="math", prompt="p", reference={"answer": "1"})
    started = time.monotonic()
    verdict = verifier.verify(task, response)
    assert 0.0 <= verdict.outcome <= 1.0
    # the answer check and the step check share one limit
    assert time.monotonic() - started < LIMIT_S + SLACK_S


def test_the_limit_holds_inside_a_child_process_and_its_threads() -> None:
    import subprocess
    import sys

    code = (
        "import threading, time\n"
        "from rlvr_gym.verifiers.math.verifier import MathVerifier\n"
        "v = MathVerifier(timeout_s=1.0)\n"
        "v.pool.warm_up()\n"
        "def check(out):\n"
        "    t = time.monotonic()\n"
        "    v.check_answer('2', '\\\\boxed{10^{10^{10^{10}}} - (10^{10})!}')\n"
        "    out.append(time.monotonic() - t)\n"
        "results = []\n"
        "check(results)\n"
        "th = threading.Thread(target=check, args=(results,)); th.start(); th.join()\n"
        "print(max(results))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)
    assert float(done.stdout.strip()) < LIMIT_S + SLACK_S
