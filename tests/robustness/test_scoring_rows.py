"""`rlvr score` input rows: each bad row gets an error naming its row and field, the rest are
scored, and a rerun keeps the rows an output file already holds."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_strategies import junk_values, math_responses, scratch_dir, valid_text

from rlvr_gym.scoring import SCORERS, score_file, score_rows

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
TIMEOUT_S = 0.5

good_rows = st.fixed_dictionaries(
    {"family": st.just("math"), "answer": st.sampled_from(["4", "\\frac{1}{2}", "x^2", "12"]),
     "response": st.one_of(st.sampled_from(["\\boxed{4}", "The answer is 12.", ""]),
                           math_responses)},
    optional={"id": st.one_of(st.text(max_size=5), st.integers()), "prompt": valid_text},
)
# an unhashable family (a list, an object) still crashes the batch in `_Scoring.score`, which is
# outside this change: see test_an_unhashable_family_is_an_error_row below
hashable_junk = junk_values.filter(lambda v: not isinstance(v, (list, dict)))
any_rows = st.one_of(
    good_rows,
    st.dictionaries(st.sampled_from(["family", "answer", "response", "id", "prompt", "x"]),
                    junk_values, max_size=5).filter(
        lambda row: not isinstance(row.get("family"), (list, dict))),
    good_rows.flatmap(lambda row: st.sampled_from(sorted(row)).flatmap(
        lambda field: (hashable_junk if field == "family" else junk_values).map(
            lambda value: {**row, field: value}))),
    good_rows.flatmap(lambda row: st.sampled_from(sorted(row)).map(
        lambda field: {k: v for k, v in row.items() if k != field})),
    junk_values,
)


def _expected_field(row: Any) -> str | None:
    """The field a bad math row's error must name; None when the row is good."""
    if not isinstance(row, dict):
        return "object"
    if row.get("family") is None:
        return "family"
    if row["family"] != "math":
        return "family"
    answer = row.get("answer")
    finite_number = isinstance(answer, (int, float)) and not isinstance(answer, bool) and \
        answer == answer and abs(answer) != float("inf")
    if not finite_number and (not isinstance(answer, str) or not answer.strip()):
        return "answer"
    if not isinstance(row.get("response"), str):
        return "response"
    return None


def _check(rows: list[Any], scored: list[dict[str, Any]]) -> None:
    assert len(scored) == len(rows)
    for number, (row, out) in enumerate(zip(rows, scored, strict=True), start=1):
        field = _expected_field(row)
        family = row.get("family") if isinstance(row, dict) else None
        if isinstance(family, str) and family in SCORERS and family != "math":
            continue  # another family's scorer (needs Docker or Lean): not judged here
        if field is None:
            assert out.get("error") is None, out["error"]
            assert 0.0 <= out["score"] <= 1.0
            assert out["verdict"]["reason"]
        else:
            assert out["score"] is None
            assert out["error"].startswith(f"row {number}: "), out["error"]
            if field != "object":
                assert f"'{field}'" in out["error"] or "family" in out["error"], out["error"]


@SETTINGS
@given(rows=st.lists(any_rows, min_size=1, max_size=6))
def test_each_bad_row_is_named_and_the_rest_are_scored(rows: list[Any]) -> None:
    _check(rows, score_rows(rows, workers=2, timeout_s=TIMEOUT_S))


def _jsonl(rows: list[Any]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


@SETTINGS
@given(rows=st.lists(any_rows, min_size=2, max_size=6), data=st.data())
def test_a_rerun_keeps_the_rows_already_written(rows: list[Any], data: st.DataObject) -> None:
    rows = [r for r in rows if _serialisable(r)]
    if len(rows) < 2:
        return
    split = data.draw(st.integers(1, len(rows) - 1), label="split")
    folder = scratch_dir()
    source, out = folder / "in.jsonl", folder / "out.jsonl"
    source.write_text(_jsonl(rows[:split]), encoding="utf-8")
    score_file(source, out, workers=1, timeout_s=TIMEOUT_S)
    first = out.read_bytes()
    cut = data.draw(st.integers(0, 40), label="cut")  # a run killed mid-row leaves half a line
    with source.open("a", encoding="utf-8") as handle:
        handle.write(_jsonl(rows[split:]))
    with out.open("ab") as handle:
        handle.write(b'{"row": "half a line' [:cut])
    summary = score_file(source, out, workers=1, timeout_s=TIMEOUT_S)
    after = out.read_bytes()
    assert after.startswith(first)
    assert summary.scored_now == len(rows) - split
    scored = [json.loads(line) for line in after.decode("utf-8").split("\n") if line]
    _check(rows, scored)


# characters str.splitlines() breaks at besides "\n": ResultsFile reads a results file with it,
# so a row holding one raw cannot be read back (test_a_row_with_a_line_separator_resumes)
_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _serialisable(row: Any) -> bool:
    try:
        text = json.dumps(row, ensure_ascii=False)
        text.encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return False  # lone surrogates: see test_a_lone_surrogate_in_a_row_does_not_stop_the_file
    return not any(c in text for c in _OTHER_LINE_BREAKS)


def test_bad_json_lines_are_named_by_line_number() -> None:
    folder = scratch_dir()
    source, out = folder / "in.jsonl", folder / "out.jsonl"
    good = json.dumps({"family": "math", "answer": "4", "response": "\\boxed{4}"})
    source.write_text(f"{good}\n\n{{oops\n[1, 2]\n{good}\n", encoding="utf-8")
    summary = score_file(source, out, workers=1, timeout_s=TIMEOUT_S)
    scored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["score"] for r in scored] == [1.0, None, None, 1.0]
    assert scored[1]["error"].startswith("row 3: not valid JSON")
    assert scored[2]["error"].startswith("row 4: ")
    assert summary.errors == 2


def test_an_unhashable_family_is_an_error_row() -> None:
    rows: list[Any] = [{"family": ["math"], "answer": "1", "response": "1"}]
    _check(rows, score_rows(rows, workers=1, timeout_s=TIMEOUT_S))


def test_a_lone_surrogate_in_a_row_does_not_stop_the_file() -> None:
    folder = scratch_dir()
    source, out = folder / "in.jsonl", folder / "out.jsonl"
    source.write_text('{"family": "math", "answer": "1", "response": "\\ud800"}\n', "utf-8")
    score_file(source, out, workers=1, timeout_s=TIMEOUT_S)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 1


def test_a_row_with_a_line_separator_resumes() -> None:
    folder = scratch_dir()
    source, out = folder / "in.jsonl", folder / "out.jsonl"
    row = {"family": "math", "answer": "4", "response": "a\u2028b \\boxed{4}"}
    source.write_text(_jsonl([row]), encoding="utf-8")
    score_file(source, out, workers=1, timeout_s=TIMEOUT_S)
    source.write_text(_jsonl([row, row]), encoding="utf-8")
    assert score_file(source, out, workers=1, timeout_s=TIMEOUT_S).count == 2
