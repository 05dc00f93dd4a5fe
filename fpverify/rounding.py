"""Rounding modes, IEEE flags and the one shared round-and-pack (formats.md §2-§4).

`round_to_format` takes an exact real (see `fpverify.golden.real`) and returns the code and the
flags. Rounding happens first, in an unbounded exponent range (the quantum is only floored at
the subnormal binade); saturation and overflow policy are applied to the rounded value.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from .formats import FloatFormat, FormatError, IntFormat, NanPolicy, Overflow
from .semantics import overflow as overflow_rules
from .semantics.modes import Mode
from .semantics.ports import Flags, Rounded
from .semantics.rounding_rules import round_away as away_rule
from .semantics.specials import inf_into, nan_into
from .tapered import TaperedFormat


class ExactValue(Protocol):
    """What the kernel reads of an exact real (`fpverify.golden.real.Real` is one)."""

    negative: bool

    @property
    def is_zero(self) -> bool: ...

    def ilog2(self) -> int: ...

    def floor_scaled(self, k: int) -> tuple[int, bool]: ...


# Names accepted on the command line: ours, TestFloat's and a few common spellings.
MODE_NAMES: dict[str, Mode] = {
    "rne": Mode.RNE, "near_even": Mode.RNE, "nearest_even": Mode.RNE,
    "rna": Mode.RNA, "near_maxmag": Mode.RNA, "nearest_away": Mode.RNA, "ta": Mode.RNA,
    "rtz": Mode.RTZ, "minmag": Mode.RTZ, "trunc": Mode.RTZ,
    "rup": Mode.RUP, "max": Mode.RUP, "ceil": Mode.RUP,
    "rdn": Mode.RDN, "min": Mode.RDN, "floor": Mode.RDN,
    "rto": Mode.RTO, "odd": Mode.RTO,
    "sra": Mode.SR_A, "sr_a": Mode.SR_A,
    "srb": Mode.SR_B, "sr_b": Mode.SR_B,
    "src": Mode.SR_C, "sr_c": Mode.SR_C,
}

TESTFLOAT_NAMES = {Mode.RNE: "near_even", Mode.RTZ: "minMag", Mode.RDN: "min", Mode.RUP: "max",
                   Mode.RNA: "near_maxMag", Mode.RTO: "odd"}


@dataclass(frozen=True)
class Rounding:
    """A rounding mode; stochastic modes carry N, the number of random bits they consume."""

    mode: Mode = Mode.RNE
    nbits: int = 0

    def __post_init__(self) -> None:
        if self.mode.stochastic and not 1 <= self.nbits <= 64:
            raise ValueError(f"stochastic rounding {self.mode.value} needs 1..64 random bits")

    def __str__(self) -> str:
        return f"{self.mode.value}{self.nbits}" if self.mode.stochastic else self.mode.value


RNE = Rounding(Mode.RNE)
RNA = Rounding(Mode.RNA)
RTZ = Rounding(Mode.RTZ)
RUP = Rounding(Mode.RUP)
RDN = Rounding(Mode.RDN)
RTO = Rounding(Mode.RTO)
DETERMINISTIC = (RNE, RNA, RTZ, RUP, RDN, RTO)


def parse_rounding(text: str | Rounding | Mode, nbits: int | None = None) -> Rounding:
    """Parse 'rne', 'near_even', 'sra8', 'sr_b:4', ... into a Rounding."""
    if isinstance(text, Rounding):
        return text
    if isinstance(text, Mode):
        return Rounding(text, nbits or 0)
    t = text.strip().lower()
    n = nbits
    for sep in (":", "/"):
        if sep in t:
            t, num = t.split(sep, 1)
            n = int(num)
    if t not in MODE_NAMES:
        stem = t.rstrip("0123456789")
        if stem in MODE_NAMES and MODE_NAMES[stem].stochastic and stem != t:
            n = int(t[len(stem):])
            t = stem
    if t not in MODE_NAMES:
        raise ValueError(f"unknown rounding mode {text!r} (use one of: "
                         "rne rna rtz rup rdn rto sraN srbN srcN near_even minMag min max near_maxMag odd)")
    mode = MODE_NAMES[t]
    return Rounding(mode, n or (8 if mode.stochastic else 0))


class Tininess(enum.Enum):
    AFTER = "after"
    BEFORE = "before"


@dataclass(frozen=True)
class Env:
    """Everything that parameterises a rounding step besides the value."""

    rounding: Rounding = RNE
    overflow: Overflow | None = None  # None: the target format's default
    tininess: Tininess = Tininess.AFTER
    random_bits: int = 0  # R for stochastic rounding, 0 <= R < 2^N
    nan_policy: NanPolicy | None = None  # None: the target format's default

    def overflow_for(self, fmt) -> Overflow:
        return self.overflow or fmt.default_overflow

    def nan_for(self, fmt) -> NanPolicy:
        return self.nan_policy or fmt.nan_policy

    def resolved_for(self, fmt) -> "Env":
        """This env with ``fmt``'s defaults filled in (equal semantics compare equal: a cache key)."""
        return Env(self.rounding, self.overflow_for(fmt), self.tininess, self.random_bits, self.nan_for(fmt))


