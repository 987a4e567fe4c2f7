"""Offline scoring: judge rows of (reference, response) with no environment and no policy.

Each input row names its ``family`` and holds what that family's scorer needs (math: ``answer``
and ``response``; code: ``kind``, ``entry_point``, ``tests`` and ``response``; lean:
``theorem``, an optional ``header`` and ``response``; any: an optional ``id`` and ``prompt``).
Each output row is the input plus ``score`` (the reward, a float), ``reward`` (its breakdown)
and ``verdict``. A row that cannot be
scored (unknown family, missing field, not JSON) gets ``score``, ``reward`` and ``verdict`` set to
None and an ``error`` naming the row; it never stops the batch.

Families are looked up in `SCORERS`, a table other families extend with `register_scorer`.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.core.reward import RewardWeights
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.evaluation.progress import ProgressBar
from rlvr_gym.evaluation.results import ResultsFile, sidecar_path
from rlvr_gym.tasks.datasets import split_lines

RESULTS_KIND = "rlvr-score/1"

class RowError(ValueError):
    """An input row lacks what its family's scorer needs; the message names the field."""


@dataclass(frozen=True)
class ScoreOptions:
    """Settings shared by every family's scorer in one scoring run."""

    workers: int
    timeout_s: float = 3.0
    process: bool = False


class RowScorer(Protocol):
    """Judges one input row of its family; raises `RowError` when a field is missing or bad."""

    def __call__(self, row: Mapping[str, Any]) -> Verdict: ...

    def close(self) -> None:
        """Release worker processes or sandboxes."""
        ...


ScorerFactory = Callable[[ScoreOptions], RowScorer]


class MathRowScorer:
    """Scores math rows (``answer``, ``response``) with one shared `MathVerifier`."""

    def __init__(self, options: ScoreOptions) -> None:
        from rlvr_gym.verifiers.math.verifier import MathVerifier, math_worker_pool

        self.pool = math_worker_pool(options.workers)
        self.verifier = MathVerifier(
            timeout_s=options.timeout_s, process=options.process, pool=self.pool
        )

    def __call__(self, row: Mapping[str, Any]) -> Verdict:
        import math

        answer = row.get("answer")
        if isinstance(answer, (int, float)) and not isinstance(answer, bool) and (
            not isinstance(answer, float) or math.isfinite(answer)
        ):
            answer = str(answer)
        if not isinstance(answer, str) or not answer.strip():
            raise RowError("field 'answer' must be a non-empty string or a finite number (the "
                           f"reference answer), got {type(answer).__name__}")
        response = row.get("response")
        if not isinstance(response, str):
            raise RowError("field 'response' must be a string (the model's answer), got "
                           f"{type(response).__name__}")
        prompt = row.get("prompt")
        task = Task(
            id=str(row.get("id") or "row"),
            family="math",
            prompt=prompt if isinstance(prompt, str) else "",
            reference={"answer": answer},
        )
        try:
            return self.verifier.verify(task, response)
        except ConfigurationError as exc:
            raise RowError(f"field 'answer' cannot be checked: {exc}") from exc

    def close(self) -> None:
        self.pool.close()


class CodeRowScorer:
    """Scores code rows (``kind``, ``entry_point``, ``tests``, ``response``) in the sandbox.

    Programs run in the process-wide Docker pool; ``timeout_s`` is not used (code runs under
    the sandbox's own limits).
    """

    def __init__(self, options: ScoreOptions) -> None:
        from rlvr_gym.verifiers.code.verifier import CodeVerifier

        self.verifier = CodeVerifier()

    def __call__(self, row: Mapping[str, Any]) -> Verdict:
        from rlvr_gym.core.errors import ConfigurationError
        from rlvr_gym.tasks.code_datasets import completion_prefix
        from rlvr_gym.verifiers.code.problem import CodeProblem

        response = row.get("response")
        if not isinstance(response, str):
            raise RowError("field 'response' must be a string (the model's program)")
        reference = {k: row.get(k) for k in ("kind", "entry_point", "tests", "float_tolerance",
                                             "prefix")}
        prompt = row.get("prompt")
        if reference["prefix"] is None and isinstance(prompt, str) and \
                isinstance(reference["entry_point"], str):
            reference["prefix"] = completion_prefix(prompt, reference["entry_point"])
        try:
            CodeProblem.from_reference(reference)
        except ConfigurationError as exc:
            raise RowError(str(exc)) from exc
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            raise RowError(f"field 'tests' cannot be read ({type(exc).__name__})") from exc
        task = Task(id=str(row.get("id") or "row"), family="code",
                    prompt=prompt if isinstance(prompt, str) else "", reference=reference)
        return self.verifier.verify(task, response)

    def close(self) -> None:
        """The shared sandbox pool is closed at exit; nothing to release per run."""


