"""Hypothesis strategies for floating-point testing, aimed at the places rounding goes wrong.

Every strategy is a composition of ``st.integers`` / ``st.sampled_from`` / ``st.one_of`` so that
hypothesis shrinks towards simple cases (``+0``, the first listed special, the smallest offset).

Codes and values of any registry format
    `codes(fmt)`, `values(fmt)`, `special_codes(fmt)`: weighted to zeros, subnormals, min/max
    normal, max finite, NaN/Inf, and (with ``near=target``) the codes of ``fmt`` that lie on or
    next to a rounding boundary of another format.
Inputs that land on a target format's rounding boundaries
    `boundary_points(target)` (exact Fractions: representable values and midpoints, including the
    overflow threshold and the midpoint below the smallest subnormal), `boundary_codes(source,
    target)` / `boundary_floats(target, source)` (the nearest source values and up to ``max_ulps``
    source ulps around them), `boundary_ints(target, bits)`.
Double-rounding traps
    `double_rounding_traps(target, source="f64", via="f32")`: source values that round onto a
    target midpoint in ``via`` (so ``source -> via -> target`` and ``source -> target`` can differ).
Stochastic rounding
    `random_bits(n)`, `stochastic_inputs(target, nbits, source)`: (value, R) pairs with R placed
    on the round-up threshold of the value's residual.
Blocks
    `mx_blocks(element, block=32)` (OCP MX: controlled amax, zeros, NaN/Inf, outliers, elements near
    element-format boundaries after scaling) and `nvfp4_blocks(block=16)`.

Values returned for a float *source* are Python floats when the source is f32/f64/f16 (exactly the
source value) and codes elsewhere; `boundary_codes` always returns codes.
"""

from __future__ import annotations

import math
import struct
from fractions import Fraction
from hypothesis import strategies as st

from .formats import FloatFormat, Format, IntFormat, get_format
from .rounding import Env, Mode, Rounding, round_to_format
from .golden.real import exact

__all__ = [
    "codes", "values", "special_codes", "interesting_codes", "boundary_points", "boundary_codes",
    "boundary_floats", "boundary_ints", "double_rounding_traps", "random_bits", "stochastic_inputs",
    "mx_blocks", "nvfp4_blocks", "code_to_float", "float_to_code", "next_up_value", "MX_EMAX",
    "operands", "double_rounding_codes",
]

_RDN = Env(Rounding(Mode.RDN))
_RUP = Env(Rounding(Mode.RUP))

# emax of the element formats OCP MX uses in the scale rule (formats.md §5.1)
MX_EMAX = {"e4m3fn": 8, "e5m2": 15, "e2m3fn": 2, "e3m2fn": 4, "e2m1fn": 2, "mxint8": 0}


# ---- code <-> Python float for the IEEE formats Python can hold ------------------------------

_STRUCT = {"f64": ("<Q", "<d"), "f32": ("<I", "<f"), "f16": ("<H", "<e")}


def code_to_float(fmt: Format | str, code: int) -> float:
    """The Python float of an f16/f32/f64 code (exact; NaN payloads are kept by struct)."""
    fmt = get_format(fmt)
    if fmt.name in _STRUCT:
        i, f = _STRUCT[fmt.name]
        return struct.unpack(f, struct.pack(i, code))[0]
    v = fmt.value(code)
    return float(v)


def float_to_code(fmt: Format | str, x: float) -> int:
    """The f16/f32/f64 code of a Python float that the format can hold exactly."""
    fmt = get_format(fmt)
    i, f = _STRUCT[fmt.name]
    code = struct.unpack(i, struct.pack(f, x))[0]
    if not math.isnan(x) and code_to_float(fmt, code) != x:
        raise ValueError(f"{x!r} is not exactly representable in {fmt.name}")
    return code


# ---- codes and values of one format ---------------------------------------------------------


def _positive_finite_limit(fmt: FloatFormat) -> int:
    """Largest positive finite code (positive codes 0..this are finite, apart from FNUZ NaN)."""
    return fmt.max_code


