"""The numpy evaluator against an independent per-vector Python-int reference of the IR semantics
(the op table in `fpverify/hdl/ir.py`), on random single cells of widths around the uint64/object
boundary (1..8, 31..33, 63..65, 100), plus sequential stepping and pipelines.

Oracle: `ref_cell` below, written from the ir.py docstring with unbounded Python ints.
"""

from __future__ import annotations

import random
import zlib

import numpy as np
import pytest

from fpverify.hdl import ir
from fpverify.hdl.evaluate import EvaluationError, Evaluator, evaluate, evaluate_pipelined


def sx(x: int, w: int) -> int:
    return x - (1 << w) if w and x >> (w - 1) & 1 else x


def fdiv(a, b):
    return 0 if b == 0 else a // b


def fmod(a, b):
    return 0 if b == 0 else a % b


def ref_cell(op: str, args: list[int], widths: list[int], w: int, params: dict) -> int:
    m = (1 << w) - 1
    a = args
    if op == "~":
        return ~a[0] & m
    if op == "neg":
        return -a[0] & m
    if op in ("b", "r|"):
        return int(a[0] != 0)
    if op == "r&":
        return int(a[0] == (1 << widths[0]) - 1)
    if op == "r^":
        return bin(a[0]).count("1") & 1
    if op in ("+", "-", "*", "&", "|", "^"):
        x, y = a
        return {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y}[op] & m
    if op == "u//":
        return fdiv(a[0], a[1]) & m
    if op == "s//":
        return fdiv(sx(a[0], w), sx(a[1], w)) & m
    if op == "u%":
        return fmod(a[0], a[1]) & m
    if op == "s%":
        return fmod(sx(a[0], w), sx(a[1], w)) & m
    if op == "<<":
        return (a[0] << a[1]) & m if a[1] < w else 0
    if op == "u>>":
        return a[0] >> a[1]
    if op == "s>>":
        return (sx(a[0], w) >> min(a[1], w + 1)) & m
    if op in ("==", "!=", "u<", "u>", "u<=", "u>=", "s<", "s>", "s<=", "s>="):
        x, y = a
        if op[0] == "s":
            x, y = sx(x, widths[0]), sx(y, widths[1])
        o = op.lstrip("us")
        return int({"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[o])
    if op == "m":
        return a[1] if a[0] else a[2]
    if op == "part":
        v = sx(a[0], widths[0]) if params["value_signed"] else a[0]
        return (v >> (a[1] * params["stride"])) & m
    if op == "matches":
        for pat in params["patterns"]:
            if all(ch == "-" or int(ch) == (a[0] >> i & 1) for i, ch in enumerate(reversed(pat))):
                return 1
        return 0
    if op == "priority_match":
        en, x = a
        if not en:
            return 0
        for i in range(widths[1]):
            if x >> i & 1:
                return 1 << i
        return 0
    if op == "assign":
        r = a[0]
        for k, start in enumerate(params["starts"]):
            c, v, vw = a[1 + 2 * k], a[2 + 2 * k], widths[2 + 2 * k]
            if c:
                for i in range(vw):
                    if start + i < w:
                        r = (r & ~(1 << (start + i))) | ((v >> i & 1) << (start + i))
        return r & m
    raise AssertionError(op)


WIDTHS = [1, 2, 3, 5, 8, 31, 32, 33, 63, 64, 65, 100]
SAME = ["+", "-", "*", "&", "|", "^", "u//", "s//", "u%", "s%"]
CMP = ["==", "!=", "u<", "u>", "u<=", "u>=", "s<", "s>", "s<=", "s>="]


def random_cell(rng: random.Random, op: str):
    """(cell spec) -> (op, widths of args, out width, params)."""
    w = rng.choice(WIDTHS)
    if op in SAME:
        return [w, w], w, {}
    if op in CMP:
        return [w, w], 1, {}
    if op in ("~", "neg"):
        return [w], w, {}
    if op in ("b", "r|", "r&", "r^"):
        return [rng.choice(WIDTHS + [0])], 1, {}
    if op in ("<<", "u>>", "s>>"):
        return [w, rng.choice([1, 3, 6, 7, 8, 65])], w, {}
    if op == "m":
        return [1, w, w], w, {}
    if op == "part":
        return [w, rng.choice([1, 3, 7, 66])], rng.choice([1, 4, 9, 64, 70]), {
            "value_signed": rng.random() < 0.5, "stride": rng.choice([1, 1, 2, 5])}
    if op == "matches":
        pats = tuple("".join(rng.choice("01--") for _ in range(w)) for _ in range(rng.randint(0, 3)))
        return [w], 1, {"patterns": pats}
    if op == "priority_match":
        return [1, w], w, {}
    if op == "assign":
        n = rng.randint(0, 3)
        ws = [w]
        starts = []
        for _ in range(n):
            ws += [1, rng.choice([1, 4, 8, 33, 64, 66])]
            starts.append(rng.randrange(0, w + 2))
        return ws, w, {"starts": tuple(starts)}
    raise AssertionError(op)


def edge_values(rng: random.Random, w: int, n: int) -> list[int]:
    if w == 0:
        return [0] * n
    m = (1 << w) - 1
    edges = [0, 1, m, 1 << (w - 1), (1 << (w - 1)) - 1, m - 1, 2, 3, w]
    return [rng.choice(edges) & m if rng.random() < 0.4 else rng.randrange(1 << w) for _ in range(n)]


ALL_OPS = (["~", "neg", "b", "r|", "r&", "r^"] + SAME + CMP +
           ["<<", "u>>", "s>>", "m", "part", "matches", "priority_match", "assign"])


def build_single(op, widths, w, params):
    """A netlist with one input per operand and one cell; returns (netlist, input names)."""
    nl = ir.Netlist(name=f"cell_{op}")
    nxt = 2
    names = []
    args = []
    for k, aw in enumerate(widths):
        v = tuple(range(nxt, nxt + aw))
        nxt += aw
        nl.inputs[f"x{k}"] = v
        names.append(f"x{k}")
        args.append(v)
    out = tuple(range(nxt, nxt + w))
    nl.cells.append(ir.Cell(op, out, tuple(args), tuple(params.items())))
    nl.outputs["y"] = out
    return nl, names


@pytest.mark.parametrize("op", ALL_OPS)
def test_cell_semantics_match_python_reference(op):
    rng = random.Random(zlib.crc32(op.encode()))
    for _ in range(12):
        widths, w, params = random_cell(rng, op)
        nl, names = build_single(op, widths, w, params)
        n = 64
        cols = [edge_values(rng, aw, n) for aw in widths]
        if op in ("<<", "u>>", "s>>", "part"):  # amounts near the width matter most
            cols[1] = [rng.choice([0, 1, widths[0] - 1, widths[0], widths[0] + 1, 63, 64, 65,
                                   (1 << widths[1]) - 1]) & ((1 << widths[1]) - 1) for _ in range(n)]
        got = evaluate(nl, {nm: np.array(c, dtype=object) for nm, c in zip(names, cols)})["y"]
        for i in range(n):
            args = [c[i] for c in cols]
            exp = ref_cell(op, args, widths, w, params)
            assert int(got[i]) == exp, (op, widths, w, params, args, int(got[i]), exp)
        assert got.dtype == (np.uint64 if w <= 64 else object)


def test_composed_values_slices_constants_and_wide_mix():
    # out = Cat(x[3:40], 1, 0, y[60:70]) + z  -- pieces from several slots, constants, >64 bits
    nl = ir.Netlist(name="mix")
    x = tuple(range(2, 2 + 70))
    y = tuple(range(72, 72 + 70))
    nl.inputs = {"x": x, "y": y}
    cat = x[3:40] + (ir.CONST1, ir.CONST0) + y[60:70]
    w = len(cat)
    z = tuple(range(200, 200 + w))
    nl.cells.append(ir.Cell("~", z, (cat,)))
    s = tuple(range(300, 300 + w))
    nl.cells.append(ir.Cell("+", s, (cat, z[:20] + cat[20:])))
    nl.outputs["s"] = s
    nl.outputs["low"] = s[:8]
    rng = random.Random(3)
    xs = [rng.getrandbits(70) for _ in range(50)]
    ys = [rng.getrandbits(70) for _ in range(50)]
    out = evaluate(nl, {"x": np.array(xs, dtype=object), "y": np.array(ys, dtype=object)})
    m = (1 << w) - 1
    for i in range(50):
        c = ((xs[i] >> 3) & ((1 << 37) - 1)) | (1 << 37) | (((ys[i] >> 60) & 1023) << 39)
        zz = ~c & m
        b = (zz & ((1 << 20) - 1)) | (c & ~((1 << 20) - 1))
        assert int(out["s"][i]) == (c + b) & m
        assert int(out["low"][i]) == (c + b) & 0xFF


def test_counter_sequential_and_reset():
    # 4-bit counter with synchronous reset folded into data (as Amaranth does): q' = rst ? 0 : q + 1
    nl = ir.Netlist(name="ctr")
    nl.inputs = {"rst": (2,)}
    q = (10, 11, 12, 13)
    inc = (20, 21, 22, 23)
    nxt = (30, 31, 32, 33)
    nl.cells = [
        ir.Cell("+", inc, (q, (1, 0, 0, 0))),
        ir.Cell("m", nxt, ((2,), (0, 0, 0, 0), inc)),
        ir.Cell("ff", q, (nxt,), (("init", 5), ("domain", "sync"))),
    ]
    nl.outputs["q"] = q
    ev = Evaluator(nl)
    trace = ev.run_cycles([{"rst": [0, 1]}] * 3 + [{"rst": [1, 0]}] + [{"rst": [0, 0]}] * 2)
    assert [list(map(int, t["q"])) for t in trace] == [[5, 5], [6, 0], [7, 0], [8, 0], [0, 1], [1, 2]]


def test_out_of_order_cells_are_sorted_and_cycles_rejected():
    nl = ir.Netlist(name="ooo")
    nl.inputs = {"a": (2, 3)}
    nl.cells = [ir.Cell("+", (20, 21), ((10, 11), (2, 3))), ir.Cell("~", (10, 11), ((2, 3),))]
    nl.outputs["y"] = (20, 21)
    assert [int(v) for v in evaluate(nl, {"a": [0, 1, 2, 3]})["y"]] == [(3 + 0) & 3, (2 + 1) & 3, (1 + 2) & 3, 0 + 3 & 3]
    cyc = ir.Netlist(name="cyc", inputs={"a": (2,)},
                     cells=[ir.Cell("&", (10,), ((11,), (2,))), ir.Cell("~", (11,), ((10,),))],
                     outputs={"y": (10,)})
    with pytest.raises(EvaluationError, match="cycle"):
        Evaluator(cyc)


def test_bad_inputs_are_reported():
    nl, _ = build_single("+", [4, 4], 4, {})
    with pytest.raises(EvaluationError, match="unknown input"):
        evaluate(nl, {"nope": [1]})
    with pytest.raises(EvaluationError, match="vectors"):
        evaluate(nl, {"x0": [1, 2, 3], "x1": [1, 2]})
    with pytest.raises(EvaluationError, match="no driver"):
        Evaluator(ir.Netlist(name="x", outputs={"y": (99,)}))
    # scalars broadcast, negatives wrap, missing inputs are 0
    out = evaluate(nl, {"x0": [-1, 3, 15], "x1": 1})
    assert [int(v) for v in out["y"]] == [0, 4, 0]
    assert [int(v) for v in evaluate(nl, {"x0": [7, 8]})["y"]] == [7, 8]


def test_pipelined_fp_multiplier_matches_combinational():
    """rtl.fp_mul.FPMultiplier with latency 2 gives the same codes and flags as latency 0."""
    fp_mul = pytest.importorskip("rtl.fp_mul")
    from fpverify.hdl.netlist import flatten

    comb = flatten(fp_mul.FPMultiplier("e4m3fn"))
    piped = flatten(fp_mul.FPMultiplier("e4m3fn", latency=2))
    assert piped.is_sequential and not comb.is_sequential
    idx = np.arange(1 << 16, dtype=np.uint64)[::7]
    vec = {"a": idx >> np.uint64(8), "b": idx & np.uint64(255)}
    want = evaluate(comb, vec)
    got = evaluate_pipelined(piped, vec, latency=2)
    early = evaluate_pipelined(piped, vec, latency=1)
    assert np.array_equal(got["result"], want["result"]) and np.array_equal(got["flags"], want["flags"])
    assert not np.array_equal(early["result"], want["result"])  # one edge is not enough
