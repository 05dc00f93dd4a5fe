"""Stochastic rounding (SR-A/B/C) in the MX dot unit (rtl.mx_dot.MXDot with an ``rbits`` port).

Oracles: golden `mx_dot_exact` with ``Env.random_bits`` (exact rational sum, one rounding by the
golden kernel) for the RTL on the netlist evaluator, the fast engine and the symbolic reference;
independently of the golden SR code, the P3109 definition of SR-A itself: over all 2^N values of R
the result is RTZ or the next code away from zero, and exactly floor(nu * 2^N) values of R round
away (nu = the exact residual in units of the gap, from golden RTZ and directed roundings).
Proofs (z3/Bitwuzla) against the reference; counterexamples recomputed here on the evaluator and in
golden with their random bits.
"""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import z3

from fpverify.errors import InputError
from fpverify.fast.blocks import MXArray, mx_dot_exact as fast_mx_dot_exact
from fpverify.formats import FormatError, get_format
from fpverify.golden.blocks import MXBlock, MXPolicy, mx_block_values, mx_dot_exact
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.prove.mx_dot import dot_obligation, prove_mx_dot
from fpverify.prove.mx_dot_decompose import prove_mx_dot_decomposed
from fpverify.rounding import Env, Mode, Rounding, parse_rounding
from fpverify.smt.reference.mx_dot import mx_dot
from rtl.mx_dot import MXDot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.mx_dot import NanScaleIgnoredMXDot, RandomBitsShiftedMXDot  # noqa: E402
from cli_util import run_cli  # noqa: E402

F32, BF16, FP4, E4M3 = (get_format(n) for n in ("f32", "bf16", "e2m1fn", "e4m3fn"))
SR_MODES = ("sra3", "srb3", "src3")


def sample(elem, k: int, n: int, seed: int, low_scales: bool):
    """Element codes (n, k) and scales; ``low_scales`` puts most results near f32's subnormal
    range, where an E2M1 sum (a few significant bits) is inexact."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << elem.width, (n, k))
    b = rng.integers(0, 1 << elem.width, (n, k))
    pool = [97, 99, 100, 101, 102, 103, 127, 255] if low_scales else [0, 60, 110, 127, 140, 200, 254, 255]
    sa = rng.choice(pool, n)
    sb = np.where(rng.random(n) < 0.8, rng.choice([0, 1, 2, 3] if low_scales else pool, n), rng.integers(0, 256, n))
    return a, b, sa, sb


def packed(codes: np.ndarray, width: int) -> np.ndarray:
    return sum(codes[:, i].astype(object) << (i * width) for i in range(codes.shape[1]))


def golden(elem, out, mode: str, r: int, a_row, b_row, sa: int, sb: int):
    return mx_dot_exact([MXBlock(int(sa), tuple(map(int, a_row)))], [MXBlock(int(sb), tuple(map(int, b_row)))],
                        elem, out=out, env=Env(parse_rounding(mode), random_bits=r))


@pytest.mark.parametrize("elem,k,out,mode,low", [("e2m1fn", 2, "f32", m, True) for m in SR_MODES]
                         + [("e4m3fn", 2, "bf16", "sra4", False), ("e4m3fn", 2, "bf16", "src4", False),
                            ("mxint8", 2, "bf16", "srb3", False), ("e5m2", 2, "bf16", "src3", False)])
def test_rtl_golden_and_fast_agree_for_every_random_value(elem, k, out, mode, low):
    fmt, ofmt = get_format(elem), get_format(out)
    unit = MXDot(elem, k, out, rounding=mode)
    n, nbits = 120, unit.rounding_spec.nbits
    assert unit.rbits.shape().width == nbits  # named and sized as the other units' rbits
    a, b, sa, sb = sample(fmt, k, n, seed=len(mode) + k, low_scales=low)
    net = flatten(unit)
    qa = MXArray(sa.astype(np.uint8)[:, None], a.astype(np.uint8), fmt, MXPolicy(block_size=k))
    qb = MXArray(sb.astype(np.uint8)[:, None], b.astype(np.uint8), fmt, MXPolicy(block_size=k))
    inexact = varies = 0
    first = {}
    for r in range(1 << nbits):  # every random value on every sampled input
        got = evaluate(net, {"a": packed(a, fmt.width), "b": packed(b, fmt.width), "scale_a": sa, "scale_b": sb,
                             "rbits": np.full(n, r)})
        fast = fast_mx_dot_exact(qa, qb, out, Env(parse_rounding(mode)), random_bits=np.full(n, r))
        for i in range(n):
            g = golden(elem, ofmt, mode, r, a[i], b[i], sa[i], sb[i])
            code, flags = int(got["result"][i]), int(got["flags"][i])
            assert (code == g.code or (ofmt.is_nan(code) and ofmt.is_nan(g.code))) and flags == int(g.flags) & 0x1F, \
                (i, r, a[i], b[i], sa[i], sb[i])
            assert int(fast[i]) == g.code or (ofmt.is_nan(int(fast[i])) and ofmt.is_nan(g.code)), (i, r)
            inexact += int(g.flags) & 1
            varies += first.setdefault(i, code) != code
    assert inexact > n  # the rounding really decides on many inputs
    assert varies > 10  # ... and the random bits change the result


def test_sr_a_rounds_away_for_floor_nu_2n_random_values():
    """The SR-A definition on the RTL, without golden's SR code: per input, count the R that round away."""
    mode, nbits, k = "sra3", 3, 2
    net = flatten(MXDot("e2m1fn", k, "f32", rounding=mode))
    a, b, sa, sb = sample(FP4, k, 150, seed=11, low_scales=True)
    outs = [evaluate(net, {"a": packed(a, 4), "b": packed(b, 4), "scale_a": sa, "scale_b": sb,
                           "rbits": np.full(len(sa), r)})["result"] for r in range(1 << nbits)]
    checked = 0
    for i in range(len(sa)):
        va = mx_block_values(MXBlock(int(sa[i]), tuple(map(int, a[i]))), FP4, MXPolicy(block_size=k))
        vb = mx_block_values(MXBlock(int(sb[i]), tuple(map(int, b[i]))), FP4, MXPolicy(block_size=k))
        if not all(isinstance(v, Fraction) for v in (*va, *vb)):
            continue
        x = sum((p * q for p, q in zip(va, vb)), Fraction(0))
        away_mode = Mode.RUP if x > 0 else Mode.RDN
        blocks = ([MXBlock(int(sa[i]), tuple(map(int, a[i])))], [MXBlock(int(sb[i]), tuple(map(int, b[i])))])
        lo = mx_dot_exact(*blocks, FP4, out=F32, env=Env(Rounding(Mode.RTZ))).code
        hi = mx_dot_exact(*blocks, FP4, out=F32, env=Env(Rounding(away_mode))).code
        if x == 0 or lo == hi or not isinstance(F32.value(hi), Fraction):
            continue
        nu = (abs(x) - abs(F32.value(lo))) / (abs(F32.value(hi)) - abs(F32.value(lo)))
        codes = [int(o[i]) for o in outs]
        assert set(codes) <= {lo, hi}
        assert codes.count(hi) == int(nu * (1 << nbits)), (i, nu, codes)
        checked += 1
    assert checked > 40


