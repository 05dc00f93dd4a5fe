"""Elementary-function properties (`ulp(y, exp2(a)) <= K`, `relerr(...)`, `y == exp2(a, rne)`)
and the Exp2Unit generator.

Oracles: the per-input decisions are checked against an independent high-precision mpmath
evaluation of the error (written here, 200 bits, no enclosure code shared); the unit against the
golden model's correctly rounded exp2 (validated against MPFR in
tests/test_golden_elementary_mpfr.py); refutations are re-checked here with the golden model.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import mpmath
import numpy as np
import pytest

from cli_util import run_cli  # noqa: E402
from fpverify.dsl.elementary_bounds import Decider, ulp_of
from fpverify.formats import get_format
from fpverify.golden.elementary import exp as golden_exp
from fpverify.golden.elementary import exp2 as golden_exp2
from fpverify.golden.elementary import log as golden_log
from fpverify.rounding import Env

ROOT = Path(__file__).resolve().parents[1]
HEADER = "design rtl.exp2_unit.Exp2Unit(fmt = {fmt}{extra})\ninput a : {fmt}\noutput y = dut.result : {fmt}\n"


def _spec(tmp_path, body: str, fmt: str = "e4m3fn", extra: str = "") -> Path:
    p = tmp_path / "t.spec"
    p.write_text(HEADER.format(fmt=fmt, extra=extra) + body)
    return p


def _prove(path, capsys):
    code, out, err = run_cli(["prove", str(path), "--json", "-"], capsys)
    doc = json.loads(out)
    return code, {p["name"]: p for p in doc["specs"][0]["properties"]}, err


# ---- the per-input decision against an independent error computation -----------------------------


def _true_error(func, fmt, code, out, y, measure):
    """|y - f(x)| / ulp(f(x)) (or / |f(x)|) at 200 bits: the test's own oracle."""
    with mpmath.mp.workprec(200):
        x = mpmath.mpf(Fraction(fmt.value(code)).numerator) / Fraction(fmt.value(code)).denominator
        fx = {"exp2": lambda: mpmath.power(2, x), "exp": lambda: mpmath.exp(x),
              "log": lambda: mpmath.log(x)}[func]()
        yv = Fraction(out.value(y))
        yy = mpmath.mpf(yv.numerator) / yv.denominator
        if measure == "relerr":
            return abs(yy - fx) / abs(fx)
        e = int(mpmath.floor(mpmath.log(abs(fx), 2)))
        u = ulp_of(out, e)
        return abs(yy - fx) / (mpmath.mpf(u.numerator) / u.denominator)


@pytest.mark.parametrize("func,measure,bound", [("exp2", "ulp", Fraction(1, 2)), ("exp2", "ulp", Fraction(1, 3)),
                                                ("exp", "relerr", Fraction(1, 16)), ("log", "ulp", Fraction(3, 4))])
def test_decisions_match_an_independent_error_computation(func, measure, bound):
    fmt = get_format("e4m3fn")
    dec = Decider(func, fmt, fmt, measure, bound, strict=False)
    checked = 0
    for code in range(0, 0x7f, 3):  # positive codes (log's domain), every third
        v = Fraction(fmt.value(code))
        if v == 0 or (func == "exp2" and v.denominator == 1):
            continue  # exact or infinite cases are covered below
        base = {"exp2": golden_exp2, "exp": golden_exp, "log": golden_log}[func](fmt, code).code
        for y in (base - 2, base - 1, base, base + 1, base + 2):
            if not 0 <= y < 0x7f:
                continue
            truth = _true_error(func, fmt, code, fmt, y, measure)
            got, _ = dec.decide(code, y)
            assert got is bool(truth <= mpmath.mpf(bound.numerator) / bound.denominator), (hex(code), hex(y), truth)
            checked += 1
    assert checked > 50


