"""Sum-cut proof of the MX dot unit (fpverify.prove.mx_dot_decompose): verdicts agree with the
monolithic miter, seeded and netlist-level bugs are refuted, replayed and localised."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from fpverify.formats import get_format
from fpverify.golden.blocks import MXBlock, mx_dot_exact
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.ir import Netlist
from fpverify.hdl.netlist import flatten
from fpverify.prove.mx_dot import prove_mx_dot
from fpverify.prove.mx_dot_decompose import cut_to_input, dot_obligations, prove_mx_dot_decomposed
from fpverify.rounding import Env
from rtl.mx_dot import MXDot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.mx_dot import NanScaleIgnoredMXDot, ScaleBiasOffByOneMXDot  # noqa: E402

FP4, E4M3 = get_format("e2m1fn"), get_format("e4m3fn")


def _prove(netlist, elem, k, out="f32", timeout=30):
    return prove_mx_dot_decomposed(netlist, elem, k, out=get_format(out), timeout_s=timeout)


def _golden(elem, k, out, inputs):
    codes = lambda w: tuple((inputs[w] >> (i * elem.width)) & ((1 << elem.width) - 1) for i in range(k))
    r = mx_dot_exact([MXBlock(inputs["scale_a"], codes("a"))], [MXBlock(inputs["scale_b"], codes("b"))], elem, elem,
                     out=out, env=Env())
    return r.code, int(r.flags) & 0x1F


def _assert_replayed(r, netlist, elem, k, out):
    """The counterexample really distinguishes the netlist from golden."""
    got = evaluate(netlist, {n: np.array([v], dtype=np.uint64) for n, v in r.inputs.items()})
    net = (int(got["result"][0]), int(got["flags"][0]) & 0x1F)
    assert net == r.netlist
    assert _golden(elem, k, out, r.inputs) == r.golden
    assert not (out.is_nan(net[0]) and out.is_nan(r.golden[0]) and net[1] == r.golden[1])
    assert net != r.golden


def test_fp4_k1_agrees_with_monolithic():
    n = flatten(MXDot("e2m1fn", k=1))
    r = _prove(n, FP4, 1)
    mono = prove_mx_dot(n, FP4, 1, out=get_format("f32"), timeout_s=30)
    assert r.status == mono.status == "PROVED"
    assert r.strategy == "sum cut"
    assert [lm.name for lm in r.lemmas] == ["back end", "term0", "sum"]  # the back end first
    assert all(lm.status == "PROVED" for lm in r.lemmas)


def test_fp4_k2_proved_by_the_cut():  # monolithic: PROVED (benchmarks/results/mx_dot.txt; slow test below)
    r = _prove(flatten(MXDot("e2m1fn", k=2)), FP4, 2)
    assert r.status == "PROVED" and r.strategy == "sum cut"
    assert [lm.name for lm in r.lemmas] == ["back end", "term0", "term1", "sum"]


def test_fp4_k4_proved_by_the_cut():
    r = _prove(flatten(MXDot("e2m1fn", k=4)), FP4, 4)
    assert r.status == "PROVED" and r.strategy == "sum cut" and len(r.lemmas) == 6


def test_e4m3_k1_bf16_proved_by_the_cut():
    r = _prove(flatten(MXDot("e4m3fn", k=1, out_fmt="bf16")), E4M3, 1, out="bf16")
    assert r.status == "PROVED" and r.strategy == "sum cut"


@pytest.mark.parametrize("bug,stage", [(ScaleBiasOffByOneMXDot, "dot_scale_exp"), (NanScaleIgnoredMXDot, "dot_nan")])
@pytest.mark.parametrize("elem,k", [("e2m1fn", 4), ("e4m3fn", 2)])
def test_seeded_bugs_refuted_replayed_localised(bug, stage, elem, k):
    fmt = get_format(elem)
    n = flatten(bug(elem, k=k))
    r = _prove(n, fmt, k)
    assert r.status == "REFUTED" and r.strategy == "sum cut"  # lifted from the back end, no fallback
    assert r.first_failing == stage
    _assert_replayed(r, n, fmt, k, get_format("f32"))
    assert any(lm.status == "FAILED" for lm in r.lemmas)


def test_folded_localisation_matches_the_evaluator_one():
    from fpverify.prove.mx_dot import dot_obligation, localise_dot
    from fpverify.prove.mx_dot_decompose import localise_folded

    n = flatten(ScaleBiasOffByOneMXDot("e2m1fn", k=2))
    ob, ports = dot_obligation(n, FP4, FP4, 2, get_format("f32"), Env())
    inputs = {"a": 0x22, "b": 0x23, "scale_a": 120, "scale_b": 130}
    rows, first = localise_folded(n, ob, ports, inputs)
    assert (rows, first) == localise_dot(n, ob, ports, inputs)
    assert first == "dot_scale_exp"


def _mutate(netlist: Netlist, signal: str, op: str, new_op: str) -> Netlist:
    """The cell ``op`` that drives ``signal``'s nets, turned into ``new_op``."""
    nets = set(netlist.signal(signal))
    cells = list(netlist.cells)
    i = next(i for i, c in enumerate(cells) if c.op == op and nets & set(c.out))
    cells[i] = dataclasses.replace(cells[i], op=new_op)
    return Netlist(netlist.name, dict(netlist.inputs), dict(netlist.outputs), dict(netlist.signals), cells,
                   dict(netlist.signed))


