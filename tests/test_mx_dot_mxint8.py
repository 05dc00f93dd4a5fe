"""MXINT8 elements in the MX dot proofs and the DSL.

Oracle: golden `mx_dot_exact` (an MXINT8 element is the two's-complement int8 times 2^-6, so code
0x80 is -2). The symbolic reference `fpverify.smt.reference.mx_dot` is checked against it on dense
samples (-128 codes, exact cancellation, NaN scales, mixed element pairs, stochastic R); the
generator `rtl.mx_dot.MXDot` is then proved against the reference (k = 1, 2; k = 4 and 32 in
benchmarks/results/mx_dot.txt), and seeded MXINT8 bugs (benchmarks/seeded_bugs/mx_dot.py) are
REFUTED with a counterexample recomputed here on the evaluator and golden."""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import z3

from cli_util import run_cli  # noqa: E402
from fpverify.formats import get_format
from fpverify.golden.blocks import MXBlock, mx_dot_exact
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.prove.mx_dot import golden_dot, prove_mx_dot
from fpverify.prove.mx_dot_decompose import prove_mx_dot_decomposed
from fpverify.rounding import Env, parse_rounding
from fpverify.smt.reference.mx_dot import element_max_units, mx_dot

from rtl.mx_dot import MXDot

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.seeded_bugs.mx_dot import Int8MinCodeDroppedMXDot, Int8SignMagnitudeMXDot  # noqa: E402

BUGS = ROOT / "benchmarks" / "seeded_bugs" / "mx_dot.py"
F32, I8 = get_format("f32"), get_format("mxint8")
EDGE_INT8 = (0x80, 0x81, 0xFF, 0x00, 0x01, 0x7F, 0x40, 0xC0)  # -2, -127/64, -1/64, 0, 1/64, 127/64, 1, -1


def word(codes, w: int) -> int:
    return sum(c << (i * w) for i, c in enumerate(codes))


def codes_for(fmt, rng: random.Random) -> int:
    edge = EDGE_INT8 if fmt.name == "mxint8" else (0, 1, 1 << (fmt.width - 1))  # float: +0, min subnormal, -0
    return rng.choice([rng.randrange(1 << fmt.width), rng.choice(edge) % (1 << fmt.width)])


def blocks(rng: random.Random, fa, fb, k: int):
    """One sample: random/edge codes, or an exactly cancelling pair (a_i b_i = -a_j b_j)."""
    ca = [codes_for(fa, rng) for _ in range(k)]
    cb = [codes_for(fb, rng) for _ in range(k)]
    if k >= 2 and fa.name == "mxint8" and rng.random() < 0.3:
        ca[1] = (-fa.to_int(ca[0])) & 0xFF if ca[0] != 0x80 else 0x80  # -x (or -2 twice with opposite b)
        cb[1] = cb[0] if ca[0] != 0x80 else None
        if cb[1] is None:  # (-2)(y) + (-2)(-y): b's negation (b is MXINT8 or a sign-symmetric float)
            cb[1] = (-fb.to_int(cb[0])) & 0xFF if fb.name == "mxint8" else cb[0] ^ (1 << (fb.width - 1))
    scales = [rng.choice([rng.randrange(256), 127, 0, 1, 254, 0xFF, 120, 140]) for _ in range(2)]
    return tuple(ca), tuple(cb), scales


CASES = [("mxint8", "mxint8", 4, "f32", "rne"), ("mxint8", "mxint8", 2, "bf16", "rtz"),
         ("mxint8", "e4m3fn", 2, "f32", "rup"), ("e5m2", "mxint8", 2, "bf16", "rna"),
         ("mxint8", "mxint8", 2, "f32", "sra4"), ("mxint8", "e2m1fn", 2, "bf16", "srb3")]


