"""Executor: plans run against registered callables; get_info answers come from a callback."""

import pytest

from planner.api.executor import ExecutionError, Executor
from planner.api.extractor import extract
from planner.api.pipeline import plan_request


def shop_functions(log):
    def fn(name, outputs):
        def call(**kwargs):
            log.append((name, kwargs))
            return {k: f"{name}:{'/'.join(str(v) for v in kwargs.values())}" for k in outputs}
        return call

    return fn


def test_executor_runs_a_dataflow_plan_and_asks_for_missing_inputs(shopping):
    text = "Please place the order for a yoga mat under $40, 2 units, ship to 12 Oak Street."
    plan, _, _ = plan_request(shopping, extract(shopping, text), planner="fast-downward")
    assert plan.status == "planned"
    assert plan.asked() == ["payment_method"]
    log, asked = [], []
    fn = shop_functions(log)
    executor = Executor(shopping)
    for api in shopping.apis:
        executor.register(api.name, fn(api.name, api.outputs))

    def ask(type_name, description):
        asked.append((type_name, description))
        return "paypal"

    result = executor.run(plan, ask)
    assert asked == [("payment_method", "how to pay")]
    names = [c for c, _ in log]
    assert set(names) == {"search_products", "select_best_offer", "add_to_cart", "validate_address", "checkout"}
    assert names.index("search_products") < names.index("select_best_offer") < names.index("add_to_cart") < names.index("checkout")
    calls = dict(log)
    assert calls["search_products"] == {"query": "yoga mat"}
    assert calls["select_best_offer"]["max_price"] == "$40"
    # dataflow: checkout receives what add_to_cart returned and the user's answer
    assert calls["checkout"]["cart"] == result.values["cart"]
    assert calls["checkout"]["payment"] == "paypal"
    assert result.goal_values(["order_confirmation"])["order_confirmation"].startswith("checkout:")


def test_executor_rejects_missing_callables_and_bad_returns(shopping):
    plan, _, _ = plan_request(shopping, extract(shopping, "cancel my order ORD-55120"))
    executor = Executor(shopping)
    with pytest.raises(ExecutionError, match="no callable registered for cancel_order"):
        executor.run(plan, lambda t, d: None)
    executor.register("cancel_order", lambda order: {"wrong": 1})
    with pytest.raises(ExecutionError, match="must return a mapping with keys \\['cancellation'\\]"):
        executor.run(plan, lambda t, d: None)
    executor.register("cancel_order", lambda order: 1 / 0)
    with pytest.raises(ExecutionError, match="step 1 cancel_order failed: ZeroDivisionError"):
        executor.run(plan, lambda t, d: None)
    with pytest.raises(ExecutionError, match="has no API 'nope'"):
        executor.register("nope", lambda: {})
