"""An :class:`retrieval.encoder.Encoder` wrapper that remembers embeddings by text, on disk.

The k-NN generator and the progress model embed the same traced states; training both on
two splits would otherwise encode every state four times.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from retrieval.encoder import Encoder


class CachedEncoder:
    """Same name and dimension as the wrapped encoder; encodes only texts it has not seen."""

    def __init__(self, encoder: Encoder, path: Path | None = None) -> None:
        self.inner = encoder
        self.path = Path(path) if path is not None else None
        self._cache: dict[str, np.ndarray] = {}
        if self.path is not None and self.path.is_file():
            data = np.load(self.path)
            if data["vectors"].shape[1:] == (encoder.dim,) and str(data["encoder"]) == encoder.name:
                self._cache = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def dim(self) -> int:
        return self.inner.dim

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self._cache}.items())
        if missing:
            vectors = self.inner.encode([t for _, t in missing])
            self._cache.update({k: v for (k, _), v in zip(missing, vectors, strict=True)})
            self.save()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._cache[k] for k in keys]).astype(np.float32)

    def save(self) -> None:
        if self.path is None or not self._cache:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._cache))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self._cache.values())), encoder=np.array(self.name))
        tmp.replace(self.path)
