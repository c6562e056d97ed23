"""Run a plan against Python callables registered per API, asking a callback for get_info values.

A callable receives its inputs as keyword arguments (the catalog's parameter names) and returns
a mapping from output parameter name to value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from common.errors import ProofplanError
from planner.api.catalog import Catalog
from planner.api.plan import ApiPlan

ApiFunction = Callable[..., Mapping[str, Any]]
AskUser = Callable[[str, str], Any]


class ExecutionError(ProofplanError):
    """A plan could not run: an API without a callable, a bad return value, or a failed call."""


@dataclass
class ExecutedCall:
    step: int
    api: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]


@dataclass
class ExecutionResult:
    values: dict[str, Any] = field(default_factory=dict)
    calls: list[ExecutedCall] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)

    def goal_values(self, goals: list[str]) -> dict[str, Any]:
        return {g: self.values[g] for g in goals if g in self.values}


class Executor:
    """Holds the callables for one catalog and runs plans of that catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.functions: dict[str, ApiFunction] = {}

    def register(self, api_name: str, function: ApiFunction) -> None:
        if api_name not in self.catalog.api_by_name:
            raise ExecutionError(f"catalog {self.catalog.name!r} has no API {api_name!r}")
        self.functions[api_name] = function

    def run(self, plan: ApiPlan, ask: AskUser) -> ExecutionResult:
        """Execute the plan's steps in order; ``ask(type_name, description)`` answers get_info."""
        missing = [c for c in plan.calls() if c not in self.functions]
        if missing:
            raise ExecutionError(f"no callable registered for {', '.join(sorted(set(missing)))}")
        result = ExecutionResult()
        by_step: dict[int, dict[str, Any]] = {}
        for v in plan.request.values:
            result.values[v.type] = v.value
        for step in plan.steps:
            if step.kind == "get_info":
                assert step.asks is not None
                answer = ask(step.asks, self.catalog.type_by_name[step.asks].description)
                result.answers[step.asks] = answer
                result.values[step.asks] = answer
                by_step[step.index] = {step.asks: answer}
                continue
            api = self.catalog.api_by_name[step.api or ""]
            kwargs: dict[str, Any] = {}
            for param, binding in step.inputs.items():
                if binding.source == "user":
                    kwargs[param] = binding.value
                elif binding.source == "ask":
                    kwargs[param] = result.answers[binding.type]
                else:
                    kwargs[param] = by_step[binding.step or 0][binding.type]
            try:
                returned = self.functions[api.name](**kwargs)
            except Exception as exc:  # a user's API failing is reported with the step it broke
                raise ExecutionError(f"step {step.index} {api.name} failed: {type(exc).__name__}: {exc}") from exc
            if not isinstance(returned, Mapping) or set(returned) != set(api.outputs):
                raise ExecutionError(
                    f"step {step.index} {api.name} must return a mapping with keys {sorted(api.outputs)}"
                )
            outs = {api.outputs[p]: v for p, v in returned.items()}
            by_step[step.index] = outs
            result.values.update(outs)
            result.calls.append(ExecutedCall(step.index, api.name, kwargs, dict(returned)))
        return result