@pytest.mark.parametrize("elem,mode", [("e2m1fn", "sra4"), ("e2m1fn", "srb4"), ("e4m3fn", "src4")])
def test_reference_matches_golden_with_random_bits(elem, mode):
    fmt, k, env = get_format(elem), 2, Env(parse_rounding(mode))
    a, b = z3.BitVec("a", k * fmt.width), z3.BitVec("b", k * fmt.width)
    sa, sb, rb = z3.BitVec("sa", 8), z3.BitVec("sb", 8), z3.BitVec("r", env.rounding.nbits)
    ref = mx_dot(fmt, fmt, a, b, sa, sb, k, F32, env, rb)
    ca, cb, s1, s2 = sample(fmt, k, 60, seed=3, low_scales=fmt.width == 4)
    rng = np.random.default_rng(5)
    for i in range(len(s1)):
        r = int(rng.integers(0, 1 << env.rounding.nbits))
        sub = [(a, z3.BitVecVal(int(packed(ca[i:i + 1], fmt.width)[0]), a.size())),
               (b, z3.BitVecVal(int(packed(cb[i:i + 1], fmt.width)[0]), b.size())),
               (sa, z3.BitVecVal(int(s1[i]), 8)), (sb, z3.BitVecVal(int(s2[i]), 8)), (rb, z3.BitVecVal(r, rb.size()))]
        code = z3.simplify(z3.substitute(ref.code, *sub)).as_long()
        flags = z3.simplify(z3.substitute(ref.flags, *sub)).as_long() & 0x1F
        g = golden(elem, F32, mode, r, ca[i], cb[i], s1[i], s2[i])
        assert code == g.code or (F32.is_nan(code) and F32.is_nan(g.code)), (i, r)
        assert flags == int(g.flags) & 0x1F, (i, r)


