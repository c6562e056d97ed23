"""The typer applications that command modules register their commands on."""

import typer

app = typer.Typer(
    name="proofplan",
    help="Prove theorems with LLM-guided search and plan natural-language requests with solvers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
plan_app = typer.Typer(help="Plan a natural-language request (travel: z3; APIs: clingo + PDDL).", no_args_is_help=True)
eval_app = typer.Typer(help="Run an evaluation and print its metrics.", no_args_is_help=True)
data_app = typer.Typer(help="Build and inspect datasets (Coq tracing, LeanDojo files).", no_args_is_help=True)
train_app = typer.Typer(help="Train the prover's models (retriever, tactic generator, progress).", no_args_is_help=True)
index_app = typer.Typer(help="Build retrieval indexes.", no_args_is_help=True)
serve_app = typer.Typer(help="Serve a model over HTTP.", no_args_is_help=True)
run_app = typer.Typer(help="Plan a request and carry it out (API calls over HTTP).", no_args_is_help=True)

app.add_typer(plan_app, name="plan")
app.add_typer(eval_app, name="eval")
app.add_typer(data_app, name="data")
app.add_typer(train_app, name="train")
app.add_typer(index_app, name="index")
app.add_typer(serve_app, name="serve")
app.add_typer(run_app, name="run")
