"""The trained parts a search configuration loads: tactic generator, premise retriever, progress
model. They live under one models folder (default ``data/models``): ``generator/``,
``retriever/`` and ``progress/``, as written by the training commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import ProofplanError
from common.paths import data_dir
from prover.env import Theorem
from prover.models.common import ProgressModel, TacticGenerator
from prover.search.best_first import PremiseSource

if TYPE_CHECKING:
    from prover.models.generators.templates import TemplateSet


def models_root(models_dir: Path | None = None) -> Path:
    root = Path(models_dir) if models_dir is not None else data_dir() / "models"
    if not root.is_dir():
        raise ProofplanError(f"models folder {root} does not exist (train the models or pass --models-dir)")
    return root


def tactic_generator(models_dir: Path | None = None, kind: str = "mixture") -> TacticGenerator:
    """The trained generator (``byt5``, ``knn`` or their ``mixture``) of ``<models>/generator``."""
    from prover.models.generators import load_generator

    return load_generator(kind, models_root(models_dir) / "generator")


def progress_model(models_dir: Path | None = None) -> ProgressModel:
    """The progress predictor of ``<models>/progress``."""
    from prover.models.progress import ProgressPredictor

    return ProgressPredictor.load(models_root(models_dir) / "progress")


class RetrievedPremises:
    """A :data:`~prover.search.best_first.PremiseSource` over the premise retriever of a dataset.

    For a theorem of the dataset, only premises accessible from its file (and, inside the file,
    ending before the theorem starts) are searched; a theorem the dataset does not know is
    searched against its file's premises, or every premise another file may name when it has
    no file (:attr:`~prover.data.records.CorpusPremise.local` ones left out). Returns the
    premise texts the generator was trained on (corpus code, one line), each a
    :class:`~prover.models.generators.templates.RetrievedPremiseText` carrying the premise's
    name, corpus kind and retriever score (what premise templates instantiate).
    """

    def __init__(self, dataset_dir: Path, model_dir: Path | None, k: int = 8) -> None:
        from prover.data.dataset import PARTS, SPLITS, load_split
        from prover.models.premise_retriever import PremiseRetriever

        self.k = k
        self.retriever = PremiseRetriever.load(dataset_dir, model_dir)
        corpus = self.retriever.corpus
        self.texts = {r.key: r.text for r in corpus.records}
        self.kinds = {p.full_name: p.kind for f in corpus.files.files.values() for p in f.premises}
        self.starts: dict[tuple[str, str], tuple[int, int]] = {}
        for split in SPLITS:
            for part in PARTS:
                if (Path(dataset_dir) / split / f"{part}.json").is_file():
                    for rec in load_split(dataset_dir, split, part):
                        self.starts[(rec.file_path, rec.full_name)] = (rec.start[0], rec.start[1])

    def __call__(self, theorem: Theorem, state: str) -> list[str]:
        from prover.models.generators.templates import RetrievedPremiseText
        from prover.models.premise_retriever import state_query_text

        if theorem.file_path and theorem.file_path in self.retriever.corpus.files.files:
            before = self.starts.get((theorem.file_path, theorem.full_name or ""), theorem.start)
            hits = self.retriever.retrieve([state], [theorem.file_path], [before], self.k)[0]
            scored = [(h.full_name, h.score) for h in hits]
        else:
            vectors = self.retriever.encoder.encode([state_query_text(state)])
            hits = self.retriever.index.search(vectors, self.k, self.retriever.corpus.nameable_ids)[0]
            scored = [(h.record.key, h.score) for h in hits]
        own = own_file_prefix(theorem)
        return [RetrievedPremiseText(self.texts.get(n, n), n.removeprefix(own) if own else n, self.kinds.get(n), s)
                for n, s in scored]


def own_file_prefix(theorem: Theorem) -> str:
    """For a theorem stated after its file prefix (``theorem.prelude``), the logical name of its
    file with a trailing dot (``Coq.ZArith.BinInt.``): its file's earlier lemmas are defined in
    the prelude, not loaded from the compiled library, so they are named without it
    (``Z.add_comm``). Empty otherwise."""
    if not theorem.prelude or not theorem.file_path:
        return ""
    from prover.coq.outline import logical_name

    head, _, rest = theorem.file_path.partition("/")
    if head == "theories":
        return logical_name(rest) + "."
    from prover.coq.project import installed_libraries

    if rest and head in installed_libraries():
        return logical_name(rest, head) + "."
    if theorem.full_name and theorem.name and theorem.full_name.endswith("." + theorem.name):
        # a project's theorem: its file's logical name, and the modules open where it stands
        return theorem.full_name[: -len(theorem.name)]
    return ""


def premise_source(models_dir: Path | None, dataset_dir: Path, k: int = 8) -> PremiseSource:
    """Premise texts retrieved for a (theorem, state) with ``<models>/retriever`` over the
    corpus of ``dataset_dir``."""
    model = models_root(models_dir) / "retriever"
    # Without a trained retriever the untuned MiniLM encoder is used (prover.models.premise_retriever).
    return RetrievedPremises(Path(dataset_dir), model if model.is_dir() else None, k)


def premise_templates(models_dir: Path | None, dataset_dir: Path) -> TemplateSet | None:
    """The premise templates saved beside ``<models>/retriever``; without them, the templates
    of ``dataset_dir``'s random train part, learned now (seconds; not saved), or None when its
    traced tactics annotate too few premises to learn any."""
    from prover.data.dataset import DatasetError
    from prover.models.generators.templates import TemplateError, TemplateSet, learn_templates

    folder = models_root(models_dir) / "retriever"
    if TemplateSet.exists(folder):
        return TemplateSet.load(folder)
    try:
        return learn_templates(Path(dataset_dir))
    except (TemplateError, DatasetError):
        return None