@pytest.mark.parametrize("mode", ["sra4", "srb4", "src4"])
def test_sr_unit_proved_by_the_sum_cut(mode):
    r = prove_mx_dot_decomposed(flatten(MXDot("e2m1fn", 2, rounding=mode)), FP4, 2, out=F32,
                                env=Env(parse_rounding(mode)), timeout_s=60)
    assert r.status == "PROVED" and r.strategy == "sum cut", r.message
    assert [lm.name for lm in r.lemmas] == ["back end", "term0", "term1", "sum"]


def test_sr_unit_proved_monolithically():  # k = 2 takes about 1.2 s: k = 1 keeps the default run short
    r = prove_mx_dot(flatten(MXDot("e2m1fn", 1, rounding="src4")), FP4, 1, out=F32,
                     env=Env(parse_rounding("src4")), timeout_s=60)
    assert r.status == "PROVED", r.message


def _assert_replayed_with_random_bits(r, netlist, elem, k, mode):
    assert "rbits" in r.inputs
    got = evaluate(netlist, {n: np.array([v], dtype=object) for n, v in r.inputs.items()})
    net = (int(got["result"][0]), int(got["flags"][0]) & 0x1F)
    word = lambda p: [(r.inputs[p] >> (i * elem.width)) & ((1 << elem.width) - 1) for i in range(k)]  # noqa: E731
    g = golden(elem.name, F32, mode, r.inputs["rbits"], word("a"), word("b"), r.inputs["scale_a"], r.inputs["scale_b"])
    assert net == r.netlist and (g.code, int(g.flags) & 0x1F) == r.golden
    assert net != r.golden


@pytest.mark.parametrize("mode", ["sra4", "srb3", "src4"])
def test_shifted_random_bits_refuted_replayed_and_localised(mode):
    n = flatten(RandomBitsShiftedMXDot("e2m1fn", 2, rounding=mode))
    env = Env(parse_rounding(mode))
    for r in (prove_mx_dot_decomposed(n, FP4, 2, out=F32, env=env, timeout_s=30),
              prove_mx_dot(n, FP4, 2, out=F32, env=env, timeout_s=30)):
        assert r.status == "REFUTED", r.message
        assert r.first_failing == "round_up"  # guard, sticky and the sum agree: the SR decision differs
        assert [s for s, want, have in r.stages if want != have][0] == "round_up"
        _assert_replayed_with_random_bits(r, n, FP4, 2, mode)


def test_wide_ports_replay_and_localise_on_python_ints():
    """E4M3 k = 16: 128-bit a/b ports (the monolithic proof used to pack them into uint64)."""
    n = flatten(NanScaleIgnoredMXDot("e4m3fn", 16, rounding="sra4"))
    assert len(n.inputs["a"]) == 128
    r = prove_mx_dot(n, E4M3, 16, out=F32, env=Env(parse_rounding("sra4")), timeout_s=60)
    assert r.status == "REFUTED" and r.first_failing == "dot_nan", r.message
    assert 0xFF in (r.inputs["scale_a"], r.inputs["scale_b"])
    _assert_replayed_with_random_bits(r, n, E4M3, 16, "sra4")


def test_wide_unit_simulates_against_golden():
    unit = MXDot("e4m3fn", 16, "f32", rounding="srb4")
    a, b, sa, sb = sample(E4M3, 16, 40, seed=9, low_scales=False)
    rb = np.arange(40) % 16
    got = evaluate(flatten(unit), {"a": packed(a, 8), "b": packed(b, 8), "scale_a": sa, "scale_b": sb, "rbits": rb})
    for i in range(40):
        g = golden("e4m3fn", F32, "srb4", int(rb[i]), a[i], b[i], sa[i], sb[i])
        assert int(got["result"][i]) == g.code or (F32.is_nan(int(got["result"][i])) and F32.is_nan(g.code))
        assert int(got["flags"][i]) == int(g.flags) & 0x1F


def test_rm_port_has_no_stochastic_codes_and_bad_rounding_is_rejected():
    net = flatten(MXDot("e2m1fn", 2, rounding="port"))  # rm selects the six deterministic modes, as in FPFMA
    assert "rm" in net.inputs and "rbits" not in net.inputs
    for bad in ("sra65", "srb0x", "srz4"):
        with pytest.raises(FormatError):
            MXDot("e2m1fn", 2, rounding=bad)
    with pytest.raises(InputError, match="needs 4"):  # a 3-bit rbits port against a 4-bit mode
        dot_obligation(flatten(MXDot("e2m1fn", 2, rounding="sra3")), FP4, FP4, 2, F32, Env(parse_rounding("sra4")))


