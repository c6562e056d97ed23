"""Re-checking benchmark proofs of theorems whose context loads their own file.

Many standard-library statements mention definitions of the file they come from, so their
context must ``Require`` that file, and then the theorem itself and every lemma after it are in
scope: ``apply in_elt.`` or a hint database would prove ``in_elt`` with itself. For such
theorems the check compiles the proof with ``coqc``, prints the proof term, and rejects it when
the term names the theorem or a lemma that its file defines at or after the theorem's start
(short names compared, since Coq prints names as short as the imports allow). A configuration
can load the file without the theorem's context asking for it (CoqHammer's imports load
``Bool``, ``Compare_dec``, ``PeanoNat`` ...; ``hammer`` then finds the theorem itself among
everything loaded), so every other theorem's proof term is checked too, against the names its
file defines at or after it, each printed name compared as a suffix of their full names.

A printed name that matches is then looked up where the theorem is stated (``Locate`` in the
search's own process, :meth:`prover.coq.env.CoqEnv.resolve_names`), and counts only when it
denotes one of those lemmas: in a file prefix, ``inj_compare`` inside ``Nat2Z`` is the prefix's
own earlier lemma, not the library's later ``Z2Nat.inj_compare``, and a bound ``env`` is not
``ZMicromega.env``. Where no process can tell, the name match alone refuses the proof.

The same names give the search a tactic filter (:meth:`FutureLemmaCheck.tactic_filter`): a
tactic that names a forbidden lemma would put it in the proof term, so it is not run at all,
instead of closing goals whose proofs the re-check then rejects one by one (each a ``coqc``
run). Leaks through hint databases (``auto``) are not visible in the tactic text and are still
caught by the re-check.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from prover.env import ProofEnv, ProverError, Theorem

# A Coq identifier; ``_`` alone is the anonymous binder, never a name.
_IDENT = r"(?:[A-Za-z][\w']*|_[\w']+)"
_TOKEN = re.compile(rf"{_IDENT}(?:\.{_IDENT})*")
_TYPE_LINE = re.compile(r"^\s+: ", re.M)

#: ``names -> {name: full name it denotes, or None}`` (:meth:`prover.coq.env.CoqEnv.resolve_names`);
#: None when it cannot tell.
Resolver = Callable[[Iterable[str]], "dict[str, str | None] | None"]


def short_name(full_name: str) -> str:
    return full_name.rsplit(".", 1)[-1]


def qualified_constants_in_term(printed: str, name: str) -> set[str]:
    """The identifiers, as printed, in the body of ``Print name.`` output (type line cut); a
    universe-polymorphic constant's header carries its universes (``name@{u u0} =``)."""
    header = re.search(rf"(?<![\w.']){re.escape(name)}(?:@\{{[^}}]*\}})?\s*=", printed)
    body = printed[header.end():] if header else printed
    cut = _TYPE_LINE.search(body)
    if cut:
        body = body[: cut.start()]
    return set(_TOKEN.findall(body))


def constants_in_term(printed: str, name: str) -> set[str]:
    """Short names of the identifiers in the body of ``Print name.`` output (type line cut)."""
    return {short_name(tok) for tok in qualified_constants_in_term(printed, name)}


def names_of(printed_names: set[str], full_names: set[str]) -> set[str]:
    """The printed names that may denote one of ``full_names`` (equal, or a dotted suffix)."""
    return {p for p in printed_names if any(f == p or f.endswith("." + p) for f in full_names)}


