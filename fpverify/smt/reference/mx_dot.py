"""One MX block dot product (golden `fpverify.golden.blocks.mx_dot_exact` for one block pair):
``2^(Sa + Sb - 254) * sum_i X_a[i] * X_b[i]``, the sum exact, rounded once into ``out``.

Every element value is ``raw significand * 2^(LSB exponent)``; each product is placed in one exact
fixed-point frame whose LSB is the smallest possible product LSB (element exponent ranges are small,
so the frame is a few dozen bits), the signed terms are summed left to right, and the scale exponent
moves the frame's LSB. Specials (OCP MX): an E8M0 NaN scale (0xFF) or any NaN/Inf element makes the
result NaN; an exact zero sum is +0.

MXINT8 elements (`formats.IntFormat`, OCP MX §5.3): the code is a two's-complement integer ``c``
times ``2^scale_exp`` (-6), so ``-128`` (code 0x80) is -2 and no code is special. The magnitude is
formed here as ``2^bits - code`` for a negative code (``bits + 1`` wide, so 0x80 gives 128); the
LSB exponent is the constant ``scale_exp``. a and b may be of different element formats.

Stochastic rounding (SR-A/B/C, ``env.rounding``): ``rand`` is the N-bit random-bits term (R); the
exact sum goes to the shared round kernel with it (`round.round_pack`), which reads the leading
bits of the residual from the exact magnitude. Without ``rand`` the kernel takes ``env.random_bits``.
"""

from __future__ import annotations

import z3

from dataclasses import dataclass

from ...formats import FloatFormat, IntFormat, Specials
from ...rounding import Env
from .bv import FALSE, TRUE, any_of, bit, const, ite, zext
from .pack import choose, nan
from .result import RefResult, zero_result
from .round import round_pack
from .unpack import exp_width, unpack

E8M0_BIAS, E8M0_NAN = 127, 0xFF
Element = FloatFormat | IntFormat


def _lsb_range(fmt: Element) -> tuple[int, int]:
    """Smallest and largest exponent of a code's raw-significand LSB."""
    if isinstance(fmt, IntFormat):
        return fmt.scale_exp, fmt.scale_exp
    top = fmt.exp_mask - (1 if fmt.specials is Specials.IEEE else 0)
    return (1 if fmt.subnormals else 0) - fmt.bias - fmt.man_bits, top - fmt.bias - fmt.man_bits


def _sig_bits(fmt: Element) -> int:
    """Width of the raw significand the reference forms (MXINT8: |-128| = 128 needs bits + 1)."""
    return fmt.bits + 1 if isinstance(fmt, IntFormat) else fmt.precision


def element_max_units(fmt: Element) -> int:
    """The largest element magnitude in units of the smallest LSB (2^lsb_lo): E4M3 448 / 2^-9,
    MXINT8 |-128| (two's complement) or 127 (symmetric)."""
    if isinstance(fmt, IntFormat):
        return -fmt.min_int if -fmt.min_int > fmt.max_int else fmt.max_int
    return int(fmt.max_value / fmt.min_subnormal)


@dataclass
class _Elem:
    sign: z3.BoolRef
    sig: z3.BitVecRef  # raw magnitude, 0 for NaN/Inf
    exp: z3.BitVecRef  # signed exponent of its LSB
    special: z3.BoolRef  # NaN or Inf
    valid: z3.BoolRef


def _element(fmt: Element, code: z3.BitVecRef, we: int) -> _Elem:
    """One element code decoded into sign, raw magnitude and LSB exponent."""
    if isinstance(fmt, IntFormat):
        n = fmt.bits
        neg = bit(code, n - 1)
        mag = ite(neg, const(1 << n, n + 1) - zext(code, n + 1), zext(code, n + 1))
        valid = code != const(1 << (n - 1), n) if fmt.symmetric else TRUE
        return _Elem(neg, mag, const(fmt.scale_exp, we), FALSE, valid)
    u = unpack(fmt, code, we)
    special = any_of(u.is_nan, u.is_inf)
    return _Elem(u.sign, ite(special, const(0, u.sig.size()), u.sig), u.exp, special, u.valid)


def mx_dot(elem_a: Element, elem_b: Element, a: z3.BitVecRef, b: z3.BitVecRef, scale_a: z3.BitVecRef,
           scale_b: z3.BitVecRef, k: int, out: FloatFormat, env: Env = Env(),
           rand: z3.BitVecRef | None = None) -> RefResult:
    """``a``/``b``: k element codes packed (element i at bits ``[i*w, (i+1)*w)``); 8-bit E8M0 scales;
    ``rand``: the random bits of a stochastic mode (N bits, ``env.rounding.nbits``)."""
    wa, wb = elem_a.width, elem_b.width
    if a.size() != k * wa or b.size() != k * wb:
        raise ValueError(f"mx_dot: a, b must be {k} x {wa} and {k} x {wb} bits")
    we = exp_width(*[f for f in (elem_a, elem_b, out) if isinstance(f, FloatFormat)]) + 12  # scale exp -254..254
    (lo_a, hi_a), (lo_b, hi_b) = _lsb_range(elem_a), _lsb_range(elem_b)
    pw = _sig_bits(elem_a) + _sig_bits(elem_b)
    frame = pw + (hi_a - lo_a) + (hi_b - lo_b) + k.bit_length() + 2  # signed, exact for k terms
    total = const(0, frame)
    special = any_of(scale_a == E8M0_NAN, scale_b == E8M0_NAN)
    defined = []
    aligned = {}  # dot_term{i}: product i's magnitude in the frame (for the sum cut, prove.mx_dot_decompose)
    for i in range(k):
        x = _element(elem_a, z3.Extract((i + 1) * wa - 1, i * wa, a), we)
        y = _element(elem_b, z3.Extract((i + 1) * wb - 1, i * wb, b), we)
        special = any_of(special, x.special, y.special)
        defined += [x.valid, y.valid]
        prod = zext(x.sig, frame) * zext(y.sig, frame)
        shift = (x.exp - const(lo_a, we)) + (y.exp - const(lo_b, we))
        term = prod << (zext(shift, frame) if frame > we else z3.Extract(frame - 1, 0, shift))
        aligned[f"dot_term{i}"] = term
        total = total + ite(z3.Xor(x.sign, y.sign), -term, term)
    negative = total < 0
    mag = ite(negative, -total, total)
    scale = zext(zext(scale_a, 10) + zext(scale_b, 10), we) - const(2 * E8M0_BIAS, we)
    low = scale + const(lo_a + lo_b, we)
    terms = {"dot_nan": ite(special, const(1, 1), const(0, 1)), "dot_scale_exp": scale, "dot_sum": total, **aligned}
    rounded = round_pack(out, negative, mag, low, env, rand, terms)
    res = choose(special, nan(out, env), choose(mag == 0, zero_result(out, z3.BoolVal(False)), rounded))
    r = RefResult.of(res, terms)
    r.defined = z3.And(r.defined, *defined)
    return r


__all__ = ["mx_dot", "element_max_units", "Element", "E8M0_BIAS", "E8M0_NAN"]