class LeanRowScorer:
    """Scores Lean rows (``theorem`` ending in ``:=``, optional ``header``, ``response``: the
    proof after ``:=``) with one `LeanVerifier` over a REPL pool started at the first row.

    Without a Lean REPL every row is an infrastructure error (counted, never a 0).
    """

    def __init__(self, options: ScoreOptions) -> None:
        from rlvr_gym.envs.lean import LeanProofChecker

        self.checker = LeanProofChecker()

    def __call__(self, row: Mapping[str, Any]) -> Verdict:
        from rlvr_gym.tasks.lean_datasets import lean_task

        theorem = row.get("theorem")
        if not isinstance(theorem, str) or not theorem.strip():
            raise RowError("field 'theorem' must be a non-empty string (the Lean statement, "
                           "ending in ':=')")
        header = row.get("header", "")
        if header is None:
            header = ""
        if not isinstance(header, str):
            raise RowError("field 'header' must be a string (the imports, e.g. 'import Mathlib')")
        response = row.get("response")
        if not isinstance(response, str):
            raise RowError("field 'response' must be a string (the model's proof)")
        prompt = row.get("prompt")
        try:
            task = lean_task(str(row.get("id") or "row"), theorem, header)
        except ConfigurationError as exc:
            raise RowError(f"field 'theorem' {exc}") from exc
        if isinstance(prompt, str) and prompt:
            task = Task.from_dict({**task.to_dict(), "prompt": prompt})
        return self.checker.verify(task, response)

    def close(self) -> None:
        self.checker.close()


SCORERS: dict[str, ScorerFactory] = {"math": MathRowScorer}


def register_scorer(family: str, factory: ScorerFactory) -> None:
    """Make rows of `family` scorable; `factory(options)` builds the scorer once per run."""
    SCORERS[family] = factory


register_scorer("code", CodeRowScorer)
register_scorer("lean", LeanRowScorer)


@dataclass(frozen=True)
class ScoreSummary:
    """Totals of a scoring run; `mean_score` leaves out error and infrastructure-error rows."""

    count: int
    mean_score: float | None
    errors: int
    infra_errors: int
    scored_now: int
    checks_per_s: float
    elapsed_s: float
    out: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_score": self.mean_score,
            "errors": self.errors,
            "infra_errors": self.infra_errors,
            "scored_now": self.scored_now,
            "checks_per_s": round(self.checks_per_s, 2),
            "elapsed_s": round(self.elapsed_s, 3),
            "out": self.out,
        }

    def line(self) -> str:
        """The summary as one JSON line (what `rlvr score` prints last)."""
        return json.dumps(self.to_dict())


