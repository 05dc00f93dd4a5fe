"""Number formats: one description type per family and a registry of the names users know.

Float formats (IEEE-like, OCP FN, FNUZ, no-specials, P3109, unsigned scale formats) share
`FloatFormat`; two's-complement element formats (MXINT8, INT8, INT4) use `IntFormat`.
Semantics follow ``shared/docs/formats.md`` §1.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union


class Specials(enum.Enum):
    """Where a float format keeps its special values."""

    IEEE = "ieee"  # exponent all-ones: Inf (T = 0) or NaN (T != 0); -0 exists
    FN = "fn"  # NaN only at the all-ones magnitude; no Inf; -0 exists
    FNUZ = "fnuz"  # one NaN at the sign-only code; no Inf; no -0
    NONE = "none"  # no Inf, no NaN; -0 exists
    P3109_E = "p3109e"  # P3109 extended: one NaN, +-Inf at the top codes, no -0
    P3109_F = "p3109f"  # P3109 finite: one NaN, no Inf, no -0


class Overflow(enum.Enum):
    """What a result beyond the largest finite value becomes (formats.md §3)."""

    IEEE = "ieee"  # IEEE 754 / P3109 SatNone: Inf or max by rounding direction; finite formats saturate
    SATFINITE = "satfinite"  # always +-max finite, Inf inputs included
    SATPROPAGATE = "satpropagate"  # finite overflow -> +-max; Inf inputs kept where the format has Inf
    NAN = "nan"  # where IEEE would give Inf, give NaN (OCP E4M3 non-SAT, FNUZ)


class NanPolicy(enum.Enum):
    """What a NaN becomes in a format that has no NaN (formats.md §7.3)."""

    ZERO = "zero"
    MAX = "max"
    ERROR = "error"


class FormatError(ValueError):
    """An unknown format name or an impossible format description."""


@dataclass(frozen=True)
class FloatFormat:
    """A sign-magnitude (or unsigned) binary float format.

    ``storage_bits`` may exceed the value bits (UE4M3 lives in a byte with MSB 0).
    ``subnormals=False`` makes exponent field 0 an ordinary binade (E8M0: no zero at all).
    """

    name: str
    exp_bits: int
    man_bits: int
    bias: int
    signed: bool = True
    specials: Specials = Specials.IEEE
    subnormals: bool = True
    default_overflow: Overflow = Overflow.IEEE
    nan_policy: NanPolicy = NanPolicy.ZERO
    storage_bits: int | None = None
    description: str = ""
    aliases: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.exp_bits < 1 or self.man_bits < 0:
            raise FormatError(f"{self.name}: need exp_bits >= 1 and man_bits >= 0")
        if self.specials is Specials.IEEE and self.man_bits < 1:
            raise FormatError(f"{self.name}: IEEE specials need at least one mantissa bit")
        if self.specials is Specials.FNUZ and not self.signed:
            raise FormatError(f"{self.name}: FNUZ needs a sign bit")
        if self.storage_bits is not None and self.storage_bits < self.bits:
            raise FormatError(f"{self.name}: storage_bits smaller than the value bits")

    # ---- layout -------------------------------------------------------------------------
    kind = "float"

    @property
    def bits(self) -> int:
        """Value bits (sign + exponent + mantissa)."""
        return int(self.signed) + self.exp_bits + self.man_bits

    @property
    def width(self) -> int:
        """Bits a code occupies in storage."""
        return self.storage_bits or self.bits

    @property
    def precision(self) -> int:
        return self.man_bits + 1

    @property
    def sign_bit(self) -> int:
        return 1 << (self.exp_bits + self.man_bits) if self.signed else 0

    @property
    def mag_mask(self) -> int:
        return (1 << (self.exp_bits + self.man_bits)) - 1

    @property
    def exp_mask(self) -> int:
        return (1 << self.exp_bits) - 1

    @property
    def emin(self) -> int:
        """Exponent of the smallest normal binade (tininess threshold 2^emin)."""
        return 1 - self.bias if self.subnormals else -self.bias

    # ---- special codes ------------------------------------------------------------------
    @property
    def nan_codes_mag(self) -> str:
        return self.specials.value

    def is_nan(self, code: int) -> bool:
        mag = code & self.mag_mask
        sp = self.specials
        if sp is Specials.IEEE:
            return (mag >> self.man_bits) == self.exp_mask and (mag & ((1 << self.man_bits) - 1)) != 0
        if sp is Specials.FN:
            return mag == self.mag_mask
        if sp is Specials.FNUZ:
            return code == self.sign_bit
        if sp in (Specials.P3109_E, Specials.P3109_F):
            return code == (self.sign_bit if self.signed else (1 << self.bits) - 1)
        return False

    def is_signaling(self, code: int) -> bool:
        """IEEE formats only: a NaN whose quiet bit (mantissa MSB) is clear."""
        return (
            self.specials is Specials.IEEE
            and self.is_nan(code)
            and not (code >> (self.man_bits - 1)) & 1
        )

    def is_inf(self, code: int) -> bool:
        sp = self.specials
        if sp is Specials.IEEE:
            return (code & self.mag_mask) == self.exp_mask << self.man_bits
        if sp is Specials.P3109_E:
            top = (1 << self.bits) - 1
            if self.signed:
                return code in (self.sign_bit - 1, top)
            return code == top - 1
        return False

    def is_special(self, code: int) -> bool:
        return self.is_nan(code) or self.is_inf(code)

    @property
    def has_inf(self) -> bool:
        return self.specials in (Specials.IEEE, Specials.P3109_E)

    @property
    def has_nan(self) -> bool:
        return self.specials is not Specials.NONE

    @property
    def has_neg_zero(self) -> bool:
        return self.signed and self.specials in (Specials.IEEE, Specials.FN, Specials.NONE)

    @property
    def has_zero(self) -> bool:
        return self.subnormals

    @property
    def max_code(self) -> int:
        """Code of the largest positive finite value."""
        if self.specials is Specials.IEEE:
            return ((self.exp_mask - 1) << self.man_bits) | ((1 << self.man_bits) - 1)
        code = self.mag_mask
        while self.is_special(code):
            code -= 1
        return code

    @property
    def min_code(self) -> int:
        """Code of the most negative finite value (0 for unsigned formats)."""
        if not self.signed:
            return 0 if self.has_zero else 0
        return self.max_code | self.sign_bit

    def nan_code(self, sign: int = 0) -> int:
        """The canonical (quiet) NaN this project produces."""
        sp = self.specials
        if sp is Specials.IEEE:
            return (sign and self.sign_bit) | (self.exp_mask << self.man_bits) | (1 << (self.man_bits - 1))
        if sp is Specials.FN:
            return (sign and self.sign_bit) | self.mag_mask
        if sp is Specials.FNUZ:
            return self.sign_bit
        if sp in (Specials.P3109_E, Specials.P3109_F):
            return self.sign_bit if self.signed else (1 << self.bits) - 1
        raise FormatError(f"{self.name} has no NaN")

    def inf_code(self, sign: int = 0) -> int:
        if self.specials is Specials.IEEE:
            return (sign and self.sign_bit) | (self.exp_mask << self.man_bits)
        if self.specials is Specials.P3109_E:
            top = (1 << self.bits) - 1
            if not self.signed:
                if sign:
                    raise FormatError(f"{self.name} has no -Inf")
                return top - 1
            return top if sign else self.sign_bit - 1
        raise FormatError(f"{self.name} has no Inf")

    def zero_code(self, sign: int = 0) -> int:
        if not self.has_zero:
            raise FormatError(f"{self.name} has no zero")
        return self.sign_bit if (sign and self.has_neg_zero) else 0

    # ---- values -------------------------------------------------------------------------
    def codes(self) -> range:
        return range(1 << self.bits)

    def finite_parts(self, code: int) -> tuple[int, int, int]:
        """(sign, significand, exponent) with value (-1)^sign * sig * 2^exp; code must be finite."""
        sign = 1 if (self.signed and code & self.sign_bit) else 0
        mag = code & self.mag_mask
        e_field = mag >> self.man_bits
        t = mag & ((1 << self.man_bits) - 1)
        if e_field == 0 and self.subnormals:
            return sign, t, 1 - self.bias - self.man_bits
        return sign, (1 << self.man_bits) | t, e_field - self.bias - self.man_bits

    def value(self, code: int) -> Union[Fraction, float]:
        """Exact value of a code: Fraction for finite, float('inf'/'nan') otherwise."""
        self.check_code(code)
        if self.is_nan(code):
            return float("nan")
        if self.is_inf(code):
            neg = self.signed and code & self.sign_bit
            return float("-inf") if neg else float("inf")
        sign, sig, exp = self.finite_parts(code)
        v = Fraction(sig) * (Fraction(2) ** exp)
        return -v if sign else v

    def check_code(self, code: int) -> None:
        if not 0 <= code < (1 << self.bits):
            raise FormatError(f"code {code:#x} out of range for {self.name} ({self.bits} bits)")

    def pack(self, sign: int, sig: int, q: int) -> int:
        """Code of (-1)^sign * sig * 2^q; sig < 2^P, already rounded and in range."""
        m = self.man_bits
        if sig == 0:
            return self.zero_code(sign)
        if sig >= (1 << m):
            e_field = q + m + self.bias
            code = (e_field << m) | (sig - (1 << m))
        else:  # subnormal: q must equal emin - m
            code = sig
        return code | (self.sign_bit if sign else 0)

    @property
    def max_value(self) -> Fraction:
        return Fraction(self.value(self.max_code))

    @property
    def min_normal(self) -> Fraction:
        return Fraction(2) ** self.emin

    @property
    def min_subnormal(self) -> Fraction | None:
        if not self.subnormals or self.man_bits == 0:
            return None
        return Fraction(2) ** (self.emin - self.man_bits)

    @property
    def min_positive(self) -> Fraction:
        return self.min_subnormal or self.min_normal

    def summary(self) -> dict:
        return {
            "name": self.name,
            "bits": self.width,
            "E": self.exp_bits,
            "M": self.man_bits,
            "bias": self.bias,
            "signed": self.signed,
            "specials": self.specials.value,
            "max": self.max_value,
            "min_normal": self.min_normal,
            "min_subnormal": self.min_subnormal,
            "inf": self.has_inf,
            "nan": self.has_nan,
            "neg_zero": self.has_neg_zero,
            "overflow": self.default_overflow.value,
        }


@dataclass(frozen=True)
class IntFormat:
    """Two's-complement integer element with value ``int * 2^scale_exp`` (MXINT8: -6)."""

    name: str
    bits: int
    scale_exp: int = 0
    symmetric: bool = False  # True: the most negative code is excluded (range +-(2^(b-1)-1))
    default_overflow: Overflow = Overflow.SATFINITE
    nan_policy: NanPolicy = NanPolicy.ZERO
    description: str = ""
    aliases: tuple[str, ...] = field(default=(), compare=False)
    kind = "int"
    signed = True
    has_inf = False
    has_nan = False
    has_neg_zero = False
    has_zero = True

    @property
    def width(self) -> int:
        return self.bits

    @property
    def max_int(self) -> int:
        return (1 << (self.bits - 1)) - 1

    @property
    def min_int(self) -> int:
        return -self.max_int if self.symmetric else -(1 << (self.bits - 1))

    def to_int(self, code: int) -> int:
        return code - (1 << self.bits) if code >> (self.bits - 1) else code

    def from_int(self, i: int) -> int:
        return i & ((1 << self.bits) - 1)

    def check_code(self, code: int) -> None:
        if not 0 <= code < (1 << self.bits):
            raise FormatError(f"code {code:#x} out of range for {self.name} ({self.bits} bits)")

    def value(self, code: int) -> Fraction:
        self.check_code(code)
        return Fraction(self.to_int(code)) * Fraction(2) ** self.scale_exp

    def is_nan(self, code: int) -> bool:
        return False

    def is_inf(self, code: int) -> bool:
        return False

    def is_signaling(self, code: int) -> bool:
        return False

    def codes(self) -> range:
        return range(1 << self.bits)

    @property
    def max_value(self) -> Fraction:
        return Fraction(self.max_int) * Fraction(2) ** self.scale_exp

    def summary(self) -> dict:
        step = Fraction(2) ** self.scale_exp
        return {
            "name": self.name,
            "bits": self.bits,
            "E": "-",
            "M": "-",
            "bias": f"2^{self.scale_exp}",
            "signed": True,
            "specials": "int",
            "max": self.max_value,
            "min_normal": "-",
            "min_subnormal": step,
            "inf": False,
            "nan": False,
            "neg_zero": False,
            "overflow": self.default_overflow.value,
        }


