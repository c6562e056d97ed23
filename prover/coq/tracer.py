"""Trace one Coq source file: replay it sentence by sentence through ``coqtop`` and record
every proof's tactics with the goals before and after each, and the premises each uses.

A *tactic step* is one tactic sentence with the bullets and braces that precede it
(``- simpl.``, ``} + auto.``); braces that close the last goals of a proof are appended to the
last step (``auto. }``), so joining the steps gives back the proof. ``state_before`` and
``state_after`` are ``Show.`` outputs in :mod:`prover.coq.goals` form, the same text
:class:`~prover.coq.env.CoqEnv` gives a search. Premises are the global constants, inductives
and constructors named in a step, resolved with ``Locate`` to their full names; the step's
text marks them ``<a>name</a>`` as LeanDojo does. A proof that fails to replay is closed with
``Admitted.`` (so the rest of the file still replays) and reported with the reason.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field

from common.errors import ProofplanError
from prover.coq.coqtop import Coqtop, CoqtopDied
from prover.coq.goals import parse_show
from prover.coq.outline import LEMMA_KINDS, Declaration, outline, strip_attributes
from prover.coq.project import STDLIB_NAME, CoqProject, Mapping
from prover.coq.sentences import Sentence, is_bullet_or_brace, line_col, normalize, split_sentences

TRACE_VERSION = 2
_TERMINATOR = re.compile(r"^(Qed|Defined|Admitted|Abort|Save)\b")
_PROOF_HEADER = re.compile(r"^Proof\b")
_PROOF_TERM = re.compile(r"^Proof\s+(?!with\b|using\b)\S")
_QUERY = re.compile(r"^(?:Check|Show|Print|Eval|Compute|Search\w*|Locate|About|Test|Timeout\s+\d+\s+Check|Time\s+Check)\b")
_QUALID = re.compile(r"(?<![\w'.])@?([A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*)")
_STRING = re.compile(r'"(?:[^"]|"")*"')
_HYP_LINE = re.compile(r"^([A-Za-z_][\w']*(?:\s*,\s*[A-Za-z_][\w']*)*)\s*:(?!=)", re.M)
_LOCATE_KINDS = ("Constant", "Inductive", "Constructor")
# Tactic names and keywords of tactic expressions: never looked up.
STOPWORDS = frozenset(
    """intro intros apply eapply rewrite erewrite simpl auto eauto trivial reflexivity symmetry
    transitivity exact eexact induction destruct edestruct case elim split left right exists
    eexists unfold fold assert cut generalize inversion inversion_clear subst omega lia lra nia
    tauto intuition firstorder discriminate injection congruence ring field f_equal now try
    repeat do in as with at using by clear revert rename set pose remember specialize change
    pattern replace red hnf cbv cbn compute vm_compute native_compute lazy constructor
    econstructor contradiction contradict exfalso absurd decide equality assumption eassumption
    solve first idtac fail match goal end fun forall exists let if then else Type Prop Set
    setoid_rewrite case_eq dependent refine eelim elimtype lapply enough assert_succeeds
    now_show progress once exactly_once abstract timeout tryif info_auto info_eauto autorewrite
    autounfold rewrite_strat setoid_replace setoid_reflexivity setoid_symmetry
    setoid_transitivity easy split_Rabs split_Rmult nsatz psatz field_simplify ring_simplify
    field_simplify_eq lazymatch multimatch context type of fix cofix clearbody move after before
    top bottom hyp all par zify pose_proof epose assert_fails unshelve shelve Unshelve simple
    notypeclasses rapply specialize_morphism_hyp instantiate evar under over cycle swap revgoals
    rename_all in_context dintuition dtauto btauto rtauto gfail sfail solve_proper
    f_equiv rewrite_all replace_all exists_inside functional scheme hint_db core arith
    zarith bool datatypes v62 sets typeclass_instances nocore eq_refl""".split()
)


class TracedStep(BaseModel):
    """One tactic step of a traced proof (LeanDojo ``traced_tactics`` entry)."""

    tactic: str
    annotated_tactic: tuple[str, list[dict]]
    state_before: str
    state_after: str
    steps_remaining: int | None = None


class TracedProof(BaseModel):
    """A proof traced from a file: the theorem record of the LeanDojo schema plus our extras."""

    file_path: str
    full_name: str
    kind: str
    start: tuple[int, int]
    end: tuple[int, int]
    statement_sentence: str
    proof_header: str | None = None
    terminator: str
    statement: str | None = None
    context: str | None = None
    context_includes_self: bool = False
    context_with_file: str | None = None  # the context plus ``Require Import <this file>.``
    checked_type: str | None = None  # ``Check @full_name`` at the end of the file
    body_span: tuple[int, int] = (0, 0)  # character offsets: statement end .. terminator end
    traced_tactics: list[TracedStep] = Field(default_factory=list)

    def reassembled(self) -> str:
        """The proof rebuilt from its traced steps (the text after the statement)."""
        lines = [self.proof_header] if self.proof_header else []
        lines.extend(t.tactic for t in self.traced_tactics)
        lines.append(self.terminator)
        return "\n" + "\n".join(lines)


class FailedProof(BaseModel):
    full_name: str
    kind: str
    start: tuple[int, int]
    reason: str


class ExtraPremise(BaseModel):
    """A premise that exists only through ``Include`` (no declaration in the source)."""

    full_name: str
    code: str
    file_path: str


class FileTrace(BaseModel):
    """Everything traced from one file: the per-file cache entry."""

    version: int = TRACE_VERSION
    file_path: str
    logical: str
    status: str  # "ok" | "failed" | "timeout"
    reason: str = ""
    seconds: float = 0.0
    sentences: int = 0
    proofs: list[TracedProof] = Field(default_factory=list)
    failed: list[FailedProof] = Field(default_factory=list)
    admitted: list[str] = Field(default_factory=list)
    extra_premises: list[ExtraPremise] = Field(default_factory=list)
    top_context: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class TraceSettings:
    tactic_timeout: float = 60.0
    sentence_timeout: float = 120.0
    file_timeout: float = 900.0
    memory_mb: int = 6144
    locate: bool = True


def coqtop_args_for(rel_path: str, project: CoqProject | Path) -> list[str]:
    """Options that make coqtop see the file as the library module it is compiled to."""
    project = as_project(project)
    args = ["-topfile", str(project.root / rel_path), "-w", "-all", *project.coq_args]
    if project.name == STDLIB_NAME and rel_path.startswith("Init/"):
        args.insert(0, "-noinit")
    return args


def as_project(project: CoqProject | Path, prefix: str = "Coq") -> CoqProject:
    """A project as it is, or a folder of sources seen as the standard library is (dataset paths
    ``theories/<file>``, logical names ``<prefix>.<file>``, no load-path flags)."""
    if isinstance(project, CoqProject):
        return project
    root = Path(project)
    return CoqProject(STDLIB_NAME, root, (Mapping(root, prefix, True),), "stdlib")


def hypothesis_names(state: str) -> set[str]:
    """Names bound in the hypotheses of a pretty-printed goal state."""
    names: set[str] = set()
    for block in state.split("============================")[:-1] or [""]:
        for m in _HYP_LINE.finditer(block):
            names.update(x.strip() for x in m.group(1).split(","))
    return names


def first_goal_hypotheses(state: str) -> list[str]:
    """Hypothesis names of the first goal, in order (``intros`` of these rebuilds the state
    from the closed statement)."""
    hyps = state.split("============================", 1)[0] if "============================" in state else ""
    return [x.strip() for m in _HYP_LINE.finditer(hyps) for x in m.group(1).split(",")]


def candidate_names(tactic: str, local: set[str]) -> list[str]:
    """Identifiers of a tactic that may be global constants, in order of appearance."""
    bare = _STRING.sub(lambda m: " " * len(m.group(0)), tactic)
    out: list[str] = []
    for m in _QUALID.finditer(bare):
        name = m.group(1)
        if name in STOPWORDS or name in local or name.isdigit():
            continue
        if name not in out:
            out.append(name)
    return out


def annotate(tactic: str, resolved: dict[str, dict]) -> tuple[str, list[dict]]:
    """Wrap each resolved name occurrence in ``<a>...</a>``; premises listed per occurrence."""
    bare = _STRING.sub(lambda m: " " * len(m.group(0)), tactic)
    pieces: list[str] = []
    premises: list[dict] = []
    pos = 0
    for m in _QUALID.finditer(bare):
        name = m.group(1)
        if name not in resolved:
            continue
        pieces.append(tactic[pos : m.start(1)])
        pieces.append(f"<a>{name}</a>")
        premises.append(resolved[name])
        pos = m.end(1)
    pieces.append(tactic[pos:])
    return "".join(pieces), premises


class _Tracer:
    def __init__(self, rel_path: str, project: CoqProject, settings: TraceSettings, logical: str) -> None:
        self.rel_path = rel_path
        self.project = project
        #: where ``Include``d standard-library names are looked up (:meth:`_extra_premises`)
        self.theories = project.root if project.name == STDLIB_NAME else _stdlib_root()
        self.settings = settings
        self.logical = logical
        self.src = (project.root / rel_path).read_text(encoding="utf-8")
        self.sentences = split_sentences(self.src, allow_incomplete=True)
        self.outline = outline(self.src, logical, self.sentences)
        self.decl_by_pos: dict[tuple[int, int], Declaration] = {d.start: d for d in self.outline.declarations if d.kind != "Constructor"}
        self.coq = Coqtop(coqtop_args_for(rel_path, project), memory_mb=settings.memory_mb, cwd=str(project.root))
        self.locate_cache: dict[str, str | None] = {}
        self.extra: dict[str, ExtraPremise] = {}
        self.deadline = time.monotonic() + settings.file_timeout
        self.result = FileTrace(file_path=project.dataset_path(rel_path), logical=logical, status="ok")

    def send(self, text: str, timeout: float):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"file timeout after {self.settings.file_timeout:.0f} s")
        return self.coq.send(text, min(timeout, remaining))

    def run(self) -> FileTrace:
        start = time.monotonic()
        try:
            for s in ("Set Silent.", "Set Printing Width 100."):
                self.coq.send(s, 30)
            self._replay()
            self._extra_premises()
            self._checked_types()
        except TimeoutError as e:
            self.result.status, self.result.reason = "timeout", str(e)
        except CoqtopDied as e:
            self.result.status, self.result.reason = "failed", f"coqtop died: {e}"
        finally:
            self.coq.kill()
        self.result.seconds = round(time.monotonic() - start, 3)
        self.result.sentences = len(self.sentences)
        self.result.extra_premises = list(self.extra.values())
        return self.result

    def _replay(self) -> None:
        i = 0
        n = len(self.sentences)
        depth = 0  # open modules/sections, for top-level context tracking
        while i < n:
            s = self.sentences[i]
            text = normalize(s.text)
            bare = strip_attributes(text)
            if s.end > len(self.src.rstrip()) and not text.endswith("."):
                break  # trailing text without a terminator
            reply = self.send(text, self.settings.sentence_timeout)
            if reply.interrupted:
                raise TimeoutError(f"sentence timed out: {text[:80]!r}")
            if reply.error and not reply.proof_name:
                # A failing command outside proofs (it fails under coqc too, e.g. `Fail`): go on.
                i += 1
                continue
            if re.match(r"^(Module|Section)\b", bare) and ":=" not in bare:
                depth += 1
            elif re.match(r"^End\b", bare):
                depth = max(0, depth - 1)
            elif depth == 0 and re.match(r"^(?:(?:From\s+\S+\s+)?Require|Import|Export|(?:Local\s+)?Open\s+Scope)\b", bare):
                self.result.top_context.append(context_sentence(text, bare))
            if reply.proof_name and not reply.error:
                i = self._proof(i, s, text)
            else:
                i += 1

    # -- one proof -------------------------------------------------------------------------

    def _proof(self, i: int, stmt: Sentence, stmt_text: str) -> int:
        """Trace the proof opened by sentence ``i``; return the index after its terminator."""
        pos = line_col(self.src, stmt.start)
        decl = self.decl_by_pos.get(pos)
        kind = decl.kind if decl else strip_attributes(stmt_text).split(" ", 1)[0]
        full_name = decl.full_name if decl else f"{self.logical}.{self.coq.proof_name}"
        self.locate_cache.clear()
        end_idx = self._find_terminator(i + 1)
        context = list(self.result.top_context)
        if end_idx < len(self.sentences) and _PROOF_TERM.match(normalize(self.sentences[end_idx].text)):
            return self._proof_term(i, end_idx, full_name, kind, pos, stmt_text, context)
        state = parse_show(self.send("Show.", 60).output).text
        initial_state = state
        header: str | None = None
        steps: list[TracedStep] = []
        step_texts: list[list[str]] = []
        prefix: list[str] = []
        j = i + 1
        failure: str | None = None
        while j < end_idx:
            s = self.sentences[j]
            text = normalize(s.text)
            j += 1
            if j == i + 2 and _PROOF_HEADER.match(text):
                reply = self.send(text, self.settings.tactic_timeout)
                if reply.error or reply.interrupted:
                    failure = f"{text!r}: {reply.error or 'timeout'}"
                    break
                header = text
                continue
            if _QUERY.match(text):
                self.send(text, self.settings.tactic_timeout)
                continue
            reply = self.send(text, self.settings.tactic_timeout)
            if reply.interrupted or reply.error:
                failure = f"{text[:80]!r}: {reply.error or 'timeout'}"
                break
            if is_bullet_or_brace(text):
                prefix.append(text)
                continue
            after = parse_show(self.send("Show.", 60).output).text
            sentences = [*prefix, text]
            prefix = []
            step_texts.append(sentences)
            steps.append(self._step(" ".join(sentences), state, after))
            state = after
        if failure is None and prefix:
            # Closing braces/bullets before the terminator belong to the last step.
            after = parse_show(self.send("Show.", 60).output).text
            if steps:
                last = steps[-1]
                step_texts[-1].extend(prefix)
                steps[-1] = self._step(" ".join(step_texts[-1]), last.state_before, after)
            state = after
        term_text = normalize(self.sentences[end_idx].text) if end_idx < len(self.sentences) else ""
        if failure is None and not term_text.startswith(("Qed", "Defined", "Save")):
            failure = f"proof ends with {term_text.split(' ')[0] or 'nothing'}"
            if term_text.startswith("Admitted"):
                self.result.admitted.append(full_name)
        if failure is None and not steps:
            failure = "proof has no tactic steps"
        if failure is None:
            reply = self.send(term_text, self.settings.sentence_timeout)
            if reply.interrupted or reply.error or reply.proof_name:
                failure = f"{term_text}: {reply.error or 'still in proof mode'}"
            else:
                end = line_col(self.src, self.sentences[end_idx].end)
                self.result.proofs.append(
                    TracedProof(
                        file_path=self.result.file_path, full_name=full_name, kind=kind, start=pos,
                        end=end, statement_sentence=stmt_text, proof_header=header,
                        terminator=term_text, traced_tactics=steps,
                        statement=closed_statement(initial_state), context=" ".join(context),
                        body_span=(self.sentences[i].end, self.sentences[end_idx].end),
                    )
                )
                return end_idx + 1
        return self._after_proof(end_idx, full_name, kind, pos, failure or "unknown")

    def _proof_term(self, i: int, end_idx: int, full_name: str, kind: str, pos: tuple[int, int],
                    stmt_text: str, context: list[str]) -> int:
        """``Proof t.`` means ``exact t. Qed.``: trace it as that one step."""
        term = normalize(self.sentences[end_idx].text)[len("Proof"):].strip()[:-1].strip()
        before = parse_show(self.send("Show.", 60).output).text
        tactic = f"exact ({term})."
        reply = self.send(tactic, self.settings.tactic_timeout)
        if reply.error or reply.interrupted:
            return self._after_proof(end_idx, full_name, kind, pos, f"Proof term as exact: {reply.error or 'timeout'}")
        after = parse_show(self.send("Show.", 60).output).text
        step = self._step(tactic, before, after)
        reply = self.send("Qed.", self.settings.sentence_timeout)
        if reply.error or reply.interrupted or reply.proof_name:
            return self._after_proof(end_idx, full_name, kind, pos, f"Proof term: Qed failed: {reply.error or 'timeout'}")
        self.result.proofs.append(
            TracedProof(
                file_path=self.result.file_path, full_name=full_name, kind=kind, start=pos,
                end=line_col(self.src, self.sentences[end_idx].end), statement_sentence=stmt_text,
                proof_header="Proof.", terminator="Qed.", traced_tactics=[step],
                statement=closed_statement(before), context=" ".join(context),
                body_span=(self.sentences[i].end, self.sentences[end_idx].end),
            )
        )
        return end_idx + 1

    def _after_proof(self, end_idx: int, full_name: str, kind: str, pos: tuple[int, int], reason: str, closed: bool = False) -> int:
        """Record a failed proof and leave proof mode the way the file would."""
        if not reason.startswith("proof ends with Admitted"):
            self.result.failed.append(FailedProof(full_name=full_name, kind=kind, start=pos, reason=reason[:300]))
        if not closed and self.coq.proof_name:
            term = normalize(self.sentences[end_idx].text) if end_idx < len(self.sentences) else ""
            close = "Admitted." if not term.startswith("Abort") else "Abort."
            reply = self.send(close, self.settings.sentence_timeout)
            if reply.proof_name:
                self.send("Abort.", 30)
        return end_idx + 1

    def _find_terminator(self, j: int) -> int:
        """Index of the sentence that ends the proof starting at ``j`` (``Proof term.`` does)."""
        first = True
        while j < len(self.sentences):
            text = normalize(self.sentences[j].text)
            if _TERMINATOR.match(text) or (first and _PROOF_TERM.match(text)):
                return j
            first = False
            j += 1
        return j

    def _checked_types(self) -> None:
        """The type of each traced theorem as Coq prints it once its sections are closed."""
        for proof in self.result.proofs:
            reply = self.send(f"Check @{proof.full_name}.", 30)
            if reply.error or reply.interrupted:
                continue
            _, sep, typ = reply.output.partition("\n")
            typ = " ".join(typ.split())
            if sep and typ.startswith(": "):
                proof.checked_type = typ[2:]

    # -- premises ----------------------------------------------------------------------------

    def _extra_premises(self) -> None:
        """``Check`` the used premises that no source declares (they come from ``Include``)."""
        if self.theories is None:
            return
        used = {p["full_name"] for pr in self.result.proofs for t in pr.traced_tactics for p in t.annotated_tactic[1]}
        for full in sorted(used):
            lib = library_of(full, self.theories)
            if lib is None:
                continue
            if full in declared_names(lib, self.theories):
                continue
            reply = self.send(f"Check @{full}.", 30)
            if reply.error:
                continue
            code = " ".join(reply.output.split())
            self.extra[full] = ExtraPremise(full_name=full, code=code[:1000], file_path=f"theories/{lib}")

    def _step(self, tactic: str, before: str, after: str) -> TracedStep:
        resolved: dict[str, dict] = {}
        if self.settings.locate:
            for name in candidate_names(tactic, hypothesis_names(before)):
                full = self._locate(name)
                if full is not None:
                    resolved[name] = {"full_name": full}
        annotated, premises = annotate(tactic, resolved)
        return TracedStep(
            tactic=tactic, annotated_tactic=(annotated, premises), state_before=before, state_after=after
        )

    def _locate(self, name: str) -> str | None:
        if name in self.locate_cache:
            return self.locate_cache[name]
        reply = self.send(f"Locate {name}.", 30)
        full: str | None = None
        first = reply.output.strip().split("\n", 1)[0] if reply.output.strip() else ""
        parts = first.split()
        if len(parts) >= 2 and parts[0] in _LOCATE_KINDS and not reply.error:
            full = parts[1]
        self.locate_cache[name] = full
        return full


_LIBRARIES: dict[str, dict[str, str]] = {}
_DECLARED: dict[str, set[str]] = {}


def libraries(theories: Path, prefix: str = "Coq") -> dict[str, str]:
    """Logical name -> path relative to ``theories`` for every ``.v`` file (cached)."""
    key = str(theories)
    if key not in _LIBRARIES:
        from prover.coq.outline import logical_name

        _LIBRARIES[key] = {
            logical_name(str(p.relative_to(theories)), prefix): str(p.relative_to(theories))
            for p in sorted(theories.rglob("*.v"))
        }
    return _LIBRARIES[key]


def library_of(full_name: str, theories: Path) -> str | None:
    """The file (relative to ``theories``) whose module is the longest prefix of ``full_name``."""
    libs = libraries(theories)
    parts = full_name.split(".")
    for k in range(len(parts) - 1, 0, -1):
        rel = libs.get(".".join(parts[:k]))
        if rel is not None:
            return rel
    return None


def declared_names(rel_path: str, theories: Path) -> set[str]:
    """Full names the source of ``rel_path`` declares (cached)."""
    if rel_path not in _DECLARED:
        from prover.coq.outline import logical_name

        src = (theories / rel_path).read_text(encoding="utf-8")
        _DECLARED[rel_path] = {d.full_name for d in outline(src, logical_name(rel_path)).declarations}
    return _DECLARED[rel_path]


def context_sentence(text: str, bare: str) -> str:
    """A top-level import/scope sentence in the form a theorem's context accepts."""
    if text.startswith("#[local]") or text.startswith("Local "):
        return "Local " + bare if not bare.startswith("Local ") else bare
    return bare


