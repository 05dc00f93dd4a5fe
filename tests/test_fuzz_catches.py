"""The harness catches deliberately wrong kernels, with the expected minimal example, and passes
correct ones.

Oracle: the golden model (through `fpverify.fuzz`). The kernels under test are an independent
float64/numpy implementation of RNE rounding (`ref_round`) and of the OCP MX FLOOR quantizer
(`ref_mx`), each with one injectable bug: double rounding through float32, ties away from zero,
no saturation, a shared exponent one off.
"""

from __future__ import annotations

import math
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from fpverify import golden
from fpverify.formats import get_format
from fpverify.fuzz import format_result, fuzz
from fpverify.fuzz.explain import explain
from fpverify.fuzz.harness import exact_result
from fpverify.golden.real import exact
from fpverify.rounding import Env

HERE = Path(__file__).resolve()
N = 3000  # every bug below must be found well within this many examples


# ---- kernels under test (numpy, float64; independent of the golden model) --------------------


def ref_round(x, fmt="e4m3fn", ties="even", overflow="satfinite", via=None) -> np.ndarray:
    """Round to ``fmt`` with float64 numpy ops: returns float64 values (NaN for NaN results)."""
    f = get_format(fmt)
    x = np.asarray(x)
    with np.errstate(all="ignore"):
        if via is not None:
            x = x.astype(via)
        x = x.astype(np.float64)
        p, emin, maxv = f.precision, f.emin, float(f.max_value)
        a = np.abs(x)
        finite = np.isfinite(a) & (a > 0)
        _, e = np.frexp(np.where(finite, a, 1.0))
        q = np.maximum(e - 1, emin) - p + 1
        s = np.ldexp(np.where(finite, a, 0.0), -q)
        s0 = np.floor(s)
        frac = s - s0
        odd = np.fmod(s0, 2) == 1
        up = (frac > 0.5) | ((frac == 0.5) & (odd if ties == "even" else True))
        r = np.ldexp(s0 + up, q)
        big = (r > maxv) | np.isinf(a)
        over = {"satfinite": maxv, "nan": np.nan, "inf": np.inf}[overflow]
        r = np.where(big, over, r)
        r = np.where(a == 0, 0.0, r)
        r = np.where(np.isnan(a), np.nan, r)
        return np.copysign(r, x)


def ok_f32_e4m3_sat(x):
    return ref_round(x, "e4m3fn", overflow="satfinite")


def ties_away_f32_e4m3_sat(x):
    return ref_round(x, "e4m3fn", ties="away", overflow="satfinite")


def nosat_f32_e4m3(x):
    return ref_round(x, "e4m3fn", overflow="nan")


def ok_f64_e4m3(x):
    return ref_round(x, "e4m3fn", overflow="nan")


def double_rounding_f64_e4m3(x):
    return ref_round(x, "e4m3fn", overflow="nan", via=np.float32)


_E4M3_VALUES = np.array([float(get_format("e4m3fn").value(c)) for c in range(256)])
_E4M3_VALUES[0x80] = -0.0


def ok_mul_e4m3_codes(a, b):
    """mul on e4m3fn codes: decode by table, exact product in float64, round."""
    vals = _E4M3_VALUES
    with np.errstate(all="ignore"):
        prod = vals[a] * vals[b]  # 4x4-bit significands: exact in float64
    return ref_round(prod, "e4m3fn", overflow="nan")


def ties_away_mul_e4m3_codes(a, b):
    vals = _E4M3_VALUES
    with np.errstate(all="ignore"):
        prod = vals[a] * vals[b]
    return ref_round(prod, "e4m3fn", ties="away", overflow="nan")