Format = Union[FloatFormat, IntFormat]

# ---- registry -----------------------------------------------------------------------------

_REGISTRY: dict[str, Format] = {}
_ALIASES: dict[str, str] = {}


def register(fmt: Format) -> Format:
    """Add a format (and its aliases) to the registry."""
    key = fmt.name.lower()
    if key in _REGISTRY or key in _ALIASES:
        raise FormatError(f"format name {fmt.name!r} already registered")
    _REGISTRY[key] = fmt
    for alias in fmt.aliases:
        a = alias.lower()
        if a in _REGISTRY or a in _ALIASES:
            raise FormatError(f"alias {alias!r} already registered")
        _ALIASES[a] = key
    return fmt


_P3109 = re.compile(r"^(?:p3109_|binary)(\d+)p(\d+)([su])([ef])$", re.IGNORECASE)


def p3109(k: int, p: int, signed: bool = True, extended: bool = True) -> FloatFormat:
    """IEEE P3109 Binary{K}p{P}{s|u}{e|f} (formats.md §1, P3109 §3.1)."""
    if not (2 <= k <= 32 and 1 <= p < k + (0 if signed else 1)):
        raise FormatError(f"P3109 needs 2 <= K <= 32 and 1 <= P < K (got K={k}, P={p})")
    exp_bits = k - p if signed else k - p + 1
    bias = 1 << (k - p - 1) if signed else 1 << (k - p)
    if exp_bits < 1:
        raise FormatError(f"P3109 K={k}, P={p} leaves no exponent bits")
    tag = f"{k}p{p}{'s' if signed else 'u'}{'e' if extended else 'f'}"
    return FloatFormat(
        name=f"p3109_{tag}",
        exp_bits=exp_bits,
        man_bits=p - 1,
        bias=bias,
        signed=signed,
        specials=Specials.P3109_E if extended else Specials.P3109_F,
        default_overflow=Overflow.IEEE,
        description=f"IEEE P3109 Binary{tag}",
        aliases=(f"binary{tag}",),
    )


