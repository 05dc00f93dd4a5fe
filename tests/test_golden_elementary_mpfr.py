"""Golden elementary functions against MPFR (gmpy2), exhaustively on 8-bit formats.

The oracle is independent of fpverify: operands and results are decoded with ml_dtypes/numpy;
MPFR computes each function at 400 bits rounded toward zero with its inexact flag (the truncated
value plus a sticky bit: exactly what any rounding to fewer bits needs), and a test-local
rounder below turns that into the expected value in each of the six deterministic modes, with
the expected inexact, underflow (tininess after rounding) and overflow flags.

Composites MPFR lacks (sigmoid, silu, gelu_erf, gelu_tanh) are evaluated in MPFR from their
textbook definitions; where the result is within e^-|x| of x or 1 the standard identity
g = x - x * (1 - g) is summed exactly in rationals so the tiny difference is not lost.

f32 is sampled: random operands plus, for exp and log, the hardest-to-round operands of the whole
binary32 domain (`tests/data/f32_hard_cases.json`: every f32 code screened in float64, the nearest
to a rounding boundary re-measured with MPFR; written by `benchmarks/find_f32_hard_cases.py`, the
enumeration method of the Lefevre-Muller worst-case tables, run here rather than copied). They need
up to 72 correct bits (exp near 0) and 58 bits (log) to be rounded in every mode.

One documented difference: MPFR's rec_sqrt(-0) is +inf, IEEE 754-2019 §9.2.1 (and the golden
model) give -inf; that case is checked on its own.
"""

from __future__ import annotations

import json
import math
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

gmpy2 = pytest.importorskip("gmpy2")
ml_dtypes = pytest.importorskip("ml_dtypes")

from fpverify.formats import get_format  # noqa: E402
from fpverify.golden.elementary import evaluate  # noqa: E402
from fpverify.rounding import DETERMINISTIC, Env, Flags  # noqa: E402

WORK = 400
DTYPES = {"e4m3fn": ml_dtypes.float8_e4m3fn, "e5m2": ml_dtypes.float8_e5m2, "f16": np.float16,
          "bf16": ml_dtypes.bfloat16, "f32": np.float32}
MPFR_NATIVE = {"exp": gmpy2.exp, "exp2": gmpy2.exp2, "exp10": gmpy2.exp10, "expm1": gmpy2.expm1,
               "log": gmpy2.log, "log2": gmpy2.log2, "log10": gmpy2.log10, "log1p": gmpy2.log1p,
               "sin": gmpy2.sin, "cos": gmpy2.cos, "tan": gmpy2.tan, "tanh": gmpy2.tanh,
               "sinh": gmpy2.sinh, "cosh": gmpy2.cosh, "atan": gmpy2.atan, "erf": gmpy2.erf,
               "rsqrt": gmpy2.rec_sqrt, "recip": lambda x: 1 / x}
COMPOSITES = ("sigmoid", "silu", "gelu_erf", "gelu_tanh")
GROWING = ("exp", "exp2", "exp10", "expm1", "cosh", "sinh")  # e^|x| grows: stand-ins beyond |x| = 2^20
# (precision, emin, max finite, has inf) of each format, written out here (not read from fpverify)
SHAPES = {"e4m3fn": (4, -6, Fraction(448), False), "e5m2": (3, -14, Fraction(57344), True),
          "f16": (11, -14, Fraction(65504), True), "bf16": (8, -126, Fraction(2**128 - 2**120), True),
          "f32": (24, -126, Fraction(2**128 - 2**104), True)}


def decode(fmt: str, codes) -> list[float]:
    width = np.uint32 if fmt == "f32" else np.uint16 if fmt in ("f16", "bf16") else np.uint8
    with np.errstate(invalid="ignore"):
        return np.asarray(codes, dtype=width).view(DTYPES[fmt]).astype(np.float64).tolist()


