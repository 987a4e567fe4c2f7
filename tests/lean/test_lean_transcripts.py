"""Every answer a real Lean REPL recorded parses into our types, framed as the client frames."""

from __future__ import annotations

import pytest
from lean_fixtures import RECORDED, TRANSCRIPTS

from rlvr_gym.lean.client import take_answer
from rlvr_gym.lean.replay import split_blocks
from rlvr_gym.lean.types import CommandResult, TacticResult, parse_response

NAMES = sorted(RECORDED)


def _kind(request: dict[str, object]) -> str:
    if "tactic" in request or "unpickleProofStateFrom" in request:
        return "tactic"
    if "pickleTo" in request and "proofState" in request:
        return "tactic"
    return "command"


def test_the_recordings_are_all_there() -> None:
    assert len(NAMES) >= 60
    assert "readme" in NAMES and "Mathlib/test/exact" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_the_client_framing_splits_the_recorded_stream_into_one_answer_per_request(
    name: str,
) -> None:
    stream = (TRANSCRIPTS / f"{name}.expected.out").read_bytes()
    requests = split_blocks((TRANSCRIPTS / f"{name}.in").read_text(encoding="utf-8"))
    answers = []
    while True:
        answer, stream = take_answer(stream)
        if answer is None:
            break
        answers.append(answer)
    assert stream.strip() == b""
    assert len(answers) == len(requests)
    assert answers == [exchange.response for exchange in RECORDED[name]]


@pytest.mark.parametrize("name", NAMES)
def test_every_recorded_answer_parses_into_our_types(name: str) -> None:
    for exchange in RECORDED[name]:
        raw = exchange.response
        result = parse_response(raw, _kind(exchange.request))  # type: ignore[arg-type]
        if set(raw) != {"message"}:  # a bare refusal has no shape: the caller's kind decides
            assert parse_response(raw) == result
        assert len(result.messages) == len(raw.get("messages", ()))
        assert len(result.sorries) == len(raw.get("sorries", ()))
        if "message" in raw and len(raw) == 1:
            assert result.error == raw["message"]
            assert result.has_errors
        if isinstance(result, CommandResult):
            assert result.env == raw.get("env")
            assert len(result.tactics) == len(raw.get("tactics", ()))
            assert result.has_errors == (
                result.error is not None
                or any(m["severity"] == "error" for m in raw.get("messages", ()))
            )
        else:
            assert isinstance(result, TacticResult)
            assert result.proof_state == raw.get("proofState")
            assert list(result.goals) == raw.get("goals", [])
            assert result.proof_status == raw.get("proofStatus")
        for message, data in zip(result.messages, raw.get("messages", ()), strict=True):
            assert message.severity == data["severity"]
            assert message.data == data["data"]
            assert message.pos is not None and message.pos.line == data["pos"]["line"]


def test_a_refused_tactic_is_a_typed_result_not_an_exception() -> None:
    result = parse_response({"message": "Unknown proof state."})
    assert isinstance(result, TacticResult)
    assert result.error == "Unknown proof state."
    assert result.proof_state is None and not result.complete and result.handle is None


def test_a_refused_command_keeps_its_kind_when_asked() -> None:
    result = parse_response({"message": "Unknown environment."}, "command")
    assert isinstance(result, CommandResult)
    assert result.env is None and result.has_errors


def test_sorries_give_handles_on_their_proof_states() -> None:
    (exchange,) = RECORDED["tactic_sorry"]
    result = parse_response(exchange.response, "command").with_owner("p:1")  # type: ignore[union-attr]
    assert isinstance(result, CommandResult)
    (handle,) = result.handles
    assert (handle.proof_state, handle.owner, handle.goals) == (0, "p:1", ("⊢ Nat",))


def test_recorded_tactic_lists_parse_with_their_goals() -> None:
    first = RECORDED["calc"][0]
    result = parse_response(first.response, "command")
    assert isinstance(result, CommandResult)
    assert [t.goals for t in result.tactics][:2] == ["⊢ 3 = 5", "no goals"]
    assert "sorryAx" in result.tactics[0].used_constants
