"""Bad task files: every loader loads or raises a TaskFileError naming the file, row and field."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_strategies import (
    CODE_FORMAT_NAME,
    CODE_REQUIRED,
    CODE_ROWS,
    LEAN_REQUIRED,
    LEAN_ROWS,
    MATH_REQUIRED,
    MATH_ROWS,
    file_bytes,
    junk_values,
    load_or_task_file_error,
    non_strings,
    rows_with_ids,
    scratch_dir,
    within,
    write_jsonl,
)

from rlvr_gym.core.errors import ConfigurationError, TaskFileError
from rlvr_gym.tasks.code_datasets import load_code_tasks
from rlvr_gym.tasks.datasets import load_math_tasks, read_rows
from rlvr_gym.tasks.lean_datasets import load_lean_tasks, normalise_statement

Loader = Callable[[Path], Sequence[object]]
LOADERS: dict[str, Loader] = {
    "math": load_math_tasks, "code": load_code_tasks, "lean": load_lean_tasks,
}
FAMILY_ROWS: dict[str, dict[str, dict[str, Any]]] = {
    "math": MATH_ROWS, "code": CODE_ROWS, "lean": LEAN_ROWS,
}
CASES = [(family, fmt) for family, rows in FAMILY_ROWS.items() for fmt in rows]
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("family", "fmt"), CASES)
def test_the_valid_rows_of_every_format_load(family: str, fmt: str) -> None:
    path = write_jsonl(scratch_dir() / "good.jsonl", rows_with_ids(FAMILY_ROWS[family][fmt], 3))
    assert len(LOADERS[family](path)) == 3


@SETTINGS
@given(data=file_bytes, family=st.sampled_from(sorted(LOADERS)),
       suffix=st.sampled_from([".jsonl", ".json", ".parquet"]))
def test_random_bytes_load_or_name_the_file(data: bytes, family: str, suffix: str) -> None:
    path = scratch_dir() / f"random{suffix}"
    path.write_bytes(data)
    load_or_task_file_error(LOADERS[family], path)


@SETTINGS
@given(case=st.sampled_from(CASES), count=st.integers(1, 3), cut=st.integers(0, 10_000))
def test_a_truncated_file_fails_on_its_last_line(case: tuple[str, str], count: int,
                                                 cut: int) -> None:
    family, fmt = case
    rows = rows_with_ids(FAMILY_ROWS[family][fmt], count)
    content = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    content = content[: cut % (len(content) + 1)]
    path = scratch_dir() / "cut.jsonl"
    path.write_bytes(content)
    error = load_or_task_file_error(LOADERS[family], path)
    if error is None:
        return
    lines = content.split(b"\n")
    if not content.strip():
        assert error.row is None and "no" in str(error)
    else:
        last = len(lines) if lines[-1] else len(lines) - 1
        assert error.row == last, error


@SETTINGS
@given(case=st.sampled_from(CASES), top=junk_values.filter(lambda v: not isinstance(v, dict)),
       position=st.integers(0, 2))
def test_a_line_that_is_not_an_object_names_its_row(case: tuple[str, str], top: object,
                                                    position: int) -> None:
    family, fmt = case
    rows: list[object] = list(rows_with_ids(FAMILY_ROWS[family][fmt], 2))
    rows.insert(position, top)
    path = write_jsonl(scratch_dir() / "top.jsonl", rows)
    error = load_or_task_file_error(LOADERS[family], path)
    assert error is not None and error.row == position + 1, error
    assert "JSON object" in str(error)


@pytest.mark.parametrize(("family", "fmt", "field"), [
    (family, fmt, field)
    for family, required in (("math", MATH_REQUIRED), ("code", CODE_REQUIRED),
                             ("lean", LEAN_REQUIRED))
    for fmt, fields in required.items() for field in fields
])
@pytest.mark.parametrize("explicit", [True, False])
def test_a_row_missing_a_required_field_names_it(family: str, fmt: str, field: str,
                                                 explicit: bool) -> None:
    rows = rows_with_ids(FAMILY_ROWS[family][fmt], 3)
    del rows[1][field]
    path = write_jsonl(scratch_dir() / "missing.jsonl", rows)
    loader = LOADERS[family]
    if explicit:
        name = CODE_FORMAT_NAME.get(fmt, fmt)
        error = load_or_task_file_error(lambda p: loader(p, format=name), path)  # type: ignore[call-arg]
        assert error is not None and (error.row, error.field) == (2, field), error
    else:
        error = load_or_task_file_error(loader, path)
        assert error is not None and error.row == 2, error
        # without the field the row may no longer look like any format: the message then
        # lists the fields each format needs
        assert error.field == field or (error.field is None and field in str(error)), error


@SETTINGS
@given(case=st.sampled_from(CASES), data=st.data(), value=non_strings, position=st.integers(0, 2))
def test_a_field_of_the_wrong_type_is_named(case: tuple[str, str], data: st.DataObject,
                                            value: object, position: int) -> None:
    family, fmt = case
    rows = rows_with_ids(FAMILY_ROWS[family][fmt], 3)
    field = data.draw(st.sampled_from(sorted(rows[position])), label="field")
    rows[position][field] = value
    path = write_jsonl(scratch_dir() / "typed.jsonl", rows)
    error = load_or_task_file_error(LOADERS[family], path)
    if error is not None:
        assert (error.row, error.field) == (position + 1, field), error


@SETTINGS
@given(case=st.sampled_from(CASES), data=st.data(), value=junk_values, position=st.integers(0, 2))
def test_any_value_in_any_field_loads_or_names_the_row(case: tuple[str, str],
                                                       data: st.DataObject, value: object,
                                                       position: int) -> None:
    family, fmt = case
    rows = rows_with_ids(FAMILY_ROWS[family][fmt], 3)
    field = data.draw(st.sampled_from([*sorted(rows[position]), "extra"]), label="field")
    rows[position][field] = value
    path = write_jsonl(scratch_dir() / "any.jsonl", rows)
    error = load_or_task_file_error(LOADERS[family], path)
    if error is not None:
        assert error.row == position + 1, error
        assert error.field is not None, error
        assert error.field in rows[position], error


_COLUMN_NAMES = ("prompt", "answer", "question", "problem", "solution", "level", "id", "kind",
                 "tests", "entry_point", "test", "theorem", "formal_statement", "header", "x")


def _column(length: int) -> st.SearchStrategy[pa.Array]:
    return st.one_of(
        st.lists(st.integers(-5, 5), min_size=length, max_size=length).map(pa.array),
        st.lists(st.floats(allow_nan=True), min_size=length, max_size=length).map(pa.array),
        st.lists(st.text(max_size=10), min_size=length, max_size=length).map(pa.array),
        st.lists(st.none(), min_size=length, max_size=length).map(
            lambda v: pa.array(v, type=pa.null())),
        st.lists(st.lists(st.text(max_size=4), max_size=2), min_size=length,
                 max_size=length).map(pa.array),
        st.lists(st.binary(max_size=6), min_size=length, max_size=length).map(pa.array),
        st.lists(st.booleans(), min_size=length, max_size=length).map(pa.array),
    )


@SETTINGS
@given(data=st.data(), family=st.sampled_from(sorted(LOADERS)), length=st.integers(0, 3))
def test_parquet_with_any_columns_loads_or_names_the_row(data: st.DataObject, family: str,
                                                         length: int) -> None:
    names = data.draw(st.lists(st.sampled_from(_COLUMN_NAMES), max_size=4, unique=True))
    table = pa.table({name: data.draw(_column(length), label=name) for name in names}) \
        if names else pa.table({"x": pa.array([], type=pa.int64())})
    path = scratch_dir() / "table.parquet"
    pq.write_table(table, path)
    error = load_or_task_file_error(LOADERS[family], path)
    if error is not None and table.num_rows:
        assert error.row is not None and 1 <= error.row <= table.num_rows, error


def test_parquet_with_a_field_of_the_wrong_type_names_row_and_field() -> None:
    path = scratch_dir() / "typed.parquet"
    pq.write_table(pa.table({"prompt": ["a", "b"], "answer": [b"1", b"2"]}), path)
    with pytest.raises(TaskFileError) as caught:
        load_math_tasks(path)
    assert (caught.value.path, caught.value.row, caught.value.field) == (str(path), 1, "answer")


@pytest.mark.parametrize("bad", [None, 3, ["a.jsonl"], "", "a\x00b", b"a.jsonl"])
def test_a_path_that_is_not_a_path_is_a_configuration_error(bad: object) -> None:
    for loader in LOADERS.values():
        with pytest.raises(ConfigurationError, match="path"):
            loader(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("limit", [0, -1, 1.5, "2", True])
def test_a_bad_limit_is_a_configuration_error(limit: object) -> None:
    path = write_jsonl(scratch_dir() / "ok.jsonl", rows_with_ids(MATH_ROWS["plain"], 2))
    with pytest.raises(ConfigurationError, match="limit"):
        load_math_tasks(path, limit=limit)  # type: ignore[arg-type]


def test_a_folder_given_as_a_file_names_it() -> None:
    folder = scratch_dir()
    with pytest.raises(TaskFileError, match="not found") as caught:
        list(read_rows(folder))
    assert caught.value.path == str(folder)


def test_line_numbers_count_blank_lines_and_every_line_break() -> None:
    path = scratch_dir() / "breaks.jsonl"
    row = json.dumps(MATH_ROWS["plain"])
    path.write_bytes(f"\ufeff{row}\r\n\n{row}\r{row}\n{{bad\n".encode())
    with pytest.raises(TaskFileError) as caught:
        load_math_tasks(path)
    assert caught.value.row == 5


def test_a_statement_padded_with_spaces_is_read_in_linear_time() -> None:
    with within(2):
        assert normalise_statement("theorem t : True :=" + " " * 200_000 + "x") is None
        assert normalise_statement("theorem t : True :=" + " " * 200_000 + "by sorry") == \
            "theorem t : True :="
