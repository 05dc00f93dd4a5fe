"""Monolithic proofs through the public API `fpverify.prove.api.prove_equivalence`.

Designs under test: a lookup-table unit written here from the golden model (independent of the
RTL generators), and the RTL generators of `rtl/`. A refutation must come with a counterexample
that replayed: the numpy evaluator re-ran the netlist and the golden model re-ran the operation.
Oracles: the golden model (LUT contents, replay) and the second solver (Bitwuzla) for PROVED.
"""

import dataclasses
import re

import pytest
import z3
from amaranth.hdl import Cat, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from fpverify import golden
from fpverify.formats import get_format
from fpverify.hdl import ir
from fpverify.hdl.netlist import flatten
from fpverify.prove.api import PortMap, prove_equivalence
from fpverify.prove.monolithic import ProofSetupError, build_obligation
from fpverify.prove.replay import replay
from fpverify.rounding import Env, parse_rounding


class LUTUnit(wiring.Component):
    """result/flags of a binary op as a 2^(2w)-entry case table computed by the golden model."""

    def __init__(self, op, fmt, env, corrupt=None):
        self.op, self.fmt, self.env, self.corrupt = op, fmt, env, corrupt
        super().__init__({"a": In(fmt.width), "b": In(fmt.width), "result": Out(fmt.width), "flags": Out(5)})

    def elaborate(self, platform):
        m = Module()
        w = self.fmt.width
        fn = getattr(golden, self.op)
        with m.Switch(Cat(self.b, self.a)):
            for a in range(1 << w):
                for b in range(1 << w):
                    r = fn(self.fmt, a, b, env=self.env)
                    code = r.code
                    if self.corrupt == (a, b):
                        code ^= 1
                    with m.Case((a << w) | b):
                        m.d.comb += [self.result.eq(code), self.flags.eq(int(r.flags) & 0x1F)]
        return m


FP4 = get_format("e2m1fn")


def test_lut_unit_is_proved_and_bitwuzla_agrees():
    env = Env(parse_rounding("rne"))
    nl = flatten(LUTUnit("mul", FP4, env))
    r = prove_equivalence(nl, "mul", FP4, env=env)
    assert r.status == "PROVED", str(r)
    assert r.solver == "z3" and r.solver_version and r.counterexample is None
    r2 = prove_equivalence(nl, "mul", FP4, env=env, solver="bitwuzla")
    assert r2.status == "PROVED" and r2.solver == "bitwuzla"


def test_corrupted_lut_entry_is_refuted_with_that_exact_input():
    env = Env(parse_rounding("rtz"))
    nl = flatten(LUTUnit("add", FP4, env, corrupt=(0x3, 0x9)))
    for solver in ("z3", "bitwuzla"):
        r = prove_equivalence(nl, "add", FP4, env=env, solver=solver)
        assert r.status == "REFUTED", str(r)
        cex = r.counterexample
        assert cex.replayed and cex.inputs["a"] == 0x3 and cex.inputs["b"] == 0x9
        g = golden.add(FP4, 3, 9, env=env)
        assert cex.actual_golden == (g.code, int(g.flags)) and cex.actual_netlist[0] == g.code ^ 1
        assert "expected" in cex.decoded and "netlist" in cex.decoded


def test_wrong_mode_is_refuted():
    nl = flatten(LUTUnit("mul", FP4, Env(parse_rounding("rne"))))
    r = prove_equivalence(nl, "mul", FP4, env=Env(parse_rounding("rup")))
    assert r.status == "REFUTED" and r.counterexample.replayed


def test_assumptions_restrict_the_input_space():
    env = Env(parse_rounding("rne"))
    nl = flatten(LUTUnit("add", FP4, env, corrupt=(0x3, 0x9)))
    not_three = lambda s: s.a != 3
    r = prove_equivalence(nl, "add", FP4, env=env, assumptions=[not_three])
    assert r.status == "PROVED" and r.lemmas_assumed == ["<lambda>"]


