"""FPFMA: a * b + c with ONE rounding (golden `fpverify.golden.fma`), same or mixed formats.

Stages (named signals, `fpverify.semantics.stages`):

* unpack: a, b (format ``fmt``) and c (``addend_fmt``) with normalised significands;
* product: ``product = unpack_a_sig * unpack_b_sig`` (one multiply cell, 2P bits, leading one at
  bit 2P-1 or 2P-2) and ``product_exp``; its top bit has exponent ``product_exp + 1``;
* alignment: the operand with the larger top exponent is ``big``; the other is shifted right by the
  exponent difference ``align_shift`` inside a window of ``T`` bits below the big operand's top,
  everything shifted out is ORed into ONE sticky bit jammed into the window's LSB;
* sum: ``sum`` = |big ± aligned small| (T + 1 bits), ``sum_exp`` the exponent of its top bit;
* normalisation: leading-zero count and shift (`common.normalize`) -> ``norm_sig``/``norm_exp``;
* round: `common.round_pack` (every mode, rm port, stochastic, overflow policies, tininess).

Why a bounded window is exact enough (the adder's argument, for two operands of different widths
``W_big``, ``W_small`` in {2P, P_c}): with ``T = max(2P, P_c, P_out + G + 2) + 2`` (G = fraction
bits the rounder reads), the small operand loses bits only when the exponent difference d >= 3;
then |sum| > 2^(E-2) (the product's top bit may be 0, so big >= 2^(E-1); small < 2^(E-d+1)), so at
most two leading bits cancel and the P_out + G bits the rounder reads sit above the jammed LSB.
The big operand's LSB is never below bit 1, so the jammed bit stands in exactly for "something
nonzero below" in both addition and subtraction.
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.errors import InputError
from fpverify.formats import FloatFormat
from fpverify.rounding import Mode, Rounding, Tininess
from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS, RM_WIDTH

from .common import (
    CLASS_FINITE, CLASS_INF, CLASS_NAN, CLASS_ZERO, FLAG_NV, Pipeline, RoundCtl, as_value, by_sign,
    check_float_format, check_latency, control_ports, exp_range, named, normalize, parse_overflow,
    parse_rounding_spec, parse_tininess, round_pack, signed_width, special_codes, unpack,
)

__all__ = ["FPFMA", "fma_window"]


def fma_window(p: int, p_c: int, p_out: int, frac_bits: int) -> int:
    """T: alignment window bits below (and including) the big operand's top bit.

    ``P_out + G + 1`` bits above the jam would do (module docstring); one more keeps the window
    the width of the bounded reference's frame whenever the output's term dominates (FP4, mixed
    formats such as bf16 x bf16 + f32, stochastic rounding of FP8), so the proof's sum cut-point
    applies to every unit (docs/strategies.md: the sums are then the same number)."""
    return max(2 * p, p_c, p_out + frac_bits + 2) + 2


class FPFMA(wiring.Component):
    """Fused multiply-add ``a * b + c`` rounded once into ``out_fmt``.

    ``fmt``: format of a and b; ``addend_fmt``: format of c (default ``fmt``); ``out_fmt``: result
    format (default ``addend_fmt``). ``rounding``, ``overflow``, ``tininess`` and ``latency`` as
    `rtl.fp_mul.FPMultiplier` (``"port"`` adds the 3-bit ``rm`` input, a stochastic mode the
    ``rbits`` input). An output narrower in exponent range than its operands needs an explicit
    ``overflow`` policy (InputError otherwise).
    """

    op = "fma"

    def __init__(self, fmt: FloatFormat | str, out_fmt: FloatFormat | str | None = None,
                 rounding: Rounding | str = Rounding(Mode.RNE), overflow=None,
                 tininess: Tininess | str = Tininess.AFTER, latency: int = 0,
                 addend_fmt: FloatFormat | str | None = None):
        try:
            self.fmt = check_float_format(fmt)
            self.addend_fmt = check_float_format(addend_fmt if addend_fmt is not None else self.fmt, "addend_fmt")
            self.out_fmt = check_float_format(out_fmt if out_fmt is not None else self.addend_fmt, "out_fmt")
            self.rounding_spec = parse_rounding_spec(rounding)
            self.rounding = "port" if self.rounding_spec.port else self.rounding_spec.rounding
            _check_output_range(self.fmt, self.addend_fmt, self.out_fmt, overflow)
            self.overflow = parse_overflow(overflow, self.out_fmt)
            self.tininess = parse_tininess(tininess)
            self.latency = check_latency(latency)
            specials_in = any(f.has_nan or f.has_inf for f in (self.fmt, self.addend_fmt))
            self._codes = special_codes(self.out_fmt, self.overflow, nan_reachable=specials_in)
        except Exception:
            self._MustUse__silence = True  # never elaborated: no UnusedElaboratable warning
            raise
        members = {"a": In(self.fmt.width), "b": In(self.fmt.width), "c": In(self.addend_fmt.width)}
        if self.rounding_spec.port:
            members["rm"] = In(RM_WIDTH)
        if self.rounding_spec.stochastic:
            members["rbits"] = In(self.rounding_spec.nbits)
        members["result"] = Out(self.out_fmt.width)
        members["flags"] = Out(IEEE_FLAG_BITS)
        super().__init__(members)

    @property
    def window(self) -> int:
        return fma_window(self.fmt.precision, self.addend_fmt.precision, self.out_fmt.precision,
                          self.rounding_spec.frac_bits)

    def align_sticky(self, small_win: Value, shift: Value, t: int) -> Value:
        """OR of the window bits the alignment shift drops (a stage hook: seeded bugs override it)."""
        lost_mask = Cat(*[shift > i for i in range(t)])
        return (small_win & lost_mask).any()

    def normalise(self, m: Module, sum_sig: Value) -> tuple[Value, Value]:
        """Leading-zero count and left shift of the sum (a stage hook: seeded bugs override it)."""
        return normalize(m, sum_sig, "norm")

    def elaborate(self, platform):
        m = Module()
        fmt, cfmt, out = self.fmt, self.addend_fmt, self.out_fmt
        p, pc = fmt.precision, cfmt.precision
        wp = 2 * p
        t = self.window
        wo = out.width
        codes = self._codes
        pipe = Pipeline(m, self.latency, 4)
        ctl_ports = control_ports(self)

        # ---- unpack
        ua = unpack(m, fmt, self.a, stages.unpack_prefix("a"))
        ub = unpack(m, fmt, self.b, stages.unpack_prefix("b"))
        uc = unpack(m, cfmt, self.c, stages.unpack_prefix("c"))
        v = pipe.cut(0, dict(sa=ua.sign, sb=ub.sign, sc=uc.sign, siga=ua.sig, sigb=ub.sig, sigc=uc.sig,
                             ea=ua.exp, eb=ub.exp, ec=uc.exp, ca=ua.cls, cb=ub.cls, cc=uc.cls,
                             na=ua.snan, nb=ub.snan, nc=uc.snan, **ctl_ports))

        # ---- product (exact) and the specials
        psign = named(m, "product_sign", v["sa"] ^ v["sb"], unsigned(1))
        product = named(m, stages.PRODUCT, v["siga"] * v["sigb"], unsigned(wp))
        lo_ab, hi_ab = exp_range(fmt)
        lo_c, hi_c = exp_range(cfmt)
        ew = signed_width(min(2 * lo_ab, lo_c) - 2, max(2 * hi_ab, hi_c) + 3)
        pexp = named(m, stages.PRODUCT_EXP, v["ea"] + v["eb"], signed(ew))
        prod_nz = named(m, "product_nonzero", (v["ca"] == CLASS_FINITE) & (v["cb"] == CLASS_FINITE), unsigned(1))
        nan_a, nan_b, nan_c = v["ca"] == CLASS_NAN, v["cb"] == CLASS_NAN, v["cc"] == CLASS_NAN
        inf_a, inf_b, inf_c = v["ca"] == CLASS_INF, v["cb"] == CLASS_INF, v["cc"] == CLASS_INF
        zero_a, zero_b = v["ca"] == CLASS_ZERO, v["cb"] == CLASS_ZERO
        any_nan = nan_a | nan_b | nan_c
        zero_inf = (inf_a & zero_b) | (zero_a & inf_b)  # invalid even when c is a quiet NaN
        prod_inf = inf_a | inf_b
        inf_minus_inf = prod_inf & inf_c & (v["sc"] != psign) & ~any_nan
        to_nan = zero_inf | any_nan | inf_minus_inf
        invalid = zero_inf | inf_minus_inf | v["na"] | v["nb"] | v["nc"]
        inf_sign = Mux(prod_inf, psign, v["sc"])
        special_nz = named(m, "special", to_nan | prod_inf | inf_c, unsigned(1))
        special_code = named(m, "special_code",
                             Mux(to_nan, Const(codes.nan, wo), by_sign(inf_sign, codes.inf, wo)), unsigned(wo))
        special_flags = named(m, "special_flags",
                              Mux(to_nan, Mux(invalid, FLAG_NV, 0) | codes.nan_flags, 0), unsigned(IEEE_FLAG_BITS))
        v = pipe.cut(1, dict(psign=psign, product=product, pexp=pexp, prod_nz=prod_nz, sc=v["sc"], sigc=v["sigc"],
                             ec=v["ec"], c_nz=v["cc"] == CLASS_FINITE, special=special_nz, scode=special_code,
                             sflags=special_flags, **{k: v[k] for k in ctl_ports}))
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))

        # ---- alignment: both significands MSB-aligned in T bits, the smaller-exponent one shifted
        top_p = v["pexp"] + 1  # exponent of product bit 2P-1
        top_c = v["ec"]
        c_big = named(m, "align_c_big", ~v["prod_nz"] | (v["c_nz"] & (top_c > top_p)), unsigned(1))
        p_win = Cat(Const(0, t - wp), v["product"])
        c_win = Cat(Const(0, t - pc), v["sigc"])
        big_win = named(m, "align_big_sig", Mux(c_big, c_win, p_win), unsigned(t))
        small_win = Mux(c_big, Mux(v["prod_nz"], p_win, 0), Mux(v["c_nz"], c_win, 0))
        big_exp = named(m, "align_big_exp", Mux(c_big, top_c, top_p), signed(ew))
        big_sign = named(m, "align_big_sign", Mux(c_big, v["sc"], v["psign"]), unsigned(1))
        d_raw = Mux(c_big, top_c - top_p, top_p - top_c)
        kw = t.bit_length()
        shift = named(m, stages.ALIGN_SHIFT, Mux(d_raw > t, t, d_raw[:kw]), unsigned(kw))
        aligned = named(m, "align_sig", small_win >> shift, unsigned(t))
        sticky = named(m, stages.ALIGN_STICKY, self.align_sticky(small_win, shift, t), unsigned(1))
        jammed = Cat(aligned[0] | sticky, aligned[1:])
        eff_sub = named(m, "sum_eff_sub", v["psign"] ^ v["sc"], unsigned(1))

        # ---- sum: |big +- small| in T + 1 bits (a subtraction is negative only when d <= 1)
        big_s = Cat(big_win, Const(0, 2)).as_signed()
        small_s = Cat(jammed, Const(0, 2)).as_signed()
        raw = named(m, "sum_raw", Mux(eff_sub, big_s - small_s, big_s + small_s), signed(t + 2))
        negative = named(m, "sum_negative", raw[t + 1], unsigned(1))
        sum_sig = named(m, stages.SUM, Mux(negative, -raw, raw)[:t + 1], unsigned(t + 1))
        sum_exp = named(m, stages.SUM_EXP, big_exp + 1, signed(ew + 1))  # exponent of bit T
        sign = named(m, "sum_sign", big_sign ^ negative, unsigned(1))
        sum_zero = named(m, "sum_zero", sum_sig == 0, unsigned(1))
        # exact zero: like-signed zeros keep their sign, otherwise +0 (-0 when rounding down)
        zero_sign = Mux(eff_sub, as_value(ctl.is_mode(Mode.RDN)), v["psign"])
        special = named(m, "special_any", v["special"] | sum_zero, unsigned(1))
        scode = Mux(v["special"], v["scode"], by_sign(zero_sign, codes.zero, wo))
        sflags = Mux(v["special"], v["sflags"], 0)
        v = pipe.cut(2, dict(sign=sign, sum_sig=sum_sig, sum_exp=sum_exp, special=special, scode=scode,
                             sflags=sflags, **{k: v[k] for k in ctl_ports}))

        # ---- normalisation
        nsig, lz = self.normalise(m, v["sum_sig"])
        norm_sig = named(m, stages.NORM_SIG, nsig, unsigned(t + 1))
        lo_n = min(2 * lo_ab, lo_c) - 2 - (1 << len(lz))
        norm_exp = named(m, stages.NORM_EXP, v["sum_exp"] - lz, signed(signed_width(lo_n, max(2 * hi_ab, hi_c) + 4)))
        v = pipe.cut(3, dict(sign=v["sign"], norm_sig=norm_sig, norm_exp=norm_exp, special=v["special"],
                             scode=v["scode"], sflags=v["sflags"], **{k: v[k] for k in ctl_ports}))

        # ---- round and pack
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))
        code, flags = round_pack(m, out, ctl, self.overflow, self.tininess, v["sign"], v["norm_exp"], v["norm_sig"])
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code),
                               flags=Mux(v["special"], v["sflags"], flags)))
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
        return m


def _check_output_range(fmt: FloatFormat, cfmt: FloatFormat, out: FloatFormat, overflow) -> None:
    """An output whose largest value is below an operand format's needs an explicit policy: what
    an overflow becomes is then a design decision, not a default."""
    if overflow is not None:
        return
    widest = max(fmt.value(fmt.max_code), cfmt.value(cfmt.max_code))
    if out.value(out.max_code) < widest:
        raise InputError(f"FPFMA: output format {out.name} cannot represent the range of its operands "
                         f"({fmt.name} x {fmt.name} + {cfmt.name}); give an overflow policy "
                         "(overflow = ieee, satfinite, satpropagate or nan)")