@dataclass
class FutureLemmaCheck:
    """A proof checker: ``check(theorem, proof) -> bool`` (see the module docstring).

    ``forbidden`` maps a theorem's full name to the short names it must not use; build it with
    :meth:`from_dataset`.
    """

    env: ProofEnv
    forbidden: dict[str, set[str]] = field(default_factory=dict)
    rejected_for_leak: dict[str, set[str]] = field(default_factory=dict)
    #: Every theorem's full name -> full names of it and the lemmas after it in its file.
    later_in_file: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_dataset(cls, env: ProofEnv, dataset_dir: str | Path) -> FutureLemmaCheck:
        from prover.data.dataset import PARTS, SPLITS, load_corpus, load_split

        by_file: dict[str, list[tuple[tuple[int, int], str]]] = defaultdict(list)
        has_corpus = (Path(dataset_dir) / "corpus.jsonl").is_file()
        for f in load_corpus(dataset_dir) if has_corpus else []:
            for p in f.premises:
                by_file[f.path].append(((p.start[0], p.start[1]), p.full_name))
        forbidden: dict[str, set[str]] = {}
        later_in_file: dict[str, set[str]] = {}
        root = Path(dataset_dir)
        for split in SPLITS:
            for part in PARTS:
                if not (root / split / f"{part}.json").is_file():
                    continue
                for rec in load_split(root, split, part):
                    start = (rec.start[0], rec.start[1])
                    later = {n for pos, n in by_file.get(rec.file_path, []) if pos >= start}
                    later.add(rec.full_name)
                    later_in_file[rec.full_name] = later
                    if (rec.model_extra or {}).get("context_includes_self"):
                        forbidden[rec.full_name] = {short_name(n) for n in later}
        return cls(env, forbidden, later_in_file=later_in_file)

    def _forbidden(self, theorem: Theorem) -> set[str]:
        """Short names refused in ``theorem``'s tactics and proof term. A theorem stated after its
        file prefix (``theorem.prelude``) has none: its later lemmas are not defined there, and a
        compiled copy that a configuration's imports load is caught by the suffix match on the
        term, so ``Nat.add_comm`` is not refused because ``Z.add_comm`` comes later."""
        return set() if theorem.prelude else self.forbidden.get(theorem.full_name or "", set())

    def _named(self, theorem: Theorem, tactic: str) -> set[str]:
        """The forbidden names ``tactic`` mentions. The theorem's own name always counts (a library
        copy of it may be in scope), written alone or qualified as a suffix of its full name:
        ``N2Z.inj_le`` is another lemma than ``Nat2Z.inj_le``, ``Znat.Nat2Z.inj_le`` is not."""
        forbidden = self._forbidden(theorem)
        own = theorem.full_name or theorem.name
        own_short = short_name(own)
        named = set()
        for tok in _TOKEN.findall(tactic):
            short = short_name(tok)
            if short in forbidden or (short == own_short and (tok == own or own.endswith("." + tok))):
                named.add(short)
        return named

    def _resolver(self, theorem: Theorem) -> Resolver | None:
        """The env's name lookup where ``theorem`` is stated (:meth:`_where_stated`), if it has one."""
        if getattr(self.env, "resolve_names", None) is None or not theorem.full_name:
            return None
        return partial(self._where_stated, theorem)

    def _where_stated(self, theorem: Theorem, names: Iterable[str]) -> dict[str, str | None] | None:
        """What ``names`` denote where ``theorem`` is stated. A search's check finds the theorem
        open; another caller's (an audit of recorded proofs) opens it first."""
        now = getattr(self.env, "theorem", None)
        if now is None or now.full_name != theorem.full_name:
            try:
                self.env.open(theorem)
            except ProverError:
                return None
        return self.env.resolve_names(names)

    def tactic_filter(self, theorem: Theorem, tactic: str) -> str | None:
        """Why ``tactic`` is not worth running on ``theorem``: the forbidden names it mentions."""
        used = self._named(theorem, tactic)
        return f"names {', '.join(sorted(used))}, defined at or after the theorem in its file" if used else None

    def _live_term_leak(self, theorem: Theorem, proof: list[str], names: set[str], later: set[str]) -> set[str]:
        """Forbidden names in the term of the proof the env still holds, when it holds this one
        (a search's check, right after the last tactic): a leaky proof is refused without the
        fresh process (seconds, more after a file prefix). Empty when the env cannot tell."""
        live = getattr(self.env, "live_proof_term", None)
        theorem_now = getattr(self.env, "theorem", None)
        if live is None or theorem_now is None or theorem_now.full_name != theorem.full_name:
            return set()
        got = live()
        if got is None:
            return set()
        from prover.search.best_first import without_timeout

        tactics, term = got
        if [without_timeout(t) for t in tactics] != list(proof):
            return set()
        return _term_names(set(_TOKEN.findall(term)), names, later, self._resolver(theorem))

    def __call__(self, theorem: Theorem, proof: list[str]) -> bool:
        # A proof's text is checked as well as its term: automation (``hammer``) writes tactics
        # the search's filter never saw.
        used = set().union(*(self._named(theorem, tac) for tac in proof))
        if used:
            self.rejected_for_leak.setdefault(theorem.full_name or theorem.name, set()).update(used)
            return False
        names = self._forbidden(theorem)
        later = self.later_in_file.get(theorem.full_name or "", set())
        if not names and not later:
            return self.env.verify(theorem, proof)
        early = self._live_term_leak(theorem, proof, names, later)
        if early:
            self.rejected_for_leak.setdefault(theorem.full_name or theorem.name, set()).update(early)
            return False
        recheck = getattr(self.env, "recheck", None)
        if recheck is not None:
            result, printed = recheck(theorem, proof, after=(f"Print {theorem.name}.",))
            ok = result.ok
        else:
            from prover.coq.env import check_context, theorem_sentence

            lines = [*check_context(theorem.context), theorem_sentence(theorem), "Proof."]
            guard = getattr(self.env, "guard", None)
            for tac in proof:
                lines.extend(guard.check(tac) if guard is not None else [tac])
            lines += ["Qed.", f"Print {theorem.name}."]
            ok, printed = compile_and_print("\n".join(lines) + "\n", list(getattr(self.env, "coqtop_args", [])))
        if not ok:
            return False
        used = _term_names(qualified_constants_in_term(printed, theorem.name), names, later, self._resolver(theorem))
        if used:
            self.rejected_for_leak.setdefault(theorem.full_name or theorem.name, set()).update(used)
            return False
        return True


