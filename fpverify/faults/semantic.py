"""Semantic FP mutants: the faults real floating-point bugs look like, as targeted IR edits.

Two kinds of edit:

* **at named stage signals** of the generated RTL (``round_sticky``, ``round_up``, ``norm_exp``,
  ``lmul_sum``, ...): force a signal, or nudge by one the constant that feeds it (the exponent bias,
  the L-Mul offset). These only apply when the design exposes the signal;
* **at the ports**, knowing only the number format: flush subnormal results to zero (FTZ), treat
  subnormal operands as zero (DAZ), saturate instead of returning infinity. These apply to any
  design with FP-coded ports of the format's width.

`semantic_mutants(netlist, fmt)` lists the applicable ones; `apply_semantic` builds the mutant.
Faults that need a generator-level ``fault=`` option (not expressible as a local IR edit) are listed
in `NEEDS_GENERATOR`.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import Sequence

from ..formats import FloatFormat
from ..hdl.ir import CONST0, CONST1, Cell, Netlist, Value
from ..semantics import stages
from .mutate import NetIndex, const_nets, const_value, override_nets, with_cells

# signal-name candidates, first match wins (suffix match as in Netlist.signal)
STICKY = (stages.ROUND_STICKY, "sticky")
ROUND_UP = (stages.ROUND_UP,)
GUARD = (stages.ROUND_GUARD, "guard", "round_bit")
NORM_EXP = (stages.NORM_EXP, "exp_sum", "prod_exp", "res_exp")
LMUL_SUM = ("lmul_sum",)
OVERFLOW = ("overflow", stages.ROUND_OVERFLOW, "ovf")
RESULT_PORTS = ("o", "result", "out", "y", "z")

NEEDS_GENERATOR = {
    "carry_lost": "lose the mantissa carry into the exponent after rounding (needs fault= in rtl/: the "
                  "carry is not a named signal of its own)",
    "wrong_tininess": "detect tininess before instead of after rounding (needs fault= in rtl/)",
    "nan_code": "wrong canonical NaN code (needs fault= in rtl/; an output-level edit would also hit "
                "NaN payload don't-cares)",
}


SEMANTIC_KINDS = ("sticky_dropped", "sticky_stuck1", "ties_away", "truncate", "overflow_ignored", "bias",
                  "lmul_offset", "ftz", "daz", "saturate")


def semantic_kinds() -> tuple[str, ...]:
    """Names usable in a spec's ``faults { semantic ... }`` setting."""
    return SEMANTIC_KINDS


def family(mutation_id: str) -> str:
    """``sem:bias+1`` -> ``bias``."""
    name = mutation_id.split(":", 1)[-1]
    return name[:-2] if name[-2:] in ("+1", "-1") else name


