"""Tapered-format (HiF8) datapath stages: decode, round to the binade's precision, encode.

Hardware shape (docs/formats-hifloat.md):

* `tapered_unpack`: a priority decode of the dot prefix (a ``Switch`` on the magnitude's top
  bits) gives the exponent ``E`` (sign-magnitude with the implicit top magnitude bit put back)
  and a 4-bit normalised significand ``1.mmm`` (missing mantissa bits zero; a denormal
  ``2^(m-23)`` is ``1.000 * 2^(m-23)``). ``exp`` is floor(log2|x|) as in `common.unpack`.
* `tapered_round_pack`: kept bits ``p(E)`` from a precision table of E, the right shift
  ``w - p(E)`` (plus the deficit below the lowest binade), the shared round-away rule
  (`common.RoundCtl`), a carry to ``2^p`` moving to the next binade with mantissa 0, overflow
  against 2^15 and the IEEE tininess rule at the smallest normal binade (P = 2), then a field
  encoder (a ``Switch`` on |E|).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring

from fpverify.formats import FormatError, Overflow, get_format
from fpverify.rounding import Mode, Rounding, Tininess
from fpverify.semantics import overflow as overflow_rules
from fpverify.semantics import stages
from fpverify.semantics.ports import IEEE_FLAG_BITS
from fpverify.tapered import HIF8_DENORMAL_BIAS, TaperedFormat

from .common import (CLASS_FINITE, CLASS_INF, CLASS_NAN, CLASS_ZERO, RoundCtl, Unpacked, binary_signature, by_sign,
                     check_latency, named, parse_overflow, parse_rounding_spec, parse_tininess, special_codes)

__all__ = ["TaperedBinaryUnit", "check_tapered_format", "tapered_unpack", "tapered_round_pack", "SIG_BITS", "EXP_SHAPE"]

SIG_BITS = 4
EXP_SHAPE = signed(7)  # every HiF8 exponent (-22..15) and a product's (-44..30) fits 7 bits


def tapered_unpack(m: Module, fmt: TaperedFormat, code, prefix: str) -> Unpacked:
    """Classify a HiF8 code; sig is 1.mmm (4 bits) for nonzero finite values, exp = floor(log2)."""
    sign = named(m, f"{prefix}_sign", code[7], unsigned(1))
    mag = named(m, f"{prefix}_mag", code[:7], unsigned(7))
    emag = Signal(unsigned(4), name=f"{prefix}_emag")
    eneg = Signal(1, name=f"{prefix}_eneg")
    man = Signal(3, name=f"{prefix}_man")
    denormal = Signal(1, name=f"{prefix}_denormal")
    with m.Switch(mag[3:]):  # the top four bits hold every dot prefix
        with m.Case("11--"):
            m.d.comb += [emag.eq(Cat(mag[1:4], Const(1, 1))), eneg.eq(mag[4]), man.eq(Cat(Const(0, 2), mag[0]))]
        with m.Case("10--"):
            m.d.comb += [emag.eq(Cat(mag[2:4], Const(1, 1))), eneg.eq(mag[4]), man.eq(Cat(Const(0, 1), mag[0:2]))]
        with m.Case("01--"):
            m.d.comb += [emag.eq(Cat(mag[3], Const(1, 1))), eneg.eq(mag[4]), man.eq(mag[0:3])]
        with m.Case("001-"):
            m.d.comb += [emag.eq(1), eneg.eq(mag[3]), man.eq(mag[0:3])]
        with m.Case("0001"):
            m.d.comb += [emag.eq(0), man.eq(mag[0:3])]
        with m.Default():
            m.d.comb += denormal.eq(1)
    emag_s = Cat(emag, Const(0, 1)).as_signed()
    e_norm = Mux(eneg, -emag_s, emag_s)
    exp = named(m, f"{prefix}_exp",
                Mux(denormal, mag[0:3].as_unsigned() - HIF8_DENORMAL_BIAS, e_norm), EXP_SHAPE)
    is_nan = code == fmt.nan_code()
    is_inf = mag == fmt.inf_code(0)
    is_zero = code == fmt.zero_code(0)
    cls = named(m, f"{prefix}_class",
                Mux(is_nan, CLASS_NAN, Mux(is_inf, CLASS_INF, Mux(is_zero, CLASS_ZERO, CLASS_FINITE))), unsigned(2))
    sig = named(m, f"{prefix}_sig", Mux(cls == CLASS_FINITE, Mux(denormal, 0b1000, Cat(man, Const(1, 1))), 0),
                unsigned(SIG_BITS))
    return Unpacked(sign, sig, exp, cls, Const(0, 1), mag, Cat(emag, eneg), man)


def _precision(fmt: TaperedFormat, e) -> Signal:
    """p(e) for e clamped to the binade range (a comparator chain over the precision runs)."""
    runs: list[list[int]] = []
    for b in range(fmt.emin_binade, fmt.emax_binade + 1):
        p = fmt.binade_precision(b)
        if runs and runs[-1][2] == p:
            runs[-1][1] = b
        else:
            runs.append([b, b, p])
    out = Const(runs[-1][2], 3)
    for first, last, p in reversed(runs[:-1]):
        out = Mux(e <= last, p, out)
    return out


def _encode(m: Module, E, man3, prefix: str) -> Signal:
    """7-bit magnitude of 1.man3 * 2^E for E in [-22, 15] (not the Inf place)."""
    neg = E < 0
    a = named(m, f"{prefix}_abs_e", Mux(neg, -E, E), unsigned(5))
    mag = Signal(7, name=f"{prefix}_mag")
    with m.If(E < -15):
        m.d.comb += mag.eq(Cat((E + HIF8_DENORMAL_BIAS)[:3], Const(0, 4)))
    with m.Elif(a == 0):
        m.d.comb += mag.eq(Cat(man3, Const(0b0001, 4)))
    with m.Elif(a == 1):
        m.d.comb += mag.eq(Cat(man3, neg, Const(0b001, 3)))
    with m.Elif(a <= 3):
        m.d.comb += mag.eq(Cat(man3, a[0], neg, Const(0b01, 2)))
    with m.Elif(a <= 7):
        m.d.comb += mag.eq(Cat(man3[1:3], a[0:2], neg, Const(0b10, 2)))
    with m.Else():
        m.d.comb += mag.eq(Cat(man3[2], a[0:3], neg, Const(0b11, 2)))
    return mag


def tapered_round_pack(m: Module, out: TaperedFormat, ctl: RoundCtl, overflow: Overflow, tininess: Tininess,
                       sign, norm_exp, norm_sig) -> tuple[Signal, Signal]:
    """Round ``(-1)^sign * norm_sig * 2^(norm_exp - (len(norm_sig) - 1))`` (norm_sig normalised,
    nonzero) into the tapered ``out``; returns (code, 5 flag bits)."""
    w = len(norm_sig)
    g = ctl.spec.frac_bits
    pmax = out.precision
    lo_b, hi_b = out.emin_binade, out.emax_binade
    ew = 8
    e = named(m, stages.round_stage("in_exp"), norm_exp, signed(ew))
    e_lo = named(m, stages.round_stage("e_lo"), Mux(e < lo_b, lo_b, e), signed(ew))
    eb = Mux(e_lo > hi_b, hi_b, e_lo)
    p = named(m, stages.round_stage("precision"), _precision(out, eb), unsigned(3))
    # bits below the quantum: w - p, plus the deficit below the lowest binade (capped: all sticky)
    deficit = Mux(e < lo_b, lo_b - e, 0)
    fw = w + g
    sh_raw = (w - p) + deficit
    sh = named(m, stages.round_stage("shift"), Mux(sh_raw > fw, fw, sh_raw), unsigned(fw.bit_length() + 1))
    x = Cat(Const(0, g), norm_sig)  # g guard positions below the significand
    shifted = named(m, stages.round_stage("shifted"), x >> sh, unsigned(fw))
    lost = (x & Cat(*[sh > i for i in range(fw)])).any()
    frac = shifted[:g]
    kept = named(m, stages.round_stage("kept"), shifted[g:g + pmax], unsigned(pmax))
    sticky = named(m, stages.ROUND_STICKY, lost, unsigned(1))
    guard = named(m, stages.ROUND_GUARD, frac[-1], unsigned(1))
    # RNE/RTO parity: the code's last bit (m = E + 23 in the one-value denormal binades)
    lsb = Mux(p == 1, (e_lo + HIF8_DENORMAL_BIAS)[0] & kept[0], kept[0])
    up = named(m, stages.ROUND_UP, ctl.away(sign, frac, lost, lsb), unsigned(1))
    rsig = named(m, stages.ROUND_SIG, kept + up, unsigned(pmax + 1))
    carry = rsig == (Const(1, pmax + 1) << p)
    E = named(m, stages.ROUND_EXP, Mux(carry, e_lo + 1, e_lo), signed(ew))
    man3 = named(m, stages.round_stage("man"), Mux(carry, 0, (rsig << (pmax - p)[:3])[:pmax - 1]), unsigned(pmax - 1))
    inexact = named(m, stages.round_stage("inexact"), frac.any() | lost, unsigned(1))
    # tininess: below 2^emin, unless rounding at the smallest normal binade's precision reaches it
    emin = out.emin
    tiny = e < emin
    if tininess is Tininess.AFTER:
        pn = out.binade_precision(emin)
        top = norm_sig[w - pn:]
        rest = Cat(Const(0, g), norm_sig[:w - pn])  # the g bits below P = pn, then sticky
        frac_u = rest[len(rest) - g:]
        sticky_u = rest[:len(rest) - g].any() if len(rest) > g else Const(0, 1)
        up_u = ctl.away(sign, frac_u, sticky_u, Const(1, 1))
        tiny = tiny & ~((e == emin - 1) & top.all() & up_u)
    tiny = named(m, stages.ROUND_TINY, tiny, unsigned(1))
    underflow = tiny & inexact
    _, msig, mexp = out.finite_parts(out.max_code)
    max_e = mexp + msig.bit_length() - 1
    zero_res = rsig == 0
    ovf = named(m, stages.ROUND_OVERFLOW, ~zero_res & ((E > max_e) | ((E == max_e) & (man3 != 0))), unsigned(1))
    codes = special_codes(out, overflow, nan_reachable=False)
    to_max = ctl.rounds_to_max(overflow, sign)
    big = by_sign(sign, tuple(overflow_rules.overflow_code(out, overflow, s, False)[0] for s in (0, 1)), 8)
    ovf_code = Mux(to_max, by_sign(sign, codes.max_signed, 8), big)
    mag = _encode(m, E, man3, stages.round_stage("enc"))
    normal_code = Mux(zero_res, out.zero_code(0), Cat(mag, sign))
    result = named(m, stages.PACK_RESULT, Mux(ovf, ovf_code, normal_code), unsigned(8))
    flags = named(m, stages.PACK_FLAGS, Cat(inexact | ovf, underflow & ~ovf, ovf, Const(0, 2)),
                  unsigned(IEEE_FLAG_BITS))
    return result, flags


def check_tapered_format(fmt, role: str = "format") -> TaperedFormat:
    fmt = get_format(fmt)
    if not isinstance(fmt, TaperedFormat):
        raise FormatError(f"the HiF8 generators need a tapered format (hif8, hif8_sat); {role} {fmt.name} is not one")
    return fmt


class TaperedBinaryUnit(wiring.Component):
    """The parameters and ports every two-operand HiF8 unit shares: ``fmt`` (hif8, hif8_sat),
    ``rounding`` a static mode (``"rne"``, ``"sra4"`` ...) or ``"port"`` (3-bit ``rm``), ``overflow``
    (default: the format's: hif8 Inf, hif8_sat saturate), ``tininess``, ``latency``."""

    def __init__(self, fmt: TaperedFormat | str = "hif8", rounding: Rounding | str = Rounding(Mode.RNE),
                 overflow=None, tininess: Tininess | str = Tininess.AFTER, latency: int = 0):
        try:
            self.fmt = self.out_fmt = check_tapered_format(fmt)
            self.rounding_spec = parse_rounding_spec(rounding)
            self.rounding = "port" if self.rounding_spec.port else self.rounding_spec.rounding
            self.overflow = parse_overflow(overflow, self.fmt)
            self.tininess = parse_tininess(tininess)
            self.latency = check_latency(latency)
            self._codes = special_codes(self.fmt, self.overflow)
        except Exception:
            self._MustUse__silence = True
            raise
        super().__init__(binary_signature(self.fmt, self.fmt, self.rounding_spec))