def interesting_codes(fmt: Format | str) -> list[int]:
    """Zeros, the smallest/largest subnormal, min normal, one, max finite, and their negatives,
    then NaN and Inf codes: the first entries are the simplest (hypothesis shrinks to them)."""
    fmt = get_format(fmt)
    if isinstance(fmt, IntFormat):
        mask = (1 << fmt.bits) - 1
        ints = [0, 1, -1, fmt.max_int, fmt.min_int, fmt.max_int - 1, 2, -2]
        return list(dict.fromkeys(i & mask for i in ints))
    out: list[int] = []
    m = fmt.man_bits
    mags = []
    if fmt.has_zero:
        mags.append(0)
    if fmt.subnormals and m > 0:
        mags += [1, (1 << m) - 1]  # min and max subnormal
    normal0 = (1 << m) if fmt.subnormals else 0
    mags += [normal0, normal0 + 1]  # min normal and its successor
    one = fmt.bias << m
    if one <= fmt.max_code:
        mags += [one, one - 1, one + 1] if one > 0 else [one, one + 1]
    mags += [fmt.max_code, fmt.max_code - 1]
    for mag in mags:
        if 0 <= mag <= fmt.max_code and not fmt.is_special(mag):
            out.append(mag)
            if fmt.signed and (mag or fmt.has_neg_zero):
                neg = mag | fmt.sign_bit
                if not fmt.is_special(neg):
                    out.append(neg)
    if fmt.has_nan:
        out.append(fmt.nan_code(0))
        if fmt.signed and fmt.nan_code(1) != fmt.nan_code(0):
            out.append(fmt.nan_code(1))
        if fmt.specials.value == "ieee":  # a signalling NaN and a payload NaN
            out.append((fmt.exp_mask << m) | 1)
            out.append(fmt.mag_mask | fmt.sign_bit)
    if fmt.has_inf:
        out.append(fmt.inf_code(0))
        if fmt.signed:
            out.append(fmt.inf_code(1))
    return list(dict.fromkeys(c for c in out if 0 <= c < (1 << fmt.bits)))


def special_codes(fmt: Format | str) -> st.SearchStrategy[int]:
    """One of `interesting_codes(fmt)`; shrinks to +0 (or the format's simplest code)."""
    return st.sampled_from(interesting_codes(fmt))


def _structured_codes(fmt: FloatFormat) -> st.SearchStrategy[int]:
    """sign x exponent field x mantissa, each uniform: every binade is equally likely."""
    m = fmt.man_bits
    sign = st.integers(0, 1) if fmt.signed else st.just(0)
    return st.builds(
        lambda s, e, t: (s * fmt.sign_bit) | (e << m) | t,
        sign, st.integers(0, fmt.exp_mask), st.integers(0, (1 << m) - 1))


def _subnormal_codes(fmt: FloatFormat) -> st.SearchStrategy[int]:
    sign = st.integers(0, 1) if fmt.signed else st.just(0)
    return st.builds(lambda s, t: (s * fmt.sign_bit) | t, sign, st.integers(1, (1 << fmt.man_bits) - 1))


def codes(fmt: Format | str, *, allow_nan: bool = True, allow_inf: bool = True,
          near: Format | str | None = None) -> st.SearchStrategy[int]:
    """Codes of ``fmt``, weighted to the special and extreme codes; ``near=T`` adds codes of
    ``fmt`` on or next to rounding boundaries (ties, near-ties, overflow) of format ``T``."""
    fmt = get_format(fmt)
    if isinstance(fmt, IntFormat):
        return st.one_of(special_codes(fmt), st.integers(0, (1 << fmt.bits) - 1))
    parts: list[st.SearchStrategy[int]] = [special_codes(fmt)]
    if near is not None:
        parts.append(boundary_codes(fmt, near))
    parts.append(_structured_codes(fmt))
    if fmt.subnormals and fmt.man_bits > 0:
        parts.append(_subnormal_codes(fmt))
    parts.append(st.integers(0, (1 << fmt.bits) - 1))
    s = st.one_of(*parts)
    if not (allow_nan and allow_inf):
        s = s.filter(lambda c: (allow_nan or not fmt.is_nan(c)) and (allow_inf or not fmt.is_inf(c)))
    return s


