"""The boolean operators a shared rule is evaluated with, so one rule serves every back end.

A back end passes its own `BoolOps` (z3 terms, Amaranth Values, numpy arrays); `PYTHON` is
the plain-``bool`` one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True)
class BoolOps:
    """``and_``/``or_``/``not_`` over one back end's 1-bit values, and its constants."""

    and_: Callable[[Any, Any], Any]
    or_: Callable[[Any, Any], Any]
    not_: Callable[[Any], Any]
    false: Any
    true: Any


PYTHON = BoolOps(lambda a, b: bool(a) and bool(b), lambda a, b: bool(a) or bool(b),
                 lambda a: not a, False, True)

__all__ = ["BoolOps", "PYTHON"]