_PROVIDERS: list = []


def register_provider(provider) -> None:
    """Add a ``provider(key) -> Format | None`` consulted for names not in the registry (it may
    raise FormatError to explain a near miss, e.g. an unknown variant of a family)."""
    _PROVIDERS.append(provider)


def get_format(name: str | Format) -> Format:
    """Look a format up by name or alias (case-insensitive); P3109 names are made on demand."""
    if not isinstance(name, str):
        return name
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key in _REGISTRY:
        return _REGISTRY[key]
    m = _P3109.match(key)
    if m:
        k, p, su, ef = int(m.group(1)), int(m.group(2)), m.group(3), m.group(4)
        fmt = p3109(k, p, su == "s", ef == "e")
        return fmt
    for provider in _PROVIDERS:
        found = provider(key)
        if found is not None:
            return found
    raise FormatError(f"unknown format {name!r} (try `fpverify formats`)")


def all_formats() -> list[Format]:
    return list(_REGISTRY.values())


def format_names() -> list[str]:
    return list(_REGISTRY) + list(_ALIASES)


def define_format(
    name: str,
    exp_bits: int,
    man_bits: int,
    bias: int | None = None,
    specials: str | Specials = "ieee",
    signed: bool = True,
    overflow: str | Overflow | None = None,
) -> FloatFormat:
    """A user-defined float format (not registered); bias defaults to 2^(E-1)-1."""
    sp = Specials(specials) if isinstance(specials, str) else specials
    if bias is None:
        bias = (1 << (exp_bits - 1)) - 1
    if overflow is None:
        ov = {Specials.IEEE: Overflow.IEEE, Specials.P3109_E: Overflow.IEEE,
              Specials.FN: Overflow.NAN, Specials.FNUZ: Overflow.NAN}.get(sp, Overflow.SATFINITE)
    else:
        ov = Overflow(overflow) if isinstance(overflow, str) else overflow
    return FloatFormat(name, exp_bits, man_bits, bias, signed, sp, default_overflow=ov,
                       description="user-defined")


