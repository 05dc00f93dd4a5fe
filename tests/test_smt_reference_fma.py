"""The symbolic FMA reference's bounded alignment (`fpverify.smt.reference.fma.fma_operands`) and its
mixed addend format, against the golden model.

Oracles: golden calls (FP4 exhaustive, wide and mixed samples) and the vectorised golden FMA of
`fma_oracle` (FP6 exhaustive, FP8 samples). The reference is evaluated by `smt.vectorized`.
"""

from __future__ import annotations

import numpy as np
import pytest
import z3

from fpverify import golden
from fpverify.formats import get_format
from fpverify.rounding import Env, Rounding, Tininess, parse_rounding
from fpverify.smt import reference as R
from fpverify.smt.reference.fma import exact_frame_bits
from fpverify.smt.vectorized import compile_terms

from fma_oracle import fma_reference
from test_rtl_common import mismatches
from test_rtl_fma import all_triples, fma_triples, mixed_golden


def evaluate_reference(fmt, a, b, c, env, **kw):
    cf = kw.get("addend") or fmt
    sa, sb, sc = z3.BitVec("a", fmt.width), z3.BitVec("b", fmt.width), z3.BitVec("c", cf.width)
    rand = z3.BitVec("r", env.rounding.nbits) if env.rounding.mode.stochastic else None
    ref = R.fma(fmt, sa, sb, sc, env, rand=rand, **kw)
    ins = {"a": np.asarray(a, np.uint64), "b": np.asarray(b, np.uint64), "c": np.asarray(c, np.uint64)}
    if rand is not None:
        ins["r"] = np.full(len(ins["a"]), env.random_bits, np.uint64)
    codes, flags = compile_terms([ref.code, ref.flags])(ins)
    return codes, flags & np.uint64(0x1F)  # the five IEEE flags (what a unit's flags port carries)


@pytest.mark.parametrize("mode", ["rne", "rtz", "rup", "rdn", "rna", "rto", "sra2", "srb2", "src2"])
def test_bounded_fp4_exhaustive(mode):
    fmt = get_format("e2m1fn")
    a, b, c = all_triples(fmt)
    rnd = parse_rounding(mode)
    env = Env(rnd, random_bits=1 if rnd.mode.stochastic else 0)
    codes, flags = evaluate_reference(fmt, a, b, c, env, alignment="bounded")
    g = [golden.fma(fmt, int(x), int(y), int(z), env=env) for x, y, z in zip(a, b, c)]
    bad = mismatches(fmt, codes, flags, [r.code for r in g], [int(r.flags) for r in g], {"a": a, "b": b, "c": c})
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("fmt,mode,tininess", [("e3m2fn", "rne", "after"), ("e2m3fn", "rup", "after"),
                                               ("e3m2fn", "rdn", "before")])
def test_bounded_fp6_exhaustive(fmt, mode, tininess):
    f = get_format(fmt)
    a, b, c = all_triples(f)
    env = Env(parse_rounding(mode), tininess=Tininess(tininess))
    codes, flags = evaluate_reference(f, a, b, c, env, alignment="bounded")
    wc, wf = fma_reference(f, a, b, c, env)
    bad = mismatches(f, codes, flags, wc, wf, {"a": a, "b": b, "c": c})
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e5m2", "rto"), ("e4m3", "rdn")])
def test_bounded_fp8_sampled(fmt, mode):
    f = get_format(fmt)
    a, b, c = fma_triples(f, f, np.random.default_rng(1), 20000)
    env = Env(parse_rounding(mode))
    codes, flags = evaluate_reference(f, a, b, c, env, alignment="bounded")
    wc, wf = fma_reference(f, a, b, c, env)
    bad = mismatches(f, codes, flags, wc, wf, {"a": a, "b": b, "c": c})
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("fmt,cfmt,mode", [("bf16", "bf16", "rne"), ("f32", "f32", "rup"), ("f16", "f16", "rna"),
                                           ("bf16", "f32", "rne"), ("bf16", "f32", "rdn"), ("e4m3fn", "bf16", "rtz")])
def test_default_alignment_wide_and_mixed_sampled(fmt, cfmt, mode):
    """bf16 and f32 exceed the exact frame: the default is the bounded alignment there."""
    f, cf = get_format(fmt), get_format(cfmt)
    a, b, c = fma_triples(f, cf, np.random.default_rng(2), 500)
    env = Env(parse_rounding(mode))
    kw = {} if f == cf else {"addend": cf}
    codes, flags = evaluate_reference(f, a, b, c, env, **kw)
    want = [mixed_golden(f, cf, cf, int(x), int(y), int(z), env) if f != cf else
            (lambda r: (r.code, int(r.flags)))(golden.fma(f, int(x), int(y), int(z), env=env)) for x, y, z in zip(a, b, c)]
    bad = mismatches(cf, codes, flags, [w[0] for w in want], [w[1] for w in want], {"a": a, "b": b, "c": c})
    assert not bad, "\n".join(bad)


def test_exact_frame_limit():
    assert exact_frame_bits(get_format("f16")) <= 400 < exact_frame_bits(get_format("bf16"))
    with pytest.raises(ValueError, match="alignment"):
        R.fma(get_format("e4m3fn"), *(z3.BitVec(n, 8) for n in "abc"), Env(Rounding()), alignment="wide")