class FPValueError(ValueError):
    """An operation whose declared policy is 'error' met such a case (e.g. NaN into FP4)."""


# ---- the kernel ---------------------------------------------------------------------------


def round_away(x: ExactValue, q: int, rnd: Rounding, r_bits: int, code_is_even) -> tuple[int, bool, bool]:
    """P3109 RoundToPrecision at quantum 2^q: returns (S, inexact, rounded_away).

    ``code_is_even(s0)`` tells whether truncation lands on an even code.
    """
    s0, exact = x.floor_scaled(-q)
    if exact:
        return s0, False, False
    s1, exact1 = x.floor_scaled(-q + 1)
    stochastic = _stochastic_away(x, q, rnd, r_bits, s0) if rnd.mode.stochastic else None
    away = away_rule(rnd.mode, sign=x.negative, odd=not code_is_even(s0), half=bool(s1 & 1),
                     below=not exact1, stochastic=stochastic)
    return s0 + int(away), True, away


def _stochastic_away(x: ExactValue, q: int, rnd: Rounding, r_bits: int, s0: int) -> bool:
    """The SR-A/B/C comparison on the exact residual ν of ``x`` at quantum 2^q."""
    n = rnd.nbits
    if not 0 <= r_bits < (1 << n):
        raise ValueError(f"random bits {r_bits} do not fit in N={n}")
    if rnd.mode is Mode.SR_A:  # floor(nu 2^N) + R >= 2^N
        frac = x.floor_scaled(-q + n)[0] - (s0 << n)
        return frac + r_bits >= (1 << n)
    if rnd.mode is Mode.SR_B:  # floor(nu 2^(N+1)) + 2R + 1 >= 2^(N+1)
        frac = x.floor_scaled(-q + n + 1)[0] - (s0 << (n + 1))
        return frac + 2 * r_bits + 1 >= (1 << (n + 1))
    # SR_C: RNITE(nu 2^N) + R >= 2^N
    t, exact_t = x.floor_scaled(-q + n + 1)
    u = t - (s0 << (n + 1))
    v, halfb = u >> 1, u & 1
    if halfb and (not exact_t or v & 1):
        v += 1
    return v + r_bits >= (1 << n)


def _float_code_is_even(fmt: FloatFormat, q: int):
    if fmt.precision > 1:
        return lambda s0: s0 & 1 == 0
    return lambda s0: s0 == 0 or (q + fmt.bias) & 1 == 0


def round_to_format(x: ExactValue, fmt, env: Env = Env()) -> Rounded:
    """Round an exact nonzero-or-zero finite real into ``fmt`` under ``env``."""
    if isinstance(fmt, IntFormat):
        return _round_to_int(x, fmt, env)
    if isinstance(fmt, TaperedFormat):
        return _round_to_tapered(x, fmt, env)
    return _round_to_float(x, fmt, env)


