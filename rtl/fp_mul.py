"""FPMultiplier: a * b, exact significand product rounded once (golden `fpverify.golden.mul`).

Stages: unpack (normalised significands, so the product of two P-bit significands needs at most
a 1-bit normalisation) -> ``product = unpack_a_sig * unpack_b_sig`` (one multiply cell) ->
normalise -> `round_pack`. Specials (NaN, 0*Inf, Inf, zero) bypass the datapath.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, signed, unsigned

from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS

from .common import BinaryFPUnit, control_ports, FLAG_NV, Pipeline, by_sign, named, signed_width, unpack

__all__ = ["FPMultiplier"]


class FPMultiplier(BinaryFPUnit):
    """IEEE-style multiplier for any signed registry float format (FP4 .. f32 and beyond).

    ``rounding``: a static mode (``"rne"``, `fpverify.rounding.RTZ`, ``"sra8"`` ...) or
    ``"port"`` for a 3-bit ``rm`` input (RNE 0, RTZ 1, RDN 2, RUP 3, RNA 4, RTO 5; 6-7 act as
    RNE). Stochastic modes add an ``rbits`` input of N bits. ``overflow`` defaults to the output
    format's policy; ``latency`` inserts that many register stages (sync domain).
    """

    op = "mul"


    def elaborate(self, platform):
        m = Module()
        fmt, out = self.fmt, self.out_fmt
        p = fmt.precision
        wo = out.width
        codes = self._codes
        pipe = Pipeline(m, self.latency, 3)
        ctl_ports = control_ports(self)

        # ---- unpack
        ua = unpack(m, fmt, self.a, stages.unpack_prefix("a"))
        ub = unpack(m, fmt, self.b, stages.unpack_prefix("b"))
        v = pipe.cut(0, dict(sa=ua.sign, sb=ub.sign, siga=ua.sig, sigb=ub.sig, ea=ua.exp, eb=ub.exp,
                             ca=ua.cls, cb=ub.cls, na=ua.snan, nb=ub.snan, **ctl_ports))

        # ---- operate: exact product and the specials
        sign = named(m, "mul_sign", v["sa"] ^ v["sb"], unsigned(1))
        product = named(m, stages.PRODUCT, v["siga"] * v["sigb"], unsigned(2 * p))
        lo_e, hi_e = 2 * (fmt.emin - fmt.man_bits), 2 * (fmt.exp_mask - fmt.bias)
        pexp = named(m, "product_exp", v["ea"] + v["eb"], signed(signed_width(lo_e, hi_e + 1)))
        nan_a, nan_b = v["ca"] == 3, v["cb"] == 3
        inf_a, inf_b = v["ca"] == 2, v["cb"] == 2
        zero_a, zero_b = v["ca"] == 0, v["cb"] == 0
        zero_inf = (inf_a & zero_b) | (zero_a & inf_b)
        to_nan = nan_a | nan_b | zero_inf
        invalid = zero_inf | v["na"] | v["nb"]
        special = named(m, "special", to_nan | inf_a | inf_b | zero_a | zero_b, unsigned(1))
        special_code = named(m, "special_code",
                             Mux(to_nan, Const(codes.nan, wo),
                                 Mux(inf_a | inf_b, by_sign(sign, codes.inf, wo), by_sign(sign, codes.zero, wo))),
                             unsigned(wo))
        special_flags = named(m, "special_flags",
                              Mux(to_nan, Mux(invalid, FLAG_NV, 0) | codes.nan_flags, 0), unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(1, dict(sign=sign, product=product, pexp=pexp, special=special, scode=special_code,
                             sflags=special_flags, **{k: v[k] for k in ctl_ports}))

        # ---- normalise: the product of two normalised significands is in [2^(2p-2), 2^(2p))
        top = v["product"][2 * p - 1]
        norm_sig = named(m, stages.NORM_SIG, Mux(top, v["product"], Cat(Const(0, 1), v["product"][:2 * p - 1])),
                         unsigned(2 * p))
        norm_exp = named(m, stages.NORM_EXP, v["pexp"] + top, signed(len(v["pexp"]) + 1))
        v = pipe.cut(2, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))

        # ---- round and pack
        self.round_and_pack(m, pipe, v)
        return m
