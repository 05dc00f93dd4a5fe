"""HiF8Adder: a + b for the tapered HiF8 format (golden `fpverify.golden.add` on ``hif8``).

Stages: tapered decode (`rtl.tapered.tapered_unpack`) -> order by magnitude -> exact alignment
(the frame holds the largest exponent difference, 37 bits, so nothing is shifted out) -> add or
subtract -> normalise (leading-zero count) -> `rtl.tapered.tapered_round_pack`. Specials and an
exact zero sum (+0: HiF8 has one zero) bypass the datapath.
"""

from __future__ import annotations

from amaranth.hdl import Const, Module, Mux, signed, unsigned

from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS
from fpverify.tapered import TaperedFormat

from .common import FLAG_NV, Pipeline, RoundCtl, by_sign, control_ports, named, normalize
from .tapered import SIG_BITS, TaperedBinaryUnit, tapered_round_pack, tapered_unpack

__all__ = ["HiF8Adder"]


def _max_shift(fmt: TaperedFormat) -> int:
    """The largest difference of floor(log2) between two nonzero finite values."""
    return fmt.emax_binade - fmt.emin_binade


class HiF8Adder(TaperedBinaryUnit):
    """HiF8 + HiF8 -> HiF8; ``rounding``/``overflow``/``tininess``/``latency`` as `HiF8Multiplier`."""

    op = "add"

    def elaborate(self, platform):
        m = Module()
        fmt, codes = self.fmt, self._codes
        pipe = Pipeline(m, self.latency, 2)
        ctl_ports = control_ports(self)
        ua = tapered_unpack(m, fmt, self.a, stages.unpack_prefix("a"))
        ub = tapered_unpack(m, fmt, self.b, stages.unpack_prefix("b"))
        k = _max_shift(fmt)
        w = SIG_BITS + k + 1  # carry bit on top
        # order by magnitude: zero operands have sig 0 and lose every comparison they should
        a_big = named(m, "add_a_big", (ua.sig != 0) & ((ub.sig == 0) | (ua.exp > ub.exp)
                                                       | ((ua.exp == ub.exp) & (ua.sig >= ub.sig))), unsigned(1))
        big_sig, sml_sig = Mux(a_big, ua.sig, ub.sig), Mux(a_big, ub.sig, ua.sig)
        big_exp, sml_exp = Mux(a_big, ua.exp, ub.exp), Mux(a_big, ub.exp, ua.exp)
        big_sign, sml_sign = Mux(a_big, ua.sign, ub.sign), Mux(a_big, ub.sign, ua.sign)
        d = named(m, stages.ALIGN_SHIFT, Mux(sml_sig == 0, k, big_exp - sml_exp), unsigned(6))
        big_f = named(m, "add_big_frame", big_sig.shift_left(k), unsigned(w))
        sml_f = named(m, "add_small_frame", sml_sig.shift_left(k) >> d, unsigned(w))
        eff_sub = named(m, "add_effective_sub", big_sign ^ sml_sign, unsigned(1))
        total = named(m, stages.SUM, Mux(eff_sub, big_f - sml_f, big_f + sml_f), unsigned(w))
        nan_a, nan_b, inf_a, inf_b = ua.is_nan, ub.is_nan, ua.is_inf, ub.is_inf
        inf_inf = inf_a & inf_b & (ua.sign != ub.sign)
        to_nan = nan_a | nan_b | inf_inf
        inf_sign = Mux(inf_a, ua.sign, ub.sign)
        special = named(m, "special", to_nan | inf_a | inf_b | (total == 0), unsigned(1))
        scode = named(m, "special_code", Mux(to_nan, Const(codes.nan, 8),
                                             Mux(inf_a | inf_b, by_sign(inf_sign, codes.inf, 8),
                                                 Const(codes.zero[0], 8))), unsigned(8))
        sflags = named(m, "special_flags", Mux(to_nan, Mux(inf_inf, FLAG_NV, 0) | codes.nan_flags, 0),
                       unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(0, dict(sign=big_sign, total=total, big_exp=big_exp, special=special, scode=scode,
                             sflags=sflags, **ctl_ports))
        norm, lz = normalize(m, v["total"], "add_nrm")
        norm_sig = named(m, stages.NORM_SIG, norm, unsigned(w))
        norm_exp = named(m, stages.NORM_EXP, v["big_exp"] + 1 - lz, signed(8))
        v = pipe.cut(1, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k2: v[k2] for k2 in ctl_ports}))
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))
        code, flags = tapered_round_pack(m, fmt, ctl, self.overflow, self.tininess, v["sign"], v["norm_exp"],
                                         v["norm_sig"])
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code), flags=Mux(v["special"], v["sflags"], flags)))
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
        return m
