"""The planner's answer: ordered API calls with argument bindings, ``get_info`` questions, and
explanations for goals no plan can reach. Built from a classical planner's ground actions."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from planner.api.catalog import Catalog
from planner.api.planners import GroundAction
from planner.api.request import ApiRequest
from planner.api.roles import fits, input_role, type_words

PlanStatus = Literal["planned", "partial", "no_reachable_goal", "nothing_to_do", "timeout", "failed"]


class Binding(BaseModel):
    """Where an input's value comes from: the request, a get_info answer, or an earlier call."""

    type: str
    source: Literal["user", "ask", "step"]
    step: int | None = None
    value: str | None = None


class PlanStep(BaseModel):
    index: int
    kind: Literal["call", "get_info"]
    api: str | None = None
    asks: str | None = None
    inputs: dict[str, Binding] = Field(default_factory=dict)
    outputs: dict[str, str] = Field(default_factory=dict)

    def label(self) -> str:
        if self.kind == "get_info":
            return f"get_info({self.asks})"
        args = ", ".join(
            f"{p}={b.value!r}" if b.source == "user" else f"{p}=<{b.type} from {'step ' + str(b.step) if b.source == 'step' else 'user answer'}>"
            for p, b in self.inputs.items()
        )
        return f"{self.api}({args})"


class ApiPlan(BaseModel):
    """A plan for one request, with what the reasoning found and how long each stage took."""

    request: ApiRequest
    catalog: str
    status: PlanStatus
    steps: list[PlanStep] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    reachable_goals: list[str] = Field(default_factory=list)
    unreachable: dict[str, str] = Field(default_factory=dict)
    planner: str = ""
    message: str = ""
    timings: dict[str, float] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)  # inputs kept apart from a value of another role

    def calls(self) -> list[str]:
        return [s.api for s in self.steps if s.kind == "call" and s.api]

    def asked(self) -> list[str]:
        return [s.asks for s in self.steps if s.kind == "get_info" and s.asks]

    def explanation(self) -> str:
        return "; ".join(f"{g}: {why}" for g, why in self.unreachable.items())


def steps_from_actions(catalog: Catalog, request: ApiRequest, actions: list[GroundAction]) -> list[PlanStep]:
    """Turn ground actions into steps, binding each input to the most specific known value."""
    known: dict[str, Binding] = {
        v.type: Binding(type=v.type, source="user", value=v.value) for v in request.values
    }
    steps: list[PlanStep] = []
    for action in actions:
        index = len(steps) + 1
        if action.name == "get_info":
            asked = action.args[0].removeprefix("v_")
            steps.append(PlanStep(index=index, kind="get_info", asks=asked))
            known[asked] = Binding(type=asked, source="ask", step=index)
            continue
        api = catalog.api_by_name[action.name]
        inputs: dict[str, Binding] = {}
        for (param, need), arg in zip(api.inputs.items(), action.args, strict=True):
            chosen = arg.removeprefix("v_")
            if need in known:  # an exact-type value beats the subtype value the planner picked
                chosen = need
            else:  # among subtype values, one whose type fits the input's role
                role = input_role(param, need)
                fitting = [k for k in known if k != need and catalog.satisfies(k, need)
                           and fits(role, type_words(catalog.type_by_name[k]))]
                if role and fitting and chosen not in fitting:
                    chosen = fitting[0]
            inputs[param] = known[chosen].model_copy()
        steps.append(PlanStep(index=index, kind="call", api=api.name, inputs=inputs, outputs=dict(api.outputs)))
        for out_type in api.outputs.values():
            known[out_type] = Binding(type=out_type, source="step", step=index)
    return steps
