"""Loaders that turn formal theorem sets (a Lean 4 statement per row) into lean `Task`s.

Files are JSONL or Parquet (read by `rlvr_gym.tasks.datasets.read_rows`); the format is detected
from a row's fields:

- ``minif2f`` (miniF2F as DeepSeek-Prover ships it, and our ``data/lean_core_theorems.jsonl``):
  ``name``, ``formal_statement``, ``header``, ``informal_prefix`` (a doc comment), ``split``;
  optionally ``proof``;
- ``workbook`` (Lean Workbook): ``formal_statement``, ``natural_language_statement``, ``id``,
  ``proof`` (a string or a list of proofs, each the proof alone or the whole theorem);
- ``plain`` (what ``rlvr score`` reads): ``theorem``, optional ``header``, ``solution``/``proof``.

Every task's reference is ``{"theorem": STATEMENT, "header": HEADER, "solution": PROOF_OR_NONE}``:
the statement ends in ``:=`` (a trailing ``by`` or ``by sorry`` in the file is removed) and the
solution is what follows ``:=`` (``by`` and tactics, or a term). A row without a ``header`` gets
`MATHLIB_HEADER` in the miniF2F and Lean Workbook formats, whose theorems are stated over Mathlib,
and no header in the plain format; the `header` argument overrides both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.core.task import Task
from rlvr_gym.tasks.datasets import DataRow, check_limit, dataset_path, describe, read_rows

FORMATS = ("auto", "minif2f", "workbook", "plain")
MODES = ("whole", "tactic")
CORE_DATASET = "lean_core_theorems.jsonl"

# The header DeepSeek-Prover's miniF2F and the Lean Workbook provers elaborate their theorems in.
MATHLIB_HEADER = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\n"
    "open BigOperators Real Nat Topology Rat\n"
)

WHOLE_INSTRUCTIONS = (
    "Prove the following Lean 4 theorem. Answer with the proof that follows `:=` (a `by` block "
    "of tactics, or a term) in one ```lean4 block. Do not restate the theorem and do not use "
    "`sorry`."
)
TACTIC_INSTRUCTIONS = (
    "Prove the following Lean 4 theorem one tactic at a time. Each message you send is one "
    "tactic (for example `intro h`, `simp` or `omega`); Lean answers with its error, if any, "
    "and the goals that remain. Send `give up` to stop."
)

# A named declaration: the verifier checks the theorem's axioms by its name.
_DECLARATION = re.compile(r"\b(?:theorem|lemma)\s+[^\s(:{\[]")
_DOC_COMMENT = re.compile(r"^\s*/--?(.*?)-/\s*$", re.DOTALL)


def bundled_core_path() -> Path:
    """The core-Lean theorems shipped with the package (``rlvr/LeanCore-v0``)."""
    return Path(str(resources.files("rlvr_gym") / "data" / CORE_DATASET))


def normalise_statement(text: str) -> str | None:
    """The statement ending in ``:=``, with a trailing ``by`` or ``by sorry`` removed; None when
    the text is not a named ``theorem``/``lemma`` declaration that ends so."""
    statement = _without_last_word(_without_last_word(text.strip(), "sorry"), "by")
    if not statement.endswith(":=") or not _DECLARATION.search(statement):
        return None
    return statement


def _without_last_word(text: str, word: str) -> str:
    """`text` without a final whole `word` and the whitespace before it (linear time: the
    regular expression this replaces backtracked quadratically on long runs of spaces)."""
    if not text.endswith(word):
        return text
    head = text[: len(text) - len(word)]
    if head and (head[-1].isalnum() or head[-1] == "_"):
        return text  # the word is the end of a longer one (`nosorry`)
    return head.rstrip()


def lean_prompt(statement: str, header: str = "", *, mode: str = "whole",
                informal: str = "") -> str:
    """The prompt a policy sees: how to answer, the informal statement if any, then the code."""
    if not isinstance(mode, str) or mode not in MODES:
        raise ConfigurationError(f"mode must be one of {MODES}, got {mode!r:.80}")
    head = WHOLE_INSTRUCTIONS if mode == "whole" else TACTIC_INSTRUCTIONS
    code = f"{header.strip()}\n\n{statement}" if header.strip() else statement
    if mode == "tactic":
        code += " by"
    about = f"{informal.strip()}\n\n" if informal.strip() else ""
    return f"{head}\n\n{about}```lean4\n{code}\n```\n"


def lean_task(
    id: str,
    theorem: str,
    header: str = "",
    solution: str | None = None,
    *,
    mode: str = "whole",
    informal: str = "",
    metadata: Mapping[str, Any] | None = None,
) -> Task:
    """A lean Task from a statement ending in ``:=`` (raises ConfigurationError otherwise)."""
    if not isinstance(theorem, str):
        raise ConfigurationError(f"the theorem must be a string, got {describe(theorem)}")
    if not isinstance(header, str):
        raise ConfigurationError(f"the header must be a string, got {describe(header)}")
    statement = normalise_statement(theorem)
    if statement is None:
        raise ConfigurationError(
            "must be a named Lean theorem statement ending in ':=' (a trailing 'by' or "
            "'by sorry' is allowed), e.g. 'theorem t (n : Nat) : n + 0 = n :='"
        )
    return Task(
        id=id,
        family="lean",
        prompt=lean_prompt(statement, header, mode=mode, informal=informal),
        reference={"theorem": statement, "header": header, "solution": solution},
        metadata={"mode": mode, **(metadata or {})},
    )


def detect_lean_format(row: Mapping[str, Any]) -> str:
    """Name the row format from its fields (see the module docstring)."""
    if "formal_statement" in row and "natural_language_statement" in row:
        return "workbook"
    if "formal_statement" in row:
        return "minif2f"
    if "theorem" in row:
        return "plain"
    raise ConfigurationError(
        f"cannot tell the Lean dataset format from the fields {sorted(row)[:12]}; expected "
        "name/formal_statement/header (miniF2F), formal_statement/natural_language_statement "
        "(Lean Workbook) or theorem/header (plain)"
    )


def _statement(row: DataRow, field: str) -> str:
    text = row.optional_text(field)
    if text is None or not text.strip():
        raise row.error("must be a non-empty string (the Lean theorem statement)", field)
    statement = normalise_statement(text)
    if statement is None:
        raise row.error(
            "must be a named Lean theorem statement ending in ':=' (a trailing 'by' or "
            "'by sorry' is allowed)", field)
    return statement


def _informal(text: str | None) -> str:
    if not text:
        return ""
    doc = _DOC_COMMENT.match(text)
    return (doc.group(1) if doc else text).strip()


def proof_after_statement(proof: str, statement: str) -> str:
    """The part of `proof` after ``:=`` when it restates the theorem; else `proof` unchanged.

    A restated theorem is recognised by its declaration keyword; the proof starts after as many
    ``:=`` as the statement holds (default arguments may hold their own)."""
    text = proof.strip()
    if not _DECLARATION.match(text):
        return text
    parts = text.split(":=", statement.count(":="))
    return parts[-1].strip() if len(parts) > statement.count(":=") else text


def _solution(row: DataRow, statement: str, fields: tuple[str, ...]) -> str | None:
    for field in fields:
        value = row.data.get(field)
        if value is None:
            continue
        if isinstance(value, str):
            candidates = [value]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            candidates = list(value)
        else:
            raise row.error("must be a string or a list of strings (reference proofs)", field)
        for candidate in candidates:
            proof = proof_after_statement(candidate, statement)
            if proof:
                return proof
    return None


def _header(row: DataRow, default: str, override: str | None) -> str:
    if override is not None:
        return override
    value = row.optional_text("header")
    return default if value is None else value


def _minif2f_task(row: DataRow, mode: str, header: str | None) -> Task:
    statement = _statement(row, "formal_statement")
    informal = _informal(row.optional_text("informal_prefix")
                         or row.optional_text("informal_statement"))
    metadata: dict[str, Any] = {"source": row.path.name, "row": row.number, "format": "minif2f"}
    if row.data.get("split") not in (None, ""):
        metadata["split"] = str(row.data["split"])
    if row.data.get("source") not in (None, ""):
        metadata["origin"] = str(row.data["source"])
    return lean_task(
        row.id("name", "id"), statement, _header(row, MATHLIB_HEADER, header),
        _solution(row, statement, ("proof", "formal_proof", "solution")),
        mode=mode, informal=informal, metadata=metadata,
    )


def _workbook_task(row: DataRow, mode: str, header: str | None) -> Task:
    statement = _statement(row, "formal_statement")
    metadata: dict[str, Any] = {"source": row.path.name, "row": row.number, "format": "workbook"}
    for key in ("split", "status", "answer"):
        if row.data.get(key) not in (None, ""):
            metadata[key] = row.data[key]
    return lean_task(
        row.id("id", "name"), statement, _header(row, MATHLIB_HEADER, header),
        _solution(row, statement, ("proof", "formal_proof", "solution")),
        mode=mode, informal=_informal(row.optional_text("natural_language_statement")),
        metadata=metadata,
    )


def _plain_task(row: DataRow, mode: str, header: str | None) -> Task:
    statement = _statement(row, "theorem")
    return lean_task(
        row.id("id", "name"), statement, _header(row, "", header),
        _solution(row, statement, ("solution", "proof")),
        mode=mode, informal=_informal(row.optional_text("informal")),
        metadata={"source": row.path.name, "row": row.number, "format": "plain"},
    )


def load_lean_tasks(
    path: str | Path,
    *,
    format: str = "auto",
    mode: str = "whole",
    header: str | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Load a JSONL or Parquet file of Lean theorems into Tasks (see the module docstring).

    `mode` (``"whole"`` or ``"tactic"``) chooses the prompt's instructions; `header` replaces
    every row's header (e.g. ``""`` for core-only statements). Errors name the file, row and field.
    """
    if not isinstance(format, str) or format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, got {format!r:.80}")
    if not isinstance(mode, str) or mode not in MODES:
        raise ConfigurationError(f"mode must be one of {MODES}, got {mode!r:.80}")
    if header is not None and not isinstance(header, str):
        raise ConfigurationError(
            f"header must be None or the import lines as a string, got {header!r:.80}"
        )
    limit = check_limit(limit)
    path = dataset_path(path)
    builders: dict[str, Callable[[DataRow, str, str | None], Task]] = {
        "minif2f": _minif2f_task, "workbook": _workbook_task, "plain": _plain_task,
    }
    tasks: list[Task] = []
    seen: dict[str, int] = {}
    for number, data in read_rows(path):
        row = DataRow(path, number, data)
        fmt = format
        if fmt == "auto":
            try:
                fmt = detect_lean_format(data)
            except ConfigurationError as exc:
                raise row.error(str(exc)) from exc
        task = builders[fmt](row, mode, header)
        if task.id in seen:
            raise row.error(f"repeats the id of row {seen[task.id]}; ids must be unique",
                            "name" if fmt == "minif2f" else "id")
        seen[task.id] = number
        tasks.append(task)
        if limit is not None and len(tasks) >= limit:
            break
    if not tasks:
        raise TaskFileError("the file holds no rows", path=str(path))
    return tasks


def load_core_lean_tasks(mode: str = "whole") -> list[Task]:
    """The bundled theorems that need only Lean's core library (no Mathlib)."""
    return load_lean_tasks(bundled_core_path(), format="minif2f", mode=mode)
