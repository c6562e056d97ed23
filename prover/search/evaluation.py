"""Benchmark a prover on a list of theorems, writing one JSON line per theorem as it finishes.

The results file is the run's only state: a rerun reads it, skips every ``(config, name)``
already recorded and appends the rest, so a killed run loses at most the theorem in flight and
never counts one twice. A line cut short by a kill is dropped on resume.

A prover here is any callable ``Theorem -> SearchResult`` (best-first search, or a Coq
automation tactic tried as a whole proof, see :mod:`prover.search.baselines`); proofs are re-checked
from scratch by the prover (``ProofEnv.verify``) before they count.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from common.results_file import append_record, prepare, read_records
from prover.data.records import TracedTheorem
from prover.env import ProofEnv, ProverError, Theorem
from prover.search.best_first import SearchResult

if TYPE_CHECKING:
    from prover.coq.project import CoqProject

Prover = Callable[[Theorem], SearchResult]
#: How a search's and an automation baseline's results begin when the statement did not open.
_STATEMENT_ERRORS = ("statement:", "StatementError")


def theorem_id(theorem: Theorem) -> str:
    """The key of a theorem in a results file: its full name when it has one."""
    return theorem.full_name or theorem.name


class EvalRecord(BaseModel):
    """One line of a results file."""

    config: str
    name: str
    status: str
    proved: bool
    proof: list[str] | None = None
    time: float
    time_to_proof: float | None = None
    expansions: int = 0
    tactics_run: int = 0
    rejected_proofs: int = 0
    error: str | None = None
    #: widening rounds the search started after its queue first ran empty
    rounds: int = 0
    #: repaired tactics run, and steps of the proof that are repairs (``SearchResult.repairs``)
    repairs: int = 0
    repaired_steps: int = 0
    #: seconds spent per phase of the search (open, retrieve, generate, run_tac, progress, verify)
    timings: dict[str, float] = {}

    @classmethod
    def from_result(cls, config: str, result: SearchResult) -> EvalRecord:
        return cls(
            config=config,
            name=theorem_id(result.theorem),
            status=result.status,
            proved=result.proved,
            proof=result.proof,
            time=round(result.time, 4),
            time_to_proof=None if result.time_to_proof is None else round(result.time_to_proof, 4),
            expansions=result.expansions,
            tactics_run=result.tactics_run,
            rejected_proofs=result.rejected_proofs,
            error=result.error,
            rounds=result.rounds,
            repairs=result.repairs,
            repaired_steps=result.repaired_steps,
            timings={k: round(v, 4) for k, v in (result.timings or {}).items()},
        )


@dataclass(frozen=True)
class EvalSummary:
    """Metrics of one configuration over the theorems it was run on."""

    config: str
    total: int
    proved: int
    rejected_proofs: int
    median_time_to_proof: float | None
    mean_expansions: float
    median_expansions: float

    @property
    def pass_at_1(self) -> float:
        return self.proved / self.total if self.total else 0.0


def read_results(path: str | Path) -> list[EvalRecord]:
    """Every complete, valid record of a results file (a missing file reads as empty)."""
    return read_records(path, EvalRecord)


def pending_theorems(theorems: Sequence[Theorem], out: Path, config: str) -> list[Theorem]:
    """The theorems with no record for ``config`` in ``out`` yet, in order.

    Checks that theorem names are unique, creates ``out``'s folder and cuts a partial last
    line a kill left, so the results file is ready for appending.
    """
    names = [theorem_id(t) for t in theorems]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"theorem names must be unique; {dup!r} appears twice")
    prepare(out)
    done = {r.name for r in read_results(out) if r.config == config}
    return [t for t in theorems if theorem_id(t) not in done]


def prove_record(prover: Prover, config: str, theorem: Theorem) -> EvalRecord:
    """Run ``prover`` on one theorem and make its results-file record (used by every runner)."""
    return EvalRecord.from_result(config, prover(theorem))


def summarize(config: str, records: Iterable[EvalRecord]) -> EvalSummary:
    """pass@1 and times of ``config``'s records (one per theorem; later duplicates ignored)."""
    by_name: dict[str, EvalRecord] = {}
    for r in records:
        if r.config == config:
            by_name.setdefault(r.name, r)
    rs = list(by_name.values())
    proved = [r for r in rs if r.proved]
    times = [r.time_to_proof for r in proved if r.time_to_proof is not None]
    exps = [r.expansions for r in rs]
    return EvalSummary(
        config=config,
        total=len(rs),
        proved=len(proved),
        rejected_proofs=sum(r.rejected_proofs for r in rs),
        median_time_to_proof=statistics.median(times) if times else None,
        mean_expansions=statistics.fmean(exps) if exps else 0.0,
        median_expansions=statistics.median(exps) if exps else 0.0,
    )


