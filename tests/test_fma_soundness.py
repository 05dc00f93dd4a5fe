"""Soundness of the FMA proof paths (monolithic miter and the fma decomposition): REFUTED only
with a counterexample that the netlist evaluator and the golden model (addend included) confirm,
inside the property's domain; PROVED only for designs that exhaustive simulation finds equal.

Ground truth for the far-addend sticky bug: its fault needs an addend shifted entirely out of the
alignment window, which E2M1 (and E2M3) cannot produce (equivalent mutants) but E3M2 can.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from fpverify import golden
from fpverify.dsl.proof_strategy import parse_strategy
from fpverify.formats import get_format
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.prove.api import PortMap, prove_equivalence
from fpverify.prove.decompose import prove_decomposed
from fpverify.prove.monolithic import build_obligation
from fpverify.prove.monolithic import _refutation as monolithic_refutation  # noqa: PLC2701 (white-box)
from fpverify.prove.replay import premises_hold
from fpverify.rounding import Env

from rtl.fp_fma import FPFMA

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.fma import CancellationLzcFMA, FarAddendStickyLostFMA  # noqa: E402

PORTS = PortMap(c="c")
# the fma family's cut and class split without the distance cases (fewer obligations: < 2 s)
CUT_ONLY = parse_strategy("family fma\nisolate product\nsplit class a, b, c grouped\nsolver bitwuzla\n", "cut.strategy")


def independent_check(unit, inputs: dict[str, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """(netlist, golden) (code, flags) on ``inputs``, recomputed here without the prover."""
    r = evaluate(flatten(unit), {k: np.array([inputs[k]], dtype=np.uint64) for k in "abc"})
    g = golden.fma(unit.fmt, inputs["a"], inputs["b"], inputs["c"], env=Env())
    return (int(r["result"][0]), int(r["flags"][0]) & 0x1F), (g.code, int(g.flags) & 0x1F)


def exhaustively_equal(unit, other) -> bool:
    w = unit.fmt.width
    idx = np.arange(1 << 3 * w, dtype=np.uint64)
    vec = {"a": idx >> np.uint64(2 * w), "b": (idx >> np.uint64(w)) & np.uint64((1 << w) - 1),
           "c": idx & np.uint64((1 << w) - 1)}
    x, y = evaluate(flatten(unit), vec), evaluate(flatten(other), vec)
    return all(np.array_equal(x[p], y[p]) for p in ("result", "flags"))


def test_far_addend_sticky_is_a_real_bug_on_e3m2():
    unit = FarAddendStickyLostFMA("e3m2fn")
    r = prove_equivalence(flatten(unit), "fma", unit.fmt, ports=PORTS, solver="bitwuzla", timeout_s=60)
    assert r.status == "REFUTED" and r.counterexample.replayed
    net, gold = independent_check(unit, r.counterexample.inputs)
    assert net != gold  # the mismatch is real, c included
    assert (r.counterexample.actual_netlist[0], r.counterexample.actual_golden[0]) == (net[0], gold[0])
    assert r.localisation.first_failing in ("round_guard", "round_sticky")


def test_far_addend_sticky_is_equivalent_on_e2m1_and_proved():
    unit = FarAddendStickyLostFMA("e2m1fn")
    assert exhaustively_equal(unit, FPFMA("e2m1fn"))
    r = prove_equivalence(flatten(unit), "fma", unit.fmt, ports=PORTS, solver="bitwuzla", timeout_s=60)
    assert r.status == "PROVED"


def test_decomposed_refutation_replays_with_the_addend():
    unit = CancellationLzcFMA("e2m1fn")
    r = prove_decomposed(flatten(unit), "fma", unit.fmt, ports=PORTS, strategy=CUT_ONLY,
                         workers=1, solvers=["bitwuzla"])
    assert r.status == "REFUTED" and r.counterexample.replayed
    net, gold = independent_check(unit, r.counterexample.inputs)
    assert net != gold
    assert r.localisation.first_failing == "norm_exp"


def test_a_model_outside_the_domain_is_never_refuted():
    """A (forged) solver model that violates the property's assumption: the design is wrong there,
    but the property excludes it, so the verdict is ERROR (tool bug), not REFUTED."""
    unit = CancellationLzcFMA("e2m1fn")
    nl, fmt = flatten(unit), get_format("e2m1fn")
    c_is_zero = lambda sym: sym.c == 0  # noqa: E731
    ob, _, _, mask, sym, lemmas, ports = build_obligation(nl, "fma", fmt, ports=PORTS, assumptions=[c_is_zero])
    bad = {"a": 2, "b": 1, "c": 14}  # a real mismatch (see above), but c != 0
    net, gold = independent_check(unit, bad)
    assert net != gold
    assert not premises_hold(ob.premises, sym.ports, bad)
    r = monolithic_refutation(nl, "fma", fmt, fmt, Env(), ports, sym, ob, lemmas, mask, None, 0, False, bad,
                              "z3", "", 0.0)
    assert r.status == "ERROR" and "outside the property's domain" in r.message
    ok = dict(bad, c=0)
    assert premises_hold(ob.premises, sym.ports, ok)


@pytest.mark.parametrize("fmt", ["e2m1fn"])
def test_equivalent_rewrite_proved_both_ways(fmt):
    """A wider alignment window is an equivalent rewrite: both proof paths say PROVED."""
    class WideWindowFMA(FPFMA):
        @property
        def window(self):
            return super().window + 3

    unit = WideWindowFMA(fmt)
    assert exhaustively_equal(unit, FPFMA(fmt))
    r = prove_equivalence(flatten(unit), "fma", unit.fmt, ports=PORTS, solver="bitwuzla", timeout_s=60)
    assert r.status == "PROVED"
