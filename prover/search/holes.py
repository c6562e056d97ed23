"""Fill the holes of a user's Coq file: prove each ``Admitted.`` lemma (or one using ``admit``)
where it stands, re-check the whole file with ``coqc``, and write the proofs back.

The flow, for ``File.v`` of a project (:class:`~prover.coq.project.CoqProject`):

1. the project is compiled where ``.vo`` files are missing (the file's imports must load);
2. the project is traced (cached per file under ``data/generated/projects``), so its own
   definitions and lemmas join the premise corpus and its earlier proofs the k-NN memory
   (online, in file order: a hole sees the lemmas of its file before it and nothing after);
3. each hole is searched with its statement sentence run as the file has it, after the file's
   sentences before it (earlier holes closed by ``Admitted.``, as the file allows);
4. the found proofs (each already re-checked in a fresh process) are put back and the whole
   file is compiled by ``coqc``; a proof that breaks the file is dropped and the rest checked
   again; with ``write`` the file is replaced and the original kept as ``File.v.bak``.

:class:`HoleFiller` keeps the models and the Coq process warm across files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import BaseModel

from common.errors import ProofplanError
from common.paths import data_dir
from prover.coq.holes import Hole, fill, find_holes, prefix_before
from prover.coq.project import CoqProject
from prover.env import ProverError, Theorem
from prover.search.configs import DEFAULT_CONFIG, ProverSettings, check_config


class HoleResult(BaseModel):
    """One hole's outcome (the ``--json`` record)."""

    name: str
    full_name: str
    line: int
    reason: str  # "Admitted" or "admit"
    proved: bool
    proof: list[str] | None = None
    seconds: float
    error: str | None = None


class FillReport(BaseModel):
    file: str
    project: str
    holes: list[HoleResult]
    rechecked: bool  # the file with every reported proof compiled with coqc
    recheck_message: str = ""
    dropped: list[str] = []  # proofs found but dropped because the whole file rejected them
    written: str | None = None
    backup: str | None = None
    seconds: float = 0.0

    @property
    def proved(self) -> int:
        return sum(h.proved for h in self.holes)


def project_dataset_dir(project: CoqProject) -> Path:
    key = hashlib.sha256(str(project.root).encode()).hexdigest()[:10]
    return data_dir() / "generated" / "projects" / f"{project.name}-{key}"


def trace_project(project: CoqProject, out: Path | None = None, jobs: int = 1,
                  on_done: Callable[[str, str, int, float], None] | None = None) -> Path:
    """Trace ``project`` into a dataset (files whose source changed since their trace are traced
    again); returns its folder."""
    from prover.coq.trace_pipeline import assemble, cache_path, run_traces

    out = out or project_dataset_dir(project)
    files = project.files()
    for rel in files:
        cached = cache_path(out, rel)
        if cached.is_file() and cached.stat().st_mtime < (project.root / rel).stat().st_mtime:
            cached.unlink()
    traced = run_traces(out, files, project, jobs=jobs, on_done=on_done)
    if traced or not (out / "metadata.json").is_file():
        assemble(out, files, project, corpus_scope="reachable")
    return out