def _context():
    # a bounded exponent range (2^+-2^30) keeps MPFR fast on exp(1e38); a result beyond it is
    # replaced by 2^+-2000, which every tested format rounds exactly like it (see `reference`)
    return gmpy2.context(precision=WORK, round=gmpy2.RoundToZero, emin=-(1 << 30), emax=1 << 30)


def frac(y) -> Fraction:
    n, d = y.as_integer_ratio()
    return Fraction(int(n), int(d))


def _composite(name: str, x):
    """(value as Fraction, inexact) of a composite, evaluated in MPFR (see the module docstring)."""
    xf = Fraction(float(x))
    far = {"sigmoid": 800, "silu": 800, "gelu_erf": 40, "gelu_tanh": 40}.get(name)
    if name == "sigmoid" and abs(x) > far:  # 1 - s(x) (x > 0) and s(x) (x < 0) are below 2^-1150
        return (1 - Fraction(1, 2 ** 1100) if x > 0 else Fraction(1, 2 ** 1100)), True
    if far and abs(x) > far:  # |x (1 - g(x))| (x > 0) and |x g(x)| (x < 0) are below 2^-1000:
        return (xf if x > 0 else 0) - Fraction(1, 2 ** 1100), True  # only the side matters
    if name == "sigmoid":
        if x > 1:
            return 1 + frac(-1 / (1 + gmpy2.exp(x))), True
        return frac(1 / (1 + gmpy2.exp(-x))), True
    if name == "silu":
        g = (lambda: x / (1 + gmpy2.exp(-x)), lambda: -x / (1 + gmpy2.exp(x)))
    elif name == "gelu_erf":
        r2 = gmpy2.sqrt(2)
        g = (lambda: x * gmpy2.erfc(-x / r2) / 2, lambda: -x * gmpy2.erfc(x / r2) / 2)
    else:  # gelu_tanh: x/2 (1 + tanh u) = x / (1 + e^-2u)
        u = gmpy2.sqrt(2 / gmpy2.const_pi()) * (x + gmpy2.mpfr(44715) / 1000000 * x ** 3)
        g = (lambda: x / 2 * (1 + gmpy2.tanh(u)), lambda: -x / (1 + gmpy2.exp(2 * u)))
    if x > 1:
        return xf + frac(g[1]()), True
    if name == "gelu_erf" or x > -1:
        return frac(g[0]()), True
    return (frac(x / (1 + gmpy2.exp(-2 * u))) if name == "gelu_tanh" else frac(g[0]())), True


def reference(name: str, x: float):
    """('nan'|'inf'|'zero'|'finite', sign, Fraction value or None, inexact, divzero)."""
    if name in GROWING and math.isfinite(x) and abs(x) > 2 ** 20:
        # e^|x| > 2^(2^20): MPFR is slow here, and every tested format rounds any magnitude beyond
        # 2^1000 (or any distance to 0 or -1 below 2^-1000) alike, so stand-ins are given
        big, tiny = Fraction(2) ** 2000, Fraction(1, 2 ** 1100)
        if name in ("cosh", "sinh") or x > 0:
            return "finite", int(name == "sinh" and x < 0), (-big if name == "sinh" and x < 0 else big), True, False
        return ("finite", 1, tiny - 1, True, False) if name == "expm1" else ("finite", 0, tiny, True, False)
    with _context() as ctx:
        xm = gmpy2.mpfr(x)
        if name in COMPOSITES and math.isfinite(x) and x != 0:
            v, inexact = _composite(name, xm)
            return "finite", int(v < 0), v, inexact, False
        if name in COMPOSITES:
            # x * g(x) at ±0 and its limits at ±inf: ±0, +inf, -0
            y = 1 / (1 + gmpy2.exp(-xm)) if name == "sigmoid" else xm if not x < 0 else gmpy2.mpfr("-0")
        else:
            y = MPFR_NATIVE[name](xm)
        inexact, divzero = ctx.inexact, ctx.divzero
        if ctx.overflow or ctx.underflow:  # |true value| beyond 2^(2^30) or below 2^-(2^30)
            far = Fraction(2) ** (2000 if ctx.overflow else -2000)
            neg = y < 0 or (y == 0 and gmpy2.is_signed(y))
            return "finite", int(neg), -far if neg else far, True, False
    if gmpy2.is_nan(y):
        return "nan", 0, None, False, False
    if gmpy2.is_infinite(y):
        return "inf", int(y < 0), None, False, divzero
    if y == 0:
        return "zero", int(gmpy2.is_signed(y)), Fraction(0), False, False
    return "finite", int(y < 0), frac(y), inexact, False


