"""The table of elementary functions: name -> `Definition` (one family per module)."""

from __future__ import annotations

from . import activations, algebraic, exp_log, power, trig
from .outcomes import Definition

FUNCTIONS: dict[str, Definition] = {
    d.name: d for family in (exp_log, trig, activations, algebraic, power) for d in family.DEFINITIONS}


class UnknownFunction(ValueError):
    """A name that is not an elementary function of the golden model."""


def definition(name: str) -> Definition:
    """The definition of ``name``; `UnknownFunction` lists the known names."""
    d = FUNCTIONS.get(name)
    if d is None:
        raise UnknownFunction(f"unknown elementary function {name!r} (known: {' '.join(FUNCTIONS)})")
    return d


__all__ = ["FUNCTIONS", "UnknownFunction", "definition"]
