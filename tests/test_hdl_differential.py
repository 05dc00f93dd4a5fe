"""Random Amaranth designs for the differential tests (evaluator vs Amaranth's simulator).

`random_design(rng)` builds an Elaboratable using every operator, Mux, Cat, slices, Part
(bit_select/word_select), Switch/Case, If/Elif/Else, partial assignments and signed/unsigned mixes;
optionally a few flip-flops. Variable selects are only applied to Signals (amaranth.md §9.1).
"""


import random

from amaranth.hdl import Cat, Const, Elaboratable, Module, Mux, Signal, signed, unsigned

MAX_W = 72  # some expressions go past 64 bits to exercise the object-dtype path


def _shape(rng: random.Random, lo: int = 1, hi: int = 12):
    w = rng.randint(lo, hi)
    return signed(w) if rng.random() < 0.4 else unsigned(w)


def _signed(e):
    return e.as_signed() if len(e) else e


class RandomDesign(Elaboratable):
    def __init__(self, seed: int, sequential: bool = False):
        self.seed = seed
        self.sequential = sequential
        rng = random.Random(seed)
        self.inputs = [Signal(_shape(rng), name=f"i{k}") for k in range(rng.randint(2, 4))]
        self.outputs = [Signal(_shape(rng, 1, 20), name=f"o{k}") for k in range(rng.randint(1, 3))]
        self.ports = [(s.name, s) for s in self.inputs + self.outputs]

    # -- expression generator --
    def _leaf(self, rng):
        r = rng.random()
        if r < 0.75 or not self._temps:
            return rng.choice(self.inputs)
        if r < 0.9:
            return rng.choice(self._temps)
        w = rng.randint(1, 8)
        v = rng.randrange(-(1 << (w - 1)), 1 << (w - 1)) if rng.random() < 0.3 else rng.randrange(1 << w)
        return Const(v, signed(w) if v < 0 else unsigned(w))

    def _narrow(self, e, rng, w=None):
        w = w or rng.randint(1, 12)
        if len(e) > w:
            lo = rng.randint(0, len(e) - w)
            e = e[lo:lo + w]
            if rng.random() < 0.3:
                e = e.as_signed()
        return e

    def _sig(self, m, e, rng):
        """Assign to an intermediate Signal (used before variable selects, amaranth.md §9.1).
        Inside If/Switch bodies an assignment would be conditional: reuse a Signal instead."""
        if self._ctrl:
            return rng.choice(self.inputs + self._temps)
        s = Signal(e.shape(), name=f"t{len(self._temps)}")
        m.d.comb += s.eq(e)
        self._temps.append(s)
        return s

    def _expr(self, m, rng, depth):
        if depth <= 0 or rng.random() < 0.2:
            return self._leaf(rng)
        k = rng.randrange(19)
        a = self._expr(m, rng, depth - 1)
        if k == 0:
            op = rng.choice(["+", "-", "&", "|", "^"])
            b = self._expr(m, rng, depth - 1)
            e = {"+": a + b, "-": a - b, "&": a & b, "|": a | b, "^": a ^ b}[op]
        elif k == 1:
            b = self._expr(m, rng, depth - 1)
            e = self._narrow(a, rng, 36) * self._narrow(b, rng, 36)
        elif k == 2:
            b = self._expr(m, rng, depth - 1)
            e = rng.choice([lambda: a // b, lambda: a % b])()
        elif k == 3:
            e = rng.choice([~a, -a, abs(a), +a])
        elif k == 4:
            b = self._expr(m, rng, depth - 1)
            op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
            e = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        elif k == 5:
            e = rng.choice([a.any(), a.all(), a.xor(), a.bool()])
        elif k == 6:
            amt = self._narrow(self._expr(m, rng, depth - 1), rng, rng.randint(1, 4)).as_unsigned()
            e = rng.choice([lambda: a << amt, lambda: a >> amt])()
        elif k == 7:
            n = rng.randint(0, 9)
            e = rng.choice([a.shift_left(n), a.shift_right(n), a.rotate_left(n), a.rotate_right(n)])
        elif k == 8:
            b = self._expr(m, rng, depth - 1)
            c = self._expr(m, rng, depth - 1)
            sel = self._narrow(c, rng, rng.randint(1, 3))
            e = Mux(sel, a, b)
        elif k == 9:
            parts = [a] + [self._expr(m, rng, depth - 1) for _ in range(rng.randint(1, 2))]
            e = Cat(*[self._narrow(p, rng) for p in parts])
        elif k == 10:
            lo = rng.randint(0, len(a) - 1) if len(a) else 0
            hi = rng.randint(lo, len(a))
            e = a[lo:hi] if hi > lo else a[lo] if len(a) else a
        elif k == 11:
            s = self._sig(m, a, rng)
            off = self._narrow(self._expr(m, rng, depth - 1), rng, rng.randint(1, 4)).as_unsigned()
            w = rng.randint(1, 5)
            e = s.bit_select(off, w) if rng.random() < 0.5 else s.word_select(off, w)
        elif k == 12:
            e = _signed(a) if rng.random() < 0.5 else a.as_unsigned()
        elif k == 13:
            e = self._narrow(a, rng, 6).replicate(rng.randint(1, 3))
        elif k == 14:
            pats = []
            for _ in range(rng.randint(1, 3)):
                pats.append("".join(rng.choice("01-") for _ in range(len(a))) if len(a) else "")
            e = a.matches(*pats) if len(a) else a.any()
        elif k == 15:
            e = self._narrow(a, rng, 8)
        elif k == 16:
            b = self._expr(m, rng, depth - 1)
            e = _signed(self._narrow(a, rng)) + self._narrow(b, rng).as_unsigned()
        elif k == 17:
            e = self._sig(m, a, rng)
        else:
            b = self._expr(m, rng, depth - 1)
            e = Mux(a.bool(), b, a)
        if len(e) > MAX_W:
            e = e[:MAX_W]
        return e

    def _stmts(self, m, rng, target, depth, domain):
        """Switch/If trees assigning (parts of) `target`."""
        d = m.d[domain]
        r = rng.random()
        if depth <= 0 or r < 0.3:
            if len(target) > 2 and rng.random() < 0.4:
                lo = rng.randint(0, len(target) - 1)
                hi = rng.randint(lo + 1, len(target))
                d += target[lo:hi].eq(self._expr(m, rng, 2))
            else:
                d += target.eq(self._expr(m, rng, 3))
            return
        self._ctrl += 1
        if r < 0.65:
            subject = self._narrow(self._expr(m, rng, 2), rng, rng.randint(1, 4))
            if subject.shape().signed or len(subject) == 0:
                subject = Cat(subject, Const(rng.randrange(2), 1))
            with m.Switch(subject):
                used = set()
                for _ in range(rng.randint(1, 3)):
                    if rng.random() < 0.5:
                        pat = "".join(rng.choice("01-") for _ in range(len(subject)))
                        case = (pat,)
                    else:
                        v = rng.randrange(1 << len(subject))
                        if v in used:
                            continue
                        used.add(v)
                        case = (v,)
                    with m.Case(*case):
                        self._stmts(m, rng, target, depth - 1, domain)
                if rng.random() < 0.6:
                    with m.Default():
                        self._stmts(m, rng, target, depth - 1, domain)
        else:
            conds = [self._expr(m, rng, 2).bool() for _ in range(rng.randint(1, 2))]
            with m.If(conds[0]):
                self._stmts(m, rng, target, depth - 1, domain)
            if len(conds) > 1:
                with m.Elif(conds[1]):
                    self._stmts(m, rng, target, depth - 1, domain)
            if rng.random() < 0.6:
                with m.Else():
                    self._stmts(m, rng, target, depth - 1, domain)
        self._ctrl -= 1

    def elaborate(self, platform):
        rng = random.Random(self.seed * 7919 + 1)
        m = Module()
        self._temps = []
        self._ctrl = 0
        for o in self.outputs:
            if self.sequential and rng.random() < 0.7:
                reg = Signal(o.shape(), name=f"r_{o.name}", init=rng.randrange(1 << len(o)) - (1 << (len(o) - 1) if o.shape().signed else 0))
                self._stmts(m, rng, reg, 2, "sync")
                m.d.comb += o.eq(reg ^ self._expr(m, rng, 1))
            elif rng.random() < 0.5:
                self._stmts(m, rng, o, 3, "comb")
            else:
                m.d.comb += o.eq(self._expr(m, rng, 4))
        return m


def random_inputs(design: RandomDesign, n: int, rng: random.Random) -> dict[str, list[int]]:
    """Raw bit patterns, weighted towards 0, all-ones, sign bit and its neighbours."""
    out = {}
    for s in design.inputs:
        w = len(s)
        edges = [0, 1, (1 << w) - 1, 1 << (w - 1), (1 << (w - 1)) - 1]
        out[s.name] = [rng.choice(edges) if rng.random() < 0.3 else rng.randrange(1 << w) for _ in range(n)]
    return out


# ---- the differential tests ----------------------------------------------------------------------
# Oracle: Amaranth's own simulator (pysim) on a second instance of the same random design; the
# numpy evaluator runs on the IR produced by `flatten`. Both must agree bit for bit.

import warnings

import numpy as np
import pytest

from fpverify.hdl import pysim
from fpverify.hdl.evaluate import Evaluator
from fpverify.hdl.netlist import flatten


def _quiet():
    warnings.filterwarnings("ignore", category=SyntaxWarning)  # unreachable Case patterns etc.


def check_combinational(seed: int, n: int = 24) -> set[str]:
    _quiet()
    d = RandomDesign(seed)
    nl = flatten(d, ports=d.ports)
    vec = random_inputs(d, n, random.Random(seed))
    outs = [o.name for o in d.outputs]
    got = Evaluator(nl).evaluate({k: np.array(v, dtype=object) for k, v in vec.items()})
    ref_design = RandomDesign(seed)
    ref = pysim.simulate(ref_design, vec, outputs=outs, ports=ref_design.ports)
    for o in outs:
        g = [int(x) for x in got[o]]
        r = [int(x) for x in ref[o]]
        if g != r:
            i = next(k for k in range(n) if g[k] != r[k])
            pytest.fail(f"seed {seed}: output {o} differs at {({k: v[i] for k, v in vec.items()})}: "
                        f"evaluator {g[i]}, pysim {r[i]}")
    return {c.op for c in nl.cells}


def check_sequential(seed: int, cycles: int = 12) -> None:
    _quiet()
    d = RandomDesign(seed, sequential=True)
    nl = flatten(d, ports=d.ports)
    vec = random_inputs(d, cycles, random.Random(seed))
    rows = [{k: v[i] for k, v in vec.items()} for i in range(cycles)]
    outs = [o.name for o in d.outputs]
    trace = Evaluator(nl).run_cycles([{k: [v] for k, v in r.items()} for r in rows])
    ref_design = RandomDesign(seed, sequential=True)
    ref = pysim.simulate_cycles(ref_design, rows, outputs=outs, ports=ref_design.ports)
    for o in outs:
        g = [int(t[o][0]) for t in trace]
        assert g == [int(x) for x in ref[o]], f"seed {seed}: output {o} per cycle"


ALL_IR_OPS = {"~", "neg", "b", "r|", "r&", "r^", "+", "-", "*", "&", "|", "^", "u//", "s//", "u%",
              "s%", "<<", "u>>", "s>>", "==", "!=", "u<", "u>", "u<=", "u>=", "s<", "s>", "s<=", "s>=",
              "m", "part", "matches", "priority_match", "assign"}


def test_random_combinational_designs_agree_with_pysim():
    ops = set()
    for seed in range(240):
        ops |= check_combinational(seed)
    assert ALL_IR_OPS - ops == set(), f"generator never produced {sorted(ALL_IR_OPS - ops)}"


def test_random_sequential_designs_agree_with_pysim():
    for seed in range(1000, 1060):
        check_sequential(seed)


@pytest.mark.slow
@pytest.mark.parametrize("block", range(8))
def test_many_more_random_designs(block):
    for seed in range(5000 + block * 400, 5000 + (block + 1) * 400):
        check_combinational(seed, n=48)
    for seed in range(20000 + block * 100, 20000 + (block + 1) * 100):
        check_sequential(seed, cycles=16)


def test_known_pysim_part_divergence_is_avoided_by_the_evaluator():
    """amaranth.md §9.1: pysim evaluates ``x[4:8].as_signed().bit_select(off, 1)`` wrongly for an
    expression operand; NIR (and so the evaluator) follows the language reference (sign fill)."""
    from amaranth.hdl import Elaboratable, Module, Signal

    class Probe(Elaboratable):
        def __init__(self):
            self.x = Signal(8)
            self.off = Signal(3)
            self.direct = Signal(1)
            self.via_signal = Signal(1)

        def elaborate(self, platform):
            m = Module()
            t = Signal(signed(4))
            m.d.comb += t.eq(self.x[4:8].as_signed())
            m.d.comb += self.direct.eq(self.x[4:8].as_signed().bit_select(self.off, 1))
            m.d.comb += self.via_signal.eq(t.bit_select(self.off, 1))
            return m

    ports = lambda d: [("x", d.x), ("off", d.off), ("direct", d.direct), ("via_signal", d.via_signal)]
    d = Probe()
    vec = {"x": [0x80], "off": [5]}
    got = Evaluator(flatten(d, ports=ports(d))).evaluate(vec)
    assert int(got["direct"][0]) == 1 and int(got["via_signal"][0]) == 1  # spec: sign bit of 0b1000
    d2 = Probe()
    ref = pysim.simulate(d2, vec, outputs=["direct", "via_signal"], ports=ports(d2))
    assert int(ref["via_signal"][0]) == 1
    if int(ref["direct"][0]) == 1:  # pragma: no cover - Amaranth fixed §9.1: drop the workaround
        pytest.skip("Amaranth's simulator no longer shows divergence §9.1")
    assert int(ref["direct"][0]) == 0
