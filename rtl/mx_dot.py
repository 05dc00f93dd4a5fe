"""MXDot: one OCP MX block dot product, exact sum rounded once (golden `mx_dot_exact`).

``result = round( 2^(scale_a + scale_b - 254) * sum_i X_a[i] * X_b[i] )`` into ``out_fmt`` (f32 or
bf16), for ``k`` elements of an MX element format (E4M3, E5M2, E2M3, E3M2, E2M1, MXINT8; a and b
may differ) and two E8M0 scales.

Stages (named signals): per element ``elem_{a,b}{i}_sig/lsb`` (raw significand and the exponent
of its LSB; MXINT8: |code| at 2^-6), ``dot_prod{i}`` (one ``*`` cell per element pair), the
products aligned on the smallest possible LSB exponent (a bounded shift: element exponent ranges
are small, so the fixed-point sum is EXACT), ``dot_sum`` (a balanced adder tree: k must be a power
of two), ``dot_sum_mag``/``dot_sign``, ``dot_scale_exp`` = scale_a + scale_b - 254, then
``norm_sig``/``norm_exp`` and the shared `round_pack`. Stochastic rounding needs no extra
datapath: the sum is exact, so the N (SR-A) or N + 1 (SR-B/C) bits of the residual that the SR
comparison reads are the sum's own bits (zero-padded by `round_pack` when the sum is narrower).

Specials (OCP MX v1.0 §6 and golden): a NaN scale (0xFF) or any NaN or Inf element makes the
result NaN; an exact zero sum is +0 (the golden sum is a rational: no signed zero).
"""

from __future__ import annotations

from amaranth.hdl import Cat, Const, Module, Mux, Value, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.errors import InputError
from fpverify.formats import FloatFormat, IntFormat, get_format
from fpverify.rounding import Mode, Rounding, Tininess
from fpverify.semantics.ports import IEEE_FLAG_BITS, RM_WIDTH

from .common import (
    CLASS_INF, CLASS_NAN, RoundCtl, check_float_format, exp_range, named, normalize, parse_overflow,
    parse_rounding_spec, parse_tininess, round_pack, signed_width, special_codes, unpack,
)

__all__ = ["MXDot", "MX_ELEMENTS", "E8M0_NAN", "E8M0_BIAS", "mx_element"]

MX_ELEMENTS = ("e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn", "mxint8")
E8M0_NAN = 0xFF
E8M0_BIAS = 127