class _Scoring:
    """One scoring run: builds each family's scorer on first use and scores rows safely."""

    def __init__(self, options: ScoreOptions) -> None:
        self.options = options
        self.weights = RewardWeights()
        self._scorers: dict[str, RowScorer] = {}
        self._lock = threading.Lock()

    def scorer(self, family: str) -> RowScorer:
        with self._lock:
            if family not in self._scorers:
                self._scorers[family] = SCORERS[family](self.options)
            return self._scorers[family]

    def score(self, number: int, row: Any) -> dict[str, Any]:
        if not isinstance(row, Mapping):
            return _error_row({"row": number, "input": row}, number, "not a JSON object")
        family = row.get("family")
        if family is None:
            return _error_row(row, number, "field 'family' is missing (e.g. \"math\")")
        if not isinstance(family, str):
            return _error_row(row, number, "field 'family' must be a string (e.g. \"math\"), "
                                           f"got {type(family).__name__}")
        if family not in SCORERS:
            known = ", ".join(sorted(SCORERS))
            return _error_row(row, number, f"unknown family {family!r}; known: {known}")
        started = time.perf_counter()
        try:
            verdict = self.scorer(str(family))(row)
        except RowError as exc:
            return _error_row(row, number, str(exc))
        breakdown = self.weights.breakdown(verdict)
        return {
            **row,
            "score": breakdown.total,
            "reward": breakdown.as_dict(),
            "verdict": verdict.to_dict(),
            "scoring_s": round(time.perf_counter() - started, 6),
        }

    def close(self) -> None:
        for scorer in self._scorers.values():
            scorer.close()


def _error_row(row: Mapping[str, Any], number: int, message: str) -> dict[str, Any]:
    return {**row, "score": None, "reward": None, "verdict": None,
            "error": f"row {number}: {message}"}


def infrastructure_failure_rows(items: Iterable[tuple[int, Any]], message: str
                                ) -> list[dict[str, Any]]:
    """Output rows for numbered input rows whose scorer died (a worker process, a Ray actor):
    infrastructure-failure verdicts, never a 0 for the policy; rows that could never be scored
    keep their own error."""
    verdict = Verdict.infrastructure_failure(message)
    breakdown = RewardWeights().breakdown(verdict)
    out: list[dict[str, Any]] = []
    for number, row in items:
        if isinstance(row, _BadLine):
            out.append(_error_row({"row": number, "input": row.text}, number, row.message))
        elif not isinstance(row, Mapping):
            out.append(_error_row({"row": number, "input": row}, number, "not a JSON object"))
        else:
            out.append({**row, "score": breakdown.total, "reward": breakdown.as_dict(),
                        "verdict": verdict.to_dict()})
    return out


def _default_workers(workers: int | None) -> int:
    if workers is None:
        return max(1, min(32, os.cpu_count() or 1))
    if workers < 1:
        raise ConfigurationError(f"workers must be at least 1, got {workers}")
    return workers


def score_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    workers: int | None = None,
    timeout_s: float = 3.0,
    process: bool = False,
) -> list[dict[str, Any]]:
    """Score rows in order with `workers` threads (and as many verifier processes).

    Rows are numbered from 1 in error messages. `process=True` also scores worked steps.
    """
    options = ScoreOptions(workers=_default_workers(workers), timeout_s=timeout_s,
                           process=process)
    scoring = _Scoring(options)
    try:
        with ThreadPoolExecutor(max_workers=options.workers) as executor:
            return list(executor.map(lambda item: scoring.score(*item), enumerate(rows, 1)))
    finally:
        scoring.close()


def _input_rows(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed row)`` of each non-blank line; bad JSON becomes an error marker."""
    number = 0
    with path.open("rb") as handle:
        for raw in handle:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                number += 1
                yield number, _BadLine(f"not valid UTF-8 (byte {exc.start + 1})",
                                       raw.decode("utf-8", "replace").strip()[:200])
                continue
            for line in split_lines(text):
                number += 1
                if line.strip():
                    yield number, _parsed(line)


def _parsed(line: str) -> Any:
    """The JSON value of `line`, or a `_BadLine` saying why it has none."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return _BadLine(f"not valid JSON ({exc.msg} at column {exc.colno})", line.strip()[:200])
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        return _BadLine(f"not readable JSON ({exc})", line.strip()[:200])


@dataclass(frozen=True)
class _BadLine:
    message: str
    text: str


def _score_item(scoring: _Scoring, item: tuple[int, Any]) -> dict[str, Any]:
    number, row = item
    if isinstance(row, _BadLine):
        return _error_row({"row": number, "input": row.text}, number, row.message)
    return scoring.score(number, row)


RowItem = tuple[int, Any]
ChunkScorer = Callable[[list[RowItem]], Iterable[dict[str, Any]]]


