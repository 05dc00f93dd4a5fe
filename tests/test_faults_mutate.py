"""IR mutation operators on hand-built netlists.

Oracle: a tiny bit-level interpreter written here (independent of fpverify.hdl.evaluate) for the
handful of ops the hand-built netlists use, plus Python integer arithmetic for the expected faulty
functions. Where the project evaluator exists, it is cross-checked against the same interpreter.
"""

from __future__ import annotations

import itertools

import pytest

from fpverify.faults.mutate import (ALL_OPERATORS, BIT_OPERATORS, Mutation, apply_mutation,
                                    enumerate_mutations, find_mutation, sample_mutants)
from fpverify.hdl.ir import CONST0, CONST1, Cell, Netlist


def interp(nl: Netlist, **ins: int) -> dict[str, int]:
    """Reference interpreter (combinational subset)."""
    bits = {CONST0: 0, CONST1: 1}
    for name, v in nl.inputs.items():
        for i, n in enumerate(v):
            bits[n] = (ins[name] >> i) & 1

    def get(v):
        return sum(bits[n] << i for i, n in enumerate(v))

    for c in nl.cells:
        w = len(c.out)
        mask = (1 << w) - 1
        a = [get(x) for x in c.args]
        op = c.op
        if op == "~":
            r = ~a[0]
        elif op == "neg":
            r = -a[0]
        elif op == "+":
            r = a[0] + a[1]
        elif op == "-":
            r = a[0] - a[1]
        elif op == "&":
            r = a[0] & a[1]
        elif op == "|":
            r = a[0] | a[1]
        elif op == "^":
            r = a[0] ^ a[1]
        elif op == "==":
            r = int(a[0] == a[1])
        elif op == "!=":
            r = int(a[0] != a[1])
        elif op == "u<":
            r = int(a[0] < a[1])
        elif op == "u<=":
            r = int(a[0] <= a[1])
        elif op in ("s<", "s<="):
            wa = len(c.args[0])
            sa, sb = [x - (1 << wa) if x >> (wa - 1) else x for x in a]
            r = int(sa < sb) if op == "s<" else int(sa <= sb)
        elif op == "m":
            r = a[1] if a[0] else a[2]
        elif op == "u>>":
            r = a[0] >> a[1]
        elif op == "s>>":
            wa = len(c.args[0])
            sa = a[0] - (1 << wa) if a[0] >> (wa - 1) else a[0]
            r = sa >> a[1]
        elif op == "<<":
            r = a[0] << a[1]
        elif op in ("r|", "b"):
            r = int(a[0] != 0)
        elif op == "r&":
            r = int(a[0] == (1 << len(c.args[0])) - 1)
        elif op == "r^":
            r = bin(a[0]).count("1") & 1
        else:
            raise NotImplementedError(op)
        r &= mask
        for i, n in enumerate(c.out):
            bits[n] = (r >> i) & 1
    return {name: get(v) for name, v in nl.outputs.items()}


def toy() -> Netlist:
    """o = (a + b) if a < b else (a - 3);  eq = (a == b).  4-bit a, b."""
    a, b = (2, 3, 4, 5), (6, 7, 8, 9)
    s = (10, 11, 12, 13)
    d = (14, 15, 16, 17)
    lt = (18,)
    o = (19, 20, 21, 22)
    eq = (23,)
    three = (CONST1, CONST1, CONST0, CONST0)
    return Netlist(
        name="toy", inputs={"a": a, "b": b}, outputs={"o": o, "eq": eq},
        signals={"a": a, "b": b, "sum": s, "diff": d, "lt": lt, "o": o, "eq": eq},
        cells=[Cell("+", s, (a, b), src="toy.py:1"), Cell("-", d, (a, three), src="toy.py:2"),
               Cell("u<", lt, (a, b), src="toy.py:3"), Cell("m", o, (lt, s, d), src="toy.py:4"),
               Cell("==", eq, (a, b), src="toy.py:5")])


def toy_ref(a: int, b: int) -> dict[str, int]:
    return {"o": ((a + b) if a < b else (a - 3)) & 15, "eq": int(a == b)}


ALL_AB = list(itertools.product(range(16), range(16)))


def truth(nl):
    return [tuple(sorted(interp(nl, a=a, b=b).items())) for a, b in ALL_AB]


def test_interpreter_matches_python_reference():
    nl = toy()
    for a, b in ALL_AB:
        assert interp(nl, a=a, b=b) == toy_ref(a, b)


def test_enumeration_is_deterministic_with_unique_ids():
    ms = enumerate_mutations(toy())
    assert [m.id for m in ms] == [m.id for m in enumerate_mutations(toy())]
    assert len({m.id for m in ms}) == len(ms)
    assert {m.kind for m in ms} == set(ALL_OPERATORS)
    for m in ms:
        assert m.description and "cell #" in m.description and m.src.startswith("toy.py:")
        assert m.signal  # every cell of the toy is near a named signal


def test_mutation_does_not_modify_the_original():
    nl = toy()
    before = (list(nl.cells), dict(nl.outputs), dict(nl.signals))
    for m in enumerate_mutations(nl):
        apply_mutation(nl, m)
    assert (list(nl.cells), dict(nl.outputs), dict(nl.signals)) == before


def test_output_stuck_at_0_reaches_every_reader_and_the_signal():
    nl = toy()
    m = find_mutation(nl, "c0.out[3]:const0")  # sum bit 3 stuck at 0
    mut = apply_mutation(nl, m)
    for a, b in ALL_AB:
        exp = toy_ref(a, b)
        if a < b:
            exp["o"] = ((a + b) & 15) & 0b0111
        assert interp(mut, a=a, b=b) == exp
    assert mut.signals["sum"] != nl.signals["sum"]  # probes see the faulty bit
    assert "sum[3]" in m.description and "toy.py:1" in m.description


