"""fpverify.strategies: every draw is valid and lands where it claims; shrinking gives simple cases.

Oracle: the golden model's exact rounding (`round_to_format`, `convert`) and exact Fractions.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, find, given, settings

from fpverify import golden, strategies as S
from fpverify.formats import FloatFormat, get_format
from fpverify.golden.real import exact
from fpverify.rounding import Env, Mode, Rounding, round_to_format

FAST = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None,
                derandomize=True)  # the `any(...)` checks below are statistical: no flaky CI
FORMATS = ["e4m3fn", "e5m2", "e4m3fnuz", "e2m1fn", "e2m3fn", "e8m0fnu", "f16", "bf16", "p3109_8p3se",
           "ue4m3", "mxint8"]


def _is_midpoint_or_value(x: Fraction, fmt) -> bool:
    """x is a value of fmt (unbounded exponent range) or halfway between two neighbours."""
    r = exact(x)
    q = max(r.ilog2(), fmt.emin) - fmt.precision + 1 if x else 0
    s, ex = r.floor_scaled(-q + 1)
    return ex  # x * 2^(1-q) is an integer: x is on the half-ulp grid


@pytest.mark.parametrize("name", FORMATS)
def test_codes_are_valid_and_cover_specials(name):
    fmt = get_format(name)
    seen = []

    @FAST
    @given(S.codes(fmt))
    def check(c):
        fmt.check_code(c)
        seen.append(c)

    check()
    assert len(set(seen)) > 20 or len(set(seen)) >= (1 << fmt.width) // 4
    for c in S.interesting_codes(fmt):
        fmt.check_code(c)
    if isinstance(fmt, FloatFormat) and fmt.has_nan:
        assert fmt.nan_code(0) in S.interesting_codes(fmt)
    assert find(S.codes(fmt), lambda c: True) == S.interesting_codes(fmt)[0]


def test_interesting_codes_of_e4m3fn():
    codes = S.interesting_codes("e4m3fn")
    assert codes[0] == 0 and 0x80 in codes  # +0, -0 first
    for c in (0x01, 0x07, 0x08, 0x7E, 0x7F, 0x38):  # min/max subnormal, min normal, max, NaN, 1.0
        assert c in codes


@pytest.mark.parametrize("name", ["e4m3fn", "e5m2", "e2m1fn", "e8m0fnu", "bf16", "p3109_8p3se"])
def test_boundary_points_are_values_or_midpoints(name):
    fmt = get_format(name)

    @FAST
    @given(S.boundary_points(fmt))
    def check(x):
        assert x >= 0
        if x:
            assert _is_midpoint_or_value(x, fmt)

    check()


def test_boundary_points_include_overflow_and_underflow_thresholds():
    e4 = get_format("e4m3fn")
    pts = set()

    @settings(max_examples=600, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(S.boundary_points(e4))
    def collect(x):
        pts.add(x)

    collect()
    assert Fraction(464) in pts  # max + ulp/2: the overflow threshold
    assert Fraction(1, 1024) in pts  # min_subnormal / 2


@pytest.mark.parametrize("src, dst", [("f32", "e4m3fn"), ("f64", "e5m2"), ("f16", "e2m1fn"),
                                      ("f32", "e8m0fnu"), ("bf16", "e4m3fn")])
def test_boundary_codes_are_within_max_ulps_of_a_boundary(src, dst):
    s, d = get_format(src), get_format(dst)

    @FAST
    @given(S.boundary_codes(s, d, max_ulps=3))
    def check(c):
        v = s.value(c)
        assert isinstance(v, Fraction)
        a = abs(v)
        # some boundary point lies within 3 source codes of the drawn code
        ok = False
        for j in range(-3, 4):
            mag = max(0, min(s.max_code, (c & s.mag_mask) + j))
            w = abs(Fraction(s.value(mag)))
            if w == 0 or _is_midpoint_or_value(w, d) or w > d.max_value:
                ok = True
        assert ok, (hex(c), a)

    check()


def test_boundary_floats_hit_e4m3_ties_exactly():
    """Offset 0 on a midpoint that f32 holds exactly gives exact ties (464, 0.0048828125, ...)."""
    ties = []

    @settings(max_examples=1000, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(S.boundary_floats("e4m3fn", "f32"))
    def collect(x):
        if isinstance(x, float) and math.isfinite(x) and x:
            r = exact(Fraction(x))
            q = max(r.ilog2(), -6) - 3
            s, ex = r.floor_scaled(-q + 1)
            if ex and s & 1:
                ties.append(x)

    collect()
    assert len(ties) > 20


@pytest.mark.parametrize("target, source, via", [("e4m3fn", "f64", "f32"), ("e5m2", "f32", "f16"),
                                                 ("bf16", "f64", "f32"), ("e2m1fn", "f32", "bf16")])
def test_double_rounding_traps_round_onto_a_target_midpoint_in_via(target, source, via):
    t, s, v = (get_format(n) for n in (target, source, via))
    hits = []

    @FAST
    @given(S.double_rounding_codes(t, s, v))
    def check(c):
        x = s.value(c)
        mid = golden.convert(s, c, v, Env())
        m = v.value(mid.code)
        assert m != x  # the source value is not itself in `via`
        direct = golden.convert(s, c, t, Env()).code
        twice = golden.convert(v, mid.code, t, Env()).code
        hits.append(direct != twice)

    check()
    assert sum(hits) > len(hits) // 5, f"only {sum(hits)} of {len(hits)} traps double-round differently"


def test_boundary_ints_near_bf16_midpoints():
    bf = get_format("bf16")
    diffs = []

    @FAST
    @given(S.boundary_ints(bf, 64))
    def check(i):
        assert -(1 << 63) <= i < (1 << 63)
        direct = golden.from_value(i, bf).code
        via = golden.from_value(i, get_format("f32")).code
        twice = golden.convert(get_format("f32"), via, bf, Env()).code
        diffs.append(direct != twice)

    check()
    assert any(diffs), "no integer double-rounds through f32 into bf16"


def test_stochastic_inputs_put_r_on_the_threshold():
    e4 = get_format("e4m3fn")
    flips = []

    @FAST
    @given(S.stochastic_inputs(e4, 8, "f32"))
    def check(pair):
        x, r = pair
        assert 0 <= r < 256
        if not (isinstance(x, float) and math.isfinite(x)) or x == 0:
            return
        env = Env(Rounding(Mode.SR_A, 8), random_bits=r)
        lo = Env(Rounding(Mode.SR_A, 8), random_bits=max(0, r - 1))
        a = round_to_format(exact(Fraction(x)), e4, env).code
        b = round_to_format(exact(Fraction(x)), e4, lo).code
        flips.append(a != b)

    check()
    assert any(flips), "R never sits on the round-up threshold"


@pytest.mark.parametrize("elem, block", [("e4m3fn", 32), ("e2m1fn", 32), ("mxint8", 32)])
def test_mx_blocks_have_their_amax_and_size(elem, block):
    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(S.mx_blocks(elem, block))
    def check(vals):
        assert len(vals) == block
        finite = [abs(v) for v in vals if math.isfinite(v)]
        assert finite and max(finite) > 0
        for v in vals:
            if math.isfinite(v):
                assert float(v) == v
                assert golden.from_value(v, get_format("f32")).flags == 0  # f32-exact

    check()


def test_nvfp4_blocks():
    @settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(S.nvfp4_blocks(allow_nan=True))
    def check(vals):
        assert len(vals) == 16

    check()


def test_codes_shrink_to_simple_failures():
    # the smallest e4m3fn code above 1.0 that is > 3: shrinking lands on a clean answer
    e4 = get_format("e4m3fn")
    c = find(S.codes(e4, allow_nan=False), lambda c: e4.value(c) > 3)
    assert e4.value(c) > 3
    # a float boundary above the e4m3fn overflow threshold
    x = find(S.boundary_floats("e4m3fn", "f32", specials=False), lambda x: x > 464)
    assert 464 < x <= 464 + 3 * 2 ** -15 or x > 464
