"""MXDotTOSA: one OCP MX block dot product in the TOSA order (golden `mx_dot_tosa_rounded`).

TOSA MATMUL_T_BLOCK_SCALED, fp32 round-to-nearest-even: every element converted to fp32, the k
products formed in fp32, summed SEQUENTIALLY into a block accumulator that starts at +0, the sum
multiplied by fp32(2^(scale_a-127)) * fp32(2^(scale_b-127)), and added to an accumulator that
starts at +0. Same ports as `rtl.mx_dot.MXDot` (``a``/``b``: k element codes, element i in bits
``[i*w, (i+1)*w)``; ``scale_a``/``scale_b``: E8M0; ``result``: f32; ``flags``).

Stages (named signals):

* ``tosa_a{i}_*``/``tosa_b{i}_*``: each element decoded to sign, normalised significand, exponent
  and class. This IS its exact fp32 value (every MX element value is an fp32 number).
* ``tosa_prod{i}``: the fp32 product code. The product of two MX elements is EXACT in fp32, so no
  rounding hardware: the significands have at most 8 bits each (MXINT8; E4M3 4, E5M2 3, E2M1 2),
  so the product has at most 16 < 24 significant bits, and its magnitude lies in
  [2^-32, 2^32) (E5M2: 2^-16 * 2^-16 .. 57344^2), inside fp32's normal range [2^-126, 2^128).
  Specials as fp32 mul: NaN (canonical 0x7FC00000), Inf*0 -> NaN + INVALID, Inf, signed zeros.
* ``tosa_blk{i}``: the block accumulator after product i. ``tosa_blk0`` = +0 + prod0 (exact: the
  product itself, -0 becomes +0); then k - 1 `rtl.fp_add.FPAdder` f32 RNE instances in sequence
  (submodules ``blk_add{i}``, their own stage names inside).
* ``tosa_scale_exp`` = scale_a + scale_b - 254, ``tosa_scale_nan``, ``tosa_scale_zero`` (e < -149:
  fp32(2^e) rounds to 0), ``tosa_scale_inf`` (e > 127: overflows to Inf), ``tosa_scale`` (the
  fp32 code of the scale product, for localisation).
* ``tosa_scaled``: the block sum times the scale. A power of two moves only the exponent, so this
  is the exponent add and the shared `round_pack` (subnormal results round here, overflow -> Inf);
  no significand multiplier.
* ``result`` = +0 + tosa_scaled (exact: -0 becomes +0).
* ``tosa_prod{i}_flags``, ``tosa_sum_flags`` (products and sums), ``tosa_back_flags`` (scale
  product and scale multiply), ``tosa_flags`` = their OR (the ``flags`` port).

Flags: the OR of the IEEE flags of those fp32 operations (golden `mx_dot_tosa_rounded`): INVALID
from Inf*0 products, Inf - Inf sums and Inf*0 scaling; INEXACT from the sums; the scale product's
OVERFLOW/UNDERFLOW + INEXACT; the scale multiply's. A NaN scale is a quiet fp32 NaN operand.

TOSA defines fp32 RNE only: another output format, rounding mode, overflow policy or tininess is
InputError at elaboration. k: any integer from 1 to 64 (the sum is sequential: no power of two).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.errors import InputError
from fpverify.formats import IntFormat, Overflow, get_format
from fpverify.rounding import Mode, Rounding, Tininess
from fpverify.semantics.ports import IEEE_FLAG_BITS

from .common import (
    CLASS_FINITE, CLASS_INF, CLASS_NAN, CLASS_ZERO, FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF, RoundCtl,
    check_float_format, named, normalize, parse_overflow, parse_rounding_spec, parse_tininess, round_pack,
    signed_width, special_codes, unpack,
)
from .fp_add import FPAdder
from .mx_dot import E8M0_BIAS, E8M0_NAN, mx_element

__all__ = ["MXDotTOSA", "F32_SCALE_MIN_EXP", "F32_SCALE_MAX_EXP"]

F32 = get_format("f32")
F32_SCALE_MIN_EXP = -149  # fp32(2^e) is 0 below (2^-150 ties to even: 0)
F32_SCALE_MAX_EXP = 127  # and Inf above
F32_NEG_ZERO = 1 << 31


class MXDotTOSA(wiring.Component):
    """``k``-element MX block dot product in the TOSA fp32 order; the ports of `rtl.mx_dot.MXDot`.

    Parameters as MXDot; ``out_fmt`` must be f32 and ``rounding`` RNE (what TOSA defines).
    ``accumulation_order`` and ``scale_underflows`` are stage hooks (seeded bugs override them).
    """

    op = "mx_dot_tosa"

    def __init__(self, elem: str, k: int = 32, out_fmt: str = "f32", rounding: Rounding | str = Rounding(Mode.RNE),
                 overflow=None, tininess: Tininess | str = Tininess.AFTER, elem_b: str | None = None,
                 semantics: str = "tosa"):
        try:
            self.elem_a = mx_element(elem, "MXDotTOSA")
            self.elem_b = mx_element(elem_b if elem_b is not None else elem, "MXDotTOSA")
            if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 64:
                raise InputError(f"MXDotTOSA: k must be an integer from 1 to 64, not {k!r}")
            if str(semantics).strip().lower() != "tosa":
                raise InputError(f"MXDotTOSA: semantics must be 'tosa', not {semantics!r}")
            self.k = k
            self.semantics = "tosa"
            self.out_fmt = check_float_format(out_fmt, "out_fmt")
            if self.out_fmt.name != "f32":
                raise InputError(f"MXDot(semantics='tosa'): TOSA accumulates in fp32; out_fmt must be f32, "
                                 f"not {self.out_fmt.name} (use semantics='exact' for bf16)")
            self.rounding_spec = parse_rounding_spec(rounding)
            if self.rounding_spec.port or self.rounding_spec.rounding != Rounding(Mode.RNE):
                raise InputError(f"MXDot(semantics='tosa'): TOSA defines fp32 round-to-nearest-even only, "
                                 f"not rounding {self.rounding_spec}")
            self.rounding = self.rounding_spec.rounding
            self.overflow = parse_overflow(overflow, self.out_fmt)
            if self.overflow is not Overflow.IEEE:
                raise InputError(f"MXDot(semantics='tosa'): fp32 overflows to Inf (IEEE); overflow "
                                 f"{self.overflow.value} is not defined by TOSA")
            self.tininess = parse_tininess(tininess)
            if self.tininess is not Tininess.AFTER:
                raise InputError("MXDot(semantics='tosa'): fp32 detects tininess after rounding; "
                                 f"tininess {self.tininess.value} is not defined by TOSA")
            self._codes = special_codes(self.out_fmt, self.overflow)
        except Exception:
            self._MustUse__silence = True
            raise
        super().__init__({"a": In(k * self.elem_a.width), "b": In(k * self.elem_b.width),
                          "scale_a": In(8), "scale_b": In(8),
                          "result": Out(F32.width), "flags": Out(IEEE_FLAG_BITS)})

    # ---- stage hooks (seeded bugs override them) -----------------------------------------------

    def accumulation_order(self) -> list[int]:
        """The order in which the products enter the block accumulator (TOSA: 0, 1, ..., k-1)."""
        return list(range(self.k))

    def scale_underflows(self, scale_exp: Value) -> Value:
        """1 when fp32(2^scale_exp) rounds to 0."""
        return scale_exp < F32_SCALE_MIN_EXP

    # ---- datapath --------------------------------------------------------------------------------

    def elaborate(self, platform):
        m = Module()
        k = self.k
        wa, wb = self.elem_a.width, self.elem_b.width
        ea = [_decode(m, self.elem_a, self.a[i * wa:(i + 1) * wa], f"tosa_a{i}") for i in range(k)]
        eb = [_decode(m, self.elem_b, self.b[i * wb:(i + 1) * wb], f"tosa_b{i}") for i in range(k)]
        flags = []
        prods = []
        for i in range(k):
            code, nv = _exact_product(m, ea[i], eb[i], f"tosa_prod{i}")
            prods.append(code)
            flags.append(named(m, f"tosa_prod{i}_flags", nv, unsigned(IEEE_FLAG_BITS)))

        # block accumulator: +0 + the first product, then k - 1 fp32 adders in sequence
        order = self.accumulation_order()
        acc = named(m, "tosa_blk0", _plus_zero(prods[order[0]]), unsigned(32))
        for step, i in enumerate(order[1:], start=1):
            adder = FPAdder(F32)
            m.submodules[f"blk_add{step}"] = adder
            m.d.comb += [adder.a.eq(acc), adder.b.eq(prods[i]), adder.sub.eq(0)]
            acc = named(m, f"tosa_blk{step}", adder.result, unsigned(32))
            flags.append(adder.flags)

        sum_flags = named(m, "tosa_sum_flags", _or_all(flags), unsigned(IEEE_FLAG_BITS))
        scaled, sflags = self._scale(m, acc)
        back_flags = named(m, "tosa_back_flags", _or_all(sflags), unsigned(IEEE_FLAG_BITS))
        m.d.comb += [self.result.eq(_plus_zero(scaled)),
                     self.flags.eq(named(m, "tosa_flags", sum_flags | back_flags, unsigned(IEEE_FLAG_BITS)))]
        return m

    def _scale(self, m: Module, acc: Value) -> tuple[Value, list[Value]]:
        """(block sum * fp32(2^(sa-127)) * fp32(2^(sb-127)), the flags of the two products)."""
        codes = self._codes
        e = named(m, "tosa_scale_exp", Cat(self.scale_a + self.scale_b, Const(0, 1)).as_signed() - 2 * E8M0_BIAS,
                  signed(10))
        nan = named(m, "tosa_scale_nan", (self.scale_a == E8M0_NAN) | (self.scale_b == E8M0_NAN), unsigned(1))
        zero = named(m, "tosa_scale_zero", ~nan & self.scale_underflows(e), unsigned(1))
        inf = named(m, "tosa_scale_inf", ~nan & (e > F32_SCALE_MAX_EXP), unsigned(1))
        scale_flags = Mux(zero, FLAG_UF | FLAG_NX, Mux(inf, FLAG_OF | FLAG_NX, 0))
        named(m, "tosa_scale", _scale_code(e, nan, zero, inf, codes.nan), unsigned(32))

        x = unpack(m, F32, acc, "tosa_x")
        x_nan, x_inf, x_zero = x.cls == CLASS_NAN, x.cls == CLASS_INF, x.cls == CLASS_ZERO
        invalid = (x_inf & zero) | (x_zero & inf)
        to_nan = x_nan | nan | invalid
        norm_exp = named(m, "tosa_scaled_exp", x.exp + e, signed(signed_width(-149 - 254, 127 + 254)))
        ctl = RoundCtl(self.rounding_spec)
        code, rflags = round_pack(m, F32, ctl, self.overflow, self.tininess, x.sign, norm_exp, x.sig)
        sign_bit = Cat(Const(0, 31), x.sign)
        scaled = named(m, "tosa_scaled",
                       Mux(to_nan, codes.nan,
                           Mux(x_inf | inf, Const(codes.inf[0], 32) | sign_bit,
                               Mux(x_zero | zero, sign_bit, code))), unsigned(32))
        mul_flags = Mux(to_nan, Mux(invalid | x.snan, FLAG_NV, 0),
                        Mux(x_inf | inf | x_zero | zero, 0, rflags))
        return scaled, [scale_flags, named(m, "tosa_scaled_flags", mul_flags, unsigned(IEEE_FLAG_BITS))]


class _Element:
    """A decoded element: sign, normalised significand (MSB set unless zero/special), floor(log2|x|),
    and its class (CLASS_*)."""

    def __init__(self, sign, sig, exp, cls):
        self.sign, self.sig, self.exp, self.cls = sign, sig, exp, cls


def _decode(m: Module, fmt, code: Value, prefix: str) -> _Element:
    """The element's exact value as fp32 holds it (MXINT8: two's complement code * 2^scale_exp)."""
    if isinstance(fmt, IntFormat):
        n = fmt.bits
        sign = named(m, f"{prefix}_sign", code[n - 1], unsigned(1))
        mag = named(m, f"{prefix}_mag", Mux(sign, -code.as_signed(), code)[:n], unsigned(n))
        sig, lz = normalize(m, mag, f"{prefix}_nrm")
        sig = named(m, f"{prefix}_sig", sig, unsigned(n))
        exp = named(m, f"{prefix}_exp", (n - 1 + fmt.scale_exp) - lz, signed(signed_width(fmt.scale_exp - 1, n)))
        cls = named(m, f"{prefix}_class", Mux(mag == 0, CLASS_ZERO, CLASS_FINITE), unsigned(2))
        return _Element(sign, sig, exp, cls)
    u = unpack(m, fmt, code, prefix)
    return _Element(u.sign, u.sig, u.exp, u.cls)


def _exact_product(m: Module, x: _Element, y: _Element, name: str) -> tuple[Signal, Value]:
    """(fp32 code of x*y, its flags): exact, see the module docstring."""
    pw = len(x.sig) + len(y.sig)
    prod = named(m, f"{name}_sig", x.sig * y.sig, unsigned(pw))
    top = prod[pw - 1]  # the product of normalised significands lies in [2^(pw-2), 2^pw)
    frac = Mux(top, prod[:pw - 1], Cat(Const(0, 1), prod[:pw - 2]))  # bits below the leading one
    field = named(m, f"{name}_field", x.exp + y.exp + top + F32.bias, unsigned(F32.exp_bits))
    sign = x.sign ^ y.sign
    finite = Cat(Const(0, F32.man_bits - (pw - 1)), frac, field, sign)
    nan_in = (x.cls == CLASS_NAN) | (y.cls == CLASS_NAN)
    inf_in = (x.cls == CLASS_INF) | (y.cls == CLASS_INF)
    zero_in = (x.cls == CLASS_ZERO) | (y.cls == CLASS_ZERO)
    invalid = inf_in & zero_in
    sign_bit = Cat(Const(0, 31), sign)
    code = named(m, name, Mux(nan_in | invalid, F32.nan_code(),
                              Mux(inf_in, Const(F32.inf_code(0), 32) | sign_bit,
                                  Mux(zero_in, sign_bit, finite))), unsigned(32))
    return code, Mux(invalid, FLAG_NV, 0)


def _scale_code(e: Value, nan, zero, inf, nan_code: int) -> Value:
    """fp32 code of 2^e (e in [-149, 127]), or the NaN / +0 / +Inf the scale product gives."""
    normal = Cat(Const(0, F32.man_bits), (e + F32.bias)[:F32.exp_bits])
    sub = (Const(1, F32.man_bits) << (e - F32_SCALE_MIN_EXP)[:5])[:F32.man_bits]
    finite = Mux(e >= F32.emin, normal, sub)
    return Mux(nan, nan_code, Mux(inf, F32.inf_code(0), Mux(zero, 0, finite)))


def _plus_zero(code: Value) -> Value:
    """+0 + code in fp32 RNE: the code itself, except -0 + ... = +0 (exact, no flags)."""
    return Mux(code == F32_NEG_ZERO, 0, code)


def _or_all(values: list[Value]) -> Value:
    out = Const(0, IEEE_FLAG_BITS)
    for v in values:
        out = out | v
    return out
