"""`score_batch`: judge many (task, response) pairs on several processes, in order.

Each worker process owns its verifiers and what they run on: a math worker pool and a Docker
sandbox pool of `per_worker` slots each, started on the first row of that family and closed when
the worker exits. Rows travel as plain dicts (a `Task` holds read-only mappings that do not
pickle) in contiguous chunks; results come back in input order. A failure of the machinery (a
sandbox that cannot start, a worker process that dies) becomes that row's
`Verdict.infrastructure_failure`, never an exception and never a 0 for the policy; a
misconfigured task (no reference answer, unknown family) raises `ConfigurationError` naming the
row.

Families map to verifier factories in `BATCH_VERIFIERS`; a new family registers with
`register_batch_verifier` at import of its module (worker processes are spawned, so the module
that registers must be importable: pass it in ``preload``).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import util as mp_util
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from rlvr_gym.core.errors import ConfigurationError, InfrastructureError
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict

if TYPE_CHECKING:
    from rlvr_gym.scoring import ScoreSummary

_T = TypeVar("_T")
_R = TypeVar("_R")

__all__ = [
    "BATCH_VERIFIERS",
    "BatchOptions",
    "BatchScorer",
    "register_batch_verifier",
    "score_batch",
    "score_file_processes",
]


@dataclass(frozen=True)
class BatchOptions:
    """Settings every worker process builds its verifiers from.

    - `timeout_s`: the hard limit of one math check.
    - `process`: also score worked steps (math); costs a sympy check per step.
    - `per_worker`: slots of each worker's own math pool and Docker sandbox pool.
    """

    timeout_s: float = 3.0
    process: bool = True
    per_worker: int = 1


class BatchVerifier(Protocol):
    def verify(self, task: Task, response: str) -> Verdict: ...


VerifierFactory = Callable[[BatchOptions], BatchVerifier]


def _math_verifier(options: BatchOptions) -> BatchVerifier:
    from rlvr_gym.verifiers.math.verifier import MathVerifier, math_worker_pool

    pool = math_worker_pool(options.per_worker)
    mp_util.Finalize(pool, pool.close, exitpriority=10)
    return MathVerifier(timeout_s=options.timeout_s, process=options.process, pool=pool)


def _code_verifier(options: BatchOptions) -> BatchVerifier:
    from rlvr_gym.verifiers.code.verifier import CodeVerifier

    return CodeVerifier(sandbox=_LazySandbox(options.per_worker))


def _lean_verifier(options: BatchOptions) -> BatchVerifier:
    from rlvr_gym.envs.lean import LeanProofChecker

    checker = LeanProofChecker()
    mp_util.Finalize(checker, checker.close, exitpriority=10)
    return checker


class _LazySandbox:
    """This worker's own Docker pool, started at the first run (a row that never reaches the
    sandbox, e.g. code that does not compile, starts no container)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pool: Any = None

    def _get(self) -> Any:
        if self._pool is None:
            from rlvr_gym.sandboxes.pool import DockerSandboxPool

            try:
                self._pool = DockerSandboxPool(size=self.size)
            except ConfigurationError:
                raise
            except Exception as exc:  # the docker SDK raises many types when the engine is down
                raise InfrastructureError(
                    f"cannot start the Docker sandbox pool ({exc}); check that Docker runs"
                ) from exc
            # multiprocessing runs these finalizers when a worker exits (atexit does not run)
            mp_util.Finalize(self._pool, self._pool.close, exitpriority=10)
        return self._pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)


BATCH_VERIFIERS: dict[str, VerifierFactory] = {
    "math": _math_verifier,
    "code": _code_verifier,
    "lean": _lean_verifier,
}


def register_batch_verifier(family: str, factory: VerifierFactory) -> None:
    """Make tasks of `family` scorable by `score_batch`; `factory` runs once per worker."""
    BATCH_VERIFIERS[family] = factory


# --- inside a worker process -------------------------------------------------------------------

_WORKER_VERIFIERS: dict[str, BatchVerifier] = {}
_WORKER_OPTIONS = BatchOptions()


def _init_worker(options: BatchOptions, preload: tuple[str, ...]) -> None:
    global _WORKER_OPTIONS
    _WORKER_OPTIONS = options
    _exit_with_parent(os.getppid())
    for module in preload:
        importlib.import_module(module)


