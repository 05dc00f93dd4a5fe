"""fpverify's own flat netlist IR: what every backend (numpy evaluator, z3 translator, mutator)
consumes. Only `fpverify.hdl.netlist` (the Amaranth adapter) knows how Amaranth's private NIR
looks, and only `fpverify.hdl.yosys_json` (the Verilog adapter) knows Yosys's JSON; everything
else sees these types.

Nets are ints. Net 0 is constant 0, net 1 is constant 1. A `Value` is a tuple of nets, LSB first.
Each cell drives the nets in its ``out`` (fresh ids, never shared). ``cells`` are in topological
order for combinational logic; flip-flop outputs are state and may be used before the flip-flop
cell appears.

Cell ops and semantics (widths already resolved, as in Amaranth NIR; all arithmetic mod 2^w):

=================  ==================  =======================================================
op                 args                meaning
=================  ==================  =======================================================
``~`` ``neg``      (a,)                bitwise not; two's-complement negate
``b`` ``r|``       (a,)                1 bit: a != 0
``r&`` ``r^``      (a,)                1 bit: a is all ones (1 for width 0); parity
``+ - * & | ^``    (a, b)              same widths in and out
``u// s//``        (a, b)              floor division; x // 0 = 0
``u% s%``          (a, b)              floor modulo (sign of divisor); x % 0 = 0
``<<``             (a, amt)            out width = width(a); amt unsigned, shift >= w gives 0
``u>> s>>``        (a, amt)            logical / arithmetic right shift
``== != u< ...``   (a, b)              1 bit; ``u< u> u<= u>= s< s> s<= s>=``
``m``              (sel, a, b)         sel (1 bit) ? a : b
``part``           (value, offset)     params: value_signed, width, stride;
                                       ``(ext(value) >> offset*stride)[:width]``
``matches``        (value,)            params: patterns (MSB-first strings of 0/1/-); 1 bit OR
``priority_match`` (en, inputs)        out[i] = en & inputs[i] & ~any(inputs[:i])
``assign``         (default, c0, v0,   params: starts; start from default; for each i in order,
                   c1, v1, ...)        if c_i (1 bit) write v_i into bits [start_i, ...)
``ff``             (data,) or          params: init, domain, clk_edge; out is the state, data
                   (data, arst)        the next; with ``arst`` (1 bit) the state resets to init
``anyconst``       ()                  params: kind ('anyconst'/'anyseq'); a free value
``initial``        ()                  1 bit: 1 in the initial state (cycle 0), then 0
``property``       (test, en)          out = (); params: kind (assert/assume/cover), clocked
=================  ==================  =======================================================

Produced by `fpverify.hdl.netlist.flatten` (`Print` cells are dropped; Memory/Instance/IOBuffer
are rejected) and by `fpverify.hdl.yosys_json` (docs/verilog.md). Input ports get the lowest net ids, then each cell's outputs, in cell order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Value = tuple[int, ...]

CONST0 = 0
CONST1 = 1


@dataclass(frozen=True)
class Cell:
    op: str
    out: Value
    args: tuple[Value, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()
    src: str = ""  # "file:line" of the Amaranth source that made it, when known

    def param(self, name: str, default: Any = None) -> Any:
        for k, v in self.params:
            if k == name:
                return v
        return default


@dataclass
class Netlist:
    name: str
    inputs: dict[str, Value] = field(default_factory=dict)
    outputs: dict[str, Value] = field(default_factory=dict)
    signals: dict[str, Value] = field(default_factory=dict)  # every named signal, "sub.name" for hierarchy
    cells: list[Cell] = field(default_factory=list)
    signed: dict[str, bool] = field(default_factory=dict)  # signedness of named signals/ports

    @property
    def num_nets(self) -> int:
        top = 1
        for c in self.cells:
            if c.out:
                top = max(top, max(c.out))
        for v in self.inputs.values():
            if v:
                top = max(top, max(v))
        return top + 1

    @property
    def is_sequential(self) -> bool:
        return any(c.op == "ff" for c in self.cells)

    def signal(self, name: str) -> Value:
        """A named signal; a unique suffix match ('round_sticky' for 'mul.round_sticky') is accepted."""
        if name in self.signals:
            return self.signals[name]
        hits = [k for k in self.signals if k.endswith("." + name) or k.split(".")[-1] == name]
        if len(hits) == 1:
            return self.signals[hits[0]]
        if not hits:
            raise KeyError(f"no signal {name!r} in {self.name}")
        raise KeyError(f"signal name {name!r} is ambiguous in {self.name}: {', '.join(sorted(hits))}")
