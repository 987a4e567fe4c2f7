"""The wire between the call harness (in the sandbox) and the host: exact types only."""

from __future__ import annotations

import json
import math
import time
from collections import Counter, OrderedDict
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rlvr_gym.verifiers.code.call_harness import NotPlain, describe, encode
from rlvr_gym.verifiers.code.plain import NotPlainData, decode

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() \
    | st.binary()
hashables = st.recursive(scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(inner),
                         max_leaves=8)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(hashables, inner, max_size=4) | st.sets(hashables, max_size=4),
    max_leaves=20,
)


def wire(value: Any) -> Any:
    return decode(json.loads(json.dumps(encode(value), ensure_ascii=True)))


@given(values)
def test_plain_values_survive_the_wire_with_their_types(value: Any) -> None:
    back = wire(value)
    assert back == value
    assert type(back) is type(value)


def test_huge_ints_and_special_floats_are_exact() -> None:
    big = 7 ** 20000  # more digits than int() accepts from decimal text
    assert wire(big) == big
    assert wire(float("inf")) == float("inf")
    assert math.isnan(wire(float("nan")))
    assert wire(0.1) == 0.1


def test_standard_dict_subclasses_arrive_as_dicts() -> None:
    assert wire(Counter("aab")) == {"a": 2, "b": 1}
    assert type(wire(OrderedDict(a=1))) is dict


def test_an_object_that_equals_everything_has_no_encoding() -> None:
    class Anything:
        def __eq__(self, other: object) -> bool:
            return True

    with pytest.raises(NotPlain, match="Anything"):
        encode(Anything())
    with pytest.raises(NotPlain):
        encode([1, Anything()])


def test_subclasses_of_plain_types_have_no_encoding() -> None:
    class Sneaky(int):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = int.__hash__

    class Text(str):
        pass

    for value in (Sneaky(3), Text("x"), {Text("k"): 1}):
        with pytest.raises(NotPlain):
            encode(value)


def test_self_referencing_and_oversized_values_have_no_encoding() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(NotPlain, match="deeper"):
        encode(loop)
    with pytest.raises(NotPlain, match="elements"):
        encode(list(range(200_000)))


def test_describe_never_runs_the_candidates_str() -> None:
    class Loud(Exception):
        def __str__(self) -> str:
            raise RuntimeError("ran candidate code")

    assert describe(Loud("x")) == "Loud"
    assert describe(ValueError("bad value")) == "ValueError: bad value"


@pytest.mark.parametrize("line", [
    {"t": "object", "v": "x"}, {"t": "int", "v": 3}, {"t": "list", "v": "abc"},
    {"t": "dict", "v": [[{"t": "list", "v": []}, {"t": "none"}]]}, [1, 2], "text",
])
def test_malformed_tagged_data_is_refused(line: Any) -> None:
    with pytest.raises(NotPlainData):
        decode(line)


def test_a_hash_flooding_set_is_refused_before_it_is_built() -> None:
    modulus = 2**61 - 1  # CPython hashes ints modulo this prime
    colliding = [{"t": "int", "v": format(5 + i * modulus, "x")} for i in range(24_000)]
    started = time.perf_counter()
    for tag in ("set", "frozenset"):
        with pytest.raises(NotPlainData, match="hash"):
            decode({"t": tag, "v": colliding})
    with pytest.raises(NotPlainData, match="hash"):
        decode({"t": "dict", "v": [[key, {"t": "none"}] for key in colliding]})
    assert time.perf_counter() - started < 1.0  # building them would take minutes


def test_a_few_equal_hashes_are_ordinary() -> None:
    assert wire({-1, -2}) == {-1, -2}  # hash(-1) == hash(-2) in CPython
    assert wire(frozenset({0, 2**61 - 1})) == frozenset({0, 2**61 - 1})