def summarize_file(out: Path, config: str, theorems: Sequence[Theorem]) -> EvalSummary:
    """:func:`summarize` of ``config``'s records in ``out`` for ``theorems`` only."""
    wanted = {theorem_id(t) for t in theorems}
    return summarize(config, (r for r in read_results(out) if r.name in wanted))


def run_each(
    todo: Sequence[Theorem],
    run_one: Callable[[Theorem], Any],
    *,
    label: str,
    total: int,
    tally: Callable[[Any], dict[str, int]],
    counts: dict[str, int],
    show_progress: bool = True,
    console: Any = None,
) -> None:
    """Call ``run_one`` on each theorem of ``todo`` (``total`` minus those already done); with
    ``show_progress``, a rich bar shows ``counts`` (the running totals), each result adding its
    ``tally``."""
    if not show_progress:
        for thm in todo:
            run_one(thm)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    fields = ", ".join(f"{name} {{task.fields[{name}]}}" for name in counts)
    bar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TextColumn(fields),
                   TimeElapsedColumn(), console=console)
    counts = dict(counts)
    with bar:
        task = bar.add_task(label, total=total, completed=total - len(todo), **counts)
        for thm in todo:
            for name, value in tally(run_one(thm)).items():
                counts[name] += value
            bar.update(task, advance=1, **counts)


def evaluate(
    theorems: Sequence[Theorem],
    prover: Prover,
    out: str | Path,
    config: str,
    show_progress: bool = True,
    console: Any = None,
) -> EvalSummary:
    """Run ``prover`` on every theorem not yet in ``out`` for ``config``; return the summary.

    Theorem names must be unique. Each record is appended (and fsynced) as soon as its
    theorem finishes. The progress bar goes to ``console`` (a rich Console; default stdout).
    """
    out = Path(out)
    todo = pending_theorems(theorems, out, config)
    already = 0
    if show_progress:  # the bar starts from the proofs a resumed run already has
        wanted = {theorem_id(t) for t in theorems}
        already = sum(1 for r in read_results(out) if r.config == config and r.name in wanted and r.proved)

    def run_one(thm: Theorem) -> EvalRecord:
        rec = prove_record(prover, config, thm)
        append_record(out, rec)
        return rec

    run_each(todo, run_one, label=config, total=len(theorems), tally=lambda r: {"proved": int(r.proved)},
             counts={"proved": already}, show_progress=show_progress, console=console)
    return summarize_file(out, config, theorems)


#: Record fields (extras of a traced theorem) that may hold the context a statement needs.
CONTEXT_FIELDS: tuple[str, ...] = ("context", "preamble", "imports_text")


def theorem_from_record(record: TracedTheorem, file_prefix: bool = False, project: CoqProject | None = None) -> Theorem:
    """The :class:`Theorem` of a traced-theorem record that carries its ``statement``.

    With ``file_prefix``, a standard-library theorem is stated where its file stated it: its
    prelude is the file's sentences before it (:func:`prover.coq.prefix.library_prelude`), which
    hold the file's own imports, so the record's context (which may load the whole file, the
    theorem and every later lemma included) is not used. Theorems without one (files of
    ``Init``) keep their context.
    """
    if not record.statement:
        raise ValueError(f"theorem {record.full_name} has no statement to prove")
    extra = record.model_extra or {}
    context = next((str(extra[f]) for f in CONTEXT_FIELDS if extra.get(f)), "")
    short = record.full_name.rsplit(".", 1)[-1]
    name = re.sub(r"\W", "_", short) or "thm"
    if name[0].isdigit():
        name = f"thm_{name}"
    prelude: tuple[str, ...] = ()
    if file_prefix:
        from prover.coq.prefix import library_prelude

        prelude = library_prelude(record.file_path, (record.start[0], record.start[1]), project=project)
    return Theorem(name=name, statement=record.statement, context="" if prelude else context,
                   file_path=record.file_path, full_name=record.full_name, prelude=prelude,
                   start=(record.start[0], record.start[1]))


