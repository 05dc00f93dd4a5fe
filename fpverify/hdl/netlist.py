"""Amaranth → fpverify IR adapter. The ONLY module that touches Amaranth's private netlist API
(``amaranth.hdl._ir`` / ``amaranth.hdl._nir``, pinned to 0.5.x).

`flatten(design)` elaborates one instance, builds Amaranth's NIR netlist and re-encodes it as an
`ir.Netlist`: fresh contiguous net ids (inputs first, then each cell's outputs in topological
order), every named signal under its hierarchical name, signedness and source locations.
"""

from __future__ import annotations

import sys
from collections import deque
from contextlib import contextmanager
from typing import Any, Iterable, Mapping

from amaranth.hdl import Fragment
from amaranth.hdl import _ast, _ir, _nir
from amaranth.lib import wiring

from . import ir

__all__ = ["NetlistError", "flatten", "component_ports"]


class NetlistError(Exception):
    """The design cannot be represented in the IR (unsupported cell, bad ports, cycle...)."""


PortSpec = Iterable[Any] | Mapping[str, Any] | None


def component_ports(component: Any) -> list[tuple[str, _ast.Value, _ir.PortDirection]]:
    """Ports of a `wiring.Component` from its signature, named like Amaranth's RTLIL backend."""
    ports = []
    for path, member, value in component.signature.flatten(component):
        if isinstance(value, _ast.ValueCastable):
            value = value.as_value()
        if not isinstance(value, _ast.Value):
            continue
        direction = _ir.PortDirection.Input if member.flow == wiring.In else _ir.PortDirection.Output
        ports.append(("__".join(map(str, path)), value, direction))
    return ports


def has_signature(design: Any) -> bool:
    """``design`` declares its ports (a `wiring.Component`); a plain Elaboratable does not."""
    return isinstance(getattr(design, "signature", None), wiring.Signature)


def signal_attributes(design: Any) -> dict[str, _ast.Value]:
    """The design's public attributes that are Amaranth values (a plain Elaboratable's would-be ports)."""
    out = {}
    for k, v in vars(design).items():
        if k.startswith("_"):
            continue
        if isinstance(v, _ast.ValueCastable):
            v = v.as_value()
        if isinstance(v, _ast.Value):
            out[k] = v
    return out


def attribute_ports(design: Any, inputs: Iterable[str], outputs: Iterable[str]) -> list[tuple[str, _ast.Value, Any]]:
    """Ports of a plain Elaboratable named by the caller: attribute ``name`` of ``design`` becomes
    port ``name`` (inputs and outputs as given). Raises `NetlistError` naming a missing attribute."""
    attrs = signal_attributes(design)
    ports = []
    for names, direction in ((inputs, _ir.PortDirection.Input), (outputs, _ir.PortDirection.Output)):
        for name in names:
            if name not in attrs:
                have = ", ".join(sorted(attrs)) or "none"
                raise NetlistError(f"{type(design).__name__} has no signal attribute `{name}` "
                                   f"(its signal attributes: {have})")
            ports.append((name, attrs[name], direction))
    return ports


def _normalize_ports(design: Any, ports: PortSpec) -> list[tuple[str, _ast.Value, Any]]:
    if ports is None:
        if isinstance(getattr(design, "signature", None), wiring.Signature):
            return component_ports(design)
        raise NetlistError(f"{type(design).__name__} is a plain Elaboratable (not a wiring.Component), so its "
                           "ports must be named: in a spec, bind them (`input a = dut.in_a : FORMAT`, "
                           "`output y = dut.out : FORMAT`)")
    if isinstance(ports, Mapping):
        items = [(str(k), v, None) for k, v in ports.items()]
    else:
        items = []
        for p in ports:
            if isinstance(p, tuple):
                name, sig = p[0], p[1]
                items.append((str(name), sig, p[2] if len(p) > 2 else None))
            elif isinstance(p, _ast.Signal):
                items.append((p.name, p, None))
            else:
                raise NetlistError(f"bad port {p!r}: give a Signal or (name, value[, direction])")
    out = []
    for name, value, direction in items:
        if isinstance(value, _ast.ValueCastable):
            value = value.as_value()
        if not isinstance(value, _ast.Value):
            raise NetlistError(f"port {name!r} is not an Amaranth value: {value!r}")
        out.append((name, value, direction))
    return out


