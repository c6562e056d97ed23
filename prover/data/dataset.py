"""Read and write traced-proof datasets in the LeanDojo Benchmark 4 layout.

A dataset folder looks like LeanDojo's::

    DIR/corpus.jsonl                 one CorpusFile per line (path, imports, premises)
    DIR/metadata.json                DatasetMetadata
    DIR/random/{train,val,test}.json          lists of TracedTheorem records
    DIR/novel_premises/{train,val,test}.json

The same code reads real LeanDojo files and the files our Coq tracer writes, so every later
stage (retrieval, tactic generation, progress models, evaluation) takes either source.

Two splits, as in LeanDojo:

* ``random``: theorems shuffled with the seed, then cut into test, val and train.
* ``novel_premises``: every val/test theorem uses at least one premise that no train theorem
  uses (see :func:`split_novel_premises` for the algorithm).

``steps_remaining`` (our extension, absent in LeanDojo files) is defined in
:func:`compute_steps_remaining`.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

import networkx as nx
from pydantic import BaseModel, ConfigDict, ValidationError

from common.errors import ProofplanError
from prover.data.records import CorpusFile, TracedTheorem

SPLITS: tuple[str, ...] = ("random", "novel_premises")
PARTS: tuple[str, ...] = ("train", "val", "test")
SplitName = Literal["random", "novel_premises"]
PartName = Literal["train", "val", "test"]

NO_GOALS = "no goals"
STEPS_REMAINING_DEFINITION = (
    "steps_remaining of a traced tactic = number of tactics of the trace, this one included, "
    "that work on the goals of its state_before or on goals those goals turn into, up to the end "
    "of the proof (n - i for a proof of n tactics without focusing)"
)


class DatasetError(ProofplanError):
    """A dataset folder or file is missing or does not follow the LeanDojo schema."""


class FromRepo(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str
    commit: str


class DatasetMetadata(BaseModel):
    """``metadata.json``: LeanDojo's keys; anything else we add rides along as extra keys."""

    model_config = ConfigDict(extra="allow")
    dataset_name: str
    creation_time: str
    from_repo: FromRepo | None = None
    leandojo_version: str | None = None


@dataclass
class SplitParts:
    """The three parts of one split."""

    train: list[TracedTheorem] = field(default_factory=list)
    val: list[TracedTheorem] = field(default_factory=list)
    test: list[TracedTheorem] = field(default_factory=list)

    def part(self, name: str) -> list[TracedTheorem]:
        if name not in PARTS:
            raise DatasetError(f"unknown part {name!r}; expected one of {', '.join(PARTS)}")
        return getattr(self, name)

    def sizes(self) -> dict[str, int]:
        return {p: len(self.part(p)) for p in PARTS}


@dataclass(frozen=True)
class WrittenDataset:
    """What :func:`write_dataset` wrote: the folder and the size of every split part."""

    out_dir: Path
    sizes: dict[str, dict[str, int]]
    num_theorems: int
    num_corpus_files: int


# --------------------------------------------------------------------------- reading


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise DatasetError(f"missing dataset file {path}")
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err["loc"])
    return f"{where}: {err['msg']}"


def parse_theorems(records: Any, source: str = "<records>") -> list[TracedTheorem]:
    """Validate a list of LeanDojo theorem records into :class:`TracedTheorem` objects."""
    if not isinstance(records, list):
        raise DatasetError(f"{source}: expected a JSON list of theorem records")
    theorems = []
    for i, rec in enumerate(records):
        try:
            theorems.append(TracedTheorem.model_validate(rec))
        except ValidationError as exc:
            raise DatasetError(f"{source}: theorem {i}: {_first_error(exc)}") from None
    return theorems


def load_theorems(path: str | Path, fill_steps_remaining: bool = True) -> list[TracedTheorem]:
    """Read one split-part file (a JSON list of theorem records). With
    ``fill_steps_remaining``, theorems whose tactics lack ``steps_remaining`` (LeanDojo's own
    files) get it computed, so progress models take either source."""
    path = Path(path)
    theorems = parse_theorems(_read_json(path), str(path))
    if fill_steps_remaining:
        theorems = [
            with_steps_remaining(t)
            if any(tac.steps_remaining is None for tac in t.traced_tactics)
            else t
            for t in theorems
        ]
    return theorems


