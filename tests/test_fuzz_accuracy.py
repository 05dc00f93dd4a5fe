"""Accuracy fuzzing: error bounds, the ULP/relative error measures, classes, softmax golden, CLI.

Oracles: (1) exact values known by hand (exp(0) = 1, 2^k, ulp of a binade); (2) for the
transcendental results, mpmath at 300 bits, independent of the Ziv loop and of the enclosure code
(a 300-bit approximation decides the rounding of an f16/bf16 result unless the value lies within
2^-280 of a boundary, which none of the sampled inputs does); (3) the golden model, validated
exhaustively against MPFR (tests/test_golden_elementary_mpfr.py), as the correctly rounded kernel
that must pass and as the base of the seeded bad kernel that must be caught.
"""

from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from cli_util import run_cli
from fpverify import golden
from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.fuzz import fuzz
from fpverify.fuzz.accuracy import CORRECT, FAITHFUL, WORSE, exact_value, measure, ulp_of
from fpverify.fuzz.bound import BadBound, parse_bound, parse_number
from fpverify.fuzz.report import result_json
from fpverify.fuzz.semantics import parse_semantics
from fpverify.golden.elementary import exp as golden_exp
from fpverify.golden.elementary import softmax
from fpverify.report.pages.fuzz import fuzz_page
from fpverify.rounding import Env, Mode, Rounding

F16 = get_format("f16")
BF16 = get_format("bf16")
F32 = get_format("f32")


# ---- the bound parser -------------------------------------------------------------------------


@pytest.mark.parametrize("word,measure,limit", [
    ("ulp<=1", "ulp", Fraction(1)), ("ulp<=0.5", "ulp", Fraction(1, 2)), ("ULP=2", "ulp", Fraction(2)),
    ("relerr<=2^-8", "relerr", Fraction(1, 256)), ("relerr<=2**-8", "relerr", Fraction(1, 256)),
    ("relerr<=1e-3", "relerr", Fraction(1, 1000)), ("relerr<=1/256", "relerr", Fraction(1, 256)),
    ("faithful", "faithful", Fraction(0)),
])
def test_parse_bound(word, measure, limit):
    b = parse_bound(word)
    assert (b.measure, b.limit) == (measure, limit)


@pytest.mark.parametrize("word", ["ulp<=abc", "ulp<=-1", "ulp<1", "relerr<=", "relerr<=2^x", "ulp<=0^-1",
                                  "ulp<=1e", "relerr<=nan", "relerr<=inf"])
def test_bad_bound(word):
    with pytest.raises(BadBound):
        parse_bound(word)


def test_parse_number_is_exact():
    assert parse_number("0.1") == Fraction(1, 10) and parse_number("2^10") == 1024


def test_semantics_with_bound():
    s = parse_semantics("exp f16 rne ulp<=1")
    assert s.op == "exp" and s.bound.measure == "ulp" and s.accuracy
    assert "ulp<=1" in s.describe()
    s = parse_semantics("softmax f32->bf16 len=16 relerr<=2^-8")
    assert s.block == 16 and s.dst.name == "bf16" and s.accuracy
    assert not parse_semantics("exp f16").accuracy  # no bound: bit-exact fuzzing as before


@pytest.mark.parametrize("text,col", [("exp f16 rne ulp<=abc", 13), ("add f16 ulp<=1", 1),
                                      ("exp f16 ulp<=1 ulp<=2", 16), ("softmax f32 ulp<=1", 9),
                                      ("exp f16 sra8 ulp<=1", 1), ("exp f16 ulp<1", 9)])
def test_semantics_bad_bound(text, col):
    with pytest.raises(InputError) as e:
        parse_semantics(text)
    assert e.value.col == col


# ---- the measures -----------------------------------------------------------------------------


def test_ulp_of_binade():
    assert ulp_of(F16, 0) == Fraction(1, 1024)
    assert ulp_of(F16, -14) == ulp_of(F16, -20) == Fraction(1, 1 << 24)  # subnormal binades share emin's
    assert ulp_of(F16, 15) == 32


def _measure(x_code: int, y_code: int, bound: str | None = "ulp<=1", fmt=F16, op="exp"):
    env = Env()
    g = golden.elementary.evaluate(op, fmt, (x_code,), env).code

    def neighbours():
        return tuple(golden.elementary.evaluate(op, fmt, (x_code,), Env(Rounding(m))).code
                     for m in (Mode.RDN, Mode.RUP))
    return measure(op, fmt, (x_code,), fmt, env, y_code, g, parse_bound(bound) if bound else None, neighbours)


def test_exact_value_one_ulp():
    # exp(0) = 1 exactly: the next f16 above 1 is exactly 1 ulp away (ulp of [1, 2) = 2^-10)
    m = _measure(0x0000, 0x3C01)
    assert m.ulp == 1.0 and m.rel == 2 ** -10 and m.klass == WORSE and m.ok is True
    assert _measure(0x0000, 0x3C01, "ulp<=0.99").ok is False
    assert _measure(0x0000, 0x3C00).klass == CORRECT


