"""Carry out a plan over HTTP: each call of a :class:`SpecPlan`, in plan order, against the
operations of an OpenAPI document, with the fields of earlier responses bound into later calls.

- Arguments go where the document puts them: path, query, header, JSON body (dotted names
  rebuilt into nested objects) or form; values are sent with the parameter's JSON type.
- ``$varN.path$`` reads a field of an earlier response (``doctors.doctorId`` steps into the
  first item of the ``doctors`` array).
- ``get_info`` questions are answered by a mapping (``{"birthDate": ...}`` or
  ``{"var1.birthDate": ...}``) or a callback (the terminal, in the CLI).
- The first failure stops the run with one line naming the step: an HTTP error status, no
  response, a response that is not JSON or lacks a field a later call needs, an unanswered
  question. Nothing is retried and no call is sent twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from common.errors import ProofplanError
from planner.api.function_spec import FunctionSpec, ParamSpec
from planner.api.importers import ImportResult
from planner.api.spec_translator import NestfulCall, Question, SpecPlan

REF = re.compile(r"\$(var\d+)(?:\.([^$]*))?\$")
Answer = Callable[[Question], Any]


class RunError(ProofplanError):
    """A plan that stopped: the message names the step and what went wrong."""


@dataclass
class SentCall:
    """One call as sent (or, in a dry run, as it would be sent) and what came back."""

    step: int
    label: str
    name: str
    method: str
    url: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    form: dict[str, Any] | None = None
    status: int | None = None
    response: Any = None

    def line(self) -> str:
        target = self.url + (f"?{httpx.QueryParams(self.query)}" if self.query else "")
        payload = f" {json.dumps(self.body or self.form)}" if (self.body or self.form) else ""
        status = f" -> {self.status}" if self.status is not None else " (not sent)"
        return f"{self.label} {self.name}: {self.method} {target}{payload}{status}"


@dataclass
class RunResult:
    calls: list[SentCall] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)  # label of each goal call -> its response


def read_path(value: Any, path: str) -> Any:
    """The field at dotted ``path`` of a JSON value; a list is read at its first item."""
    for part in [p for p in path.split(".") if p] if path else []:
        while isinstance(value, list):
            if not value:
                raise KeyError(path)
            value = value[0]
        if not isinstance(value, dict) or part not in value:
            raise KeyError(path)
        value = value[part]
    return value


def coerce(value: Any, spec: ParamSpec) -> Any:
    """A value in the parameter's JSON type (a user's "3" becomes 3 for an integer)."""
    if not isinstance(value, str):
        return value
    try:
        if spec.type == "integer":
            return int(value)
        if spec.type == "number":
            return float(value)
    except ValueError:
        return value
    if spec.type == "boolean" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if spec.type == "array":
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in flat.items():
        node = out
        *parents, leaf = name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def needed_fields(plan: SpecPlan) -> dict[str, list[tuple[str, str]]]:
    """For each call label, the response fields later calls read, with the reader's label."""
    need: dict[str, list[tuple[str, str]]] = {}
    for call in plan.calls:
        for value in call.arguments.values():
            for m in REF.finditer(value) if isinstance(value, str) else ():
                need.setdefault(m.group(1), []).append((m.group(2) or "", call.label))
    return need


