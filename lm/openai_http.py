"""Client for OpenAI-compatible HTTP servers (vLLM, llama.cpp server, Ollama, ``proofplan serve lm``).

One request per prompt (sent concurrently), ``n`` candidates per request, token log-probs
summed into each candidate's ``logprob``. Connection failures, timeouts, 429 and 5xx answers are
retried with exponential backoff; when retries run out a :class:`LMServerUnavailableError`
names the server and the last failure.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal

import httpx

from lm.base import Candidate, GenerationConfig, LanguageModel, rank, truncate_at_stop
from lm.errors import LMServerError, LMServerUnavailableError

Endpoint = Literal["completions", "chat"]


def normalise_base_url(url: str) -> str:
    """``http://host:port`` or ``http://host:port/v1`` -> ``http://host:port/v1``."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


class OpenAICompatibleModel(LanguageModel):
    """A :class:`LanguageModel` served over the OpenAI completions (or chat) API."""

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api_key: str | None = None,
        endpoint: Endpoint = "completions",
        timeout_s: float = 120.0,
        connect_timeout_s: float = 5.0,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        max_concurrency: int = 8,
        require_logprobs: bool = True,
        name: str | None = None,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self.endpoint = endpoint
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.max_concurrency = max_concurrency
        self.require_logprobs = require_logprobs
        self.retries = 0
        self._lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=max(max_concurrency, 1) * 2),
        )
        self._model = model
        self.name = name or model or self.base_url

    @property
    def model(self) -> str:
        """The served model id (asked from ``/v1/models`` when not given)."""
        if self._model is None:
            data = self._request("GET", "/models")
            models = data.get("data") or []
            if not models or "id" not in models[0]:
                raise LMServerError(f"{self.base_url}/models lists no model; pass model=NAME")
            self._model = str(models[0]["id"])
        return self._model

    def close(self) -> None:
        self._client.close()

    def _request(
        self, method: str, path: str, payload: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        last = "no attempt made"
        for attempt in range(self.max_retries + 1):
            if attempt:
                with self._lock:
                    self.retries += 1
                time.sleep(self.backoff_s * 2 ** (attempt - 1))
            try:
                response = self._client.request(method, path, json=payload)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.status_code == 429 or response.status_code >= 500:
                last = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                raise LMServerError(
                    f"{self.base_url}{path} rejected the request: HTTP {response.status_code}: "
                    f"{response.text[:300]}"
                )
            try:
                body = response.json()
            except ValueError as exc:
                raise LMServerError(
                    f"{self.base_url}{path} answered with non-JSON: {response.text[:200]}"
                ) from exc
            if not isinstance(body, dict):
                raise LMServerError(
                    f"{self.base_url}{path} answered with a JSON {type(body).__name__}, not an object"
                )
            return body
        raise LMServerUnavailableError(
            f"LLM server {self.base_url} did not answer {method} {path} after "
            f"{self.max_retries + 1} attempts (last: {last})"
        )

    def _payload(self, prompt: str, config: GenerationConfig) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "max_tokens": config.max_new_tokens,
            "temperature": config.temperature,
            "n": config.n,
        }
        if config.mode == "beam":
            # vLLM reads the beam width from n (new API) or best_of (old API); we send both.
            payload.update(
                use_beam_search=True, n=config.num_beams, best_of=config.num_beams, temperature=0.0
            )
        elif config.mode == "sample":
            payload["top_p"] = 1.0
        if config.stop:
            payload["stop"] = list(config.stop)
        if self.endpoint == "chat":
            payload.update(messages=[{"role": "user", "content": prompt}], logprobs=True)
        else:
            payload.update(prompt=prompt, logprobs=1)
        return payload

    def _parse_choice(self, choice: dict[str, Any], config: GenerationConfig) -> Candidate:
        if self.endpoint == "chat":
            text = (choice.get("message") or {}).get("content") or ""
            entries = (choice.get("logprobs") or {}).get("content")
            token_lps = None if entries is None else [e.get("logprob") for e in entries]
            tokens = [] if entries is None else [str(e.get("token", "")) for e in entries]
        else:
            text = choice.get("text") or ""
            token_lps = (choice.get("logprobs") or {}).get("token_logprobs")
            tokens = [str(t) for t in (choice.get("logprobs") or {}).get("tokens") or []]
        if token_lps is None:
            if self.require_logprobs:
                raise LMServerError(
                    f"{self.base_url} returned no token log-probs; use a server that supports "
                    "logprobs (vLLM, llama.cpp, proofplan serve lm) or pass require_logprobs=False"
                )
            token_lps = []
        values = tuple(float(v) for v in token_lps if v is not None)
        if not all(math.isfinite(v) for v in values):
            raise LMServerError(f"{self.base_url} returned a non-finite token log-prob")
        if config.stop:
            text = truncate_at_stop(text, config.stop)[0]
        reason = choice.get("finish_reason")
        return Candidate(
            text=text,
            logprob=float(sum(values)),
            token_logprobs=values,
            tokens=tuple(tokens) if len(tokens) == len(values) else (),
            finish_reason=reason if reason in ("stop", "length") else "",
        )

    def _one(self, prompt: str, config: GenerationConfig) -> list[Candidate]:
        path = "/chat/completions" if self.endpoint == "chat" else "/completions"
        body = self._request("POST", path, self._payload(prompt, config))
        choices = body.get("choices")
        if not isinstance(choices, list) or not choices:
            raise LMServerError(
                f"{self.base_url}{path} answered without choices: {str(body)[:200]}"
            )
        return rank([self._parse_choice(c, config) for c in choices])[: config.n]

    def generate_with(
        self, prompts: Sequence[str], config: GenerationConfig
    ) -> list[list[Candidate]]:
        _ = self.model  # resolve the model id once, before the concurrent requests
        if len(prompts) == 1 or self.max_concurrency <= 1:
            return [self._one(p, config) for p in prompts]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(prompts))) as pool:
            return list(pool.map(lambda p: self._one(p, config), prompts))