@dataclass(frozen=True)
class SemanticMutation:
    id: str
    kind: str  # one of the builders below
    description: str
    signal: str = ""
    port: str = ""
    delta: int = 0
    cell: int = -1
    arg: int = -1
    src: str = ""

    def to_json(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", -1, 0) or k == "id"}


# ---- a tiny builder for fault logic ----------------------------------------------------------------


class _Builder:
    def __init__(self, netlist: Netlist, tag: str):
        self.next = netlist.num_nets
        self.cells: list[Cell] = []
        self.tag = tag

    def cell(self, op: str, width: int, *args: Value, **params) -> Value:
        out = tuple(range(self.next, self.next + width))
        self.next += width
        self.cells.append(Cell(op, out, tuple(tuple(a) for a in args), tuple(sorted(params.items())),
                               src=f"fault {self.tag}"))
        return out

    def eq_const(self, v: Value, x: int) -> Value:
        return self.cell("==", 1, v, const_nets(x, len(v)))

    def mux(self, sel: Value, a: Value, b: Value) -> Value:
        return self.cell("m", len(a), sel, a, b)


def _find_signal(netlist: Netlist, names: Sequence[str]) -> str | None:
    for name in names:
        if name in netlist.signals:
            return name
        hits = [k for k in netlist.signals if k.split(".")[-1] == name]
        if len(hits) == 1:
            return hits[0]
        if hits:  # several units: take the shallowest name
            return sorted(hits, key=lambda k: (k.count("."), k))[0]
    return None


def _result_port(netlist: Netlist, fmt: FloatFormat) -> str | None:
    for name in RESULT_PORTS:
        if name in netlist.outputs and len(netlist.outputs[name]) == fmt.width:
            return name
    fits = [k for k, v in netlist.outputs.items() if len(v) == fmt.width]
    return fits[0] if len(fits) == 1 else None


def _operand_ports(netlist: Netlist, fmt: FloatFormat) -> list[str]:
    return [k for k, v in netlist.inputs.items() if len(v) == fmt.width]


def _cone_constants(netlist: Netlist, signal: str, depth: int = 6) -> list[tuple[int, int, int]]:
    """(cell index, arg index, value) of constant operands of arithmetic cells in the fan-in cone of
    ``signal``, nearest first (at most ``depth`` cells back)."""
    index = NetIndex(netlist)
    found = []
    seen: set[int] = set()
    queue = deque((index.driver[n], 0) for n in netlist.signals[signal] if n in index.driver)
    while queue:
        ci, d = queue.popleft()
        if ci in seen or d > depth:
            continue
        seen.add(ci)
        cell = netlist.cells[ci]
        for k, arg in enumerate(cell.args):
            if cell.op in ("+", "-") and len(arg) >= 2 and all(n in (CONST0, CONST1) for n in arg):
                found.append((ci, k, const_value(arg)))
            for n in arg:
                if n in index.driver:
                    queue.append((index.driver[n], d + 1))
    return found


# ---- listing ---------------------------------------------------------------------------------------


def semantic_mutants(netlist: Netlist, fmt: FloatFormat | None = None,
                     kinds: Sequence[str] | None = None) -> list[SemanticMutation]:
    """The semantic mutants that apply to this design, in a stable order (only ``kinds`` if given)."""
    out = _all_semantic(netlist, fmt)
    return [m for m in out if kinds is None or family(m.id) in kinds]


def _all_semantic(netlist: Netlist, fmt: FloatFormat | None) -> list[SemanticMutation]:
    out: list[SemanticMutation] = []
    sticky = _find_signal(netlist, STICKY)
    if sticky:
        out.append(SemanticMutation("sem:sticky_dropped", "force0", f"sticky bit dropped: `{sticky}` forced to 0",
                                    signal=sticky))
        out.append(SemanticMutation("sem:sticky_stuck1", "force1", f"sticky bit stuck at 1: `{sticky}` forced to 1",
                                    signal=sticky))
    up, guard = _find_signal(netlist, ROUND_UP), _find_signal(netlist, GUARD)
    if up and guard and len(netlist.signals[up]) == len(netlist.signals[guard]) == 1:
        out.append(SemanticMutation("sem:ties_away", "alias",
                                    f"wrong tie-break (RNE -> RNA): `{up}` := `{guard}`",
                                    signal=up, port=guard))
    if up:
        out.append(SemanticMutation("sem:truncate", "force0", f"rounding truncates: `{up}` forced to 0", signal=up))
    ovf = _find_signal(netlist, OVERFLOW)
    if ovf and len(netlist.signals[ovf]) == 1:
        out.append(SemanticMutation("sem:overflow_ignored", "force0", f"overflow not detected: `{ovf}` forced to 0",
                                    signal=ovf))
    for names, what in ((NORM_EXP, "exponent bias"), (LMUL_SUM, "L-Mul offset")):
        sig = _find_signal(netlist, names)
        if not sig:
            continue
        consts = _cone_constants(netlist, sig)
        if isinstance(fmt, FloatFormat) and what == "exponent bias":
            w = {ci: len(netlist.cells[ci].args[k]) for ci, k, _ in consts}
            pick = [c for c in consts if c[2] in (fmt.bias, (1 << w[c[0]]) - fmt.bias)] or consts
        else:
            pick = consts
        if not pick:
            continue
        ci, k, v = pick[0]
        cell = netlist.cells[ci]
        key = "bias" if what == "exponent bias" else "lmul_offset"
        for d in (+1, -1):
            out.append(SemanticMutation(
                f"sem:{key}{d:+d}", "const", f"{what} off by {d:+d}: constant {v} of cell #{ci} `{cell.op}`"
                f"{' (' + cell.src + ')' if cell.src else ''} feeding `{sig}`",
                signal=sig, delta=d, cell=ci, arg=k, src=cell.src))
    if fmt is not None and isinstance(fmt, FloatFormat):
        res = _result_port(netlist, fmt)
        if res and fmt.subnormals:
            out.append(SemanticMutation("sem:ftz", "ftz", f"subnormal results flushed to zero on `{res}`", port=res))
            ops = _operand_ports(netlist, fmt)
            if ops:
                out.append(SemanticMutation("sem:daz", "daz",
                                            f"subnormal operands treated as zero ({', '.join(ops)})",
                                            port=",".join(ops)))
        if res and fmt.has_inf:
            out.append(SemanticMutation("sem:saturate", "saturate",
                                        f"wrong overflow policy: infinity on `{res}` replaced by the largest "
                                        "finite value", port=res))
    return out


# ---- applying --------------------------------------------------------------------------------------


def force_signal(netlist: Netlist, signal: str, value: int, tag: str = "force") -> Netlist:
    """Every reader (cells, ports, probes) of ``signal`` sees the constant ``value`` instead."""
    nets = netlist.signals[signal]

    def make(net: int, fresh: int) -> list[Cell]:
        bit = (value >> nets.index(net)) & 1
        op, c = ("|", CONST1) if bit else ("&", CONST0)
        return [Cell(op, (fresh,), ((net,), (c,)), src=f"fault {tag}")]

    return override_nets(netlist, nets, make, tag)


def alias_signal(netlist: Netlist, target: str, source: str, tag: str = "alias") -> Netlist:
    """Readers of ``target`` see ``source`` instead (same width). The fault cells are placed after
    both drivers; cells are re-sorted topologically."""
    tnets, snets = netlist.signals[target], netlist.signals[source]
    out = netlist
    for tn, sn in zip(tnets, snets):
        def make(net: int, fresh: int, sn=sn) -> list[Cell]:
            return [Cell("|", (fresh,), ((sn,), (CONST0,)), src=f"fault {tag}")]
        out = override_nets(out, (tn,), make, tag)
    return toposort(out)


def toposort(netlist: Netlist) -> Netlist:
    """Cells reordered so every combinational reader follows its drivers (stable otherwise)."""
    driver = {n: i for i, c in enumerate(netlist.cells) for n in c.out}
    ff_out = {n for c in netlist.cells if c.op == "ff" for n in c.out}
    deps = []
    for i, c in enumerate(netlist.cells):
        d = set()
        if c.op != "ff":
            for a in c.args:
                for n in a:
                    if n in driver and n not in ff_out:
                        d.add(driver[n])
        deps.append(d)
    order, state = [], [0] * len(netlist.cells)
    for root in range(len(netlist.cells)):
        if state[root]:
            continue
        stack = [(root, iter(sorted(deps[root])))]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                state[node] = 2
                order.append(node)
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(sorted(deps[nxt]))))
            elif state[nxt] == 1:
                raise ValueError("fault created a combinational cycle")
    return with_cells(netlist, [netlist.cells[i] for i in order])


