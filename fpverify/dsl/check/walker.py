"""Walking expression trees: `walk`, and what a walk tells about a property (golden operations
it mentions, its default name, its kind in the results table)."""

from __future__ import annotations

from typing import Iterator

from .. import ast
from .vocabulary import GOLDEN_OPS


def children(e) -> list:
    """The direct sub-expressions of ``e``."""
    if isinstance(e, ast.Unary):
        return [e.operand]
    if isinstance(e, ast.Binary):
        return [e.left, e.right]
    if isinstance(e, ast.Compare):
        return list(e.operands)
    if isinstance(e, ast.Call):
        return list(e.args) + [k.value for k in e.kwargs]
    if isinstance(e, ast.Substitute):
        return [e.target] + [b.value for b in e.bindings]
    if isinstance(e, ast.Slice):
        return [e.target]
    return []


def walk(e) -> Iterator:
    """``e`` and every sub-expression, depth first, left to right."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(children(x)))


def first_golden(e) -> ast.Call | None:
    """The first golden-operation call inside ``e``."""
    for x in walk(e):
        if isinstance(x, ast.Call) and x.func in GOLDEN_OPS:
            return x
    return None


def mentions_golden(e) -> bool:
    return first_golden(e) is not None


def default_name(e) -> str:
    """The name of an unnamed `prove`."""
    if isinstance(e, ast.Compare) and e.ops == ("==",):
        for x in e.operands:
            if isinstance(x, ast.Call) and x.func in GOLDEN_OPS:
                return f"eq_{x.func}"
    for x in walk(e):
        if isinstance(x, ast.Call) and x.func in ("relerr", "abserr"):
            return x.func
        if isinstance(x, ast.Substitute):
            return "relational"
    return "property"


def property_kind(e) -> str:
    """How the results table labels a non-equivalence property."""
    nodes = list(walk(e))
    if any(isinstance(x, ast.Call) and x.func in ("relerr", "abserr") for x in nodes):
        return "error-bound"
    if any(isinstance(x, ast.Substitute) for x in nodes):
        return "relational"
    if any(isinstance(x, ast.Signal) for x in nodes):
        return "signals"
    return "assertion"
