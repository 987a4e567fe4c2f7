"""Integrity checks for the labelled answer-equivalence data file.

These tests check the data file itself (structure, uniqueness, balance, category
coverage, provenance), not any answer checker.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

DATA_DIR = Path(__file__).parent / "data"
PAIRS_PATH = DATA_DIR / "answer_pairs.jsonl"
README_PATH = DATA_DIR / "README.md"

CATEGORIES = frozenset(
    {
        "integer",
        "decimal",
        "fraction",
        "mixed_number",
        "percentage",
        "scientific",
        "root",
        "pi",
        "complex",
        "degrees",
        "units_text",
        "expression",
        "equation",
        "inequality",
        "interval",
        "set",
        "tuple",
        "matrix",
        "infinity",
        "extraction",
        "hedging",
        "other",
    }
)
REQUIRED_FIELDS = ("id", "reference", "response", "label", "category", "source")
OPTIONAL_FIELDS = ("note",)
ORIGINAL_SOURCE = "rlvr-gym original"
ID_PATTERN = re.compile(r"^[a-z]+-\d{3}$")

MIN_ROWS = 350
MIN_PER_CATEGORY = 8
MIN_PUBLIC = 150
MIN_TRUE_SHARE = 0.40
MAX_TRUE_SHARE = 0.60


def _load_lines() -> list[str]:
    return PAIRS_PATH.read_text(encoding="utf-8").splitlines()


def _load_rows() -> list[dict]:
    return [json.loads(line) for line in _load_lines()]


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return _load_rows()


def test_file_exists() -> None:
    assert PAIRS_PATH.is_file()
    assert README_PATH.is_file()


def test_every_line_is_a_json_object() -> None:
    lines = _load_lines()
    assert lines, "data file is empty"
    for number, line in enumerate(lines, start=1):
        assert line.strip(), f"line {number} is blank"
        obj = json.loads(line)
        assert isinstance(obj, dict), f"line {number} is not a JSON object"


def test_file_is_utf8_and_newline_terminated() -> None:
    raw = PAIRS_PATH.read_bytes()
    raw.decode("utf-8")
    assert raw.endswith(b"\n")
    assert b"\r\n" not in raw


def test_fields_present_and_typed(rows: list[dict]) -> None:
    allowed = set(REQUIRED_FIELDS) | set(OPTIONAL_FIELDS)
    for row in rows:
        rid = row.get("id", "<missing id>")
        missing = [f for f in REQUIRED_FIELDS if f not in row]
        assert not missing, f"{rid}: missing fields {missing}"
        extra = set(row) - allowed
        assert not extra, f"{rid}: unexpected fields {sorted(extra)}"
        for field in ("id", "reference", "response", "category", "source"):
            assert isinstance(row[field], str), f"{rid}: {field} is not a string"
            assert row[field].strip(), f"{rid}: {field} is empty"
        assert isinstance(row["label"], bool), f"{rid}: label is not a boolean"
        if "note" in row:
            assert isinstance(row["note"], str), f"{rid}: note is not a string"
            assert row["note"].strip(), f"{rid}: note is present but empty"


def test_ids_well_formed_and_unique(rows: list[dict]) -> None:
    ids = [row["id"] for row in rows]
    bad = [i for i in ids if not ID_PATTERN.match(i)]
    assert not bad, f"malformed ids: {bad[:10]}"
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"


def test_no_duplicate_pairs(rows: list[dict]) -> None:
    pairs = Counter((row["reference"], row["response"]) for row in rows)
    duplicates = [p for p, n in pairs.items() if n > 1]
    assert not duplicates, f"duplicate (reference, response) pairs: {duplicates[:3]}"


def test_minimum_row_count(rows: list[dict]) -> None:
    assert len(rows) >= MIN_ROWS


def test_categories_are_known(rows: list[dict]) -> None:
    unknown = {row["category"] for row in rows} - CATEGORIES
    assert not unknown, f"unknown categories: {sorted(unknown)}"


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_category_coverage(rows: list[dict], category: str) -> None:
    in_category = [row for row in rows if row["category"] == category]
    assert len(in_category) >= MIN_PER_CATEGORY, f"{category}: only {len(in_category)} rows"
    labels = Counter(row["label"] for row in in_category)
    assert labels[True] >= 2, f"{category}: fewer than 2 true rows"
    assert labels[False] >= 2, f"{category}: fewer than 2 false rows"


def test_label_balance(rows: list[dict]) -> None:
    share = sum(row["label"] for row in rows) / len(rows)
    assert MIN_TRUE_SHARE <= share <= MAX_TRUE_SHARE, f"true share {share:.3f}"


def test_provenance(rows: list[dict]) -> None:
    public = [row for row in rows if row["source"] != ORIGINAL_SOURCE]
    assert len(public) >= MIN_PUBLIC, f"only {len(public)} rows from public sources"
    for row in public:
        rid = row["id"]
        assert row["source"].startswith("github:"), f"{rid}: cite github:OWNER/REPO/PATH"
        owner_repo_path = row["source"].split()[0].removeprefix("github:")
        assert owner_repo_path.count("/") >= 2, f"{rid}: source lacks a file path"


def test_hard_negatives_present(rows: list[dict]) -> None:
    hedging_false = [r for r in rows if r["category"] == "hedging" and not r["label"]]
    extraction_false = [r for r in rows if r["category"] == "extraction" and not r["label"]]
    assert len(hedging_false) >= 5
    assert len(extraction_false) >= 5


def test_readme_counts_match(rows: list[dict]) -> None:
    readme = README_PATH.read_text(encoding="utf-8")
    n_true = sum(row["label"] for row in rows)
    assert f"Total rows: {len(rows)}" in readme
    assert f"label true: {n_true}" in readme
    assert f"label false: {len(rows) - n_true}" in readme
    for category, count in Counter(row["category"] for row in rows).items():
        assert re.search(rf"^\| {re.escape(category)} \| {count} \|", readme, re.MULTILINE), (
            f"README count for {category} is missing or stale"
        )
