"""One MX block dot product (golden `fpverify.golden.blocks.mx_dot_exact` for one block pair):
``2^(Sa + Sb - 254) * sum_i X_a[i] * X_b[i]``, the sum exact, rounded once into ``out``.

Every element value is ``raw significand * 2^(LSB exponent)``; each product is placed in one exact
fixed-point frame whose LSB is the smallest possible product LSB (element exponent ranges are small,
so the frame is a few dozen bits), the signed terms are summed left to right, and the scale exponent
moves the frame's LSB. Specials (OCP MX): an E8M0 NaN scale (0xFF) or any NaN/Inf element makes the
result NaN; an exact zero sum is +0. Float elements only (MXINT8 is not modelled here).

Stochastic rounding (SR-A/B/C, ``env.rounding``): ``rand`` is the N-bit random-bits term (R); the
exact sum goes to the shared round kernel with it (`round.round_pack`), which reads the leading
bits of the residual from the exact magnitude. Without ``rand`` the kernel takes ``env.random_bits``.
"""

from __future__ import annotations

import z3

from ...formats import FloatFormat, Specials
from ...rounding import Env
from .bv import any_of, const, ite, zext
from .pack import choose, nan
from .result import RefResult, zero_result
from .round import round_pack
from .unpack import exp_width, unpack

E8M0_BIAS, E8M0_NAN = 127, 0xFF


def _lsb_range(fmt: FloatFormat) -> tuple[int, int]:
    """Smallest and largest exponent of a code's raw-significand LSB."""
    top = fmt.exp_mask - (1 if fmt.specials is Specials.IEEE else 0)
    return (1 if fmt.subnormals else 0) - fmt.bias - fmt.man_bits, top - fmt.bias - fmt.man_bits


def mx_dot(elem_a: FloatFormat, elem_b: FloatFormat, a: z3.BitVecRef, b: z3.BitVecRef, scale_a: z3.BitVecRef,
           scale_b: z3.BitVecRef, k: int, out: FloatFormat, env: Env = Env(),
           rand: z3.BitVecRef | None = None) -> RefResult:
    """``a``/``b``: k element codes packed (element i at bits ``[i*w, (i+1)*w)``); 8-bit E8M0 scales;
    ``rand``: the random bits of a stochastic mode (N bits, ``env.rounding.nbits``)."""
    wa, wb = elem_a.width, elem_b.width
    if a.size() != k * wa or b.size() != k * wb:
        raise ValueError(f"mx_dot: a, b must be {k} x {wa} and {k} x {wb} bits")
    we = exp_width(elem_a, elem_b, out) + 12  # room for the scale exponent (-254 .. 254)
    (lo_a, hi_a), (lo_b, hi_b) = _lsb_range(elem_a), _lsb_range(elem_b)
    pw = elem_a.precision + elem_b.precision
    frame = pw + (hi_a - lo_a) + (hi_b - lo_b) + k.bit_length() + 2  # signed, exact for k terms
    total = const(0, frame)
    special = any_of(scale_a == E8M0_NAN, scale_b == E8M0_NAN)
    defined = []
    aligned = {}  # dot_term{i}: product i's magnitude in the frame (for the sum cut, prove.mx_dot_decompose)
    for i in range(k):
        x = unpack(elem_a, z3.Extract((i + 1) * wa - 1, i * wa, a), we)
        y = unpack(elem_b, z3.Extract((i + 1) * wb - 1, i * wb, b), we)
        special = any_of(special, x.is_nan, x.is_inf, y.is_nan, y.is_inf)
        defined += [x.valid, y.valid]
        prod = zext(ite(any_of(x.is_nan, x.is_inf), const(0, x.sig.size()), x.sig), frame) * \
            zext(ite(any_of(y.is_nan, y.is_inf), const(0, y.sig.size()), y.sig), frame)
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


__all__ = ["mx_dot", "E8M0_BIAS", "E8M0_NAN"]