@pytest.mark.parametrize("ea,eb,k,out,mode", CASES)
def test_reference_matches_golden_on_dense_samples(ea, eb, k, out, mode):
    fa, fb, fo = get_format(ea), get_format(eb), get_format(out)
    env = Env(parse_rounding(mode))
    a, b = z3.BitVec("a", k * fa.width), z3.BitVec("b", k * fb.width)
    sa, sb = z3.BitVec("sa", 8), z3.BitVec("sb", 8)
    r = z3.BitVec("r", env.rounding.nbits) if env.rounding.mode.stochastic else None
    ref = mx_dot(fa, fb, a, b, sa, sb, k, fo, env, r)
    rng = random.Random(f"{ea}{eb}{k}{out}{mode}")
    seen = {"min_code": 0, "zero_sum": 0, "nan": 0}
    for _ in range(250):
        ca, cb, (s1, s2) = blocks(rng, fa, fb, k)
        sub = [(a, z3.BitVecVal(word(ca, fa.width), a.size())), (b, z3.BitVecVal(word(cb, fb.width), b.size())),
               (sa, z3.BitVecVal(s1, 8)), (sb, z3.BitVecVal(s2, 8))]
        genv = env
        if r is not None:
            rv = rng.randrange(1 << env.rounding.nbits)
            sub.append((r, z3.BitVecVal(rv, r.size())))
            genv = replace(env, random_bits=rv)
        code = z3.simplify(z3.substitute(ref.code, *sub)).as_long()
        flags = z3.simplify(z3.substitute(ref.flags, *sub)).as_long() & 0x1F
        g = mx_dot_exact([MXBlock(s1, ca)], [MXBlock(s2, cb)], fa, fb, out=fo, env=genv)
        assert code == g.code or (fo.is_nan(code) and fo.is_nan(g.code)), (ca, cb, s1, s2, hex(code), hex(g.code))
        assert flags == int(g.flags) & 0x1F, (ca, cb, s1, s2)
        seen["min_code"] += 0x80 in ca or (fb.name == "mxint8" and 0x80 in cb)
        seen["nan"] += fo.is_nan(g.code)
        seen["zero_sum"] += g.code == 0 and 0xFF not in (s1, s2)
    assert all(v > 3 for v in seen.values()), seen  # the corners were exercised


def test_min_code_is_minus_two_in_golden_and_reference():
    """0x80 x 0x80 at unit scales: (-2)(-2) = 4; 0x80 x 0x40 = -2 (golden's definition)."""
    a, b = z3.BitVec("a", 16), z3.BitVec("b", 16)
    sa, sb = z3.BitVec("sa", 8), z3.BitVec("sb", 8)
    ref = mx_dot(I8, I8, a, b, sa, sb, 2, F32)
    for ca, cb, want in [((0x80, 0), (0x80, 0), 4.0), ((0x80, 0), (0x40, 0), -2.0), ((0x80, 0x80), (0x40, 0xC0), 0.0)]:
        g = mx_dot_exact([MXBlock(127, ca)], [MXBlock(127, cb)], I8, out=F32)
        assert F32.value(g.code) == want
        sub = [(a, z3.BitVecVal(word(ca, 8), 16)), (b, z3.BitVecVal(word(cb, 8), 16)),
               (sa, z3.BitVecVal(127, 8)), (sb, z3.BitVecVal(127, 8))]
        assert z3.simplify(z3.substitute(ref.code, *sub)).as_long() == g.code
    assert element_max_units(I8) == 128 and element_max_units(get_format("e2m1fn")) == 12


@pytest.mark.parametrize("k,eb,out,mode,cut", [(1, "mxint8", "f32", "rne", False), (2, "mxint8", "f32", "rne", False),
                                               (2, "mxint8", "bf16", "rtz", True), (1, "mxint8", "f32", "srb4", True),
                                               (1, "e4m3fn", "bf16", "sra4", True), (2, "e2m1fn", "f32", "rne", True)])
def test_small_units_proved(k, eb, out, mode, cut):
    env = Env(parse_rounding(mode))
    net = flatten(MXDot("mxint8", k=k, out_fmt=out, rounding=env.rounding, elem_b=eb))
    prove = prove_mx_dot_decomposed if cut else prove_mx_dot
    r = prove(net, I8, k, elem_b=get_format(eb), out=get_format(out), env=env, solver="bitwuzla", timeout_s=60)
    assert r.status == "PROVED", r.message
    if cut:
        assert r.strategy == "sum cut" and [lm.status for lm in r.lemmas] == ["PROVED"] * (k + 2), r.lemmas


