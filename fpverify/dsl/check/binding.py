"""Binding a checked spec to the elaborated design: ports exist, widths agree, latency matches,
and the width of any `dut.` signal."""

from __future__ import annotations

from ...hdl.reset import looks_active_low, looks_like_clock, looks_like_reset
from .. import ast
from ..types import BitsT, type_width
from .located import err
from .results import Port
from .scope import Scope


def signal_width(netlist, path: str, pos: ast.Pos, design: str = "dut", outputs_first: bool = False) -> int:
    """Width of a port or internal signal of ``netlist`` (the `design` or `reference`, named
    ``design`` in messages); an error at ``pos`` if there is none."""
    if outputs_first and path in netlist.outputs:
        return len(netlist.outputs[path])
    if path in netlist.inputs:
        return len(netlist.inputs[path])
    if path in netlist.outputs:
        return len(netlist.outputs[path])
    try:
        return len(netlist.signal(path))
    except KeyError as e:
        raise err(f"unknown signal `{design}.{path}`: {e.args[0]}", pos) from None


def bind(scope: Scope, netlist, component, design: ast.Design, latency: int | None,
         clock: ast.Clock | None = None, reset: ast.Reset | None = None,
         reference_inputs: frozenset[str] = frozenset()) -> None:
    """Check ports, clock, reset and latency against ``netlist``; fill in the widths of untyped
    `bits`. Every design input must be an `input`, the `clock` or the `reset`; a clock or reset
    may be missing from the design when it is an input of the `reference` (``reference_inputs``)."""
    bound_ports = set()
    for p in scope.inputs.values():
        if p.port not in netlist.inputs:
            known = ", ".join(sorted(netlist.inputs))
            raise err(f"design has no input port `{p.port}` (inputs: {known})", p.pos)
        if p.port in bound_ports:
            raise err(f"input port `{p.port}` is bound twice", p.pos)
        bound_ports.add(p.port)
        _check_input_width(scope, p, len(netlist.inputs[p.port]))
    for st, what in ((clock, "clock"), (reset, "reset")):
        if st is None:
            continue
        if st.port not in netlist.inputs:
            if st.port in reference_inputs:
                continue  # the reference's clock or reset (a combinational design against a pipeline)
            known = ", ".join(sorted(netlist.inputs))
            raise err(f"design has no input port `{st.port}` for the {what} (inputs: {known})", st.pos)
        if st.port in bound_ports:
            raise err(f"`{st.port}` is both an `input` and the {what}: the {what} statement says "
                      f"what it carries, drop the `input`", st.pos)
        if what == "reset" and len(netlist.inputs[st.port]) != 1:
            raise err(f"the reset `{st.port}` is {len(netlist.inputs[st.port])} bits; a reset is one bit",
                      st.pos)
        bound_ports.add(st.port)
    missing = [k for k in netlist.inputs if k not in bound_ports]
    for m in missing:
        hint = _clock_or_reset_hint(m)
        if hint:
            raise err(hint, design.pos)
    if missing:
        raise err(f"design input(s) {', '.join(f'`{m}`' for m in missing)} not bound: declare them, "
                  f"e.g. `input {missing[0]} : bits[{len(netlist.inputs[missing[0]])}]`", design.pos)
    for name, p in list(scope.outputs.items()):
        if p.design != "dut":
            continue  # `ref.` outputs: `reference.bind_reference`
        width = signal_width(netlist, p.port, p.pos, outputs_first=True)
        if isinstance(p.type, BitsT) and p.type.width is None:
            scope.outputs[name] = Port(p.name, p.port, BitsT(width), p.pos, p.direction)
        else:
            _check_width(p, width)
    seq = netlist.is_sequential
    want = getattr(component, "latency", None)
    if seq and latency is None:
        raise err(f"the design is sequential (latency {want if want is not None else '?'}): "
                  f"state it with `latency N`", design.pos)
    if not seq and latency not in (None, 0):
        raise err(f"the design is combinational but the spec says latency {latency}", design.pos)
    if seq and want is not None and latency != want:
        raise err(f"the spec says latency {latency} but the design has latency {want}", design.pos)


def _clock_or_reset_hint(port: str) -> str | None:
    """What to write for an unbound design input named like a reset or a clock (None otherwise)."""
    if looks_like_reset(port):
        active = 0 if looks_active_low(port) else 1
        return (f"design input `{port}` looks like a reset and the spec does not say what it carries: "
                f"write `reset {port} = {active} for 1 cycles` (the design is reset, then `{port}` is "
                f"{1 - active} while the inputs are read), or declare it (`input {port} : bits[1]`) "
                f"and fix it with `assume {port} == {1 - active}`")
    if looks_like_clock(port):
        return (f"design input `{port}` looks like a clock: write `clock {port}` (flip-flops are "
                f"clocked implicitly, one edge per cycle; the port's value is irrelevant)")
    return None


def _check_input_width(scope: Scope, p: Port, width: int) -> None:
    if isinstance(p.type, BitsT) and p.type.width is None:
        scope.inputs[p.name] = Port(p.name, p.port, BitsT(width), p.pos, p.direction)
        return
    _check_width(p, width)


def _check_width(p: Port, width: int) -> None:
    want = type_width(p.type)
    if want is not None and want != width:
        raise err(f"port `dut.{p.port}` is {width} bits but `{p.type}` is {want} bits", p.pos)


def flags_output(scope: Scope, f) -> str:
    """The declared output named by ``with flags f``: bits of the design, at least 5 wide."""
    if f.id not in scope.outputs:
        raise err(f"unknown output `{f.id}` for flags", f.pos)
    port = scope.outputs[f.id]
    if not isinstance(port.type, BitsT) or port.design != "dut":
        raise err(f"flags output `{f.id}` must be bits of the design, not {port.type}", f.pos)
    if port.type.width is not None and port.type.width < 5:
        raise err(f"flags output `{f.id}` is {port.type.width} bits; IEEE flags need 5", f.pos)
    return f.id


def random_bits_input(scope: Scope, kw, rounding) -> str:
    """The declared ``bits[N]`` input a ``random = r`` keyword names, for the stochastic ``rounding``
    (any other rounding, or no rounding, is an error at the keyword)."""
    if rounding is None or not rounding.mode.stochastic:
        raise err("`random=` only goes with a stochastic rounding mode (sraN, srbN, srcN)", kw.pos)
    v = kw.value
    if not isinstance(v, ast.Name) or v.id not in scope.inputs:
        raise err("`random=` takes a declared bits input (`input r = dut.rbits : bits[N]`)", v.pos)
    t = scope.inputs[v.id].type
    if not isinstance(t, BitsT) or t.width != rounding.nbits:
        raise err(f"random input `{v.id}` must be bits[{rounding.nbits}] for {rounding}, not {t}", v.pos)
    return v.id
