"""Mutation operators on the netlist IR: pure, deterministic functions ``Netlist -> Netlist``.

Bit-level operators follow Yosys ``mutate`` (``inv``, ``const0``, ``const1``, ``cnot0``, ``cnot1``)
and act on one bit of one cell port:

* at an **input** port (``in<k>``), only that cell sees the faulty bit;
* at the **output** port (``out``), every consumer, every output port and every named signal sees it.

Word-level operators: ``opswap`` replaces a cell's operator by a plausible wrong one (``+``/``-``,
``u>>``/``s>>``, ``u<``/``u<=``, ``&``/``|``, ``==``/``!=``, mux arms swapped, ...) and ``const+1`` /
``const-1`` change a constant operand by one (mod 2^w).

Every `Mutation` has a stable id (the same netlist always yields the same ids) and a description
naming the cell, its source location and the nearest named signal.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Iterable, Sequence

from ..hdl.ir import CONST0, CONST1, Cell, Netlist, Value

BIT_OPERATORS = ("inv", "const0", "const1", "cnot0", "cnot1")
WORD_OPERATORS = ("opswap", "const")
ALL_OPERATORS = BIT_OPERATORS + WORD_OPERATORS

# Relative weights of the operator families in `sample_mutants` (each family's weight is spread
# evenly over the cells it applies to, so wide cells do not crowd out narrow ones).
DEFAULT_WEIGHTS = {"inv": 2.0, "const0": 1.5, "const1": 1.5, "cnot0": 1.0, "cnot1": 1.0,
                   "opswap": 2.0, "const": 1.0}

# op -> the wrong operators it is swapped for (all keep the cell's port widths valid)
OP_SWAPS: dict[str, tuple[str, ...]] = {
    "+": ("-",), "-": ("+",),
    "&": ("|", "^"), "|": ("&", "^"), "^": ("|", "&"),
    "~": ("neg",), "neg": ("~",),
    "r|": ("r&", "r^"), "b": ("r&", "r^"), "r&": ("r|",), "r^": ("r|",),
    "<<": ("u>>",), "u>>": ("s>>", "<<"), "s>>": ("u>>",),
    "==": ("!=",), "!=": ("==",),
    "u<": ("u<=", "s<"), "u<=": ("u<", "s<="), "u>": ("u>=", "s>"), "u>=": ("u>", "s>="),
    "s<": ("s<=", "u<"), "s<=": ("s<", "u<="), "s>": ("s>=", "u>"), "s>=": ("s>", "u>="),
    "u//": ("s//",), "s//": ("u//",), "u%": ("s%",), "s%": ("u%",),
    "m": ("m~",),  # mux with its two arms exchanged
}

# ops whose operands are data (constants there are worth nudging by one)
_CONST_OPS = {"+", "-", "*", "&", "|", "^", "<<", "u>>", "s>>", "==", "!=", "u<", "u<=", "u>",
              "u>=", "s<", "s<=", "s>", "s>=", "u//", "s//", "u%", "s%", "m", "assign", "part"}


@dataclass(frozen=True)
class Mutation:
    """One fault. ``kind`` is an operator name; the other fields locate it in the netlist."""

    id: str
    kind: str
    cell: int  # index into netlist.cells
    port: str = ""  # "out" or "in<k>" for bit operators; "in<k>" for const; "" for opswap
    bit: int = 0
    other: int = -1  # cnot: the other bit of the same port
    new_op: str = ""  # opswap
    delta: int = 0  # const: +1 / -1
    description: str = ""
    src: str = ""
    signal: str = ""  # nearest named signal

    def to_json(self) -> dict:
        return {k: v for k, v in dataclasses.asdict(self).items() if v not in ("", -1) or k == "id"}


# ---- netlist helpers ---------------------------------------------------------------------------


class NetIndex:
    """Who drives and who reads each net, and which named signals contain it."""

    def __init__(self, netlist: Netlist):
        self.netlist = netlist
        self.driver: dict[int, int] = {}
        self.readers: dict[int, list[int]] = defaultdict(list)
        for i, c in enumerate(netlist.cells):
            for n in c.out:
                self.driver[n] = i
            for a in c.args:
                for n in a:
                    if n > CONST1:
                        self.readers[n].append(i)
        self.net_names: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for name, value in sorted(netlist.signals.items()):
            for bit, n in enumerate(value):
                if n > CONST1:
                    self.net_names[n].append((name, bit))
        for name, value in sorted(netlist.outputs.items()):
            for bit, n in enumerate(value):
                if n > CONST1 and not self.net_names[n]:
                    self.net_names[n].append((name, bit))
        for name, value in sorted(netlist.inputs.items()):
            for bit, n in enumerate(value):
                if n > CONST1 and not self.net_names[n]:
                    self.net_names[n].append((name, bit))

    def name_of_net(self, net: int) -> str:
        """``sig[bit]`` for a named net (shortest name wins), else ''."""
        if net == CONST0 or net == CONST1:
            return f"const {net}"
        hits = self.net_names.get(net)
        if not hits:
            return ""
        name, bit = min(hits, key=lambda h: (len(h[0]), h[0]))
        return f"{name}[{bit}]"

    def nearest_signal(self, cell_index: int) -> str:
        """The named signal closest to a cell's output: its own output, else downstream (BFS), else
        upstream."""
        seen = {cell_index}
        queue = deque([cell_index])
        while queue:
            i = queue.popleft()
            for n in self.netlist.cells[i].out:
                if self.net_names.get(n):
                    name, _ = min(self.net_names[n], key=lambda h: (len(h[0]), h[0]))
                    return name
            for n in self.netlist.cells[i].out:
                for r in self.readers.get(n, ()):
                    if r not in seen:
                        seen.add(r)
                        queue.append(r)
        for a in self.netlist.cells[cell_index].args:
            for n in a:
                if self.net_names.get(n):
                    return min(self.net_names[n], key=lambda h: (len(h[0]), h[0]))[0]
        return ""


def _port_value(cell: Cell, port: str) -> Value:
    if port == "out":
        return cell.out
    return cell.args[int(port[2:])]


def _fresh(netlist: Netlist) -> int:
    return netlist.num_nets


def _with_arg(cell: Cell, k: int, value: Value) -> Cell:
    args = list(cell.args)
    args[k] = tuple(value)
    return dataclasses.replace(cell, args=tuple(args))


def _is_const(value: Value) -> bool:
    return len(value) > 0 and all(n in (CONST0, CONST1) for n in value)


def const_value(value: Value) -> int:
    return sum(1 << i for i, n in enumerate(value) if n == CONST1)


def const_nets(x: int, width: int) -> Value:
    return tuple(CONST1 if (x >> i) & 1 else CONST0 for i in range(width))


def with_cells(netlist: Netlist, cells: list[Cell]) -> Netlist:
    """A copy of ``netlist`` (ports, signals, signedness) with ``cells`` as its cells."""
    return Netlist(name=netlist.name, inputs=dict(netlist.inputs), outputs=dict(netlist.outputs),
                   signals=dict(netlist.signals), cells=cells, signed=dict(netlist.signed))


def redirect_net(netlist: Netlist, net: int, fault_cells: Sequence[Cell], new_net: int,
                 keep_cells: Iterable[int] = ()) -> Netlist:
    """Every reader of ``net`` (cell args except ``keep_cells``, outputs, signals) reads ``new_net``
    instead; ``fault_cells`` (which compute ``new_net``) go right after the driver of ``net`` (or
    first, for inputs and flip-flop state), which keeps the cells topologically ordered."""
    keep = set(keep_cells)
    driver = None
    for i, c in enumerate(netlist.cells):
        if net in c.out:
            driver = i
            break
    at = 0 if driver is None or netlist.cells[driver].op == "ff" else driver + 1
    cells: list[Cell] = []
    for i, c in enumerate(netlist.cells):
        if i not in keep and any(net in a for a in c.args):
            c = dataclasses.replace(c, args=tuple(tuple(new_net if n == net else n for n in a)
                                                  for a in c.args))
        cells.append(c)
    cells[at:at] = list(fault_cells)
    out = with_cells(netlist, cells)

    def sub(v: Value) -> Value:
        return tuple(new_net if n == net else n for n in v)

    out.outputs = {k: sub(v) for k, v in netlist.outputs.items()}
    out.signals = {k: sub(v) for k, v in netlist.signals.items()}
    return out


def override_nets(netlist: Netlist, nets: Value, make: "callable", src: str = "fault") -> Netlist:
    """Replace what readers see on each net of ``nets`` by ``make(net, fresh) -> [cells]`` whose last
    cell drives ``fresh``. Used for output-port faults and for forcing named signals."""
    for net in nets:
        if net in (CONST0, CONST1):
            continue
        fresh = _fresh(netlist)
        cells = make(net, fresh)
        netlist = redirect_net(netlist, net, cells, fresh)
    return netlist


# ---- enumerating and applying mutations ----------------------------------------------------------


def _bit_ports(cell: Cell) -> list[str]:
    if cell.op == "anyconst":
        return []
    ports = [f"in{k}" for k in range(len(cell.args))]
    if cell.op != "ff":
        ports.append("out")
    return ports


def enumerate_mutations(netlist: Netlist, operators: Sequence[str] | None = None) -> list[Mutation]:
    """Every mutation of the requested operator families (default: all), in a stable order."""
    ops = tuple(operators) if operators else ALL_OPERATORS
    unknown = set(ops) - set(ALL_OPERATORS)
    if unknown:
        raise ValueError(f"unknown mutation operator(s) {sorted(unknown)}; choose from {ALL_OPERATORS}")
    index = NetIndex(netlist)
    found: list[Mutation] = []
    for ci, cell in enumerate(netlist.cells):
        sig = index.nearest_signal(ci)
        where = f"cell #{ci} `{cell.op}`" + (f" ({cell.src})" if cell.src else "")
        near = f" near `{sig}`" if sig else ""

        def add(kind: str, port: str = "", bit: int = 0, other: int = -1, new_op: str = "",
                delta: int = 0, what: str = "") -> None:
            suffix = {"opswap": f":{cell.op}->{new_op}", "const": f":{delta:+d}"}.get(kind, "")
            pos = f".{port}" + (f"[{bit}]" if kind in BIT_OPERATORS else "") if port else ""
            other_s = f"^{other}" if other >= 0 else ""
            mid = f"c{ci}{pos}:{kind}{other_s}{suffix}"
            found.append(Mutation(id=mid, kind=kind, cell=ci, port=port, bit=bit, other=other,
                                  new_op=new_op, delta=delta, description=f"{what} at {where}{near}",
                                  src=cell.src, signal=sig))

        for port in _bit_ports(cell):
            value = _port_value(cell, port)
            for bit, net in enumerate(value):
                label = f"{port}[{bit}]" + (f" = {index.name_of_net(net)}" if index.name_of_net(net) else "")
                if "inv" in ops:
                    add("inv", port, bit, what=f"invert {label}")
                if "const0" in ops and net != CONST0:
                    add("const0", port, bit, what=f"stuck-at-0 {label}")
                if "const1" in ops and net != CONST1:
                    add("const1", port, bit, what=f"stuck-at-1 {label}")
                if len(value) > 1:
                    other = bit - 1 if bit > 0 else bit + 1  # neighbouring bit
                    # XOR of two constant bits that leaves the bit as it was is no mutation at all
                    const_pair = net in (CONST0, CONST1) and value[other] in (CONST0, CONST1)
                    if "cnot0" in ops and not (const_pair and value[other] == CONST0):
                        add("cnot0", port, bit, other, what=f"{label} ^= {port}[{other}]")
                    if "cnot1" in ops and not (const_pair and value[other] == CONST1):
                        add("cnot1", port, bit, other, what=f"{label} ^= ~{port}[{other}]")
        if "opswap" in ops:
            for new in OP_SWAPS.get(cell.op, ()):
                what = "mux arms swapped" if new == "m~" else f"operator `{cell.op}` replaced by `{new}`"
                add("opswap", new_op=new, what=what)
        if "const" in ops and cell.op in _CONST_OPS:
            for k, arg in enumerate(cell.args):
                if cell.op == "m" and k == 0:
                    continue
                if cell.op == "assign" and k % 2 == 1:  # assign conditions are 1-bit selects
                    continue
                if _is_const(arg) and len(arg) >= 2:
                    v = const_value(arg)
                    for d in (+1, -1):
                        nv = (v + d) % (1 << len(arg))
                        add("const", f"in{k}", delta=d, what=f"constant operand in{k} {v} -> {nv}")
    return found


def apply_mutation(netlist: Netlist, m: Mutation) -> Netlist:
    """The mutant netlist (a new object; ``netlist`` is not modified)."""
    cell = netlist.cells[m.cell]
    if m.kind == "opswap":
        if m.new_op == "m~":
            sel, a, b = cell.args
            new = dataclasses.replace(cell, args=(sel, b, a))
        else:
            new = dataclasses.replace(cell, op=m.new_op)
        cells = list(netlist.cells)
        cells[m.cell] = new
        return with_cells(netlist, cells)
    if m.kind == "const":
        k = int(m.port[2:])
        arg = cell.args[k]
        v = (const_value(arg) + m.delta) % (1 << len(arg))
        cells = list(netlist.cells)
        cells[m.cell] = _with_arg(cell, k, const_nets(v, len(arg)))
        return with_cells(netlist, cells)
    if m.kind not in BIT_OPERATORS:
        raise ValueError(f"unknown mutation kind {m.kind!r}")
    value = _port_value(cell, m.port)
    net = value[m.bit]
    other = value[m.other] if m.other >= 0 else None
    fresh = _fresh(netlist)
    src = f"fault {m.id}"
    if m.kind == "inv":
        fault = [Cell("~", (fresh,), ((net,),), src=src)]
    elif m.kind == "const0":
        fault = [Cell("&", (fresh,), ((net,), (CONST0,)), src=src)]
    elif m.kind == "const1":
        fault = [Cell("|", (fresh,), ((net,), (CONST1,)), src=src)]
    elif m.kind == "cnot0":
        fault = [Cell("^", (fresh,), ((net,), (other,)), src=src)]
    else:  # cnot1: xnor
        fault = [Cell("^", (fresh + 1,), ((net,), (other,)), src=src),
                 Cell("~", (fresh,), ((fresh + 1,),), src=src)]
    if m.port == "out":
        return redirect_net(netlist, net, fault, fresh)
    # input port: only this cell reads the faulty bit; fault cells go right before it
    k = int(m.port[2:])
    arg = list(cell.args[k])
    arg[m.bit] = fresh
    cells = list(netlist.cells)
    cells[m.cell] = _with_arg(cell, k, arg)
    if cell.op == "ff":  # a flip-flop reads its data after all combinational logic
        cells.extend(fault)
    else:
        cells[m.cell:m.cell] = fault
    return with_cells(netlist, cells)


def sample_mutants(netlist: Netlist, n: int, seed: int = 0, operators: Sequence[str] | None = None,
                   weights: dict[str, float] | None = None) -> list[Mutation]:
    """``n`` distinct mutations drawn without replacement, deterministically from ``seed``.

    Each operator family gets its weight (`DEFAULT_WEIGHTS`), spread evenly over the cells it applies
    to and then over the ports/bits inside a cell (like Yosys ``mutate -list``, which spreads
    mutants over wires and source lines). Returned in the order drawn.
    """
    cands = enumerate_mutations(netlist, operators)
    if n >= len(cands):
        return cands
    w = dict(DEFAULT_WEIGHTS)
    w.update(weights or {})
    per_cell = defaultdict(int)
    cells_of = defaultdict(set)
    for m in cands:
        per_cell[(m.kind, m.cell)] += 1
        cells_of[m.kind].add(m.cell)
    rng = random.Random(seed)
    keyed = []
    for m in cands:
        weight = w.get(m.kind, 1.0) / len(cells_of[m.kind]) / per_cell[(m.kind, m.cell)]
        if weight <= 0:
            continue
        u = rng.random()
        # Efraimidis–Spirakis: the n largest u^(1/w) form a weighted sample without replacement
        keyed.append((math.log(u if u > 0 else 1e-300) / weight, m))
    keyed.sort(key=lambda t: t[0], reverse=True)
    return [m for _, m in keyed[:n]]


def find_mutation(netlist: Netlist, mutation_id: str) -> Mutation:
    for m in enumerate_mutations(netlist):
        if m.id == mutation_id:
            return m
    raise KeyError(f"no mutation {mutation_id!r} in {netlist.name}")