def test_replay_refuses_a_model_that_does_not_reproduce():
    env = Env(parse_rounding("rne"))
    nl = flatten(LUTUnit("mul", FP4, env))
    g = golden.mul(FP4, 5, 6, env=env)
    # a solver claiming the netlist gives g.code ^ 1 on (5, 6): the evaluator disagrees
    cex, problem = replay(nl, "mul", FP4, FP4, env, PortMap(), {"a": 5, "b": 6},
                          (g.code ^ 1, int(g.flags)), (g.code, int(g.flags)), 0x1F)
    assert problem and not cex.replayed
    # a reference value differing from the golden model is also caught
    cex, problem = replay(nl, "mul", FP4, FP4, env, PortMap(), {"a": 5, "b": 6},
                          (g.code, int(g.flags)), (g.code ^ 1, int(g.flags)), 0x1F)
    assert "golden model" in problem


def test_setup_errors_are_clear():
    env = Env()
    nl = flatten(LUTUnit("mul", FP4, env))
    with pytest.raises(ProofSetupError, match="no output port 'res'"):
        prove_equivalence(nl, "mul", FP4, ports=PortMap(result="res"))
    with pytest.raises(ProofSetupError, match="e4m3fn codes are 8"):
        prove_equivalence(nl, "mul", get_format("e4m3fn"))
    with pytest.raises(ProofSetupError, match="unknown operation"):
        prove_equivalence(nl, "div", FP4)


def test_smtlib_export_has_no_unary_connectives_and_round_trips():
    env = Env(parse_rounding("rne"))
    nl = flatten(LUTUnit("mul", FP4, env))
    ob = build_obligation(nl, "mul", FP4, env=env)[0]
    text = ob.to_smtlib()
    assert "(check-sat)" in text and "(set-logic QF_BV)" in text
    assert not re.search(r"\((and|or) +(\S+|\([^()]*\))\)", text)
    s = z3.Solver()
    s.from_string(text)
    assert s.check() == z3.unsat


def test_unary_connective_stripper():
    from fpverify.prove.obligation import strip_unary_connectives

    assert strip_unary_connectives("(assert (and (= x y)))") == "(assert (= x y))"
    assert strip_unary_connectives("(assert (or (and a) (and)))") == "(assert (or a true))"


# ---- the RTL generators (rtl/) -----------------------------------------------------------------

rtl_mul = pytest.importorskip("rtl.fp_mul")


def _force_zero(nl: ir.Netlist, signal: str) -> ir.Netlist:
    """Every reader of ``signal``'s nets sees 0 instead (the driver stays, unread)."""
    nets = set(nl.signal(signal))
    sub = lambda v: tuple(ir.CONST0 if n in nets else n for n in v)
    cells = [dataclasses.replace(c, args=tuple(sub(a) for a in c.args)) for c in nl.cells]
    return dataclasses.replace(nl, name=nl.name + f"[{signal}=0]", cells=cells,
                               outputs={k: sub(v) for k, v in nl.outputs.items()})


@pytest.mark.parametrize("fname,mode", [("e4m3fn", "rne"), ("e5m2", "rdn"), ("e2m1fn", "rto"), ("e3m2fn", "sra3")])
def test_rtl_multiplier_proved(fname, mode):
    fmt = get_format(fname)
    nl = flatten(rtl_mul.FPMultiplier(fmt, rounding=mode))
    r = prove_equivalence(nl, "mul", fmt, env=Env(parse_rounding(mode)), timeout_s=60)
    assert r.status == "PROVED", str(r)


def test_rtl_multiplier_rm_port_proved_for_every_mode():
    fmt = get_format("e4m3fn")
    nl = flatten(rtl_mul.FPMultiplier(fmt, rounding="port"))
    r = prove_equivalence(nl, "mul", fmt, ports=PortMap(rm="rm"), timeout_s=120)
    assert r.status == "PROVED", str(r)


