"""A copy of `rtl.fp_add.FPAdder.elaborate` whose stages are methods of `StagedAdder`, so a seeded
adder bug is a subclass overriding one small method. `StagedAdder` itself is the unmodified adder
(the corpus tests prove it equivalent)."""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Value, signed, unsigned

from fpverify.rounding import Mode
from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS
from rtl.common import (FLAG_NV, Pipeline, RoundCtl, by_sign, control_ports, exp_range, named,
                        normalize, signed_width, unpack)
from rtl.fp_add import FPAdder

__all__ = ["StagedAdder"]


class StagedAdder(FPAdder):
    """`rtl.fp_add.FPAdder` with overridable stages (same signals, same names)."""

    def swap(self, v: dict) -> Value:
        """1 when b is the operand of larger magnitude."""
        return v["magb"] > v["maga"]

    def align_sticky(self, small_ext: Value, align_diff: Value, aw: int) -> Value:
        """OR of the bits the alignment shift drops."""
        lost_mask = Cat(*[align_diff > i for i in range(aw)])
        return (small_ext & lost_mask).any()

    def zero_sign(self, ctl: RoundCtl, eff_sub, big_sign) -> Value:
        """Sign of an exact zero sum: like signs keep theirs, otherwise +0 (-0 rounding down)."""
        rdn = ctl.is_mode(Mode.RDN)  # a Python bool for a static mode
        return Mux(eff_sub, Const(int(rdn), 1) if isinstance(rdn, bool) else rdn, big_sign)

    def normalise(self, m: Module, sum_sig: Value) -> tuple[Value, Value]:
        return normalize(m, sum_sig, "norm")

    def special_path(self, m: Module, v: dict) -> dict:
        """The special-result signals between the add and normalise stages."""
        return v

    def elaborate(self, platform):
        m = Module()
        fmt, out = self.fmt, self.out_fmt
        p = fmt.precision
        wo = out.width
        codes = self._codes
        x = self.guard_bits
        aw = p + x
        pipe = Pipeline(m, self.latency, 3)
        ctl_ports = control_ports(self)

        ua = unpack(m, fmt, self.a, stages.unpack_prefix("a"), normalise=False)
        ub = unpack(m, fmt, self.b, stages.unpack_prefix("b"), normalise=False)
        sb_eff = named(m, stages.unpack_prefix("b") + "_sign_eff", ub.sign ^ self.sub, unsigned(1))
        v = pipe.cut(0, dict(sa=ua.sign, sb=sb_eff, siga=ua.sig, sigb=ub.sig, ea=ua.exp, eb=ub.exp,
                             ca=ua.cls, cb=ub.cls, na=ua.snan, nb=ub.snan, maga=ua.mag, magb=ub.mag,
                             fa=ua.field, fb=ub.field, **ctl_ports))
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))

        swap = named(m, "add_swap", self.swap(v), unsigned(1))
        big_sign = named(m, "add_big_sign", Mux(swap, v["sb"], v["sa"]), unsigned(1))
        big_sig = named(m, "add_big_sig", Mux(swap, v["sigb"], v["siga"]), unsigned(p))
        big_exp = named(m, "add_big_exp", Mux(swap, v["eb"], v["ea"]), v["ea"].shape())
        small_sig = named(m, "add_small_sig", Mux(swap, v["siga"], v["sigb"]), unsigned(p))
        small_exp = Mux(swap, v["ea"], v["eb"])
        eff_sub = named(m, "add_eff_sub", v["sa"] ^ v["sb"], unsigned(1))

        kw = aw.bit_length()
        d_raw = big_exp - small_exp
        align_diff = named(m, "align_diff", Mux(d_raw > aw, aw, d_raw[:kw]), unsigned(kw))
        small_ext = Cat(Const(0, x), small_sig)
        align_sig = named(m, "align_sig", small_ext >> align_diff, unsigned(aw))
        align_sticky = named(m, stages.ALIGN_STICKY, self.align_sticky(small_ext, align_diff, aw), unsigned(1))
        jammed = Cat(align_sig[0] | align_sticky, align_sig[1:], Const(0, 1))
        big_ext = Cat(Const(0, x), big_sig, Const(0, 1))
        addend = Mux(eff_sub, ~jammed, jammed)
        sum_sig = named(m, "sum_sig", (big_ext + addend + eff_sub)[:aw + 1], unsigned(aw + 1))
        sum_zero = named(m, "sum_zero", sum_sig == 0, unsigned(1))
        zero_sign = self.zero_sign(ctl, eff_sub, big_sign)

        nan_a, nan_b = v["ca"] == 3, v["cb"] == 3
        inf_a, inf_b = v["ca"] == 2, v["cb"] == 2
        inf_inf = inf_a & inf_b & eff_sub
        to_nan = nan_a | nan_b | inf_inf
        invalid = inf_inf | v["na"] | v["nb"]
        inf_sign = Mux(inf_a, v["sa"], v["sb"])
        special = named(m, "special", to_nan | inf_a | inf_b | sum_zero, unsigned(1))
        special_code = named(m, "special_code",
                             Mux(to_nan, Const(codes.nan, wo),
                                 Mux(inf_a | inf_b, by_sign(inf_sign, codes.inf, wo),
                                     by_sign(zero_sign, codes.zero, wo))),
                             unsigned(wo))
        special_flags = named(m, "special_flags",
                              Mux(to_nan, Mux(invalid, FLAG_NV, 0) | codes.nan_flags, 0), unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(1, dict(sign=big_sign, sum_sig=sum_sig, big_exp=big_exp, special=special,
                             scode=special_code, sflags=special_flags, **{k: v[k] for k in ctl_ports}))
        v = self.special_path(m, v)

        nsig, lz = self.normalise(m, v["sum_sig"])
        norm_sig = named(m, stages.NORM_SIG, nsig, unsigned(aw + 1))
        lo_e, hi_e = exp_range(fmt)
        ew = signed_width(lo_e + 1 - (1 << len(lz)), hi_e + 1)
        norm_exp = named(m, stages.NORM_EXP, v["big_exp"] + 1 - lz, signed(ew))
        v = pipe.cut(2, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))
        self.round_and_pack(m, pipe, v)
        return m
