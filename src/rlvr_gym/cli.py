"""The ``rlvr`` command: ``eval`` a policy, ``score`` a file of responses, list and add ``tasks``,
``plot`` a training log or an evaluation.

Our errors (`rlvr_gym.RlvrError`) print one ``error: ...`` line on stderr and exit with their
``exit_code`` (2 for configuration mistakes, 1 for infrastructure failures); argparse usage
errors exit 2, and so do paths that cannot be used (missing, a directory, no permission); an
interrupted run exits 130 and resumes when rerun. See docs/cli.md.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, Literal

from rlvr_gym.core.errors import ConfigurationError, RlvrError

DEFAULT_ENV_ID = "rlvr/Math-v0"
DEFAULT_POLICY = "reference"
DEFAULT_TASKS = 20
DEFAULT_SAMPLES = 4
DEFAULT_OUT = "rlvr-eval.jsonl"
MAX_WORKERS = 1024  # threads, processes or actors: more cannot help and may exhaust the machine
MAX_TIMEOUT_S = 3600.0  # one check; longer limits overflow the timers below them
# errors of a path the user named: a configuration mistake (exit 2), not an infrastructure one
_PATH_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR, errno.EACCES, errno.EPERM,
                          errno.ENAMETOOLONG, errno.ELOOP, errno.EROFS, errno.EEXIST})


def _parse_env_kwargs(items: Sequence[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value is read as JSON when it parses (``4``, ``true``,
    ``{"level": 2}``) and as text otherwise (``mode=steps``)."""
    kwargs: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(
                f"--env-kwarg {item!r} must look like key=value (e.g. --env-kwarg mode=steps)"
            )
        try:
            value: Any = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        kwargs[key.strip()] = value
    return kwargs


