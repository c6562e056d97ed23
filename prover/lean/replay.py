"""Answer REPL requests from a recorded transcript, so the Lean backends run without Lean.

A transcript is a pair of files from leanprover-community/repl's tests: ``X.in`` holds the
requests (JSON objects separated by blank lines) and ``X.expected.out`` the responses, in the
same order. :class:`ReplayTransport` answers the i-th request with the i-th response and fails
with :class:`TranscriptMismatch` when the request differs from the recorded one, so a test
passes only if our client sends exactly what was sent to the real REPL.

``python -m prover.lean.replay X.in X.expected.out`` serves the same transcript over stdio with
the REPL's framing (for tests of :class:`prover.lean.transport.SubprocessTransport`);
``--stall-at N`` makes it stop answering at request N (0-based), ``--exit-at N`` makes it exit,
as a hung or crashed Lean would.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prover.env import ProverCrashed
from prover.lean.transport import split_json_objects


class TranscriptMismatch(AssertionError):
    """The client sent a request that the transcript does not have at this point."""


@dataclass(frozen=True)
class Transcript:
    name: str
    requests: list[dict[str, Any]]
    responses: list[dict[str, Any]]

    @classmethod
    def load(cls, in_path: str | Path) -> Transcript:
        """Read ``X.in`` and ``X.expected.out`` beside it."""
        in_path = Path(in_path)
        out_path = in_path.with_name(in_path.name[: -len(".in")] + ".expected.out")
        requests = split_json_objects(in_path.read_text(encoding="utf-8"))
        responses = split_json_objects(out_path.read_text(encoding="utf-8"))
        if len(requests) != len(responses):
            raise ValueError(
                f"{in_path.name}: {len(requests)} requests but {len(responses)} responses"
            )
        return cls(in_path.name[: -len(".in")], requests, responses)


class ReplayTransport:
    """An in-process transport that replays one transcript, strictly in order."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.position = 0
        self.closed = False

    def send(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        if self.closed:
            raise ProverCrashed("replay transport is closed")
        t = self.transcript
        if self.position >= len(t.requests):
            raise TranscriptMismatch(
                f"{t.name}: request {self.position} beyond the transcript's {len(t.requests)}: "
                f"{json.dumps(request, ensure_ascii=False)}"
            )
        expected = t.requests[self.position]
        if request != expected:
            raise TranscriptMismatch(
                f"{t.name}: request {self.position} was "
                f"{json.dumps(request, ensure_ascii=False)}, "
                f"recorded {json.dumps(expected, ensure_ascii=False)}"
            )
        self.position += 1
        return t.responses[self.position - 1]

    @property
    def exhausted(self) -> bool:
        return self.position == len(self.transcript.requests)

    def close(self) -> None:
        self.closed = True


def serve(transcript: Transcript, stall_at: int | None, exit_at: int | None) -> int:
    """Serve the transcript over stdin/stdout with the REPL's blank-line framing."""
    transport = ReplayTransport(transcript)
    pending = ""
    for line in sys.stdin:
        pending += line
        if line.strip():
            continue
        if not pending.strip():
            pending = ""
            continue
        request = json.loads(pending)
        pending = ""
        index = transport.position
        if index == exit_at:
            return 3
        if index == stall_at:
            time.sleep(3600)
        try:
            response = transport.send(request)
        except TranscriptMismatch as exc:
            print(f"transcript mismatch: {exc}", file=sys.stderr)
            return 4
        sys.stdout.write(json.dumps(response, ensure_ascii=False, indent=1) + "\n\n")
        sys.stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("transcript_in", type=Path)
    parser.add_argument("--stall-at", type=int, default=None)
    parser.add_argument("--exit-at", type=int, default=None)
    args = parser.parse_args(argv)
    return serve(Transcript.load(args.transcript_in), args.stall_at, args.exit_at)


if __name__ == "__main__":
    sys.exit(main())
