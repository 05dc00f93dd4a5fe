"""The DSL's two semantics agree: for FP4 (every input enumerable) each property's solver verdict
(z3 over `symbolic.py`) equals the verdict of exhaustive concrete evaluation (`concrete.py` on the
numpy netlist evaluator). Oracle: exhaustive enumeration, independent of the solver."""

from __future__ import annotations

import itertools

import pytest

from fpverify.dsl import check_spec, parse_text
from fpverify.dsl.cases import Case
from fpverify.dsl.obligations import prove_general_case
from fpverify.dsl.replay import design_runner, signal_probes
from fpverify.dsl.concrete import ConcreteEvaluator
from fpverify.dsl.design import elaborate_cached

HEAD = """design rtl.fp_mul.FPMultiplier(fmt = e2m1fn, rounding = rne)
input a, b : e2m1fn
var c : e2m1fn
output y = dut.result : e2m1fn
output fl = dut.flags
"""
PROPS = [
    "prove p: y == y[a := b, b := a]",
    "prove p: y[a := neg(a)] == neg(y)",
    "prove p: y[a := neg(a)] == y",
    "prove p: (a <= c and b >= 0) implies y <= y[a := c]",
    "prove p: (a <= c and b <= 0) implies y <= y[a := c]",
    "prove p: relerr(y, a*b) <= 1/8 assuming normal(a) and normal(b) and 1 <= abs(a*b) <= 6",
    "prove p: relerr(y, a*b) < 1/9 assuming normal(a) and normal(b) and 1 <= abs(a*b) <= 6",
    "prove p: relerr(y, a*b) <= 1/4 assuming finite(a) and finite(b)",
    "prove p: relerr(y, a*b*c) <= 1 assuming not zero(c)",
    "prove p: abs(a*b) <= 6 implies abs(y) <= 6",
    "prove p: value(y) == a*b assuming subnormal(a) and subnormal(b)",
    "prove p: a*b > 1/2 implies y > 0",
    "prove p: a*b >= 3/2 implies y >= 2",
    "prove p: bits(y)[3] == bits(a)[3] + bits(b)[3] or bits(y)[3] + 2 == bits(a)[3] + bits(b)[3]",
    "prove p: zero(a) implies dut.flags == 0",
    "prove p: fl[0] == 0 or not (value(y) == a*b)",
    "prove p: dut.product <= 16",
    "prove p: dut.product < 9",
    "prove p: bits(y) - bits(a) < 5",
    "prove p: y == y[a := c] assuming zero(b) and ((negative(a) and negative(c)) or not (negative(a) or negative(c)))",
    "prove p: (negative(a) and not negative(b) and not zero(y)) implies negative(y)",
    "prove p: (negative(a) and not negative(b)) implies negative(y)",
    "prove p: 2 * value(a) == value(a) + value(a)",
]


@pytest.fixture(scope="module")
def design():
    sf = parse_text(HEAD + PROPS[0] + "\n", "t.spec")
    spec = check_spec(sf)
    return elaborate_cached(spec)


def _exhaustive(spec, netlist, prop) -> bool:
    probes = signal_probes(spec, netlist, prop)
    ev = ConcreteEvaluator(spec, design_runner(netlist, 0, probes), probes)
    for a, b, c in itertools.product(range(16), repeat=3):
        env = {"a": a, "b": b, "c": c}
        if all(ev.eval(x, env) for x in prop.assumptions) and not ev.eval(prop.expr, env):
            return False
    return True


@pytest.mark.parametrize("text", PROPS)
def test_solver_agrees_with_enumeration(text, design):
    from fpverify.errors import InputError

    component, netlist = design
    try:
        spec = check_spec(parse_text(HEAD + text + "\n", "t.spec"), netlist=netlist, component=component)
    except InputError as e:  # a property the checker rejects: only `+` of reals is expected here
        assert "value(a) + value(a)" in text and "not supported" in str(e), str(e)
        return
    prop = spec.properties[0]
    res = prove_general_case(spec, netlist, prop, Case("", ()), timeout=60, solver="z3")
    truth = _exhaustive(spec, netlist, prop)
    assert res.status in ("PROVED", "REFUTED", "VACUOUS"), res
    assert (res.status != "REFUTED") == truth, (res.status, res.counterexample)