def load_split(
    dataset_dir: str | Path, split: str, part: str, fill_steps_remaining: bool = True
) -> list[TracedTheorem]:
    """Read ``<dataset_dir>/<split>/<part>.json`` (split: random|novel_premises, part:
    train|val|test); see :func:`load_theorems` for ``fill_steps_remaining``."""
    if split not in SPLITS:
        raise DatasetError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")
    if part not in PARTS:
        raise DatasetError(f"unknown part {part!r}; expected one of {', '.join(PARTS)}")
    root = _existing_dir(dataset_dir)
    return load_theorems(root / split / f"{part}.json", fill_steps_remaining)


def load_corpus(dataset_dir: str | Path) -> list[CorpusFile]:
    """Read ``<dataset_dir>/corpus.jsonl`` (one file record per line)."""
    path = _existing_dir(dataset_dir) / "corpus.jsonl"
    if not path.is_file():
        raise DatasetError(f"missing dataset file {path}")
    files = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                files.append(CorpusFile.model_validate_json(line))
            except ValidationError as exc:
                raise DatasetError(f"{path}:{lineno}: {_first_error(exc)}") from None
    return files


def load_metadata(dataset_dir: str | Path) -> DatasetMetadata:
    path = _existing_dir(dataset_dir) / "metadata.json"
    try:
        return DatasetMetadata.model_validate(_read_json(path))
    except ValidationError as exc:
        raise DatasetError(f"{path}: {_first_error(exc)}") from None


def _existing_dir(dataset_dir: str | Path) -> Path:
    root = Path(dataset_dir)
    if not root.is_dir():
        raise DatasetError(f"dataset folder {root} does not exist")
    return root


# --------------------------------------------------------------------------- premises


class CorpusIndex:
    """The corpus as a file-import graph, for repeated accessibility queries."""

    def __init__(self, corpus: Iterable[CorpusFile]) -> None:
        self.files: dict[str, CorpusFile] = {}
        self.graph = nx.DiGraph()
        for f in corpus:
            self.files[f.path] = f
            self.graph.add_node(f.path)
            for imp in f.imports:
                self.graph.add_edge(f.path, imp)
        self._imported: dict[str, set[str]] = {}

    def imported_files(self, file_path: str) -> set[str]:
        """Every file ``file_path`` imports, directly or transitively (itself excluded)."""
        if file_path not in self.files:
            raise DatasetError(f"file {file_path!r} is not in the corpus")
        if file_path not in self._imported:
            self._imported[file_path] = nx.descendants(self.graph, file_path)
        return self._imported[file_path]

    def accessible_premises(
        self, file_path: str, before: tuple[int, int] | None = None
    ) -> set[str]:
        """Premises a theorem of ``file_path`` may use: the premises of the transitively imported
        files that are not :attr:`~prover.data.records.CorpusPremise.local` (declared in a module
        type or functor), plus the premises of ``file_path`` itself that end at or before
        ``before`` (a 1-based ``(line, column)``, typically the theorem's ``start``). Without
        ``before`` every premise of the file counts."""
        names = {
            p.full_name
            for path in self.imported_files(file_path)
            if path in self.files
            for p in self.files[path].premises
            if not p.local
        }
        for p in self.files[file_path].premises:
            if before is None or tuple(p.end) <= tuple(before):
                names.add(p.full_name)
        return names


def accessible_premises(
    corpus: Iterable[CorpusFile], file_path: str, before: tuple[int, int] | None = None
) -> set[str]:
    """Premises accessible from ``file_path`` (see :meth:`CorpusIndex.accessible_premises`).
    Build a :class:`CorpusIndex` once instead when asking about many files."""
    return CorpusIndex(corpus).accessible_premises(file_path, before)


def premises_used(theorem: TracedTheorem) -> set[str]:
    """Full names of the premises annotated in the theorem's traced tactics."""
    return {p.full_name for t in theorem.traced_tactics for p in t.premises}


# --------------------------------------------------------------------------- progress


def split_goals(state: str) -> list[str]:
    """The goals of a pretty-printed state (LeanDojo separates goals by a blank line)."""
    state = state.strip()
    if not state or state == NO_GOALS:
        return []
    return [g.strip() for g in state.split("\n\n") if g.strip()]


