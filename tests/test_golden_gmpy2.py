"""IEEE-style formats against MPFR via gmpy2 (oracle: MPFR, with IEEE flag mapping below).

MPFR rounding modes used: RoundToNearest (ties to even) = RNE, RoundToZero = RTZ, RoundUp = RUP,
RoundDown = RDN. MPFR's RoundAwayZero is *directed* rounding away from zero, not ties-away, so it
has no counterpart among our modes and is not used; RNA and RTO are not MPFR modes.

Contexts: precision P, ``emax = emax_ieee + 1``, ``emin = emin_ieee - P + 2`` (MPFR significands
are in [1/2, 1)), ``subnormalize=True``. Flags: inexact, overflow, divzero (-> infinite) come from
MPFR directly; invalid is MPFR's NaN flag when no operand is NaN (MPFR has no signalling NaNs, so
with NaN operands the IEEE rule "invalid iff an operand is signalling" is applied, plus SoftFloat's
fma(0, inf, qNaN) choice). IEEE underflow (tiny after rounding AND inexact) is derived from MPFR:
gmpy2's underflow flag is raised for every subnormal result, exact or not, so tininess is computed
by a second MPFR rounding with an unbounded exponent range. Operands are decoded and results
encoded with numpy/ml_dtypes, not with fpverify.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

gmpy2 = pytest.importorskip("gmpy2")
ml_dtypes = pytest.importorskip("ml_dtypes")

from fpverify.formats import get_format  # noqa: E402
from fpverify.golden import add, div, fma, mul, sqrt, sub  # noqa: E402
from fpverify.rounding import RDN, RNE, RTZ, RUP, Env  # noqa: E402

MODES = {"rne": (RNE, gmpy2.RoundToNearest), "rtz": (RTZ, gmpy2.RoundToZero),
         "rup": (RUP, gmpy2.RoundUp), "rdn": (RDN, gmpy2.RoundDown)}
OPS = {"add": (2, add), "sub": (2, sub), "mul": (2, mul), "div": (2, div), "sqrt": (1, sqrt),
       "fma": (3, fma)}
DTYPES = {"bf16": None, "f16": np.float16, "e5m2": ml_dtypes.float8_e5m2,
          "e4m3": ml_dtypes.float8_e4m3, "e3m4": ml_dtypes.float8_e3m4}


class Oracle:
    """MPFR arithmetic in one IEEE-style format."""

    def __init__(self, name: str) -> None:
        self.fmt = fmt = get_format(name)
        self.name = name
        p = fmt.precision
        self.emin_ieee = fmt.emin
        emax_ieee = fmt.exp_mask - 1 - fmt.bias
        self.p, self.emax_ieee = p, emax_ieee
        self.dtype = DTYPES[name]
        self.decode_table = self._decode_all()
        self._contexts: dict = {}

    def _decode_all(self) -> list[float]:
        n = 1 << self.fmt.bits
        if self.dtype is None:  # bfloat16: the top half of a float32
            vals = (np.arange(n, dtype=np.uint32) << 16).view(np.float32)
        else:
            width = np.uint16 if self.fmt.bits == 16 else np.uint8
            vals = np.arange(n, dtype=width).view(self.dtype)
        with np.errstate(invalid="ignore"):
            return vals.astype(np.float64).tolist()

    def encode(self, x: float) -> int:
        """The code of a value the format represents exactly (NaN never reaches here)."""
        if self.dtype is None:
            f = np.array([x], dtype=np.float32)
            assert float(f[0]) == x or math.isnan(x)
            return int(f.view(np.uint32)[0] >> 16)
        a = np.array([x], dtype=self.dtype)
        assert float(a[0]) == x or math.isnan(x), (x, self.name)
        width = np.uint16 if self.fmt.bits == 16 else np.uint8
        return int(a.view(width)[0])

    def context(self, rnd, bounded: bool = True):
        key = (rnd, bounded)
        if key not in self._contexts:
            self._contexts[key] = self._make_context(rnd, bounded)
        ctx = self._contexts[key]
        ctx.clear_flags()
        return ctx

    def _make_context(self, rnd, bounded: bool):
        if bounded:
            return gmpy2.context(precision=self.p, emin=self.emin_ieee - self.p + 2,
                                 emax=self.emax_ieee + 1, subnormalize=True, round=rnd)
        return gmpy2.context(precision=self.p, emin=-(1 << 20), emax=1 << 20, round=rnd)

    def run(self, op: str, codes: tuple[int, ...], rnd) -> tuple[int | None, int]:
        """(result code or None for NaN, IEEE flag byte)."""
        xs = [gmpy2.mpfr(self.decode_table[c]) for c in codes]
        fn = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "sqrt": "sqrt", "fma": "fma"}[op]
        ctx = self.context(rnd)
        r = getattr(ctx, fn)(*xs)
        wide = self.context(rnd, bounded=False)
        rw = getattr(wide, fn)(*xs)
        nan_in = any(gmpy2.is_nan(x) for x in xs)
        flags = 0
        if nan_in:
            signaling = any(self.fmt.is_signaling(c) for c in codes)
            zero_inf = op == "fma" and ((gmpy2.is_zero(xs[0]) and gmpy2.is_infinite(xs[1]))
                                        or (gmpy2.is_infinite(xs[0]) and gmpy2.is_zero(xs[1])))
            if signaling or zero_inf:
                flags |= 0x10
            return None, flags
        if ctx.invalid:
            flags |= 0x10
        if ctx.divzero:
            flags |= 0x08
        if ctx.overflow:
            flags |= 0x04
        if ctx.inexact:
            flags |= 0x01
            if gmpy2.is_finite(rw) and not gmpy2.is_zero(rw) and abs(rw) < gmpy2.mpfr(2) ** self.emin_ieee:
                flags |= 0x02  # tiny after rounding, and inexact
        if gmpy2.is_nan(r):
            return None, flags
        return self.encode(float(r)), flags


_ORACLES: dict[str, Oracle] = {}


def oracle(name: str) -> Oracle:
    if name not in _ORACLES:
        _ORACLES[name] = Oracle(name)
    return _ORACLES[name]


def mismatches(name: str, op: str, mode: str, cases) -> list:
    o = oracle(name)
    fmt = o.fmt
    ours_mode, mpfr_mode = MODES[mode]
    env = Env(rounding=ours_mode)
    fn = OPS[op][1]
    bad = []
    for codes in cases:
        want, wflags = o.run(op, codes, mpfr_mode)
        got = fn(fmt, *codes, env=env)
        gflags = int(got.flags) & 0x1F
        same = (fmt.is_nan(got.code) if want is None else got.code == want) and gflags == wflags
        if not same:
            bad.append((op, mode, [hex(c) for c in codes], "want", None if want is None else hex(want),
                        hex(wflags), "got", hex(got.code), hex(gflags)))
    return bad


# ---- operand strategies --------------------------------------------------------------------------


def interesting_codes(name: str) -> list[int]:
    fmt = get_format(name)
    m = fmt.man_bits
    pos = {0, 1, (1 << m) - 1, 1 << m, fmt.max_code, fmt.max_code - 1, fmt.bias << m,
           (fmt.bias << m) | 1, ((fmt.bias - 1) << m) | ((1 << m) - 1), fmt.inf_code(0), fmt.nan_code(0),
           fmt.nan_code(0) ^ (1 << (m - 1)) | 1}  # a signalling NaN
    return sorted(pos | {c | fmt.sign_bit for c in pos})


@st.composite
def operand(draw, name: str):
    fmt = get_format(name)
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(interesting_codes(name)))
    return draw(st.integers(0, (1 << fmt.bits) - 1))


@st.composite
def operands(draw, name: str, arity: int):
    fmt = get_format(name)
    codes = [draw(operand(name)) for _ in range(arity)]
    if arity >= 2 and draw(st.integers(0, 2)) == 0:  # near-cancellation and near-equal operands
        flip = draw(st.integers(0, (1 << min(fmt.man_bits, 4)) - 1))
        codes[1] = (codes[0] ^ flip) ^ (fmt.sign_bit if draw(st.booleans()) else 0)
    return tuple(codes)


CROSS = [(f, op) for f in DTYPES for op in OPS]


@pytest.mark.parametrize("name,op", CROSS)
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_against_mpfr_sampled(name, op, data):
    """Every op of every IEEE-style format in the four MPFR modes, on the same drawn operands."""
    arity = OPS[op][0]
    cases = data.draw(st.lists(operands(name, arity), min_size=40, max_size=40))
    bad = [b for mode in MODES for b in mismatches(name, op, mode, cases)]
    assert not bad, bad[:5]


@pytest.mark.parametrize("mode", list(MODES))
def test_bf16_sqrt_exhaustive_rne_sample_default(mode):
    """A deterministic stride through all of bf16 sqrt (every 61st code; the full sweep is slow)."""
    bad = mismatches("bf16", "sqrt", mode, [(c,) for c in range(0, 1 << 16, 61)])
    assert not bad, bad[:5]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["bf16", "f16"])
@pytest.mark.parametrize("mode", list(MODES))
def test_sqrt_exhaustive(name, mode):
    bad = mismatches(name, "sqrt", mode, [(c,) for c in range(1 << 16)])
    assert not bad, bad[:5]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["e5m2", "e4m3", "e3m4"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("mode", list(MODES))
def test_8bit_binary_exhaustive(name, op, mode):
    bad = mismatches(name, op, mode, [(a, b) for a in range(256) for b in range(256)])
    assert not bad, bad[:5]


def test_oracle_flag_mapping_on_known_cases():
    """The oracle itself: hand-checked bf16 cases, so a broken mapping cannot pass silently."""
    o = oracle("bf16")
    one, three = 0x3F80, 0x4040
    assert o.run("div", (one, three), gmpy2.RoundToNearest) == (0x3EAB, 0x01)  # 1/3 inexact
    assert o.run("div", (one, 0x0000), gmpy2.RoundToNearest) == (0x7F80, 0x08)  # 1/0
    assert o.run("sqrt", (0xBF80,), gmpy2.RoundToNearest) == (None, 0x10)  # sqrt(-1)
    assert o.run("mul", (0x7F7F, 0x4000), gmpy2.RoundToZero) == (0x7F7F, 0x05)  # overflow to max
    # 2^-100 * 2^-30 = 2^-130: subnormal but exact, so no IEEE underflow (gmpy2 alone would say yes)
    assert o.run("mul", (0x0D80, 0x3080), gmpy2.RoundToNearest) == (0x0008, 0x00)
    # 2^-133 * 0.75 rounds to 2^-133 (min subnormal): tiny and inexact
    assert o.run("mul", (0x0001, 0x3F40), gmpy2.RoundToNearest) == (0x0001, 0x03)