def test_error_against_mpmath():
    x = 0x3C00  # exp(1) = e
    v = mpmath.e
    for y in (0x4170, 0x4171, 0x4172, 0x416E):
        m = _measure(x, y, None)
        with mpmath.workprec(300):
            want = abs(mpmath.mpf(float(F16.value(y))) - v) / 2 ** -9
        assert abs(m.ulp - float(want)) < 1e-12
    assert _measure(x, 0x4170, None).klass == CORRECT  # e = 2.71828 -> 0x4170 = 2.71875
    assert _measure(x, 0x416F, None).klass == FAITHFUL
    assert _measure(x, 0x416E, None).klass == WORSE


def test_binade_of_the_exact_value():
    # exp(x) just below 2: the result 2.0 is measured in ulps of [1, 2) (2^-10), not of [2, 4)
    x = 0x398B  # ln 2 = 0.693147, f16 0x398B = 0.69287...: exp = 1.99949...
    ex = exact_value("exp", F16, (x,), F16, 60)
    assert ex.binade == 0
    m = _measure(x, 0x4000, None)
    with mpmath.workprec(300):
        want = (2 - mpmath.exp(mpmath.mpf(float(F16.value(x))))) / 2 ** -10
    assert abs(m.ulp - float(want)) < 1e-9 and m.ulp > 0.5


def test_specials_are_compared_as_classes():
    inf, nan = 0x7C00, 0x7E00
    assert _measure(inf, inf).ulp == 0 and _measure(inf, inf).special  # exp(+inf) = +inf
    assert _measure(inf, 0x7BFF).ulp == float("inf")
    assert _measure(nan, nan).ok is True and _measure(nan, 0x3C00).ok is False
    big = 0x4C00  # exp(16) overflows f16: +inf is the correctly rounded result
    assert _measure(big, inf).klass == CORRECT and _measure(big, 0x7BFF).ok is False


# ---- softmax golden ---------------------------------------------------------------------------


def _f32(vals):
    return [int(c) for c in np.array(vals, dtype=np.float32).view(np.uint32)]


def _fraction(v) -> Fraction:
    man, exp = v.man_exp
    return Fraction(int(man)) * Fraction(2) ** int(exp)


def test_softmax_against_mpmath():
    rng = np.random.default_rng(3)
    for _ in range(10):
        xs = rng.normal(0, 4, size=6).astype(np.float32)
        got = [r.code for r in softmax(F32, _f32(xs), Env(), BF16)]
        with mpmath.workprec(300):
            e = [mpmath.exp(mpmath.mpf(float(v))) for v in xs]
            s = mpmath.fsum(e)
            want = [golden.from_value(_fraction(t / s), BF16).code for t in e]
        assert got == want


def test_softmax_special_and_exact_cases():
    third = softmax(F32, _f32([1.5, 1.5, 1.5]), Env(), BF16)
    assert {r.code for r in third} == {golden.from_value(Fraction(1, 3), BF16).code}
    r = softmax(F32, _f32([0.0, -np.inf]), Env(), BF16)
    assert [x.code for x in r] == [0x3F80, 0x0000]  # 1 and +0
    r = softmax(F32, _f32([np.nan, 1.0]), Env(), BF16)
    assert all(BF16.is_nan(x.code) for x in r)
    r = softmax(F32, _f32([np.inf, 1.0]), Env(), BF16)
    assert all(BF16.is_nan(x.code) for x in r)


# ---- whole runs: a correctly rounded kernel passes, a seeded bad one is caught ------------------


def golden_exp_f16(x):
    codes = np.asarray(x, dtype=np.float16).view(np.uint16)
    return np.array([golden_exp(F16, int(c)).code for c in codes], dtype=np.uint16)


def bad_exp_f16(x):
    """The correctly rounded exp, 2 codes too high on inputs whose code ends in 0b101."""
    codes = np.asarray(x, dtype=np.float16).view(np.uint16)
    out = golden_exp_f16(x).astype(np.int64)
    finite = (out & 0x7C00) != 0x7C00
    hit = ((codes & 7) == 5) & finite & (out > 0) & (out < 0x7BFD)
    return np.where(hit, out + 2, out).astype(np.uint16)


def rdn_exp_f16(x):
    codes = np.asarray(x, dtype=np.float16).view(np.uint16)
    return np.array([golden_exp(F16, int(c), Env(Rounding(Mode.RDN))).code for c in codes], dtype=np.uint16)


def test_correctly_rounded_kernel_passes():
    res = fuzz(golden_exp_f16, "exp f16 rne ulp<=0.5", n=200, seed=1)
    st = res.accuracy
    assert res.ok and st.failures == 0 and st.classes[CORRECT] == st.results == 200
    assert 0.4 < st.max_ulp <= 0.5  # a correctly rounded result is never more than half an ulp away


