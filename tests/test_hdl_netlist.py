"""The Amaranth → IR adapter: ports from the elaborated instance, hierarchical signal names,
signedness, source locations, topological order, fresh net ids and clear errors."""


import numpy as np
import pytest
from amaranth.hdl import Elaboratable, Module, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from fpverify.hdl import ir
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import NetlistError, flatten


class Inner(wiring.Component):
    x: In(8)
    y: Out(9)

    def elaborate(self, platform):
        m = Module()
        twice = Signal(9)
        m.d.comb += twice.eq(self.x << 1)
        m.d.comb += self.y.eq(twice)
        return m


class Outer(wiring.Component):
    a: In(8)
    s: In(signed(5))
    o: Out(signed(10))

    def elaborate(self, platform):
        m = Module()
        m.submodules.inner = inner = Inner()
        mid = Signal(8)
        m.d.comb += mid.eq(self.a ^ 0x5A)
        m.d.comb += inner.x.eq(mid)
        m.d.comb += self.o.eq(inner.y + self.s)
        return m


def test_component_ports_names_signedness_and_values():
    nl = flatten(Outer())
    assert nl.name == "Outer"
    assert set(nl.inputs) == {"a", "s"} and set(nl.outputs) == {"o"}
    assert [len(nl.inputs["a"]), len(nl.inputs["s"]), len(nl.outputs["o"])] == [8, 5, 10]
    assert nl.signed["s"] and nl.signed["o"] and not nl.signed["a"]
    assert "mid" in nl.signals and "inner.twice" in nl.signals
    assert nl.signal("twice") == nl.signals["inner.twice"]  # unique suffix lookup
    a = np.arange(256)
    s = (np.arange(256) * 7) % 32
    out = evaluate(nl, {"a": a, "s": s}, probes=["mid", "inner.twice"])
    ss = np.where(s >= 16, s - 32, s)
    assert np.array_equal(out["mid"], a ^ 0x5A)
    assert np.array_equal(out["inner.twice"], (a ^ 0x5A) * 2)
    assert np.array_equal(out["o"], ((a ^ 0x5A) * 2 + ss) % 1024)


def test_net_ids_fresh_contiguous_and_topological():
    nl = flatten(Outer())
    seen = set()
    for v in nl.inputs.values():
        assert list(v) == list(range(v[0], v[0] + len(v)))
        seen |= set(v)
    for c in nl.cells:
        assert c.out == tuple(range(c.out[0], c.out[0] + len(c.out))) if c.out else True
        for a in c.args:  # every combinational read comes after its driver
            for n in a:
                assert n in (ir.CONST0, ir.CONST1) or n in seen, (c, n)
        assert not (seen & set(c.out))
        seen |= set(c.out)
    assert all(c.src and ":" in c.src for c in nl.cells if c.op in ("+", "^"))
    assert any("test_hdl_netlist.py" in c.src for c in nl.cells)


def test_explicit_ports_and_plain_elaboratable():
    class Plain(Elaboratable):
        def __init__(self):
            self.i = Signal(unsigned(4))
            self.q = Signal(unsigned(4))

        def elaborate(self, platform):
            m = Module()
            with m.Switch(self.i):
                with m.Case(3):
                    m.d.comb += self.q.eq(9)
                with m.Case("1--0"):
                    m.d.comb += self.q.eq(self.i[1:])
                with m.Default():
                    m.d.comb += self.q.eq(~self.i)
            return m

    p = Plain()
    nl = flatten(p, ports=[p.i, p.q])
    ops = {c.op for c in nl.cells}
    assert {"matches", "priority_match", "assign"} <= ops
    i = np.arange(16)
    exp = [9 if v == 3 else (v >> 1) if (v & 9) == 8 else (~v & 15) for v in range(16)]
    assert list(evaluate(nl, {"i": i})["q"]) == exp
    p2 = Plain()
    nl2 = flatten(p2, ports={"inp": p2.i, "out": p2.q})
    assert set(nl2.inputs) == {"inp"} and set(nl2.outputs) == {"out"}
    unused = Plain()
    unused._MustUse__silence = True
    with pytest.raises(NetlistError, match="ports"):
        flatten(unused)


def test_sequential_design_has_ff_clock_and_reset_inputs():
    class Acc(wiring.Component):
        d: In(4)
        q: Out(6)

        def elaborate(self, platform):
            m = Module()
            m.d.sync += self.q.eq(self.q + self.d)
            return m

    nl = flatten(Acc())
    assert nl.is_sequential and {"clk", "rst"} <= set(nl.inputs)
    ff = [c for c in nl.cells if c.op == "ff"][0]
    assert ff.param("domain") == "sync" and ff.param("init") == 0
    from fpverify.hdl.evaluate import run_cycles

    trace = run_cycles(nl, [{"d": 3}, {"d": 4}, {"d": 5, "rst": 1}, {"d": 1}])
    assert [int(t["q"][0]) for t in trace] == [0, 3, 7, 0]


def test_unsupported_memory_is_a_clear_error():
    class Rom(wiring.Component):
        addr: In(2)
        data: Out(8)

        def elaborate(self, platform):
            m = Module()
            m.submodules.mem = mem = Memory(shape=8, depth=4, init=[1, 2, 3, 4])
            rd = mem.read_port(domain="comb")
            m.d.comb += [rd.addr.eq(self.addr), self.data.eq(rd.data)]
            return m

    with pytest.raises(NetlistError, match="unsupported Amaranth cell (Memory|AsyncReadPort)"):
        flatten(Rom())