def _rewire_output(netlist: Netlist, port: str, new: Value, cells: list[Cell]) -> Netlist:
    old = netlist.outputs[port]
    out = with_cells(netlist, list(netlist.cells) + cells)
    out.outputs[port] = tuple(new)
    for k, v in netlist.signals.items():
        if tuple(v) == tuple(old):
            out.signals[k] = tuple(new)
    return out


def _fields(b: _Builder, fmt: FloatFormat, v: Value) -> tuple[Value, Value, Value]:
    m, e = fmt.man_bits, fmt.exp_bits
    sign = v[m + e:m + e + 1] if fmt.signed else (CONST0,)
    return sign, v[m:m + e], v[:m]


def _flush_value(b: _Builder, fmt: FloatFormat, v: Value) -> Value:
    """v, with a subnormal code replaced by the zero of the same sign."""
    sign, exp, man = _fields(b, fmt, v)
    is_sub = b.cell("&", 1, b.eq_const(exp, 0), b.cell("r|", 1, man))
    keep_sign = fmt.signed and fmt.has_neg_zero  # FNUZ/P3109: sign_bit alone is the NaN, not -0
    zero = tuple(CONST0 for _ in range(len(v) - 1)) + (tuple(sign) if keep_sign else (CONST0,))
    return b.mux(is_sub, zero, v)


def apply_semantic(netlist: Netlist, m: SemanticMutation, fmt: FloatFormat | None = None) -> Netlist:
    if m.kind == "force0":
        return force_signal(netlist, m.signal, 0, m.id)
    if m.kind == "force1":
        return force_signal(netlist, m.signal, (1 << len(netlist.signals[m.signal])) - 1, m.id)
    if m.kind == "alias":
        return alias_signal(netlist, m.signal, m.port, m.id)
    if m.kind == "const":
        cell = netlist.cells[m.cell]
        arg = cell.args[m.arg]
        v = (const_value(arg) + m.delta) % (1 << len(arg))
        args = list(cell.args)
        args[m.arg] = const_nets(v, len(arg))
        cells = list(netlist.cells)
        cells[m.cell] = dataclasses.replace(cell, args=tuple(args))
        return with_cells(netlist, cells)
    if fmt is None:
        raise ValueError(f"semantic mutant {m.id} needs the number format")
    b = _Builder(netlist, m.id)
    if m.kind == "ftz":
        new = _flush_value(b, fmt, netlist.outputs[m.port])
        return _rewire_output(netlist, m.port, new, b.cells)
    if m.kind == "saturate":
        o = netlist.outputs[m.port]
        sign, _, _ = _fields(b, fmt, o)
        is_inf = b.eq_const(o, fmt.inf_code(0))
        if fmt.signed:
            is_inf = b.cell("|", 1, is_inf, b.eq_const(o, fmt.inf_code(1)))
        sat = b.mux(sign, const_nets(fmt.max_code | fmt.sign_bit, len(o)), const_nets(fmt.max_code, len(o)))
        return _rewire_output(netlist, m.port, b.mux(is_inf, sat, o), b.cells)
    if m.kind == "daz":
        out = netlist
        for port in m.port.split(","):
            b = _Builder(out, m.id)
            old = out.inputs[port]
            new = _flush_value(b, fmt, old)
            mapping = dict(zip(old, new))
            cells = [dataclasses.replace(c, args=tuple(tuple(mapping.get(n, n) for n in a) for a in c.args))
                     for c in out.cells]
            out = with_cells(out, b.cells + cells)
        return out
    raise ValueError(f"unknown semantic mutant kind {m.kind!r}")