@pytest.mark.parametrize("bug", [Int8SignMagnitudeMXDot, Int8MinCodeDroppedMXDot])
@pytest.mark.parametrize("cut", [False, True])
def test_seeded_int8_bugs_refuted_replayed_localised(bug, cut):
    k = 2
    unit = bug("mxint8", k=k)
    net = flatten(unit)
    prove = prove_mx_dot_decomposed if cut else prove_mx_dot
    r = prove(net, I8, k, out=F32, solver="bitwuzla", timeout_s=60)
    assert r.status == "REFUTED", r.message
    out = evaluate(net, {n: np.array([v], dtype=np.uint64) for n, v in r.inputs.items()})
    got = (int(out["result"][0]), int(out["flags"][0]) & 0x1F)
    gold = golden_dot(I8, I8, k, F32, Env(), r.inputs)
    assert got != gold and (got, gold) == (r.netlist, r.golden)
    assert r.first_failing == "dot_sum", r.stages  # the element decode feeds the products, the sum first
    codes = [(r.inputs[p] >> (8 * i)) & 0xFF for p in ("a", "b") for i in range(k)]
    if bug is Int8MinCodeDroppedMXDot:  # only -128 is read wrong: the counterexample must hold it
        assert 0x80 in codes, codes
    else:  # a negative element
        assert any(c & 0x80 for c in codes), codes
    if cut:  # a term lemma fails and its elements are shown wrong by the cut itself (no monolithic fallback)
        assert any(lm.name.startswith("term") and lm.status == "FAILED" for lm in r.lemmas), r.lemmas
        assert r.strategy == "sum cut", r.message


def spec_text(design: str, k: int, eb: str = "mxint8",
              rest: str = "prove y == mx_dot(a, b, sa, sb, rne) with flags fl\n") -> str:
    args = f"elem = mxint8, k = {k}" + (f", elem_b = {eb}" if eb != "mxint8" else "")
    return (f"design {design}({args})\n"
            f"input a = dut.a : mxint8[{k}]\ninput b = dut.b : {eb}[{k}]\n"
            "input sa = dut.scale_a : e8m0\ninput sb = dut.scale_b : e8m0\n"
            "output y = dut.result : f32\noutput fl = dut.flags\nsolver bitwuzla\n" + rest)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "dot.spec"
    p.write_text(text)
    return p


@pytest.mark.parametrize("eb", ["mxint8", "e2m1fn"])  # mixed MXINT8 x E4M3: test_small_units_proved
def test_dsl_mxint8_dot_proved(tmp_path, capsys, eb):
    code, out, err = run_cli(["prove", str(write(tmp_path, spec_text("rtl.mx_dot.MXDot", 1, eb)))], capsys)
    assert code == 0, out + err
    assert "PROVED" in out


def test_dsl_mxint8_seeded_bug_refuted_and_localised(tmp_path, capsys):
    spec = write(tmp_path, spec_text(f'"{BUGS}" : Int8MinCodeDroppedMXDot', 1))
    code, out, err = run_cli(["prove", "--json", "-", str(spec)], capsys)
    assert code == 1, out + err
    text = json.dumps(json.loads(out))
    assert "REFUTED" in text and '"first_failing": "dot_sum"' in text
    assert "-2" in text  # the counterexample shows the -128 code's value


def test_dsl_mxint8_sim_agrees_with_golden(tmp_path, capsys):
    code, out, err = run_cli(["sim", "-n", "800", str(write(tmp_path, spec_text("rtl.mx_dot.MXDot", 2)))], capsys)
    assert code == 0, out + err
    assert "800 vectors checked" in out and "0 mismatches" in out


BAD = [  # (text replaced, replacement, line, col, fragment)
    ("input b = dut.b : mxint8[1]", "input b = dut.b : int8[1]", 9, 22, "not an MX element format"),
    ("input a = dut.a : mxint8[1]", "input a = dut.a : mxint8", 9, 19, "takes element vectors"),
    ("input a = dut.a : mxint8[1]", "input a = dut.a : mxint8[2]", 9, 22, "`b` has 1 elements but `a` has 2"),
    ("input a = dut.a : mxint8[1]", "input a = dut.a : mxint8[0]", 2, 19, "vector length 0 out of range"),
]


@pytest.mark.parametrize("old, new, line, col, fragment", BAD)
def test_dsl_bad_mxint8_input_located_exit_2(tmp_path, capsys, old, new, line, col, fragment):
    text = spec_text("rtl.mx_dot.MXDot", 1)
    assert old in text
    spec = write(tmp_path, text.replace(old, new))
    code, out, err = run_cli(["prove", "--check-only", str(spec)], capsys)
    assert code == 2, out + err
    assert "Traceback" not in err
    assert f"{spec}:{line}:{col}: error: " in err and fragment in err, err
