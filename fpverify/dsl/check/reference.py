"""The spec's `reference` design: its statements, and binding it to its elaborated netlist.

The reference reads the same inputs as the design: each of its input ports is bound to the spec
input that the design's port of the same name is bound to (same width), or is the spec's `clock`
or `reset`. Its latency is its own (`reference latency N`); `ref.` outputs and signals are checked
against its netlist."""

from __future__ import annotations

from ...hdl.reset import ResetSequence
from .. import ast
from ..types import BitsT, type_width
from .binding import signal_width
from .located import err, only_once
from .results import Port, ReferenceBinding
from .scope import Scope
from .walker import walk


def reference_statements(stmts: list) -> tuple[ast.Reference | None, ast.ReferenceLatency | None]:
    """The `reference` and `reference latency` statements (at most one each)."""
    ref = lat = None
    for st in stmts:
        if isinstance(st, ast.Reference):
            ref = only_once(ref, st, "a spec has one reference")
        elif isinstance(st, ast.ReferenceLatency):
            only_once(lat, st, "the reference latency is given twice")
            if st.cycles > 64:
                raise err(f"latency {st.cycles} is out of range (0..64)", st.pos)
            lat = st
    if lat is not None and ref is None:
        raise err("`reference latency` without a `reference` statement", lat.pos)
    return ref, lat


def reads_reference(scope: Scope, e: ast.Expr) -> bool:
    """Whether ``e`` reads the reference (a `ref.` signal or an output bound to one)."""
    return any((isinstance(x, ast.Signal) and x.design == "ref")
               or (isinstance(x, ast.Name) and x.id in scope.outputs and scope.outputs[x.id].design == "ref")
               for x in walk(e))


def check_reference_signals(scope: Scope, ref: ast.Reference | None) -> None:
    """`ref.` outputs need a `reference` statement (checked before any elaboration)."""
    for p in scope.outputs.values():
        if p.design == "ref" and ref is None:
            raise err(f"`ref.{p.port}`: the spec has no `reference` design to read it from", p.pos)


def bind_reference(scope: Scope, ref: ast.Reference, lat: ast.ReferenceLatency | None, netlist,
                   ref_netlist, ref_component, clock: ast.Clock | None, reset: ast.Reset | None
                   ) -> ReferenceBinding:
    """Check the reference's inputs, latency and `ref.` outputs against its netlist (after the
    design's own binding, so untyped `bits` inputs already have their widths)."""
    by_port = {p.port: name for name, p in scope.inputs.items()}
    inputs: dict[str, str] = {}
    held: dict[str, int] = {}
    has_reset = False
    for q, bits in ref_netlist.inputs.items():
        if q in by_port:
            width = len(netlist.inputs[q])
            if len(bits) != width:
                raise err(f"reference input `ref.{q}` is {len(bits)} bits but `dut.{q}` (input "
                          f"`{by_port[q]}`) is {width} bits", ref.pos)
            inputs[q] = by_port[q]
        elif clock is not None and q == clock.port:
            held[q] = 0
        elif reset is not None and q == reset.port:
            if len(bits) != 1:
                raise err(f"the reset `ref.{q}` is {len(bits)} bits; a reset is one bit", ref.pos)
            held[q] = 1 - reset.value
            has_reset = True
        else:
            known = ", ".join(sorted(by_port)) or "none"
            raise err(f"reference input `ref.{q}` is not bound: the reference reads the inputs of the "
                      f"design's ports of the same names ({known}), the clock and the reset", ref.pos)
    for name, p in list(scope.outputs.items()):
        if p.design != "ref":
            continue
        width = signal_width(ref_netlist, p.port, p.pos, "ref", outputs_first=True)
        if isinstance(p.type, BitsT) and p.type.width is None:
            scope.outputs[name] = Port(p.name, p.port, BitsT(width), p.pos, p.direction, p.design)
        else:
            want = type_width(p.type)
            if want is not None and want != width:
                raise err(f"port `ref.{p.port}` is {width} bits but `{p.type}` is {want} bits", p.pos)
    latency = _latency(ref, lat, ref_netlist, ref_component)
    seq = ResetSequence(reset.port, reset.value, reset.cycles) if has_reset else None
    return ReferenceBinding(ref.design, latency, ref_netlist, inputs, held, seq)


def _latency(ref: ast.Reference, lat: ast.ReferenceLatency | None, ref_netlist, component) -> int:
    stated = lat.cycles if lat is not None else None
    want = getattr(component, "latency", None)
    if ref_netlist.is_sequential and stated is None:
        raise err(f"the reference is sequential (latency {want if want is not None else '?'}): "
                  f"state it with `reference latency N`", ref.pos)
    if not ref_netlist.is_sequential and stated not in (None, 0):
        raise err(f"the reference is combinational but the spec says reference latency {stated}",
                  lat.pos)
    if ref_netlist.is_sequential and want is not None and stated != want:
        raise err(f"the spec says reference latency {stated} but the reference has latency {want}", lat.pos)
    return stated or 0