def ref_sr_a(x, r, fmt="e4m3fn", nbits=8, strict=False) -> np.ndarray:
    """Stochastic rounding A (formats.md §2): up iff floor(nu*2^N) + R >= 2^N; satfinite.
    ``strict=True`` is the bug: '>' instead of '>='."""
    f = get_format(fmt)
    with np.errstate(all="ignore"):
        x = np.asarray(x).astype(np.float64)
        r = np.asarray(r).astype(np.int64)
        a = np.abs(x)
        finite = np.isfinite(a) & (a > 0)
        _, e = np.frexp(np.where(finite, a, 1.0))
        q = np.maximum(e - 1, f.emin) - f.precision + 1
        s = np.ldexp(np.where(finite, a, 0.0), -q)
        s0 = np.floor(s)
        frac = np.floor(np.ldexp(s - s0, nbits)).astype(np.int64)
        up = (frac + r > (1 << nbits)) if strict else (frac + r >= (1 << nbits))
        v = np.ldexp(s0 + up, q)
        v = np.where((v > float(f.max_value)) | np.isinf(a), float(f.max_value), v)
        v = np.where(a == 0, 0.0, v)
        v = np.where(np.isnan(a), np.nan, v)
        return np.copysign(v, x)


def ok_sr_a(x, r):
    return ref_sr_a(x, r)


def sr_a_strict(x, r):
    return ref_sr_a(x, r, strict=True)


MX_EMAX = {"e2m1fn": 2, "e4m3fn": 8}


