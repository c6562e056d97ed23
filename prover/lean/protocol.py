"""Typed messages of the Lean 4 REPL JSON protocol (leanprover-community/repl).

Requests: ``{"cmd": text, "env": n?}`` elaborates commands; ``{"tactic": text, "proofState": n}``
runs a tactic on a proof state. Responses are one JSON object each: a command answers
``{env, messages?, sorries?, tactics?}``, a tactic ``{proofState, goals, proofStatus?,
messages?, sorries?}``, and a request the REPL cannot serve ``{"message": text}`` (``"Unknown
proof state."``, ``"Lean error:\\n..."``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from prover.env import ProverError


class ReplProtocolError(ProverError):
    """The REPL answered something that is not a response of the protocol."""


class Pos(BaseModel):
    line: int
    column: int


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    severity: str
    data: str
    pos: Pos | None = None
    end_pos: Pos | None = Field(default=None, alias="endPos")


class Sorry(BaseModel):
    model_config = ConfigDict(extra="allow")
    proof_state: int | None = Field(default=None, alias="proofState")
    goal: str
    pos: Pos | None = None
    end_pos: Pos | None = Field(default=None, alias="endPos")


class _Response(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    messages: list[Message] = Field(default_factory=list)
    sorries: list[Sorry] = Field(default_factory=list)

    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.severity == "error"]


class CommandResponse(_Response):
    env: int


class TacticResponse(_Response):
    proof_state: int = Field(alias="proofState")
    goals: list[str] = Field(default_factory=list)
    proof_status: str | None = Field(default=None, alias="proofStatus")


class ReplErrorResponse(BaseModel):
    """``{"message": ...}``: the REPL refused the request (unknown state/env, Lean error)."""

    message: str

    @property
    def unknown_proof_state(self) -> bool:
        return self.message.strip() == "Unknown proof state."

    @property
    def unknown_environment(self) -> bool:
        return self.message.strip() == "Unknown environment."


Response = CommandResponse | TacticResponse | ReplErrorResponse


def command_request(cmd: str, env: int | None = None, **options: Any) -> dict[str, Any]:
    req: dict[str, Any] = {"cmd": cmd}
    if env is not None:
        req["env"] = env
    req.update(options)
    return req


def tactic_request(tactic: str, proof_state: int) -> dict[str, Any]:
    return {"tactic": tactic, "proofState": proof_state}


def parse_response(raw: dict[str, Any]) -> Response:
    """The typed form of one response object."""
    try:
        if "message" in raw and "env" not in raw and "proofState" not in raw:
            return ReplErrorResponse.model_validate(raw)
        if "proofState" in raw and "env" not in raw:
            return TacticResponse.model_validate(raw)
        if "env" in raw:
            return CommandResponse.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ReplProtocolError(f"malformed REPL response ({err['loc']}: {err['msg']})") from None
    raise ReplProtocolError(f"unrecognised REPL response with keys {sorted(raw)}")
