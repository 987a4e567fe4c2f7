"""Data files registered as tasks: a bad file or a damaged store never loses a registration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import gymnasium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_strategies import (
    MATH_ROWS,
    attempt,
    file_bytes,
    junk_values,
    rows_with_ids,
    scratch_dir,
    write_jsonl,
)

from rlvr_gym.core import registry
from rlvr_gym.core.errors import ConfigurationError, TaskFileError

GOOD_ID = "rlvr/RobustGood-v0"
BAD_ID = "rlvr/RobustBad-v0"
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _forget_test_ids() -> Iterator[None]:
    yield
    for id in (GOOD_ID, BAD_ID):
        registry._SPECS.pop(id, None)
        gymnasium.registry.pop(id, None)


def _home_with_one_task(patch: pytest.MonkeyPatch) -> tuple[Path, bytes]:
    """A fresh RLVR_GYM_HOME holding one remembered task, and the bytes of its store."""
    home = scratch_dir()
    good = write_jsonl(home / "good.jsonl", rows_with_ids(MATH_ROWS["plain"], 2))
    patch.setenv("RLVR_GYM_HOME", str(home))
    registry.register_file(GOOD_ID, good, persist=True)
    return home, (home / "tasks.json").read_bytes()


@SETTINGS
@given(content=file_bytes)
def test_a_bad_file_leaves_the_remembered_tasks_intact(content: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        home, before = _home_with_one_task(patch)
        bad = home / "bad.jsonl"
        bad.write_bytes(content)
        _, error = attempt(lambda: registry.register_file(BAD_ID, bad, persist=True),
                           TaskFileError)
        if isinstance(error, TaskFileError):
            assert error.path == str(bad.resolve())
            assert (home / "tasks.json").read_bytes() == before
            assert BAD_ID not in registry._SPECS
        else:  # the bytes happened to be a good file: it is added, the old entry kept
            assert set(registry.remembered_files()) == {GOOD_ID, BAD_ID}
        assert registry.remembered_files()[GOOD_ID]["path"] == str(home / "good.jsonl")
        assert sorted(p.name for p in home.iterdir() if p.suffix == ".tmp") == []


@SETTINGS
@given(value=junk_values, field=st.sampled_from(["prompt", "answer", "id", "level",
                                                 "solution", "metadata"]))
def test_a_bad_row_names_row_and_field_and_keeps_the_store(value: object, field: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        home, before = _home_with_one_task(patch)
        rows = rows_with_ids(MATH_ROWS["plain"], 3)
        rows[2][field] = value
        bad = write_jsonl(home / "bad.jsonl", rows)
        _, error = attempt(lambda: registry.register_file(BAD_ID, bad, persist=True),
                           TaskFileError)
        if isinstance(error, TaskFileError):
            assert (error.row, error.field) == (3, field), error
            assert (home / "tasks.json").read_bytes() == before
        assert GOOD_ID in registry.remembered_files()


@SETTINGS
@given(store=st.one_of(file_bytes, junk_values.map(lambda v: json.dumps(v).encode())))
def test_a_damaged_store_is_refused_not_overwritten(store: bytes) -> None:
    with pytest.MonkeyPatch.context() as patch:
        home = scratch_dir()
        patch.setenv("RLVR_GYM_HOME", str(home))
        (home / "tasks.json").write_bytes(store)
        good = write_jsonl(home / "good.jsonl", rows_with_ids(MATH_ROWS["plain"], 1))
        _, error = attempt(lambda: registry.register_file(GOOD_ID, good, persist=True),
                           ConfigurationError)
        if error is not None:
            assert "tasks.json" in str(error)
            assert (home / "tasks.json").read_bytes() == store
        else:  # the store was a JSON object: the new entry joins what it held
            after = json.loads((home / "tasks.json").read_text(encoding="utf-8"))
            assert set(after) == set(json.loads(store)) | {GOOD_ID}
        remembered, refused = attempt(registry.remembered_files, ConfigurationError)
        assert refused is None or "tasks.json" in str(refused)
        assert remembered is None or all(isinstance(v, dict) for v in remembered.values())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            entries = registry._remembered_entries()  # what `import rlvr_gym` registers
        assert all(isinstance(item["path"], str) for _, item in entries)
        try:
            data = json.loads((home / "tasks.json").read_bytes())
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict) or len(entries) < len(data):
            assert any("tasks.json" in str(w.message) or "remembered" in str(w.message)
                       for w in caught)


@pytest.mark.parametrize("bad", [None, 7, ["f.jsonl"], "", "x\x00y"])
def test_a_path_that_is_not_a_path_is_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="path"):
        registry.register_file(BAD_ID, bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, 7, "", "rlvr/", "rlvr/no version", "../x-v0"])
def test_a_bad_id_is_refused_before_anything_is_written(bad: object) -> None:
    with pytest.MonkeyPatch.context() as patch:
        home, before = _home_with_one_task(patch)
        with pytest.raises(ConfigurationError, match="id"):
            registry.register_file(bad, home / "good.jsonl", persist=True)  # type: ignore[arg-type]
        assert (home / "tasks.json").read_bytes() == before


def test_a_damaged_store_does_not_break_import(tmp_path: Path) -> None:
    (tmp_path / "tasks.json").write_text('{"rlvr/Broken-v0": 3, "rlvr/Half-v0": {"pa', "utf-8")
    result = subprocess.run(
        [sys.executable, "-W", "always", "-c",
         "import rlvr_gym; print(len(rlvr_gym.registered_ids()))"],
        env={**os.environ, "RLVR_GYM_HOME": str(tmp_path)}, capture_output=True, text=True,
        timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "tasks.json" in result.stderr
    assert int(result.stdout) > 10
