"""LMulUnit: L-Mul (Luo & Sun, arXiv 2410.00907), bit-exact with `fpverify.golden.lmul`.

No multiplier: variant B adds the magnitude fields and subtracts ``C``; variant C adds exponent
fields and mantissas separately and truncates; variant A evaluates ``(1 + x_m + y_m + 2^-l) *
2^(x_e + y_e)`` exactly and rounds it once through `round_pack`. The specials policy is
``wrap`` (the paper's raw integer behaviour, variant B only) or ``ieee_like`` (zero/subnormal
inputs flush to +-0, under/overflow by the policy, NaN/Inf as IEEE multiplication).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, signed, unsigned
from amaranth.lib import wiring

from fpverify.formats import FloatFormat, FormatError, Overflow
from fpverify.golden.lmul import (LMulPolicy, LMulSpecials, LMulVariant, lmul_constant, offset_exponent,
                                  overflow_to_special)
from fpverify.rounding import RNE, Mode, Rounding, Tininess
from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS

from .common import (
    control_ports,
    FLAG_NV, FLAG_NX, FLAG_OF, FLAG_UF, Pipeline, RoundCtl, binary_signature, by_sign,
    check_float_format, check_latency, named, parse_rounding_spec, parse_tininess, round_pack,
    signed_width, special_codes, unpack,
)

__all__ = ["LMulUnit"]


class LMulUnit(wiring.Component):
    """L-Mul of two codes of a signed float format under an explicit `LMulPolicy`.

    ``rounding``/``tininess`` only matter for variant A (the others never round).
    """

    op = "lmul"

    def __init__(self, fmt: FloatFormat | str, policy: LMulPolicy = LMulPolicy(), latency: int = 0,
                 rounding: Rounding | str = RNE, tininess: Tininess | str = Tininess.AFTER):
        try:
            self.fmt = self.out_fmt = check_float_format(fmt)
            if not isinstance(policy, LMulPolicy):
                raise FormatError(f"policy must be an LMulPolicy, not {policy!r}")
            self.policy = policy
            self.rounding_spec = parse_rounding_spec(rounding)
            if policy.variant is not LMulVariant.REAL and not (
                    not self.rounding_spec.port and self.rounding_spec.rounding.mode is Mode.RNE):
                raise FormatError(f"rounding applies to L-Mul variant A only (variant {policy.variant.value} "
                                  "never rounds)")
            if policy.specials is LMulSpecials.WRAP and policy.variant is not LMulVariant.BIT_ADD:
                raise FormatError("the 'wrap' specials policy is defined for the bit-add variant only")
            self.rounding = "port" if self.rounding_spec.port else self.rounding_spec.rounding
            self.overflow = policy.overflow
            self.tininess = parse_tininess(tininess)
            self.latency = check_latency(latency)
            self._codes = special_codes(self.fmt, policy.overflow,
                                        nan_reachable=self.fmt.has_nan or self.fmt.has_inf)
        except Exception:
            self._MustUse__silence = True  # never elaborated: no UnusedElaboratable warning
            raise
        super().__init__(binary_signature(self.fmt, self.fmt, self.rounding_spec))

    def elaborate(self, platform):
        m = Module()
        fmt, pol = self.fmt, self.policy
        mb, w = fmt.man_bits, fmt.width
        mask_w = w - 1
        codes = self._codes
        pipe = Pipeline(m, self.latency, 2)
        ctl_ports = control_ports(self)
        sign = named(m, "lmul_sign", self.a[mask_w] ^ self.b[mask_w], unsigned(1))
        const_c = lmul_constant(fmt)

        if pol.specials is LMulSpecials.WRAP:
            r = named(m, "lmul_sum", self.a[:mask_w] + self.b[:mask_w] - const_c,
                      signed(signed_width(-const_c, 2 * fmt.mag_mask)))
            v = pipe.cut(0, dict(result=Cat(r[:mask_w], sign), flags=Const(0, 5)))
            v = pipe.cut(1, v)
            res = pipe.output(v)
            m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
            return m

        # ---- unpack and specials (ieee_like)
        ua = unpack(m, fmt, self.a, stages.unpack_prefix("a"))
        ub = unpack(m, fmt, self.b, stages.unpack_prefix("b"))
        nan_a, nan_b = ua.is_nan, ub.is_nan
        inf_a, inf_b = ua.is_inf, ub.is_inf
        zero_a, zero_b = ua.is_zero, ub.is_zero
        sub_a = ua.is_finite_nonzero & (ua.field == 0)
        sub_b = ub.is_finite_nonzero & (ub.field == 0)
        zero_inf = (inf_a & zero_b) | (zero_a & inf_b)
        to_nan = nan_a | nan_b | zero_inf
        invalid = zero_inf | ua.snan | ub.snan
        flush = zero_a | zero_b | sub_a | sub_b
        special = named(m, "special", to_nan | inf_a | inf_b | flush, unsigned(1))
        flush_flags = Mux((sub_a | sub_b) & ~(zero_a | zero_b), FLAG_NX | FLAG_UF, 0)
        special_code = named(m, "special_code",
                             Mux(to_nan, Const(codes.nan, w),
                                 Mux(inf_a | inf_b, by_sign(sign, codes.inf, w), by_sign(sign, codes.zero, w))),
                             unsigned(w))
        special_flags = named(m, "special_flags",
                              Mux(to_nan, Mux(invalid, FLAG_NV, 0) | codes.nan_flags,
                                  Mux(inf_a | inf_b, 0, flush_flags)), unsigned(IEEE_FLAG_BITS))
        fa, fb = ua.field, ub.field
        ta, tb = ua.trail, ub.trail
        v = pipe.cut(0, dict(sign=sign, fa=fa, fb=fb, ta=ta, tb=tb, maga=ua.mag, magb=ub.mag,
                             special=special, scode=special_code, sflags=special_flags, **ctl_ports))

        l = offset_exponent(mb)
        if pol.variant is LMulVariant.REAL:
            # (1 + mx/2^m + my/2^m + 2^-l) * 2^(ex+ey), scaled by 2^(m+l)
            sw = mb + l + 2
            trail_sum = (v["ta"] + v["tb"]) if mb else Const(0, 1)
            lsum = named(m, "lmul_sum", (1 << (mb + l)) + (1 << mb) + trail_sum.shift_left(l),
                         unsigned(sw))
            top = lsum[sw - 1]
            norm_sig = named(m, stages.NORM_SIG, Mux(top, lsum, Cat(Const(0, 1), lsum[:sw - 1])), unsigned(sw))
            lo = 2 * (1 - fmt.bias)
            hi = 2 * (fmt.exp_mask - fmt.bias) + 1
            norm_exp = named(m, stages.NORM_EXP, v["fa"] + v["fb"] - 2 * fmt.bias + top,
                             signed(signed_width(lo, hi)))
            v = pipe.cut(1, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                                 scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))
            ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))
            code, flags = round_pack(m, fmt, ctl, pol.overflow, self.tininess, v["sign"], v["norm_exp"],
                                     v["norm_sig"])
        else:
            if pol.variant is LMulVariant.BIT_ADD:
                lo, hi = -const_c, 2 * fmt.mag_mask - const_c
                expr = v["maga"] + v["magb"] - const_c
            else:  # normalise and truncate
                big = named(m, "lmul_big", (1 << mb) + v["ta"] + v["tb"] + ((1 << mb) >> l)
                            if mb else Const(1 + 1, 2), unsigned(mb + 2))
                carry = big[mb + 1]
                big_n = Mux(carry, big[1:], big[:mb + 1])
                field = v["fa"] + v["fb"] - fmt.bias + carry
                lo = (-fmt.bias) << mb
                hi = ((2 * fmt.exp_mask - fmt.bias + 1) << mb) + (1 << (mb + 1))
                expr = field.shift_left(mb) + big_n - (1 << mb)
            r = named(m, "lmul_sum", expr, signed(signed_width(lo, hi)))
            v = pipe.cut(1, dict(sign=v["sign"], r=r, special=v["special"], scode=v["scode"],
                                 sflags=v["sflags"]))
            r, s = v["r"], v["sign"]
            under = r < (1 << mb)
            over = r > fmt.max_code
            if not overflow_to_special(fmt, pol.overflow):
                ovf_code = by_sign(s, codes.max_signed, w)
            elif pol.overflow is Overflow.NAN:
                ovf_code = by_sign(s, codes.overflow_nan, w)
            else:
                ovf_code = by_sign(s, (fmt.inf_code(0), fmt.inf_code(1)), w)
            code = named(m, stages.PACK_RESULT,
                         Mux(under, by_sign(s, codes.zero, w),
                             Mux(over, ovf_code, Cat(r[:mask_w], s))), unsigned(w))
            flags = named(m, stages.PACK_FLAGS, Mux(under, FLAG_UF | FLAG_NX, Mux(over, FLAG_OF | FLAG_NX, 0)),
                          unsigned(IEEE_FLAG_BITS))
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code),
                               flags=Mux(v["special"], v["sflags"], flags)))
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
        return m