def ref_round(v: Fraction, sticky: bool, mode: str, p: int, emin: int, unbounded: bool = False):
    """(rounded value, inexact): ``v`` (plus a sticky bit) to ``p`` bits, quantum floored at emin."""
    neg, a = v < 0, abs(v)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    q = (e if unbounded else max(e, emin)) - p + 1
    scaled = a / Fraction(2) ** q
    n = math.floor(scaled)
    rem = scaled - n
    inexact = rem != 0 or sticky
    half = Fraction(1, 2)
    up = {"rne": rem > half or (rem == half and (sticky or n % 2 == 1)),
          "rna": rem >= half and inexact, "rtz": False, "rup": inexact and not neg,
          "rdn": inexact and neg, "rto": inexact and n % 2 == 0}[mode]
    r = (n + int(up)) * Fraction(2) ** q
    return (-r if neg else r), inexact


def check_one(fmt: str, name: str, code: int, ref, env: Env, got=None) -> str | None:
    """None when golden (or ``got``: a result with .code and .flags) agrees with the reference,
    else a description of the difference."""
    p, emin, top, has_inf = SHAPES[fmt]
    mode = env.rounding.mode.value
    got = got or evaluate(name, get_format(fmt), (code,), env)
    gv = decode(fmt, [got.code])[0]
    kind, sign, v, sticky, divzero = ref
    fl = got.flags
    where = f"{name}({fmt} {code:#x}) {mode}: golden {gv!r} flags {fl.names()}"
    if kind == "nan":
        return None if math.isnan(gv) and Flags.INVALID in fl or math.isnan(decode(fmt, [code])[0]) \
            and math.isnan(gv) else f"{where}, want NaN/invalid"
    if kind == "inf":
        want_flags = Flags.INFINITE if divzero else Flags.NONE
        if has_inf:
            ok = gv == (-math.inf if sign else math.inf) and fl.ieee == want_flags
        else:  # no Inf in the format: NaN or ±max under the overflow policy
            ok = math.isnan(gv) or abs(gv) == float(top)
        return None if ok else f"{where}, want {'-' if sign else '+'}inf {want_flags.names()}"
    if kind == "zero":
        ok = gv == 0 and math.copysign(1, gv) == (-1 if sign else 1) and fl.ieee == Flags.NONE
        return None if ok else f"{where}, want {'-' if sign else '+'}0"
    r, inexact = ref_round(v, sticky, mode, p, emin)
    if abs(r) > top:  # overflow: Inf or ±max, flags overflow + inexact
        ok = Flags.OVERFLOW in fl and Flags.INEXACT in fl and (math.isnan(gv) or abs(gv) in (math.inf, float(top)))
        ok = ok and (math.isnan(gv) or (gv < 0) == (v < 0))
        return None if ok else f"{where}, want overflow of {float(v)!r}"
    ru, _ = ref_round(v, sticky, mode, p, emin, unbounded=True)
    underflow = inexact and abs(ru) < Fraction(2) ** emin
    want = Flags.INEXACT * inexact | Flags.UNDERFLOW * underflow
    ok = Fraction(gv) == r and fl.ieee == want and (r != 0 or math.copysign(1, gv) == (-1 if v < 0 else 1))
    return None if ok else f"{where}, want {float(r)!r} flags {Flags(want).names()} (exact {float(v)!r})"