@contextmanager
def _recursion_headroom(limit: int = 20000):
    # Amaranth's own cycle check and emitter recurse over deep datapaths.
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def _src(src_loc) -> str:
    if not src_loc:
        return ""
    return f"{src_loc[0]}:{src_loc[1]}"


_UNSUPPORTED = (_nir.Memory, _nir.SyncWritePort, _nir.AsyncReadPort, _nir.SyncReadPort,
                _nir.Instance, _nir.IOBuffer)
_IGNORED = (_nir.AsyncPrint, _nir.SyncPrint)


def _cell_width(cell) -> int:
    if isinstance(cell, _nir.Operator):
        return cell.width
    if isinstance(cell, _nir.Part):
        return cell.width
    if isinstance(cell, (_nir.Matches, _nir.Initial)):
        return 1
    if isinstance(cell, _nir.PriorityMatch):
        return len(cell.inputs)
    if isinstance(cell, _nir.AssignmentList):
        return len(cell.default)
    if isinstance(cell, _nir.FlipFlop):
        return len(cell.data)
    if isinstance(cell, _nir.AnyValue):
        return cell.width
    return 0


def _cell_inputs(cell) -> list[_nir.Net]:
    """Nets a cell reads combinationally (flip-flop data is excluded: it is read at the edge)."""
    if isinstance(cell, _nir.FlipFlop):
        return [cell.arst]
    return list(cell.input_nets())


def flatten(design: Any, ports: PortSpec = None, name: str | None = None) -> ir.Netlist:
    """Elaborate `design` (a `wiring.Component` or any Elaboratable with `ports`) into an IR netlist.

    `ports` may be a list of Signals, of ``(name, value[, PortDirection])`` tuples, or a dict
    ``name -> value``. For a Component it defaults to its signature, taken from the same instance.
    """
    port_list = _normalize_ports(design, ports)
    top_name = name or type(design).__name__
    try:
        with _recursion_headroom():
            fragment = Fragment.get(design, platform=None)
            nir = _ir.build_netlist(fragment, ports=port_list, name="top")
    except _nir.CombinationalCycle as e:
        raise NetlistError(f"{top_name}: {e}") from None
    nl = _convert(nir, top_name)
    for pname, value, _dir in port_list:
        if pname in nl.inputs or pname in nl.outputs:
            nl.signed[pname] = value.shape().signed
    return nl


