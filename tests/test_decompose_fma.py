"""The decomposition engine's fma family (proofs/decompose_fma.strategy): product and sum cuts against
the bounded-alignment FMA reference, class split over a, b, c, alignment lemmas per distance band.
Small formats here (seconds); bf16/f16/f32 timings are in benchmarks/bench_decompose.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fpverify.dsl.proof_strategy import load_strategy, parse_strategy
from fpverify.hdl.netlist import flatten
from fpverify.prove.api import PortMap
from fpverify.prove.decompose import prove_decomposed
from fpverify.rounding import Env, parse_rounding

from rtl.fp_fma import FPFMA

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.fma import CancellationLzcFMA, FarAddendStickyLostFMA  # noqa: E402


SUM_BY_CLASS = parse_strategy("family fma\nisolate sum\nsplit class a, b, c grouped\n", "sum_by_class.strategy")


def decomposed(unit, mode="rne"):
    f = unit.fmt
    return prove_decomposed(flatten(unit), "fma", f, env=Env(parse_rounding(mode)), ports=PortMap(c="c"),
                            strategy=load_strategy("decompose_fma"), workers=1, solvers=["z3"])


def test_strategy_shape():
    st = load_strategy("decompose_fma")
    assert (st.family, st.isolate, st.class_split, st.grouped) == ("fma", ["product", "sum"], ["a", "b", "c"], True)


@pytest.mark.parametrize("mode", ["rne", "rup"])
def test_fp4_fma_proves(mode):
    r = decomposed(FPFMA("e2m1fn", rounding=mode), mode)
    assert r.status == "PROVED", r.message
    names = [i.name for i in r.items]
    assert {"L1 normaliser[a]", "L2 product-definition", "L3 product-range"} <= set(names)
    assert {"coverage[decompose_fma]", "coverage[decompose_fma:finite]", "case[finite] sum-cut"} <= set(names)
    assert "LS alignment[finite]" in r.lemmas_relied_on


def test_sum_cut_proves():
    r = decomposed(FPFMA("e3m2fn", rounding="rup"), "rup")
    assert r.status == "PROVED", r.message
    names = [i.name for i in r.items]
    # an alignment lemma per case, proved in the same run and relied on; one cut miter per class
    assert {"LS alignment[any=zero]", "LS alignment[finite]"} <= \
        set(r.lemmas_relied_on)
    assert "case[finite] sum-cut" in names and not any(n.startswith("case[finite ∧") for n in names)


@pytest.mark.parametrize("bug,fmt,stages", [(CancellationLzcFMA, "e2m3fn", {"norm_exp"}),
                                            # E2M3's window holds every addend: the bug needs E5M2's range
                                            # norm_exp when a*b is a power of two and c is subtracted
                                            (FarAddendStickyLostFMA, "e5m2", {"norm_exp", "round_guard",
                                                                              "round_sticky"})])
def test_seeded_bugs_refuted_and_localised(bug, fmt, stages):
    r = decomposed(bug(fmt))
    assert r.status == "REFUTED", r.message
    assert r.counterexample.replayed
    assert r.localisation.first_failing in stages, r.localisation.text()


def test_sum_cut_is_exact_at_the_real_sum():
    """Every reader of the sum nets reads the cut (`NetlistTerms.cut_pairs`): with the cut terms set
    back to the netlist's own sum the cut outputs ARE the product-cut outputs."""
    import z3

    from fpverify.prove.decompose.engine import build_problem
    from fpverify.semantics import stages
    unit = FPFMA("e3m2fn")
    pr = build_problem(flatten(unit), "fma", unit.fmt, ports=PortMap(c="c"), isolate=True, isolate_sum_stage=True)
    assert pr.sum_cut is not None, pr.sum_cut_note
    from fpverify.smt.netlist_z3 import translate
    terms = translate(flatten(unit), {"a": pr.sym.a, "b": pr.sym.b, "c": pr.sym.c})
    real = {n: z3.substitute(terms.signal(n), (terms.signal(stages.PRODUCT), pr.iso.product))
            for n in (stages.SUM, stages.SUM_EXP, "sum_sign")}
    cut = [z3.BitVec(n, real[k].size()) for n, k in (("cut_sum", stages.SUM), ("cut_sum_exp", stages.SUM_EXP),
                                                      ("cut_sum_sign", "sum_sign"))]
    back = z3.substitute(pr.sum_cut.net_code, *zip(cut, real.values()))
    s = z3.Solver()
    s.add(back != pr.iso.net_code)
    assert s.check() == z3.unsat
    s = z3.Solver()  # and the cut is a cut: some free sum changes the result
    s.add(pr.sum_cut.net_code != pr.iso.net_code)
    assert s.check() == z3.sat


def test_window_other_than_the_reference_frame_keeps_the_product_cut():
    """A unit whose alignment window is wider than the reference's frame has sums that differ in
    the jam position: no sum cut (said so), the distance split's product-cut cases prove it."""
    class WideWindowFMA(FPFMA):
        @property
        def window(self):
            return super().window + 3

    unit = WideWindowFMA("e2m1fn")
    r = prove_decomposed(flatten(unit), "fma", unit.fmt, ports=PortMap(c="c"), strategy=SUM_BY_CLASS,
                         workers=1, solvers=["bitwuzla"])
    assert r.status == "PROVED", r.message
    assert "sum cut not made" in r.message and not any("sum-cut" in i.name for i in r.items)
    assert not any(i.name.startswith("LS") for i in r.items) and any(i.name == "case[finite]" for i in r.items)