def test_input_port_fault_is_local_to_its_cell():
    nl = toy()
    m = find_mutation(nl, "c2.in0[0]:inv")  # only the comparator sees a with bit 0 inverted
    mut = apply_mutation(nl, m)
    for a, b in ALL_AB:
        a2 = a ^ 1
        exp = {"o": ((a + b) if a2 < b else (a - 3)) & 15, "eq": int(a == b)}
        assert interp(mut, a=a, b=b) == exp


@pytest.mark.parametrize("kind,fn", [
    ("const1", lambda x, bit, other: x | (1 << bit)),
    ("cnot0", lambda x, bit, other: x ^ (((x >> other) & 1) << bit)),
    ("cnot1", lambda x, bit, other: x ^ ((((x >> other) & 1) ^ 1) << bit)),
])
def test_bit_operators_on_an_output_port(kind, fn):
    nl = toy()
    for bit in range(4):
        m = next(m for m in enumerate_mutations(nl, [kind]) if m.cell == 1 and m.port == "out" and m.bit == bit)
        assert m.other == (bit - 1 if bit else 1) or kind == "const1"
        mut = apply_mutation(nl, m)
        for a, b in ALL_AB:
            d = fn((a - 3) & 15, bit, m.other)
            exp = {"o": ((a + b) if a < b else d) & 15, "eq": int(a == b)}
            assert interp(mut, a=a, b=b) == exp, (m.id, a, b)


def test_operator_swaps():
    nl = toy()
    swaps = {m.id: apply_mutation(nl, m) for m in enumerate_mutations(nl, ["opswap"])}
    assert set(swaps) == {"c0:opswap:+->-", "c1:opswap:-->+", "c2:opswap:u<->u<=", "c2:opswap:u<->s<",
                          "c3:opswap:m->m~", "c4:opswap:==->!="}
    for a, b in ALL_AB:
        assert interp(swaps["c0:opswap:+->-"], a=a, b=b)["o"] == (((a - b) if a < b else (a - 3)) & 15)
        assert interp(swaps["c1:opswap:-->+"], a=a, b=b)["o"] == (((a + b) if a < b else (a + 3)) & 15)
        assert interp(swaps["c2:opswap:u<->u<="], a=a, b=b)["o"] == (((a + b) if a <= b else (a - 3)) & 15)
        sa, sb = [x - 16 if x >= 8 else x for x in (a, b)]
        assert interp(swaps["c2:opswap:u<->s<"], a=a, b=b)["o"] == (((a + b) if sa < sb else (a - 3)) & 15)
        assert interp(swaps["c3:opswap:m->m~"], a=a, b=b)["o"] == (((a - 3) if a < b else (a + b)) & 15)
        assert interp(swaps["c4:opswap:==->!="], a=a, b=b)["eq"] == int(a != b)


def test_constant_off_by_one():
    nl = toy()
    ms = enumerate_mutations(nl, ["const"])
    assert [m.id for m in ms] == ["c1.in1:const:+1", "c1.in1:const:-1"]
    for m, k in zip(ms, (4, 2)):
        mut = apply_mutation(nl, m)
        assert "3 -> %d" % k in m.description
        for a, b in ALL_AB:
            assert interp(mut, a=a, b=b)["o"] == (((a + b) if a < b else (a - k)) & 15)


def test_every_mutant_is_a_valid_netlist_in_topological_order():
    nl = toy()
    for m in enumerate_mutations(nl):
        mut = apply_mutation(nl, m)
        driven = {CONST0, CONST1} | {n for v in mut.inputs.values() for n in v}
        for c in mut.cells:
            for arg in c.args:
                assert all(n in driven for n in arg), m.id
            assert not (set(c.out) & driven), m.id  # nets driven once
            driven |= set(c.out)
        interp(mut, a=5, b=9)


def test_most_bit_mutants_change_behaviour_and_unused_ones_do_not():
    nl = toy()
    base = truth(nl)
    changed = [m.id for m in enumerate_mutations(nl, BIT_OPERATORS) if truth(apply_mutation(nl, m)) != base]
    assert len(changed) > 0.8 * len(enumerate_mutations(nl, BIT_OPERATORS))
    # stuck-at-1 on a constant bit that is already 1 is not offered at all
    assert not any(m.id == "c1.in1[0]:const1" for m in enumerate_mutations(nl))


def test_sample_is_deterministic_distinct_and_spread():
    nl = toy()
    s1 = sample_mutants(nl, 30, seed=7)
    s2 = sample_mutants(nl, 30, seed=7)
    s3 = sample_mutants(nl, 30, seed=8)
    assert [m.id for m in s1] == [m.id for m in s2]
    assert [m.id for m in s1] != [m.id for m in s3]
    assert len({m.id for m in s1}) == 30
    assert len({m.cell for m in s1}) == 5  # every cell gets some
    assert len({m.kind for m in s1}) >= 5
    assert len(sample_mutants(nl, 10_000, seed=1)) == len(enumerate_mutations(nl))
    only = sample_mutants(nl, 5, seed=1, operators=["opswap"])
    assert all(m.kind == "opswap" for m in only)
    with pytest.raises(ValueError):
        sample_mutants(nl, 5, operators=["nonsense"])


def test_mutation_json_round_trip():
    m = enumerate_mutations(toy())[0]
    d = m.to_json()
    assert d["id"] == m.id and d["kind"] == m.kind
    assert Mutation(**{k: d.get(k, getattr(Mutation, k, None)) for k in d}).id == m.id