def _f(name, e, m, bias, specials=Specials.IEEE, overflow=Overflow.IEEE, aliases=(), desc="", **kw):
    register(FloatFormat(name, e, m, bias, specials=specials, default_overflow=overflow,
                         aliases=tuple(aliases), description=desc, **kw))


_f("f16", 5, 10, 15, aliases=("binary16", "half", "float16"), desc="IEEE binary16")
_f("f32", 8, 23, 127, aliases=("binary32", "single", "float32"), desc="IEEE binary32")
_f("f64", 11, 52, 1023, aliases=("binary64", "double", "float64"), desc="IEEE binary64")
_f("bf16", 8, 7, 127, aliases=("bfloat16",), desc="bfloat16")
_f("tf32", 8, 10, 127, aliases=("tensorfloat32",), desc="NVIDIA TF32 (19 value bits)")
_f("e4m3fn", 4, 3, 7, Specials.FN, Overflow.NAN,
   aliases=("float8_e4m3fn", "fp8_e4m3", "ocp_e4m3"), desc="OCP FP8 E4M3")
_f("e5m2", 5, 2, 15, Specials.IEEE, Overflow.IEEE,
   aliases=("float8_e5m2", "fp8_e5m2", "ocp_e5m2"), desc="OCP FP8 E5M2")