def compile_file(project: CoqProject, rel: str, src: str, timeout: float = 600.0) -> tuple[bool, str]:
    """Compile ``src`` as the project's ``rel`` (a copy in a temporary folder, the project's
    load path in front) with ``coqc``: (accepted, the first error)."""
    from prover.coq.coqtop import error_message

    logical = project.logical_name(rel)
    with tempfile.TemporaryDirectory(prefix="proofplan-holes-") as tmp:
        target = Path(tmp) / Path(rel).name
        target.write_text(src, encoding="utf-8")
        args = ["coqc", "-q", "-w", "-all", *project.coq_args]
        if "." in logical:
            args += ["-Q", tmp, logical.rsplit(".", 1)[0]]
        try:
            proc = subprocess.run([*args, str(target)], capture_output=True, text=True, timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            return False, f"coqc timed out after {timeout:.0f} s"
    out = (proc.stdout + proc.stderr).strip()
    ok = proc.returncode == 0 and error_message(out) is None
    return ok, "" if ok else (error_message(out) or out[-300:])


def hole_theorem(project: CoqProject, rel: str, src: str, hole: Hole, holes: list[Hole]) -> Theorem:
    """The search's theorem for ``hole``: its own statement after the file's earlier sentences."""
    logical = project.logical_name(rel)
    statement = hole.statement.split(":", 1)[1].strip() if ":" in hole.statement else hole.statement
    return Theorem(name=hole.name, statement=statement.rstrip("."), header=hole.statement,
                   prelude=prefix_before(src, hole, holes), file_path=project.dataset_path(rel),
                   full_name=f"{logical}.{hole.name}", start=hole.start)


def backup_path(path: Path) -> Path:
    candidate = path.with_name(path.name + ".bak")
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.bak{n}")
        n += 1
    return candidate


@dataclass
class HoleFiller:
    """Proves the holes of files; keeps one Coq process and the loaded models across calls.

    ``learn``: trace the project for retrieval over its own premises and online k-NN memory of
    its earlier proofs (off: the models as shipped, the bundled corpus).
    """

    config: str = DEFAULT_CONFIG
    settings: ProverSettings = field(default_factory=ProverSettings)
    learn: bool = True
    _envs: dict[tuple[str, ...], object] = field(default_factory=dict, repr=False)
    _components: dict[object, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        check_config(self.config)

    def close(self) -> None:
        for env in self._envs.values():
            env.close()  # type: ignore[attr-defined]
        self._envs.clear()

    def __enter__(self) -> HoleFiller:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _env(self, project: CoqProject):
        from prover.coq import CoqEnv

        key = tuple(project.coq_args)
        if key not in self._envs:
            self._envs[key] = CoqEnv(project.coq_args)
        return self._envs[key]

    def _prover(self, project: CoqProject, env, dataset: Path | None):
        from prover.search.configs import AUTOMATION_CONFIGS, evaluation_prover, load_components

        settings = replace(self.settings, dataset_dir=dataset or self.settings.dataset_dir,
                           online_learning=self.learn and dataset is not None)
        components = None
        if self.config not in AUTOMATION_CONFIGS:
            key = (self.config, settings.dataset_dir)
            if key not in self._components:
                self._components[key] = load_components(self.config, settings)
            components = self._components[key]
        return evaluation_prover(self.config, env, settings, components)  # type: ignore[arg-type]

    def fill_file(self, path: str | Path, write: bool = False,
                  on_result: Callable[[HoleResult], None] | None = None) -> FillReport:
        """Prove the holes of ``path`` (see the module docstring)."""
        start = time.monotonic()
        path = Path(path)
        if path.suffix != ".v" or not path.is_file():
            raise ProofplanError(f"{path} is not a Coq .v file")
        project = CoqProject.for_file(path)
        rel = str(path.resolve().relative_to(project.root))
        src = path.read_text(encoding="utf-8")
        holes = find_holes(src)
        report = FillReport(file=str(path), project=project.name, holes=[], rechecked=False)
        if not holes:
            report.rechecked, report.recheck_message = compile_file(project, rel, src)
            report.seconds = time.monotonic() - start
            return report
        built = project.compile() if project.kind == "folder" else []
        if rel not in built:  # a file coq_makefile just built compiles as it is
            ok, why = compile_file(project, rel, src)
            if not ok:
                raise ProofplanError(f"{path} does not compile as it is: {why}")
        dataset = trace_project(project) if self.learn else None
        env = self._env(project)
        prover = self._prover(project, env, dataset)
        proofs: dict[int, list[str]] = {}
        results: dict[int, HoleResult] = {}
        for hole in holes:
            theorem = hole_theorem(project, rel, src, hole, holes)
            t0 = time.monotonic()
            try:
                result = prover(theorem)
                proved, proof, error = result.proved, result.proof, result.error
            except ProverError as e:
                proved, proof, error = False, None, str(e)
            res = HoleResult(name=hole.name, full_name=theorem.full_name or hole.name, line=hole.start[0],
                             reason=hole.reason, proved=bool(proved and proof), proof=proof if proved else None,
                             seconds=round(time.monotonic() - t0, 3), error=None if proved else error)
            if res.proved and proof:
                proofs[hole.index] = list(proof)
            results[hole.index] = res
            if on_result is not None:
                on_result(res)
        imports = self._imports(project, rel, src, holes)
        filled, dropped, ok, why = self._recheck(project, rel, src, holes, proofs, imports)
        for index in dropped:
            r = results[index]
            results[index] = r.model_copy(update={"proved": False, "proof": None,
                                                  "error": "the file with this proof does not compile"})
        report.holes = [results[h.index] for h in holes]
        report.dropped = [results[i].name for i in dropped]
        report.rechecked, report.recheck_message = ok, why
        if write and ok and len(proofs) > len(dropped):
            backup = backup_path(path)
            shutil.copy2(path, backup)
            tmp = path.with_name(f".{path.name}.proofplan-tmp")
            tmp.write_text(filled, encoding="utf-8")
            os.replace(tmp, path)
            report.written, report.backup = str(path), str(backup)
        report.seconds = round(time.monotonic() - start, 3)
        return report

    def _imports(self, project: CoqProject, rel: str, src: str, holes: list[Hole]) -> tuple[str, ...]:
        """The library loads the configuration adds to a theorem's context (its proofs were
        checked with them), less those the file has; settings such as ``Set Hammer`` left out."""
        from prover.coq.env import check_context
        from prover.search.configs import theorem_as_proved

        theorem = hole_theorem(project, rel, src, holes[0], holes)
        context = check_context(theorem_as_proved(self.config, theorem, self.settings).context)
        own = " ".join(theorem.prelude)
        return tuple(line for line in context if "Require" in line and line not in own)

    def _recheck(self, project: CoqProject, rel: str, src: str, holes: list[Hole],
                 proofs: dict[int, list[str]], imports: tuple[str, ...] = ()) -> tuple[str, list[int], bool, str]:
        """The file with the proofs put back, compiled; a proof the file rejects is dropped
        (each tried alone) and the rest compiled again."""
        filled = fill(src, proofs, holes, imports)
        ok, why = compile_file(project, rel, filled)
        if ok or not proofs:
            return filled, [], ok, why
        dropped = [i for i, p in proofs.items() if not compile_file(project, rel, fill(src, {i: p}, holes, imports))[0]]
        kept = {i: p for i, p in proofs.items() if i not in dropped}
        filled = fill(src, kept, holes, imports)
        ok, why = compile_file(project, rel, filled)
        return filled, dropped, ok, why
