"""Error bounds of accuracy fuzzing: the ``ulp<=1`` / ``relerr<=2^-8`` / ``faithful`` words of a
fuzz semantics (docs/fuzz.md, "Accuracy fuzzing").

* ``ulp<=B``: |y - f(x)| / ulp(f(x)) <= B (ulp of the binade of the exact value, see
  `fpverify.fuzz.accuracy`);
* ``relerr<=B``: |y - f(x)| / |f(x)| <= B;
* ``faithful``: y is one of the two format values around f(x) (RD or RU of the exact value).

B is a non-negative number: a decimal (``1``, ``0.5``, ``1e-3``), a power of two (``2^-8``,
``2**-8``) or a fraction (``1/256``); it is kept exact (a `Fraction`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

MEASURES = ("ulp", "relerr")
_POWER = re.compile(r"^([+-]?\d+)(?:\^|\*\*)([+-]?\d+)$")


class BadBound(ValueError):
    """A bound word that does not parse (the caller turns it into an `InputError`)."""


@dataclass(frozen=True)
class ErrorBound:
    """``measure`` ("ulp", "relerr" or "faithful") and its limit (``limit`` unused for faithful)."""

    measure: str
    limit: Fraction = Fraction(0)
    text: str = ""

    def __str__(self) -> str:
        return self.text or (self.measure if self.measure == "faithful" else f"{self.measure}<={self.limit}")


def parse_number(text: str) -> Fraction:
    """An exact non-negative number: ``1``, ``0.5``, ``1e-3``, ``2^-8``, ``2**-8``, ``1/256``."""
    t = text.strip()
    m = _POWER.match(t)
    try:
        if m:
            base, exp = int(m.group(1)), int(m.group(2))
            if base == 0 and exp < 0 or abs(exp) > 4096:
                raise BadBound(text)
            v = Fraction(base) ** exp
        elif re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?(/\d+)?", t):
            v = Fraction(t)
        else:
            raise BadBound(text)
    except (ValueError, ZeroDivisionError, OverflowError):
        raise BadBound(text) from None
    if v < 0:
        raise BadBound(text)
    return v


def is_bound_word(word: str) -> bool:
    """Whether ``word`` is meant as a bound (so a bad number is reported as a bad bound)."""
    w = word.lower()
    return w == "faithful" or any(w.startswith(m) and w[len(m):len(m) + 1] in ("<", "=") for m in MEASURES)


def parse_bound(word: str) -> ErrorBound:
    """``ulp<=B``, ``relerr<=B`` (``=`` alone is accepted for ``<=``) or ``faithful``."""
    w = word.strip().lower()
    if w == "faithful":
        return ErrorBound("faithful", Fraction(0), "faithful")
    for m in MEASURES:
        if w.startswith(m):
            rest = w[len(m):]
            for op in ("<=", "="):
                if rest.startswith(op):
                    number = rest[len(op):]
                    try:
                        limit = parse_number(number)
                    except BadBound:
                        raise BadBound(f"the bound {number!r} in {word!r} is not a non-negative number "
                                       "(e.g. ulp<=1, ulp<=0.5, relerr<=2^-8, relerr<=1e-3)") from None
                    return ErrorBound(m, limit, f"{m}<={number}")
    raise BadBound(f"cannot parse the bound {word!r} (use ulp<=B, relerr<=B or faithful)")


__all__ = ["ErrorBound", "BadBound", "parse_bound", "parse_number", "is_bound_word", "MEASURES"]
