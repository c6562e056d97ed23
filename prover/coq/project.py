"""A Coq project: where its ``.v`` files are, which logical names they load as, and the flags
``coqtop``/``coqc`` need to see them.

Three kinds, one object (:class:`CoqProject`):

* the standard library (``$(coqc -where)/theories``, logical ``Coq``, no flags);
* an installed library under ``$(coqc -where)/user-contrib/<Name>`` (Debian's ``libcoq-*``
  packages ship sources beside the ``.vo``; on Coq's default load path, so no flags either);
* a folder of the user's: its ``_CoqProject`` (``-Q``/``-R`` lines and the file list), a
  ``dune`` file with ``(coq.theory (name X))``, or, for a lone file, its own folder as ``Top``.

Dataset paths (``file_path`` of traced theorems and corpus files) are ``<name>/<path in root>``:
``theories/Lists/List.v`` for the standard library as before, ``Flocq/Core/Raux.v`` for Flocq.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from common.errors import ProofplanError

STDLIB_NAME = "theories"
#: Libraries under user-contrib that are tooling, not mathematics to prove.
TOOLING = frozenset({"Hammer", "Ltac2"})


class ProjectError(ProofplanError):
    """A project folder or library that cannot be read, or whose files do not compile."""


@cache
def coq_where() -> Path:
    """``coqc -where``: the installed Coq's library root."""
    try:
        out = subprocess.run(["coqc", "-where"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ProjectError(f"coqc is not available: {e}") from None
    if not out:
        raise ProjectError("coqc -where printed nothing: is Coq installed?")
    return Path(out)


@dataclass(frozen=True)
class Mapping:
    """One ``-Q``/``-R`` binding: the files under ``folder`` load as ``logical.<path>``."""

    folder: Path
    logical: str
    recursive: bool = False  # -R: also visible by short names


@dataclass(frozen=True)
class CoqProject:
    """See the module docstring. ``root`` holds every file; ``mappings`` bind folders under it."""

    name: str
    root: Path
    mappings: tuple[Mapping, ...]
    kind: str  # "stdlib" | "library" | "folder"
    listed: tuple[str, ...] = ()  # files named by _CoqProject (relative to root); empty: all .v

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def stdlib(cls) -> CoqProject:
        root = coq_where() / "theories"
        if not root.is_dir():
            raise ProjectError(f"no Coq standard library sources at {root}")
        return cls(STDLIB_NAME, root, (Mapping(root, "Coq", True),), "stdlib")

    @classmethod
    def library(cls, name: str) -> CoqProject:
        """An installed library: ``Flocq``, ``MathClasses``... (a folder of ``user-contrib``)."""
        if not re.fullmatch(r"[A-Za-z_][\w']*", name):
            raise ProjectError(f"not a library name: {name!r} (e.g. Flocq)")
        contrib = coq_where() / "user-contrib"
        root = contrib / name
        if not root.is_dir():
            have = sorted(p.name for p in contrib.iterdir() if p.is_dir() and p.name not in TOOLING) if contrib.is_dir() else []
            raise ProjectError(f"library {name!r} is not installed under {contrib} (installed: {', '.join(have) or 'none'})")
        if not any(root.rglob("*.v")):
            raise ProjectError(f"library {name!r} ships no .v sources under {root}")
        return cls(name, root, (Mapping(root, name, True),), "library")

    @classmethod
    def folder(cls, path: str | Path) -> CoqProject:
        """A user's project folder: ``_CoqProject`` first, then a ``dune`` Coq theory, else the
        folder itself as logical ``Top`` (plain files that ``Require`` each other by name)."""
        root = Path(path).resolve()
        if not root.is_dir():
            raise ProjectError(f"project folder {path} does not exist")
        if (root / "_CoqProject").is_file():
            return _from_coqproject(root)
        dune = _dune_theory(root)
        if dune is not None:
            return dune
        if not any(root.rglob("*.v")):
            raise ProjectError(f"{path} holds no .v file")
        return cls(root.name or "project", root, (Mapping(root, "Top", True),), "folder")

    @classmethod
    def for_file(cls, path: str | Path) -> CoqProject:
        """The project a ``.v`` file belongs to: the nearest folder above it with a
        ``_CoqProject`` or ``dune`` theory; an installed library's file; else its own folder."""
        file = Path(path).resolve()
        if not file.is_file():
            raise ProjectError(f"{path} does not exist")
        where = coq_where()
        if file.is_relative_to(where / "theories"):
            return cls.stdlib()
        if file.is_relative_to(where / "user-contrib"):
            return cls.library(file.relative_to(where / "user-contrib").parts[0])
        for folder in file.parents:
            if (folder / "_CoqProject").is_file() or _dune_theory(folder) is not None:
                return cls.folder(folder)
            if (folder / ".git").exists():
                break
        return cls(file.parent.name or "project", file.parent, (Mapping(file.parent, "Top", True),), "folder",
                   (file.name,))

    # -- queries ------------------------------------------------------------------------------

    @property
    def coq_args(self) -> list[str]:
        """Load-path flags for coqtop and coqc (none for the standard library; an installed
        library gets ``-R`` too, as its own build had it: its files ``Require`` each other by
        short names, which Coq's default binding of user-contrib does not resolve)."""
        if self.kind == "stdlib":
            return []
        args: list[str] = []
        for m in self.mappings:
            if m.logical == "Top" and m.folder == self.root and len(self.mappings) == 1:
                args += ["-R", str(m.folder), "Top"]
            else:
                args += ["-R" if m.recursive else "-Q", str(m.folder), m.logical]
        return args

    def files(self) -> list[str]:
        """The project's ``.v`` files, relative to ``root``, sorted."""
        if self.listed:
            return sorted(self.listed)
        out = []
        for m in self.mappings:
            out += [str(p.relative_to(self.root)) for p in m.folder.rglob("*.v") if _visible(p, self.root)]
        return sorted(set(out))

    def select(self, pattern: str) -> list[str]:
        """Files matching comma-separated globs relative to ``root`` (``*`` alone: every file)."""
        every = self.files()
        if pattern.strip() in ("", "*", "**/*.v"):
            return every
        found: set[str] = set()
        for pat in (p.strip() for p in pattern.split(",")):
            if not pat or pat.startswith("/") or ".." in Path(pat).parts:
                raise ProjectError(f"bad --files pattern {pat!r} (globs relative to {self.root})")
            found.update(str(p.relative_to(self.root)) for p in self.root.glob(pat) if p.suffix == ".v")
        files = sorted(f for f in found if f in set(every))
        if not files:
            raise ProjectError(f"no .v file of {self.root} matches {pattern!r}")
        return files

    def logical_name(self, rel: str) -> str:
        """``Core/Raux.v`` -> ``Flocq.Core.Raux`` (by the mapping whose folder holds the file)."""
        path = (self.root / rel).resolve()
        best: Mapping | None = None
        for m in self.mappings:
            if path.is_relative_to(m.folder) and (best is None or len(m.folder.parts) > len(best.folder.parts)):
                best = m
        if best is None:
            raise ProjectError(f"{rel} is outside every load-path folder of {self.name}")
        parts = path.relative_to(best.folder).with_suffix("").parts
        return ".".join(p for p in (best.logical, *parts) if p)

    def dataset_path(self, rel: str) -> str:
        return f"{self.name}/{rel}"

    def rel_of(self, dataset_path: str) -> str | None:
        """The path in ``root`` of a dataset path of this project (None for other projects')."""
        head, sep, rest = dataset_path.partition("/")
        return rest if sep and head == self.name else None

    def source(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def to_json(self) -> dict:
        return {"name": self.name, "root": str(self.root), "kind": self.kind,
                "mappings": [[str(m.folder), m.logical, m.recursive] for m in self.mappings],
                "listed": list(self.listed)}

    @classmethod
    def from_json(cls, data: dict) -> CoqProject:
        try:
            return cls(str(data["name"]), Path(data["root"]),
                       tuple(Mapping(Path(f), str(lg), bool(r)) for f, lg, r in data["mappings"]),
                       str(data["kind"]), tuple(data.get("listed") or ()))
        except (KeyError, TypeError, ValueError) as e:
            raise ProjectError(f"bad project record in a dataset's metadata: {e}") from None

    # -- building -----------------------------------------------------------------------------

    def missing_vo(self) -> list[str]:
        """Files whose compiled ``.vo`` is missing or older than the source."""
        out = []
        for rel in self.files():
            v = self.root / rel
            vo = v.with_suffix(".vo")
            if not vo.is_file() or vo.stat().st_mtime < v.stat().st_mtime:
                out.append(rel)
        return out

    def compile(self, jobs: int = 2, timeout: float = 3600.0) -> list[str]:
        """Compile the project's files whose ``.vo`` is missing or stale, in dependency order,
        with ``coq_makefile`` (Coq's own build driver); returns the files that were stale."""
        if self.kind != "folder":
            return []
        stale = self.missing_vo()
        if not stale:
            return []
        if shutil.which("coq_makefile") is None or shutil.which("make") is None:
            raise ProjectError("compiling the project needs coq_makefile and make")
        makefile = self.root / ".proofplan.mk"
        args = [*self.coq_args, *self.files()]
        try:
            subprocess.run(["coq_makefile", "-o", makefile.name, *args], cwd=self.root, check=True,
                           capture_output=True, text=True, timeout=120)
            proc = subprocess.run(["make", "-f", makefile.name, f"-j{jobs}"], cwd=self.root,
                                  capture_output=True, text=True, timeout=timeout)
        except subprocess.CalledProcessError as e:
            raise ProjectError(f"coq_makefile failed: {(e.stderr or e.stdout).strip()[-300:]}") from None
        except subprocess.TimeoutExpired:
            raise ProjectError(f"compiling {self.root} took over {timeout:.0f} s") from None
        finally:
            for junk in (makefile, makefile.with_name(makefile.name + ".conf"),
                         makefile.with_name("." + makefile.name + ".d")):
                junk.unlink(missing_ok=True)
        if proc.returncode != 0:
            err = (proc.stderr + "\n" + proc.stdout).strip().splitlines()
            where = next((ln.strip() for ln in err if ln.startswith("File ")), "")
            k = next((i for i, ln in enumerate(err) if ln.startswith("Error")), None)
            what = " ".join(x.strip() for x in err[k:k + 3]) if k is not None else (err[-1] if err else "")
            raise ProjectError(f"the project does not compile: {where} {what}".strip())
        return stale


def _visible(path: Path, root: Path) -> bool:
    return not any(part.startswith((".", "_")) for part in path.relative_to(root).parts[:-1])


def _from_coqproject(root: Path) -> CoqProject:
    try:
        words = shlex.split((root / "_CoqProject").read_text(encoding="utf-8"), comments=True)
    except ValueError as e:
        raise ProjectError(f"{root / '_CoqProject'}: {e}") from None
    mappings: list[Mapping] = []
    listed: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in ("-Q", "-R"):
            if i + 2 >= len(words):
                raise ProjectError(f"{root / '_CoqProject'}: {w} needs a folder and a logical name")
            folder = (root / words[i + 1]).resolve()
            if not folder.is_dir():
                raise ProjectError(f"{root / '_CoqProject'}: {w} folder {words[i + 1]} does not exist")
            mappings.append(Mapping(folder, "" if words[i + 2] == '""' else words[i + 2], w == "-R"))
            i += 3
        elif w in ("-arg", "-docroot"):  # options of coq_makefile that take a value
            i += 2
        elif w.startswith("-"):
            i += 1
        else:
            if w.endswith(".v"):
                if not (root / w).is_file():
                    raise ProjectError(f"{root / '_CoqProject'} lists {w}, which does not exist")
                listed.append(str((root / w).resolve().relative_to(root)))
            i += 1
    if not mappings:
        mappings.append(Mapping(root, "Top", True))
    return CoqProject(root.name or "project", root, tuple(mappings), "folder", tuple(listed))


_DUNE_THEORY = re.compile(r"\(coq\.theory\b.*?\(name\s+([\w.']+)\)", re.S)


def _dune_theory(folder: Path) -> CoqProject | None:
    """The Coq theories that the ``dune`` files of a dune project (``folder`` holds its
    ``dune-project``) declare, as one project."""
    if not (folder / "dune-project").is_file():
        return None
    mappings = []
    for dune in sorted(folder.rglob("dune")):
        if not _visible(dune, folder) or "_build" in dune.parts:
            continue
        m = _DUNE_THEORY.search(dune.read_text(encoding="utf-8", errors="replace"))
        if m:
            mappings.append(Mapping(dune.parent.resolve(), m.group(1), True))
    if not mappings:
        return None
    return CoqProject(folder.name or "project", folder.resolve(), tuple(mappings), "folder")


@cache
def installed_libraries() -> list[str]:
    """Names of the installed libraries with sources (user-contrib folders, tooling left out)."""
    contrib = coq_where() / "user-contrib"
    if not contrib.is_dir():
        return []
    return sorted(p.name for p in contrib.iterdir() if p.is_dir() and p.name not in TOOLING and any(p.rglob("*.v")))
