"""Drive one ``coqtop -emacs`` process: send one sentence per line, read up to the prompt.

stdout and stderr share one pipe (the prompt goes to stderr, goals to stdout), read with
pexpect's ``fdspawn``; a pty would cap a line at 4096 bytes. The prompt
``<prompt>NAME < N |NAME| 0 < </prompt>`` carries the state id ``N`` that ``BackTo N.`` returns
to. A sentence that runs past its timeout is interrupted with SIGINT (Coq answers
``User interrupt.``); a process that does not answer the interrupt is killed and
:class:`CoqtopDied` is raised, so the caller can restart and replay.
"""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import time
from dataclasses import dataclass

import pexpect
from pexpect import fdpexpect

from prover.env import ProverCrashed

PROMPT = re.compile(r"<prompt>(\S*) < (\d+) \|([^|]*)\| (\d+) < </prompt>")
_ERROR_LINE = re.compile(r"^(?:Error:|Anomaly|Syntax error)", re.M)
_TOPLEVEL = re.compile(r"^Toplevel input, characters \d+-\d+:\n(?:>.*\n)*", re.M)
_WARNING = re.compile(r"<warning>.*?</warning>\n?", re.S)

DEFAULT_MEMORY_MB = 4096


class CoqtopDied(ProverCrashed):
    """The coqtop process exited or stopped answering; restart it."""


@dataclass(frozen=True)
class Reply:
    """What coqtop printed for one sentence and the prompt that followed it."""

    output: str
    state_id: int
    proof_name: str
    error: str | None
    interrupted: bool = False


def error_message(output: str) -> str | None:
    """Coq's error text in ``output`` (without the ``Toplevel input`` header), or None."""
    m = _ERROR_LINE.search(output)
    if not m:
        return None
    text = output[m.start() :].strip()
    if text.startswith("Error:"):
        text = text[len("Error:") :].strip()
    return re.sub(r"\s+", " ", text)


def _limit_memory(megabytes: int) -> None:
    """In the child before exec: cap its address space; die with the parent (Linux)."""
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _die_with_parent()


def _die_with_parent() -> None:
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Coqtop:
    """One ``coqtop -emacs`` process. Not thread-safe; one sentence in flight at a time."""

    def __init__(
        self,
        args: list[str] | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
        start_timeout: float = 30.0,
        cwd: str | None = None,
        executable: str = "coqtop",
    ) -> None:
        self.args = list(args or [])
        self.memory_mb = memory_mb
        self.start_timeout = start_timeout
        self.cwd = cwd
        self.executable = executable
        self.proc: subprocess.Popen[bytes] | None = None
        self.child: fdpexpect.fdspawn | None = None
        self.state_id = 0
        self.proof_name = ""
        self.banner = ""
        self.start()

    def start(self) -> None:
        """Start (or restart) the process and wait for its first prompt."""
        self.kill()
        mem = self.memory_mb
        try:
            self.proc = subprocess.Popen(
                [self.executable, "-emacs", "-q", *self.args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                bufsize=0,
                cwd=self.cwd,
                preexec_fn=(lambda: _limit_memory(mem)) if mem else _die_with_parent,
                start_new_session=True,
            )
        except OSError as e:
            raise ProverCrashed(f"cannot start {self.executable}: {e}") from None
        assert self.proc.stdout is not None
        self.child = fdpexpect.fdspawn(
            self.proc.stdout.fileno(), encoding="utf-8", codec_errors="replace", timeout=None
        )
        self.child.delaybeforesend = None
        reply = self._read(self.start_timeout)
        self.banner = reply.output

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def _read(self, timeout: float | None) -> Reply:
        assert self.child is not None
        try:
            self.child.expect(PROMPT, timeout=timeout)
        except pexpect.EOF:
            code = self.proc.wait() if self.proc is not None else None
            tail = (self.child.before or "")[-300:].strip()
            raise CoqtopDied(f"coqtop exited (code {code}): {tail}") from None
        m = self.child.match
        output = _WARNING.sub("", self.child.before or "")
        self.state_id = int(m.group(2))
        self.proof_name = m.group(3)
        return Reply(output, self.state_id, self.proof_name, error_message(output))

    def send(self, sentence: str, timeout: float | None = None, grace: float = 2.0) -> Reply:
        """Run one sentence. On timeout interrupt it; a reply with ``interrupted=True`` follows.

        Raises :class:`CoqtopDied` if the process is gone or ignores the interrupt.
        """
        if not self.alive or self.proc is None or self.proc.stdin is None:
            raise CoqtopDied("coqtop is not running")
        line = sentence.replace("\n", " ") + "\n"
        try:
            self.proc.stdin.write(line.encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise CoqtopDied("coqtop closed its input") from None
        try:
            return self._read(timeout)
        except pexpect.TIMEOUT:
            pass
        try:
            os.kill(self.proc.pid, signal.SIGINT)
        except ProcessLookupError:
            raise CoqtopDied("coqtop exited during a timeout") from None
        try:
            reply = self._read(grace)
        except pexpect.TIMEOUT:
            self.kill()
            raise CoqtopDied("coqtop did not answer an interrupt; killed") from None
        return Reply(reply.output, reply.state_id, reply.proof_name, reply.error, True)

    def back_to(self, state_id: int, timeout: float = 10.0) -> Reply:
        reply = self.send(f"BackTo {state_id}.", timeout)
        if reply.error or reply.state_id != state_id:
            self.kill()
            raise CoqtopDied(f"BackTo {state_id} failed: {reply.error or reply.state_id}")
        return reply

    def kill(self) -> None:
        """Stop the process (SIGKILL to its session) and release its pipes."""
        proc = self.proc
        self.proc = None
        if self.child is not None:
            self.child = None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
        deadline = time.monotonic() + 5
        while proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        for f in (proc.stdin, proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass

    close = kill

    def __del__(self) -> None:
        try:
            self.kill()
        except Exception:
            pass
