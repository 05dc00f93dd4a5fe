"""HiF8 as a format: decode of all 256 codes and golden rounding in every mode, against the
independent model in `hif8_oracle` (written from arXiv 2409.16626)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hif8_oracle import GRID, MAX, NAN, NEG_INF, POS_INF, choose, decode, expected

from fpverify.formats import FormatError, get_format
from fpverify.golden import from_value
from fpverify.rounding import Env, Flags, Rounding, Tininess, parse_rounding
from fpverify.semantics.modes import Mode
from fpverify.tapered import TaperedFormat

HIF8 = get_format("hif8")

# A few codes spelled out in the paper's Table 1 / §2 (max, min normal, min denormal, 1.0, Inf, NaN)
PAPER_POINTS = {0x6E: Fraction(2) ** 15, 0x7E: Fraction(2) ** -15, 0x01: Fraction(2) ** -22,
                0x08: Fraction(1), 0x00: Fraction(0), 0x07: Fraction(2) ** -16}


def test_registered_and_variants():
    assert isinstance(HIF8, TaperedFormat)
    assert get_format("HiFloat8") is HIF8
    assert get_format("hif8_sat").default_overflow.value == "satfinite"
    with pytest.raises(FormatError, match="unknown HiF8 variant"):
        get_format("hif8_e4")


@pytest.mark.parametrize("code", range(256))
def test_decode_every_code(code):
    want = decode(code)
    got = HIF8.value(code)
    if want == NAN:
        assert math.isnan(got) and HIF8.is_nan(code)
    elif want in (POS_INF, NEG_INF):
        assert HIF8.is_inf(code) and got == (math.inf if want == POS_INF else -math.inf)
    else:
        assert got == want and not HIF8.is_special(code)


def test_paper_points():
    for code, v in PAPER_POINTS.items():
        assert decode(code) == v == HIF8.value(code)
        if v:
            assert HIF8.value(code | 0x80) == -v
    assert HIF8.is_nan(0x80)  # the -0 pattern is the NaN
    assert HIF8.max_value == MAX and HIF8.min_normal == Fraction(2) ** -15
    assert HIF8.min_subnormal == Fraction(2) ** -22


def test_binade_precisions_match_the_value_grid():
    # number of finite values in [2^e, 2^(e+1)) is 2^(p-1), except binade 15 (Inf takes one place)
    for e in range(-22, 15):
        n = sum(1 for v, c in GRID if c >= 0 and Fraction(2) ** e <= v < Fraction(2) ** (e + 1))
        assert n == 2 ** (HIF8.binade_precision(e) - 1), e
    assert HIF8.binade_precision(15) == 2


def test_encode_inverts_decode():
    for code in range(256):
        if HIF8.is_special(code):
            continue
        s, sig, exp = HIF8.finite_parts(code)
        assert HIF8.encode(s, sig, exp) == (0 if sig == 0 else code)


def _test_points() -> list[Fraction]:
    """Every grid value, every midpoint, quarter points and near-misses, below 2^-22 and above max."""
    pts = [v for v, _ in GRID]
    xs: set[Fraction] = set(pts)
    for a, b in zip(pts, pts[1:]):
        d = b - a
        for k in (1, 2, 3):
            xs.add(a + d * k / 4)
        xs.add(a + d / 2 + d / 1024)
        xs.add(a + d / 2 - d / 1024)
        xs.add(a + d / 3)
    xs |= {Fraction(2) ** -30, Fraction(3, 2) * Fraction(2) ** -24, Fraction(2) ** -23}
    return sorted(x for x in xs if x <= Fraction(3) * 2 ** 16)


POINTS = _test_points()
DET_MODES = ["rne", "rna", "rtz", "rup", "rdn", "rto"]


def _flag_names(flags: Flags) -> set:
    return {f.name.lower() for f in Flags if f and f in flags and f not in (Flags.UNDERFLOW,)}


def _tiny_after(x: Fraction, mode: str, nbits=0, r=0) -> bool:
    """IEEE tininess after rounding at the smallest normal binade's precision (P = 2), unbounded below."""
    a = abs(x)
    emin = Fraction(2) ** -15
    if a >= emin:
        return False
    if a <= Fraction(3, 4) * emin:
        return True
    grid = [(Fraction(3, 4) * emin, 1), (emin, 0)]
    mag, _, _ = choose(x, mode, nbits, r, grid)
    return mag < emin


