"""How REPL requests reach a Lean process: the transport seam and its subprocess form.

The REPL reads one JSON request followed by a blank line from stdin and writes one JSON
response followed by a blank line to stdout. :class:`SubprocessTransport` runs it (by default
``lake exe repl`` inside a built leanprover-community/repl checkout, or ``lake env
/path/to/repl`` inside a project such as Mathlib) and enforces a deadline on every answer.
:class:`prover.lean.replay.ReplayTransport` answers from recorded transcripts instead.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from prover.env import ProverCrashed, ProverError


class LeanNotInstalled(ProverError):
    """No Lean toolchain (``lake``) to run the REPL."""


class ReplTimeout(ProverError):
    """The REPL did not answer within the deadline (the process has been killed)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the Lean REPL did not answer within {seconds:g} s")
        self.seconds = seconds


class ReplTransport(Protocol):
    """Sends one request object and returns the response object."""

    def send(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]: ...

    def close(self) -> None: ...


def split_json_objects(text: str) -> list[Any]:
    """The JSON values of a stream of concatenated values (REPL requests or responses)."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return values
        value, i = decoder.raw_decode(text, i)
        values.append(value)


class SubprocessTransport:
    """A REPL process spoken to over pipes; every answer has a deadline."""

    def __init__(
        self,
        command: Sequence[str] = ("lake", "exe", "repl"),
        cwd: str | Path | None = None,
        default_timeout: float = 60.0,
        env: dict[str, str] | None = None,
    ) -> None:
        exe = command[0]
        if shutil.which(exe) is None and not Path(exe).is_file():
            raise LeanNotInstalled(
                f"Lean is not installed: {exe!r} is not on PATH (install elan and build "
                "leanprover-community/repl, then point the REPL command at it)"
            )
        self.command = list(command)
        self.default_timeout = default_timeout
        self.proc = subprocess.Popen(
            self.command,
            cwd=None if cwd is None else str(cwd),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        self._buf = b""
        self._selector = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)

    def send(self, request: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        limit = self.default_timeout if timeout is None else timeout
        data = (json.dumps(request, ensure_ascii=False) + "\n\n").encode("utf-8")
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self.close()
            raise ProverCrashed(f"the Lean REPL exited (code {self.proc.poll()})") from None
        return self._read_response(time.monotonic() + limit, limit)

    def _read_response(self, deadline: float, limit: float) -> dict[str, Any]:
        decoder = json.JSONDecoder()
        while True:
            text = self._buf.decode("utf-8", errors="replace").lstrip()
            if text:
                try:
                    value, end = decoder.raw_decode(text)
                except json.JSONDecodeError:
                    pass
                else:
                    self._buf = text[end:].encode("utf-8")
                    if not isinstance(value, dict):
                        raise ProverCrashed(f"the Lean REPL wrote a non-object: {value!r}"[:200])
                    return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close()
                raise ReplTimeout(limit)
            if not self._selector.select(remaining):
                continue
            assert self.proc.stdout is not None
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                code = self.proc.poll()
                self.close()
                raise ProverCrashed(f"the Lean REPL exited (code {code})")
            self._buf += chunk

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                try:
                    stream.close()
                except OSError:
                    pass
        try:
            self._selector.close()
        except (OSError, ValueError):
            pass