def values(fmt: Format | str, **kw) -> st.SearchStrategy:
    """Decoded `codes(fmt)`: exact Fractions for finite codes, float inf/nan otherwise."""
    fmt = get_format(fmt)
    return codes(fmt, **kw).map(fmt.value)


# ---- rounding boundaries of a target format -------------------------------------------------


def next_up_value(fmt: FloatFormat, code: int) -> Fraction:
    """The value after positive finite ``code`` in an unbounded exponent range (max -> max + ulp)."""
    if code < fmt.max_code:
        nxt = code + 1
        while fmt.is_special(nxt) and nxt < fmt.mag_mask:
            nxt += 1
        if not fmt.is_special(nxt):
            return Fraction(fmt.value(nxt))
    _, sig, q = fmt.finite_parts(code)
    return Fraction(sig + 1) * Fraction(2) ** q


def _point(fmt: FloatFormat, c: int, tie: bool) -> Fraction:
    """c = -1 stands for the (absent or zero) value below the smallest positive one."""
    if c < 0:
        lo, hi = Fraction(0), Fraction(fmt.value(0)) if not fmt.has_zero else _min_positive(fmt)
    else:
        lo = Fraction(fmt.value(c))
        hi = next_up_value(fmt, c)
    return (lo + hi) / 2 if tie else lo


def _min_positive(fmt: FloatFormat) -> Fraction:
    return Fraction(fmt.value(1)) if fmt.has_zero else Fraction(fmt.value(0))


def _target_codes(fmt: FloatFormat) -> st.SearchStrategy[int]:
    """Positive finite codes of ``fmt`` (and -1: below the smallest), weighted to the extremes."""
    top = fmt.max_code
    m = fmt.man_bits
    key = [-1, 0, top, top - 1, 1, (1 << m) - 1, 1 << m, fmt.bias << m]
    key = [c for c in dict.fromkeys(key) if -1 <= c <= top and (c < 0 or not fmt.is_special(c))]
    any_code = st.integers(-1, top).filter(lambda c: c < 0 or not fmt.is_special(c))
    return st.one_of(st.sampled_from(key), any_code)


def boundary_points(target: Format | str) -> st.SearchStrategy[Fraction]:
    """Exact positive values where rounding into ``target`` decides: its representable values and
    the midpoints between neighbours (including max + ulp/2, the overflow threshold, and
    min_subnormal/2).  Integer targets (MXINT8, int8): multiples of the step and half-steps."""
    target = get_format(target)
    if isinstance(target, IntFormat):
        step = Fraction(2) ** target.scale_exp
        return st.builds(lambda i, tie: (i + Fraction(tie, 2)) * step,
                         st.integers(0, target.max_int + 1), st.booleans())
    return st.builds(lambda c, tie: _point(target, c, tie), _target_codes(target), st.booleans())


def _step_code(fmt: FloatFormat, code: int, j: int) -> int:
    """Move a non-negative finite code ``j`` steps along the positive finite codes (clipped)."""
    c = code + j
    c = max(0, min(fmt.max_code, c))
    return c


def _nearest_codes(fmt: FloatFormat, x: Fraction) -> tuple[int, int]:
    """(code just below or at x, code just above or at x) for x >= 0, clipped to max finite."""
    r = exact(x)
    lo = round_to_format(r, fmt, Env(Rounding(Mode.RDN), overflow=_sat())).code
    hi = round_to_format(r, fmt, Env(Rounding(Mode.RUP), overflow=_sat())).code
    if not fmt.has_zero and x == 0:
        lo = hi = 0
    return lo, hi


def _sat():
    from .formats import Overflow

    return Overflow.SATFINITE