def check_exhaustive(fmt: str, name: str, codes) -> list[str]:
    xs = decode(fmt, codes)
    bad = []
    for code, x in zip(codes, xs):
        ref = reference(name, x)
        for rnd in DETERMINISTIC:
            msg = check_one(fmt, name, code, ref, Env(rnd))
            if msg and not (name == "rsqrt" and x == 0 and math.copysign(1, x) < 0):
                bad.append(msg)
    return bad


NAMES = tuple(MPFR_NATIVE) + COMPOSITES


@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2"])
@pytest.mark.parametrize("name", NAMES)
def test_exhaustive_8bit_all_modes(fmt, name):
    bad = check_exhaustive(fmt, name, range(256))
    assert not bad, "\n".join(bad[:10]) + f"\n... {len(bad)} mismatches"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["f16", "bf16"])
@pytest.mark.parametrize("name", NAMES)
def test_exhaustive_16bit_all_modes(fmt, name):
    bad = check_exhaustive(fmt, name, range(1 << 16))
    assert not bad, "\n".join(bad[:10]) + f"\n... {len(bad)} mismatches"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["f16", "bf16"])
@pytest.mark.parametrize("name", NAMES)
def test_exhaustive_16bit_fast_path_all_modes(fmt, name):
    """fpverify.fast.elementary (bit-exact with golden, tests/test_fast_elementary.py) against MPFR on
    every 16-bit code: minutes instead of the golden model's hours."""
    from types import SimpleNamespace

    from fpverify.fast import elementary

    codes = np.arange(1 << 16)
    refs = [reference(name, x) for x in decode(fmt, codes)]
    bad = []
    for rnd in DETERMINISTIC:
        c, f = elementary(name, codes, fmt, Env(rnd), with_flags=True)
        for code, ref in zip(codes.tolist(), refs):
            got = SimpleNamespace(code=int(c[code]), flags=Flags(int(f[code])))
            msg = check_one(fmt, name, code, ref, Env(rnd), got)
            if msg and not (name == "rsqrt" and code == (0x8000)):
                bad.append(msg)
    assert not bad, "\n".join(bad[:10]) + f"\n... {len(bad)} mismatches"


@pytest.mark.parametrize("fmt", ["f16", "bf16"])
@pytest.mark.parametrize("name", NAMES)
def test_sampled_16bit_all_modes(fmt, name):
    rng = random.Random(f"{fmt}-{name}")
    bad = check_exhaustive(fmt, name, [rng.randrange(1 << 16) for _ in range(40)])
    assert not bad, "\n".join(bad[:10]) + f"\n... {len(bad)} mismatches"


def test_rsqrt_of_minus_zero_is_minus_inf_ieee_not_mpfr():
    got = evaluate("rsqrt", get_format("e5m2"), (0x80,), Env())
    assert decode("e5m2", [got.code])[0] == -math.inf and got.flags == Flags.INFINITE


HARD_CASES = Path(__file__).parent / "data" / "f32_hard_cases.json"


def hard_f32(name: str) -> list[int]:
    """The stored hardest-to-round f32 operands of ``name`` (every region of the search)."""
    data = json.loads(HARD_CASES.read_text())[name]
    return [int(case["code"], 16) for region in data.values() for case in region["cases"]]


@pytest.mark.parametrize("name", ["exp", "log"])
def test_f32_hard_cases_and_sample(name):
    hard = hard_f32(name)
    assert len(hard) >= 20
    rng = random.Random(f"f32-{name}")
    bad = check_exhaustive("f32", name, hard + [rng.randrange(1 << 32) for _ in range(40)])
    assert not bad, "\n".join(bad[:10]) + f"\n... {len(bad)} mismatches"
