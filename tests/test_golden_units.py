"""Hand-computed golden-model cases from shared/docs/formats.md (oracle: the document's numbers).

Each expectation is written out by hand from the spec text, not recomputed by the model.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from fpverify.formats import IntFormat, Overflow, define_format, get_format
from fpverify.golden import from_value, lmul
from fpverify.golden.lmul import LMulPolicy, LMulSpecials, LMulVariant, lmul_constant, offset_exponent
from fpverify.rounding import (RDN, RNA, RNE, RTO, RTZ, RUP, Env, Flags, Mode, Rounding, Tininess,
                               round_to_format)
from fpverify.golden.real import Dyadic

E4M3, E5M2, FP4, E8M0 = (get_format(n) for n in ("e4m3fn", "e5m2", "e2m1fn", "e8m0fnu"))
OF = Flags.OVERFLOW | Flags.INEXACT


# ---- OCP FP8 overflow thresholds (formats.md §3) --------------------------------------------------


def test_e4m3_464_ties_to_448_and_465_is_nan():
    r = from_value(464, E4M3)
    assert (r.code, r.flags) == (0x7E, Flags.INEXACT)  # tie: 448 (S.1111.110) has the even code
    r = from_value(465, E4M3)
    assert (r.code, r.flags) == (0x7F, OF)  # non-SAT: NaN
    assert from_value(-465, E4M3).code == 0xFF
    r = from_value(465, E4M3, Env(overflow=Overflow.SATFINITE))
    assert (r.code, r.flags) == (0x7E, OF | Flags.SATURATED)
    assert from_value(float("inf"), E4M3, Env(overflow=Overflow.SATFINITE)).code == 0x7E
    assert from_value(float("inf"), E4M3).code == 0x7F
    assert from_value(448, E4M3).flags == Flags.NONE


def test_e5m2_61440_overflows_to_inf():
    r = from_value(61440, E5M2)  # 57344 + half an ulp: a tie whose even neighbour is 2^16
    assert (r.code, r.flags) == (0x7C, OF)
    assert from_value(61439, E5M2).code == 0x7B
    assert from_value(-61440, E5M2).code == 0xFC
    assert from_value(61440, E5M2, Env(overflow=Overflow.SATFINITE)).code == 0x7B
    assert from_value(61440, E5M2, Env(RTZ)).code == 0x7B  # RTZ overflow: max finite
    assert from_value(-1e6, E5M2, Env(RUP)).code == 0xFB  # RUP negative overflow: -max


# ---- FP4 E2M1 ------------------------------------------------------------------------------------


def test_fp4_codes_and_rne_decision_points():
    assert [FP4.value(c) for c in range(8)] == [0, Fraction(1, 2), 1, Fraction(3, 2), 2, 3, 4, 6]
    # decision point -> (code it ties to, code just above goes to)
    table = {Fraction(1, 4): (0, 1), Fraction(3, 4): (2, 2), Fraction(5, 4): (2, 3),
             Fraction(7, 4): (4, 4), Fraction(5, 2): (4, 5), Fraction(7, 2): (6, 6), Fraction(5): (6, 7)}
    eps = Fraction(1, 1 << 20)
    for x, (tie, above) in table.items():
        assert from_value(x, FP4).code == tie, x
        assert from_value(x + eps, FP4).code == above, x
        assert from_value(-x, FP4).code == tie | 0x8, x
    r = from_value(7, FP4)  # rounds to 8 (> max): saturates, the format has no Inf
    assert (r.code, r.flags) == (0x7, OF | Flags.SATURATED)
    assert from_value(-100, FP4).code == 0xF


# ---- E8M0 -------------------------------------------------------------------------------------------


def test_e8m0_power_of_two_rounding_by_even_code():
    assert from_value(1, E8M0).code == 127
    assert from_value(3, E8M0).code == 128  # tie between 2 (code 128, even) and 4 (129): 2
    assert from_value(Fraction(3, 4), E8M0).code == 126  # 0.5 (126 even) not 1 (127)
    assert from_value(6, E8M0).code == 130  # tie between 4 (129) and 8 (130 even): 8
    assert from_value(Fraction(2) ** -127, E8M0).code == 0x00
    assert from_value(Fraction(2) ** 127, E8M0).code == 0xFE
    assert E8M0.is_nan(0xFF) and not E8M0.has_zero
    r = from_value(0, E8M0)
    assert (r.code, r.flags) == (0xFF, Flags.INVALID)  # no zero: NaN, invalid
    r = from_value(Fraction(2) ** -128, E8M0)  # tie between "0" (even) and 2^-127: zero -> NaN
    assert (r.code, r.flags) == (0xFF, Flags.INVALID)
    assert from_value(-1, E8M0).code == 0xFF  # negative into unsigned


# ---- P3109 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name,k,signed,nan,pinf,ninf,max_code,max_value", [
    ("p3109_8p3se", 8, True, 0x80, 0x7F, 0xFF, 0x7E, 49152),
    ("p3109_8p4se", 8, True, 0x80, 0x7F, 0xFF, 0x7E, 224),
    ("p3109_8p3sf", 8, True, 0x80, None, None, 0x7F, 57344),
    ("p3109_4p2sf", 4, True, 0x8, None, None, 0x7, 3),
    ("p3109_8p1uf", 8, False, 0xFF, None, None, 0xFE, 2 ** 126),
])
def test_p3109_encodings(name, k, signed, nan, pinf, ninf, max_code, max_value):
    f = get_format(name)
    one = 1 << (k - 2) if signed else 1 << (k - 1)  # 1.0 encodes to 2^(K-2) / 2^(K-1)
    assert from_value(1, f).code == one
    assert f.value(one) == 1
    assert f.is_nan(nan) and [c for c in range(1 << k) if f.is_nan(c)] == [nan]
    assert f.value(0) == 0 and not f.has_neg_zero
    assert f.max_code == max_code and f.value(max_code) == max_value
    if pinf is not None:
        assert f.is_inf(pinf) and f.is_inf(ninf) and f.value(ninf) == float("-inf")
    if signed:
        for c in range(1, 1 << (k - 1)):  # code(-x) = code(x) + 2^(K-1)
            if not f.is_special(c):
                assert f.value(c + (1 << (k - 1))) == -f.value(c)
    assert from_value(0, f).code == 0 and from_value(-0.0, f).code == 0


def test_p3109_8p1uf_is_e8m0_shifted():
    f = get_format("p3109_8p1uf")
    for c in range(1, 0xFF):  # Binary8p1uf(c) = E8M0(c - 1)
        assert f.value(c) == E8M0.value(c - 1)


# ---- MXINT8 -----------------------------------------------------------------------------------------


def test_mxint8_range_and_minus_two_policy():
    mx = get_format("mxint8")
    assert mx.value(0x7F) == Fraction(127, 64) and mx.value(0x80) == -2 and mx.value(0x01) == Fraction(1, 64)
    assert from_value(-2, mx).code == 0x80 and from_value(-2, mx).flags == Flags.NONE
    r = from_value(2, mx)
    assert (r.code, r.flags) == (0x7F, OF | Flags.SATURATED)
    assert from_value(Fraction(1, 128), mx).code == 0x00  # tie to even
    assert from_value(Fraction(3, 128), mx).code == 0x02
    sym = IntFormat("mxint8_sym", 8, -6, symmetric=True)
    r = from_value(-2, sym)
    assert (r.code, r.flags) == (0x81, OF | Flags.SATURATED)  # -127/64
    assert from_value(-3, mx).code == 0x80


# ---- stochastic rounding: up-probabilities over every R equal formats.md §2 ----------------------


def _rnite(x: Fraction) -> int:
    f = x.numerator // x.denominator
    rem = x - f
    return f + (1 if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and f % 2) else 0)


@pytest.mark.parametrize("mode", [Mode.SR_A, Mode.SR_B, Mode.SR_C])
@pytest.mark.parametrize("n", [1, 3, 4])
def test_stochastic_up_counts_match_formulas(mode, n):
    bf16 = get_format("bf16")
    extra = n + 3  # residuals finer than N bits exercise the floors
    ulp_exp = -7  # bf16 ulp at 1.0
    for k in range(1 << extra):
        nu = Fraction(k, 1 << extra)
        for sign in (0, 1):
            x = Dyadic(bool(sign), (1 << (7 + extra)) + k, ulp_exp - extra)  # (1 + nu*ulp), sign
            ups = 0
            for r in range(1 << n):
                code = round_to_format(x, bf16, Env(Rounding(mode, n), random_bits=r)).code
                ups += (code & 0x7FFF) == 0x3F81
                assert (code & 0x7FFF) in (0x3F80, 0x3F81)
            if mode is Mode.SR_A:
                want = (nu * (1 << n)).__floor__()
            elif mode is Mode.SR_B:
                fl = (nu * (1 << (n + 1))).__floor__()
                want = -(-fl // 2)  # ceil(floor(nu 2^(N+1)) / 2)
            else:
                want = _rnite(nu * (1 << n))
            assert ups == want, (mode, n, nu, sign)


# ---- tininess: before vs after differ exactly where the unbounded rounding is 2^emin --------------


@pytest.mark.parametrize("rnd", [RNE, RNA, RTZ, RUP, RDN, RTO])
@pytest.mark.parametrize("name", ["f16", "e4m3fn", "e5m2"])
def test_tininess_before_after_differ_only_at_2_emin(name, rnd):
    fmt = get_format(name)
    p, emin = fmt.precision, fmt.emin
    # the same precision with a wide exponent range: its rounding is the unbounded one here
    wide = define_format("wide", 10, fmt.man_bits)
    two_emin = Fraction(2) ** emin
    step = Fraction(2) ** (emin - p - 3)
    differing = 0
    top = int(two_emin / step)
    ks = sorted(set(range(1, top, 97)) | set(range(top - 96, top + 9)))  # dense just below 2^emin
    for k in ks:
        for sign in (1, -1):
            x = sign * k * step
            a = from_value(x, fmt, Env(rnd, tininess=Tininess.AFTER)).flags & Flags.UNDERFLOW
            b = from_value(x, fmt, Env(rnd, tininess=Tininess.BEFORE)).flags & Flags.UNDERFLOW
            unbounded = wide.value(from_value(x, wide, Env(rnd)).code)
            expect_diff = abs(x) < two_emin and abs(unbounded) == two_emin
            assert bool(a != b) == expect_diff, (x, a, b)
            differing += expect_diff
    if rnd not in (RTZ, RTO):  # these never round up onto 2^emin, so there is nothing to differ
        assert differing > 0  # the boundary was actually reached


# ---- L-Mul ----------------------------------------------------------------------------------------


def test_lmul_constants():
    assert lmul_constant(get_format("f32")) == 0x3F780000
    assert lmul_constant(get_format("bf16")) == 0x3F78
    assert lmul_constant(E4M3) == 55
    assert [offset_exponent(m) for m in (1, 2, 3, 4, 5, 7, 23)] == [1, 2, 3, 3, 4, 4, 4]


def test_lmul_variant_b_carries_into_the_exponent():
    bf16 = get_format("bf16")
    x = 0x3FC0  # 1.5: x_m = 0.5; s = 0.5 + 0.5 + 2^-4 >= 1 carries
    b = lmul(bf16, x, x)
    assert b.code == 0x3FC0 + 0x3FC0 - 0x3F78 == 0x4008  # 2 * 1.0625 = 2.125
    assert bf16.value(b.code) == Fraction(17, 8)
    a = lmul(bf16, x, x, LMulPolicy(LMulVariant.REAL))
    assert bf16.value(a.code) == Fraction(33, 16)  # (1 + 1.0625) = 2.0625, exact in bf16
    c = lmul(bf16, x, x, LMulPolicy(LMulVariant.NORMALIZE_TRUNCATE))
    assert bf16.value(c.code) == Fraction(33, 16)  # S = 264 -> 132: 2 * 1.03125
    # no carry: 1.25 * 1.25 -> (1 + 0.25 + 0.25 + 1/16) = 1.5625 in all three variants
    y = 0x3FA0
    for v in LMulVariant:
        assert bf16.value(lmul(bf16, y, y, LMulPolicy(v)).code) == Fraction(25, 16)
    # E4M3: 1.5 * 1.5 = 0x3C + 0x3C - 55 = 0x41 = 2.25
    assert lmul(E4M3, 0x3C, 0x3C).code == 0x41 and E4M3.value(0x41) == Fraction(9, 4)
    assert lmul(E4M3, 0xBC, 0x3C).code == 0xC1  # sign = XOR


def test_lmul_specials_policies():
    f32 = get_format("f32")
    three = 0x40400000
    wrap = lmul(f32, 0, three, LMulPolicy(specials=LMulSpecials.WRAP))
    assert wrap.code == 0x00C80000  # ~1.84e-38, the paper's raw behaviour on a zero input
    assert lmul(f32, 0, three).code == 0  # ieee_like: zero
    r = lmul(E4M3, 0x7E, 0x7E)  # 448 * 448 overflows: satfinite default -> 448, never 0x7F
    assert r.code == 0x7E and r.flags & Flags.OVERFLOW
    assert lmul(E4M3, 0x7F, 0x38).code == 0x7F  # NaN propagates


def test_rto_and_rna_basics():
    f16 = get_format("f16")
    third = Fraction(1, 3)
    rtz = from_value(third, f16, Env(RTZ)).code
    assert from_value(third, f16, Env(RTO)).code == rtz | 1  # truncate, force the last bit
    assert from_value(Fraction(1) + Fraction(1, 2048), f16, Env(RNA)).code == 0x3C01  # tie away
    assert from_value(Fraction(1) + Fraction(1, 2048), f16, Env(RNE)).code == 0x3C00  # tie to even
    assert from_value(1, f16, Env(RTO)).code == 0x3C00  # exact stays


def test_lmul_overflow_follows_the_kernels_overflow_rule():
    """Finite L-Mul overflow: satfinite and satpropagate saturate; ieee gives Inf where the format
    has it; nan gives NaN where it has it; a format with neither saturates (hand-derived)."""
    from fpverify.golden import LMulPolicy, lmul
    e5m2, fp4, e4m3fn = get_format("e5m2"), get_format("e2m1fn"), get_format("e4m3fn")
    big5, big4, big8 = 0x7B, 0x7, 0x7E  # max finite of each: the product overflows
    assert lmul(e5m2, big5, big5, LMulPolicy(overflow=Overflow.SATPROPAGATE)).code == 0x7B
    assert lmul(e5m2, big5, big5, LMulPolicy(overflow=Overflow.SATFINITE)).code == 0x7B
    assert lmul(e5m2, big5, big5, LMulPolicy(overflow=Overflow.IEEE)).code == 0x7C
    assert e5m2.is_nan(lmul(e5m2, big5, big5, LMulPolicy(overflow=Overflow.NAN)).code)
    assert lmul(fp4, big4, big4, LMulPolicy(overflow=Overflow.NAN)).code == 0x7
    assert lmul(fp4, big4, big4 | 0x8, LMulPolicy(overflow=Overflow.IEEE)).code == 0xF
    assert lmul(e4m3fn, big8, big8, LMulPolicy(overflow=Overflow.NAN)).code == 0x7F
    assert lmul(e4m3fn, big8, big8, LMulPolicy(overflow=Overflow.IEEE)).code == 0x7E