@pytest.mark.parametrize("signal,op,new_op,lemma", [("dot_sum", "+", "-", "sum"), ("dot_term1", "<<", "u>>", "term1")])
def test_datapath_bug_fails_its_lemma_and_is_refuted(signal, op, new_op, lemma):
    n = _mutate(flatten(MXDot("e2m1fn", k=4)), signal, op, new_op)
    r = _prove(n, FP4, 4)
    assert r.status == "REFUTED"
    assert [lm.name for lm in r.lemmas if lm.status == "FAILED"] == [lemma]
    _assert_replayed(r, n, FP4, 4, get_format("f32"))


def test_without_the_stage_signals_falls_back_to_the_monolithic_miter():
    n = flatten(MXDot("e2m1fn", k=1))
    n.signals = {k: v for k, v in n.signals.items() if not k.endswith("dot_sum")}
    r = _prove(n, FP4, 1)
    assert r.status == "PROVED" and r.strategy == "sum cut -> monolithic" and not r.lemmas
    assert "not applicable" in r.message


def test_cut_to_input_reroutes_every_reader():
    n = flatten(MXDot("e2m1fn", k=2))
    cut = cut_to_input(n, "dot_sum", "cut_dot_sum")
    assert len(cut.inputs["cut_dot_sum"]) == len(n.signal("dot_sum"))
    base = {"a": 0x22, "b": 0x22, "scale_a": 127, "scale_b": 127}  # 1*1 + 1*1 = 2
    arr = lambda d: {k: np.array([v], dtype=np.uint64) for k, v in d.items()}
    got = evaluate(n, arr(base), probes=["dot_sum"])
    real, total = got["result"][0], int(next(v[0] for k, v in got.items() if k.endswith("dot_sum")))
    assert real == 0x40000000 and total == 8  # 2.0 = 8 in the frame 2^-2
    assert evaluate(cut, arr({**base, "cut_dot_sum": total}))["result"][0] == real
    assert evaluate(cut, arr({**base, "cut_dot_sum": 4}))["result"][0] == 0x3F800000  # the cut value is read
    assert evaluate(cut, arr({**base, "a": 0, "cut_dot_sum": 8}))["result"][0] == real  # ... not the elements


def test_back_end_has_no_multiplier_and_needs_the_range():
    obs, _ = dot_obligations(flatten(MXDot("e2m1fn", k=2)), FP4, FP4, 2, get_format("f32"), Env())
    assert [o.name.rsplit(":", 1)[1] for o in obs] == ["term0", "term1", "sum", "back end"]
    assert len(obs[-1].premises) == 2  # valid codes, |sum| within the k terms' bound


@pytest.mark.slow
@pytest.mark.parametrize("elem,k", [("e2m1fn", 2), ("e2m1fn", 4), ("e4m3fn", 1), ("e4m3fn", 2)])
def test_f32_agrees_with_monolithic(elem, k):
    fmt = get_format(elem)
    n = flatten(MXDot(elem, k=k))
    assert _prove(n, fmt, k).status == prove_mx_dot(n, fmt, k, out=get_format("f32"), timeout_s=120).status \
        == "PROVED"


@pytest.mark.slow
def test_e4m3_k4_f32_within_the_goal():
    r = _prove(flatten(MXDot("e4m3fn", k=4)), E4M3, 4, timeout=60)
    assert r.status == "PROVED" and r.strategy == "sum cut"