class HttpRunner:
    """Runs plans of one imported OpenAPI document against a service at ``base_url``."""

    def __init__(self, spec: ImportResult, base_url: str, timeout: float = 10.0,
                 client: httpx.Client | None = None) -> None:
        if not re.match(r"^https?://[^/\s]+", base_url):
            raise RunError(f"--base-url must be an http(s) URL, got {base_url!r}")
        if not any(f.http for f in spec.functions):
            raise RunError("the specification has no HTTP operations: run api needs an OpenAPI document")
        self.spec = spec
        self.base_url = base_url.rstrip("/")
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self.timeout = timeout

    def _function(self, plan: SpecPlan, call: NestfulCall) -> FunctionSpec:
        key = plan.apis.get(call.label)
        fn = next((f for f in self.spec.functions if (f.key or f.name) == key or (not key and f.name == call.name)), None)
        if fn is None:
            raise RunError(f"step {call.label} {call.name}: the specification has no such operation")
        if fn.http is None:
            raise RunError(f"step {call.label} {call.name}: the specification gives no HTTP operation for it")
        return fn

    def _answer(self, question: Question, answers: Mapping[str, Any] | Answer | None, step: str) -> Any:
        if callable(answers):
            value = answers(question)
        elif answers is not None:
            value = answers.get(f"{question.call}.{question.param}", answers.get(question.param))
        else:
            value = None
        if value is None or value == "":
            raise RunError(f"step {step}: no answer for {question.param!r} ({question.text})")
        return value

    def _resolve(self, value: Any, responses: dict[str, Any], step: str, dry_run: bool) -> Any:
        if not isinstance(value, str) or not REF.search(value):
            return value
        whole = REF.fullmatch(value)
        if dry_run and any(m.group(1) not in responses for m in REF.finditer(value)):
            return value  # shown as the reference it will read
        if whole:
            return self._read(responses, whole.group(1), whole.group(2) or "", step)
        return REF.sub(lambda m: str(self._read(responses, m.group(1), m.group(2) or "", step)), value)

    @staticmethod
    def _read(responses: dict[str, Any], label: str, path: str, step: str) -> Any:
        try:
            return read_path(responses[label], path)
        except KeyError:
            raise RunError(f"step {step}: the response of {label} has no field {path!r}") from None

    def build(self, plan: SpecPlan, call: NestfulCall, index: int, responses: dict[str, Any],
              answers: Mapping[str, Any] | Answer | None, dry_run: bool = False,
              result: RunResult | None = None) -> SentCall:
        """The request for one call, with references read and questions answered."""
        fn = self._function(plan, call)
        step = f"{index} ({call.label} {call.name})"
        args = dict(call.arguments)
        for q in plan.questions:
            if q.call == call.label:
                if dry_run and answers is None:
                    args[q.param] = f"<ask: {q.param}>"
                    continue
                args[q.param] = self._answer(q, answers, step)
                if result is not None:
                    result.answers[f"{q.call}.{q.param}"] = args[q.param]
        sent = SentCall(step=index, label=call.label, name=call.name, method=fn.http.method, url="")  # type: ignore[union-attr]
        path = fn.http.path  # type: ignore[union-attr]
        body: dict[str, Any] = {}
        form: dict[str, Any] = {}
        for name, raw in args.items():
            spec = fn.parameters.get(name, ParamSpec(location="query"))
            value = coerce(self._resolve(raw, responses, step, dry_run), spec)
            where = spec.location or "query"
            if where == "path":
                if f"{{{name}}}" not in path:
                    raise RunError(f"step {step}: the path {path} has no {{{name}}}")
                path = path.replace(f"{{{name}}}", quote(str(value), safe=""))
            elif where == "header":
                sent.headers[name] = str(value)
            elif where == "body":
                body[name] = value
            elif where == "form":
                form[name] = value
            else:
                sent.query[name] = value
        missing = re.findall(r"\{([^}]+)\}", path)
        if missing:
            raise RunError(f"step {step}: no value for the path parameter {missing[0]!r}")
        sent.url = f"{self.base_url}{self.spec.base_path}{path}"
        sent.body = _nest(body) if body else None
        sent.form = form or None
        return sent

    def run(self, plan: SpecPlan, answers: Mapping[str, Any] | Answer | None = None, dry_run: bool = False,
            on_call: Callable[[SentCall], None] | None = None) -> RunResult:
        """Send every call in order (or, with ``dry_run``, build them and send nothing)."""
        if not plan.calls:
            raise RunError(f"nothing to run: {plan.plan.message or 'no API call serves the request'}")
        result = RunResult()
        responses: dict[str, Any] = {}
        need = needed_fields(plan)
        for index, call in enumerate(plan.calls, 1):
            sent = self.build(plan, call, index, responses, answers, dry_run, result)
            result.calls.append(sent)
            if dry_run:
                if on_call:
                    on_call(sent)
                continue
            step = f"{index} ({call.label} {call.name})"
            try:
                reply = self.client.request(sent.method, sent.url, params=sent.query or None, headers=sent.headers or None,
                                            json=sent.body, data=sent.form)
            except httpx.TimeoutException:
                raise RunError(f"step {step}: no response from {sent.url} within {self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise RunError(f"step {step}: cannot reach {sent.url}: {type(exc).__name__}") from None
            sent.status = reply.status_code
            try:
                sent.response = reply.json() if reply.content else None
            except ValueError:
                sent.response = reply.text
            if on_call:
                on_call(sent)
            if reply.status_code >= 400:
                detail = sent.response.get("detail") if isinstance(sent.response, dict) else sent.response
                raise RunError(f"step {step}: HTTP {reply.status_code} from {sent.method} {sent.url}"
                               + (f": {str(detail)[:120]}" if detail else ""))
            responses[call.label] = sent.response
            for path, reader in need.get(call.label, []):
                try:
                    read_path(sent.response, path)
                except KeyError:
                    raise RunError(f"step {step}: the response has no field {path!r}, which {reader} needs") from None
        goals = plan.goals or [plan.calls[-1].label]
        result.outputs = {label: responses.get(label) for label in goals if not dry_run}
        return result
