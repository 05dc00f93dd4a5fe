"""A copy of `rtl.fp_mul.FPMultiplier.elaborate` with the NaN result code and the output stage as
methods of `StagedMultiplier`, so a seeded bug there is a subclass overriding one small method.
`StagedMultiplier` itself is the unmodified multiplier (the corpus tests prove it equivalent)."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Value, signed, unsigned

from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS
from rtl.common import FLAG_NV, Pipeline, by_sign, control_ports, named, signed_width, unpack
from rtl.fp_mul import FPMultiplier

__all__ = ["StagedMultiplier"]


class StagedMultiplier(FPMultiplier):
    """`rtl.fp_mul.FPMultiplier` with overridable stages (same signals, same names)."""

    def nan_code(self, sign: Value) -> Value:
        """The NaN result (the format's default NaN, whatever the operands' signs)."""
        return Const(self._codes.nan, self.out_fmt.width)

    def elaborate(self, platform):
        m = Module()
        fmt, out = self.fmt, self.out_fmt
        p = fmt.precision
        wo = out.width
        codes = self._codes
        pipe = Pipeline(m, self.latency, 3)
        ctl_ports = control_ports(self)

        ua = unpack(m, fmt, self.a, stages.unpack_prefix("a"))
        ub = unpack(m, fmt, self.b, stages.unpack_prefix("b"))
        v = pipe.cut(0, dict(sa=ua.sign, sb=ub.sign, siga=ua.sig, sigb=ub.sig, ea=ua.exp, eb=ub.exp,
                             ca=ua.cls, cb=ub.cls, na=ua.snan, nb=ub.snan, **ctl_ports))

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
                             Mux(to_nan, self.nan_code(sign),
                                 Mux(inf_a | inf_b, by_sign(sign, codes.inf, wo), by_sign(sign, codes.zero, wo))),
                             unsigned(wo))
        special_flags = named(m, "special_flags",
                              Mux(to_nan, Mux(invalid, FLAG_NV, 0) | codes.nan_flags, 0), unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(1, dict(sign=sign, product=product, pexp=pexp, special=special, scode=special_code,
                             sflags=special_flags, **{k: v[k] for k in ctl_ports}))

        top = v["product"][2 * p - 1]
        norm_sig = named(m, stages.NORM_SIG, Mux(top, v["product"], Cat(Const(0, 1), v["product"][:2 * p - 1])),
                         unsigned(2 * p))
        norm_exp = named(m, stages.NORM_EXP, v["pexp"] + top, signed(len(v["pexp"]) + 1))
        v = pipe.cut(2, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))
        self.round_and_pack(m, pipe, v)
        return m
