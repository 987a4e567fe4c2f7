"""Ray for scale: a pool of verifier actors that scores batches across a Ray cluster.

Each `VerifierActor` is one Ray actor process that owns its verifiers and what they run on (a
math worker pool and a Docker sandbox pool of `per_actor` slots, a Lean REPL pool), built lazily
at the first row of each family, exactly as a `score_batch` worker process does. `RayScorer`
spreads contiguous chunks of a batch over its actors (an idle actor takes the next chunk) and
puts the verdicts back in input order.

Failures: a failure of the machinery inside a row stays that row's
`Verdict.infrastructure_failure`, as with processes. An actor that dies (killed, out of memory,
its node lost) turns the rows it held into infrastructure-failure verdicts, never an exception
and never a 0 for the policy; the scorer replaces the actor and goes on.

Ray is an optional dependency (``pip install 'rlvr-gym[ray]'``); it is imported only when a
scorer connects. Every node of a cluster needs rlvr-gym installed (or shipped with a
``runtime_env``). See docs/trainers/ray.md.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, InfrastructureError
from rlvr_gym.core.task import Task
from rlvr_gym.core.verdict import Verdict
from rlvr_gym.integrations.batch import (
    BATCH_VERIFIERS,
    BatchOptions,
    BatchVerifier,
    VerifierFactory,
    _LazySandbox,
    _prepare_rows,
    _RowError,
    _score_chunk,
)
from rlvr_gym.scoring import ScoreSummary

__all__ = [
    "ActorVerifier",
    "RayScorer",
    "VerifierActor",
    "actor_verifier_for",
    "connect",
    "score_file_ray",
]

LOCAL = "local"
AUTO = "auto"


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            "Ray is not installed; pip install 'rlvr-gym[ray]' (or 'ray>=2.9')"
        ) from exc
    return ray


def connect(address: str | None = None, *, runtime_env: Mapping[str, Any] | None = None) -> bool:
    """Attach this process to Ray; returns True when this call started or joined it (so the
    caller should `ray.shutdown()` when done) and False when Ray was already initialised.

    - ``None`` or ``"auto"``: Ray's own discovery (``RAY_ADDRESS``, then the latest cluster
      started with ``ray start`` on this machine), else a new local instance.
    - ``"local"``: a new local instance on this machine.
    - anything else: the cluster at that address (``HOST:6379`` from a cluster node, or
      ``ray://HOST:10001`` through Ray Client).
    """
    ray = _ray()
    if ray.is_initialized():
        return False
    kwargs: dict[str, Any] = {}
    if runtime_env is not None:
        kwargs["runtime_env"] = dict(runtime_env)
    try:
        if address is None or address == AUTO:
            ray.init(**kwargs)
        elif address == LOCAL:
            ray.init(address=LOCAL, include_dashboard=False, **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except ConnectionError as exc:
        raise InfrastructureError(f"cannot connect to the Ray cluster at {address}: {exc}") \
            from exc
    return True


@dataclass(frozen=True)
class ActorVerifier:
    """A picklable recipe that rebuilds one verifier, with the same settings, on every actor.

    `settings` are the verifier's constructor arguments (plain data); what it runs on (the math
    worker pool, the Docker sandbox pool) is the actor's own, `per_actor` slots each. Made from a
    live verifier by `actor_verifier_for`, passed to `RayScorer(verifiers={family: recipe})`.
    """

    family: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def __call__(self, options: BatchOptions) -> BatchVerifier:
        """Build the verifier inside an actor (`options.per_worker` sizes its pools)."""
        settings = dict(self.settings)
        if self.family == "math":
            from rlvr_gym.verifiers.math.verifier import MathVerifier, math_worker_pool

            return MathVerifier(pool=math_worker_pool(options.per_worker), **settings)
        if self.family == "code":
            from rlvr_gym.verifiers.code.verifier import CodeVerifier

            return CodeVerifier(_LazySandbox(options.per_worker), **settings)
        if self.family == "lean":
            from rlvr_gym.envs.lean import LeanProofChecker

            return LeanProofChecker(**settings)
        raise ConfigurationError(
            f"ActorVerifier knows the math, code and lean families, not {self.family!r}"
        )


def _not_portable(name: str, what: str) -> ConfigurationError:
    return ConfigurationError(
        f"env kwarg {name!r} ({what}) cannot be honoured on Ray verifier actors: it is an "
        f"object of this process that the actors cannot rebuild; drop {name!r} or run without "
        "--ray (ray_address=None)"
    )


def actor_verifier_for(verifier: Any) -> ActorVerifier:
    """The recipe that rebuilds `verifier` (an env's math, code or Lean verifier) on actors.

    Settings that are plain data (math `timeout_s`, `process`; code `limits`, `concurrency`,
    time budgets; Lean `command`, `cwd`, `verifier_options`) travel to the actors; a verifier
    holding objects of this process (a custom `step_scorer`, a `sandbox`, a Lean `backend`) or
    of another type raises `ConfigurationError`, since scoring elsewhere could not honour them.
    """
    from rlvr_gym.envs.lean import LeanProofChecker
    from rlvr_gym.verifiers.code.verifier import CodeVerifier
    from rlvr_gym.verifiers.math.verifier import MathVerifier

    if type(verifier) is MathVerifier:
        if verifier.step_scorer is not None:
            raise _not_portable("step_scorer", "a custom step scorer")
        return ActorVerifier("math", {
            "timeout_s": verifier.timeout_s, "process": verifier.process,
            "allow_last_number": verifier.allow_last_number,
        })
    if type(verifier) is CodeVerifier:
        if verifier._sandbox is not None:
            raise _not_portable("sandbox", "a sandbox given to the environment")
        return ActorVerifier("code", {
            "limits": verifier.limits, "call_timeout_s": verifier.call_timeout_s,
            "budget_s": verifier.budget_s, "concurrency": verifier.concurrency,
            "python": verifier.python, "max_result_bytes": verifier.max_result_bytes,
        })
    if type(verifier) is LeanProofChecker:
        if verifier._backend is not None:
            raise _not_portable("backend", "a Lean backend given to the environment")
        return ActorVerifier("lean", {
            "command": verifier._command, "cwd": verifier._cwd,
            "verifier_options": dict(verifier._options),
        })
    raise ConfigurationError(
        f"a {type(verifier).__name__} verifier cannot be rebuilt on Ray verifier actors (they "
        "rebuild the math, code and Lean verifiers of rlvr-gym); run without --ray "
        "(ray_address=None)"
    )


class VerifierActor:
    """One verifier actor: its own verifiers per family, built at the first row of the family.

    A plain class; `RayScorer` wraps it with ``ray.remote``. `preload` names modules to import
    first (modules that call `register_batch_verifier` for families added later). `verifiers`
    maps a family to the factory to use instead of its `BATCH_VERIFIERS` entry (e.g. an
    `ActorVerifier` carrying an environment's settings).
    """

    def __init__(
        self, options: BatchOptions, preload: Sequence[str] = (),
        verifiers: Mapping[str, VerifierFactory] | None = None,
    ) -> None:
        for module in preload:
            importlib.import_module(module)
        self.options = options
        self.factories = dict(verifiers or {})
        self._verifiers: dict[str, BatchVerifier] = {}
        self._row_scoring: Any = None

    def _verifier(self, family: str) -> BatchVerifier:
        if family not in self._verifiers:
            factory = self.factories.get(family) or BATCH_VERIFIERS[family]
            self._verifiers[family] = factory(self.options)
        return self._verifiers[family]

    def score_tasks(
        self, rows: Sequence[tuple[int, dict[str, Any], str]]
    ) -> list[tuple[int, dict[str, Any] | _RowError]]:
        """Score ``(index, task dict, response)`` rows; verdicts come back as dicts."""
        return _score_chunk(rows, self._verifier)

    def score_rows(self, items: Sequence[tuple[int, Any]]) -> list[dict[str, Any]]:
        """Score numbered input rows of ``rlvr score`` (the output rows, in order)."""
        from rlvr_gym.scoring import ScoreOptions, _score_item, _Scoring

        if self._row_scoring is None:
            self._row_scoring = _Scoring(ScoreOptions(
                workers=self.options.per_worker, timeout_s=self.options.timeout_s,
                process=self.options.process,
            ))
        scoring = self._row_scoring
        with ThreadPoolExecutor(max_workers=self.options.per_worker) as pool:
            return list(pool.map(lambda item: _score_item(scoring, item), items))

    def pid(self) -> int:
        return os.getpid()

    def close(self) -> None:
        """Release this actor's math pools, sandboxes and REPLs."""
        for verifier in self._verifiers.values():
            close = getattr(verifier, "close", None)
            pool = getattr(verifier, "pool", None)
            sandbox = getattr(verifier, "sandbox", None)
            for release in (close, getattr(pool, "close", None),
                            getattr(getattr(sandbox, "_pool", None), "close", None)):
                if callable(release):
                    # closing is best effort; the process is going away
                    with contextlib.suppress(Exception):
                        release()
        self._verifiers.clear()
        if self._row_scoring is not None:
            self._row_scoring.close()
            self._row_scoring = None


_REMOTE_CLASSES: dict[float, Any] = {}


def _remote_actor_class(num_cpus: float) -> Any:
    if num_cpus not in _REMOTE_CLASSES:
        _REMOTE_CLASSES[num_cpus] = _ray().remote(num_cpus=num_cpus)(VerifierActor)
    return _REMOTE_CLASSES[num_cpus]


class RayScorer:
    """A pool of `num_actors` Ray verifier actors; `score` may be called many times.

    `address` is as in `connect` (default: the Ray this process is attached to, else Ray's own
    discovery, else a new local instance); the scorer shuts Ray down on `close` only if it
    started it. `num_actors` defaults to the cluster's CPUs / `num_cpus_per_actor`. Each actor's
    math and sandbox pools have `per_actor` slots. `verifiers` maps a family to the factory
    its actors build instead of the `BATCH_VERIFIERS` default (an `ActorVerifier` carries an
    environment's verifier settings). Use as a context manager or call `close`.
    """

    def __init__(
        self,
        num_actors: int | None = None,
        address: str | None = None,
        *,
        timeout_s: float = 3.0,
        process: bool = True,
        per_actor: int = 1,
        num_cpus_per_actor: float = 1.0,
        chunks_per_actor: int = 4,
        inflight_per_actor: int = 2,
        preload: Sequence[str] = (),
        runtime_env: Mapping[str, Any] | None = None,
        verifiers: Mapping[str, VerifierFactory] | None = None,
    ) -> None:
        if num_actors is not None and num_actors < 1:
            raise ConfigurationError(f"num_actors must be at least 1, got {num_actors}")
        if per_actor < 1 or chunks_per_actor < 1 or inflight_per_actor < 1:
            raise ConfigurationError(
                "per_actor, chunks_per_actor and inflight_per_actor must be at least 1"
            )
        if num_cpus_per_actor <= 0:
            raise ConfigurationError("num_cpus_per_actor must be positive")
        self.options = BatchOptions(timeout_s=timeout_s, process=process, per_worker=per_actor)
        self.chunks_per_actor = chunks_per_actor
        self.inflight_per_actor = inflight_per_actor
        self.preload = tuple(preload)
        self.verifiers = dict(verifiers or {})
        self.replaced = 0
        self._ray = _ray()
        self._started = connect(address, runtime_env=runtime_env)
        if num_actors is None:
            cpus = float(self._ray.cluster_resources().get("CPU", 1.0))
            num_actors = max(1, min(256, int(cpus // num_cpus_per_actor)))
        self.num_actors = num_actors
        self._cls = _remote_actor_class(num_cpus_per_actor)
        self._actors: list[Any] = [self._new_actor() for _ in range(num_actors)]
        self._closed = False

    @property
    def actors(self) -> list[Any]:
        """The live actor handles (one per slot; a replaced actor's slot holds the new one)."""
        return list(self._actors)

    def _new_actor(self) -> Any:
        return self._cls.remote(self.options, self.preload, self.verifiers)

    def _replace(self, slot: int) -> None:
        with contextlib.suppress(Exception):  # already gone
            self._ray.kill(self._actors[slot], no_restart=True)
        self._actors[slot] = self._new_actor()
        self.replaced += 1

    def pids(self) -> list[int]:
        """The process id of each actor (starts them all now)."""
        return [int(p) for p in self._ray.get([a.pid.remote() for a in self._actors])]

    def _dispatch(
        self,
        chunks: Sequence[Sequence[Any]],
        method: str,
        on_failure: Callable[[Sequence[Any], str], list[Any]],
    ) -> list[list[Any]]:
        """Run `method` on every chunk over the actors; one result list per chunk, in order."""
        return list(self._dispatch_in_order(chunks, method, on_failure))

    def _dispatch_in_order(
        self,
        chunks: Sequence[Sequence[Any]],
        method: str,
        on_failure: Callable[[Sequence[Any], str], list[Any]],
    ) -> Iterator[list[Any]]:
        """`_dispatch`, yielding each chunk's results as soon as it and every earlier chunk
        are done (so a caller can write them while later chunks still run)."""
        finished: dict[int, list[Any]] = {}
        next_index = 0
        for index, results in self._dispatch_as_done(chunks, method, on_failure):
            finished[index] = results
            while next_index in finished:
                yield finished.pop(next_index)
                next_index += 1

    def _dispatch_as_done(
        self,
        chunks: Sequence[Sequence[Any]],
        method: str,
        on_failure: Callable[[Sequence[Any], str], list[Any]],
    ) -> Iterator[tuple[int, list[Any]]]:
        """Run `method` on every chunk over the actors; ``(chunk index, results)`` as each
        chunk finishes (an idle actor takes the next chunk)."""
        ray = self._ray
        from ray.exceptions import RayActorError, RayError

        if self._closed:
            raise ConfigurationError("this RayScorer is closed")
        pending = deque(range(len(chunks)))
        inflight: dict[Any, tuple[int, int, Any]] = {}

        def submit(slot: int) -> None:
            index = pending.popleft()
            actor = self._actors[slot]
            inflight[getattr(actor, method).remote(chunks[index])] = (index, slot, actor)

        for _ in range(self.inflight_per_actor):
            for slot in range(len(self._actors)):
                if pending:
                    submit(slot)
        while inflight:
            ready, _ = ray.wait(list(inflight), num_returns=1)
            ref = ready[0]
            index, slot, actor = inflight.pop(ref)
            try:
                results = list(ray.get(ref))
            except RayActorError as exc:
                results = on_failure(chunks[index], f"a verifier actor died: {_first(exc)}")
                if self._actors[slot] is actor:
                    self._replace(slot)
            except RayError as exc:  # the method raised, or its result was lost: keep the actor
                results = on_failure(chunks[index], f"verifier actor failed: {_first(exc)}")
            if pending:
                submit(slot)
            yield index, results

    def _chunk(self, items: Sequence[Any]) -> list[Sequence[Any]]:
        size = max(1, -(-len(items) // (len(self._actors) * self.chunks_per_actor)))
        return [items[i:i + size] for i in range(0, len(items), size)]

    def score(self, tasks: Sequence[Task], responses: Sequence[str]) -> list[Verdict]:
        """One verdict per (task, response), in input order."""
        return list(self.score_iter(tasks, responses))

    def score_iter(self, tasks: Sequence[Task], responses: Sequence[str]) -> Iterator[Verdict]:
        """`score`, yielding verdicts in input order as soon as they are known, so a caller can
        write each result while the actors work on later chunks."""
        rows = _prepare_rows(tasks, responses)
        if not rows:
            return

        def failed(chunk: Sequence[Any], message: str) -> list[Any]:
            failure = Verdict.infrastructure_failure(message).to_dict()
            return [(index, failure) for index, _, _ in chunk]

        for results in self._dispatch_in_order(self._chunk(rows), "score_tasks", failed):
            for _, result in results:
                if isinstance(result, _RowError):
                    raise ConfigurationError(f"row {result.index}: {result.message}")
                yield Verdict.from_dict(result)

    def score_rows(self, items: Sequence[tuple[int, Any]]) -> list[dict[str, Any]]:
        """Score numbered ``rlvr score`` input rows on the actors; output rows in order."""
        from rlvr_gym.scoring import infrastructure_failure_rows

        if not items:
            return []
        out: list[dict[str, Any]] = []
        for results in self._dispatch(self._chunk(items), "score_rows",
                                      infrastructure_failure_rows):
            out.extend(results)
        return out

    def close(self) -> None:
        """Close every actor's pools, end the actors, and stop Ray if this scorer started it."""
        if self._closed:
            return
        self._closed = True
        ray = self._ray
        with contextlib.suppress(Exception):  # a dead actor has nothing left to close
            ray.wait([a.close.remote() for a in self._actors], num_returns=len(self._actors),
                     timeout=30)
        for actor in self._actors:
            with contextlib.suppress(Exception):
                ray.kill(actor, no_restart=True)
        self._actors = []
        if self._started:
            ray.shutdown()

    def __enter__(self) -> RayScorer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _first(exc: BaseException) -> str:
    """The first line of a Ray error (they carry whole remote tracebacks)."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:500]


def score_file_ray(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    address: str | None = None,
    num_actors: int | None = None,
    timeout_s: float = 3.0,
    process: bool = False,
    progress: bool = False,
    per_actor: int = 1,
    preload: Iterable[str] = (),
) -> ScoreSummary:
    """`rlvr_gym.scoring.score_file` on Ray verifier actors: same rows, same order, same output
    file and summary (a run may be resumed with or without Ray)."""
    from rlvr_gym.scoring import score_file_with

    @contextlib.contextmanager
    def on_actors() -> Iterator[tuple[Callable[[list[tuple[int, Any]]], list[dict[str, Any]]],
                                      int]]:
        with RayScorer(num_actors, address, timeout_s=timeout_s, process=process,
                       per_actor=per_actor, preload=tuple(preload)) as scorer:
            yield scorer.score_rows, scorer.num_actors * scorer.chunks_per_actor * 8 * per_actor

    return score_file_with(path, out, on_actors, timeout_s=timeout_s, process=process,
                           progress=progress)