class MXDot(wiring.Component):
    """``k``-element MX block dot product; ports ``a``/``b`` (k element codes, element i in bits
    ``[i*w, (i+1)*w)``), ``scale_a``/``scale_b`` (E8M0), ``[rm]``, ``[rbits]``, ``result``, ``flags``.

    ``semantics``: "exact" (the exact sum rounded once, golden `mx_dot_exact`); the TOSA order is
    not generated (InputError). ``rounding``/``overflow``/``tininess`` as the other units:
    ``"port"`` adds the 3-bit ``rm`` input (the six deterministic modes), a stochastic mode
    (``sraN``, ``srbN``, ``srcN``) the N-bit ``rbits`` input (R of golden ``Env.random_bits``).
    """

    op = "mx_dot"

    def __new__(cls, *args, **kwargs):
        """``semantics="tosa"`` builds `rtl.mx_dot_tosa.MXDotTOSA` (same ports, the TOSA fp32 order)."""
        semantics = kwargs.get("semantics", args[7] if len(args) > 7 else "exact")
        if cls is MXDot and isinstance(semantics, str) and semantics.strip().lower() == "tosa":
            from .mx_dot_tosa import MXDotTOSA
            return MXDotTOSA(*args, **kwargs)
        return super().__new__(cls, *args, src_loc_at=1, **kwargs)

    def __init__(self, elem: str, k: int = 32, out_fmt: str = "f32", rounding: Rounding | str = Rounding(Mode.RNE),
                 overflow=None, tininess: Tininess | str = Tininess.AFTER, elem_b: str | None = None,
                 semantics: str = "exact"):
        try:
            self.elem_a = mx_element(elem)
            self.elem_b = mx_element(elem_b if elem_b is not None else elem)
            if not isinstance(k, int) or isinstance(k, bool) or k < 1 or k & (k - 1) or k > 64:
                raise InputError(f"MXDot: k must be a power of two from 1 to 64 (a balanced adder tree), not {k!r}")
            if semantics != "exact":
                raise InputError(f"MXDot: unknown semantics {semantics!r} (use 'exact': the exact sum rounded once, "
                                 "golden mx_dot_exact; or 'tosa': the TOSA fp32 order, golden mx_dot_tosa)")
            self.k = k
            self.out_fmt = check_float_format(out_fmt, "out_fmt")
            if self.out_fmt.name not in ("f32", "bf16"):
                raise InputError(f"MXDot: out_fmt must be f32 or bf16 (the E8M0 scale range), not {self.out_fmt.name}")
            self.rounding_spec = parse_rounding_spec(rounding)
            self.rounding = "port" if self.rounding_spec.port else self.rounding_spec.rounding
            self.overflow = parse_overflow(overflow, self.out_fmt)
            self.tininess = parse_tininess(tininess)
            self._codes = special_codes(self.out_fmt, self.overflow)
        except Exception:
            self._MustUse__silence = True
            raise
        members = {"a": In(k * self.elem_a.width), "b": In(k * self.elem_b.width),
                   "scale_a": In(8), "scale_b": In(8)}
        if self.rounding_spec.port:
            members["rm"] = In(RM_WIDTH)
        if self.rounding_spec.stochastic:
            members["rbits"] = In(self.rounding_spec.nbits)
        members["result"] = Out(self.out_fmt.width)
        members["flags"] = Out(IEEE_FLAG_BITS)
        super().__init__(members)

    # ---- stage hooks (seeded bugs override them) -----------------------------------------------

    def scale_exponent(self, scale_a: Value, scale_b: Value) -> Value:
        """Exponent of the block scale product: (scale_a - 127) + (scale_b - 127)."""
        return Cat(scale_a + scale_b, Const(0, 1)).as_signed() - 2 * E8M0_BIAS

    def nan_scale(self, scale_a: Value, scale_b: Value) -> Value:
        """1 when a scale is the E8M0 NaN."""
        return (scale_a == E8M0_NAN) | (scale_b == E8M0_NAN)

    def random_bits(self) -> Value | None:
        """The N random bits the stochastic rounder compares with the residual (``rbits``)."""
        return getattr(self, "rbits", None)

    def element(self, m: Module, fmt, code: Value, prefix: str) -> "_Element":
        """One element code decoded: sign, raw significand, LSB exponent, NaN/Inf."""
        return _decode(m, fmt, code, prefix)

    def elaborate(self, platform):
        m = Module()
        k, out = self.k, self.out_fmt
        wo = out.width
        ea = [self.element(m, self.elem_a, self.a[i * self.elem_a.width:(i + 1) * self.elem_a.width], f"elem_a{i}")
              for i in range(k)]
        eb = [self.element(m, self.elem_b, self.b[i * self.elem_b.width:(i + 1) * self.elem_b.width], f"elem_b{i}")
              for i in range(k)]
        lo = ea[0].lsb_lo + eb[0].lsb_lo
        hi = ea[0].lsb_hi + eb[0].lsb_hi
        pw = len(ea[0].sig) + len(eb[0].sig)
        tw = pw + hi - lo  # an aligned product
        sw = tw + (k - 1).bit_length() + 1  # the signed sum of k of them
        terms = []
        for i in range(k):
            prod = named(m, f"dot_prod{i}", ea[i].sig * eb[i].sig, unsigned(pw))
            shift = named(m, f"dot_shift{i}", ea[i].lsb + eb[i].lsb - lo, unsigned(max((hi - lo).bit_length(), 1)))
            aligned = Cat(prod, Const(0, tw - pw)) << shift
            mag = named(m, f"dot_term{i}", aligned[:tw], unsigned(tw))
            neg = ea[i].sign ^ eb[i].sign
            terms.append(Mux(neg, -Cat(mag, Const(0, sw - tw)).as_signed(), Cat(mag, Const(0, sw - tw)).as_signed()))
        while len(terms) > 1:  # balanced adder tree
            terms = [terms[j] + terms[j + 1] for j in range(0, len(terms), 2)]
        total = named(m, "dot_sum", terms[0], signed(sw))
        sign = named(m, "dot_sign", total[sw - 1], unsigned(1))
        mag = named(m, "dot_sum_mag", Mux(sign, -total, total)[:sw - 1], unsigned(sw - 1))
        scale_exp = named(m, "dot_scale_exp", self.scale_exponent(self.scale_a, self.scale_b), signed(11))
        nsig, lz = normalize(m, mag, "norm")
        norm_sig = named(m, "norm_sig", nsig, unsigned(sw - 1))
        ew = signed_width(lo - 2 * E8M0_BIAS - (1 << len(lz)), hi + sw + 2 * E8M0_BIAS + 2)
        norm_exp = named(m, "norm_exp", scale_exp + (lo + sw - 2) - lz, signed(ew))

        rbits = self.random_bits()
        if rbits is not None:
            rbits = named(m, "round_rbits", rbits, unsigned(self.rounding_spec.nbits))
        ctl = RoundCtl(self.rounding_spec, getattr(self, "rm", None), rbits)
        code, flags = round_pack(m, out, ctl, self.overflow, self.tininess, sign, norm_exp, norm_sig)
        any_special = self.nan_scale(self.scale_a, self.scale_b)
        for e in ea + eb:
            any_special = any_special | e.special
        to_nan = named(m, "dot_nan", any_special, unsigned(1))
        zero = named(m, "dot_zero", mag == 0, unsigned(1))
        codes = self._codes
        result = Mux(to_nan, Const(codes.nan, wo), Mux(zero, Const(codes.zero[0], wo), code))
        res_flags = Mux(to_nan, Const(codes.nan_flags, IEEE_FLAG_BITS), Mux(zero, 0, flags))
        m.d.comb += [self.result.eq(result), self.flags.eq(res_flags)]
        return m