def ref_mx(x, elem="e2m1fn", scale_offset=0):
    """OCP MX FLOOR quantizer in numpy: (E8M0 scale codes, element values)."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(x).all(axis=1)
        amax = np.max(np.where(np.isfinite(x), np.abs(x), 0.0), axis=1)
        _, e = np.frexp(np.where(amax > 0, amax, 1.0))
        shared = np.where(amax > 0, e - 1 - MX_EMAX[elem] + scale_offset, -127)
        shared = np.clip(shared, -127, 127)
        elems = ref_round(np.ldexp(x, -shared[:, None]), elem, overflow="satfinite")
    scales = np.where(bad, 255, shared + 127).astype(np.uint8)
    return scales, elems


def ok_mx_e2m1(x):
    return ref_mx(x, "e2m1fn")


def mx_scale_low_e2m1(x):
    return ref_mx(x, "e2m1fn", scale_offset=-1)


def mx_scale_high_e2m1(x):
    return ref_mx(x, "e2m1fn", scale_offset=+1)


# ---- helpers ---------------------------------------------------------------------------------


def _only(res):
    assert res.mismatches, "the bug was not found"
    assert res.examples < N, res.examples
    m = res.mismatches[0]
    assert m.error is None, m.error
    return m


def _x(m, src="f32"):
    return get_format(src).value(m.case.args[0])


# ---- correct kernels pass --------------------------------------------------------------------


@pytest.mark.parametrize("kernel, sem", [
    (ok_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite"),
    (ok_f64_e4m3, "convert f64->e4m3fn rne"),
    (ok_mul_e4m3_codes, "mul e4m3fn rne in=codes"),
])
def test_correct_kernels_pass(kernel, sem):
    res = fuzz(kernel, sem, n=N, seed=3)
    assert res.ok, format_result(res)
    assert res.examples >= N


def test_correct_mx_kernel_passes():
    res = fuzz(ok_mx_e2m1, "mx f32->e2m1fn", n=200, seed=3, batch=16)
    assert res.ok, format_result(res)


# ---- each bug is found, with the expected minimal example ------------------------------------


def test_ties_away_is_caught_at_a_tie():
    res = fuzz(ties_away_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=N, seed=1)
    m = _only(res)
    x = exact_result(res.semantics, m.case)
    ex = explain(x, "e4m3fn", res.semantics.env, actual=m.actual)
    assert ex.tie, "a ties-away bug can only show at an exact tie"
    assert m.expected == ex.picks["rne"] and m.actual == ex.picks["rna"]
    assert any(s.startswith("rna") for s in ex.matches)
    # shrinking: the tie is between small neighbours (codes below 1.0 or the simplest binade)
    text = format_result(res)
    assert "tie              yes" in text


def test_ties_away_in_multiplication_is_caught():
    res = fuzz(ties_away_mul_e4m3_codes, "mul e4m3fn rne in=codes", n=N, seed=1)
    m = _only(res)
    x = exact_result(res.semantics, m.case)
    ex = explain(x, "e4m3fn", res.semantics.env, actual=m.actual)
    assert ex.tie and m.actual == ex.picks["rna"]


def test_missing_saturation_is_caught_beyond_the_threshold():
    res = fuzz(nosat_f32_e4m3, "convert f32->e4m3fn rne satfinite", n=N, seed=1)
    m = _only(res)
    x = _x(m)
    assert (isinstance(x, float) and math.isinf(x)) or abs(x) > 464, x  # 464 itself ties to 448
    assert m.expected in (0x7E, 0xFE) and m.actual in (0x7F, 0xFF)


def test_missing_saturation_minimal_finite_example():
    """Without Inf inputs in play, the minimal example is a finite value above the threshold:
    the float32 max (the simplest special code) or within a few f32 ulps of 464."""
    def nosat_finite_only(x):
        r = nosat_f32_e4m3(x)
        return np.where(np.isinf(x), np.copysign(448.0, x), r)

    res = fuzz(nosat_finite_only, "convert f32->e4m3fn rne satfinite", n=N, seed=2)
    m = _only(res)
    x = _x(m)
    assert abs(x) > 464, x  # 464 itself ties to 448
    assert abs(x) == get_format("f32").max_value or abs(x) <= 464 + 4 * 2 ** -15, x


def test_double_rounding_through_f32_is_caught():
    res = fuzz(double_rounding_f64_e4m3, "convert f64->e4m3fn rne", n=N, seed=1)
    m = _only(res)
    x = _x(m, "f64")
    f32 = golden.from_value(x, get_format("f32")).code
    via = get_format("f32").value(f32)
    # x itself is not a tie, but its float32 rounding is an exact e4m3fn midpoint
    assert not explain(exact(Fraction(x)), "e4m3fn", Env()).tie
    assert explain(exact(Fraction(via)), "e4m3fn", Env()).tie
    assert "double rounding via f32" in format_result(res)


@pytest.mark.parametrize("kernel, delta", [(mx_scale_low_e2m1, -1), (mx_scale_high_e2m1, +1)])
def test_mx_scale_off_by_one_is_caught(kernel, delta):
    res = fuzz(kernel, "mx f32->e2m1fn", n=N, seed=1, batch=16)
    m = _only(res)
    (exp_scale, _), (act_scale, _) = m.expected, m.actual
    assert act_scale == exp_scale + delta
    text = format_result(res)
    assert "expected scale" in text and "amax" in text


def test_stochastic_rounding_kernel_checked_with_explicit_random_bits():
    sem = "convert f32->e4m3fn sra8 satfinite"
    good = fuzz(ok_sr_a, sem, n=N, seed=1)
    assert good.ok, format_result(good)
    res = fuzz(sr_a_strict, sem, n=N, seed=1)
    m = _only(res)
    # the bug only shows when floor(nu * 2^8) + R is exactly 2^8
    x = exact_result(res.semantics, m.case)
    e4 = get_format("e4m3fn")
    q = max(x.ilog2(), e4.emin) - e4.precision + 1
    s0, _ = x.floor_scaled(-q)
    frac = x.floor_scaled(-q + 8)[0] - (s0 << 8)
    assert frac + m.case.r == 256
    assert "random bits R" in format_result(res)


# ---- determinism, replay database and the command line ---------------------------------------


def test_pytest_helper_raises_with_the_report():
    from fpverify.fuzz import assert_matches

    assert_matches(ok_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=500)
    with pytest.raises(AssertionError, match="(?s)MISMATCH.*tie              yes"):
        assert_matches(ties_away_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=N, seed=1)


def test_seeded_runs_are_reproducible():
    a = fuzz(ties_away_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=N, seed=7)
    b = fuzz(ties_away_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=N, seed=7)
    assert a.examples == b.examples
    assert [m.case for m in a.mismatches] == [m.case for m in b.mismatches]


def test_database_replays_the_minimal_example(tmp_path):
    db = tmp_path / "db"
    a = fuzz(ties_away_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=N, seed=5, db=db)
    assert a.mismatches and any(db.rglob("*"))
    b = fuzz(ties_away_f32_e4m3_sat, "convert f32->e4m3fn rne satfinite", n=N, seed=999, db=db)
    assert b.examples == 0  # replayed before generating anything
    assert b.mismatches[0].case == a.mismatches[0].case


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "fpverify.cli", *args], capture_output=True, text=True,
                          cwd=cwd or HERE.parent.parent, timeout=300)


def test_cli_exit_codes():
    bad = _cli("fuzz", f"{HERE}:double_rounding_f64_e4m3", "--semantics", "convert f64->e4m3fn rne",
               "-n", "2000", "--seed", "1")
    assert bad.returncode == 1, bad.stderr
    assert "MISMATCH" in bad.stdout and "replay: fpverify fuzz" in bad.stdout
    assert "toward zero" in bad.stdout and "actual matches" in bad.stdout
    good = _cli("fuzz", f"{HERE}:ok_f64_e4m3", "--semantics", "convert f64->e4m3fn rne", "-n", "500")
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.startswith("OK:")


@pytest.mark.parametrize("args, needle", [
    (["fuzz", "no.such.module:f", "-s", "convert f32->e4m3fn"], "cannot import target"),
    (["fuzz", "fpverify.fuzz.kernels:nope", "-s", "convert f32->e4m3fn"], "has no attribute"),
    (["fuzz", "fpverify.fuzz.kernels", "-s", "convert f32->e4m3fn"], "must look like"),
    (["fuzz", "fpverify.fuzz.kernels:ml_dtypes_e4m3fn", "-s", "convert f32->e4m3fx"], "--semantics:1:14: error"),
    (["fuzz", "fpverify.fuzz.kernels:ml_dtypes_e4m3fn", "-s", "frobnicate f32"], "unknown operation"),
])
def test_cli_bad_input_exits_2(args, needle, capsys):
    from fpverify.cli import main

    with pytest.raises(SystemExit) as e:
        main(args)
    err = capsys.readouterr().err
    assert e.value.code == 2, err
    assert needle in err and "Traceback" not in err


# ---- kernels that crash, return garbage, or are interrupted ----------------------------------


def test_a_crashing_kernel_is_a_finding():
    def crashes_on_negative(x):
        if (np.signbit(x) & np.isfinite(x) & (x != 0)).any():
            raise ValueError("negative input")
        return ok_f32_e4m3_sat(x)

    res = fuzz(crashes_on_negative, "convert f32->e4m3fn rne satfinite", n=N, seed=1)
    m = res.mismatches[0]
    assert m.error and "target raised ValueError: negative input" in m.error
    assert get_format("f32").value(m.case.args[0]) < 0  # the single failing example was isolated


def test_wrong_output_shape_is_reported():
    res = fuzz(lambda x: ok_f32_e4m3_sat(x)[:-1], "convert f32->e4m3fn rne satfinite", n=200, seed=1)
    assert res.mismatches and "bad output" in res.mismatches[0].error


def test_interrupt_keeps_partial_results():
    calls = []

    def interrupted(x):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return ok_f32_e4m3_sat(x)

    res = fuzz(interrupted, "convert f32->e4m3fn rne satfinite", n=N, seed=1)
    assert res.interrupted and res.examples == 128 and not res.mismatches
    assert format_result(res).startswith("INTERRUPTED")