def _exit_with_parent(parent: int) -> None:
    """End this worker when the process that started it dies, even by SIGKILL (its own
    shutdown never comes then, and an orphan would hold its sandboxes forever): remove this
    worker's containers, then exit. Its math and Lean workers watch this process in turn."""
    try:
        pidfd = os.pidfd_open(parent)
    except (AttributeError, OSError):  # already gone, or no pidfd: poll instead
        pidfd = None

    def watch() -> None:
        if pidfd is not None:
            select.select([pidfd], [], [])
        else:
            while os.getppid() == parent:
                time.sleep(0.5)
        from rlvr_gym.sandboxes.pool import close_every_pool

        try:
            close_every_pool()
        finally:
            os._exit(1)

    threading.Thread(target=watch, name="rlvr-parent-watch", daemon=True).start()


def _worker_verifier(family: str) -> BatchVerifier:
    if family not in _WORKER_VERIFIERS:
        _WORKER_VERIFIERS[family] = BATCH_VERIFIERS[family](_WORKER_OPTIONS)
    return _WORKER_VERIFIERS[family]


@dataclass(frozen=True)
class _RowError:
    index: int
    message: str


def _score_chunk(
    rows: Sequence[tuple[int, dict[str, Any], str]],
    verifier_for: Callable[[str], BatchVerifier] | None = None,
) -> list[tuple[int, dict[str, Any] | _RowError]]:
    """Score rows in this worker; verdicts go back as dicts (they hold read-only mappings).

    `verifier_for` maps a family to its verifier (default: this worker process's own); a Ray
    verifier actor passes its own table.
    """
    lookup = _worker_verifier if verifier_for is None else verifier_for
    out: list[tuple[int, dict[str, Any] | _RowError]] = []
    for index, task_data, response in rows:
        try:
            task = Task.from_dict(task_data)
            verdict = lookup(task.family).verify(task, response)
        except InfrastructureError as exc:
            verdict = Verdict.infrastructure_failure(f"{type(exc).__name__}: {exc}")
        except ConfigurationError as exc:
            out.append((index, _RowError(index, str(exc))))
            continue
        except Exception as exc:  # a verifier bug must not lose the rest of the batch
            verdict = Verdict.infrastructure_failure(f"verifier failed: {exc!r}")
        out.append((index, verdict.to_dict()))
    return out


_ROW_SCORING: Any = None


def _score_row_chunk(items: Sequence[tuple[int, Any]]) -> list[dict[str, Any]]:
    """Score numbered ``rlvr score`` input rows in this worker (its own scorers, built once)."""
    global _ROW_SCORING
    from rlvr_gym.scoring import ScoreOptions, _score_item, _Scoring

    if _ROW_SCORING is None:
        _ROW_SCORING = _Scoring(ScoreOptions(
            workers=_WORKER_OPTIONS.per_worker, timeout_s=_WORKER_OPTIONS.timeout_s,
            process=_WORKER_OPTIONS.process,
        ))
        mp_util.Finalize(_ROW_SCORING, _ROW_SCORING.close, exitpriority=10)
    scoring = _ROW_SCORING
    if _WORKER_OPTIONS.per_worker == 1:
        return [_score_item(scoring, item) for item in items]
    with ThreadPoolExecutor(max_workers=_WORKER_OPTIONS.per_worker) as threads:
        return list(threads.map(lambda item: _score_item(scoring, item), items))


def _warm(families: tuple[str, ...]) -> int:
    """Build this worker's verifiers and start their math worker (sympy import) ahead of time."""
    for family in families:
        verifier = _worker_verifier(family)
        if family == "math":
            warm = Task(id="warm", family="math", prompt="", reference={"answer": "x+1"})
            verifier.verify(warm, "\\boxed{1+x}")
        elif family == "code":  # start this worker's containers with one real run
            from rlvr_gym.tasks.code_datasets import load_public_code_tasks

            task = load_public_code_tasks("function")[0]
            verifier.verify(task, f"```python\n{task.reference['solution']}\n```")
    return os.getpid()


# --- in the caller -----------------------------------------------------------------------------


