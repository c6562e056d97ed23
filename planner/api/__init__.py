"""API-orchestration planner: request -> ASP facts -> clingo -> PDDL -> Fast Downward -> calls.

Follows the pipeline of Agarwal et al., "LLM+Reasoning+Planning for supporting incomplete user
queries in presence of APIs": missing inputs that no API can produce become ``get_info`` steps.

Modules: ``catalog`` (typed API catalogs, validation), ``request`` (goals + typed values),
``extractor`` (built-in translator), ``llm_translator`` (``lm/`` model, schema check, retry),
``selection`` (retrieval of relevant APIs), ``asp`` (clingo), ``pddl`` (domain/problem),
``planners`` (Fast Downward subprocess, pyperplan fallback), ``plan`` and ``pipeline``
(ordered calls with bindings), ``executor`` (run a plan on Python callables), ``evalset`` and
``evaluation`` (the generated evaluation set and its scorer).

    from planner.api.catalog import load_catalog
    from planner.api.extractor import extract
    from planner.api.pipeline import plan_request

    catalog = load_catalog("travel")
    plan, pddl_task, asp = plan_request(catalog, extract(catalog, "Book a hotel in Rome ..."))
    for step in plan.steps:
        print(step.label())
"""
