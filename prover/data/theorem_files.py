"""Read the theorems of a file for ``proofplan prove FILE``.

Formats, by extension:

* ``.v``: a Coq file. ``Require``/``Import``/``Open Scope`` sentences become the context of the
  theorems after them; each ``Theorem``/``Lemma``/``Example``/``Fact``/``Remark``/``Corollary``/
  ``Proposition`` ``NAME : STATEMENT.`` is a theorem (any proof after it is skipped).
* ``.json``: a list of records; ``.jsonl``: one record per line. A record has ``statement`` and
  ``name`` or ``full_name``, and optionally ``context`` (so dataset split files work too).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from common.errors import ProofplanError
from prover.env import Theorem

THEOREM_KEYWORDS = ("Theorem", "Lemma", "Example", "Fact", "Remark", "Corollary", "Proposition")
_THEOREM = re.compile(rf"^(?:{'|'.join(THEOREM_KEYWORDS)})\s+([A-Za-z_][\w']*)\s*:\s*(.*)\.$", re.S)
_CONTEXT = re.compile(r"^(?:From\s+\S+\s+)?(?:Require|Import|Export|(?:Local\s+|Global\s+)?(?:Open|Close)\s+Scope)\b")
_PROOF_END = re.compile(r"^(?:Qed|Defined|Admitted|Abort)\.$")


class TheoremFileError(ProofplanError):
    """A theorem file that cannot be read or holds no theorem."""


def read_theorem_file(path: str | Path) -> list[Theorem]:
    path = Path(path)
    if not path.is_file():
        raise TheoremFileError(f"theorem file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".v":
        theorems = _read_coq(path)
    elif suffix in (".json", ".jsonl"):
        theorems = _read_records(path, suffix)
    else:
        raise TheoremFileError(f"{path}: unknown theorem file type {suffix!r} (use .v, .json or .jsonl)")
    if not theorems:
        raise TheoremFileError(f"{path} holds no theorem")
    names = [t.full_name or t.name for t in theorems]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise TheoremFileError(f"{path}: theorem {dup!r} appears twice")
    return theorems


def _read_coq(path: Path) -> list[Theorem]:
    from prover.coq.sentences import SentenceError, split_sentences

    try:
        sentences = [s.clean for s in split_sentences(path.read_text(encoding="utf-8"))]
    except SentenceError as exc:
        raise TheoremFileError(f"{path}: {exc}") from None
    context: list[str] = []
    theorems: list[Theorem] = []
    in_proof = False
    for s in sentences:
        if in_proof and not _THEOREM.match(s):
            in_proof = not _PROOF_END.match(s)
            continue
        in_proof = False
        if _CONTEXT.match(s):
            context.append(s)
        elif m := _THEOREM.match(s):
            theorems.append(Theorem(name=m.group(1), statement=m.group(2).strip(), context="\n".join(context)))
            in_proof = True
        elif s == "Proof.":
            in_proof = True
    return theorems


def _read_records(path: Path, suffix: str) -> list[Theorem]:
    text = path.read_text(encoding="utf-8")
    try:
        if suffix == ".json":
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise TheoremFileError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(records, list):
        raise TheoremFileError(f"{path}: expected a list of theorem records")
    theorems = []
    for i, rec in enumerate(records):
        if not isinstance(rec, dict) or not rec.get("statement"):
            raise TheoremFileError(f"{path}: record {i} has no statement")
        full_name = rec.get("full_name")
        name = rec.get("name") or (full_name.rsplit(".", 1)[-1] if full_name else f"thm_{i}")
        name = re.sub(r"\W", "_", name)
        theorems.append(Theorem(name=name, statement=rec["statement"], context=rec.get("context") or "",
                                full_name=full_name, file_path=rec.get("file_path")))
    return theorems