class _Element:
    """A decoded element: sign, raw significand, LSB exponent (and its static range), NaN/Inf."""

    def __init__(self, sign, sig, lsb, lsb_lo: int, lsb_hi: int, special):
        self.sign, self.sig, self.lsb, self.lsb_lo, self.lsb_hi, self.special = sign, sig, lsb, lsb_lo, lsb_hi, special


def mx_element(name, unit: str = "MXDot") -> FloatFormat | IntFormat:
    """The MX element format ``name`` names (InputError naming ``unit`` otherwise)."""
    fmt = get_format(name)
    if fmt.name not in MX_ELEMENTS:
        raise InputError(f"{unit}: {fmt.name} is not an MX element format (one of {', '.join(MX_ELEMENTS)})")
    return fmt if isinstance(fmt, IntFormat) else check_float_format(fmt)


def _decode(m: Module, fmt, code: Value, prefix: str) -> _Element:
    if isinstance(fmt, IntFormat):  # MXINT8: two's complement code * 2^scale_exp
        sign = named(m, f"{prefix}_sign", code[fmt.bits - 1], unsigned(1))
        sig = named(m, f"{prefix}_sig", Mux(sign, -code.as_signed(), code)[:fmt.bits], unsigned(fmt.bits))
        e = fmt.scale_exp
        return _Element(sign, sig, Const(e, signed(signed_width(e, e))), e, e, Const(0, 1))
    u = unpack(m, fmt, code, prefix, normalise=False)
    _, hi = exp_range(fmt)  # the largest floor(log2); the raw top-bit exponent is max(field, 1) - bias
    lsb_lo, lsb_hi = 1 - fmt.bias - fmt.man_bits, hi - fmt.man_bits
    lsb = named(m, f"{prefix}_lsb", u.exp - fmt.man_bits, signed(signed_width(lsb_lo, lsb_hi)))
    raw = named(m, f"{prefix}_rawsig", Mux((u.cls == CLASS_NAN) | (u.cls == CLASS_INF), 0, u.sig), unsigned(len(u.sig)))
    special = (u.cls == CLASS_NAN) | (u.cls == CLASS_INF)
    return _Element(u.sign, raw, lsb, lsb_lo, lsb_hi, special)