def _term_names(printed: set[str], names: set[str], later: set[str], resolve: Resolver | None = None) -> set[str]:
    """Short names of the printed identifiers that denote the theorem or a later lemma. Matched by
    name first (a short name refused, or a suffix of a later full name); with ``resolve``, a match
    counts only when the name denotes one of ``later`` there (or what it denotes is not known): an
    earlier lemma of the prefix with a later one's short name, a lemma of another library, or a
    bound variable does not."""
    suspects = {p for p in printed if short_name(p) in names} | names_of(printed, later)
    meaning = resolve(sorted(suspects)) if suspects and resolve is not None else None
    if meaning is not None:
        suspects = {p for p in suspects if p not in meaning or meaning[p] in later}
    return {short_name(p) for p in suspects}


def compile_and_print(source: str, coq_args: list[str], timeout: float = 120.0) -> tuple[bool, str]:
    """Compile ``source`` with ``coqc`` in a fresh process; (accepted, what it printed)."""
    from prover.coq.coqtop import DEFAULT_MEMORY_MB, _limit_memory, error_message

    with tempfile.TemporaryDirectory(prefix="proofplan-leak-") as tmp:
        path = Path(tmp) / "Leak.v"
        path.write_text(source, encoding="utf-8")
        try:
            proc = subprocess.run(["coqc", "-q", *coq_args, str(path)], cwd=tmp, capture_output=True,
                                  text=True, timeout=timeout,
                                  preexec_fn=lambda: _limit_memory(DEFAULT_MEMORY_MB))
        except subprocess.TimeoutExpired:
            return False, ""
    out = proc.stdout + proc.stderr
    return proc.returncode == 0 and error_message(out) is None, out
