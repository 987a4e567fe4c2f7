"""Math answer checking: rlvr-gym's `MathVerifier` against Math-Verify, side by side.

Both checkers judge the same labelled pairs (``tests/math/data/answer_pairs.jsonl``: a reference
answer and a whole model response) in one run on one machine. Prints the accuracy of each, per
category, the checks per second of each and their ratio.

    python3 -m pip install -e '.[bench]'
    python3 benchmarks/math_answers.py [--passes 3]

Math-Verify is used as its README shows: ``verify(parse(gold), parse(response))`` with the gold
answer wrapped in ``$...$``. Pass 1 is cold for both (no parse cache warmed); later passes show
the repeated-reference case of GRPO, where one reference is checked against many samples.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

PAIRS = Path(__file__).resolve().parent.parent / "tests" / "math" / "data" / "answer_pairs.jsonl"


def load_pairs(path: Path) -> list[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def math_verify_checker() -> Callable[[str, str], bool]:
    from math_verify import parse, verify

    def check(reference: str, response: str) -> bool:
        gold = parse(reference if "$" in reference or "\\boxed" in reference else f"${reference}$")
        return bool(verify(gold, parse(response)))

    return check


def rlvr_checker() -> Callable[[str, str], bool]:
    from rlvr_gym.verifiers.math.verifier import MathVerifier

    verifier = MathVerifier(timeout_s=5.0, process=False)
    verifier.pool.warm_up(1)

    def check(reference: str, response: str) -> bool:
        return verifier.check_answer(reference, response).correct

    return check


def run(
    check: Callable[[str, str], bool], pairs: list[dict[str, object]]
) -> tuple[list[bool], float]:
    verdicts = []
    started = time.perf_counter()
    for pair in pairs:
        try:
            verdicts.append(check(str(pair["reference"]), str(pair["response"])))
        except Exception:  # a checker that raises has judged nothing
            verdicts.append(False)
    return verdicts, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    pairs = load_pairs(args.pairs)
    labels = [bool(p["label"]) for p in pairs]
    checkers = {"rlvr-gym": rlvr_checker(), "math-verify": math_verify_checker()}
    timings: dict[str, list[float]] = defaultdict(list)
    verdicts: dict[str, list[bool]] = {}
    for _ in range(args.passes):
        for name, check in checkers.items():
            found, seconds = run(check, pairs)
            verdicts.setdefault(name, found)
            timings[name].append(seconds)

    print(f"{len(pairs)} labelled pairs ({sum(labels)} equal, {len(labels) - sum(labels)} not), "
          f"{args.passes} passes\n")
    print(f"{'checker':<12} {'accuracy':>9} {'checks/s (cold)':>16} {'checks/s (warm)':>16}")
    rates = {}
    for name in checkers:
        right = sum(v == label for v, label in zip(verdicts[name], labels, strict=False))
        cold = len(pairs) / timings[name][0]
        warm = len(pairs) / statistics.median(timings[name][1:] or timings[name])
        rates[name] = (cold, warm)
        print(f"{name:<12} {right / len(pairs):>9.1%} {cold:>16.0f} {warm:>16.0f}")
    ours, theirs = rates["rlvr-gym"], rates["math-verify"]
    print(f"\nthroughput ratio rlvr-gym / math-verify: cold {ours[0] / theirs[0]:.1f}x, "
          f"warm {ours[1] / theirs[1]:.1f}x")

    print("\nby origin of the pair (public test suites vs written for rlvr-gym):")
    for origin in ("public", "original"):
        chosen = [i for i, p in enumerate(pairs)
                  if (p.get("source") == "rlvr-gym original") == (origin == "original")]
        line = ", ".join(
            f"{name} {sum(verdicts[name][i] == labels[i] for i in chosen) / len(chosen):.1%}"
            for name in checkers
        )
        print(f"  {origin:<9} {len(chosen):>4} pairs: {line}")

    print("\nper category (rlvr-gym / math-verify correct of n):")
    by_category: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for i, pair in enumerate(pairs):
        row = by_category[str(pair.get("category", "other"))]
        row[0] += verdicts["rlvr-gym"][i] == labels[i]
        row[1] += verdicts["math-verify"][i] == labels[i]
        row[2] += 1
    for category, (ours_right, theirs_right, total) in sorted(by_category.items()):
        print(f"  {category:<14} {ours_right:>3} / {theirs_right:>3} of {total}")

    print("\ndisagreements with the label:")
    for i, pair in enumerate(pairs):
        wrong = [n for n in checkers if verdicts[n][i] != labels[i]]
        if wrong:
            print(f"  {pair['id']}: label={labels[i]} wrong: {', '.join(wrong)}  "
                  f"ref={pair['reference']!r}")


if __name__ == "__main__":
    main()