def _round_to_float(x: ExactValue, fmt: FloatFormat, env: Env) -> Rounded:
    rnd = env.rounding
    sign = 1 if x.negative else 0
    if x.is_zero:
        return _zero(fmt, sign, Flags.NONE)
    p = fmt.precision
    e = x.ilog2()
    q = max(e, fmt.emin) - p + 1
    s, inexact, _ = round_away(x, q, rnd, env.random_bits, _float_code_is_even(fmt, q))
    if s >> p:  # carried into the next binade
        s >>= 1
        q += 1
    flags = Flags.INEXACT if inexact else Flags.NONE
    # tininess and underflow (IEEE rules on the unbounded-exponent rounding)
    if e < fmt.emin:
        if env.tininess is Tininess.BEFORE:
            tiny = True
        else:
            qu = e - p + 1
            su, _, _ = round_away(x, qu, rnd, env.random_bits, _float_code_is_even(fmt, qu))
            tiny = not (su >> p and e + 1 == fmt.emin)
        if tiny and inexact:
            flags |= Flags.UNDERFLOW
    if sign and not fmt.signed:
        return _negative_into_unsigned(fmt, s, rnd, flags, env)
    if s == 0:
        return _zero(fmt, sign, flags)
    # overflow: compare the rounded magnitude with the largest finite value
    _, msig, mexp = fmt.finite_parts(fmt.max_code)
    if _greater(s, q, msig, mexp):
        return _overflow(fmt, sign, rnd, flags | Flags.OVERFLOW | Flags.INEXACT, env)
    return Rounded(fmt.pack(sign, s, q), flags)


def _tapered_quantum(fmt: TaperedFormat, e: int) -> tuple[int, int]:
    """(precision, quantum exponent) of the binade of 2^e: below the lowest binade the lowest
    binade's quantum (only 0 and 2^emin_binade are near), above the top one the top precision."""
    b = min(max(e, fmt.emin_binade), fmt.emax_binade)
    p = fmt.binade_precision(b)
    return p, max(e, fmt.emin_binade) - p + 1


def _tapered_code_is_even(fmt: TaperedFormat, sign: int, q: int):
    """RNE's "even" and RTO's "odd" read the code's last bit (the mantissa LSB of a normal code,
    the m LSB of a denormal 2^(m-23)); beyond max finite, the significand's."""
    def even(s0: int) -> bool:
        if s0 == 0:
            return True
        if not _greater(s0, q, *fmt.finite_parts(fmt.max_code)[1:]):
            return fmt.encode(sign, s0, q) & 1 == 0
        return s0 & 1 == 0
    return even


def _round_to_tapered(x: ExactValue, fmt: TaperedFormat, env: Env) -> Rounded:
    """Round to the precision of the binade |x| lies in: a carry to 2^(e+1) lands on a value of
    every format binade (a power of two), so rounding up into a coarser binade is exact."""
    rnd = env.rounding
    sign = 1 if x.negative else 0
    if x.is_zero:
        return _zero(fmt, sign, Flags.NONE)
    e = x.ilog2()
    _, q = _tapered_quantum(fmt, e)
    s, inexact, _ = round_away(x, q, rnd, env.random_bits, _tapered_code_is_even(fmt, sign, q))
    flags = Flags.INEXACT if inexact else Flags.NONE
    if e < fmt.emin:  # tininess at the smallest normal binade's precision, IEEE's rules
        if env.tininess is Tininess.BEFORE:
            tiny = True
        else:
            pn = fmt.binade_precision(fmt.emin)
            qu = e - pn + 1
            su, _, _ = round_away(x, qu, rnd, env.random_bits, lambda s0: s0 & 1 == 0)
            tiny = not (su >> pn and e + 1 == fmt.emin)
        if tiny and inexact:
            flags |= Flags.UNDERFLOW
    if s == 0:
        return _zero(fmt, sign, flags)
    _, msig, mexp = fmt.finite_parts(fmt.max_code)
    if _greater(s, q, msig, mexp):
        return _overflow(fmt, sign, rnd, flags | Flags.OVERFLOW | Flags.INEXACT, env)
    return Rounded(fmt.encode(sign, s, q), flags)