def with_file_prefix(prover: Prover, env: ProofEnv, plain: Mapping[str, Theorem]) -> Prover:
    """``prover`` for theorems stated after their file prefix (``load_benchmark(file_prefix=True)``):
    the prelude is loaded before the search's clock starts (``timings["prelude"]``), as a model is
    loaded before its first search; a theorem whose prelude or statement fails there (a file that
    only compiles with flags of its own) is searched as ``plain`` gives it, with ``timings["plain"]``
    set to 1."""
    prepare = getattr(env, "prepare", None)

    def run(theorem: Theorem) -> SearchResult:
        if not theorem.prelude or prepare is None:
            return prover(theorem)
        start = time.monotonic()
        try:
            prepare(theorem)
            env.open(theorem)
        except ProverError:
            fallback = plain.get(theorem_id(theorem))
            if fallback is None:
                raise
            result = prover(fallback)
            return replace(result, theorem=theorem, timings={**result.timings, "plain": 1.0})
        loaded = time.monotonic() - start
        result = prover(theorem)
        if result.status == "error" and (result.error or "").startswith(_STATEMENT_ERRORS) \
                and theorem_id(theorem) in plain:
            # the configuration's own imports may not load inside the file's modules
            result = prover(plain[theorem_id(theorem)])
            return replace(result, theorem=theorem, timings={**result.timings, "plain": 1.0, "prelude": loaded})
        return replace(result, timings={**result.timings, "prelude": loaded})

    return run


@dataclass(frozen=True)
class Benchmark:
    """The theorems of a benchmark run, and for each one stated after its file prefix, what it is
    searched as when that prefix does not load (its record's imports; :func:`with_file_prefix`)."""

    theorems: list[Theorem]
    fallbacks: dict[str, Theorem]


def load_benchmark_run(
    dataset_dir: str | Path, split: str = "random", part: str = "test", limit: int | None = None,
    exclude_train_of: str | Path | None = None, file_prefix: bool = False,
    sample: int | None = None, sample_seed: int = 0,
) -> Benchmark:
    """:func:`load_benchmark`'s theorems with their fallbacks, read from the same records.

    With ``sample``, the theorems are a seeded random sample of every theorem of the split (all
    three parts: a library the models never saw has no train part of its own) instead: ``part``
    ``test`` takes the first ``sample`` of the seeded shuffle, ``val`` the next ``sample`` (for
    choices, disjoint from test); in file order, so file prefixes load incrementally.
    """
    from prover.data.dataset import PARTS, DatasetError, load_split

    if sample is not None:
        if part not in ("test", "val"):
            raise DatasetError(f"a sample has a test and a val part, not {part!r}")
        pool = [r for p in PARTS if (Path(dataset_dir) / split / f"{p}.json").is_file()
                for r in load_split(dataset_dir, split, p) if r.statement]
        names = Counter(r.full_name for r in pool)
        # a name given twice (coqtop calls every ``Add Morphism`` proof ``branch``) names no one theorem
        pool = [r for r in pool if names[r.full_name] == 1]
        pool.sort(key=lambda r: (r.file_path, tuple(r.start), r.full_name))
        import random

        random.Random(sample_seed).shuffle(pool)
        records = pool[:sample] if part == "test" else pool[sample:2 * sample]
        records.sort(key=lambda r: (r.file_path, tuple(r.start)))
    else:
        records = [r for r in load_split(dataset_dir, split, part) if r.statement]
    if not records:
        raise DatasetError(f"{dataset_dir}/{split}/{part}.json holds no theorem with a statement")
    if exclude_train_of is not None:
        seen = {r.full_name for r in load_split(exclude_train_of, split, "train")}
        records = [r for r in records if r.full_name not in seen]
    records = records[:limit] if limit is not None else records
    project = dataset_project(dataset_dir)
    theorems = [theorem_from_record(r, file_prefix, project) for r in records]
    fallbacks = {theorem_id(t): t for t in map(theorem_from_record, records)} if file_prefix else {}
    return Benchmark(theorems, fallbacks)


def dataset_project(dataset_dir: str | Path) -> CoqProject | None:
    """The Coq project a dataset was traced from (its metadata), None for older datasets."""
    meta = Path(dataset_dir) / "metadata.json"
    try:
        record = json.loads(meta.read_text(encoding="utf-8")).get("project") if meta.is_file() else None
    except (OSError, ValueError):
        return None
    if not record:
        return None
    from prover.coq.project import CoqProject

    return CoqProject.from_json(record)


def load_benchmark(
    dataset_dir: str | Path, split: str = "random", part: str = "test", limit: int | None = None,
    exclude_train_of: str | Path | None = None, file_prefix: bool = False,
) -> list[Theorem]:
    """The first ``limit`` theorems (with a statement) of a split part, in file order; with
    ``exclude_train_of``, those in that dataset's train part of the same split are left out first;
    with ``file_prefix``, each stated after its file's earlier sentences (:func:`theorem_from_record`)."""
    return load_benchmark_run(dataset_dir, split, part, limit, exclude_train_of, file_prefix).theorems
