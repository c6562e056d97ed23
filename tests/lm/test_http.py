"""The OpenAI-compatible client against real HTTP servers on loopback (uvicorn in a thread)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from lm.errors import LMServerError, LMServerUnavailableError
from lm.hf_local import HFLocalModel
from lm.openai_http import OpenAICompatibleModel
from lm.registry import load_model
from lm.server import RunningServer, create_app, serve_in_thread

PROMPTS = ["intros n.", "Lemma plus_comm : forall n m, n + m = m + n. Proof.", "auto."]


@pytest.fixture(scope="module")
def served(causal_lm: HFLocalModel) -> Iterator[RunningServer]:
    server = serve_in_thread(create_app(causal_lm, model_name="tiny", max_wait_s=0.02))
    yield server
    server.stop()


@pytest.fixture
def client(served: RunningServer) -> Iterator[OpenAICompatibleModel]:
    c = OpenAICompatibleModel(served.url, max_retries=1, backoff_s=0.05)
    yield c
    c.close()


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"n": 3, "num_beams": 4}, {"n": 2, "num_beams": 3, "stop": ["i"]}],
    ids=["greedy", "beam", "stop"],
)
def test_served_candidates_equal_in_process_ones(
    causal_lm: HFLocalModel, client: OpenAICompatibleModel, kwargs: dict
) -> None:
    remote = client.generate(PROMPTS, max_new_tokens=10, **kwargs)
    local = causal_lm.generate(PROMPTS, max_new_tokens=10, **kwargs)
    assert [[c.text for c in cs] for cs in remote] == [[c.text for c in cs] for cs in local]
    for rs, ls in zip(remote, local, strict=True):
        for r, lc in zip(rs, ls, strict=True):
            assert r.logprob == pytest.approx(lc.logprob, abs=1e-3)
            assert r.tokens == lc.tokens and r.finish_reason == lc.finish_reason


def test_n_samples_with_logprobs_over_http(client: OpenAICompatibleModel) -> None:
    result = client.generate(PROMPTS, n=5, temperature=0.9, max_new_tokens=8)
    assert [len(cs) for cs in result] == [5, 5, 5]
    for cs in result:
        assert [c.logprob for c in cs] == sorted((c.logprob for c in cs), reverse=True)
        assert all(c.logprob < 0 and 1 <= c.num_tokens <= 8 for c in cs)


def test_chat_endpoint_and_model_listing(served: RunningServer) -> None:
    chat = OpenAICompatibleModel(served.url, endpoint="chat")
    assert chat.model == "tiny"
    [[cand]] = chat.generate(["prove n + 0 = n"], max_new_tokens=6)
    assert cand.num_tokens >= 1 and cand.logprob == pytest.approx(sum(cand.token_logprobs))
    chat.close()


def test_concurrent_requests_are_batched(
    served: RunningServer, client: OpenAICompatibleModel
) -> None:
    batcher = served.server.config.app.state.batcher
    before = len(batcher.stats.batch_sizes)
    client.generate([f"intros x{i}." for i in range(8)], max_new_tokens=4)
    sizes = batcher.stats.batch_sizes[before:]
    assert sum(sizes) == 8 and max(sizes) > 1


def test_server_rejects_bad_requests_without_retrying(
    served: RunningServer, client: OpenAICompatibleModel
) -> None:
    reply = httpx.post(f"{served.url}/completions", json={"prompt": "x", "n": 2, "temperature": 0})
    assert reply.status_code == 400 and "needs sampling" in reply.json()["error"]["message"]
    wrong = OpenAICompatibleModel(served.url, model="gpt-4", max_retries=3)
    with pytest.raises(LMServerError, match="not served here"):
        wrong.generate(["x"])
    assert wrong.retries == 0


def test_server_going_away_is_retried_then_a_clear_error(causal_lm: HFLocalModel) -> None:
    app = create_app(causal_lm, model_name="tiny")
    server = serve_in_thread(app)
    client = OpenAICompatibleModel(server.url, max_retries=3, backoff_s=0.3)
    assert len(client.generate(PROMPTS[:1], max_new_tokens=4)[0]) == 1

    # Down, then back on the same port while the client is backing off: the retry succeeds.
    server.stop()
    port = server.port
    restarted: list[RunningServer] = []
    timer = threading.Timer(0.2, lambda: restarted.append(serve_in_thread(app, port=port)))
    timer.start()
    assert len(client.generate(PROMPTS[:1], max_new_tokens=4)[0]) == 1
    timer.join()
    assert client.retries >= 1

    # Down for good: every retry fails and the error names the server and the cause.
    restarted[0].stop()
    client.retries = 0
    start = time.monotonic()
    with pytest.raises(
        LMServerUnavailableError, match=f"127.0.0.1:{port}.*4 attempts.*ConnectError"
    ):
        client.generate(PROMPTS[:1], max_new_tokens=4)
    assert client.retries == 3
    assert time.monotonic() - start >= 0.3 + 0.6 + 1.2 - 0.05


def flaky_app(failures: int) -> FastAPI:
    """A real server that answers 503 ``failures`` times, then a valid completion."""
    app = FastAPI()
    calls = {"n": 0}

    @app.post("/v1/completions", response_model=None)
    async def completions() -> dict | JSONResponse:
        calls["n"] += 1
        if calls["n"] <= failures:
            return JSONResponse(status_code=503, content={"error": {"message": "warming up"}})
        await asyncio.sleep(0)
        choice = {
            "index": 0,
            "text": " simp.",
            "finish_reason": "stop",
            "logprobs": {"tokens": [" simp", "."], "token_logprobs": [-0.5, -0.25]},
        }
        return {"choices": [choice]}

    @app.post("/v1/chat/completions")
    async def chat() -> dict:
        return {
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "auto."},
                    "finish_reason": "stop",
                }
            ]
        }

    app.state.calls = calls
    return app


def test_5xx_answers_are_retried() -> None:
    server = serve_in_thread(flaky_app(failures=2))
    try:
        client = OpenAICompatibleModel(server.url, model="m", max_retries=2, backoff_s=0.01)
        [[cand]] = client.generate(["goal"])
        assert (cand.text, cand.logprob, cand.num_tokens) == (" simp.", -0.75, 2)
        assert client.retries == 2
        impatient = OpenAICompatibleModel(server.url, model="m", max_retries=0)
        server.server.config.app.state.calls["n"] = -10
        with pytest.raises(LMServerUnavailableError, match="1 attempts.*HTTP 503"):
            impatient.generate(["goal"])
    finally:
        server.stop()


def test_missing_logprobs_are_an_error_unless_allowed() -> None:
    server = serve_in_thread(flaky_app(failures=0))
    try:
        strict = OpenAICompatibleModel(server.url, model="m", endpoint="chat")
        with pytest.raises(LMServerError, match="no token log-probs"):
            strict.generate(["goal"])
        lenient = OpenAICompatibleModel(
            server.url, model="m", endpoint="chat", require_logprobs=False
        )
        assert lenient.generate(["goal"])[0][0].text == "auto."
    finally:
        server.stop()


def test_urls_load_the_http_client(served: RunningServer) -> None:
    lm = load_model(served.url.removesuffix("/v1"))
    assert isinstance(lm, OpenAICompatibleModel) and lm.model == "tiny"
    assert lm.generate(["auto."], max_new_tokens=3)[0][0].num_tokens >= 1
