"""Tapered-precision formats: the number of significand bits depends on the binade.

HiFloat8 (HiF8, arXiv 2409.16626 §2, Huawei Ascend) is the one registered family. A byte is
``S | dot | exponent | mantissa``; the prefix-coded dot field (``11``, ``10``, ``01``, ``001``,
``0001``, ``0000``) gives the exponent width D = 4, 3, 2, 1, 0 or the denormal mode:

=====  ==========  =========  ==========  ======================
dot    code bits   D (exp)    mantissa    binades (exponents)
=====  ==========  =========  ==========  ======================
11     S 11 e xxx m    4          1       ±(8 .. 15)
10     S 10 e xx mm    3          2       ±(4 .. 7)
01     S 01 e x mmm    2          3       ±(2 .. 3)
001    S 001 e mmm     1          3       ±1
0001   S 0001 mmm      0          3       0
0000   S 0000 mmm      denormal   -       2^(m-23), m = 1..7
=====  ==========  =========  ==========  ======================

The exponent is sign-magnitude (``e = 1``: negative) with an implicit leading magnitude bit, so D
stored bits hold magnitudes 2^(D-1) .. 2^D - 1. ``0x00`` is the only zero, ``0x80`` the only NaN,
``0x6F``/``0xEF`` (the would-be ±1.5·2^15) are ±Inf, max finite ``0x6E`` = 2^15.

A `TaperedFormat` exposes what rounding needs: the precision of each binade
(`binade_precision`), the code of a value in range (`encode`), and the usual predicates and
special codes of `FloatFormat`, so unpack/special handling reads it the same way. The Inf code
keeps its place in the binade-15 grid: rounding above 2^15 uses that binade's precision (the
analogue of IEEE's "unbounded exponent range").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Union

from .formats import FormatError, NanPolicy, Overflow, register, register_provider

# (dot prefix, its length, exponent width D); the denormal prefix 0000 has D = None
HIF8_DOTS: tuple[tuple[int, int, int | None], ...] = (
    (0b11, 2, 4), (0b10, 2, 3), (0b01, 2, 2), (0b001, 3, 1), (0b0001, 4, 0), (0b0000, 4, None),
)
HIF8_DENORMAL_BIAS = 23  # denormal value 2^(m - 23)


@dataclass(frozen=True)
class TaperedCode:
    """The structural decode of a magnitude: value ``sig * 2^exp`` with ``precision`` significand
    bits (``sig`` has its top bit set unless the magnitude is zero or NaN)."""

    sig: int
    exp: int
    precision: int
    dot: int | None  # D, None for the denormal mode


def hif8_fields(mag: int) -> TaperedCode:
    """Decode a 7-bit HiF8 magnitude by the field rules (the Inf/NaN codes decode as numbers here)."""
    if not 0 <= mag < 128:
        raise FormatError(f"HiF8 magnitude {mag:#x} out of range")
    for prefix, plen, d in HIF8_DOTS:
        if mag >> (7 - plen) == prefix:
            rest = mag & ((1 << (7 - plen)) - 1)
            if d is None:  # denormal: 0000 mmm
                return TaperedCode(1, rest - HIF8_DENORMAL_BIAS, 1, None) if rest else TaperedCode(0, 0, 1, None)
            mbits = 7 - plen - d
            man = rest & ((1 << mbits) - 1)
            if d == 0:
                e = 0
            else:
                ebits = rest >> mbits
                neg = ebits >> (d - 1)
                magn = (1 << (d - 1)) | (ebits & ((1 << (d - 1)) - 1))
                e = -magn if neg else magn
            return TaperedCode((1 << mbits) | man, e - mbits, mbits + 1, d)
    raise AssertionError("the dot prefixes cover every magnitude")


@dataclass(frozen=True)
class TaperedFormat:
    """A signed 8-bit tapered float (HiF8 layout); variants differ in the default overflow policy."""

    name: str
    default_overflow: Overflow = Overflow.IEEE
    nan_policy: NanPolicy = NanPolicy.ZERO
    description: str = ""
    aliases: tuple[str, ...] = field(default=(), compare=False)
    layout: str = "hif8"

    kind = "tapered"
    signed = True
    bits = 8
    has_inf = True
    has_nan = True
    has_neg_zero = False
    has_zero = True
    subnormals = True

    # ---- layout -------------------------------------------------------------------------
    @property
    def width(self) -> int:
        return self.bits

    @property
    def sign_bit(self) -> int:
        return 0x80

    @property
    def mag_mask(self) -> int:
        return 0x7F

    @property
    def emin(self) -> int:
        """Exponent of the smallest normal binade (tininess threshold 2^emin): -15."""
        return _tables(self.layout).emin_normal

    @property
    def emin_binade(self) -> int:
        """The lowest binade holding a value (the smallest denormal 2^-22)."""
        return min(_tables(self.layout).precision)

    @property
    def emax_binade(self) -> int:
        return max(_tables(self.layout).precision)

    @property
    def precision(self) -> int:
        """The widest binade precision (significand width that holds every value)."""
        return max(_tables(self.layout).precision.values())

    def binade_precision(self, e: int) -> int:
        """Significand bits of the values in [2^e, 2^(e+1)); e within [emin_binade, emax_binade]."""
        try:
            return _tables(self.layout).precision[e]
        except KeyError:
            raise FormatError(f"{self.name} has no binade 2^{e}") from None

    # ---- codes --------------------------------------------------------------------------
    def check_code(self, code: int) -> None:
        if not 0 <= code < 256:
            raise FormatError(f"code {code:#x} out of range for {self.name} (8 bits)")

    def codes(self) -> range:
        return range(256)

    def is_nan(self, code: int) -> bool:
        return code == 0x80

    def is_signaling(self, code: int) -> bool:
        return False

    def is_inf(self, code: int) -> bool:
        return code & 0x7F == 0x6F

    def is_special(self, code: int) -> bool:
        return self.is_nan(code) or self.is_inf(code)

    @property
    def max_code(self) -> int:
        return 0x6E

    @property
    def min_code(self) -> int:
        return 0xEE

    def nan_code(self, sign: int = 0) -> int:
        return 0x80

    def inf_code(self, sign: int = 0) -> int:
        return 0xEF if sign else 0x6F

    def zero_code(self, sign: int = 0) -> int:
        return 0x00

    def finite_parts(self, code: int) -> tuple[int, int, int]:
        """(sign, significand, exponent) with value (-1)^sign * sig * 2^exp; code must be finite."""
        f = hif8_fields(code & 0x7F)
        return (code >> 7) & 1, f.sig, f.exp

    def value(self, code: int) -> Union[Fraction, float]:
        self.check_code(code)
        if self.is_nan(code):
            return float("nan")
        if self.is_inf(code):
            return float("-inf") if code & 0x80 else float("inf")
        sign, sig, exp = self.finite_parts(code)
        v = Fraction(sig) * Fraction(2) ** exp
        return -v if sign else v

    def encode(self, sign: int, sig: int, q: int) -> int:
        """Code of (-1)^sign * sig * 2^q, a value of the format (zero included, Inf excluded)."""
        if sig == 0:
            return 0
        while sig & 1 == 0:
            sig >>= 1
            q += 1
        mag = _tables(self.layout).encode.get((sig, q))
        if mag is None:
            raise FormatError(f"{sig}*2^{q} is not a finite value of {self.name}")
        return mag | (0x80 if sign else 0)

    def bit_fields(self, code: int) -> str:
        """The code's bits split as sign.dot.exponent.mantissa (e.g. '0.11.0.111.0')."""
        mag = code & 0x7F
        for prefix, plen, d in HIF8_DOTS:
            if mag >> (7 - plen) == prefix:
                bits = f"{mag:07b}"
                parts = [str(code >> 7), bits[:plen]]
                if d:
                    parts.append(bits[plen:plen + d])
                parts.append(bits[plen + (d or 0):])
                return ".".join(parts)
        raise AssertionError("the dot prefixes cover every magnitude")

    # ---- values -------------------------------------------------------------------------
    @property
    def max_value(self) -> Fraction:
        return Fraction(self.value(self.max_code))

    @property
    def min_normal(self) -> Fraction:
        return Fraction(2) ** self.emin

    @property
    def min_subnormal(self) -> Fraction:
        return Fraction(2) ** self.emin_binade

    @property
    def min_positive(self) -> Fraction:
        return self.min_subnormal

    def summary(self) -> dict:
        precisions = _tables(self.layout).precision
        return {
            "name": self.name, "bits": 8, "E": "0-4", "M": "1-3",
            "bias": "-", "signed": True, "specials": "hif8",
            "max": self.max_value, "min_normal": self.min_normal, "min_subnormal": self.min_subnormal,
            "inf": True, "nan": True, "neg_zero": False, "overflow": self.default_overflow.value,
            "precision_by_binade": {e: precisions[e] for e in sorted(precisions)},
        }