def test_exact_and_special_values():
    f16 = get_format("f16")
    dec = Decider("exp2", f16, f16, "ulp", Fraction(0), strict=False)
    three = 0x4200  # 3.0: 2^3 = 8 exactly
    assert dec.decide(three, 0x4800)[0] is True  # 8.0, error 0
    assert dec.decide(three, 0x4801)[0] is False
    assert dec.decide(0xfc00, 0x0000)[0] is True  # exp2(-inf) = +0
    assert dec.decide(0x7c00, 0x7c00)[0] is True  # exp2(+inf) = +inf, error 0
    assert dec.decide(0x7c00, 0x7bff)[0] is False  # max finite against +inf
    log = Decider("log", f16, f16, "ulp", Fraction(1), strict=False)
    assert log.decide(0xbc00, 0x7e00)[0] is True  # log(-1) = NaN: only a NaN matches
    assert log.decide(0xbc00, 0x0000)[0] is False
    rel = Decider("log", f16, f16, "relerr", Fraction(1), strict=False)
    assert rel.decide(0xbc00, 0x7e00)[0] is False  # relerr is false unless both are finite
    assert rel.decide(0x3c00, 0x0000)[0] is True  # log(1) = 0 exactly, relerr(0, 0) = 0
    # an overflowing exact value against a finite result: far beyond the format, refuted
    assert dec.decide(0x5bff, 0x7bff)[0] is False  # exp2(255.9) in f16


def test_ulp_of_clamps_to_the_format_binades():
    fmt = get_format("e4m3fn")
    assert ulp_of(fmt, 0) == Fraction(1, 8)
    assert ulp_of(fmt, -20) == Fraction(1, 512)  # the subnormal quantum
    assert ulp_of(fmt, 40) == ulp_of(fmt, 8) == 32


# ---- the unit against the golden model ----------------------------------------------------------


@pytest.mark.parametrize("name", ["e4m3fn", "e5m2", "e2m1fn", "e3m2fn", "e2m3fn", "e4m3fnuz", "p3109_8p3se",
                                  "e3m4"])
def test_exp2_unit_is_correctly_rounded_exhaustively(name):
    from fpverify.fast.tables import unary_table
    from fpverify.hdl.evaluate import evaluate
    from fpverify.hdl.netlist import flatten
    from rtl.exp2_unit import Exp2Unit

    fmt = get_format(name)
    nl = flatten(Exp2Unit(fmt))
    codes = np.arange(1 << fmt.width, dtype=np.uint64)
    ys = evaluate(nl, {"a": codes})["result"].astype(np.int64)
    want, _ = unary_table("exp2", fmt, Env())
    for c in range(1 << fmt.width):
        y, w = int(ys[c]), int(want[c])
        assert y == w or (fmt.is_nan(y) and fmt.is_nan(w)), (name, hex(c), hex(y), hex(w))


def test_exp2_unit_rejects_bad_parameters():
    from rtl.exp2_unit import Exp2Unit

    with pytest.raises(ValueError):
        Exp2Unit("e4m3fn", segments=0)
    with pytest.raises(ValueError):
        Exp2Unit("e4m3fn", rounding="port")
    with pytest.raises(ValueError):
        Exp2Unit("e4m3fn", fault_entry=1000)


# ---- specs: proofs and refutations ---------------------------------------------------------------


def test_e4m3fn_exp2_spec_proves(capsys):
    code, props, err = _prove(ROOT / "specs" / "e4m3fn_exp2.spec", capsys)
    assert code == 0, (props, err)
    assert {n: p["status"] for n, p in props.items()} == {"eq_exp2": "PROVED", "half_ulp": "PROVED",
                                                          "relative": "PROVED"}
    msg = props["eq_exp2"]["cases"][0]["message"]
    assert "exhaustive: 256 codes" in msg and "z3 cross-check" in msg


