"""One MX block dot product in the TOSA fp32 order (golden `fpverify.golden.blocks.mx_dot_tosa_rounded`
for one block pair), composed of this package's fp32 operations, RNE:

``acc = +0 + fp32(sA)*fp32(sB) * (((+0 + X_a[0]*X_b[0]) + X_a[1]*X_b[1]) + ...)``

* products: `mul.mul_operands` of the two elements rounded into f32 (one rounding of the exact
  product, which is fp32 mul of the exactly converted elements); an element NaN is quiet (golden
  converts it through a Python NaN: no INVALID). Mixed element formats: `convert.convert` to f32
  first, then `mul.mul` in f32.
* the k sums: `add.add` in f32 from +0, in order.
* the scale product fp32(2^(sA-127)) * fp32(2^(sB-127)): both factors are exact fp32 values, so it
  is ONE rounding of 2^(sA+sB-254) (`round.round_pack` of 1 * 2^e: +0 with UNDERFLOW|INEXACT below
  2^-149, Inf with OVERFLOW|INEXACT above 2^127); an E8M0 NaN makes it the quiet NaN.
* the scale multiply: `mul.mul_operands` in f32 with the exact significand product given as the
  block sum's normalised significand times 2^23 (a finite nonzero scale is a power of two, whose
  normalised significand is 2^23: no 24 x 24 multiplier), then `add.add` onto +0.

Flags: the OR of every operation's flags. Named terms for localisation: ``tosa_prod{i}``,
``tosa_blk{i}``, ``tosa_scale``, ``tosa_scaled``, ``result``. MXINT8 elements (two's complement
code × 2^scale_exp, OCP MX §5.3) are converted to their exact fp32 value by one `round_pack` of
(sign, 9-bit magnitude, LSB exponent) — no rounding happens: |code| ≤ 128 — then multiplied by
`mul.mul` in f32 like mixed float elements.
"""

from __future__ import annotations

import dataclasses

import z3

from ...errors import InputError
from ...formats import FloatFormat, IntFormat, get_format
from ...rounding import Env
from .add import add
from .bv import FALSE, TRUE, any_of, bit, const, ite, zext
from .convert import convert
from .mul import mul, mul_operands
from .pack import choose, nan
from .result import RefResult
from .round import round_pack
from .tapered import exp_width_any, unpack_any
from .unpack import Unpacked, normalise

E8M0_NAN = 0xFF
F32 = get_format("f32")


def mx_dot_tosa(elem_a: FloatFormat, elem_b: FloatFormat, a: z3.BitVecRef, b: z3.BitVecRef,
                scale_a: z3.BitVecRef, scale_b: z3.BitVecRef, k: int, env: Env = Env()) -> RefResult:
    """``a``/``b``: k element codes packed (element i at bits ``[i*w, (i+1)*w)``); 8-bit E8M0 scales;
    the f32 result code and flags."""
    if env != Env():
        raise InputError("the TOSA order is defined in fp32 round-to-nearest-even (tininess after) only")
    for f in (elem_a, elem_b):
        if not isinstance(f, (FloatFormat, IntFormat)):
            raise InputError(f"the symbolic TOSA reference models MX float and integer elements, not {f.name}")
    wa, wb = elem_a.width, elem_b.width
    if a.size() != k * wa or b.size() != k * wb:
        raise ValueError(f"mx_dot_tosa: a, b must be {k} x {wa} and {k} x {wb} bits")
    terms: dict[str, z3.ExprRef] = {}
    flags = []
    defined = []
    acc = const(F32.zero_code(0), F32.width)
    for i in range(k):
        ca, cb = z3.Extract((i + 1) * wa - 1, i * wa, a), z3.Extract((i + 1) * wb - 1, i * wb, b)
        prod = product(elem_a, elem_b, ca, cb, env)
        s = add(F32, acc, prod.code, env)
        acc = s.code
        flags += [prod.flags, s.flags]
        defined += [prod.defined, s.defined]
        terms[f"tosa_prod{i}"], terms[f"tosa_blk{i}"] = prod.code, acc
    back = scale_back_end(acc, scale_a, scale_b, env)
    terms.update(back.terms)
    terms["tosa_sum_flags"] = _or(flags)
    return RefResult(back.code, _or(flags + [back.flags]), z3.And(*defined, back.defined), terms)


def scale_back_end(acc: z3.BitVecRef, scale_a: z3.BitVecRef, scale_b: z3.BitVecRef, env: Env = Env()) -> RefResult:
    """``+0 + acc * (fp32(2^(sA-127)) * fp32(2^(sB-127)))`` for an f32 block sum ``acc``; flags: the OR
    of the scale product's, the scale multiply's and the final add's."""
    plus_zero = const(F32.zero_code(0), F32.width)
    we = exp_width_any(F32) + 2
    e = zext(scale_a, we) + zext(scale_b, we) - const(254, we)
    pow2 = round_pack(F32, FALSE, const(1, 1), e, env)
    scale = choose(any_of(scale_a == E8M0_NAN, scale_b == E8M0_NAN), nan(F32, env), pow2)
    x, s = unpack_any(F32, acc, we), unpack_any(F32, scale.code, we)
    scaled = mul_operands(F32, F32, x, s, env, product=zext(normalise(x).nsig, 2 * F32.precision) << F32.man_bits)
    out = add(F32, plus_zero, scaled.code, env)
    terms = {"tosa_scale": scale.code, "tosa_scaled": scaled.code, "result": out.code}
    return RefResult(out.code, _or([scale.flags, scaled.flags, out.flags]), z3.And(scaled.defined, out.defined), terms)


def _or(flags: list) -> z3.BitVecRef:
    total = flags[0]
    for f in flags[1:]:
        total = total | f
    return total


def _quiet(u: Unpacked) -> Unpacked:
    return dataclasses.replace(u, signaling=FALSE)


def _to_f32(fmt: FloatFormat | IntFormat, code: z3.BitVecRef, env: Env) -> RefResult:
    """The element's exact fp32 value (a float element through `convert`; NaN -> the quiet NaN)."""
    if isinstance(fmt, FloatFormat):
        return convert(fmt, code, F32, env)
    n = fmt.bits
    neg = bit(code, n - 1)
    mag = ite(neg, const(1 << n, n + 1) - zext(code, n + 1), zext(code, n + 1))
    valid = code != const(1 << (n - 1), n) if fmt.symmetric else TRUE
    r = round_pack(F32, neg, mag, const(fmt.scale_exp, exp_width_any(F32) + 2), env)
    return RefResult(r.code, r.flags, valid, {})


def product(elem_a: FloatFormat | IntFormat, elem_b: FloatFormat | IntFormat, ca, cb, env: Env) -> RefResult:
    """fp32(x) * fp32(y), exact for MX elements; NaN elements are quiet."""
    if elem_a == elem_b and isinstance(elem_a, FloatFormat):
        we = exp_width_any(elem_a, F32)
        return mul_operands(elem_a, F32, _quiet(unpack_any(elem_a, ca, we)), _quiet(unpack_any(elem_b, cb, we)), env)
    xa, xb = _to_f32(elem_a, ca, env), _to_f32(elem_b, cb, env)  # exact; NaN -> the quiet fp32 NaN
    r = mul(F32, xa.code, xb.code, env)
    return RefResult(r.code, r.flags, z3.And(r.defined, xa.defined, xb.defined), r.terms)


__all__ = ["mx_dot_tosa", "product", "scale_back_end", "E8M0_NAN"]