def _codes_around(fmt: FloatFormat, x: Fraction, j: int, up: bool) -> int:
    """The code ``j`` source-ulps from x: j = 0 -> the nearest code on the side ``up`` picks."""
    lo, hi = _nearest_codes(fmt, x)
    if lo == hi:
        return _step_code(fmt, lo, j)
    if j == 0:
        return hi if up else lo
    return _step_code(fmt, hi, j - 1) if j > 0 else _step_code(fmt, lo, j + 1)


def boundary_codes(source: Format | str, target: Format | str, *, max_ulps: int = 3,
                   negative: bool = True) -> st.SearchStrategy[int]:
    """Codes of ``source`` on or within ``max_ulps`` source-ulps of a rounding boundary of
    ``target`` (see `boundary_points`), with either sign."""
    source, target = get_format(source), get_format(target)
    if not isinstance(source, FloatFormat):
        raise TypeError("boundary_codes needs a float source format; use boundary_ints for integers")
    offsets = st.integers(-max_ulps, max_ulps)
    sign = st.integers(0, 1) if (negative and source.signed) else st.just(0)

    def build(x, j, up, s):
        c = _codes_around(source, x, j, up)
        return c | (source.sign_bit if s and (c or source.has_neg_zero) else 0)

    return st.builds(build, boundary_points(target), offsets, st.booleans(), sign)


def _as_source_value(source: FloatFormat, code: int):
    return code_to_float(source, code) if source.name in _STRUCT else code


def boundary_floats(target: Format | str, source: Format | str = "f32", *, max_ulps: int = 3,
                    specials: bool = True) -> st.SearchStrategy:
    """Source values (Python floats for f16/f32/f64) on or next to ``target``'s rounding
    boundaries, mixed with the source's own special values when ``specials``."""
    source = get_format(source)
    parts = []
    if specials:
        parts.append(special_codes(source))
    parts.append(boundary_codes(source, target, max_ulps=max_ulps))
    parts.append(double_rounding_codes(target, source, "f32") if _wider(source, "f32") else
                 _structured_codes(source))
    return st.one_of(*parts).map(lambda c: _as_source_value(source, c))


def _wider(a: FloatFormat, b: str) -> bool:
    b = get_format(b)
    return a.precision > b.precision and a.exp_bits >= b.exp_bits


def double_rounding_codes(target: Format | str, source: Format | str = "f64",
                          via: Format | str = "f32") -> st.SearchStrategy[int]:
    """Codes of ``source`` that ``via`` rounds onto a midpoint of ``target`` (or onto a ``via``
    tie next to one): ``source -> via -> target`` then resolves a tie that direct rounding does
    not see. Needs ``via`` narrower than ``source`` and wider than ``target``."""
    source, via, target = get_format(source), get_format(via), get_format(target)
    gap = source.precision - via.precision  # source ulps per via ulp (log2), in the same binade
    if gap < 1:
        raise ValueError(f"{via.name} is not narrower than {source.name}")
    half = 1 << (gap - 1)  # offsets < half collapse onto the point in `via`; == half is a via tie
    offsets = st.one_of(st.sampled_from([1, half - 1, half, half + 1]), st.integers(1, half))
    sign = st.integers(0, 1) if source.signed else st.just(0)
    mid = st.builds(lambda c: _point(target, c, True), _target_codes(target))

    def build(m, k, down, s):
        lo, hi = _nearest_codes(source, m)
        c = _step_code(source, lo if down else hi, -k if down else k)
        return c | (source.sign_bit if s else 0)

    return st.builds(build, mid, offsets, st.booleans(), sign)


def double_rounding_traps(target: Format | str, source: Format | str = "f64",
                          via: Format | str = "f32") -> st.SearchStrategy:
    """`double_rounding_codes` as Python floats (f16/f32/f64 sources) or codes."""
    source = get_format(source)
    return double_rounding_codes(target, source, via).map(lambda c: _as_source_value(source, c))


