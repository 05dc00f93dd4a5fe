"""The netlist → z3 translation.

Oracles: Amaranth's simulator (pysim) and the numpy IR evaluator (itself checked against pysim in
test_hdl_differential) on random designs; hand-computed Amaranth semantics for the corner cases
(x // 0, floor division, wide shift amounts, signed Part, zero widths). The z3 terms are evaluated
by z3's own constant folding (`simplify`) and by the vectorised evaluator `smt.vectorized`, which
is thereby checked too.
"""


import random
import warnings

import numpy as np
import pytest
import z3
from amaranth.hdl import Module, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify.hdl import ir, pysim
from fpverify.hdl.evaluate import Evaluator
from fpverify.hdl.netlist import flatten
from fpverify.smt.netlist_z3 import evaluate, translate
from fpverify.smt.vectorized import compile_terms
from test_hdl_differential import RandomDesign, random_inputs


def _fold(term, subst):
    return z3.simplify(z3.substitute(term, *subst)).as_long()


def _check_random_combinational(seed: int, n: int, with_pysim: bool) -> None:
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    d = RandomDesign(seed)
    nl = flatten(d, ports=d.ports)
    vec = random_inputs(d, n, random.Random(seed))
    terms = translate(nl)
    outs = [o.name for o in d.outputs]
    run = compile_terms([terms.outputs[o] for o in outs])
    env = {k: np.array(v, dtype=object) for k, v in vec.items()}
    got = dict(zip(outs, run(env)))
    want = Evaluator(nl).evaluate(env)
    if with_pysim:
        ref_design = RandomDesign(seed)
        sim = pysim.simulate(ref_design, vec, outputs=outs, ports=ref_design.ports)
    for o in outs:
        for i in range(n):
            expect = int(want[o][i])
            assert int(got[o][i]) == expect, f"seed {seed} output {o} vector {i}: vectorized z3 vs evaluator"
            if with_pysim:
                assert int(sim[o][i]) == expect, f"seed {seed}: evaluator vs pysim"
        for i in range(min(n, 3)):  # z3's own folding of the same terms
            subst = [(v, z3.BitVecVal(vec[k][i] % (1 << v.size()), v.size()))
                     for k, v in terms.inputs.items() if v is not None]
            assert _fold(terms.outputs[o], subst) == int(want[o][i]), f"seed {seed} output {o}: z3 folding"


def test_random_designs_agree_with_evaluator_pysim_and_z3_folding():
    for seed in range(40):
        _check_random_combinational(seed, 16, with_pysim=seed < 12)


@pytest.mark.slow
def test_many_random_designs():
    for seed in range(3000, 3600):
        _check_random_combinational(seed, 32, with_pysim=seed % 5 == 0)


def test_random_sequential_designs_unroll_like_the_evaluator():
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    for seed in range(1000, 1010):
        d = RandomDesign(seed, sequential=True)
        nl = flatten(d, ports=d.ports)
        cycles = 5
        vec = random_inputs(d, cycles, random.Random(seed))
        rows = [{k: v[i] for k, v in vec.items()} for i in range(cycles)]
        trace = Evaluator(nl).run_cycles([{k: [v] for k, v in r.items()} for r in rows])
        rows = [{n: r.get(n, 0) for n in nl.inputs} for r in rows]  # clk/rst: 0 (sync reset is in ff data)
        for k in range(cycles):
            t = translate(nl, rows[0], cycles=k, inputs_per_cycle=rows[:k + 1])
            for o in (o.name for o in d.outputs):
                assert z3.simplify(t.outputs[o]).as_long() == int(trace[k][o][0]), f"seed {seed} cycle {k} {o}"


