"""Inputs for accuracy fuzzing: elementary-function arguments aimed at the output's rounding
boundaries, softmax vectors shaped like real logits, and exhaustive code lists.

* `focused_code`: pick a value or a midpoint m of the output format, map it back through the
  function's inverse (float64 numpy), round into the source format and step 0..3 codes away: the
  results then lie on or next to a rounding boundary, where double rounding and last-bit errors
  show (used for half of the examples when the function has an inverse here);
* `softmax_vector`: logits ~ N(0, s^2) with s in {0.5, 2, 8, 32}, repeated elements (ties,
  equal maxima), zeros, large negative entries (results that underflow), occasionally an
  all-equal vector (exact 1/n) or a -inf / NaN / +inf element;
* `all_codes`: every code of a format of at most 16 bits (``--exhaustive``).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .. import golden
from ..formats import FloatFormat, Overflow
from ..rounding import Env

_SAT = Env(overflow=Overflow.SATFINITE)


def _logit(y):
    return np.log(y / (1 - y))


INVERSES = {"exp": np.log, "exp2": np.log2, "exp10": np.log10, "expm1": np.log1p, "log": np.exp,
            "log2": np.exp2, "log10": lambda y: np.power(10.0, y), "log1p": np.expm1, "tanh": np.arctanh,
            "sinh": np.arcsinh, "cosh": np.arccosh, "sigmoid": _logit, "atan": np.tan,
            "rsqrt": lambda y: 1 / (y * y), "recip": lambda y: 1 / y, "sin": np.arcsin, "cos": np.arccos,
            "tan": np.arctan}


def _positive_code(fmt: FloatFormat, rng: np.random.Generator) -> int | None:
    c = int(rng.integers(0, fmt.max_code + 1))
    return None if fmt.is_special(c) else c


def code_of(src: FloatFormat, x: float) -> int:
    """The code of ``src`` nearest to the float ``x`` (RNE, saturating; NaN -> a NaN code)."""
    if np.isnan(x):
        return src.nan_code(0) if src.has_nan else 0
    return golden.from_value(float(x), src, _SAT).code


def step_code(src: FloatFormat, code: int, k: int) -> int:
    """Move ``k`` codes along the magnitude, keeping the sign (clipped to finite codes)."""
    sign = code & src.sign_bit if src.signed else 0
    mag = max(0, min(src.max_code, (code & src.mag_mask) + k))
    while mag > 0 and src.is_special(mag):
        mag -= 1
    return sign | mag


def focused_code(op: str, src: FloatFormat, dst: FloatFormat, rng: np.random.Generator) -> int | None:
    """An argument whose ``op`` result lies on or near a value/midpoint of ``dst`` (or None)."""
    inv = INVERSES.get(op)
    c = _positive_code(dst, rng)
    if inv is None or c is None:
        return None
    y = Fraction(dst.value(c))
    tie = bool(rng.integers(0, 2))
    if tie and c < dst.max_code and not dst.is_special(c + 1):
        y = (y + Fraction(dst.value(c + 1))) / 2
    yf = float(y) * (-1.0 if rng.integers(0, 2) else 1.0)
    with np.errstate(all="ignore"):
        x = float(inv(np.float64(yf)))
    if not np.isfinite(x):
        return None
    k = int(rng.integers(-3, 4))
    return step_code(src, code_of(src, x), k)


def softmax_vector(src: FloatFormat, length: int, rng: np.random.Generator) -> tuple[int, ...]:
    """One softmax input vector of codes (see the module docstring)."""
    scale = float(rng.choice([0.5, 2.0, 8.0, 32.0]))
    if rng.random() < 0.05:
        vals = [float(rng.normal(0, scale))] * length
    else:
        vals = []
        for _ in range(length):
            u = rng.random()
            if u < 0.70 or not vals:
                v = float(rng.normal(0, scale))
            elif u < 0.80:
                v = vals[int(rng.integers(0, len(vals)))]
            elif u < 0.85:
                v = -float(rng.uniform(20, 200)) * scale
            elif u < 0.90:
                v = 0.0
            else:
                v = float(np.ldexp(1.0 + rng.random(), int(rng.integers(-20, 8)))) * (1 if rng.integers(0, 2) else -1)
            vals.append(v)
    if rng.random() < 0.03:
        vals[int(rng.integers(0, length))] = float(rng.choice([-np.inf, -np.inf, np.nan, np.inf]))
    return tuple(code_of(src, v) if np.isfinite(v) or np.isnan(v) else _inf(src, v) for v in vals)


def _inf(src: FloatFormat, v: float) -> int:
    if src.has_inf:
        return src.inf_code(int(v < 0))
    return code_of(src, np.sign(v) * float(src.max_value))


def all_codes(src: FloatFormat) -> list[int]:
    """Every valid code of a format of at most 16 bits."""
    if src.width > 16:
        raise ValueError(f"--exhaustive needs a source of at most 16 bits, not {src.name}")
    out = []
    for c in range(1 << src.width):
        try:
            src.check_code(c)
        except Exception:
            continue
        out.append(c)
    return out


__all__ = ["INVERSES", "focused_code", "softmax_vector", "all_codes", "code_of", "step_code"]