def test_rtl_pipelined_multiplier_proved_after_latency_cycles():
    fmt = get_format("e2m3fn")
    nl = flatten(rtl_mul.FPMultiplier(fmt, rounding="rne", latency=2))
    assert nl.is_sequential
    assert prove_equivalence(nl, "mul", fmt, cycles=2).status == "PROVED"
    r = prove_equivalence(nl, "mul", fmt, cycles=1)  # reading too early is a (replayed) bug
    assert r.status == "REFUTED" and r.counterexample.replayed


def test_dropped_sticky_bit_is_refuted_with_a_replayed_counterexample():
    fmt = get_format("e4m3fn")
    nl = _force_zero(flatten(rtl_mul.FPMultiplier(fmt, rounding="rne")), "round_sticky")
    for solver in ("z3", "bitwuzla"):
        r = prove_equivalence(nl, "mul", fmt, solver=solver)
        assert r.status == "REFUTED", str(r)
        assert r.counterexample.replayed
        assert r.counterexample.actual_netlist != r.counterexample.actual_golden


def test_timeout_is_unknown_never_proved():
    fmt = get_format("bf16")
    nl = flatten(rtl_mul.FPMultiplier(fmt, rounding="rne"))
    r = prove_equivalence(nl, "mul", fmt, timeout_s=0.05)
    assert r.status == "UNKNOWN" and not r.proved and r.counterexample is None


def test_rtl_adder_with_sub_port_proved_and_unmapped_sub_is_reported():
    from rtl.fp_add import FPAdder

    fmt = get_format("e2m3fn")
    nl = flatten(FPAdder(fmt, rounding="rne"))
    r = prove_equivalence(nl, "add", fmt, ports=PortMap(sub="sub"))
    assert r.status == "PROVED", str(r)
    # without the mapping, `sub` is a free input: a - b is a real difference from a + b,
    # and the counterexample names the unmapped input
    r = prove_equivalence(nl, "add", fmt)
    assert r.status == "REFUTED" and "unmapped (free) inputs: sub=0x1" in r.counterexample.decoded


@pytest.mark.parametrize("policy", ["B", "C", "wrap"])
def test_rtl_lmul_proved(policy):
    from fpverify.golden.lmul import LMulPolicy, LMulSpecials, LMulVariant
    from rtl.lmul import LMulUnit

    fmt = get_format("e4m3fn")
    pol = (LMulPolicy(LMulVariant.BIT_ADD, LMulSpecials.WRAP) if policy == "wrap"
           else LMulPolicy(LMulVariant(policy)))
    nl = flatten(LMulUnit(fmt, pol))
    r = prove_equivalence(nl, "lmul", fmt, lmul_policy=pol)
    assert r.status == "PROVED", str(r)
    wrong = LMulPolicy(LMulVariant.NORMALIZE_TRUNCATE if policy == "B" else LMulVariant.BIT_ADD)
    r = prove_equivalence(nl, "lmul", fmt, lmul_policy=wrong)
    assert r.status == "REFUTED" and r.counterexample.replayed


class ConvertLUT(wiring.Component):
    def __init__(self, src, dst, env):
        self.src, self.dst, self.env = src, dst, env
        super().__init__({"a": In(src.width), "result": Out(dst.width), "flags": Out(5)})

    def elaborate(self, platform):
        m = Module()
        with m.Switch(self.a):
            for a in range(1 << self.src.width):
                r = golden.convert(self.src, a, self.dst, self.env)
                with m.Case(a):
                    m.d.comb += [self.result.eq(r.code), self.flags.eq(int(r.flags) & 0x1F)]
        return m


def test_convert_proof_uses_only_port_a():
    src, dst = get_format("e3m2fn"), get_format("e2m1fn")
    env = Env(parse_rounding("rne"))
    nl = flatten(ConvertLUT(src, dst, env))
    assert prove_equivalence(nl, "convert", src, out_fmt=dst, env=env, ports=PortMap(b=None)).proved
    r = prove_equivalence(nl, "convert", src, out_fmt=dst, env=Env(parse_rounding("rup")), ports=PortMap(b=None))
    assert r.status == "REFUTED" and r.counterexample.replayed