def closed_statement(state: str) -> str | None:
    """The initial goal as one closed proposition: hypotheses become ``forall`` binders."""
    if "============================" not in state:
        return None
    hyps, _, concl = state.partition("============================")
    concl = concl.strip()
    if "\n\n" in concl:  # several initial goals: not a plain statement
        return None
    binders: list[str] = []
    for line in _join_hyp_lines(hyps):
        names, sep, typ = line.partition(" : ")
        if not sep or ":=" in names:
            return None  # a let-bound hypothesis (section Let): no closed form
        if ":=" in typ:
            return None
        binders.append(f"({names.replace(',', '')} : {typ.strip()})")
    concl = " ".join(concl.split())
    if not binders:
        return concl
    return f"forall {' '.join(binders)}, {concl}"


def _join_hyp_lines(hyps: str) -> list[str]:
    """Hypothesis lines, with continuation lines (indented) joined to their hypothesis."""
    out: list[str] = []
    for line in hyps.strip("\n").split("\n"):
        if not line.strip():
            continue
        if line.startswith(" ") and out:
            out[-1] += " " + line.strip()
        else:
            out.append(line.strip())
    return out


def trace_file(rel_path: str, project: CoqProject | Path, settings: TraceSettings | None = None,
               prefix: str = "Coq") -> FileTrace:
    """Trace ``rel_path`` of ``project`` (a folder: seen as the standard library, logical names
    under ``prefix``); never raises for Coq-side failures (status says why)."""
    project = as_project(project, prefix)
    settings = settings or TraceSettings()
    try:
        logical = project.logical_name(rel_path)
        tracer = _Tracer(rel_path, project, settings, logical)
    except Exception as e:  # unreadable file, unsplittable text, coqtop failing to start
        return FileTrace(file_path=project.dataset_path(rel_path), logical=rel_path, status="failed",
                         reason=f"{type(e).__name__}: {e}"[:300])
    return tracer.run()


def _stdlib_root() -> Path | None:
    try:
        return CoqProject.stdlib().root
    except ProofplanError:
        return None


__all__ = ["FileTrace", "TraceSettings", "TracedProof", "trace_file", "LEMMA_KINDS"]
