"""Loaders that turn local dataset files into math `Task`s: GSM8K, MATH and plain rows.

Files are JSONL (one object a line) or Parquet. The row format is detected from its columns:

- GSM8K: ``question`` and ``answer`` where the answer ends in ``#### 18`` (the worked
  solution comes before it);
- MATH: ``problem`` and ``solution`` with the final answer in the last ``\\boxed{}``; ``level``
  ("Level 3") becomes the difficulty level and ``type`` the subject;
- plain: ``prompt`` and ``answer`` (optional ``id``, ``solution``, ``level``, ``metadata``).

Every malformed row raises `TaskFileError` naming the file, the row (1-based) and the field.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.core.task import Task
from rlvr_gym.tasks.generators.base import format_prompt

FORMATS = ("auto", "gsm8k", "math", "plain")


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, row)`` from a JSONL or Parquet file; row numbers start at 1."""
    path = Path(path)
    if not path.is_file():
        raise TaskFileError("file not found; check the path", path=str(path))
    if path.suffix.lower() in (".parquet", ".pq"):
        yield from _read_parquet(path)
        return
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TaskFileError(
                    f"not valid JSON ({exc.msg} at column {exc.colno})", path=str(path), row=number
                ) from exc
            if not isinstance(row, dict):
                raise TaskFileError("each line must be a JSON object", path=str(path), row=number)
            yield number, row


def _read_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ConfigurationError(
            "reading Parquet needs pyarrow: pip install 'rlvr-gym[parquet]'"
        ) from exc
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise TaskFileError(f"cannot read Parquet: {exc}", path=str(path)) from exc
    yield from enumerate(table.to_pylist(), start=1)


def detect_format(row: Mapping[str, Any]) -> str:
    """Name the row format from its columns (see the module docstring)."""
    if "question" in row and "answer" in row:
        return "gsm8k"
    if "problem" in row and "solution" in row:
        return "math"
    if "prompt" in row and "answer" in row:
        return "plain"
    raise ConfigurationError(
        f"cannot tell the row format from its fields {sorted(row)}; expected question/answer "
        "(GSM8K), problem/solution (MATH) or prompt/answer"
    )


def _text_field(row: Mapping[str, Any], name: str, path: str, number: int) -> str:
    value = row.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise TaskFileError("must be a non-empty string", path=path, row=number, field=name)
    return value


def _row_id(path: Path, number: int, row: Mapping[str, Any]) -> str:
    if row.get("id") not in (None, ""):
        return str(row["id"])
    digest = hashlib.sha1(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()
    return f"{path.stem}/{number}-{digest[:8]}"


def _gsm8k_task(path: Path, number: int, row: Mapping[str, Any]) -> Task:
    question = _text_field(row, "question", str(path), number)
    full = _text_field(row, "answer", str(path), number)
    if "####" not in full:
        raise TaskFileError(
            "a GSM8K answer must end with '#### <number>'", path=str(path), row=number,
            field="answer",
        )
    solution, _, answer = full.rpartition("####")
    answer = answer.strip().replace(",", "")
    if not answer:
        raise TaskFileError("nothing after '####'", path=str(path), row=number, field="answer")
    return Task(
        id=_row_id(path, number, row),
        family="math",
        prompt=format_prompt(question.strip()),
        reference={"answer": answer, "solution": solution.strip()},
        metadata={"source": str(path.name), "row": number, "format": "gsm8k"},
    )


def _math_task(path: Path, number: int, row: Mapping[str, Any]) -> Task:
    from rlvr_gym.verifiers.math.extract import extract_final_answer

    problem = _text_field(row, "problem", str(path), number)
    solution = _text_field(row, "solution", str(path), number)
    answer = row.get("answer")
    if not isinstance(answer, str) or not answer.strip():
        answer = extract_final_answer(solution).answer
    if not answer:
        raise TaskFileError(
            "no \\boxed{} answer in the solution and no 'answer' field", path=str(path),
            row=number, field="solution",
        )
    difficulty: dict[str, Any] = {}
    level = str(row.get("level", "")).rsplit(" ", 1)[-1]
    if level.isdigit():
        difficulty["level"] = int(level)
    return Task(
        id=_row_id(path, number, row),
        family="math",
        prompt=format_prompt(problem.strip()),
        reference={"answer": answer.strip(), "solution": solution.strip()},
        difficulty=difficulty,
        metadata={"source": path.name, "row": number, "format": "math",
                  "subject": str(row.get("type", ""))},
    )


def _plain_task(path: Path, number: int, row: Mapping[str, Any]) -> Task:
    prompt = _text_field(row, "prompt", str(path), number)
    answer = _text_field(row, "answer", str(path), number)
    reference: dict[str, Any] = {"answer": answer.strip()}
    if isinstance(row.get("solution"), str):
        reference["solution"] = row["solution"]
    difficulty: dict[str, Any] = {}
    if row.get("level") is not None:
        try:
            difficulty["level"] = int(row["level"])
        except (TypeError, ValueError) as exc:
            raise TaskFileError(
                "must be an integer level", path=str(path), row=number, field="level"
            ) from exc
    metadata = row.get("metadata") or {}
    if not isinstance(metadata, Mapping):
        raise TaskFileError("must be an object", path=str(path), row=number, field="metadata")
    return Task(
        id=_row_id(path, number, row),
        family="math",
        prompt=prompt,
        reference=reference,
        difficulty=difficulty,
        metadata={"source": path.name, "row": number, "format": "plain", **metadata},
    )


_BUILDERS = {"gsm8k": _gsm8k_task, "math": _math_task, "plain": _plain_task}


def load_math_tasks(
    path: str | Path, *, format: str = "auto", limit: int | None = None
) -> list[Task]:
    """Load a local JSONL or Parquet file of math problems into Tasks (see module docstring)."""
    if format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, got {format!r}")
    path = Path(path)
    tasks: list[Task] = []
    for number, row in read_rows(path):
        fmt = format
        if fmt == "auto":
            try:
                fmt = detect_format(row)
            except ConfigurationError as exc:
                raise TaskFileError(str(exc), path=str(path), row=number) from exc
        tasks.append(_BUILDERS[fmt](path, number, row))
        if limit is not None and len(tasks) >= limit:
            break
    if not tasks:
        raise TaskFileError("the file holds no rows", path=str(path))
    return tasks