def _greater(s: int, q: int, t: int, r: int) -> bool:
    """s*2^q > t*2^r for non-negative integers."""
    if q >= r:
        return (s << (q - r)) > t
    return s > (t << (r - q))


def _zero(fmt: FloatFormat, sign: int, flags: Flags) -> Rounded:
    """A (rounded) zero; a format with no zero (E8M0) cannot encode it: NaN, invalid."""
    if fmt.has_zero:
        return Rounded(fmt.zero_code(sign), flags)
    return Rounded(fmt.nan_code(), Flags.INVALID)


def _negative_into_unsigned(fmt: FloatFormat, s: int, rnd: Rounding, flags: Flags, env: Env) -> Rounded:
    """P3109 SatNone rules 5-6 for unsigned targets: Mlo = 0 or NaN."""
    if s == 0 or overflow_rules.negative_to_zero(rnd.mode, env.overflow_for(fmt)):
        if fmt.has_zero:
            return Rounded(fmt.zero_code(0), flags | (Flags.NONE if s == 0 else Flags.SATURATED))
    return Rounded(fmt.nan_code(), (flags & ~Flags.INEXACT) | Flags.INVALID)


def _overflow(fmt: FloatFormat, sign: int, rnd: Rounding, flags: Flags, env: Env) -> Rounded:
    policy = env.overflow_for(fmt)
    to_max = overflow_rules.rounds_to_max(rnd.mode, policy, bool(sign))
    code, saturated = overflow_rules.overflow_code(fmt, policy, sign, to_max)
    return Rounded(code, flags | Flags.SATURATED if saturated else flags)


def special_to_format(kind: str, sign: int, fmt, env: Env) -> Rounded:
    """An Inf or NaN arriving at ``fmt`` (from an operand or an invalid operation)."""
    if isinstance(fmt, IntFormat):
        if kind == "nan":
            return _nan_into(fmt, 0, env)
        v = fmt.max_int if not sign else fmt.min_int
        return Rounded(fmt.from_int(v), Flags.INVALID)
    if kind == "nan":
        return _nan_into(fmt, sign, env)
    return Rounded(*inf_into(fmt, sign, env.overflow_for(fmt)))


def _nan_into(fmt, sign: int, env: Env) -> Rounded:
    got = nan_into(fmt, env.nan_for(fmt), sign)
    if got is None:
        raise FPValueError(f"NaN has no encoding in {fmt.name} (nan policy 'error')")
    return Rounded(*got)


def _round_to_int(x: ExactValue, fmt: IntFormat, env: Env) -> Rounded:
    if x.is_zero:
        return Rounded(0, Flags.NONE)
    q = fmt.scale_exp
    s, inexact, _ = round_away(x, q, env.rounding, env.random_bits, lambda s0: s0 & 1 == 0)
    v = -s if x.negative else s
    flags = Flags.INEXACT if inexact else Flags.NONE
    if v > fmt.max_int or v < fmt.min_int:
        if env.overflow_for(fmt) not in overflow_rules.INT_CLAMPING:
            raise FormatError(f"{fmt.name}: overflow policy {env.overflow_for(fmt).value} needs a NaN")
        v = max(fmt.min_int, min(fmt.max_int, v))
        flags |= Flags.OVERFLOW | Flags.INEXACT | Flags.SATURATED
    return Rounded(fmt.from_int(v), flags)


__all__ = [
    "Mode", "Rounding", "Flags", "Tininess", "Env", "Rounded", "FPValueError",
    "round_to_format", "special_to_format", "round_away", "parse_rounding",
    "RNE", "RNA", "RTZ", "RUP", "RDN", "RTO", "DETERMINISTIC", "TESTFLOAT_NAMES", "FormatError",
    "ExactValue",
]
