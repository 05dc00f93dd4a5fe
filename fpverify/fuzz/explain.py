"""Why a rounding came out the way it did: neighbours, distances, ties, and which policy fits.

`explain(x, fmt, env, actual=code)` takes an exact real (`fpverify.golden.real`), the target format
and the declared rounding environment, and reports the two neighbouring target values around x
(in an unbounded exponent range, so the one above max finite is shown as "beyond max"), the
distance to each, whether x is a tie, what every deterministic rounding mode picks, and which
alternative semantics (another mode, another overflow policy, double rounding through a narrower
intermediate format) reproduce the actual code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from ..formats import FloatFormat, Format, IntFormat, Overflow, get_format
from ..golden.real import Real, exact
from ..rounding import DETERMINISTIC, Env, round_to_format
from ..tapered import TaperedFormat

_APPROX_BITS = 64


@dataclass
class Neighbour:
    value: Fraction  # signed exact value
    code: int | None  # None: not representable (beyond max finite, or no zero)
    distance: Fraction  # |x - value|, exact (approximate for irrational x)


@dataclass
class Explanation:
    fmt: Format
    value_text: str
    exact: bool  # x is representable in fmt
    below: Neighbour | None = None  # the neighbour toward zero (smaller magnitude)
    above: Neighbour | None = None  # the neighbour away from zero
    ulp: Fraction | None = None
    residual: Fraction | None = None  # nu: position of x between below and above, in ulps (0..1)
    tie: bool = False
    picks: dict[str, int] = field(default_factory=dict)  # mode name -> code (under the declared overflow)
    matches: list[str] = field(default_factory=list)  # alternative semantics that give the actual code
    approximate: bool = False

    def nearer_side(self) -> str:
        """"toward zero", "away from zero" or "tie", from the exact residual (no float rounding)."""
        if self.residual is None:
            return "tie" if self.tie else "toward zero"
        half = Fraction(1, 2)
        if self.residual == half:
            return "tie" if self.tie else "away from zero"  # approximate x: the true value lies above
        return "away from zero" if self.residual > half else "toward zero"

    def lines(self, show=lambda c: str(c)) -> list[str]:
        out = [f"exact value      {self.value_text}"]
        if self.exact:
            out.append("representable    yes: every rounding mode returns it")
        elif self.below is not None and self.above is not None:
            approx = "~" if self.approximate else ""
            for label, nb in (("toward zero    ", self.below), ("away from zero ", self.above)):
                code = show(nb.code) if nb.code is not None else (
                    "(not encodable: beyond max finite)" if nb.value and abs(nb.value) > self.fmt.max_value
                    else "(not encodable)")
                out.append(f"{label}  {_num(nb.value)} = {code}, distance {approx}{_num(nb.distance)}"
                           f" ({approx}{_num(nb.distance / self.ulp)} ulp)")
            if self.tie:
                out.append("tie              yes: exactly halfway (RNE picks the even code, RNA the one away from 0)")
            else:
                out.append(f"tie              no: {approx}{_num(self.residual)} ulp from the neighbour toward zero "
                           f"(nearest: {self.nearer_side()})")
        if self.picks:
            out.append("modes pick       " + ", ".join(f"{m}={show(c)}" for m, c in self.picks.items()))
        if self.matches:
            out.append("actual matches   " + "; ".join(self.matches))
        return out


def _num(v: Fraction) -> str:
    """Exact text of ``v``: an integer, a float that equals it, or ~20 significant digits (never a
    float that rounds it, which could hide on which side of 1/2 a residual is) and the fraction."""
    if v.denominator == 1:
        return str(v.numerator)
    f = float(v)
    if Fraction(f) == v:
        return repr(f)
    digits = _decimal(v, 20)
    return f"~{digits} (={v})" if len(str(v)) < 48 else f"~{digits}"


def _decimal(v: Fraction, significant: int) -> str:
    """``v`` rounded to ``significant`` decimal digits, computed exactly."""
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = significant
        d = decimal.Decimal(v.numerator) / decimal.Decimal(v.denominator)
    return format(d, "g") if d.adjusted() < -6 or d.adjusted() >= significant else format(d, "f")


def value_text(x: Real) -> str:
    try:
        f = x.to_fraction()
    except ValueError:
        return f"{x!r} ~ {_approx(x)!r}"
    return _num(f)


def _approx(x: Real) -> float:
    e = x.ilog2()
    s, _ = x.floor_scaled(_APPROX_BITS - e)
    v = float(Fraction(s) / Fraction(2) ** (_APPROX_BITS - e))
    return -v if x.negative else v


def _magnitude_fraction(x: Real) -> tuple[Fraction, bool]:
    """|x| as a Fraction, and whether it is exact."""
    try:
        return abs(x.to_fraction()), True
    except ValueError:
        e = x.ilog2()
        k = _APPROX_BITS - e
        s, _ = x.floor_scaled(k)
        return Fraction(s) / Fraction(2) ** k + Fraction(1, 2) / Fraction(2) ** k, False


def _encode(mag: Fraction, sign: int, fmt: Format) -> int | None:
    """The code of an exactly representable signed value, or None."""
    if mag == 0:
        if isinstance(fmt, FloatFormat) and not fmt.has_zero:
            return None
        return fmt.zero_code(sign) if isinstance(fmt, FloatFormat) else 0
    x = exact(-mag if sign else mag)
    r = round_to_format(x, fmt, Env(overflow=Overflow.IEEE if not isinstance(fmt, IntFormat) else None))
    if r.flags & 0x07:  # inexact / underflow / overflow: not representable
        return None
    if isinstance(fmt, FloatFormat) and (fmt.is_nan(r.code) or fmt.is_inf(r.code)):
        return None
    return r.code


def explain(x: Real, fmt: Format | str, env: Env = Env(), actual: int | None = None,
            alternatives: dict[str, int] | None = None) -> Explanation:
    """Explain rounding the exact nonzero-or-zero finite real ``x`` into ``fmt`` under ``env``.

    ``alternatives`` maps extra semantics names (e.g. "double rounding via f32") to the code they
    give; those equal to ``actual`` are listed in ``matches`` together with matching modes and
    overflow policies."""
    fmt = get_format(fmt)
    sign = 1 if x.negative else 0
    text = value_text(x)
    mag, is_exact = _magnitude_fraction(x)
    picks: dict[str, int] = {}
    for rnd in DETERMINISTIC:
        picks[str(rnd)] = round_to_format(x, fmt, Env(rnd, env.overflow, env.tininess, 0, env.nan_policy)).code
    ex = Explanation(fmt, text, False, picks=picks, approximate=not is_exact)
    if x.is_zero:
        ex.exact = True
    else:
        if isinstance(fmt, IntFormat):
            q = fmt.scale_exp
        elif isinstance(fmt, TaperedFormat):  # the quantum of the binade x lies in
            e = max(x.ilog2(), fmt.emin_binade)
            q = e - fmt.binade_precision(min(e, fmt.emax_binade)) + 1
        else:
            q = max(x.ilog2(), fmt.emin) - fmt.precision + 1
        ulp = Fraction(2) ** q
        s0, on_grid = abs_floor(x, q)
        lo, hi = s0 * ulp, (s0 + 1) * ulp
        if on_grid:
            ex.exact = _encode(lo, sign, fmt) is not None
        ex.ulp = ulp
        ex.residual = (mag - lo) / ulp
        ex.tie = is_exact and ex.residual == Fraction(1, 2)
        sgn = -1 if sign else 1
        ex.below = Neighbour(sgn * lo, _encode(lo, sign, fmt), mag - lo)
        ex.above = Neighbour(sgn * hi, _encode(hi, sign, fmt), hi - mag)
        if on_grid and not ex.exact:  # representable only with an unbounded exponent range
            ex.above = Neighbour(sgn * lo, None, Fraction(0))
    if actual is not None:
        ex.matches = _matches(x, fmt, env, actual, alternatives or {})
    return ex


def abs_floor(x: Real, q: int) -> tuple[int, bool]:
    """(floor(|x| / 2^q), exact) for an exact real."""
    return x.floor_scaled(-q)


def _matches(x: Real, fmt: Format, env: Env, actual: int, alternatives: dict[str, int]) -> list[str]:
    found: list[str] = []
    same = _same_fn(fmt)
    policies = [ov for ov in Overflow if not (isinstance(fmt, IntFormat) and ov is Overflow.NAN)]
    for rnd in DETERMINISTIC:
        ok = []
        for ov in policies:
            e = Env(rnd, ov, env.tininess, 0, env.nan_policy)
            try:
                code = round_to_format(x, fmt, e).code
            except Exception:
                continue
            if same(code, actual):
                ok.append(ov.value)
        if len(ok) == len(policies):
            found.append(f"{rnd} (any overflow policy)")
        elif ok:
            found.append(f"{rnd} with overflow {'/'.join(ok)}")
    for name, code in alternatives.items():
        if code is not None and same(code, actual):
            found.append(name)
    return found


def _same_fn(fmt: Format):
    def same(a: int, b: int) -> bool:
        if a == b:
            return True
        return isinstance(fmt, FloatFormat) and fmt.is_nan(a) and fmt.is_nan(b)
    return same


def double_rounding(x: Real, via: Format | str, fmt: Format | str, env: Env) -> int | None:
    """The code x gets when first rounded (RNE, IEEE overflow) to ``via`` and then to ``fmt``."""
    from ..golden import convert

    via, fmt = get_format(via), get_format(fmt)
    try:
        mid = round_to_format(x, via, Env())
        return convert(via, mid.code, fmt, env).code
    except Exception:
        return None


__all__ = ["Explanation", "Neighbour", "explain", "double_rounding", "value_text"]
