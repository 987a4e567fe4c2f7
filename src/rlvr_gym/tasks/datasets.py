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
import math
import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.core.task import Task
from rlvr_gym.tasks.generators.base import format_prompt

FORMATS = ("auto", "gsm8k", "math", "plain")


def dataset_path(path: object) -> Path:
    """`path` as a `Path`; anything that is not a path gets a ConfigurationError saying so."""
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)):
        raise ConfigurationError(
            f"a dataset path must be a string or a path, got {type(path).__name__} {path!r:.80}"
        )
    if not str(path).strip() or "\0" in str(path):
        raise ConfigurationError(f"a dataset path must name a file, got {str(path)!r:.80}")
    return Path(path)


def check_limit(limit: object) -> int | None:
    """`limit` when it is None or a positive integer; a ConfigurationError otherwise."""
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigurationError(f"limit must be None or a positive integer, got {limit!r:.80}")
    return limit


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(row_number, row)`` from a JSONL or Parquet file; row numbers start at 1.

    Whatever the bytes, this yields rows or raises `TaskFileError` naming the file and the row:
    invalid UTF-8, bad JSON, nesting too deep, integers too long, lone surrogates, non-objects.
    """
    path = dataset_path(path)
    if not path.is_file():
        raise TaskFileError("file not found; check the path", path=str(path))
    if path.suffix.lower() in (".parquet", ".pq"):
        yield from _read_parquet(path)
        return
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise TaskFileError(
            f"cannot read the file ({exc.strerror or exc})", path=str(path)
        ) from exc
    with handle:
        number = 0
        for raw in handle:
            try:
                text = raw.decode("utf-8-sig" if number == 0 else "utf-8")
            except UnicodeDecodeError as exc:
                raise TaskFileError(
                    f"not valid UTF-8 (byte {exc.start + 1} of the line); save the file as UTF-8",
                    path=str(path), row=number + 1,
                ) from exc
            for line in split_lines(text):
                number += 1
                if line.strip():
                    yield number, _parse_line(line, str(path), number)


_LINE_BREAK = re.compile(r"\r(?!\n)|\r?\n")


def split_lines(text: str) -> list[str]:
    """The lines of `text` (one ``\n``-ended line of a file, or more): lines end at ``\n``,
    ``\r\n`` or a lone ``\r``, as in Python's text mode, so every reader of a file counts its
    rows alike."""
    return _LINE_BREAK.split(text.rstrip("\r\n"))


def _parse_line(line: str, path: str, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise TaskFileError(
            f"not valid JSON ({exc.msg} at column {exc.colno})", path=path, row=number
        ) from exc
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        raise TaskFileError(f"not readable JSON ({exc})", path=path, row=number) from exc
    if not isinstance(row, dict):
        raise TaskFileError(
            f"each line must be a JSON object, got {_json_type(row)}", path=path, row=number
        )
    check_row_text(row, path, number)
    return row


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             type(None): "null", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def check_row_text(row: Mapping[str, Any], path: str, number: int) -> None:
    """Raise `TaskFileError` naming the field when a row holds text that is not valid Unicode
    (a lone surrogate such as ``"\\ud800"``), which no file or model server can carry."""
    for key, value in row.items():
        if not _encodable(key) or not _encodable(value):
            raise TaskFileError(
                "holds a lone surrogate escape (\\ud800-\\udfff), which is not valid Unicode; "
                "fix the escape or drop the character",
                path=path, row=number, field=key.encode("utf-8", "backslashreplace").decode(),
            )


def _encodable(value: object, depth: int = 0) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if depth > 100:
        return True
    if isinstance(value, Mapping):
        return all(_encodable(k, depth + 1) and _encodable(v, depth + 1)
                   for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_encodable(v, depth + 1) for v in value)
    return True


def _read_parquet(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise ConfigurationError(
            "reading Parquet needs pyarrow: pip install 'rlvr-gym[parquet]'"
        ) from exc
    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises several types for a corrupt file
        raise TaskFileError(f"cannot read Parquet: {exc}", path=str(path)) from exc
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise TaskFileError("each row must be a record", path=str(path), row=number)
        check_row_text(row, str(path), number)
        yield number, row


def detect_format(row: Mapping[str, Any]) -> str:
    """Name the row format from its columns (see the module docstring)."""
    if "question" in row and "answer" in row:
        return "gsm8k"
    if "problem" in row and "solution" in row:
        return "math"
    if "prompt" in row and "answer" in row:
        return "plain"
    raise ConfigurationError(
        f"cannot tell the row format from its fields {sorted(row)[:12]}; expected question/answer "
        "(GSM8K), problem/solution (MATH) or prompt/answer"
    )


def _text_field(row: Mapping[str, Any], name: str, path: str, number: int) -> str:
    value = row.get(name)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise TaskFileError(f"must be a non-empty string or a finite number, got {value}",
                                path=path, row=number, field=name)
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise TaskFileError(
            f"must be a non-empty string, got {describe(value)}", path=path, row=number,
            field=name,
        )
    return value


def describe(value: object) -> str:
    """A short description of a bad value for an error message (its type and its start)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else f"the string {value[:40]!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**40:
        return "a very long integer"
    if isinstance(value, (bool, int, float)):
        return repr(value)
    return type(value).__name__