def boundary_ints(target: Format | str, bits: int = 64, *, signed: bool = True,
                  via: Format | str | None = "f32") -> st.SearchStrategy[int]:
    """Integers on or next to ``target``'s rounding boundaries (and, with ``via``, integers that
    ``via`` rounds onto a target midpoint), within the ``bits``-bit integer range."""
    target = get_format(target)
    lo_lim = -(1 << (bits - 1)) if signed else 0
    hi_lim = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    sign = st.integers(0, 1) if signed else st.just(0)

    def clip(v):
        return max(lo_lim, min(hi_lim, v))

    def near(x, j, s):
        base = math.floor(x) if j <= 0 else math.ceil(x)
        v = base + j
        return clip(-v if s else v)

    parts = [st.sampled_from([0, 1, -1, hi_lim, lo_lim] if signed else [0, 1, hi_lim]),
             st.builds(near, boundary_points(target), st.integers(-3, 3), sign)]
    if via is not None:
        via = get_format(via)

        def trap(x, k, down, s):
            # offsets below half a `via` ulp at x collapse onto x when x is a large integer
            e = max(0, math.floor(x).bit_length() - via.precision)
            off = min(k, (1 << e) // 2 or 1) if e else 1
            v = math.floor(x) - off if down else math.ceil(x) + off
            return clip(-v if s else v)

        if isinstance(target, FloatFormat):
            # midpoints large enough that `via` cannot hold their integer neighbours
            lo_c = _nearest_codes(target, Fraction(2) ** (via.precision + 1))[0]
            hi_c = _nearest_codes(target, Fraction(2) ** (bits - 2))[0]
            codes_st = st.integers(min(lo_c, hi_c), hi_c) if lo_c < hi_c else _target_codes(target)
            mids = st.builds(lambda c: _point(target, c, True), codes_st)
        else:
            mids = boundary_points(target)
        parts.append(st.builds(trap, mids, st.integers(1, 1 << 40), st.booleans(), sign))
    parts.append(st.integers(lo_lim, hi_lim))
    return st.one_of(*parts)


# ---- stochastic rounding --------------------------------------------------------------------


def random_bits(nbits: int) -> st.SearchStrategy[int]:
    """R in [0, 2^N): 0, the top value, the half and any value."""
    top = (1 << nbits) - 1
    return st.one_of(st.sampled_from(list(dict.fromkeys([0, top, 1 << (nbits - 1), 1]))),
                     st.integers(0, top))


def _residual_bits(x: Fraction, target: FloatFormat, nbits: int) -> int | None:
    """floor(nu * 2^N) of |x| at ``target``'s quantum (None for zero or non-finite)."""
    if x == 0:
        return None
    r = exact(abs(x))
    q = max(r.ilog2(), target.emin) - target.precision + 1
    s0, _ = r.floor_scaled(-q)
    return r.floor_scaled(-q + nbits)[0] - (s0 << nbits)


def stochastic_inputs(target: Format | str, nbits: int, source: Format | str = "f32"
                      ) -> st.SearchStrategy[tuple]:
    """(x, R) pairs for an N-bit stochastic rounding into ``target``: x from `boundary_floats`,
    R from `random_bits` or placed at the round-up threshold ``2^N - floor(nu 2^N)`` (+-1)."""
    target, source = get_format(target), get_format(source)
    top = (1 << nbits) - 1

    @st.composite
    def pairs(draw):
        code = draw(st.one_of(boundary_codes(source, target), _structured_codes(source)))
        x_val = source.value(code)
        r = draw(random_bits(nbits))
        if isinstance(x_val, Fraction) and draw(st.booleans()):
            frac = _residual_bits(x_val, target, nbits)
            if frac is not None:
                r = max(0, min(top, (1 << nbits) - frac + draw(st.sampled_from([0, -1, 1]))))
        return _as_source_value(source, code), r

    return pairs()


# ---- blocks ---------------------------------------------------------------------------------


def _f32_round(x: Fraction) -> float:
    """x rounded to the nearest f32 (as a Python float)."""
    code = round_to_format(exact(x), get_format("f32"), Env()).code
    return code_to_float("f32", code)


@st.composite
def _scaled_block(draw, element: Format, block: int, scale_of_amax, amax_exponents,
                  allow_nan: bool, allow_inf: bool):
    elem_points = boundary_points(element)
    e = draw(amax_exponents)
    mant = draw(st.one_of(
        st.sampled_from([Fraction(1), Fraction(2) - Fraction(1, 1 << 23), Fraction(3, 2),
                         Fraction(7, 4), Fraction(15, 8)]),
        st.integers(0, (1 << 23) - 1).map(lambda t: 1 + Fraction(t, 1 << 23))))
    amax = mant * Fraction(2) ** e
    scale = scale_of_amax(amax)
    kinds = st.sampled_from(["zero", "boundary", "boundary", "any", "tiny"])
    vals: list[float] = []
    for _ in range(block):
        kind = draw(kinds)
        sign = draw(st.booleans())
        if kind == "zero":
            v = 0.0
        elif kind == "boundary":
            v = _f32_round(min(draw(elem_points) * scale, amax))
        elif kind == "any":
            v = _f32_round(amax * Fraction(draw(st.integers(0, 1 << 20)), 1 << 20))
        else:  # an f32 subnormal or a value far below the block scale
            v = _f32_round(Fraction(draw(st.integers(1, 1 << 10)), 1 << 149))
        vals.append(-v if sign else v)
    idx = draw(st.integers(0, block - 1))
    amax_f = _f32_round(amax)
    vals[idx] = -amax_f if draw(st.booleans()) else amax_f  # the outlier that sets the scale
    if allow_nan or allow_inf:
        specials = ([math.nan] if allow_nan else []) + ([math.inf, -math.inf] if allow_inf else [])
        if draw(st.integers(0, 7)) == 0:
            vals[draw(st.integers(0, block - 1))] = draw(st.sampled_from(specials))
    return vals


def _mx_scale(element: Format):
    emax = MX_EMAX.get(element.name)
    if emax is None:
        if not isinstance(element, FloatFormat):
            raise ValueError(f"no MX emax for {element.name}")
        emax = exact(element.max_value).ilog2()

    def scale(amax: Fraction) -> Fraction:
        se = max(-127, min(127, exact(amax).ilog2() - emax))
        return Fraction(2) ** se

    return scale


def mx_blocks(element: Format | str = "e4m3fn", block: int = 32, *, allow_nan: bool = False,
              allow_inf: bool = False, min_exp: int = -130, max_exp: int = 127
              ) -> st.SearchStrategy[list[float]]:
    """OCP MX blocks of ``block`` f32 values: a controlled amax (exponent in [min_exp, max_exp],
    mantissa weighted to 1, just-below-2, 1.5, 1.75), one element equal to +-amax, the others
    zeros, element-format boundaries times the shared scale, arbitrary fractions of amax, and
    f32 subnormals; optionally one NaN or Inf."""
    element = get_format(element)
    exps = st.one_of(st.sampled_from([0, -1, 1, 8, -6, min_exp, max_exp]), st.integers(min_exp, max_exp))
    return _scaled_block(element, block, _mx_scale(element), exps, allow_nan, allow_inf)


def nvfp4_blocks(block: int = 16, *, allow_nan: bool = False, allow_inf: bool = False
                 ) -> st.SearchStrategy[list[float]]:
    """NVFP4 blocks: E2M1 elements near their boundaries times amax/6 (the UE4M3 block scale
    before rounding), amax over the range UE4M3 x E2M1 covers and beyond."""
    e2m1 = get_format("e2m1fn")
    exps = st.one_of(st.sampled_from([0, 2, 8, -9, -20, 20]), st.integers(-24, 24))
    return _scaled_block(e2m1, block, lambda amax: amax / 6, exps, allow_nan, allow_inf)


def operands(fmt: Format | str, arity: int, *, near: Format | str | None = None
             ) -> st.SearchStrategy[tuple[int, ...]]:
    """``arity`` codes of ``fmt`` for an arithmetic op (each from `codes`)."""
    fmt = get_format(fmt)
    return st.tuples(*[codes(fmt, near=near) for _ in range(arity)])


