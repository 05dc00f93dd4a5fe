"""Proof strategies: the ``proofs/*.strategy`` files a spec names with ``use strategy NAME``.

Two kinds, told apart by the `strategy` rule of grammar.lark (docs/strategies.md):

* a *split strategy* holds spec statements (`split on`, `lemma`, `assume`, `timeout`, `solver`)
  that join the spec using it; it loads as an `ast.SpecFile`;
* a *decomposition strategy* starts with `family` and drives the lemma-decomposition engine; it
  loads as a `fpverify.prove.decompose.strategy.Strategy` (built by `decomposition`).

(Hypothesis strategies, `fpverify.strategies`, are unrelated.)
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from . import ast
from .parser import build_spec_file, parse_strategy_tree, read_source

STRATEGY_DIRS_ENV = "FPVERIFY_PROOFS"
SPLIT_STRATEGY_STATEMENTS = (ast.SplitStmt, ast.Lemma, ast.Option, ast.Assume)
REPO_PROOFS = Path(__file__).resolve().parents[2] / "proofs"


def strategy_dirs(spec_file: str) -> list[Path]:
    """Where `use strategy` looks: ``$FPVERIFY_PROOFS``, next to the spec, and the repository's."""
    dirs = []
    if os.environ.get(STRATEGY_DIRS_ENV):
        dirs += [Path(p) for p in os.environ[STRATEGY_DIRS_ENV].split(os.pathsep) if p]
    here = Path(spec_file).resolve().parent
    dirs += [here / "proofs", here.parent / "proofs", REPO_PROOFS]
    return dirs


def parse_proof_strategy(text: str, file: str):
    """A split strategy (`ast.SpecFile`) or a decomposition strategy (`Strategy`)."""
    tree = parse_strategy_tree(text, file)
    if tree.data == "decomposition":
        return build_decomposition(tree, file)
    sf = build_spec_file(tree, text, file)
    for st in sf.statements:
        if not isinstance(st, SPLIT_STRATEGY_STATEMENTS):
            raise InputError(f"a strategy may only contain split, lemma, assume, timeout and solver "
                             f"statements, not `{type(st).__name__.lower()}`", st.pos.file, st.pos.line, st.pos.col)
    return sf


def load_proof_strategy(name: str, pos: ast.Pos, spec_file: str):
    """The proof strategy ``use strategy NAME`` refers to (see `parse_proof_strategy`); an
    `InputError` at ``pos`` if there is none."""
    for d in strategy_dirs(spec_file):
        p = d / f"{name}.strategy"
        if p.is_file():
            return parse_proof_strategy(read_source(p, "strategy file"), str(p))
    known = sorted({p.stem for d in strategy_dirs(spec_file) if d.is_dir() for p in d.glob("*.strategy")})
    hint = f" (known: {', '.join(known)})" if known else ""
    raise InputError(f"unknown strategy `{name}`{hint}", pos.file, pos.line, pos.col)


def build_decomposition(tree, file: str):
    """A `decomposition` tree -> `Strategy` (imports the engine's package only when needed)."""
    import lark

    from .decomposition import DecompositionBuilder

    try:
        return DecompositionBuilder(file).transform(tree)
    except lark.exceptions.VisitError as e:
        if isinstance(e.orig_exc, InputError):
            raise e.orig_exc from None
        raise


def parse_strategy(text: str, file: str = "<strategy>"):
    """A decomposition strategy from its text; an `InputError` if the text is not one."""
    tree = parse_strategy_tree(text, file)
    if tree.data != "decomposition":
        raise InputError("not a decomposition strategy: the first directive must be `family`", file, 1, 1)
    return build_decomposition(tree, file)


def find_strategy(name_or_path: str) -> Path:
    """A decomposition strategy file: a ``.strategy`` path, or a name in the repository's proofs/."""
    p = Path(name_or_path)
    if p.suffix == ".strategy" and p.is_file():
        return p
    cand = REPO_PROOFS / f"{name_or_path}.strategy"
    if cand.is_file():
        return cand
    known = sorted(q.stem for q in REPO_PROOFS.glob("decompose_*.strategy"))
    raise InputError(f"unknown decomposition strategy {name_or_path!r} (known: {', '.join(known)})")


def load_strategy(name_or_path: str):
    """The `Strategy` of a decomposition strategy file, by name (``decompose_multiplier``) or path."""
    path = find_strategy(name_or_path)
    return parse_strategy(read_source(path, "strategy file"), str(path))


__all__ = ["STRATEGY_DIRS_ENV", "strategy_dirs", "parse_proof_strategy", "load_proof_strategy",
           "parse_strategy", "load_strategy", "find_strategy"]
