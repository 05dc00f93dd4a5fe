"""Semantic FP mutants on hand-built netlists. Oracle: the independent interpreter of
test_faults_mutate and Python re-statements of each fault's intended behaviour."""

from __future__ import annotations

import pytest

from fpverify.faults.semantic import NEEDS_GENERATOR, apply_semantic, semantic_mutants, toposort
from fpverify.formats import get_format
from fpverify.hdl.ir import CONST0, CONST1, Cell, Netlist
from test_faults_mutate import interp


def rounder() -> Netlist:
    """A 6-bit -> 4-bit RNE rounder with named stage signals, plus an exponent path with a bias:
    result = (x >> 2) + round_up, round_up = guard & (sticky | lsb); e = y + 7 (norm_exp)."""
    x = tuple(range(2, 8))
    y = tuple(range(8, 12))
    guard, sticky, lsb = (x[1],), (x[0],), (x[2],)
    s_or, up = (12,), (13,)
    res = (14, 15, 16, 17)
    e = (18, 19, 20, 21)
    hi = x[2:6]
    up_w = up + (CONST0,) * 3
    bias = (CONST1, CONST1, CONST1, CONST0)
    return Netlist(
        name="rounder", inputs={"x": x, "y": y}, outputs={"result": res, "e": e},
        signals={"x": x, "u.round_guard": guard, "u.round_sticky": sticky, "u.round_up": up,
                 "u.norm_exp": e, "result": res},
        cells=[Cell("|", s_or, (sticky, lsb), src="r.py:1"), Cell("&", up, (guard, s_or), src="r.py:2"),
               Cell("+", res, (hi, up_w), src="r.py:3"), Cell("+", e, (y, bias), src="r.py:4")])


def ref(x: int, y: int, mode: str = "rne") -> dict[str, int]:
    guard, sticky, lsb = (x >> 1) & 1, x & 1, (x >> 2) & 1
    up = {"rne": guard & (sticky | lsb), "nosticky": guard & lsb, "rna": guard, "trunc": 0,
          "sticky1": guard}[mode]
    return {"result": ((x >> 2) + up) & 15, "e": (y + 7) & 15}


def test_rounder_reference():
    nl = rounder()
    for x in range(64):
        for y in range(16):
            assert interp(nl, x=x, y=y) == ref(x, y)


def test_listed_semantic_mutants():
    ids = [m.id for m in semantic_mutants(rounder(), get_format("e4m3"))]
    assert ids[:5] == ["sem:sticky_dropped", "sem:sticky_stuck1", "sem:ties_away", "sem:truncate", "sem:bias+1"]
    assert "sem:bias-1" in ids
    assert not any(i in ids for i in ("sem:ftz", "sem:daz", "sem:saturate"))  # no 8-bit ports
    assert set(NEEDS_GENERATOR)  # documented gaps


@pytest.mark.parametrize("mid,mode", [("sem:sticky_dropped", "nosticky"), ("sem:sticky_stuck1", "sticky1"),
                                      ("sem:ties_away", "rna"), ("sem:truncate", "trunc")])
def test_rounding_faults_behave_as_described(mid, mode):
    nl = rounder()
    m = next(m for m in semantic_mutants(nl, get_format("e4m3")) if m.id == mid)
    mut = apply_semantic(nl, m)
    for x in range(64):
        for y in range(16):
            assert interp(mut, x=x, y=y) == ref(x, y, mode), (mid, x)


@pytest.mark.parametrize("d", [+1, -1])
def test_bias_off_by_one(d):
    nl = rounder()
    m = next(m for m in semantic_mutants(nl, get_format("e4m3")) if m.id == f"sem:bias{d:+d}")
    assert "constant 7" in m.description and "norm_exp" in m.description and "r.py:4" in m.description
    mut = apply_semantic(nl, m)
    for y in range(16):
        assert interp(mut, x=0, y=y)["e"] == (y + 7 + d) & 15


def identity(fmt) -> Netlist:
    a = tuple(range(2, 2 + fmt.width))
    o = tuple(range(2 + fmt.width, 2 + 2 * fmt.width))
    return Netlist(name="ident", inputs={"a": a}, outputs={"result": o}, signals={"a": a, "result": o},
                   cells=[Cell("^", o, (a, (CONST0,) * fmt.width))])


@pytest.mark.parametrize("name", ["e5m2", "e4m3fn", "e4m3fnuz", "e2m1fn"])
def test_port_level_faults(name):
    fmt = get_format(name)
    nl = identity(fmt)
    ms = {m.id: m for m in semantic_mutants(nl, fmt)}
    assert {"sem:ftz", "sem:daz"} <= set(ms)
    assert ("sem:saturate" in ms) == fmt.has_inf
    man = (1 << fmt.man_bits) - 1
    for c in range(1 << fmt.width):
        exp = (c >> fmt.man_bits) & ((1 << fmt.exp_bits) - 1)
        sub = exp == 0 and (c & man) != 0
        flushed = (c & fmt.sign_bit if fmt.has_neg_zero else 0) if sub else c
        for mid in ("sem:ftz", "sem:daz"):
            got = interp(apply_semantic(nl, ms[mid], fmt), a=c)["result"]
            assert got == flushed, (mid, hex(c))
            if sub:
                assert fmt.value(got) == 0  # a zero, never a NaN (FNUZ: 0x80 is NaN)
        if fmt.has_inf:
            got = interp(apply_semantic(nl, ms["sem:saturate"], fmt), a=c)["result"]
            want = (fmt.max_code | (c & fmt.sign_bit)) if fmt.is_inf(c) else c
            assert got == want


def test_toposort_repairs_order_and_detects_cycles():
    nl = rounder()
    shuffled = Netlist(nl.name, nl.inputs, nl.outputs, nl.signals, list(reversed(nl.cells)))
    fixed = toposort(shuffled)
    for x in range(64):
        assert interp(fixed, x=x, y=3) == ref(x, 3)
    cyc = Netlist("c", {"x": (2,)}, {"o": (3,)}, {}, [Cell("&", (3,), ((2,), (4,))), Cell("~", (4,), ((3,),))])
    with pytest.raises(ValueError, match="cycle"):
        toposort(cyc)
