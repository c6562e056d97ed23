"""CLI command: ``proofplan serve lm`` (an OpenAI-compatible server over a local model)."""

import typer

from proofplan.apps import serve_app


@serve_app.command("lm")
def serve_lm(
    model: str = typer.Option(
        "smollm2", "--model", help="'smollm2', a model directory or a .gguf file."
    ),
    port: int = typer.Option(8000, "--port", help="TCP port to listen on."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to bind (loopback by default)."
    ),
    device: str = typer.Option(None, "--device", help="cpu | cuda (default: cuda when available)."),
    max_batch: int = typer.Option(
        32, "--max-batch", min=1, help="Most prompts run in one batched call."
    ),
    max_wait_ms: float = typer.Option(
        20.0, "--max-wait-ms", min=0.0, help="How long an idle server gathers a batch."
    ),
    name: str = typer.Option(None, "--name", help="Model id reported by /v1/models."),
    threads: int = typer.Option(
        0, "--threads", min=0, help="CPU threads for torch (0: torch's default)."
    ),
    chat: bool = typer.Option(
        False, "--chat", help="Wrap completion prompts in the model's chat template."
    ),
) -> None:
    """Serve a local model over the OpenAI completions API with request batching."""
    import socket

    import uvicorn
    from rich.console import Console

    from common.errors import ProofplanError
    from lm.registry import load_model
    from lm.server import create_app

    if model.startswith(("http://", "https://")):
        raise ProofplanError(
            "serve lm needs a local model (a name, directory or .gguf file), not a URL"
        )
    if not 0 < port < 65536:
        raise ProofplanError(f"--port must be in 1..65535, got {port}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise ProofplanError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    if threads:
        import torch

        torch.set_num_threads(threads)
    lm = load_model(model, device=device, chat=chat)
    app = create_app(
        lm, model_name=name, max_batch_prompts=max_batch, max_wait_s=max_wait_ms / 1000
    )
    Console(stderr=True).print(f"serving [bold]{name or lm.name}[/bold] at http://{host}:{port}/v1")
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