def score_file(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    timeout_s: float = 3.0,
    process: bool = False,
    progress: bool = False,
) -> ScoreSummary:
    """Score a JSONL file into `out` (same rows, same order, plus the scores).

    Resumable: rows already in `out` are kept and skipped; a different input file or settings
    are refused. The summary is also written to ``OUT.summary.json``.
    """
    options = ScoreOptions(workers=_default_workers(workers), timeout_s=timeout_s,
                           process=process)

    @contextlib.contextmanager
    def threaded() -> Iterator[tuple[ChunkScorer, int]]:
        scoring = _Scoring(options)
        try:
            with ThreadPoolExecutor(max_workers=options.workers) as pool:
                yield (lambda chunk: pool.map(lambda item: _score_item(scoring, item), chunk),
                       options.workers * 8)
        finally:
            scoring.close()

    return score_file_with(path, out, threaded, timeout_s=timeout_s, process=process,
                           progress=progress)


def score_file_with(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    executor: Callable[[], contextlib.AbstractContextManager[tuple[ChunkScorer, int]]],
    *,
    timeout_s: float,
    process: bool,
    progress: bool,
) -> ScoreSummary:
    """The resumable file loop every executor shares (threads here, Ray actors elsewhere).

    `executor()` opens the scoring machinery and yields ``(score_chunk, chunk_size)``:
    `score_chunk` turns a list of ``(row number, parsed row)`` items into output rows, in order.
    """
    source = Path(path).expanduser()
    if not source.is_file():
        raise TaskFileError("file not found; give a JSONL file of rows to score",
                            path=str(source))
    meta = {"kind": RESULTS_KIND, "input": str(source.resolve()), "process": process,
            "timeout_s": timeout_s}
    total = sum(1 for _ in _input_rows(source))
    started = time.perf_counter()
    fresh: list[dict[str, Any]] = []
    with executor() as (score_chunk, chunk_size), ResultsFile(out, meta) as results:
        previous = results.rows
        if len(previous) > total:
            raise ConfigurationError(
                f"{out} holds {len(previous)} rows but {source} only {total}; use another "
                "output file"
            )
        pending = _skip(_input_rows(source), len(previous))
        with ProgressBar(total, initial=len(previous), label="score", enabled=progress) as bar:
            for chunk in _chunks(pending, chunk_size):
                for scored in score_chunk(chunk):
                    results.append(scored)
                    fresh.append(scored)
                    bar.update()
    elapsed = time.perf_counter() - started
    summary = _summarize([*previous, *fresh], len(fresh), elapsed, str(out))
    target = sidecar_path(out, "summary")
    target.write_text(json.dumps(summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    return summary


def _skip(items: Iterator[tuple[int, Any]], count: int) -> Iterator[tuple[int, Any]]:
    for _ in range(count):
        next(items, None)
    return items


def _chunks(items: Iterator[tuple[int, Any]], size: int) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def summarize_scores(rows: Iterable[Mapping[str, Any]], elapsed_s: float = 0.0) -> ScoreSummary:
    """Totals of scored rows (from `score_rows` or a results file)."""
    return _summarize(list(rows), None, elapsed_s, "")


def _summarize(
    rows: list[Mapping[str, Any]], scored_now: int | None, elapsed_s: float, out: str
) -> ScoreSummary:
    errors = sum(1 for r in rows if r.get("error"))
    infra = sum(
        1 for r in rows
        if not r.get("error") and isinstance(r.get("verdict"), Mapping)
        and r["verdict"].get("infra_error")
    )
    scores = [
        float(r["score"]) for r in rows
        if not r.get("error") and r.get("score") is not None
        and not (isinstance(r.get("verdict"), Mapping) and r["verdict"].get("infra_error"))
    ]
    now = len(rows) if scored_now is None else scored_now
    return ScoreSummary(
        count=len(rows),
        mean_score=sum(scores) / len(scores) if scores else None,
        errors=errors,
        infra_errors=infra,
        scored_now=now,
        checks_per_s=now / elapsed_s if elapsed_s > 0 else 0.0,
        elapsed_s=elapsed_s,
        out=out,
    )