_f("e4m3", 4, 3, 7, Specials.IEEE, Overflow.IEEE,
   aliases=("float8_e4m3",), desc="IEEE-style E4M3 (ml_dtypes float8_e4m3, not OCP)")
_f("e4m3fnuz", 4, 3, 8, Specials.FNUZ, Overflow.NAN,
   aliases=("float8_e4m3fnuz",), desc="E4M3 FNUZ (AMD/Graphcore)")
_f("e5m2fnuz", 5, 2, 16, Specials.FNUZ, Overflow.NAN,
   aliases=("float8_e5m2fnuz",), desc="E5M2 FNUZ (AMD/Graphcore)")
_f("e4m3b11fnuz", 4, 3, 11, Specials.FNUZ, Overflow.NAN,
   aliases=("float8_e4m3b11fnuz",), desc="E4M3 FNUZ, bias 11")
_f("e3m4", 3, 4, 3, Specials.IEEE, Overflow.IEEE, aliases=("float8_e3m4",), desc="IEEE-style E3M4")
_f("e2m3fn", 2, 3, 1, Specials.NONE, Overflow.SATFINITE,
   aliases=("float6_e2m3fn", "fp6_e2m3", "e2m3"), desc="OCP FP6 E2M3")
_f("e3m2fn", 3, 2, 3, Specials.NONE, Overflow.SATFINITE,
   aliases=("float6_e3m2fn", "fp6_e3m2", "e3m2"), desc="OCP FP6 E3M2")
_f("e2m1fn", 2, 1, 1, Specials.NONE, Overflow.SATFINITE,
   aliases=("float4_e2m1fn", "fp4_e2m1", "e2m1", "fp4"), desc="OCP FP4 E2M1")
_f("e8m0fnu", 8, 0, 127, Specials.FN, Overflow.SATFINITE, signed=False, subnormals=False,
   aliases=("float8_e8m0fnu", "e8m0", "ue8m0"), desc="OCP MX scale E8M0 (no zero)")
_f("ue4m3", 4, 3, 7, Specials.FN, Overflow.SATFINITE, signed=False, storage_bits=8,
   aliases=(), desc="NVFP4 block scale (unsigned E4M3 in a byte, MSB 0)")
register(IntFormat("mxint8", 8, -6, aliases=("mx_int8",), description="OCP MXINT8 element (int8/64)"))
register(IntFormat("int8", 8, 0, description="two's-complement int8"))
register(IntFormat("int4", 4, 0, description="two's-complement int4"))
for _k, _p, _s, _e in [(8, 3, True, True), (8, 4, True, True), (8, 3, True, False), (8, 4, True, False),
                       (4, 2, True, False), (8, 1, False, False), (6, 3, True, True), (8, 5, True, True)]:
    register(p3109(_k, _p, _s, _e))
# HiFloat4 (arXiv 2602.11287): the S1P2 element (E1M2, bias 1, values 0..1.75, -0, no NaN/Inf) and
# the block scale E6M2 (2^-48 .. 49152 = 1.5*2^15; the all-ones code 1.75*2^15 is NaN)
_f("e1m2", 1, 2, 1, Specials.NONE, Overflow.SATFINITE,
   aliases=("float4_e1m2", "hif4_s1p2", "s1p2"), desc="HiFloat4 element S1P2 (E1M2, bias 1)")
_f("ue6m2", 6, 2, 48, Specials.FN, Overflow.SATFINITE, signed=False, subnormals=False,
   aliases=("e6m2_hif4",), desc="HiFloat4 block scale (unsigned E6M2, bias 48, no zero)")
