"""API-orchestration planner: request -> ASP facts -> clingo -> PDDL -> Fast Downward -> calls.

Follows the pipeline of Agarwal et al., "LLM+Reasoning+Planning for supporting incomplete user
queries in presence of APIs": missing inputs that no API can produce become ``get_info`` steps.
"""
