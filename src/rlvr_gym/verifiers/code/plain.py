"""Decoding the tagged plain data the call harness writes (see `call_harness.encode`).

Only ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``, ``list``, ``tuple``, ``set``,
``frozenset`` and ``dict`` exist on the wire, so every value the host compares is one of its own
built-in objects: nothing the candidate defined can take part in an ``==``.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 70  # the harness refuses deeper values; a deeper line was not written by it
# A real set or dict hardly ever holds more than a few members of one hash value; a forged line
# of many ints that differ by multiples of 2**61 - 1 would make building it quadratic (hash
# flooding: seconds of host CPU per MiB), so more than this many is refused before building.
MAX_EQUAL_HASHES = 16


class NotPlainData(ValueError):
    """A results line does not hold well-formed tagged plain data."""


def decode(tagged: Any) -> Any:
    """The host value of one tagged result; raises `NotPlainData` on anything malformed."""
    return _decode(tagged, 0)


def _decode(tagged: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise NotPlainData("nested too deeply")
    if type(tagged) is not dict or type(tagged.get("t")) is not str:
        raise NotPlainData("each value must be an object with a string tag 't'")
    tag = tagged["t"]
    payload = tagged.get("v")
    try:
        return _DECODERS[tag](payload, depth)
    except KeyError:
        raise NotPlainData(f"unknown tag {tag[:20]!r}") from None
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, NotPlainData):
            raise
        raise NotPlainData(f"malformed {tag!r} value: {exc}") from None


def _none(payload: Any, depth: int) -> None:
    return None


def _bool(payload: Any, depth: int) -> bool:
    if type(payload) is not bool:
        raise NotPlainData("a bool must be true or false")
    return payload


def _int(payload: Any, depth: int) -> int:
    if type(payload) is not str:
        raise NotPlainData("an int must be a hex string")
    return int(payload, 16)


def _float(payload: Any, depth: int) -> float:
    if type(payload) is not str:
        raise NotPlainData("a float must be a hex string")
    return float.fromhex(payload)


def _str(payload: Any, depth: int) -> str:
    if type(payload) is not str:
        raise NotPlainData("a str must be a JSON string")
    return payload


def _bytes(payload: Any, depth: int) -> bytes:
    if type(payload) is not str:
        raise NotPlainData("bytes must be a hex string")
    return bytes.fromhex(payload)


def _items(payload: Any, depth: int) -> list[Any]:
    if type(payload) is not list:
        raise NotPlainData("a container must hold a JSON list")
    return [_decode(item, depth + 1) for item in payload]


def _list(payload: Any, depth: int) -> list[Any]:
    return _items(payload, depth)


def _tuple(payload: Any, depth: int) -> tuple[Any, ...]:
    return tuple(_items(payload, depth))


def _hashable_members(items: list[Any]) -> list[Any]:
    """`items`, checked to hash without flooding (see `MAX_EQUAL_HASHES`)."""
    counts: dict[int, int] = {}
    for item in items:
        try:
            key = hash(item)
        except TypeError:
            raise NotPlainData("a set member or dict key must be hashable") from None
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > MAX_EQUAL_HASHES:
            raise NotPlainData("too many members share one hash value (a hash-flooding set)")
    return items


def _set(payload: Any, depth: int) -> set[Any]:
    return set(_hashable_members(_items(payload, depth)))


def _frozenset(payload: Any, depth: int) -> frozenset[Any]:
    return frozenset(_hashable_members(_items(payload, depth)))


def _dict(payload: Any, depth: int) -> dict[Any, Any]:
    if type(payload) is not list:
        raise NotPlainData("a dict must hold a list of [key, value] pairs")
    pairs: list[tuple[Any, Any]] = []
    for pair in payload:
        if type(pair) is not list or len(pair) != 2:
            raise NotPlainData("a dict must hold a list of [key, value] pairs")
        pairs.append((_decode(pair[0], depth + 1), _decode(pair[1], depth + 1)))
    _hashable_members([key for key, _ in pairs])
    return dict(pairs)


_DECODERS = {
    "none": _none, "bool": _bool, "int": _int, "float": _float, "str": _str, "bytes": _bytes,
    "list": _list, "tuple": _tuple, "set": _set, "frozenset": _frozenset, "dict": _dict,
}