def _prepare_rows(
    tasks: Sequence[Task], responses: Sequence[str]
) -> list[tuple[int, dict[str, Any], str]]:
    """Check the batch before any work and turn it into plain ``(index, task dict, response)``."""
    if len(tasks) != len(responses):
        raise ConfigurationError(
            f"got {len(tasks)} tasks but {len(responses)} responses; give one response a task"
        )
    rows: list[tuple[int, dict[str, Any], str]] = []
    for index, (task, response) in enumerate(zip(tasks, responses, strict=True)):
        if not isinstance(task, Task):
            raise ConfigurationError(f"row {index}: expected a Task, got {type(task).__name__}")
        if task.family not in BATCH_VERIFIERS:
            raise ConfigurationError(
                f"row {index}: no batch verifier for family {task.family!r}; known: "
                f"{sorted(BATCH_VERIFIERS)} (add one with register_batch_verifier)"
            )
        rows.append((index, task.to_dict(), response))
    return rows


class BatchScorer:
    """A reusable pool of `workers` scoring processes; `score` may be called many times.

    Keep one across training steps: the processes, their sympy workers and their containers stay
    warm. A worker process that dies is replaced on its own (`restarts` counts it) and the rows it
    held are scored again once. Use as a context manager or call `close`.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout_s: float = 3.0,
        process: bool = True,
        per_worker: int = 1,
        chunks_per_worker: int = 4,
        preload: Sequence[str] = (),
    ) -> None:
        workers = max(1, min(32, os.cpu_count() or 1)) if workers is None else workers
        if workers < 1:
            raise ConfigurationError(f"workers must be at least 1, got {workers}")
        if per_worker < 1 or chunks_per_worker < 1:
            raise ConfigurationError("per_worker and chunks_per_worker must be at least 1")
        self.workers = workers
        self.chunks_per_worker = chunks_per_worker
        self.options = BatchOptions(timeout_s=timeout_s, process=process, per_worker=per_worker)
        self.preload = tuple(preload)
        self.restarts = 0
        self._executor = self._new_executor()

    def warm(self, families: Iterable[str] = ("math",)) -> None:
        """Start every worker and its verifiers now, so the first `score` is not slowed."""
        names = tuple(families)
        unknown = [f for f in names if f not in BATCH_VERIFIERS]
        if unknown:
            raise ConfigurationError(
                f"unknown famil(ies) {unknown}; known: {sorted(BATCH_VERIFIERS)}"
            )
        seen: set[int] = set()
        for _ in range(4):  # idle workers pick up warm-ups in any order; retry until each got one
            futures = [self._executor.submit(_warm, names) for _ in range(self.workers * 2)]
            seen.update(f.result() for f in futures)
            if len(seen) >= self.workers:
                break

    def pids(self) -> list[int]:
        """The process ids of the live workers (none before the first `warm` or `score`)."""
        processes = getattr(self._executor, "_processes", None) or {}
        return sorted(int(pid) for pid in processes)

    def score(self, tasks: Sequence[Task], responses: Sequence[str]) -> list[Verdict]:
        """One verdict per (task, response), in input order."""
        rows = _prepare_rows(tasks, responses)
        if not rows:
            return []

        def failed(chunk: Sequence[tuple[int, dict[str, Any], str]], message: str
                   ) -> list[tuple[int, dict[str, Any] | _RowError]]:
            failure = Verdict.infrastructure_failure(message).to_dict()
            return [(index, failure) for index, _, _ in chunk]

        verdicts: list[Verdict | None] = [None] * len(rows)
        for results in self._dispatch(self._chunk(rows), _score_chunk, failed):
            for index, result in results:
                if isinstance(result, _RowError):
                    raise ConfigurationError(f"row {result.index}: {result.message}")
                verdicts[index] = Verdict.from_dict(result)
        return [v for v in verdicts if v is not None]

    def score_rows(self, items: Sequence[tuple[int, Any]]) -> list[dict[str, Any]]:
        """Score numbered ``rlvr score`` input rows on the workers; output rows in order."""
        from rlvr_gym.scoring import infrastructure_failure_rows

        if not items:
            return []
        out: list[dict[str, Any]] = []
        for results in self._dispatch(self._chunk(items), _score_row_chunk,
                                      infrastructure_failure_rows):
            out.extend(results)
        return out

    def _chunk(self, items: Sequence[_T]) -> list[Sequence[_T]]:
        size = max(1, -(-len(items) // (self.workers * self.chunks_per_worker)))
        return [items[i:i + size] for i in range(0, len(items), size)]

    def _dispatch(
        self,
        chunks: Sequence[Sequence[_T]],
        work: Callable[[Sequence[_T]], list[_R]],
        on_failure: Callable[[Sequence[_T], str], list[_R]],
    ) -> list[list[_R]]:
        """Run `work` on every chunk in the worker processes; one result list per chunk.

        A worker that dies breaks the whole process pool (the executor ends every worker): the
        pool is started again and the chunks it held are run once more; a chunk that breaks the
        fresh pool too gets `on_failure` rows (infrastructure failures, never a 0).
        """
        results: list[list[_R] | None] = [None] * len(chunks)
        pending = list(range(len(chunks)))
        message = ""
        for _ in range(2):
            executor = self._executor
            futures: list[tuple[int, Future[list[_R]] | None]] = []
            for index in pending:
                try:
                    futures.append((index, executor.submit(work, chunks[index])))
                except BrokenProcessPool as exc:
                    message = str(exc)
                    futures.append((index, None))
            broken: list[int] = []
            for index, future in futures:
                try:
                    if future is None:
                        raise BrokenProcessPool(message)
                    results[index] = future.result()
                except BrokenProcessPool as exc:
                    message = str(exc) or "a scoring worker process died"
                    broken.append(index)
            if not broken:
                break
            self._restart(executor)
            pending = broken
        else:
            for index in pending:
                results[index] = on_failure(chunks[index], f"a scoring worker died: {message}")
        return [r if r is not None else [] for r in results]

    def _new_executor(self) -> ProcessPoolExecutor:
        # spawn, not fork: the caller may hold threads (worker pools, docker clients) that a
        # forked child would inherit mid-lock
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.options, self.preload),
        )

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """Replace a broken process pool (its workers are gone) with a fresh one."""
        if self._executor is broken:
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._new_executor()
            self.restarts += 1

    def close(self) -> None:
        """Stop the workers (each closes its math pool and sandbox containers)."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> BatchScorer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def score_batch(
    tasks: Sequence[Task],
    responses: Sequence[str],
    workers: int | None = None,
    *,
    timeout_s: float = 3.0,
    process: bool = True,
    per_worker: int = 1,
    executor: str = "processes",
    ray_address: str | None = None,
) -> list[Verdict]:
    """Judge ``responses[i]`` against ``tasks[i]`` on `workers` processes; verdicts in order.

    `workers` defaults to the CPU count. Starts and stops its processes; to score many batches,
    keep a `BatchScorer` instead.

    ``executor="ray"`` scores on `workers` Ray verifier actors instead (default: one per CPU of
    the cluster), connecting to `ray_address` (see `rlvr_gym.integrations.ray.connect`); to
    score many batches, keep a `rlvr_gym.integrations.ray.RayScorer`.
    """
    if executor == "ray":
        from rlvr_gym.integrations.ray import RayScorer

        with RayScorer(workers, address=ray_address, timeout_s=timeout_s, process=process,
                       per_actor=per_worker) as ray_scorer:
            return ray_scorer.score(tasks, responses)
    if executor != "processes":
        raise ConfigurationError(
            f"executor must be 'processes' or 'ray', got {executor!r}"
        )
    if ray_address is not None:
        raise ConfigurationError("ray_address is only used with executor='ray'")
    with BatchScorer(workers, timeout_s=timeout_s, process=process,
                     per_worker=per_worker) as scorer:
        return scorer.score(tasks, responses)


def score_file_processes(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int | None = None,
    per_worker: int = 1,
    timeout_s: float = 3.0,
    process: bool = False,
    progress: bool = False,
    preload: Sequence[str] = (),
) -> ScoreSummary:
    """`rlvr_gym.scoring.score_file` on `workers` scoring processes (each with its own math pool
    and Docker sandbox pool of `per_worker` slots): same rows, same order, same output file and
    summary, so a run may be resumed with threads, processes or Ray."""
    from rlvr_gym.scoring import score_file_with

    @contextlib.contextmanager
    def on_processes() -> Iterator[tuple[Callable[[list[tuple[int, Any]]],
                                                  list[dict[str, Any]]], int]]:
        with BatchScorer(workers, timeout_s=timeout_s, process=process, per_worker=per_worker,
                         preload=preload) as scorer:
            yield scorer.score_rows, scorer.workers * scorer.chunks_per_worker * per_worker * 2

    return score_file_with(path, out, on_processes, timeout_s=timeout_s, process=process,
                           progress=progress)