def _input_file(path: str, what: str, *, utf8: bool = False) -> str:
    """`path` when it is a readable regular file (with `utf8`, of UTF-8 text); a
    ConfigurationError naming `what` and the path otherwise."""
    full = os.path.expanduser(path)
    if not os.path.exists(full):
        raise ConfigurationError(f"{what} {path}: file not found; check the path")
    if os.path.isdir(full):
        raise ConfigurationError(f"{what} {path} is a directory; give a file")
    if not os.path.isfile(full):  # a pipe or device: read twice, or never ending
        raise ConfigurationError(f"{what} {path} is not a regular file; save it to a file first")
    try:
        with open(full, "rb") as handle:
            for number, line in enumerate(handle if utf8 else [handle.read(1)], 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ConfigurationError(
                        f"{what} {path}, line {number}: not valid UTF-8 (byte {exc.start + 1} "
                        "of the line); save the file as UTF-8"
                    ) from exc
    except OSError as exc:
        raise ConfigurationError(
            f"{what} {path} cannot be read ({exc.strerror or type(exc).__name__}); check its "
            "permissions"
        ) from exc
    return path


def _check_workers(workers: int | None, flag: str = "--workers") -> None:
    """Refuse a worker count below 1 or above `MAX_WORKERS`."""
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ConfigurationError(f"{flag} must be between 1 and {MAX_WORKERS}, got {workers}")


def _check_timeout(timeout_s: float) -> None:
    """Refuse a check time limit that is not a positive, finite number of at most an hour."""
    if not math.isfinite(timeout_s) or not 0 < timeout_s <= MAX_TIMEOUT_S:
        raise ConfigurationError(
            f"--timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT_S:g}, "
            f"got {timeout_s}"
        )


def _cmd_eval(args: argparse.Namespace) -> int:
    from rlvr_gym.evaluation.policies import load_policy
    from rlvr_gym.evaluation.runner import evaluate

    _check_workers(args.workers)

    policy = load_policy(
        args.policy, base_url=args.base_url, api_key=args.api_key,
        temperature=args.temperature, max_tokens=args.max_tokens,
    )
    progress: bool | Literal["always"] = "always" if args.progress else not args.no_progress
    summary = evaluate(
        args.env_id, policy, n=args.n, samples=args.samples, out=args.out, seed=args.seed,
        env_kwargs=_parse_env_kwargs(args.env_kwarg),
        progress=progress, ray_address=args.ray, workers=args.workers,
    )
    print(summary.format())
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from rlvr_gym.scoring import score_file

    _check_workers(args.workers)
    _check_workers(args.per_worker, "--per-worker")
    _check_timeout(args.timeout)
    _input_file(args.file, "FILE", utf8=True)
    if args.per_worker is not None and args.ray is None and not args.processes:
        raise ConfigurationError(
            "--per-worker sizes the pools of each worker process or Ray actor; give it with "
            "--processes or --ray ADDRESS"
        )
    per_worker = 1 if args.per_worker is None else args.per_worker
    if args.ray is not None:
        from rlvr_gym.integrations.ray import score_file_ray

        summary = score_file_ray(
            args.file, args.out, address=args.ray, num_actors=args.workers,
            timeout_s=args.timeout, process=args.process, progress=not args.no_progress,
            per_actor=per_worker,
        )
    elif args.processes:
        from rlvr_gym.integrations.batch import score_file_processes

        summary = score_file_processes(
            args.file, args.out, workers=args.workers, per_worker=per_worker,
            timeout_s=args.timeout, process=args.process, progress=not args.no_progress,
        )
    else:
        summary = score_file(
            args.file, args.out, workers=args.workers, timeout_s=args.timeout,
            process=args.process, progress=not args.no_progress,
        )
    print(f"wrote {summary.count} scored rows to {args.out}")
    print(summary.line())
    return 0


def _cmd_tasks_list(args: argparse.Namespace) -> int:
    from rlvr_gym.core.registry import registered_ids, remembered_files, spec

    ids = registered_ids()
    rows = [(i, spec(i).family, spec(i).description) for i in ids]
    for id, item in sorted(remembered_files().items()):
        if id not in ids:
            rows.append((id, str(item.get("family", "math")),
                         f"missing file {item.get('path')} (rlvr tasks remove {id})"))
    width = max(len(r[0]) for r in rows) if rows else 0
    for id, family, description in rows:
        print(f"{id:<{width}}  {family:<5}  {description}".rstrip())
    return 0


def _cmd_tasks_add(args: argparse.Namespace) -> int:
    from rlvr_gym.core.registry import make, register_file

    found = register_file(
        args.id, _input_file(args.file, "FILE"), family="math", format=args.format,
        persist=True, description=args.description or "",
    )
    env = make(found.id)
    try:
        size = len(env.unwrapped.source)  # type: ignore[attr-defined]
    finally:
        env.close()
    print(f"registered {found.id}: {found.description}")
    print(f"try: rlvr eval {found.id} --policy reference -n {min(5, size)}")
    return 0


def _cmd_tasks_remove(args: argparse.Namespace) -> int:
    from rlvr_gym.core.registry import unregister_file

    unregister_file(args.id)
    print(f"removed {args.id}")
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from rlvr_gym.plotting import plot_file

    if args.smooth < 1:
        raise ConfigurationError(f"--smooth must be at least 1 (steps), got {args.smooth}")
    _input_file(args.file, "LOG", utf8=True)
    if os.path.exists(args.out) and not os.path.isdir(args.out):
        raise ConfigurationError(f"--out {args.out} is a file; give a directory for the PNGs")
    kind, paths = plot_file(args.file, args.out, smooth=args.smooth)
    what = "a training log" if kind == "train" else "an evaluation"
    for path in paths:
        print(f"wrote {path}")
    print(f"plotted {args.file} as {what}: {len(paths)} picture(s) in {args.out}")
    return 0


def _usage(parser: argparse.ArgumentParser) -> int:
    """Help on stderr and a usage error (exit 2): a command that needs a subcommand got none."""
    parser.print_help(sys.stderr)
    print(f"{parser.prog}: error: choose a subcommand (see above)", file=sys.stderr)
    return 2


def _cmd_sandbox_build(args: argparse.Namespace) -> int:
    from rlvr_gym.sandboxes.image.build import build_image

    build_image(args.tag, force=args.force)
    return 0


def _cmd_sandbox_reap(args: argparse.Namespace) -> int:
    from rlvr_gym.sandboxes.reap import reap

    removed = reap(everything=args.all)
    for name in removed:
        print(f"removed {name}")
    print(f"removed {len(removed)} sandbox container(s)")
    return 0


def _cmd_sandbox_check(args: argparse.Namespace) -> int:
    """Start a one-container pool and run a program in it: proves the engine, the image and the
    runtime (gVisor's runsc registered is not runsc able to boot here) before a long job."""
    from rlvr_gym.core.errors import SandboxError
    from rlvr_gym.sandboxes import DockerSandboxPool

    with DockerSandboxPool(args.tag, size=1, runtime=args.runtime) as pool:
        pool.wait_until_warm()
        result = pool.run(["python3", "-c", "print('ok')"])
        runtime = pool.runtime or "the engine's default runtime"
        kind = " (gVisor)" if pool.gvisor else ""
    if not result.ok or result.stdout != b"ok\n":
        raise SandboxError(
            f"a program did not run in the sandbox under {runtime}: "
            f"{result.infra_error or result.stderr.decode('utf-8', 'replace')[-500:]}"
        )
    print(f"the sandbox works: {args.tag} under {runtime}{kind}; a program ran in "
          f"{result.wall_s * 1000:.0f} ms")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``rlvr`` and its subcommands."""
    from rlvr_gym import __version__
    from rlvr_gym.sandboxes.image.build import DEFAULT_IMAGE

    parser = argparse.ArgumentParser(
        prog="rlvr", description="Verifiable problems as RL environments: evaluate and score.",
    )
    parser.add_argument("--version", action="version", version=f"rlvr-gym {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ev = commands.add_parser(
        "eval", help="run a policy on an environment's tasks; pass@k and mean rewards",
        description="Run a policy on tasks 0..n-1 of an environment and report pass@k. With "
        "no arguments: the reference policy on rlvr/Math-v0 (a self-test, no model server).",
    )
    ev.add_argument("env_id", nargs="?", default=DEFAULT_ENV_ID, metavar="ENV_ID",
                    help=f"environment id (default {DEFAULT_ENV_ID})")
    ev.add_argument("--policy", default=DEFAULT_POLICY, metavar="SPEC",
                    help="reference | file:PATH | openai:MODEL | python:MODULE:FUNCTION "
                    f"(default {DEFAULT_POLICY})")
    ev.add_argument("-n", type=int, default=DEFAULT_TASKS, metavar="N",
                    help=f"number of tasks (default {DEFAULT_TASKS})")
    ev.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, metavar="K",
                    help=f"responses per task (default {DEFAULT_SAMPLES})")
    ev.add_argument("--out", default=DEFAULT_OUT, metavar="FILE",
                    help=f"JSONL results file, resumed when rerun (default {DEFAULT_OUT})")
    ev.add_argument("--seed", type=int, default=0, help="task i is reset(seed=SEED+i)")
    ev.add_argument("--base-url", help="openai: server URL, e.g. http://localhost:8000/v1")
    ev.add_argument("--api-key", help="openai: API key (default $OPENAI_API_KEY)")
    ev.add_argument("--temperature", type=float, help="openai: sampling temperature")
    ev.add_argument("--max-tokens", type=int, help="openai: maximum tokens per response")
    ev.add_argument("--env-kwarg", action="append", default=[], metavar="KEY=VALUE",
                    help="environment option, repeatable (e.g. mode=steps, difficulty=2)")
    ev.add_argument("--ray", default=None, metavar="ADDRESS",
                    help="score on Ray verifier actors (generation stays here): a cluster "
                    "address (HOST:6379, ray://HOST:10001), 'auto' or 'local'; needs "
                    "rlvr-gym[ray]")
    ev.add_argument("--workers", type=int, default=None, metavar="N",
                    help="with --ray: the number of actors (default: one per cluster CPU)")
    shown = ev.add_mutually_exclusive_group()
    shown.add_argument("--no-progress", action="store_true", help="no progress bar")
    shown.add_argument("--progress", action="store_true",
                       help="show the progress bar even when stderr is not a terminal")
    ev.set_defaults(handler=_cmd_eval)

    sc = commands.add_parser(
        "score", help="score a JSONL file of math, code or Lean response rows",
        description="Score rows with family, answer and response; writes the rows plus "
        "score, reward and verdict. The last line printed is the summary as JSON.",
    )
    sc.add_argument("file", metavar="FILE", help="JSONL input rows")
    sc.add_argument("--out", required=True, metavar="OUT", help="JSONL output (resumable)")
    sc.add_argument("--workers", type=int, default=None, metavar="N",
                    help="parallel checks: threads, or with --processes worker processes, or "
                    "with --ray actors (default: the number of CPUs)")
    sc.add_argument("--timeout", type=float, default=3.0, metavar="S",
                    help="hard limit of each check in seconds (default 3)")
    sc.add_argument("--process", action="store_true",
                    help="also score the worked steps (slower)")
    sc.add_argument("--no-progress", action="store_true", help="no progress bar")
    executor = sc.add_mutually_exclusive_group()
    executor.add_argument("--ray", default=None, metavar="ADDRESS",
                          help="score on Ray verifier actors (--workers of them, default one "
                          "per cluster CPU): a cluster address (HOST:6379, ray://HOST:10001), "
                          "'auto' (RAY_ADDRESS or the local cluster, else a new instance) or "
                          "'local' (a new local instance); needs rlvr-gym[ray]")
    executor.add_argument("--processes", action="store_true",
                          help="score on --workers worker processes, each with its own math "
                          "pool and Docker sandbox pool")
    sc.add_argument("--per-worker", type=int, default=None, metavar="K",
                    help="with --processes or --ray: slots of each worker's math pool and "
                    "sandbox pool (default 1)")
    sc.set_defaults(handler=_cmd_score)

    pl = commands.add_parser(
        "plot", help="draw a training log or an evaluation's JSONL as PNGs (rlvr-gym[plot])",
        description="A training log (rows with step and weights, as examples/grpo_loop.py "
        "writes): reward components with the annealing weights beneath them, and the "
        "curriculum level over time. An evaluation (`rlvr eval` output): pass@k and mean "
        "reward by difficulty level. The kind is detected from the rows.",
    )
    pl.add_argument("file", metavar="LOG", help="JSONL training log or evaluation results")
    pl.add_argument("--out", required=True, metavar="DIR", help="directory for the PNGs")
    pl.add_argument("--smooth", type=int, default=10, metavar="N",
                    help="training curves: moving average over N steps (default 10)")
    pl.set_defaults(handler=_cmd_plot)

    tk = commands.add_parser("tasks", help="list, add or remove task ids",
                             description="With no subcommand: list every id.")
    tk.set_defaults(handler=_cmd_tasks_list)
    tasks = tk.add_subparsers(dest="tasks_command", metavar="SUBCOMMAND")
    tasks.add_parser("list", help="list every id with its family and description") \
        .set_defaults(handler=_cmd_tasks_list)
    add = tasks.add_parser("add", help="make a JSONL/Parquet file of problems a task id")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--id", required=True, help="the new id, e.g. rlvr/MyProblems-v0")
    add.add_argument("--format", default="auto", choices=["auto", "gsm8k", "math", "plain"],
                     help="row format (default: detected from the columns)")
    add.add_argument("--description", help="one line shown by `rlvr tasks`")
    add.set_defaults(handler=_cmd_tasks_add)
    remove = tasks.add_parser("remove", help="forget a task id added with `rlvr tasks add`")
    remove.add_argument("id", metavar="ID")
    remove.set_defaults(handler=_cmd_tasks_remove)

    sb = commands.add_parser("sandbox",
                             help="build the code sandbox image, check it, reap its containers",
                             description="The Docker sandbox of the code environments.")
    sb.set_defaults(handler=lambda _args: _usage(sb))
    sandbox = sb.add_subparsers(dest="sandbox_command", metavar="SUBCOMMAND")
    build = sandbox.add_parser(
        "build", help="build the runner image offline (debootstrap + docker import)",
        description="Build the sandbox runner image from Debian packages, with no registry; "
        "does nothing when the image is up to date. Needs root and debootstrap.",
    )
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build.add_argument("--tag", default=DEFAULT_IMAGE, help=f"image tag (default {DEFAULT_IMAGE})")
    build.set_defaults(handler=_cmd_sandbox_build)
    reap = sandbox.add_parser(
        "reap", help="remove sandbox containers left by processes that died",
        description="Remove sandbox containers whose owning process is gone; with --all, "
        "every sandbox container, including those of running pools.",
    )
    reap.add_argument("--all", action="store_true",
                      help="also remove the containers of live pools")
    reap.set_defaults(handler=_cmd_sandbox_reap)
    check = sandbox.add_parser(
        "check", help="start a sandbox container and run a program in it",
        description="Start one sandbox container and run a program in it, to prove the Docker "
        "engine, the image and the runtime work on this machine (under gVisor: that runsc can "
        "boot a sandbox here, which registering it does not show).",
    )
    check.add_argument("--runtime", default=None, metavar="NAME",
                       help="the Docker runtime, e.g. rlvr-runsc for gVisor (default: "
                       "$RLVR_SANDBOX_RUNTIME, else the engine's)")
    check.add_argument("--tag", default=DEFAULT_IMAGE, help=f"image tag (default {DEFAULT_IMAGE})")
    check.set_defaults(handler=_cmd_sandbox_check)
    return parser


def _bad_argument(argv: Sequence[str]) -> str | None:
    """Why an argument cannot be used at all (a NUL byte, text no path can hold), or None."""
    for position, arg in enumerate(argv, 1):
        if not isinstance(arg, str):
            return f"argument {position} is a {type(arg).__name__}, not text"
        if "\x00" in arg:
            return f"argument {position} ({arg[:40]!r}) holds a NUL byte"
        try:
            os.fsencode(arg)
        except UnicodeError:
            return f"argument {position} ({arg[:40]!r}) is not valid text for this system"
    return None


def _path_error(exc: OSError) -> str:
    """One line for an OSError: what failed and on which file."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{' -> '.join(names)}: {reason}" if names else reason


def _stdout_keeps_any_path(argv: Sequence[str]) -> None:
    """Let paths that are not valid UTF-8 (Python keeps their bytes as surrogates) print as
    those bytes instead of failing the print; stdout is left alone when no argument has any."""
    if not any("\udc80" <= ch <= "\udcff" for arg in argv for ch in arg):
        return
    if isinstance(sys.stdout, io.TextIOWrapper) and sys.stdout.errors == "strict":
        with contextlib.suppress(ValueError, OSError):  # a detached or closed stream
            sys.stdout.reconfigure(errors="surrogateescape")


def main(argv: list[str] | None = None) -> int:
    """Run ``rlvr`` with `argv` (default: the command line); returns the exit code."""
    parser = build_parser()
    given = sys.argv[1:] if argv is None else argv
    bad = _bad_argument(given)
    if bad is not None:
        print(f"rlvr: error: {bad}", file=sys.stderr)
        return 2
    _stdout_keeps_any_path(given)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 2
    if getattr(args, "handler", None) is None:
        parser.print_help(sys.stderr)
        print("rlvr: error: choose a command (see above)", file=sys.stderr)
        return 2
    try:
        code: int = args.handler(args)
        return code
    except RlvrError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `rlvr tasks | head`: the reader left; nothing to report
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:  # a path that cannot be used is the user's to fix (exit 2)
        print(f"error: {_path_error(exc)}", file=sys.stderr)
        return 2 if exc.errno in _PATH_ERRNOS else 1
    except KeyboardInterrupt:
        print("interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
