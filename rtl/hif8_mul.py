"""HiF8Multiplier: a * b for the tapered HiF8 format (golden `fpverify.golden.mul` on ``hif8``).

Stages: tapered decode (`rtl.tapered.tapered_unpack`, 4-bit normalised significands) ->
``product = unpack_a_sig * unpack_b_sig`` (one 4x4 multiply cell) -> 1-bit normalise ->
`rtl.tapered.tapered_round_pack` (round to the precision of the result's binade, encode).
Specials (NaN, 0*Inf, Inf, zero) bypass the datapath.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, signed, unsigned

from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS

from .common import FLAG_NV, Pipeline, RoundCtl, by_sign, control_ports, named
from .tapered import SIG_BITS, TaperedBinaryUnit, tapered_round_pack, tapered_unpack

__all__ = ["HiF8Multiplier"]


class HiF8Multiplier(TaperedBinaryUnit):
    """HiF8 x HiF8 -> HiF8. ``rounding``: a static mode (``"rne"``, ``"sra4"`` ...) or ``"port"``
    (3-bit ``rm``); ``overflow`` defaults to the format's (hif8: Inf, hif8_sat: saturate)."""

    op = "mul"

    def elaborate(self, platform):
        m = Module()
        fmt, codes = self.fmt, self._codes
        pipe = Pipeline(m, self.latency, 2)
        ctl_ports = control_ports(self)
        ua = tapered_unpack(m, fmt, self.a, stages.unpack_prefix("a"))
        ub = tapered_unpack(m, fmt, self.b, stages.unpack_prefix("b"))
        sign = named(m, "mul_sign", ua.sign ^ ub.sign, unsigned(1))
        product = named(m, stages.PRODUCT, ua.sig * ub.sig, unsigned(2 * SIG_BITS))
        pexp = named(m, "product_exp", ua.exp + ub.exp, signed(8))
        nan_a, nan_b = ua.is_nan, ub.is_nan
        inf_a, inf_b = ua.is_inf, ub.is_inf
        zero_a, zero_b = ua.is_zero, ub.is_zero
        zero_inf = (inf_a & zero_b) | (zero_a & inf_b)
        to_nan = nan_a | nan_b | zero_inf
        special = named(m, "special", to_nan | inf_a | inf_b | zero_a | zero_b, unsigned(1))
        scode = named(m, "special_code",
                      Mux(to_nan, Const(codes.nan, 8),
                          Mux(inf_a | inf_b, by_sign(sign, codes.inf, 8), by_sign(sign, codes.zero, 8))), unsigned(8))
        sflags = named(m, "special_flags", Mux(to_nan, Mux(zero_inf, FLAG_NV, 0) | codes.nan_flags, 0),
                       unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(0, dict(sign=sign, product=product, pexp=pexp, special=special, scode=scode, sflags=sflags,
                             **ctl_ports))
        top = v["product"][2 * SIG_BITS - 1]
        norm_sig = named(m, stages.NORM_SIG, Mux(top, v["product"], Cat(Const(0, 1), v["product"][:-1])),
                         unsigned(2 * SIG_BITS))
        norm_exp = named(m, stages.NORM_EXP, v["pexp"] + top, signed(8))
        v = pipe.cut(1, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))
        code, flags = tapered_round_pack(m, fmt, ctl, self.overflow, self.tininess, v["sign"], v["norm_exp"],
                                         v["norm_sig"])
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code), flags=Mux(v["special"], v["sflags"], flags)))
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
        return m