@dataclass(frozen=True)
class _Tables:
    precision: dict[int, int]  # binade exponent -> significand bits
    encode: dict[tuple[int, int], int]  # (odd sig, exp) -> magnitude
    emin_normal: int


@lru_cache(maxsize=None)
def _tables(layout: str) -> _Tables:
    if layout != "hif8":
        raise FormatError(f"unknown tapered layout {layout!r}")
    precision: dict[int, int] = {}
    encode: dict[tuple[int, int], int] = {}
    emin_normal = 0
    for mag in range(1, 128):
        f = hif8_fields(mag)
        binade = f.exp + f.precision - 1
        if precision.setdefault(binade, f.precision) != f.precision:
            raise AssertionError(f"HiF8 binade 2^{binade} has two precisions")
        if f.dot is not None:
            emin_normal = min(emin_normal, binade)
        if mag != 0x6F:  # Inf keeps its grid place but is no finite value
            sig, exp = f.sig, f.exp
            while sig & 1 == 0:
                sig >>= 1
                exp += 1
            encode[(sig, exp)] = mag
    return _Tables(precision, encode, emin_normal)


# ---- registry ---------------------------------------------------------------------------------

HIF8_VARIANTS: dict[str, Overflow] = {"hif8": Overflow.IEEE, "hif8_sat": Overflow.SATFINITE}
HIF8 = register(TaperedFormat("hif8", Overflow.IEEE, description="HiFloat8 (Ascend, tapered; overflow to Inf)",
                              aliases=("hifloat8", "float8_hif8")))
HIF8_SAT = register(TaperedFormat("hif8_sat", Overflow.SATFINITE,
                                  description="HiFloat8, saturating variant (overflow to ±2^15)",
                                  aliases=("hifloat8_sat",)))

_HIF8_NAME = re.compile(r"^(?:hif8|hifloat8)(?:_(\w+))?$", re.IGNORECASE)


def _hif8_provider(key: str):
    """Names that look like a HiF8 variant but are none: one clear message."""
    m = _HIF8_NAME.match(key)
    if m:
        raise FormatError(f"unknown HiF8 variant {key!r} (use one of: {', '.join(HIF8_VARIANTS)})")
    return None


register_provider(_hif8_provider)

__all__ = ["TaperedFormat", "TaperedCode", "hif8_fields", "HIF8", "HIF8_SAT", "HIF8_VARIANTS", "HIF8_DOTS"]