def compute_steps_remaining(theorem: TracedTheorem) -> list[int]:
    """How many tactics of the trace remain for each traced tactic (LeanProgress's target).

    Definition: ``steps_remaining[i]`` = the number of tactics ``j >= i`` that work on a goal
    shown in ``state_before[i]`` or on a goal that such a goal turns into. Each tactic consumes
    the goals of its state_before that are missing from its state_after (a tactic that changes
    nothing visible consumes its first goal and gives it back) and produces the goals of its
    state_after that were not in its state_before; a goal's cost is 1 + the costs of the goals
    produced by the tactic that consumes it. Without focusing (every state shows every open
    goal) this is ``n - i``; inside a bullet ``·`` whose states show only the focused goal it
    counts only the tactics closing that branch. Goals never closed in the trace cost 0.
    """
    tactics = theorem.traced_tactics
    n = len(tactics)
    consumer: list[int | None] = []  # goal node -> index of the tactic that consumed it
    produced: list[list[int]] = [[] for _ in range(n)]  # tactic -> goal nodes it created
    before_nodes: list[list[int]] = [[] for _ in range(n)]
    open_nodes: dict[str, list[int]] = defaultdict(list)  # goal text -> open nodes, oldest first

    def new_node() -> int:
        consumer.append(None)
        return len(consumer) - 1

    for i, tac in enumerate(tactics):
        before = split_goals(tac.state_before)
        after = split_goals(tac.state_after)
        # Each goal of state_before is the most recent open goal with its text (a new root
        # goal when there is none: the first state, or a goal the trace never showed made).
        chosen: dict[str, list[int]] = {}
        for g, k in Counter(before).items():
            stack = open_nodes[g]
            while len(stack) < k:
                stack.insert(0, new_node())
            chosen[g] = list(stack[-k:])
        before_nodes[i] = [chosen[g].pop(0) for g in before]

        consumed = Counter(before) - Counter(after)
        created = Counter(after) - Counter(before)
        if not consumed and before:
            consumed, created = Counter(before[:1]), created + Counter(before[:1])
        for g, node in zip(before, before_nodes[i], strict=True):
            if consumed[g] > 0:
                consumed[g] -= 1
                consumer[node] = i
                open_nodes[g].remove(node)
        for g in after:
            if created[g] > 0:
                created[g] -= 1
                node = new_node()
                open_nodes[g].append(node)
                produced[i].append(node)

    # reach[i]: bit set of the tactics that tactic i and the goals it creates need.
    reach = [0] * n
    for i in range(n - 1, -1, -1):
        reach[i] = 1 << i
        for node in produced[i]:
            if (c := consumer[node]) is not None:
                reach[i] |= reach[c]
    steps = []
    for i in range(n):
        mask = 1 << i
        for node in before_nodes[i]:
            if (c := consumer[node]) is not None:
                mask |= reach[c]
        steps.append(mask.bit_count())
    return steps


def with_steps_remaining(theorem: TracedTheorem) -> TracedTheorem:
    """A copy of ``theorem`` whose traced tactics carry ``steps_remaining``."""
    steps = compute_steps_remaining(theorem)
    tactics = [
        t.model_copy(update={"steps_remaining": s})
        for t, s in zip(theorem.traced_tactics, steps, strict=True)
    ]
    return theorem.model_copy(update={"traced_tactics": tactics})


# --------------------------------------------------------------------------- splits


def theorem_key(thm: TracedTheorem) -> tuple[str, str, tuple[int, int]]:
    return (thm.file_path, thm.full_name, tuple(thm.start))


def _held_out_sizes(
    n: int, val_frac: float, test_frac: float, num_val: int | None, num_test: int | None
) -> tuple[int, int]:
    if not (0 <= val_frac < 1 and 0 <= test_frac < 1 and val_frac + test_frac < 1):
        raise DatasetError("val_frac and test_frac must be in [0, 1) and sum to less than 1")
    n_val = num_val if num_val is not None else round(n * val_frac)
    n_test = num_test if num_test is not None else round(n * test_frac)
    if n_val < 0 or n_test < 0 or n_val + n_test > n:
        raise DatasetError(f"cannot hold out {n_val} val + {n_test} test of {n} theorems")
    return n_val, n_test


