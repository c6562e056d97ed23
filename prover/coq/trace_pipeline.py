"""Trace many standard-library files into a LeanDojo-format dataset, resumably and in parallel.

``OUT/cache/<file>.json`` holds one :class:`~prover.coq.tracer.FileTrace` per finished file
(written atomically), so a rerun skips finished files and an interrupted run loses at most
the files in flight. :func:`assemble` then turns the caches plus an outline of *every* library
file (the premise corpus and the import graph) into ``corpus.jsonl``, the ``random`` and
``novel_premises`` splits and ``metadata.json`` via :func:`prover.data.dataset.write_dataset`, and
writes ``trace_report.json``: per-file status and the reason for every proof not traced.
:func:`recheck` re-assembles traced proofs from their steps and compiles them with ``coqc``.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from common.errors import ProofplanError
from prover.coq.outline import Declaration, logical_name, outline
from prover.coq.project import STDLIB_NAME, CoqProject, installed_libraries
from prover.coq.tracer import (
    TRACE_VERSION,
    FileTrace,
    TracedProof,
    TraceSettings,
    as_project,
    trace_file,
)
from prover.data.records import CorpusFile, CorpusPremise, PremiseRef, TracedTactic, TracedTheorem

COQ_URL = "https://github.com/coq/coq"
COQ_COMMIT = "V8.16.1"
SHARE_KINDS = ("Theorem", "Lemma")


def theories_dir() -> Path:
    """``$(coqc -where)/theories`` of the installed Coq."""
    return CoqProject.stdlib().root


def select_files(project: CoqProject | Path, pattern: str) -> list[str]:
    """Paths (relative to the project's root) of the ``.v`` files matching ``pattern`` (globs
    separated by commas: ``Arith/*.v,Lists/List.v``)."""
    return as_project(project).select(pattern)


def cache_path(out: Path, rel: str) -> Path:
    return out / "cache" / (rel + ".json")


def load_cached(out: Path, rel: str) -> FileTrace | None:
    path = cache_path(out, rel)
    if not path.exists():
        return None
    try:
        trace = FileTrace.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError:
        return None  # a torn or old file: trace it again
    return trace if trace.version == TRACE_VERSION else None


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


_WORKER_ENV = None


def _trace_and_cache(rel: str, project: CoqProject, out: str, settings: TraceSettings, statements: bool) -> tuple[str, str, int, float]:
    """Worker: trace one file, check its statements, write its cache entry."""
    global _WORKER_ENV
    try:
        trace = trace_file(rel, project, settings)
    except Exception as e:  # a tracer bug must not stop the run: record it for this file
        trace = FileTrace(file_path=project.dataset_path(rel), logical=rel, status="failed",
                          reason=f"tracer error {type(e).__name__}: {e}"[:300])
    if statements and trace.proofs:
        from prover.coq.env import CoqEnv
        from prover.coq.statements import attach_statements

        if _WORKER_ENV is None or _WORKER_ENV.coqtop_args != project.coq_args:
            _WORKER_ENV = CoqEnv(project.coq_args)
        try:
            attach_statements(trace, _WORKER_ENV)
        except Exception as e:  # statements are optional: keep the trace, say why
            for p in trace.proofs:
                p.statement = None
            trace.reason = (trace.reason + f"; statements skipped: {e}").strip("; ")[:300]
    _write_atomic(cache_path(Path(out), rel), trace.model_dump_json())
    return rel, trace.status, len(trace.proofs), trace.seconds


def run_traces(
    out: Path,
    files: list[str],
    project: CoqProject | Path,
    jobs: int = 2,
    settings: TraceSettings | None = None,
    statements: bool = True,
    on_done: Callable[[str, str, int, float], None] | None = None,
) -> list[str]:
    """Trace every file without a cache entry (largest first); returns the files traced now."""
    settings = settings or TraceSettings()
    project = as_project(project)
    todo = [f for f in files if load_cached(out, f) is None]
    todo.sort(key=lambda f: -(project.root / f).stat().st_size)
    if not todo:
        return []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_trace_and_cache, f, project, str(out), settings, statements) for f in todo]
        for fut in as_completed(futures):
            result = fut.result()
            if on_done is not None:
                on_done(*result)
    return todo


# --------------------------------------------------------------------------- assembling


@dataclass
class TraceReport:
    """Counts and reasons: nothing traced or untraced goes uncounted."""

    files: int = 0
    files_ok: int = 0
    files_failed: dict[str, str] = field(default_factory=dict)
    proofs_traced: int = 0
    steps: int = 0
    share_denominator: int = 0  # Theorem/Lemma declarations of the selected files, minus Admitted
    share_traced: int = 0
    untraced_reasons: Counter = field(default_factory=Counter)
    untraced_examples: dict[str, list[str]] = field(default_factory=dict)
    premise_refs: int = 0
    premise_refs_unresolved: int = 0
    with_statement: int = 0
    trace_seconds: float = 0.0

    @property
    def share(self) -> float:
        return self.share_traced / self.share_denominator if self.share_denominator else 0.0

    def to_json(self) -> dict:
        return {
            "files": self.files, "files_ok": self.files_ok, "files_failed": self.files_failed,
            "proofs_traced": self.proofs_traced, "steps": self.steps,
            "theorem_lemma_proofs": self.share_denominator, "theorem_lemma_traced": self.share_traced,
            "share_traced": round(self.share, 4),
            "untraced_reasons": dict(self.untraced_reasons.most_common()),
            "untraced_examples": self.untraced_examples,
            "premise_refs": self.premise_refs, "premise_refs_unresolved": self.premise_refs_unresolved,
            "theorems_with_statement": self.with_statement,
            "trace_cpu_seconds": round(self.trace_seconds, 1),
        }


def _reason_class(reason: str) -> str:
    """A short class for a failure reason (for counting)."""
    r = reason.lower()
    for key in ("proof given as a term", "timeout", "no tactic steps", "coqtop died", "file timeout",
                "not found in the current environment", "syntax error", "proof ends with"):
        if key in r:
            return key
    return reason.split(":")[-1].strip()[:60] or "unknown"


def resolve_import(name: str, from_file: str, libs: dict[str, str]) -> str | None:
    """The file a ``Require`` name refers to (``libs``: logical name -> file). Short names
    resolve by suffix; ``From Flocq Require Raux`` (``Flocq.Raux``) by the first component and
    the last ones, as ``-R`` binds them."""
    if name in libs:
        return libs[name]
    matches = [lg for lg in libs if lg.endswith("." + name)]
    if not matches and "." in name:
        head, rest = name.split(".", 1)
        matches = [lg for lg in libs if lg.startswith(head + ".") and lg.endswith("." + rest)]
    if not matches:
        return None
    here = str(Path(from_file).parent)
    matches.sort(key=lambda lg: (str(Path(libs[lg]).parent) != here, len(lg)))
    return libs[matches[0]]


def required_files(requires: Iterable[str], from_file: str, libs: dict[str, str]) -> list[str]:
    """The files that a file's ``Require`` names resolve to, in order, each once, the file
    itself and unresolved names left out."""
    out: list[str] = []
    for name in requires:
        target = resolve_import(name, from_file, libs)
        if target is not None and target != from_file and target not in out:
            out.append(target)
    return out


def corpus_projects(project: CoqProject) -> list[CoqProject]:
    """``project`` and what its files may load: the standard library, and each installed library
    whose name a ``Require`` of theirs starts with (transitively)."""
    stdlib = CoqProject.stdlib() if project.name != STDLIB_NAME else project
    out = [stdlib] if project is stdlib else [stdlib, project]
    installed = set(installed_libraries())
    todo = [project]
    while todo:
        p = todo.pop()
        if p.name == STDLIB_NAME:
            continue
        for rel in p.files():
            try:
                src = p.source(rel)
            except (OSError, UnicodeDecodeError):
                continue
            for name in outline(src, "X").requires:
                head = name.split(".", 1)[0]
                if head in installed and all(q.name != head for q in out):
                    lib = CoqProject.library(head)
                    out.append(lib)
                    todo.append(lib)
    return out


def module_files(projects: Iterable[CoqProject]) -> dict[str, tuple[CoqProject, str]]:
    """Logical name -> (project, file) over ``projects`` (the first binding of a name wins)."""
    out: dict[str, tuple[CoqProject, str]] = {}
    for p in projects:
        for rel in p.files():
            try:
                out.setdefault(p.logical_name(rel), (p, rel))
            except ProofplanError:
                continue
    return out


def build_corpus(projects: CoqProject | Path | list[CoqProject],
                 extra: Iterable[tuple[str, CorpusPremise]] = ()) -> list[CorpusFile]:
    """One :class:`CorpusFile` per file of ``projects``: direct imports and declared premises."""
    if not isinstance(projects, list):
        projects = [as_project(projects)]
    modules = module_files(projects)
    libs = {lg: p.dataset_path(rel) for lg, (p, rel) in modules.items()}
    by_file: dict[str, CorpusFile] = {}
    for lg, (project, rel) in sorted(modules.items(), key=lambda kv: kv[1][0].dataset_path(kv[1][1])):
        path = project.dataset_path(rel)
        try:
            src = project.source(rel)
        except (OSError, UnicodeDecodeError):
            continue
        o = outline(src, lg)
        is_init = project.name == STDLIB_NAME and rel.startswith("Init/")
        imports = [] if is_init else [f"{STDLIB_NAME}/Init/Prelude.v"]
        imports += [t for t in required_files(o.requires, path, libs) if t not in imports]
        seen: set[str] = set()
        premises = []
        for d in o.declarations:
            if d.full_name in seen:
                continue
            seen.add(d.full_name)
            premises.append(_premise(d))
        by_file[path] = CorpusFile(path=path, imports=imports, premises=premises)
    for path, premise in extra:
        cf = by_file.get(path)
        if cf is not None and all(p.full_name != premise.full_name for p in cf.premises):
            cf.premises.append(premise)
    return list(by_file.values())


def _premise(d: Declaration) -> CorpusPremise:
    return CorpusPremise(full_name=d.full_name, code=d.code, start=d.start, end=d.end, kind=d.kind, local=d.local)


def _module_decl_pos(theories: Path, rel: str, full_name: str, logical: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Position of the ``Module`` whose ``Include`` brought ``full_name`` in (else line 1)."""
    rest = full_name[len(logical) + 1 :].split(".")[:-1]
    if rest:
        src = (theories / rel).read_text(encoding="utf-8")
        import re

        m = re.search(rf"^\s*Module\s+(?:Type\s+)?{re.escape(rest[-1])}\b", src, re.M)
        if m:
            line = src.count("\n", 0, m.start()) + 1
            return (line, 1), (line, 1)
    return (1, 1), (1, 1)


def reachable_files(corpus: list[CorpusFile], roots: Iterable[str]) -> set[str]:
    """``roots`` and every file they import, transitively."""
    imports = {cf.path: cf.imports for cf in corpus}
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        stack.extend(imports.get(f, []))
    return seen


def assemble(
    out: Path, files: list[str], project: CoqProject | Path, seed: int = 3407, corpus_scope: str = "all"
) -> TraceReport:
    """Write the dataset from the cache entries of ``files`` (all must be traced).

    ``corpus_scope``: every file of the project and what it may load (``all``) in
    ``corpus.jsonl``, or only those ``reachable`` from the traced files through imports.
    """
    if corpus_scope not in ("all", "reachable"):
        raise ProofplanError(f"corpus scope must be all or reachable, not {corpus_scope!r}")
    from prover.data.dataset import write_dataset

    project = as_project(project)
    traces = []
    for rel in files:
        t = load_cached(out, rel)
        if t is None:
            raise ProofplanError(f"{rel} has not been traced yet (no cache entry in {out / 'cache'})")
        traces.append(t)
    stdlib_root = project.root if project.name == STDLIB_NAME else theories_dir()
    extra: list[tuple[str, CorpusPremise]] = []
    extra_seen: set[str] = set()
    for t in traces:
        for e in t.extra_premises:
            if e.full_name in extra_seen:
                continue
            extra_seen.add(e.full_name)
            rel = e.file_path.removeprefix(f"{STDLIB_NAME}/")
            start, end = _module_decl_pos(stdlib_root, rel, e.full_name, logical_name(rel))
            extra.append((e.file_path, CorpusPremise(full_name=e.full_name, code=e.code, start=start, end=end, kind="Included")))
    corpus = build_corpus([project] if project.name == STDLIB_NAME else corpus_projects(project), extra)
    if corpus_scope == "reachable":
        keep = reachable_files(corpus, [project.dataset_path(rel) for rel in files])
        corpus = [cf for cf in corpus if cf.path in keep]
    where: dict[str, tuple[str, tuple[int, int], tuple[int, int]]] = {}
    for cf in corpus:
        for p in cf.premises:
            where.setdefault(p.full_name, (cf.path, p.start, p.end))

    url, commit = source_of(project)
    report = TraceReport(files=len(files))
    theorems: list[TracedTheorem] = []
    for rel, t in zip(files, traces, strict=True):
        report.trace_seconds += t.seconds
        if t.status == "ok":
            report.files_ok += 1
        else:
            report.files_failed[rel] = f"{t.status}: {t.reason}"
        try:
            o = outline(project.source(rel), t.logical)
        except (OSError, UnicodeDecodeError, ValueError) as e:
            report.files_failed.setdefault(rel, f"unreadable: {e}")
            continue
        admitted = set(t.admitted)
        lemma_names = [d.full_name for d in o.declarations if d.kind in SHARE_KINDS and d.full_name not in admitted]
        traced_names = {p.full_name for p in t.proofs}
        failed_names = {f.full_name: f.reason for f in t.failed}
        report.share_denominator += len(lemma_names)
        for name in lemma_names:
            if name in traced_names:
                report.share_traced += 1
                continue
            reason = failed_names.get(name) or (f"file {t.status}: {t.reason}" if t.status != "ok" else "not reached as a proof (e.g. in a Module Type or failed statement)")
            cls = _reason_class(reason)
            report.untraced_reasons[cls] += 1
            report.untraced_examples.setdefault(cls, [])
            if len(report.untraced_examples[cls]) < 5:
                report.untraced_examples[cls].append(f"{name}: {reason[:160]}")
        for p in t.proofs:
            thm = _to_theorem(p, where, report, url, commit)
            theorems.append(thm)
    report.proofs_traced = len(theorems)
    report.steps = sum(len(t.traced_tactics) for t in theorems)
    report.with_statement = sum(1 for t in theorems if t.statement)
    title = "Coq 8.16.1 standard library" if project.kind == "stdlib" else \
        f"{project.name} ({'installed library' if project.kind == 'library' else 'project folder'})"
    meta = {
        "dataset_name": f"{title} (traced by proofplan)",
        "from_repo": {"url": url, "commit": commit},
        "coq_version": "8.16.1",
        "traced_files": len(files),
        "file_order": [project.dataset_path(rel) for rel in files],
        "project": project.to_json(),
        "state_format": "coqtop Show output: first goal with hypotheses, other goals as conclusions, blank line between goals, (ID n) removed",
    }
    write_dataset(theorems, corpus, out, seed=seed, metadata=meta)
    _write_atomic(out / "trace_report.json", json.dumps(report.to_json(), indent=2))
    return report


def source_of(project: CoqProject) -> tuple[str, str]:
    """Where a dataset's theorems come from: (url, commit) of its records."""
    if project.name == STDLIB_NAME:
        return COQ_URL, COQ_COMMIT
    if project.kind == "library":
        return f"coq-library:{project.name}", "installed"
    return project.root.as_uri(), "working-tree"


def resolve_premise(full_name: str, where: dict) -> str | None:
    """The corpus name of a premise. Inside a section ``Locate`` names its constants with the
    section path (``Coq.Bool.BoolEq.Bool_eq_dec.beq_eq_true``); after the section closes they
    lose it, so middle components are dropped until a corpus name matches."""
    if full_name in where:
        return full_name
    parts = full_name.split(".")
    middle = range(2, len(parts) - 1)
    for drop in range(1, len(middle) + 1):
        for combo in itertools.combinations(middle, drop):
            cand = ".".join(x for i, x in enumerate(parts) if i not in combo)
            if cand in where:
                return cand
    return None


def _to_theorem(p: TracedProof, where: dict, report: TraceReport, url: str = COQ_URL,
                commit: str = COQ_COMMIT) -> TracedTheorem:
    tactics = []
    for step in p.traced_tactics:
        text, prems = step.annotated_tactic
        refs = []
        for prem in prems:
            report.premise_refs += 1
            name = resolve_premise(prem["full_name"], where)
            if name is None:
                report.premise_refs_unresolved += 1
                text = _unmark(text, prem["full_name"])
                continue
            loc = where[name]
            refs.append(PremiseRef(full_name=name, def_path=loc[0], def_pos=loc[1], def_end_pos=loc[2]))
        tactics.append(TracedTactic(tactic=step.tactic, annotated_tactic=(text, refs), state_before=step.state_before, state_after=step.state_after))
    extra = {"kind": p.kind}
    if p.statement:
        extra.update(context=p.context or "", context_includes_self=p.context_includes_self,
                     context_with_file=p.context_with_file or "")
    return TracedTheorem(
        url=url, commit=commit, file_path=p.file_path, full_name=p.full_name, start=p.start,
        end=p.end, traced_tactics=tactics, statement=p.statement, **extra,
    )


def _unmark(text: str, full_name: str) -> str:
    """Drop the ``<a>`` marks of a premise that has no known position (first match only)."""
    short = full_name.rsplit(".", 1)[-1]
    import re

    m = re.search(rf"<a>([\w.']*{re.escape(short)})</a>", text)
    if not m:
        return text
    return text[: m.start()] + m.group(1) + text[m.end() :]


# --------------------------------------------------------------------------- re-checking


@dataclass
class RecheckResult:
    proofs: int = 0
    accepted: int = 0
    files: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def recheck(out: Path, project: CoqProject | Path, files: list[str], sample: int | None, seed: int = 0, jobs: int = 2) -> RecheckResult:
    """Rebuild traced proofs from their steps inside a copy of their file; compile with coqc.

    ``sample``: how many proofs, chosen at random with ``seed`` (None: all). Each file is
    compiled once with all its chosen proofs replaced; a file that compiles accepts them all.
    """
    start = time.monotonic()
    chosen: list[tuple[str, TracedProof]] = []
    for rel in files:
        t = load_cached(out, rel)
        if t is not None:
            chosen.extend((rel, p) for p in t.proofs)
    if sample is not None and sample < len(chosen):
        chosen = random.Random(seed).sample(chosen, sample)
    by_file: dict[str, list[TracedProof]] = {}
    for rel, p in chosen:
        by_file.setdefault(rel, []).append(p)
    result = RecheckResult(proofs=len(chosen), files=len(by_file))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(compile_with_proofs, project, rel, proofs): rel for rel, proofs in by_file.items()}
        for fut in as_completed(futs):
            rel = futs[fut]
            ok, msg = fut.result()
            if ok:
                result.accepted += len(by_file[rel])
            else:
                result.failures[rel] = msg
    result.seconds = time.monotonic() - start
    return result


def compile_with_proofs(project: CoqProject | Path, rel: str, proofs: list[TracedProof], timeout: float = 900.0) -> tuple[bool, str]:
    """Compile ``rel`` with ``proofs`` replaced by their re-assembled steps."""
    project = as_project(project)
    src = project.source(rel)
    for p in sorted(proofs, key=lambda p: -p.body_span[0]):
        a, b = p.body_span
        src = src[:a] + p.reassembled() + src[b:]
    tmp = Path(tempfile.mkdtemp(prefix="proofplan-recheck-"))
    try:
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(src, encoding="utf-8")
        logical_dir = project.logical_name(rel).rsplit(".", 1)[0] if "." in project.logical_name(rel) else ""
        args = ["coqc", "-q", "-w", "-all", *project.coq_args]
        if project.name == STDLIB_NAME and rel.startswith("Init/"):
            args.append("-noinit")
        args += ["-Q", str(target.parent), logical_dir, str(target)] if logical_dir else [str(target)]
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            return False, f"coqc timed out after {timeout:.0f} s"
        msg = (proc.stdout + proc.stderr).strip()
        return proc.returncode == 0, msg[-400:]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