class _Corner(wiring.Component):
    a: In(signed(6))
    b: In(signed(6))
    u: In(4)
    k: In(8)
    fdiv: Out(signed(7))
    fmod: Out(signed(6))
    udiv: Out(4)
    umod: Out(4)
    shl: Out(4)
    shr: Out(signed(6))
    part: Out(3)

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [
            self.fdiv.eq(self.a // self.b),
            self.fmod.eq(self.a % self.b),
            self.udiv.eq(self.u // self.k[:4]),
            self.umod.eq(self.u % self.k[:4]),
            self.shl.eq((self.u << self.k)[:4]),
            self.shr.eq(self.a >> self.k),
        ]
        sa = Signal(signed(6), name="sa")
        m.d.comb += [sa.eq(self.a), self.part.eq(sa.bit_select(self.k[:4], 3))]
        return m


def _python_semantics(a, b, u, k):
    sa, sb = (a - 64 if a >= 32 else a), (b - 64 if b >= 32 else b)
    k4 = k & 15
    fdiv = (sa // sb) if sb else 0
    fmod = (sa % sb) if sb else 0
    part = 0
    for i in range(3):
        pos = k4 + i
        part |= ((sa >> min(pos, 5)) & 1) << i  # sign-extended value
    return {
        "fdiv": fdiv % 128, "fmod": fmod % 64, "udiv": (u // k4) if k4 else 0, "umod": (u % k4) if k4 else 0,
        "shl": (u << k) % 16 if k < 64 else 0, "shr": (sa >> min(k, 63)) % 64, "part": part,
    }


def test_corner_semantics_exhaustive_against_python():
    nl = flatten(_Corner())
    rng = random.Random(7)
    cases = [(a, b, u, k) for a in range(64) for b in (0, 1, 63, 32, 5, 59) for u in (0, 9, 15) for k in (0, 3, 4, 7, 200)]
    cases += [(rng.randrange(64), rng.randrange(64), rng.randrange(16), rng.randrange(256)) for _ in range(300)]
    terms = translate(nl)
    names = list(nl.outputs)
    run = compile_terms([terms.outputs[n] for n in names])
    cols = {n: np.array([c[i] for c in cases], dtype=np.uint64) for i, n in enumerate("abuk")}
    got = dict(zip(names, run(cols)))
    for i, (a, b, u, k) in enumerate(cases):
        want = _python_semantics(a, b, u, k)
        for n in names:
            assert int(got[n][i]) == want[n], f"{n} a={a} b={b} u={u} k={k}"
    for a, b, u, k in cases[:40]:  # and z3's own folding
        out = evaluate(nl, {"a": a, "b": b, "u": u, "k": k})
        assert out == _python_semantics(a, b, u, k)


def test_named_signals_and_zero_width_values():
    nl = ir.Netlist("t", inputs={"x": (2, 3, 4), "z": ()}, outputs={"y": (5, 6, 7, 8), "e": ()})
    nl.cells = [
        ir.Cell("+", (9, 10, 11), ((2, 3, 4), (1, 0, 0))),          # x + 1
        ir.Cell("r&", (12,), ((),)),                               # all-ones of nothing = 1
        ir.Cell("assign", (5, 6, 7, 8), ((0, 0, 0, 0), (12,), (9, 10, 11)), (("starts", (1,)),)),
    ]
    nl.signals = {"top.inc": (9, 10, 11), "top.one": (12,)}
    t = translate(nl)
    assert t.inputs["z"] is None and t.outputs["e"] is None
    for x in range(8):
        out = evaluate(nl, {"x": x})
        assert out["y"] == (((x + 1) % 8) << 1)
        assert z3.simplify(z3.substitute(t.signal("inc"), (t.inputs["x"], z3.BitVecVal(x, 3)))).as_long() == (x + 1) % 8
    assert z3.simplify(t.signal("one")).as_long() == 1


def test_unknown_op_is_a_clear_error():
    from fpverify.smt.netlist_z3 import TranslationError

    nl = ir.Netlist("t", inputs={"x": (2,)}, outputs={"y": (3,)})
    nl.cells = [ir.Cell("frobnicate", (3,), ((2,),), src="foo.py:3")]
    with pytest.raises(TranslationError, match="frobnicate.*foo.py:3"):
        translate(nl)