def split_random(
    theorems: Sequence[TracedTheorem], seed: int, n_val: int, n_test: int
) -> SplitParts:
    """Shuffle with ``seed``; the first ``n_test`` go to test, the next ``n_val`` to val."""
    order = list(theorems)
    random.Random(seed).shuffle(order)
    return SplitParts(
        test=order[:n_test], val=order[n_test : n_test + n_val], train=order[n_test + n_val :]
    )


def split_novel_premises(
    theorems: Sequence[TracedTheorem], seed: int, n_val: int, n_test: int
) -> SplitParts:
    """Hold out theorems so that each one uses a premise no train theorem uses.

    Algorithm: list the premises used by any theorem (sorted, then shuffled with ``seed``).
    Walk that list; for premise ``p``, take the group of not-yet-held-out theorems that use
    ``p``. If the group fits in what is still needed (``n_val + n_test`` minus held out so
    far), hold out the whole group, so no train theorem uses ``p``; otherwise skip ``p``.
    Stop when enough are held out. Every held-out theorem then uses the premise whose group
    pulled it in, and no train theorem uses that premise. The held-out theorems are shuffled
    and cut into test (first ``n_test``) and val. Theorems without premises always train.
    When the groups cannot fill the request exactly, val and test come out smaller.
    """
    users: dict[str, list[int]] = defaultdict(list)
    for i, thm in enumerate(theorems):
        for name in sorted(premises_used(thm)):
            users[name].append(i)
    rng = random.Random(seed)
    premise_order = sorted(users)
    rng.shuffle(premise_order)
    target = n_val + n_test
    held: list[int] = []
    held_set: set[int] = set()
    for name in premise_order:
        if len(held) >= target:
            break
        group = [i for i in users[name] if i not in held_set]
        if group and len(held) + len(group) <= target:
            held.extend(group)
            held_set.update(group)
    rng.shuffle(held)
    test_n = min(n_test, len(held) * n_test // target) if target else 0
    if n_test and not test_n and held:
        test_n = 1
    return SplitParts(
        test=[theorems[i] for i in held[:test_n]],
        val=[theorems[i] for i in held[test_n:]],
        train=[t for i, t in enumerate(theorems) if i not in held_set],
    )


def make_splits(
    theorems: Sequence[TracedTheorem],
    seed: int = 3407,
    val_frac: float = 0.1,
    test_frac: float = 0.1,
    num_val: int | None = None,
    num_test: int | None = None,
) -> dict[str, SplitParts]:
    """Both splits, keyed ``random`` and ``novel_premises``. Sizes are fractions of the
    theorems (LeanDojo Benchmark 4 fixes 2,000 val and 2,000 test: pass ``num_val``/
    ``num_test`` to do the same)."""
    n_val, n_test = _held_out_sizes(len(theorems), val_frac, test_frac, num_val, num_test)
    return {
        "random": split_random(theorems, seed, n_val, n_test),
        "novel_premises": split_novel_premises(theorems, seed, n_val, n_test),
    }


# --------------------------------------------------------------------------- writing


def _theorem_record(thm: TracedTheorem) -> dict[str, Any]:
    return thm.model_dump(mode="json", exclude_none=True)


def write_dataset(
    theorems: Sequence[TracedTheorem],
    corpus: Sequence[CorpusFile],
    out_dir: str | Path,
    seed: int = 3407,
    metadata: DatasetMetadata | dict[str, Any] | None = None,
    val_frac: float = 0.1,
    test_frac: float = 0.1,
    num_val: int | None = None,
    num_test: int | None = None,
) -> WrittenDataset:
    """Write a dataset folder in the LeanDojo Benchmark 4 layout.

    Fills ``steps_remaining`` on every traced tactic, makes both splits with ``seed`` and writes
    ``corpus.jsonl``, ``metadata.json`` and ``<split>/<part>.json``. ``metadata`` supplies
    ``dataset_name``/``from_repo`` and any extra keys; split sizes, the seed and the
    steps_remaining definition are added.
    """
    keys = Counter(theorem_key(t) for t in theorems)
    dup = next((k for k, c in keys.items() if c > 1), None)
    if dup is not None:
        raise DatasetError(f"theorem {dup[1]} of {dup[0]} at {dup[2]} appears twice")
    paths = Counter(f.path for f in corpus)
    dup_path = next((p for p, c in paths.items() if c > 1), None)
    if dup_path is not None:
        raise DatasetError(f"corpus file {dup_path} appears twice")

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    annotated = [with_steps_remaining(t) for t in theorems]
    splits = make_splits(annotated, seed, val_frac, test_frac, num_val, num_test)
    for split, parts in splits.items():
        (out / split).mkdir(exist_ok=True)
        for part in PARTS:
            records = [_theorem_record(t) for t in parts.part(part)]
            (out / split / f"{part}.json").write_text(
                json.dumps(records, ensure_ascii=False), encoding="utf-8"
            )
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        for f in corpus:
            fh.write(f.model_dump_json(exclude_none=True) + "\n")

    meta = _metadata(metadata)
    sizes = {s: p.sizes() for s, p in splits.items()}
    meta_dict = meta.model_dump(mode="json", exclude_none=True)
    meta_dict.update(
        {
            "seed": seed,
            "num_theorems": len(theorems),
            "num_corpus_files": len(corpus),
            "split_sizes": sizes,
            "steps_remaining": STEPS_REMAINING_DEFINITION,
        }
    )
    (out / "metadata.json").write_text(json.dumps(meta_dict, indent=2, ensure_ascii=False))
    return WrittenDataset(out, sizes, len(theorems), len(corpus))


def _metadata(metadata: DatasetMetadata | dict[str, Any] | None) -> DatasetMetadata:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(metadata, DatasetMetadata):
        return metadata
    data = {"dataset_name": "proofplan traced proofs", "creation_time": now}
    data.update(metadata or {})
    try:
        return DatasetMetadata.model_validate(data)
    except ValidationError as exc:
        raise DatasetError(f"metadata: {_first_error(exc)}") from None


# --------------------------------------------------------------------------- statistics


@dataclass
class DatasetStats:
    """Counts for ``proofplan data stats``."""

    theorems: int
    tactics: int
    premises_in_corpus: int | None
    corpus_files: int | None
    premises_used: int
    split_sizes: dict[str, dict[str, int]]
    proof_lengths: Counter[int]
    metadata: DatasetMetadata | None

    @property
    def theorems_with_proof(self) -> int:
        """Theorems with at least one traced tactic."""
        return self.theorems - self.proof_lengths.get(0, 0)


def dataset_stats(dataset_dir: str | Path) -> DatasetStats:
    """Counts over every split part present (theorems counted once across splits)."""
    root = _existing_dir(dataset_dir)
    sizes: dict[str, dict[str, int]] = {}
    unique: dict[tuple[str, str, tuple[int, int]], TracedTheorem] = {}
    for split in SPLITS:
        for part in PARTS:
            path = root / split / f"{part}.json"
            if not path.exists():
                continue
            theorems = load_theorems(path, fill_steps_remaining=False)
            sizes.setdefault(split, {})[part] = len(theorems)
            for t in theorems:
                unique.setdefault(theorem_key(t), t)
    if not sizes:
        raise DatasetError(
            f"{root} holds no <split>/<part>.json file (split: {'|'.join(SPLITS)}, "
            f"part: {'|'.join(PARTS)})"
        )
    corpus = load_corpus(root) if (root / "corpus.jsonl").exists() else None
    meta = load_metadata(root) if (root / "metadata.json").exists() else None
    thms = list(unique.values())
    return DatasetStats(
        theorems=len(thms),
        tactics=sum(len(t.traced_tactics) for t in thms),
        premises_in_corpus=None if corpus is None else sum(len(f.premises) for f in corpus),
        corpus_files=None if corpus is None else len(corpus),
        premises_used=len(set().union(*(premises_used(t) for t in thms))),
        split_sizes=sizes,
        proof_lengths=Counter(len(t.traced_tactics) for t in thms),
        metadata=meta,
    )


__all__ = [
    "PARTS",
    "SPLITS",
    "CorpusIndex",
    "DatasetError",
    "DatasetMetadata",
    "DatasetStats",
    "SplitParts",
    "WrittenDataset",
    "accessible_premises",
    "compute_steps_remaining",
    "dataset_stats",
    "load_corpus",
    "load_metadata",
    "load_split",
    "load_theorems",
    "make_splits",
    "premises_used",
    "split_goals",
    "with_steps_remaining",
    "write_dataset",
]
