"""Typed answers of the Lean REPL (leanprover-community/repl), parsed from its JSON.

The REPL answers a command with ``env``, ``messages``, ``sorries`` (and ``tactics`` when asked),
a tactic with ``proofState``, ``goals``, ``proofStatus``, ``messages`` and ``sorries``, and
anything it cannot run (an unknown environment or proof state, a tactic that does not parse)
with a bare ``{"message": "..."}``. `parse_response` turns each into a frozen value; a bare
message becomes a result whose `error` is set, never an exception, so a bad tactic from a
policy is data, not a crash.

Only structure is interpreted here (severity, sorries, goals, the kind of proof status); the
text of messages is carried, never matched: it changes between Lean versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol, runtime_checkable

Severity = Literal["error", "warning", "info", "information"]
ProofStatusKind = Literal["completed", "incomplete", "error", "unknown"]
ResultKind = Literal["command", "tactic"]


@dataclass(frozen=True)
class Position:
    """A 1-based line and 0-based column in the submitted text, as Lean reports them."""

    line: int
    column: int

    @classmethod
    def from_json(cls, data: Any) -> Position | None:
        if not isinstance(data, Mapping):
            return None
        return cls(int(data.get("line", 0)), int(data.get("column", 0)))


@dataclass(frozen=True)
class LeanMessage:
    """One diagnostic: ``severity`` is ``"error"``, ``"warning"`` or ``"info"``."""

    severity: str
    pos: Position | None
    end_pos: Position | None
    data: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LeanMessage:
        return cls(
            severity=str(data.get("severity", "error")),
            pos=Position.from_json(data.get("pos")),
            end_pos=Position.from_json(data.get("endPos")),
            data=str(data.get("data", "")),
        )

    def render(self) -> str:
        where = f"{self.pos.line}:{self.pos.column}: " if self.pos and self.pos.line else ""
        return f"{where}{self.severity}: {self.data}"


@dataclass(frozen=True)
class Sorry:
    """A ``sorry`` Lean elaborated; `proof_state` opens tactic mode on its goal."""

    pos: Position | None
    end_pos: Position | None
    goal: str
    proof_state: int | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sorry:
        state = data.get("proofState")
        return cls(
            pos=Position.from_json(data.get("pos")),
            end_pos=Position.from_json(data.get("endPos")),
            goal=str(data.get("goal", "")),
            proof_state=int(state) if state is not None else None,
        )


@dataclass(frozen=True)
class TacticInfo:
    """One tactic of a command run with ``allTactics``: its text, goals before it, its state."""

    tactic: str
    goals: str
    proof_state: int | None
    pos: Position | None
    end_pos: Position | None
    used_constants: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TacticInfo:
        state = data.get("proofState")
        return cls(
            tactic=str(data.get("tactic", "")),
            goals=str(data.get("goals", "")),
            proof_state=int(state) if state is not None else None,
            pos=Position.from_json(data.get("pos")),
            end_pos=Position.from_json(data.get("endPos")),
            used_constants=tuple(str(c) for c in data.get("usedConstants") or ()),
        )


@dataclass(frozen=True)
class TacticHandle:
    """Where to continue a proof: a proof state inside one REPL process.

    `owner` names the process (set by `ReplPool`); proof-state numbers mean nothing in any
    other process, so the pool refuses a handle whose process was restarted.
    """

    proof_state: int
    owner: str | None = None
    goals: tuple[str, ...] = ()


def _messages(data: Mapping[str, Any]) -> tuple[LeanMessage, ...]:
    return tuple(LeanMessage.from_json(m) for m in data.get("messages") or () if
                 isinstance(m, Mapping))


def _sorries(data: Mapping[str, Any]) -> tuple[Sorry, ...]:
    return tuple(Sorry.from_json(s) for s in data.get("sorries") or () if isinstance(s, Mapping))


@dataclass(frozen=True)
class CommandResult:
    """The answer to a command (``cmd``, ``path``, pickling an environment).

    `env` is the environment after the command (None when the REPL refused it; `error` then
    holds its reason, e.g. an unknown environment). `owner` is set by `ReplPool`.
    """

    env: int | None
    messages: tuple[LeanMessage, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    tactics: tuple[TacticInfo, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    error: str | None = None
    owner: str | None = None

    @property
    def errors(self) -> tuple[LeanMessage, ...]:
        """The error-severity messages."""
        return tuple(m for m in self.messages if m.is_error)

    @property
    def has_errors(self) -> bool:
        """True when Lean reported an error or the REPL refused the command."""
        return self.error is not None or bool(self.errors)

    @property
    def handles(self) -> tuple[TacticHandle, ...]:
        """One handle per ``sorry`` that has a proof state, to continue in tactic mode."""
        return tuple(
            TacticHandle(s.proof_state, self.owner, (s.goal,))
            for s in self.sorries if s.proof_state is not None
        )

    def with_owner(self, owner: str | None) -> CommandResult:
        return replace(self, owner=owner)


def proof_status_kind(status: str | None) -> ProofStatusKind:
    """The kind of a ``proofStatus`` field: its leading word, the REPL's stable structure.

    The REPL writes ``Completed``, ``Incomplete: <why>`` or ``Error: <why>``; the text after
    the colon is Lean's and is not interpreted.
    """
    if status is None:
        return "unknown"
    head = status.split(":", 1)[0].strip().lower()
    if head == "completed":
        return "completed"
    if head == "incomplete":
        return "incomplete"
    if head == "error":
        return "error"
    return "unknown"


@dataclass(frozen=True)
class TacticResult:
    """The answer to a tactic (or to pickling/unpickling a proof state).

    `proof_state` is the new state (None when the REPL refused the tactic; `error` then holds
    Lean's complaint). `goals` are the goals left; `proof_status` is the REPL's status text
    (absent in REPL versions before 2025), whose kind `status` gives.
    """

    proof_state: int | None
    goals: tuple[str, ...] = ()
    messages: tuple[LeanMessage, ...] = ()
    sorries: tuple[Sorry, ...] = ()
    proof_status: str | None = None
    error: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    traces: tuple[str, ...] = ()
    owner: str | None = None

    @property
    def errors(self) -> tuple[LeanMessage, ...]:
        return tuple(m for m in self.messages if m.is_error)

    @property
    def has_errors(self) -> bool:
        """True when the REPL refused the tactic, Lean reported an error, or the kernel did."""
        return self.error is not None or bool(self.errors) or self.status == "error"

    @property
    def status(self) -> ProofStatusKind:
        return proof_status_kind(self.proof_status)

    @property
    def complete(self) -> bool:
        """The proof is finished: no error, no sorry, no goal, and (when reported) Completed."""
        if self.has_errors or self.sorries or self.goals or self.proof_state is None:
            return False
        return self.status in ("completed", "unknown")

    @property
    def handle(self) -> TacticHandle | None:
        """A handle on the new proof state, or None when the REPL refused the tactic."""
        if self.proof_state is None:
            return None
        return TacticHandle(self.proof_state, self.owner, self.goals)

    def with_owner(self, owner: str | None) -> TacticResult:
        return replace(self, owner=owner)


LeanResult = CommandResult | TacticResult


def parse_response(
    data: Mapping[str, Any], kind: ResultKind | None = None
) -> CommandResult | TacticResult:
    """Turn one decoded REPL answer into a `CommandResult` or a `TacticResult`.

    `kind` says what was asked; without it the shape decides (``env`` for a command,
    ``proofState``/``goals`` for a tactic; a bare ``{"message": ...}`` is taken as a refused
    tactic, the usual case).
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"a REPL answer is a JSON object, got {type(data).__name__}")
    raw = dict(data)
    refused = "message" in data and not any(
        key in data for key in ("env", "proofState", "goals", "messages", "sorries")
    )
    error = str(data["message"]) if refused else None
    if kind is None:
        if "env" in data:
            kind = "command"
        elif "proofState" in data or "goals" in data or "proofStatus" in data:
            kind = "tactic"
        else:
            kind = "tactic" if refused else "command"
    if kind == "command":
        env = data.get("env")
        return CommandResult(
            env=int(env) if env is not None else None,
            messages=_messages(data),
            sorries=_sorries(data),
            tactics=tuple(TacticInfo.from_json(t) for t in data.get("tactics") or ()
                          if isinstance(t, Mapping)),
            raw=raw,
            error=error,
        )
    state = data.get("proofState")
    goals: Sequence[Any] = data.get("goals") or ()
    status = data.get("proofStatus")
    return TacticResult(
        proof_state=int(state) if state is not None else None,
        goals=tuple(str(g) for g in goals),
        messages=_messages(data),
        sorries=_sorries(data),
        proof_status=str(status) if status is not None else None,
        error=error,
        raw=raw,
        traces=tuple(str(t) for t in data.get("traces") or ()),
    )


@runtime_checkable
class LeanBackend(Protocol):
    """What `LeanVerifier` needs from a Lean backend (`ReplPool`; the LeanDojo backend).

    ``check`` runs whole sources in a fresh copy of the header's environment; ``start``
    elaborates a statement proved by ``sorry`` (its `CommandResult.handles` open tactic mode);
    ``apply`` runs one tactic on a handle. Failures of the machinery raise `LeanError`s
    (`LeanTimeout` for a request past its limit); Lean's own complaints are results.
    """

    def check(self, source: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult: ...

    def start(self, theorem_with_sorry: str, header: str = "", *,
              timeout_s: float | None = None) -> CommandResult: ...

    def apply(self, state: TacticHandle | TacticResult, tactic: str, *,
              timeout_s: float | None = None) -> TacticResult: ...