def _convert(nir: _nir.Netlist, top_name: str) -> ir.Netlist:
    cells = nir.cells
    for idx, cell in enumerate(cells):
        if isinstance(cell, _UNSUPPORTED):
            kind = type(cell).__name__
            label = getattr(cell, "name", "") or getattr(cell, "type", "")
            raise NetlistError(
                f"{top_name}: unsupported Amaranth cell {kind}{' ' + repr(label) if label else ''}"
                f" at {_src(cell.src_loc) or 'unknown location'} (cell {idx}); fpverify handles"
                " combinational logic and flip-flops only")

    nl = ir.Netlist(name=top_name)
    next_net = 2
    top = nir.top

    # Top-level inputs get contiguous ids first.
    top_map: dict[int, int] = {}
    for pname, (start, width) in top.ports_i.items():
        nl.inputs[pname] = tuple(range(next_net, next_net + width))
        for b in range(width):
            top_map[start + b] = next_net + b
        next_net += width

    # Topological order over cells (Kahn), flip-flop data edges cut.
    live = [i for i in range(1, len(cells)) if not isinstance(cells[i], _IGNORED)]
    deps: dict[int, set[int]] = {}
    users: dict[int, list[int]] = {i: [] for i in live}
    for i in live:
        d = {int(n) >> 16 for n in _cell_inputs(cells[i]) if int(n) >= 2}
        d.discard(0)
        d.discard(i)
        deps[i] = d
        for j in d:
            users[j].append(i)
    pending = {i: len(deps[i]) for i in live}
    queue = deque(sorted(i for i in live if pending[i] == 0))
    order: list[int] = []
    while queue:
        i = queue.popleft()
        order.append(i)
        for u in users[i]:
            pending[u] -= 1
            if pending[u] == 0:
                queue.append(u)
    if len(order) != len(live):
        stuck = sorted(i for i in live if pending[i] > 0)[:5]
        raise NetlistError(f"{top_name}: combinational cycle through cells {stuck}")

    base: dict[int, int] = {}
    for i in order:
        base[i] = next_net
        next_net += _cell_width(cells[i])

    def net(n: _nir.Net) -> int:
        n = int(n)
        if n < 2:
            return n
        c, b = n >> 16, n & 0xFFFF
        if c == 0:
            return top_map[b]
        if c not in base:
            raise NetlistError(f"{top_name}: net {c}.{b} is driven by an ignored cell")
        return base[c] + b

    def val(v) -> ir.Value:
        return tuple(net(n) for n in v)

    # Clock nets -> domain names (from the signal names of top-level inputs).
    clk_domain: dict[int, str] = {}
    for pname, v in nl.inputs.items():
        if len(v) == 1 and (pname == "clk" or pname.endswith("_clk")):
            clk_domain[v[0]] = "sync" if pname == "clk" else pname[: -len("_clk")]

    for i in order:
        cell = cells[i]
        out = tuple(range(base[i], base[i] + _cell_width(cell)))
        src = _src(cell.src_loc)
        if isinstance(cell, _nir.Operator):
            op = "neg" if (cell.operator == "-" and len(cell.inputs) == 1) else cell.operator
            c = ir.Cell(op, out, tuple(val(v) for v in cell.inputs), (), src)
        elif isinstance(cell, _nir.Part):
            c = ir.Cell("part", out, (val(cell.value), val(cell.offset)),
                        (("value_signed", bool(cell.value_signed)), ("width", cell.width),
                         ("stride", cell.stride)), src)
        elif isinstance(cell, _nir.Matches):
            c = ir.Cell("matches", out, (val(cell.value),), (("patterns", tuple(cell.patterns)),), src)
        elif isinstance(cell, _nir.PriorityMatch):
            c = ir.Cell("priority_match", out, ((net(cell.en),), val(cell.inputs)), (), src)
        elif isinstance(cell, _nir.AssignmentList):
            args: list[ir.Value] = [val(cell.default)]
            starts = []
            for a in cell.assignments:
                args.append((net(a.cond),))
                args.append(val(a.value))
                starts.append(a.start)
            c = ir.Cell("assign", out, tuple(args), (("starts", tuple(starts)),), src)
        elif isinstance(cell, _nir.FlipFlop):
            clk = net(cell.clk)
            params = [("init", int(cell.init) & ((1 << len(out)) - 1)),
                      ("domain", clk_domain.get(clk, f"net{clk}")), ("clk_edge", cell.clk_edge)]
            args = [val(cell.data)]
            if int(cell.arst) != 0:
                args.append((net(cell.arst),))
            c = ir.Cell("ff", out, tuple(args), tuple(params), src)
        elif isinstance(cell, _nir.AnyValue):
            c = ir.Cell("anyconst", out, (), (("kind", cell.kind),), src)
        elif isinstance(cell, _nir.Initial):
            c = ir.Cell("initial", out, (), (), src)
        elif isinstance(cell, (_nir.AsyncProperty, _nir.SyncProperty)):
            c = ir.Cell("property", (), ((net(cell.test),), (net(cell.en),)),
                        (("kind", cell.kind), ("clocked", isinstance(cell, _nir.SyncProperty))), src)
        else:  # pragma: no cover - new cell kinds in a future Amaranth
            raise NetlistError(f"{top_name}: unknown Amaranth cell {type(cell).__name__} (cell {i})")
        nl.cells.append(c)

    for pname, v in top.ports_o.items():
        nl.outputs[pname] = val(v)

    # Named signals: one canonical name per Signal, from the deepest module that names it.
    best = _ast.SignalDict()
    for module in nir.modules:
        path = tuple(module.name[1:])
        for sig, sname in module.signal_names.items():
            full = ".".join(path + (sname,))
            depth = len(path)
            prev = best.get(sig)
            if prev is None or depth > prev[0]:
                best[sig] = (depth, full)
    for sig, value in nir.signals.items():
        entry = best.get(sig)
        sname = entry[1] if entry else sig.name
        if sname in nl.signals:
            continue
        nl.signals[sname] = val(value)
        nl.signed[sname] = sig.shape().signed
    for pname in list(nl.inputs) + list(nl.outputs):
        nl.signals.setdefault(pname, nl.inputs[pname] if pname in nl.inputs else nl.outputs[pname])
    return nl