SPEC = """design rtl.mx_dot.MXDot(elem = e2m1fn, k = 2, rounding = sra4)
input a = dut.a : e2m1fn[2]
input b = dut.b : e2m1fn[2]
input sa = dut.scale_a : e8m0
input sb = dut.scale_b : e8m0
input r = dut.rbits : bits[4]
output y = dut.result : f32
output fl = dut.flags
solver bitwuzla
"""


def test_dsl_sr_dot_proved(tmp_path, capsys):
    p = tmp_path / "ok.spec"
    p.write_text(SPEC + "prove y == mx_dot(a, b, sa, sb, sra4, random = r) with flags fl\n")
    code, out, err = run_cli(["prove", str(p)], capsys)
    assert code == 0 and "PROVED" in out, out + err


def test_dsl_sr_dot_bug_refuted_with_r(tmp_path, capsys):
    import json

    p = tmp_path / "bug.spec"
    bugs = Path(__file__).resolve().parents[1] / "benchmarks" / "seeded_bugs" / "mx_dot.py"
    p.write_text(SPEC.replace("rtl.mx_dot.MXDot", f'"{bugs}" : RandomBitsShiftedMXDot')
                 + "prove y == mx_dot(a, b, sa, sb, sra4, random = r) with flags fl\n")
    code, out, err = run_cli(["prove", "--json", "-", str(p)], capsys)
    assert code == 1, out + err
    case = json.loads(out)["specs"][0]["properties"][0]["cases"][0]
    assert case["status"] == "REFUTED" and "r" in case["inputs"]
    assert "(R of sra4)" in case["counterexample"] and "first failing stage: round_up" in case["counterexample"]


@pytest.mark.parametrize("prove,fragment", [
    ("prove y == mx_dot(a, b, sa, sb, sra4) with flags fl", "needs its random bits"),
    ("prove y == mx_dot(a, b, sa, sb, rne, random = r) with flags fl", "only goes with a stochastic"),
    ("prove y == mx_dot(a, b, sa, sb, sra3, random = r) with flags fl", "must be bits[3]"),
    ("prove y == mx_dot(a, b, sa, sb, sra4, random = q) with flags fl", "declared bits input"),
    ("prove y == mx_dot(a, b, sa, sb, sra4, random = r, rounding = r) with flags fl", "one keyword argument"),
])
def test_dsl_bad_random_argument(tmp_path, capsys, prove, fragment):
    p = tmp_path / "bad.spec"
    p.write_text(SPEC + prove + "\n")
    code, out, err = run_cli(["prove", "--check-only", str(p)], capsys)
    assert code == 2 and fragment in out + err, out + err
    assert "bad.spec:10:" in out + err


def test_campaign_property_grades_with_each_vectors_random_bits():
    """`faults`: golden rounds each simulated vector with its own R (the clean SR unit passes, the
    seeded SR bug fails with a counterexample that names R)."""
    from fpverify.faults.equivalence import random_vectors
    from fpverify.faults.mx_dot_property import MXDotEquivalence

    prop = MXDotEquivalence(FP4, 2, F32, Env(parse_rounding("sra4")))
    assert "sra4" in prop.name
    clean = flatten(MXDot("e2m1fn", 2, rounding="sra4"))
    vec = random_vectors(clean, 3000, seed=2)
    vec["scale_a"] = np.where(np.arange(3000) % 2 == 0, 100, vec["scale_a"]).astype(np.uint64)  # inexact results
    vec["scale_b"] = np.where(np.arange(3000) % 2 == 0, 2, vec["scale_b"]).astype(np.uint64)
    expected = prop.expected(vec)
    assert prop.concrete(vec, evaluate(clean, vec), expected, "sim").status == "PASS"
    bug = flatten(RandomBitsShiftedMXDot("e2m1fn", 2, rounding="sra4"))
    out = prop.concrete(vec, evaluate(bug, vec), expected, "sim")
    assert out.status == "FAIL" and out.counterexample["replayed"]
    assert "rbits=" in out.counterexample["decoded"]


def test_e4m3_k4_shifted_random_bits_refuted_by_the_cut_without_fallback():
    """A back-end model whose free sum the model's own elements do not reach is lifted to elements
    that reach it with the same scales, R and NaN status, so the sum cut refutes it alone."""
    n = flatten(RandomBitsShiftedMXDot("e4m3fn", 4, rounding="sra4"))
    r = prove_mx_dot_decomposed(n, E4M3, 4, out=F32, env=Env(parse_rounding("sra4")), timeout_s=60)
    assert r.status == "REFUTED" and r.strategy == "sum cut" and r.first_failing == "round_up", r.message
    _assert_replayed_with_random_bits(r, n, E4M3, 4, "sra4")