def test_seeded_table_bug_is_refuted_and_replayed(tmp_path, capsys):
    spec = _spec(tmp_path, "prove y == exp2(a, rne)\nprove ulp(y, exp2(a)) <= 1/2 assuming finite(a) and a < 9\n",
                 extra=", fault_entry = 13")
    code, props, err = _prove(spec, capsys)
    assert code == 1, (props, err)
    fmt = get_format("e4m3fn")
    for p in props.values():
        case = p["cases"][0]
        assert case["status"] == "REFUTED", case
        a = case["inputs"]["a"]
        # the golden model's correctly rounded result differs from what the counterexample shows
        want = golden_exp2(fmt, a).code
        shown = int(case["counterexample"].splitlines()[1].split("=")[1].split()[0], 16)
        assert shown != want and "replayed" in case["message"]


def test_too_tight_bound_is_refuted_with_a_real_error(tmp_path, capsys):
    """A correctly rounded unit has errors close to 1/2 ulp: `<= 1/4` fails at a real input."""
    spec = _spec(tmp_path, "prove tight: ulp(y, exp2(a)) <= 1/4 assuming finite(a) and a < 9\n")
    code, props, err = _prove(spec, capsys)
    assert code == 1
    case = props["tight"]["cases"][0]
    fmt = get_format("e4m3fn")
    a = case["inputs"]["a"]
    y = golden_exp2(fmt, a).code  # the unit is correctly rounded (test above)
    assert _true_error("exp2", fmt, a, fmt, y, "ulp") > 0.25


def test_vacuous_assumption(tmp_path, capsys):
    spec = _spec(tmp_path, "prove ulp(y, exp2(a)) <= 1 assuming nan(a) and not nan(a)\n")
    code, props, err = _prove(spec, capsys)
    assert code == 1 and props["ulp_exp2"]["status"] == "VACUOUS"


def test_other_inputs_are_rejected(tmp_path, capsys):
    spec = tmp_path / "two.spec"
    spec.write_text("design rtl.fp_mul.FPMultiplier(fmt = e4m3fn)\ninput a, b : e4m3fn\n"
                    "output y = dut.result : e4m3fn\nprove y == exp2(a, rne)\n")
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2 and "other input(s) b would be left free" in err and ":4:1: error:" in err


@pytest.mark.slow
def test_bf16_exp2_spec_proves(capsys):
    code, props, err = _prove(ROOT / "specs" / "bf16_exp2.spec", capsys)
    assert code == 0, (props, err)
    assert {p["status"] for p in props.values()} == {"PROVED"}


@pytest.mark.slow
def test_bf16_bound_just_below_the_measured_worst_is_refuted(tmp_path, capsys):
    spec = _spec(tmp_path, "prove k: ulp(y, exp2(a)) <= 0.512 assuming finite(a) and a < 128\n", fmt="bf16")
    code, props, err = _prove(spec, capsys)
    assert code == 1
    case = props["k"]["cases"][0]
    assert case["inputs"]["a"] == 0x3f75


def test_sim_checks_elementary_properties(tmp_path, capsys):
    code, out, err = run_cli(["sim", str(ROOT / "specs" / "e4m3fn_exp2.spec")], capsys)
    assert code == 0, out + err
    assert "256 vectors checked" in out and "0 mismatches" in out
    spec = _spec(tmp_path, "prove y == exp2(a, rne)\n", extra=", fault_entry = 13")
    code, out, err = run_cli(["sim", str(spec)], capsys)
    assert code == 1, out + err
    assert "1 mismatches" in out and "expected exp2(" in out


def test_pipelined_unit_with_clock_and_reset(tmp_path, capsys):
    spec = tmp_path / "p.spec"
    spec.write_text("design rtl.exp2_unit.Exp2Unit(fmt = e2m1fn, rounding = rne, latency = 2)\n"
                    "input a : e2m1fn\noutput y = dut.result : e2m1fn\nlatency 2\nclock clk\n"
                    "reset rst = 1 for 1 cycles\nprove y == exp2(a, rne)\n")
    code, props, err = _prove(spec, capsys)
    assert code == 0, (props, err)
    assert "z3 cross-check: the netlist's z3 translation gives the same result" in \
        props["eq_exp2"]["cases"][0]["message"]


