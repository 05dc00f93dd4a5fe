"""A content-addressed cache of solver answers, so an unchanged obligation is not proved twice.

The key is the sha256 of (the obligation's SMT-LIB2 query text without its comment lines, the
solver's name and version, `ENCODING_VERSION`): any change to the query (a stage of the design, the
reference, an assumption) changes the text and so the key; renaming a property or moving it in
its spec (names and positions live in comments) does not.

What is trusted: ``unsat`` only (reported "PROVED (cached, <date>, <solver>)"). A ``sat`` entry
keeps its model as a hint: the caller checks that the model satisfies the query and then replays it
on the netlist and in the golden model as it does a fresh one; a model that fails either is
ignored and the obligation is solved again. ``unknown``/timeouts and errors are never stored.

Where: ``$FPVERIFY_PROOF_CACHE``, else ``$FPVERIFY_CACHE/proofs``, else ``~/.cache/fpverify/proofs``;
one JSON file per entry (``ab/abcdef....json``), written to a temporary file and renamed, so CI
runs and cluster workers can share one directory. ``FPVERIFY_NO_CACHE=1`` (or the CLI's
``--no-cache``, `configure`) turns it off for this process and the workers it starts.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ENCODING_VERSION = "1"  # bump when the same query text would mean something else to fpverify
ENV_DIR = "FPVERIFY_PROOF_CACHE"
ENV_OFF = "FPVERIFY_NO_CACHE"
TRUSTED = "unsat"
STORED = ("unsat", "sat")


@dataclass
class Entry:
    """One stored answer."""

    answer: str  # "unsat" | "sat"
    solver: str
    version: str
    date: str  # ISO date (UTC) of the run that solved it
    seconds: float = 0.0  # the solver's wall time then
    model: dict[str, int] | None = None  # sat: a hint, checked and replayed before use
    by: str = ""  # what answered, as a fresh run reports it ("z3+bitwuzla" for a portfolio)

    def note(self) -> str:
        """``cached, 2026-12-04, z3`` (the text after PROVED)."""
        return f"cached, {self.date}, {self.by or self.solver}"


@dataclass
class Stats:
    hits: int = 0
    misses: int = 0
    stores: int = 0

    def reset(self) -> None:
        self.hits = self.misses = self.stores = 0


STATS = Stats()  # this process's lookups (tests count solver calls with it)


def default_dir() -> Path:
    if os.environ.get(ENV_DIR):
        return Path(os.environ[ENV_DIR])
    base = os.environ.get("FPVERIFY_CACHE") or Path.home() / ".cache" / "fpverify"
    return Path(base) / "proofs"


_LET_NAME = re.compile(r"(?<![\w|!.$?@])(?:[?$]x\d+|a!\d+)(?![\w!.])")


def query_text(smtlib: str) -> str:
    """The query in a canonical form: no comment lines (obligation name, description, spec
    positions), declarations sorted, and z3's let names (``?x123``, ``$x7``, ``a!2``, numbered by
    z3's internal term ids, which depend on what the process built before) renumbered in order
    of appearance; so the same query gives the same text in any process."""
    lines = [ln for ln in smtlib.splitlines() if not ln.lstrip().startswith(";")]
    decls = sorted(ln for ln in lines if ln.startswith("(declare-"))
    body = [ln for ln in lines if not ln.startswith("(declare-")]
    names: dict[str, str] = {}

    def rename(m: re.Match) -> str:
        return names.setdefault(m.group(0), f"?t{len(names)}")

    return "\n".join(decls + [_LET_NAME.sub(rename, ln) for ln in body]) + "\n"


class QueryKey(str):
    """A precomputed key content (`QueryHasher.digest`), used by `ProofCache.key` as it is."""


class QueryHasher:
    """Canonical digests of z3 assertions: a Merkle hash over the term DAG, each node hashing its
    operator (name, kind, parameters), sort and its arguments' digests.

    z3's own SMT-LIB printer shares subterms with ``let`` by reference counts and names them by
    internal ids, both of which depend on what else the process holds; this digest depends only on
    the terms (the SMT-LIB query's structure, spelled without ``let``). One hasher shares its memo
    across the obligations of a proof, which share most of their terms (it keeps them alive)."""

    def __init__(self) -> None:
        self._memo: dict[int, bytes] = {}
        self._keep: list = []

    def digest(self, query) -> QueryKey:
        h = hashlib.sha256()
        for root in query:
            self._keep.append(root)
            h.update(self._node(root.ctx_ref(), root.as_ast()))
        return QueryKey(h.hexdigest())

    def _node(self, ctx, root) -> bytes:
        import z3

        memo = self._memo
        stack = [(root, False)]
        while stack:
            a, expanded = stack.pop()
            aid = z3.Z3_get_ast_id(ctx, a)
            if aid in memo:
                continue
            kind = z3.Z3_get_ast_kind(ctx, a)
            if kind not in (z3.Z3_APP_AST, z3.Z3_NUMERAL_AST):  # a quantifier or bound variable: its text
                memo[aid] = hashlib.sha256(b"Q" + z3.Z3_ast_to_string(ctx, a).encode()).digest()
                continue
            app = z3.Z3_to_app(ctx, a)
            n = z3.Z3_get_app_num_args(ctx, app)
            args = [z3.Z3_get_app_arg(ctx, app, i) for i in range(n)]
            if not expanded:
                stack.append((a, True))
                stack.extend((c, False) for c in args)
                continue
            decl = z3.Z3_get_app_decl(ctx, app)
            sort = z3.Z3_get_sort(ctx, a)
            sk = z3.Z3_get_sort_kind(ctx, sort)
            parts = [z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl)),
                     str(z3.Z3_get_decl_kind(ctx, decl)), str(sk)]
            if sk == z3.Z3_BV_SORT:
                parts.append(str(z3.Z3_get_bv_sort_size(ctx, sort)))
            if kind == z3.Z3_NUMERAL_AST:
                parts.append(z3.Z3_get_numeral_string(ctx, a))
            for i in range(z3.Z3_get_decl_num_parameters(ctx, decl)):
                if z3.Z3_get_decl_parameter_kind(ctx, decl, i) == z3.Z3_PARAMETER_INT:
                    parts.append(str(z3.Z3_get_decl_int_parameter(ctx, decl, i)))
                else:
                    parts.append(z3.Z3_func_decl_to_string(ctx, decl))
            h = hashlib.sha256("\0".join(parts).encode())
            for c in args:
                h.update(memo[z3.Z3_get_ast_id(ctx, c)])
            memo[aid] = h.digest()
        return memo[z3.Z3_get_ast_id(ctx, root)]


def query_digest(query) -> QueryKey:
    """The canonical digest of one query (`QueryHasher`)."""
    return QueryHasher().digest(query)


def solver_version(solver: str) -> str:
    """The version string that goes into the key; a portfolio is keyed by both solvers."""
    if solver == "z3":
        import z3

        return z3.get_version_string()
    from .smtlib import bitwuzla_version

    if solver == "bitwuzla":
        return bitwuzla_version()
    if solver == "portfolio":
        import z3

        return f"z3 {z3.get_version_string()} + bitwuzla {bitwuzla_version()}"
    return "unknown"


class ProofCache:
    """A directory of answers keyed by query text, solver and version (see the module doc)."""

    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root is not None else default_dir()
        self._versions: dict[str, str] = {}

    def key(self, query, solver: str) -> str:
        """``query``: SMT-LIB2 text, or the z3 assertions (an `Obligation`'s ``query``), hashed
        through `query_digest` (the same key whichever the process built before)."""
        version = self._versions.get(solver)
        if version is None:
            version = self._versions[solver] = solver_version(solver)
        if isinstance(query, QueryKey):
            content = str(query)
        else:
            content = query_text(query) if isinstance(query, str) else query_digest(query)
        h = hashlib.sha256()
        for part in ("fpverify-proof", ENCODING_VERSION, solver, version, content):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, smtlib, solver: str) -> Entry | None:
        """The stored answer, or None (counted as a miss: the caller will run the solver)."""
        try:
            data = json.loads(self.path(self.key(smtlib, solver)).read_text())
            entry = Entry(data["answer"], data["solver"], data["version"], data["date"],
                          float(data.get("seconds", 0.0)),
                          {str(k): int(v) for k, v in data["model"].items()} if data.get("model") else None,
                          str(data.get("by", "")))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            STATS.misses += 1
            return None
        if entry.answer not in STORED:
            STATS.misses += 1
            return None
        STATS.hits += 1
        return entry

    def put(self, smtlib, solver: str, answer: str, seconds: float = 0.0,
            model: dict[str, int] | None = None, by: str = "") -> None:
        """Store a decisive answer (unsat, or sat with its model); anything else is ignored. A
        directory that cannot be written leaves the proof as it is (the cache is an optimisation)."""
        if answer not in STORED:
            return
        key = self.key(smtlib, solver)
        doc = {"answer": answer, "solver": solver, "version": self._versions[solver],
               "date": _dt.datetime.now(_dt.timezone.utc).date().isoformat(), "seconds": round(seconds, 4),
               "encoding": ENCODING_VERSION, "by": by or solver}
        if answer == "sat" and model:
            doc["model"] = {k: int(v) for k, v in model.items()}
        target = self.path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=target.parent)
            try:
                with os.fdopen(fd, "w") as fh:
                    json.dump(doc, fh)
                os.replace(tmp, target)  # atomic: a reader sees the old file or the whole new one
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            return
        STATS.stores += 1


_SETTING: dict[str, object] = {"enabled": None, "root": None}


def configure(enabled: bool | None = None, root: str | Path | None = None) -> None:
    """This process's cache: ``enabled`` False is ``--no-cache``; None restores the environment's
    default. The setting is also exported to the environment so worker processes inherit it."""
    _SETTING["enabled"], _SETTING["root"] = enabled, root
    if enabled is False:
        os.environ[ENV_OFF] = "1"
    elif enabled is True:
        os.environ.pop(ENV_OFF, None)
    if root is not None:
        os.environ[ENV_DIR] = str(root)


@contextmanager
def override(enabled: bool | None = None, root: str | Path | None = None):
    """`configure` for the duration of a ``with`` block, then the previous setting and environment."""
    saved = dict(_SETTING), {k: os.environ.get(k) for k in (ENV_OFF, ENV_DIR)}
    configure(enabled, root)
    try:
        yield active()
    finally:
        _SETTING.update(saved[0])
        for k, v in saved[1].items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def active() -> ProofCache | None:
    """The cache proofs in this process use, or None when it is off."""
    enabled = _SETTING["enabled"]
    if enabled is None:
        enabled = os.environ.get(ENV_OFF, "") in ("", "0")
    if not enabled:
        return None
    return ProofCache(_SETTING["root"])


def settings() -> dict[str, object]:
    """What a worker needs to use the same cache (`apply_settings` there)."""
    cache = active()
    return {"enabled": cache is not None, "root": str(cache.root) if cache is not None else None}


def apply_settings(s: dict[str, object]) -> None:
    configure(bool(s.get("enabled")), s.get("root"))


def model_satisfies(query, model: dict[str, int]) -> bool:
    """Every assertion of ``query`` (z3 terms) evaluates to true under ``model`` (`completed_model`)."""
    return completed_model(query, model) is not None


def completed_model(query, model: dict[str, int]) -> dict[str, int] | None:
    """``model`` with every constant of ``query`` it leaves out set to 0 (a solver omits constants
    any value satisfies), if every assertion then evaluates to true; else None."""
    import z3

    subst, full = [], dict(model)
    for name, size in free_constants(query).items():
        if size == -1:
            return None
        v = full.setdefault(name, 0)
        subst.append((z3.Bool(name), z3.BoolVal(bool(v))) if size is None
                     else (z3.BitVec(name, size), z3.BitVecVal(v, size)))
    if all(z3.is_true(z3.simplify(z3.substitute(q, *subst))) for q in query):
        return full
    return None


def free_constants(query) -> dict[str, int | None]:
    """The uninterpreted constants of ``query``: name -> bit width (None for a Boolean, -1 for
    any other sort)."""
    import z3

    seen: set[int] = set()
    out: dict[str, int | None] = {}
    for root in query:
        ctx = root.ctx_ref()
        stack = [root.as_ast()]
        while stack:
            a = stack.pop()
            aid = z3.Z3_get_ast_id(ctx, a)
            if aid in seen or z3.Z3_get_ast_kind(ctx, a) != z3.Z3_APP_AST:
                continue
            seen.add(aid)
            app = z3.Z3_to_app(ctx, a)
            n = z3.Z3_get_app_num_args(ctx, app)
            if n == 0:
                decl = z3.Z3_get_app_decl(ctx, app)
                if z3.Z3_get_decl_kind(ctx, decl) == z3.Z3_OP_UNINTERPRETED:
                    sort = z3.Z3_get_sort(ctx, a)
                    name = z3.Z3_get_symbol_string(ctx, z3.Z3_get_decl_name(ctx, decl))
                    kind = z3.Z3_get_sort_kind(ctx, sort)
                    out[name] = (z3.Z3_get_bv_sort_size(ctx, sort) if kind == z3.Z3_BV_SORT
                                 else None if kind == z3.Z3_BOOL_SORT else -1)
                continue
            stack.extend(z3.Z3_get_app_arg(ctx, app, i) for i in range(n))
    return out


__all__ = ["ProofCache", "Entry", "Stats", "STATS", "ENCODING_VERSION", "configure", "override", "active",
           "settings", "apply_settings", "default_dir", "QueryHasher", "QueryKey", "query_digest", "query_text",
           "solver_version", "model_satisfies", "completed_model", "free_constants"]