@pytest.mark.parametrize("mode", DET_MODES)
@pytest.mark.parametrize("overflow", ["ieee", "satfinite"])
def test_rounding_deterministic_modes(mode, overflow):
    env = Env(parse_rounding(mode), overflow=None if overflow == "ieee" else get_format("hif8_sat").default_overflow)
    for x in POINTS:
        for sx in (x, -x):
            if sx == 0:
                continue
            got = from_value(sx, HIF8, env)
            code, names = expected(sx, mode, overflow)
            assert (got.code, _flag_names(got.flags)) == (code, names), (sx, mode)
            want_uf = "inexact" in names and _tiny_after(sx, mode)
            assert bool(got.flags & Flags.UNDERFLOW) == want_uf, sx


@pytest.mark.parametrize("mode", ["sra", "srb", "src"])
@pytest.mark.parametrize("nbits", [1, 3])
def test_rounding_stochastic_modes(mode, nbits):
    rnd = Rounding(Mode(mode), nbits)
    for x in POINTS[::3]:
        for sx in (x, -x):
            if sx == 0:
                continue
            for r in range(2 ** nbits):
                got = from_value(sx, HIF8, Env(rnd, random_bits=r))
                code, names = expected(sx, mode, "ieee", nbits, r)
                assert (got.code, _flag_names(got.flags)) == (code, names), (sx, mode, r)


def test_ta_is_round_half_away_at_binade_boundaries():
    ta = Env(parse_rounding("ta"))
    # between 1.875 (top of binade 0, P=4) and 2: the midpoint 1.9375 goes away, to 2
    assert from_value(Fraction(31, 16), HIF8, ta).code == 0x10
    # between 15 (P=3 top) and 16 (P=2): 15.5 -> 16
    assert from_value(Fraction(31, 2), HIF8, ta).code == 0x40
    # RNE at the same points: 1.9375 ties to 2 (even code 0x10), 15.5 ties to 16 (0x40, even) not 15 (0x2F)
    assert from_value(Fraction(31, 16), HIF8).code == 0x10
    assert from_value(Fraction(31, 2), HIF8).code == 0x40
    # the overflow threshold is 1.25 * 2^15 (the midpoint to the Inf place)
    assert from_value(Fraction(5, 4) * 2 ** 15, HIF8, ta).code == 0x6F
    assert from_value(Fraction(5, 4) * 2 ** 15, HIF8).code == 0x6E


def test_no_negative_zero_and_specials():
    r = from_value(Fraction(-1, 2 ** 40), HIF8)
    assert r.code == 0x00 and Flags.UNDERFLOW in r.flags
    assert from_value(-0.0, HIF8).code == 0x00
    assert from_value(float("nan"), HIF8).code == 0x80
    assert from_value(float("-inf"), HIF8).code == 0xEF
    assert from_value(float("inf"), get_format("hif8_sat")).code == 0x6E
    assert from_value(float("-inf"), HIF8, Env(overflow=get_format("hif8_sat").default_overflow)).code == 0xEE


def test_tininess_before():
    x = Fraction(7, 8) * Fraction(2) ** -15  # rounds to 2^-15 in RNE: tiny before, not after
    after = from_value(x, HIF8)
    before = from_value(x, HIF8, Env(tininess=Tininess.BEFORE))
    assert after.code == before.code == 0x7E
    assert Flags.UNDERFLOW not in after.flags and Flags.UNDERFLOW in before.flags


def test_from_f32_every_mode_matches_the_oracle():
    """Conversion from float32 inputs (exactly representable), all deterministic modes."""
    import numpy as np

    rng = np.random.default_rng(7)
    xs = (rng.standard_normal(400) * 2.0 ** rng.integers(-25, 18, 400)).astype(np.float32)
    for mode in DET_MODES:
        env = Env(parse_rounding(mode))
        for x in xs.tolist():
            got = from_value(float(x), HIF8, env)
            assert got.code == expected(Fraction(float(x)), mode)[0], (x, mode)