def test_seeded_bad_kernel_is_caught():
    res = fuzz(bad_exp_f16, "exp f16 rne ulp<=1", n=300, seed=2)
    st = res.accuracy
    assert not res.ok and st.failures > 0 and st.classes[WORSE] == st.failures
    worst = st.shown[0]
    assert worst.case.args[0] & 7 == 5
    # two codes off the correctly rounded result: 1.5..2.5 ulps, up to 4.5 when the exact value is
    # just below a power of two (its binade's ulp is half the result's)
    assert 1.5 <= worst.measured.ulp <= 4.5
    assert all(1.5 <= f.measured.ulp for f in st.shown)
    text = "\n".join(st.summary_lines())
    assert "worse" in text and ("[1, 2)" in text or "[2, 4)" in text)


def test_faithful_kernel():
    ok = fuzz(rdn_exp_f16, "exp f16 rne faithful", n=200, seed=3)
    assert ok.ok and ok.accuracy.classes[FAITHFUL] > 0 and ok.accuracy.classes[WORSE] == 0
    strict = fuzz(rdn_exp_f16, "exp f16 rne ulp<=0.5", n=200, seed=3)
    assert not strict.ok


def test_json_contract_and_page():
    res = fuzz(bad_exp_f16, "exp f16 rne ulp<=1", n=100, seed=2)
    doc = json.loads(json.dumps(result_json(res, "replay")))
    err = doc["errors"]
    for key in ("examples", "labels", "counts", "max_ulp", "exact", "note"):
        assert key in err
    assert err["measure"] == "ulp" and sum(err["counts"]) == err["examples"] == 100
    assert set(err["classes"]) == {CORRECT, FAITHFUL, WORSE} and not doc["ok"]
    page = fuzz_page(doc)
    assert page.status == "MISMATCH"


# ---- the CLI ----------------------------------------------------------------------------------


def test_cli_exit_codes(capsys, tmp_path):
    src = tmp_path / "k.py"
    src.write_text("import numpy as np\n"
                   "def exp_f16(x):\n    return np.exp(np.asarray(x, dtype=np.float16))\n"
                   "def exp_off(x):\n    return np.nextafter(np.exp(np.asarray(x, dtype=np.float16)),"
                   " np.float16(np.inf))\n")
    code, out, _ = run_cli(["fuzz", f"{src}:exp_f16", "-s", "exp f16 rne ulp<=1", "-n", "200"], capsys)
    assert code == 0 and "max error" in out and "histogram" in out
    code, out, _ = run_cli(["fuzz", f"{src}:exp_off", "-s", "exp f16 rne ulp<=1", "-n", "200"], capsys)
    assert code == 1 and "outside the bound" in out
    code, _, err = run_cli(["fuzz", f"{src}:exp_f16", "-s", "exp f16 rne relerr<=two"], capsys)
    assert code == 2 and "not a non-negative number" in err and "Traceback" not in err


def test_softmax_kernels():
    from fpverify.fuzz.numpy_kernels import softmax3_bf16, softmax3_bf16_lowp

    good = fuzz(softmax3_bf16, "softmax f32->bf16 len=8 ulp<=1", n=25, seed=0)
    assert good.ok and good.accuracy.results == 200 and good.accuracy.vectors == 25
    bad = fuzz(softmax3_bf16_lowp, "softmax f32->bf16 len=8 ulp<=1", n=25, seed=0)
    assert not bad.ok and bad.accuracy.classes[WORSE] > 0
    exact = fuzz(softmax3_bf16, "softmax f32->bf16 len=4", n=10, seed=0)  # no bound: bit-exact
    assert exact.accuracy.failures == exact.accuracy.results - exact.accuracy.classes[CORRECT]


def test_cli_exhaustive_input_errors(capsys):
    code, _, err = run_cli(["fuzz", "fpverify.fuzz.numpy_kernels:exp_f32", "-s", "exp f32 ulp<=1", "--exhaustive"],
                           capsys)
    assert code == 2 and "at most 16 bits" in err
    code, _, err = run_cli(["fuzz", "fpverify.fuzz.kernels:ml_dtypes_e4m3fn", "-s", "convert f32->e4m3fn",
                            "--exhaustive"], capsys)
    assert code == 2 and "elementary" in err


def test_exhaustive_e4m3_run():
    """Every e4m3fn code through exp computed in f32 and cast: the 8-bit input space in one run."""
    import ml_dtypes

    def exp_e4m3(x):
        return np.exp(np.asarray(x).astype(np.float32)).astype(ml_dtypes.float8_e4m3fn)

    res = fuzz(exp_e4m3, "exp e4m3fn rne ulp<=1", exhaustive=True)
    st = res.accuracy
    assert st.exhaustive and st.results == 256 and res.examples == 256
    assert sum(st.classes.values()) == 256


def test_saturating_kernel_declares_satfinite():
    sat = parse_semantics("exp f16 rne satfinite ulp<=1")
    big = 0x4C00  # exp(16) > 65504
    g = golden.elementary.evaluate("exp", F16, (big,), sat.env).code
    assert g == 0x7BFF
    m = measure("exp", F16, (big,), F16, sat.env, 0x7BFF, g, sat.bound, lambda: (0x7BFF, 0x7BFF))
    assert m.klass == CORRECT and m.ok