def test_with_flags_compares_the_ieee_flags():
    """`with flags` needs the golden flags too: the right result with wrong flags fails."""
    from fpverify.dsl import load_spec
    from fpverify.dsl.prove_elementary import Judge

    spec = load_spec(ROOT / "specs" / "e4m3fn_exp2.spec")
    el = spec.properties[0].elementary
    assert el.flags == "fl"
    fmt = get_format("e4m3fn")
    half = 0x30  # 0.5: 2^0.5 is inexact
    g = golden_exp2(fmt, half)
    judge = Judge(el)
    assert judge(half, g.code, int(g.flags)) is True
    assert judge(half, g.code, 0) is False
    assert judge(half, g.code + 1, int(g.flags)) is False


def _lut_spec(tmp_path, fmt: str, func: str, body: str, extra: str = "") -> Path:
    p = tmp_path / "lut.spec"
    p.write_text(f'design "{ROOT / "tests" / "spec_designs" / "lut_unary.py"}" : LUTUnary(fmt = {fmt}, '
                 f"func = {func}{extra})\ninput a : {fmt}\noutput y = dut.result : {fmt}\n" + body)
    return p


def test_correctly_rounded_log2_meets_half_ulp_and_a_tie_refutes_the_strict_bound(tmp_path, capsys):
    """log2 on E5M2 (NaN for negatives, -inf for zeros, exact integers for powers of two): the
    golden table meets ulp <= 1/2 by the enclosure-based decision, and the exact tie
    log2(2^-15) = -15 (between -16 and -14) shows that `< 1/2` is false there."""
    spec = _lut_spec(tmp_path, "e5m2", "log2", "prove y == log2(a, rne)\nprove half: ulp(y, log2(a)) <= 1/2\n"
                     "prove strict: ulp(y, log2(a)) < 1/2\n")
    code, props, err = _prove(spec, capsys)
    assert code == 1
    status = {n: p["status"] for n, p in props.items()}
    assert status == {"eq_log2": "PROVED", "half": "PROVED", "strict": "REFUTED"}, status
    case = props["strict"]["cases"][0]
    fmt = get_format("e5m2")
    assert fmt.value(case["inputs"]["a"]) == Fraction(1, 2 ** 15) and "error 0.5 ulp" in case["counterexample"]


def test_skewed_tanh_table_is_refuted(tmp_path, capsys):
    spec = _lut_spec(tmp_path, "e5m2", "tanh", "prove ulp(y, tanh(a)) <= 1\n", extra=", skew_code = 0x30, skew = 2")
    code, props, err = _prove(spec, capsys)
    assert code == 1
    case = props["ulp_tanh"]["cases"][0]
    assert case["status"] == "REFUTED" and case["inputs"]["a"] == 0x30


def test_irrational_exact_values_are_enclosed_exactly():
    """rsqrt's golden value is an exact square root (not rational): decided by its exact
    floor_scaled enclosure, against an independent 200-bit error."""
    fmt = get_format("e5m2")
    dec = Decider("rsqrt", fmt, fmt, "ulp", Fraction(1, 2), strict=False)
    two = 0x40  # 2.0: rsqrt(2) = 0.7071...
    assert Fraction(fmt.value(two)) == 2
    with mpmath.mp.workprec(200):
        x = 1 / mpmath.sqrt(2)
        for y in range(0x34, 0x3c):  # codes around 0.7
            yv = Fraction(fmt.value(y))
            u = ulp_of(fmt, -1)
            truth = abs(mpmath.mpf(yv.numerator) / yv.denominator - x) / (mpmath.mpf(u.numerator) / u.denominator)
            assert dec.decide(two, y)[0] is bool(truth <= 0.5), hex(y)
    four = 0x44  # rsqrt(4) = 1/2 exactly
    assert dec.decide(four, 0x38)[0] is True and dec.decide(four, 0x39)[0] is False


def test_lut_rsqrt_meets_half_ulp(tmp_path, capsys):
    spec = _lut_spec(tmp_path, "e5m2", "rsqrt", "prove ulp(y, rsqrt(a)) <= 1/2\n")
    code, props, err = _prove(spec, capsys)
    assert code == 0, (props, err)
