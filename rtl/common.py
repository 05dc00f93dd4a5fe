"""Shared datapath stages for the FP generators: unpack, normalise, round-and-pack, specials.

The structure follows SymFPU: every operand is unpacked into a class, a sign, a *normalised*
significand (leading one at the top for every nonzero finite value, subnormals included) and an
unbounded exponent; the operation is computed exactly (or with guard bits plus one sticky bit);
the result is normalised and then rounded once by `round_pack`, the hardware analogue of
SoftFloat's ``roundPackTo*`` and of the golden kernel `fpverify.rounding.round_to_format`.

Conventions (see docs/rtl.md):

* a normalised significand ``sig`` of ``w`` bits with exponent ``exp`` means
  ``sig * 2^(exp - (w - 1))``: ``exp`` is ``floor(log2|value|)``;
* rounding is done in an unbounded exponent range whose quantum is floored at the subnormal
  binade, then overflow policy is applied to the rounded magnitude (formats.md §2-§4);
* flags use the SoftFloat bit layout (inexact 1, underflow 2, overflow 4, infinite 8, invalid 16).
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value, signed, unsigned
from amaranth.lib import wiring

from fpverify.formats import FloatFormat, FormatError, Overflow, Specials, get_format
from fpverify.rounding import Flags, Mode, Rounding, Tininess, parse_rounding
from fpverify.semantics import overflow as overflow_rules
from fpverify.semantics import stages
from fpverify.semantics.boolops import BoolOps
from fpverify.semantics.ports import IEEE_FLAG_BITS, RM_CODES, RM_WIDTH
from fpverify.semantics.rounding_rules import decision_bits, round_away
from fpverify.semantics.specials import inf_into, nan_into

__all__ = [
    "RM_CODES", "CLASS_ZERO", "CLASS_FINITE", "CLASS_INF", "CLASS_NAN",
    "RoundingSpec", "RoundCtl", "Unpacked", "check_float_format", "parse_rounding_spec",
    "signed_width", "unpack", "normalize", "round_pack", "special_codes", "Pipeline",
    "named", "as_value",
]

# the shared rules (`fpverify.semantics`) evaluated on 1-bit Amaranth Values
AMARANTH_OPS = BoolOps(lambda a, b: a & b, lambda a, b: a | b, lambda a: ~a, Const(0, 1), Const(1, 1))

# unpack_*_class encoding
CLASS_ZERO, CLASS_FINITE, CLASS_INF, CLASS_NAN = 0, 1, 2, 3

FLAG_NX, FLAG_UF, FLAG_OF, FLAG_DZ, FLAG_NV = (int(Flags.INEXACT), int(Flags.UNDERFLOW),
                                               int(Flags.OVERFLOW), int(Flags.INFINITE),
                                               int(Flags.INVALID))


def signed_width(lo: int, hi: int) -> int:
    """Bits of a signed value holding every integer in [lo, hi]."""
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


def named(m: Module, name: str, value, shape=None) -> Signal:
    """A plain Signal with a stable name, driven combinationally by ``value``."""
    if shape is None:
        shape = Value.cast(value).shape()
    sig = Signal(shape, name=name)
    m.d.comb += sig.eq(value)
    return sig


def check_float_format(fmt, role: str = "format") -> FloatFormat:
    """Resolve a format name and reject what the generators do not implement."""
    fmt = get_format(fmt)
    if not isinstance(fmt, FloatFormat):
        raise FormatError(f"RTL generators need a float format; {role} {fmt.name} is an integer format")
    if not fmt.signed:
        raise FormatError(f"RTL generators support signed float formats only; {role} {fmt.name} is unsigned")
    if not fmt.subnormals:
        raise FormatError(f"RTL generators need a format with subnormals; {role} {fmt.name} has none")
    if fmt.storage_bits not in (None, fmt.bits):
        raise FormatError(f"RTL generators do not support padded storage ({role} {fmt.name})")
    return fmt


# ---- rounding control ---------------------------------------------------------------------


@dataclass(frozen=True)
class RoundingSpec:
    """A static rounding mode, or ``port`` (3-bit ``rm`` input); stochastic modes use ``rbits``."""

    rounding: Rounding | None  # None: the rm port

    @property
    def port(self) -> bool:
        return self.rounding is None

    @property
    def stochastic(self) -> bool:
        return self.rounding is not None and self.rounding.mode.stochastic

    @property
    def nbits(self) -> int:
        return self.rounding.nbits if self.stochastic else 0

    @property
    def frac_bits(self) -> int:
        """Bits below the kept precision the rounder needs exactly (the rest is sticky)."""
        if not self.stochastic:
            return 1
        return decision_bits(self.rounding.mode, self.nbits)

    def __str__(self) -> str:
        return "port" if self.port else str(self.rounding)


def parse_rounding_spec(rounding) -> RoundingSpec:
    if isinstance(rounding, RoundingSpec):
        return rounding
    if isinstance(rounding, str) and rounding.strip().lower() in ("port", "rm", "dynamic"):
        return RoundingSpec(None)
    try:
        return RoundingSpec(parse_rounding(rounding))
    except ValueError as e:
        raise FormatError(str(e)) from None


class RoundCtl:
    """Mode predicates and the round-away decision, static or driven by the ``rm`` port."""

    def __init__(self, spec: RoundingSpec, rm: Value | None = None, rbits: Value | None = None):
        self.spec = spec
        self.rm = rm
        self.rbits = rbits

    def is_mode(self, mode: Mode):
        """1-bit Value (port) or Python bool (static): the current mode is ``mode``."""
        if self.spec.port:
            if mode is Mode.RNE:  # codes 6 and 7 are reserved and behave as RNE
                return (self.rm == 0) | (self.rm >= 6)
            if mode not in RM_CODES:
                return False
            return self.rm == RM_CODES[mode]
        return self.spec.rounding.mode is mode

    def away(self, sign, frac: Value, sticky, lsb):
        """Round away from zero? ``frac`` are the ``spec.frac_bits`` bits just below the kept
        LSB (MSB first = guard), ``sticky`` the OR of everything lower, ``lsb`` 1 when the
        truncated code is odd (P3109 CodeIsEven)."""
        spec = self.spec
        g = frac[-1]
        st = sticky | (frac[:-1].any() if len(frac) > 1 else Const(0, 1))
        if spec.port:
            return self._by_rm(lambda mode: round_away(mode, sign, lsb, g, st, ops=AMARANTH_OPS))
        mode = spec.rounding.mode
        stochastic = self._stochastic_away(frac, sticky) if mode.stochastic else None
        return round_away(mode, sign, lsb, g, st, stochastic, AMARANTH_OPS)

    def rounds_to_max(self, policy: Overflow, sign) -> Value:
        """An overflow goes to ±max finite (`fpverify.semantics.overflow.rounds_to_max`)."""
        if self.spec.port:
            return self._by_rm(lambda mode: overflow_rules.rounds_to_max(mode, policy, sign, AMARANTH_OPS))
        return overflow_rules.rounds_to_max(self.spec.rounding.mode, policy, sign, AMARANTH_OPS)

    def _by_rm(self, per_mode) -> Value:
        """``per_mode(mode)`` selected by the ``rm`` port (reserved codes 6 and 7 act as RNE)."""
        values = {mode: per_mode(mode) for mode in RM_CODES}
        out = values[Mode.RNE]
        if all(v is out for v in values.values()):  # the same in every mode (e.g. a saturating policy)
            return out
        for mode in sorted(RM_CODES, key=RM_CODES.get, reverse=True):
            if mode is not Mode.RNE:
                out = Mux(self.rm == RM_CODES[mode], values[mode], out)
        return out

    def _stochastic_away(self, frac: Value, sticky) -> Value:
        """The SR-A/B/C comparison: ``frac`` holds the leading bits of ν, ``rbits`` is R."""
        mode = self.spec.rounding.mode
        n = self.spec.nbits
        r = self.rbits
        if mode is Mode.SR_A:  # floor(nu 2^N) + R >= 2^N
            return (frac + r)[n]
        if mode is Mode.SR_B:  # floor(nu 2^(N+1)) + 2R + 1 >= 2^(N+1)
            return (frac + Cat(Const(1, 1), r))[n + 1]
        # SR_C: RNITE(nu 2^N) + R >= 2^N
        v = frac[1:]
        half = frac[0]
        v_rounded = v + (half & (sticky | v[0]))
        return (v_rounded + r)[n]


# ---- unpack -------------------------------------------------------------------------------


@dataclass
class Unpacked:
    """Named unpack signals of one operand."""

    sign: Signal
    sig: Signal  # P bits, normalised (MSB set) for nonzero finite values, else 0
    exp: Signal  # signed: floor(log2 |value|) for nonzero finite values
    cls: Signal  # CLASS_*
    snan: Signal  # signaling NaN (IEEE formats)
    mag: Signal  # the code without its sign bit
    field: Signal  # the raw exponent field
    trail: Signal  # the raw trailing significand field

    @property
    def is_nan(self):
        return self.cls == CLASS_NAN

    @property
    def is_inf(self):
        return self.cls == CLASS_INF

    @property
    def is_zero(self):
        return self.cls == CLASS_ZERO

    @property
    def is_finite_nonzero(self):
        return self.cls == CLASS_FINITE


def exp_range(fmt: FloatFormat) -> tuple[int, int]:
    """Range of floor(log2|x|) over the nonzero finite values of ``fmt``."""
    return fmt.emin - fmt.man_bits, fmt.exp_mask - fmt.bias


def unpack(m: Module, fmt: FloatFormat, code: Value, prefix: str, normalise: bool = True) -> Unpacked:
    """Classify ``code`` and, by default, normalise its significand (SymFPU unpack).

    ``normalise=False`` keeps the raw significand (hidden bit 0 for subnormals) with the exponent
    of its top bit, ``max(field, 1) - bias``: what an adder needs (its alignment then matches the
    reference's, and it saves a leading-zero counter per operand)."""
    mb, eb = fmt.man_bits, fmt.exp_bits
    p = fmt.precision
    sign = named(m, f"{prefix}_sign", code[mb + eb], unsigned(1))
    mag = named(m, f"{prefix}_mag", code[:mb + eb], unsigned(mb + eb))
    field = named(m, f"{prefix}_field", code[mb:mb + eb], unsigned(eb))
    trail = named(m, f"{prefix}_trail", code[:mb] if mb else Const(0, 1), unsigned(max(mb, 1)))

    sp = fmt.specials
    top_field = field == fmt.exp_mask
    if sp is Specials.IEEE:
        is_nan = top_field & (trail != 0)
        is_inf = top_field & (trail == 0)
    elif sp is Specials.FN:
        is_nan = mag == fmt.mag_mask
        is_inf = Const(0, 1)
    elif sp in (Specials.FNUZ, Specials.P3109_F):
        is_nan = code == fmt.sign_bit
        is_inf = Const(0, 1)
    elif sp is Specials.P3109_E:
        is_nan = code == fmt.sign_bit
        is_inf = mag == fmt.mag_mask
    else:
        is_nan = Const(0, 1)
        is_inf = Const(0, 1)
    is_zero = mag == 0
    cls = named(m, f"{prefix}_class",
                Mux(is_nan, CLASS_NAN, Mux(is_inf, CLASS_INF, Mux(is_zero, CLASS_ZERO, CLASS_FINITE))),
                unsigned(2))
    if sp is Specials.IEEE:
        snan = is_nan & ~code[mb - 1]
    else:
        snan = Const(0, 1)
    snan = named(m, f"{prefix}_snan", snan, unsigned(1))

    # significand with the hidden bit, then normalised
    hidden = field != 0
    raw = Cat(code[:mb], hidden) if mb else hidden
    raw_sig = named(m, f"{prefix}_raw_sig", raw, unsigned(p))
    lo, hi = exp_range(fmt)
    ew = signed_width(lo - 1, hi + 1)
    eff_field = Mux(hidden, field, 1)
    if normalise:  # floor(log2) = max(field, 1) - bias - lz  (lz = 0 for normal values)
        norm, lz = normalize(m, raw_sig, f"{prefix}_nrm")
        exp = named(m, f"{prefix}_exp", eff_field - fmt.bias - lz, signed(ew))
    else:
        norm = raw_sig
        exp = named(m, f"{prefix}_exp", eff_field - fmt.bias, signed(ew))
    sig = named(m, f"{prefix}_sig", Mux(cls == CLASS_FINITE, norm, 0), unsigned(p))
    return Unpacked(sign, sig, exp, cls, snan, mag, field, trail)


# ---- normalise ----------------------------------------------------------------------------


def normalize(m: Module, value: Value, prefix: str) -> tuple[Signal, Signal]:
    """Shift ``value`` left until its MSB is set; return (shifted, shift count).

    A logarithmic leading-zero counter fused with the shifter: stage k shifts by 2^k when the top
    2^k bits are zero. Every stage keeps the input width (constant shifts only). For a zero input
    the outputs are don't-care (zero shifted, count all ones).
    """
    w = len(value)
    nst = (w - 1).bit_length()
    x = value
    count_bits = []
    for k in reversed(range(nst)):
        step = 1 << k
        zero_top = x[w - step:] == 0
        x = Mux(zero_top, Cat(Const(0, step), x[:w - step]), x)
        x = named(m, f"{prefix}_s{k}", x, unsigned(w))
        count_bits.append(zero_top)
    count = Cat(*reversed(count_bits)) if count_bits else Const(0, 1)
    lz = named(m, f"{prefix}_lz", count, unsigned(max(nst, 1)))
    return x, lz


# ---- specials -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialCodes:
    """Static codes of the special results in the output format (golden `special_to_format`)."""

    nan: int  # default NaN for NaN operands / invalid operations
    nan_flags: int  # extra flags of that NaN (INVALID when the format has no NaN)
    inf: tuple[int, int]  # result of an infinite result, by sign
    zero: tuple[int, int]  # exact zero, by sign
    max_signed: tuple[int, int]  # +-max finite
    overflow_nan: tuple[int, int] | None  # nan_code(sign) where the NaN overflow policy applies
    has_nan: bool


def special_codes(out: FloatFormat, overflow: Overflow, nan_reachable: bool = True) -> SpecialCodes:
    nan_result = nan_into(out, out.nan_policy)
    if nan_result is None:
        if nan_reachable:
            raise FormatError(f"{out.name} has no NaN and its nan policy is 'error': "
                              "hardware must produce some code; choose nan policy zero or max")
        nan_result = (0, Flags.INVALID)  # unreachable: any code will do
    nan, nan_flags = nan_result[0], int(nan_result[1])
    max_signed = (overflow_rules.max_code(out, 0), overflow_rules.max_code(out, 1))
    inf = (inf_into(out, 0, overflow)[0], inf_into(out, 1, overflow)[0])
    zero = (0, out.sign_bit if out.has_neg_zero else 0)
    ovf_nan = (out.nan_code(0), out.nan_code(1)) if out.has_nan else None
    return SpecialCodes(nan, nan_flags, inf, zero, max_signed, ovf_nan, out.has_nan)


def by_sign(sign, pair: tuple[int, int], width: int) -> Value:
    return Mux(sign, Const(pair[1], width), Const(pair[0], width))


# ---- round and pack -----------------------------------------------------------------------


def round_pack(m: Module, out: FloatFormat, ctl: RoundCtl, overflow: Overflow, tininess: Tininess,
               sign: Value, norm_exp: Value, norm_sig: Value, norm_sticky: Value | None = None
               ) -> tuple[Signal, Signal]:
    """Round ``(-1)^sign * norm_sig * 2^(norm_exp - (len(norm_sig) - 1))`` (+ sticky) into ``out``.

    ``norm_sig`` must be normalised (MSB set); the caller handles exact zeros. Returns the code
    (``pack_result``) and the 5 flag bits. Named stage signals: ``round_shift``, ``round_guard``,
    ``round_sticky``, ``round_up``, ``round_sig``, ``round_exp``, ``round_overflow``,
    ``round_tiny``, ``pack_result``, ``pack_flags``.
    """
    p, mb = out.precision, out.man_bits
    g = ctl.spec.frac_bits
    kw = p + g  # kept bits + fraction bits the rounder looks at
    w = len(norm_sig)
    # fit the significand to kw bits; the rest becomes sticky
    if w >= kw:
        s1 = norm_sig[w - kw:]
        st1 = norm_sig[:w - kw].any() if w > kw else Const(0, 1)
    else:
        s1 = Cat(Const(0, kw - w), norm_sig)
        st1 = Const(0, 1)
    if norm_sticky is not None:
        st1 = st1 | norm_sticky
    s1 = named(m, stages.round_stage("in_sig"), s1, unsigned(kw))
    st1 = named(m, stages.round_stage("in_sticky"), st1, unsigned(1))

    emin = out.emin
    ew = max(len(norm_exp), signed_width(emin - 1, emin + 1)) + 1
    norm_exp = named(m, stages.round_stage("in_exp"), norm_exp, signed(ew))
    # denormalise below the smallest normal binade: shift right by min(emin - e, kw)
    tiny = named(m, stages.ROUND_TINY, norm_exp < emin, unsigned(1))
    deficit = Const(emin, signed(ew)) - norm_exp
    sw = kw.bit_length()
    shift = named(m, stages.round_stage("shift"),
                  Mux(tiny, Mux(deficit > kw, kw, deficit[:sw]), 0), unsigned(sw))
    shifted = s1 >> shift
    lost_mask = Cat(*[shift > i for i in range(kw)])
    lost = (s1 & lost_mask).any()
    frac = shifted[:g]
    kept = named(m, stages.round_stage("kept"), shifted[g:], unsigned(p))
    guard = named(m, stages.ROUND_GUARD, frac[-1], unsigned(1))
    sticky = named(m, stages.ROUND_STICKY, st1 | lost | (frac[:-1].any() if g > 1 else 0), unsigned(1))

    # exponent of the quantum binade and the biased base of the packed magnitude
    e_q = named(m, stages.ROUND_EXP, Mux(tiny, Const(emin, signed(ew)), norm_exp), signed(ew))
    _, hi = _value_range(norm_exp)
    bw = max(hi + out.bias, 1).bit_length() + 1
    base = named(m, stages.round_stage("base"), (e_q + (out.bias - 1))[:bw], unsigned(bw))  # >= 0 since e_q >= emin
    if mb:
        lsb = kept[0]
    else:  # P = 1: the truncated code is the field itself (even code rule, formats.md §2)
        lsb = base[0] ^ kept[0]
    up = named(m, stages.ROUND_UP, ctl.away(sign, frac, st1 | lost, lsb), unsigned(1))
    rsig = named(m, stages.ROUND_SIG, kept + up, unsigned(p + 1))
    mag = named(m, stages.round_stage("mag"), (base.shift_left(mb) if mb else base) + rsig, unsigned(bw + mb + 2))
    inexact = guard | sticky | (frac.any() if g > 1 else 0)

    # tininess after rounding: would rounding at precision P with unbounded exponent carry to 2^emin?
    if tininess is Tininess.BEFORE:
        tiny_flag = tiny
    else:
        all_ones = s1[g:].all()
        lsb_u = Const(1 if mb else 0, 1)  # all-ones significand is odd unless P = 1
        up_u = ctl.away(sign, s1[:g], st1, lsb_u)
        carries = (norm_exp == emin - 1) & all_ones & up_u
        tiny_flag = tiny & ~carries
    underflow = tiny_flag & inexact

    ovf = named(m, stages.ROUND_OVERFLOW, mag > out.max_code, unsigned(1))
    codes = special_codes(out, overflow, nan_reachable=False)
    wo = out.width
    # overflow result (golden `_overflow`): +-max, or the policy's Inf/NaN by rounding direction
    to_max = ctl.rounds_to_max(overflow, sign)
    big = by_sign(sign, tuple(overflow_rules.overflow_code(out, overflow, s, False)[0] for s in (0, 1)), wo)
    ovf_code = Mux(to_max, by_sign(sign, codes.max_signed, wo), big)
    zero_res = mag == 0
    sign_out = sign & (~zero_res if not out.has_neg_zero else 1)
    normal_code = Cat(mag[:wo - 1], sign_out)
    result = named(m, stages.PACK_RESULT, Mux(ovf, ovf_code, normal_code), unsigned(wo))
    flags = named(m, stages.PACK_FLAGS,
                  Cat(inexact | ovf, underflow & ~ovf, ovf, Const(0, 2)), unsigned(IEEE_FLAG_BITS))
    return result, flags


def as_value(x) -> Value:
    if isinstance(x, bool):
        return Const(int(x), 1)
    return x


def _value_range(v: Value) -> tuple[int, int]:
    shape = Value.cast(v).shape()
    if shape.signed:
        return -(1 << (shape.width - 1)), (1 << (shape.width - 1)) - 1
    return 0, (1 << shape.width) - 1


# ---- pipelining ---------------------------------------------------------------------------


def check_latency(latency) -> int:
    if not isinstance(latency, int) or isinstance(latency, bool) or latency < 0:
        raise FormatError(f"latency must be an integer >= 0 (got {latency!r})")
    return latency


class Pipeline:
    """Registers at stage boundaries: ``latency`` cuts spread over ``boundaries`` candidates;
    latency beyond the number of boundaries adds registers at the output."""

    def __init__(self, m: Module, latency: int, boundaries: int):
        check_latency(latency)
        self.m = m
        self.latency = latency
        inner = min(latency, boundaries)
        self.cuts = {round((i + 1) * (boundaries + 1) / (inner + 1)) - 1 for i in range(inner)}
        while len(self.cuts) < inner:  # rounding collisions: fill the first free boundaries
            self.cuts.add(min(set(range(boundaries)) - self.cuts))
        self.extra = latency - inner

    def cut(self, index: int, values: dict[str, Value]) -> dict[str, Value]:
        """Values after boundary ``index`` (registered copies if that boundary is cut)."""
        if index not in self.cuts:
            return values
        return self._reg(values, f"p{index}")

    def output(self, values: dict[str, Value]) -> dict[str, Value]:
        for i in range(self.extra):
            values = self._reg(values, f"pout{i}")
        return values

    def _reg(self, values: dict[str, Value], tag: str) -> dict[str, Value]:
        out = {}
        for name, v in values.items():
            v = Value.cast(v)
            r = Signal(v.shape(), name=f"{name}_{tag}")
            self.m.d.sync += r.eq(v)
            out[name] = r
        return out


# ---- component base -----------------------------------------------------------------------


def parse_overflow(overflow, out: FloatFormat) -> Overflow:
    if overflow is None:
        return out.default_overflow
    if isinstance(overflow, Overflow):
        return overflow
    try:
        return Overflow(str(overflow).strip().lower())
    except ValueError:
        raise FormatError(f"unknown overflow policy {overflow!r} (use ieee, satfinite, satpropagate, nan)") from None


def parse_tininess(tininess) -> Tininess:
    if isinstance(tininess, Tininess):
        return tininess
    try:
        return Tininess(str(tininess).strip().lower())
    except ValueError:
        raise FormatError(f"unknown tininess {tininess!r} (use after or before)") from None


def binary_signature(fmt: FloatFormat, out: FloatFormat, spec: RoundingSpec, sub: bool = False) -> dict:
    """Port members of a two-operand unit: a, b, [sub], [rm], [rbits], result, flags."""
    from amaranth.lib.wiring import In, Out

    members = {"a": In(fmt.width), "b": In(fmt.width)}
    if sub:
        members["sub"] = In(1)
    if spec.port:
        members["rm"] = In(RM_WIDTH)
    if spec.stochastic:
        members["rbits"] = In(spec.nbits)
    members["result"] = Out(out.width)
    members["flags"] = Out(IEEE_FLAG_BITS)
    return members


def control_ports(unit) -> dict:
    """The rounding-control inputs a unit has (``rm``, ``rbits``), to carry through its pipeline."""
    ports = {}
    if unit.rounding_spec.port:
        ports["rm"] = unit.rm
    if unit.rounding_spec.stochastic:
        ports["rbits"] = unit.rbits
    return ports


class BinaryFPUnit(wiring.Component):
    """Constructor shared by the two-operand FP units: formats, rounding, overflow, tininess,
    latency and the special result codes. Subclasses set ``op``, ``has_sub`` and ``elaborate``."""

    op = ""
    has_sub = False

    def __init__(self, fmt: FloatFormat | str, out_fmt: FloatFormat | str | None = None,
                 rounding: Rounding | str = Rounding(Mode.RNE), overflow: Overflow | str | None = None,
                 tininess: Tininess | str = Tininess.AFTER, latency: int = 0):
        try:
            self.fmt = check_float_format(fmt)
            self.out_fmt = check_float_format(out_fmt if out_fmt is not None else self.fmt, "out_fmt")
            self.rounding_spec = parse_rounding_spec(rounding)
            self.rounding = "port" if self.rounding_spec.port else self.rounding_spec.rounding
            self.overflow = parse_overflow(overflow, self.out_fmt)
            self.tininess = parse_tininess(tininess)
            self.latency = check_latency(latency)
            self._codes = special_codes(self.out_fmt, self.overflow,
                                        nan_reachable=self.fmt.has_nan or self.fmt.has_inf)
        except Exception:
            self._MustUse__silence = True  # never elaborated: no UnusedElaboratable warning
            raise
        super().__init__(binary_signature(self.fmt, self.out_fmt, self.rounding_spec, sub=self.has_sub))

    def round_and_pack(self, m: Module, pipe: "Pipeline", v: dict) -> None:
        """The last stage: round ``v["norm_sig"]``/``v["norm_exp"]`` with ``v["sign"]``, pack, and
        let a special result (``v["special"]``: ``v["scode"]``, ``v["sflags"]``) bypass it."""
        ctl = RoundCtl(self.rounding_spec, v.get("rm"), v.get("rbits"))
        code, flags = round_pack(m, self.out_fmt, ctl, self.overflow, self.tininess, v["sign"],
                                 v["norm_exp"], v["norm_sig"])
        res = pipe.output(dict(result=Mux(v["special"], v["scode"], code),
                               flags=Mux(v["special"], v["sflags"], flags)))
        m.d.comb += [self.result.eq(res["result"]), self.flags.eq(res["flags"])]
