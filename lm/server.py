"""An OpenAI-compatible HTTP server over a local model, with request batching.

Endpoints: ``GET /v1/models``, ``POST /v1/completions``, ``POST /v1/chat/completions``,
``GET /health``. Beam search is asked for the vLLM way (``use_beam_search`` with the width in
``n``/``best_of``). Start it with ``proofplan serve lm --model PATH --port N``.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lm.base import Candidate, GenerationConfig, LanguageModel
from lm.batching import BatchingGenerator
from lm.errors import LMError


class _SamplingFields(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    max_tokens: int = 16
    temperature: float = 1.0
    n: int = Field(default=1, ge=1, le=256)
    stop: str | list[str] | None = None
    use_beam_search: bool = False
    best_of: int | None = None

    def generation_config(self) -> GenerationConfig:
        stop = (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())
        if self.use_beam_search:
            width = max(self.n, self.best_of or 1)
            return GenerationConfig(
                n=self.n, num_beams=width, max_new_tokens=self.max_tokens, stop=stop
            )
        return GenerationConfig(
            n=self.n,
            num_beams=1,
            max_new_tokens=self.max_tokens,
            temperature=self.temperature,
            stop=stop,
        )


class CompletionRequest(_SamplingFields):
    prompt: str | list[str]
    logprobs: int | None = None


class ChatMessage(BaseModel):
    role: str
    content: str


class ChatCompletionRequest(_SamplingFields):
    messages: list[ChatMessage]
    logprobs: bool = False


def _usage(candidates: list[Candidate]) -> dict[str, int]:
    completion = sum(c.num_tokens for c in candidates)
    return {"prompt_tokens": 0, "completion_tokens": completion, "total_tokens": completion}


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": {"message": message, "type": kind}})


def chat_prompt(model: LanguageModel, messages: list[ChatMessage]) -> str:
    """Render chat messages with the model's chat template, or as plain ``role: content`` lines."""
    tokenizer = getattr(model, "tokenizer", None)
    turns = [m.model_dump() for m in messages]
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return str(tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=True))
    return "".join(f"{m.role}: {m.content}\n" for m in messages) + "assistant:"


def create_app(
    model: LanguageModel,
    *,
    model_name: str | None = None,
    max_batch_prompts: int = 32,
    max_wait_s: float = 0.02,
) -> FastAPI:
    """The FastAPI app serving ``model``; batching runs inside the app's event loop."""
    name = model_name or model.name
    batcher = BatchingGenerator(model, max_batch_prompts=max_batch_prompts, max_wait_s=max_wait_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(title="proofplan LM server", lifespan=lifespan)
    app.state.batcher = batcher

    @app.exception_handler(LMError)
    async def lm_error(_: Request, exc: LMError) -> JSONResponse:
        return _error(400, str(exc), "invalid_request_error")

    @app.get("/health")
    async def health() -> dict[str, Any]:
        s = batcher.stats
        return {"status": "ok", "model": name, "requests": s.requests, "batches": s.batches}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": name, "object": "model", "owned_by": "proofplan"}],
        }

    def check_model(requested: str | None) -> JSONResponse | None:
        if requested not in (None, "", name):
            return _error(
                404, f"model {requested!r} is not served here (serving {name!r})", "not_found_error"
            )
        return None

    @app.post("/v1/completions", response_model=None)
    async def completions(req: CompletionRequest) -> dict[str, Any] | JSONResponse:
        if (bad := check_model(req.model)) is not None:
            return bad
        config = req.generation_config()
        prompts = [req.prompt] if isinstance(req.prompt, str) else req.prompt
        per_prompt = await asyncio.gather(*(batcher.submit(p, config) for p in prompts))
        choices = []
        flat: list[Candidate] = []
        for i, cands in enumerate(per_prompt):
            for j, c in enumerate(cands):
                flat.append(c)
                logprobs = None
                if req.logprobs is not None:
                    logprobs = {
                        "tokens": list(c.tokens),
                        "token_logprobs": list(c.token_logprobs),
                        "top_logprobs": None,
                        "text_offset": None,
                    }
                choices.append(
                    {
                        "index": i * config.n + j,
                        "text": c.text,
                        "logprobs": logprobs,
                        "finish_reason": c.finish_reason or None,
                    }
                )
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": name,
            "choices": choices,
            "usage": _usage(flat),
        }

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(req: ChatCompletionRequest) -> dict[str, Any] | JSONResponse:
        if (bad := check_model(req.model)) is not None:
            return bad
        cands = await batcher.submit(chat_prompt(model, req.messages), req.generation_config())
        choices = []
        for j, c in enumerate(cands):
            logprobs = None
            if req.logprobs:
                logprobs = {
                    "content": [
                        {"token": t, "logprob": lp, "top_logprobs": []}
                        for t, lp in zip(
                            c.tokens or ("",) * c.num_tokens, c.token_logprobs, strict=True
                        )
                    ]
                }
            choices.append(
                {
                    "index": j,
                    "message": {"role": "assistant", "content": c.text},
                    "logprobs": logprobs,
                    "finish_reason": c.finish_reason or None,
                }
            )
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": name,
            "choices": choices,
            "usage": _usage(cands),
        }

    return app


@dataclass
class RunningServer:
    """A uvicorn server running in a background thread on a loopback socket."""

    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)


def serve_in_thread(
    app: FastAPI, host: str = "127.0.0.1", port: int = 0, start_timeout_s: float = 30.0
) -> RunningServer:
    """Start ``app`` with uvicorn in a daemon thread; ``port=0`` picks a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise LMError(f"LM server on {host}:{bound_port} did not start")
        time.sleep(0.01)
    return RunningServer(server=server, thread=thread, host=host, port=bound_port)
