"""TOSA-order MX dot unit (rtl.mx_dot_tosa.MXDotTOSA) proved against the symbolic reference
`fpverify.smt.reference.mx_dot_tosa`; the reference itself checked against golden
`mx_dot_tosa_rounded` (code and flags) on samples. A seeded TOSA bug must be REFUTED with a
counterexample on which the netlist evaluator and golden disagree (recomputed here), localised on
golden's per-stage trace. Proof timings: benchmarks/bench_mx_dot_tosa.py."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np
import pytest
import z3

from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.golden.blocks import MXBlock, mx_dot_tosa_rounded
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.prove.mx_dot import prove_mx_dot
from fpverify.prove.mx_dot_tosa import golden_tosa, prove_mx_dot_tosa
from fpverify.rounding import Env, parse_rounding
from fpverify.smt.reference.mx_dot_tosa import mx_dot_tosa

from rtl.mx_dot_tosa import MXDotTOSA

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.mx_dot_tosa import ReversedOrderMXDotTOSA, ScaleNotRoundedMXDotTOSA  # noqa: E402

F32 = get_format("f32")


@pytest.mark.parametrize("ea,eb,k", [("e2m1fn", "e2m1fn", 2), ("e4m3fn", "e4m3fn", 3), ("e5m2", "e5m2", 2),
                                     ("e4m3fn", "e5m2", 2), ("e2m3fn", "e3m2fn", 1), ("mxint8", "mxint8", 3),
                                     ("mxint8", "e4m3fn", 2), ("e5m2", "mxint8", 2)])
def test_reference_matches_golden_on_samples(ea, eb, k):
    fa, fb = get_format(ea), get_format(eb)
    a, b = z3.BitVec("a", k * fa.width), z3.BitVec("b", k * fb.width)
    sa, sb = z3.BitVec("sa", 8), z3.BitVec("sb", 8)
    ref = mx_dot_tosa(fa, fb, a, b, sa, sb, k)
    rng = random.Random(k)
    for _ in range(40):
        ca = tuple(rng.randrange(1 << fa.width) for _ in range(k))
        cb = tuple(rng.randrange(1 << fb.width) for _ in range(k))
        s1, s2 = (rng.choice([rng.randrange(256), 127, 0, 1, 103, 104, 200, 254, 255]) for _ in range(2))
        word = lambda cs, w: sum(c << (i * w) for i, c in enumerate(cs))  # noqa: E731
        sub = [(a, z3.BitVecVal(word(ca, fa.width), a.size())), (b, z3.BitVecVal(word(cb, fb.width), b.size())),
               (sa, z3.BitVecVal(s1, 8)), (sb, z3.BitVecVal(s2, 8))]
        code = z3.simplify(z3.substitute(ref.code, *sub)).as_long()
        flags = z3.simplify(z3.substitute(ref.flags, *sub)).as_long() & 0x1F
        g = mx_dot_tosa_rounded([MXBlock(s1, ca)], [MXBlock(s2, cb)], fa, fb)
        assert (code, flags) == (g.code, int(g.flags)), (ca, cb, s1, s2)


def test_reference_rejects_what_tosa_does_not_define():
    fmt = get_format("e2m1fn")
    a, s = z3.BitVec("a", 8), z3.BitVec("s", 8)
    with pytest.raises(InputError, match="nearest-even"):
        mx_dot_tosa(fmt, fmt, a, a, s, s, 2, Env(parse_rounding("rtz")))


def test_seeded_scale_bug_refuted_and_replayed():
    """fp32(2^e) not rounded to 0 below 2^-149: REFUTED, the counterexample recomputed here on the
    evaluator (buggy and clean unit) and in golden."""
    fmt = get_format("e2m1fn")
    nl = flatten(ScaleNotRoundedMXDotTOSA("e2m1fn", 2))
    r = prove_mx_dot_tosa(nl, fmt, 2, timeout_s=60)
    assert r.status == "REFUTED", r
    ins = {n: np.array([v], dtype=np.uint64) for n, v in r.inputs.items()}
    bad = evaluate(nl, ins)
    good = evaluate(flatten(MXDotTOSA("e2m1fn", 2)), ins)
    gold = golden_tosa(fmt, fmt, 2, r.inputs)
    assert (int(good["result"][0]), int(good["flags"][0])) == gold
    assert (int(bad["result"][0]), int(bad["flags"][0])) != gold
    assert r.inputs["scale_a"] + r.inputs["scale_b"] - 254 < -149  # only an underflowing scale differs
    assert r.first_failing in ("tosa_scale", "tosa_scaled", "result", "flags")


def test_prove_mx_dot_semantics_parameter():
    fmt = get_format("e2m1fn")
    nl = flatten(ScaleNotRoundedMXDotTOSA("e2m1fn", 1))
    assert prove_mx_dot(nl, fmt, 1, out=F32, semantics="tosa", timeout_s=60).status == "REFUTED"
    with pytest.raises(InputError, match="f32 output"):
        prove_mx_dot(nl, fmt, 1, out=get_format("bf16"), semantics="tosa")
    with pytest.raises(InputError, match="unknown MX dot semantics"):
        prove_mx_dot(nl, fmt, 1, out=F32, semantics="sequential")


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 2])
def test_fp4_tosa_unit_proved(k):
    """E2M1, k = 1 (~3 s) and k = 2 (~10 s) with Bitwuzla on the loaded machine."""
    fmt = get_format("e2m1fn")
    r = prove_mx_dot(flatten(MXDotTOSA("e2m1fn", k)), fmt, k, out=F32, semantics="tosa", timeout_s=300)
    assert r.status == "PROVED", r


# ---- the chain cut (fpverify.prove.mx_dot_tosa_decompose) ----------------------------------------

def test_chain_cut_lemmas_cover_every_adder():
    from fpverify.prove.mx_dot_tosa_decompose import tosa_chain_obligations

    fmt = get_format("e2m1fn")
    names = [ob.name for ob, _ in tosa_chain_obligations(flatten(MXDotTOSA("e2m1fn", 2)), fmt, fmt, 2)]
    assert names == ["head", "step1", "back", "flags"]


def test_chain_cut_refutes_the_scale_bug_at_the_back_end():
    from fpverify.prove.mx_dot_tosa_decompose import prove_mx_dot_tosa_decomposed

    fmt = get_format("e2m1fn")
    nl = flatten(ScaleNotRoundedMXDotTOSA("e2m1fn", 1))
    r = prove_mx_dot_tosa_decomposed(nl, fmt, 1, timeout_s=60)
    assert r.status == "REFUTED" and [lm.name for lm in r.lemmas] == ["head", "back"], r
    ins = {n: np.array([v], dtype=np.uint64) for n, v in r.inputs.items()}
    got = evaluate(nl, ins)
    assert (int(got["result"][0]), int(got["flags"][0])) != golden_tosa(fmt, fmt, 1, r.inputs)


@pytest.mark.slow
@pytest.mark.parametrize("elem,k", [("e2m1fn", 2), ("e4m3fn", 4)])
def test_chain_cut_proves_the_unit(elem, k):
    """E2M1 k = 2 ~11 s, E4M3 k = 4 ~40 s (its monolithic miter is UNKNOWN at 300 s)."""
    from fpverify.prove.mx_dot_tosa_decompose import prove_mx_dot_tosa_decomposed

    fmt = get_format(elem)
    r = prove_mx_dot_tosa_decomposed(flatten(MXDotTOSA(elem, k)), fmt, k, timeout_s=600)
    assert r.status == "PROVED" and r.strategy == "chain cut", r
    assert [lm.name for lm in r.lemmas] == ["head"] + [f"step{i}" for i in range(1, k)] + ["back", "flags"]


@pytest.mark.slow
def test_chain_cut_reversed_order_falls_back_and_is_refuted():
    """The reversed order breaks the head lemma on a model the whole unit may not show; the
    monolithic fallback finds a replayed counterexample."""
    from fpverify.prove.mx_dot_tosa_decompose import prove_mx_dot_tosa_decomposed

    fmt = get_format("e4m3fn")
    nl = flatten(ReversedOrderMXDotTOSA("e4m3fn", 4))
    r = prove_mx_dot_tosa_decomposed(nl, fmt, 4, timeout_s=300)
    assert r.status == "REFUTED", r
    ins = {n: np.array([v], dtype=np.uint64) for n, v in r.inputs.items()}
    got = evaluate(nl, ins)
    assert (int(got["result"][0]), int(got["flags"][0])) != golden_tosa(fmt, fmt, 4, r.inputs)


@pytest.mark.slow
def test_ports_wider_than_64_bits_replay():
    """E2M1 k = 17: 68-bit element ports. The counterexample is replayed on Python ints (a uint64
    packing would fail). Oracle: golden mx_dot_tosa_rounded inside the replay."""
    net = flatten(ScaleNotRoundedMXDotTOSA("e2m1fn", k=17))
    r = prove_mx_dot_tosa(net, get_format("e2m1fn"), 17, timeout_s=120)
    assert r.status == "REFUTED", r
