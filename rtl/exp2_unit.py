"""Exp2Unit: 2^a by table + linear interpolation, rounded once (golden `fpverify.golden.elementary.exp2`).

Stages: unpack -> ``exp2_fixed`` (|a| as a fixed-point number with F fraction bits; |a| at or
beyond 2^E, where 2^a surely overflows or underflows, is clamped) -> ``exp2_int`` k = floor(a) and
``exp2_frac`` f = a - k in [0, 1) -> ``exp2_index`` (the top S bits of f) selects a segment of a
table of 2^(j / 2^S) (``exp2_base``, W fraction bits) and its slope (``exp2_slope``) ->
``exp2_interp`` = base + slope * (the low bits of f), a significand in [1, 2) -> `round_pack` of
2^k * interp, with a sticky bit whenever f != 0 (2^f is then irrational). NaN gives the NaN
code, +inf +inf, -inf +0; zero is 1 exactly through the datapath.

Defaults (``frac_bits``, ``segments``, ``table_bits`` = None): formats of at most 8 bits keep
every fraction bit of a (F = m - emin: no operand bit is lost) with 64 segments of 22-bit
entries, which makes them correctly rounded (proved exhaustively: specs/e4m3fn_exp2.spec and
tests/test_rtl_exp2.py); wider formats truncate a to F = 20 fraction bits with 32 segments of
18-bit entries (bf16: within 0.513 ulp, specs/bf16_exp2.spec; measured worst 0.5122 ulp at
a = 0x3f75). ``fault_entry = j`` adds 2^-3 to table entry j (a seeded bug for the tests).
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
from amaranth.hdl import Const, Module, Mux, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.formats import FloatFormat
from fpverify.rounding import Mode, Rounding, Tininess
from fpverify.semantics.ports import IEEE_FLAG_BITS

from .common import (FLAG_NV, Pipeline, RoundCtl, check_float_format, check_latency, named,
                     parse_overflow, parse_rounding_spec, parse_tininess, round_pack, signed_width,
                     special_codes, unpack)

__all__ = ["Exp2Unit", "exp2_table"]


def exp2_table(segments: int, table_bits: int) -> list[int]:
    """round(2^(j / 2^S) * 2^W) for j = 0 .. 2^S (the last entry is 2^(W+1) exactly)."""
    n = 1 << segments
    with mpmath.mp.workprec(table_bits + 64):
        return [int(mpmath.nint(mpmath.ldexp(mpmath.power(2, mpmath.mpf(j) / n), table_bits)))
                for j in range(n + 1)]


def _select(index, values: list[int], width: int):
    """values[index] as a balanced mux tree over the bits of ``index``."""
    level = [Const(v, width) for v in values]
    for bit in range(len(index)):
        level = [Mux(index[bit], level[i + 1], level[i]) if i + 1 < len(level) else level[i]
                 for i in range(0, len(level), 2)]
    return level[0]


class Exp2Unit(wiring.Component):
    """2^a for a signed registry float format (FP4 .. bf16); ports ``a``, ``result``, ``flags``
    (and ``clk``/``rst`` with ``latency``). ``rounding``: a static deterministic mode (the
    correctly rounded claim is for rne); ``overflow``: the output format's policy by default."""

    def __init__(self, fmt: FloatFormat | str, out_fmt: FloatFormat | str | None = None,
                 rounding: Rounding | str = Rounding(Mode.RNE), overflow=None,
                 tininess: Tininess | str = Tininess.AFTER, latency: int = 0,
                 frac_bits: int | None = None, segments: int | None = None, table_bits: int | None = None,
                 fault_entry: int | None = None):
        try:
            self.fmt = check_float_format(fmt)
            self.out_fmt = check_float_format(out_fmt if out_fmt is not None else self.fmt, "out_fmt")
            self.rounding_spec = parse_rounding_spec(rounding)
            if self.rounding_spec.port or self.rounding_spec.stochastic:
                raise ValueError("Exp2Unit takes a static deterministic rounding mode")
            self.overflow = parse_overflow(overflow, self.out_fmt)
            self.tininess = parse_tininess(tininess)
            self.latency = check_latency(latency)
            small = self.fmt.width <= 8
            exact_f = self.fmt.man_bits - self.fmt.emin  # fraction bits of the smallest subnormal
            self.frac_bits = frac_bits if frac_bits is not None else (exact_f if small else min(exact_f, 20))
            self.segments = segments if segments is not None else min(self.frac_bits, 6 if small else 5)
            self.table_bits = table_bits if table_bits is not None else (22 if small else 18)
            if not 1 <= self.segments <= self.frac_bits or self.table_bits < 2:
                raise ValueError("Exp2Unit needs 1 <= segments <= frac_bits and table_bits >= 2")
            self.table = exp2_table(self.segments, self.table_bits)
            if fault_entry is not None:  # a seeded bug: one entry off by 2^-3
                if not 0 <= fault_entry < len(self.table) - 1:
                    raise ValueError(f"fault_entry must be in 0..{len(self.table) - 2}")
                self.table[fault_entry] += 1 << max(0, self.table_bits - 3)
            self._codes = special_codes(self.out_fmt, self.overflow, nan_reachable=self.fmt.has_nan)
        except Exception:
            self._MustUse__silence = True
            raise
        super().__init__({"a": In(self.fmt.width), "result": Out(self.out_fmt.width),
                          "flags": Out(IEEE_FLAG_BITS)})

    def clamp_exponent(self) -> int:
        """E: for |a| >= 2^E, 2^a overflows (a > 0) or rounds below half the smallest subnormal."""
        out = self.out_fmt
        m = Fraction(out.max_value)
        emax = m.numerator.bit_length() - m.denominator.bit_length()
        limit = max(emax + 2, out.man_bits - out.emin + 3)
        return limit.bit_length()

    def elaborate(self, platform):
        m = Module()
        fmt, out = self.fmt, self.out_fmt
        p, F, S, W = fmt.precision, self.frac_bits, self.segments, self.table_bits
        wo = out.width
        codes = self._codes
        E = self.clamp_exponent()
        pipe = Pipeline(m, self.latency, 3)

        # ---- unpack and specials
        ua = unpack(m, fmt, self.a, "unpack_a")
        is_nan, is_inf = ua.cls == 3, ua.cls == 2
        special = named(m, "special", is_nan | is_inf, unsigned(1))
        scode = named(m, "special_code", Mux(is_nan, Const(codes.nan, wo),
                                             Mux(ua.sign, Const(codes.zero[0], wo), Const(codes.inf[0], wo))),
                      unsigned(wo))
        sflags = named(m, "special_flags", Mux(is_nan, Mux(ua.snan, FLAG_NV, 0) | codes.nan_flags, 0),
                       unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(0, dict(sign=ua.sign, sig=ua.sig, exp=ua.exp, finite=ua.is_finite_nonzero, special=special,
                             scode=scode, sflags=sflags))

        # ---- |a| in fixed point (F fraction bits), clamped at 2^E; a = k + f
        xw = E + F
        t = v["exp"] - (p - 1) + F  # |a| * 2^F = sig * 2^t
        tw = signed_width(-(p + 2 * F + 2 ** E), xw + 2)
        t = named(m, "exp2_shift", t, signed(tw))
        big = v["finite"] & (v["exp"] >= E)  # a zero's exponent is don't-care
        up = Mux(t > 0, t, 0)[:max(1, xw.bit_length())]
        down = Mux(t < 0, -t, 0)[:max(1, (p + 1).bit_length())]
        left = (v["sig"] << up)[:xw]
        right = v["sig"] >> down
        fixed = named(m, "exp2_fixed", Mux(big, Const((1 << xw) - 1, xw), Mux(t >= 0, left, right)),
                      unsigned(xw))
        lost = named(m, "exp2_lost", (t < 0) & ((right << down)[:p] != v["sig"]), unsigned(1))
        a_fix = named(m, "exp2_a", Mux(v["sign"], -fixed, fixed), signed(xw + 1))
        k = named(m, "exp2_int", a_fix[F:].as_signed(), signed(E + 1))
        f = named(m, "exp2_frac", a_fix[:F], unsigned(F))
        v = pipe.cut(1, dict(k=k, f=f, lost=lost, special=v["special"], scode=v["scode"], sflags=v["sflags"]))

        # ---- table + linear interpolation: 2^f ~ T[i] + (T[i+1] - T[i]) * r / 2^(F-S)
        i = named(m, "exp2_index", v["f"][F - S:], unsigned(S))
        rb = F - S
        r = v["f"][:rb] if rb else Const(0, 1)
        slopes = [self.table[j + 1] - self.table[j] for j in range(1 << S)]
        sw = max(max(slopes).bit_length(), 1)
        base = named(m, "exp2_base", _select(i, self.table[:-1], W + 2), unsigned(W + 2))
        slope = named(m, "exp2_slope", _select(i, slopes, sw), unsigned(sw))
        iw = W + 1 + rb
        interp = named(m, "exp2_interp", (base << rb) + slope * r, unsigned(iw + 1))
        sticky = named(m, "exp2_sticky", (v["f"] != 0) | v["lost"], unsigned(1))
        v = pipe.cut(2, dict(k=v["k"], interp=interp[:iw], sticky=sticky, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"]))

        # ---- round and pack 2^k * interp (interp in [2^(iw-1), 2^iw): normalised)
        ctl = RoundCtl(self.rounding_spec)
        code, flags = round_pack(m, out, ctl, self.overflow, self.tininess, Const(0, 1), v["k"], v["interp"],
                                 v["sticky"])
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code),
                               flags=Mux(v["special"], v["sflags"], flags)))
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
        return m