def row_id(value: object, path: str, number: int, field: str) -> str | None:
    """A row's own id (a string or an integer), None when absent; other types are refused."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TaskFileError(f"must be a string or an integer id, got {describe(value)}",
                            path=path, row=number, field=field)
    return str(value)


class DataRow:
    """One row of a dataset file being read: typed field access whose errors name the file,
    the row and the field (shared by the code and Lean loaders)."""

    def __init__(self, path: Path, number: int, data: Mapping[str, Any]) -> None:
        self.path, self.number, self.data = path, number, data

    def error(self, message: str, field: str | None = None) -> TaskFileError:
        return TaskFileError(message, path=str(self.path), row=self.number, field=field)

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.data.get(name)
        if isinstance(value, str) and (value.strip() or not required):
            return value
        if value is None and not required:
            return ""
        raise self.error(f"must be a non-empty string, got {describe(value)}", name)

    def optional_text(self, name: str) -> str | None:
        """The field's text, None when absent or null; another type is an error."""
        value = self.data.get(name)
        if value is None or isinstance(value, str):
            return value
        raise self.error(f"must be a string, got {describe(value)}", name)

    def strings(self, name: str) -> list[str]:
        """A list of strings (empty when the field is absent or null)."""
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise self.error(f"must be a list of strings, got {describe(value)}", name)
        return list(value)

    def id(self, *names: str) -> str:
        for name in names:
            found = row_id(self.data.get(name), str(self.path), self.number, name)
            if found is not None:
                return found
        return f"{self.path.stem}/{self.number}"


def _row_id(path: Path, number: int, row: Mapping[str, Any]) -> str:
    given = row_id(row.get("id"), str(path), number, "id")
    if given is not None:
        return given
    digest = hashlib.sha1(
        json.dumps(row, sort_keys=True, default=str).encode("utf-8", "surrogatepass")
    ).hexdigest()
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
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        answer = extract_final_answer(solution).answer
    else:
        answer = _text_field(row, "answer", str(path), number)
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
    solution = row.get("solution")
    if solution is not None:
        if not isinstance(solution, str):
            raise TaskFileError(f"must be a string (a worked solution), got {describe(solution)}",
                                path=str(path), row=number, field="solution")
        reference["solution"] = solution
    difficulty: dict[str, Any] = {}
    level = row.get("level")
    if level is not None:
        difficulty["level"] = _level(level, str(path), number)
    metadata = row.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        raise TaskFileError(f"must be an object, got {describe(metadata)}", path=str(path),
                            row=number, field="metadata")
    return Task(
        id=_row_id(path, number, row),
        family="math",
        prompt=prompt,
        reference=reference,
        difficulty=difficulty,
        metadata={"source": path.name, "row": number, "format": "plain", **metadata},
    )


def _level(value: object, path: str, number: int) -> int:
    """A plain row's ``level``: an integer, or a float or digit string holding one."""
    level: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        level = value
    elif isinstance(value, float) and value.is_integer():
        level = int(value)
    elif isinstance(value, str) and len(value) < 20:
        try:
            level = int(value)
        except ValueError:
            level = None
    if level is None or abs(level) > 10**9:
        raise TaskFileError(f"must be an integer level, got {describe(value)}", path=path,
                            row=number, field="level")
    return level


_BUILDERS = {"gsm8k": _gsm8k_task, "math": _math_task, "plain": _plain_task}


def load_math_tasks(
    path: str | Path, *, format: str = "auto", limit: int | None = None
) -> list[Task]:
    """Load a local JSONL or Parquet file of math problems into Tasks (see module docstring)."""
    if not isinstance(format, str) or format not in FORMATS:
        raise ConfigurationError(f"format must be one of {FORMATS}, got {format!r:.80}")
    limit = check_limit(limit)
    path = dataset_path(path)
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
