"""Elaborate a spec's `design` statement: a thin adapter onto `fpverify.hdl.design.resolve`.

The statement's parameters become neutral argument values (names, numbers, strings, nested
calls); the shared resolver converts them exactly as for ``fpverify sim`` (the spec's inline
formats included) and builds the class from its module or from the user's file (relative to the
spec). Problems with a parameter are reported at the design statement, problems inside a nested
call (``LMulPolicy(variant = Z)``) at that value, and errors raised by the user's own code at the
line of the user's file.
"""

from __future__ import annotations

from pathlib import Path

from ..hdl.design import ClassRef, Design, resolve, resolve_verilog
from ..hdl.design_args import Arg, Ctor, Lit, Loc, Sym, backticks
from . import ast
from .check import CheckedSpec

__all__ = ["design_args", "resolve_spec_design", "elaborate", "elaborate_design", "elaborate_cached",
           "elaborate_reference_cached"]


def _loc(pos: ast.Pos) -> Loc:
    return Loc(pos.file, pos.line, pos.col)


def _arg(v: ast.PValue, at: Loc | None = None) -> Arg:
    at = at or _loc(v.pos)
    if v.kind == "number":
        return Lit(int(v.value) if v.value.denominator == 1 else float(v.value), at)
    if v.kind == "string":
        return Lit(v.value, at)
    if v.kind == "name":
        return Sym(v.value, at)
    name, params = v.value
    return Ctor(name, (), tuple((p.name, _arg(p.value)) for p in params), at)


def design_args(d: ast.Design) -> tuple[tuple[str, Arg], ...]:
    """The statement's parameters as neutral ``(name, value)`` pairs."""
    at = _loc(d.pos)
    return tuple((p.name, _arg(p.value, at)) for p in d.params)


def resolve_spec_design(spec: CheckedSpec, build: bool = True, stmt: ast.Design | None = None) -> Design:
    """The spec's design (or ``stmt``, e.g. its `reference`), resolved (and with `build`,
    constructed)."""
    d = stmt or spec.design
    at = _loc(d.pos)
    base = Path(spec.file).resolve().parent
    if d.verilog:
        return resolve_verilog(d.verilog, d.cls, design_args(d), text=d.text, at=at, base_dir=base, build=build)
    return resolve(ClassRef(d.module, d.file, d.cls, at), (), design_args(d), text=d.text, base_dir=base,
                   formats=spec.formats, quote=backticks, build=build)


def named_ports(spec: CheckedSpec, which: str = "dut") -> tuple[list[str], list[str]]:
    """(inputs, outputs) the spec names on design ``which``: the ports of a plain Elaboratable.
    Inputs are shared by port name (a `reference` reads the design's); outputs are top-level names
    (``dut.out``, not ``dut.u_mul.p``)."""
    inputs = list(dict.fromkeys(p.port for p in spec.inputs.values()))
    outputs = list(dict.fromkeys(p.port for p in spec.outputs.values() if p.design == which and "." not in p.port))
    return inputs, outputs


def elaborate_design(spec: CheckedSpec):
    """(`Design`, netlist) of the spec's design."""
    design = resolve_spec_design(spec)
    return design, design.netlist(*named_ports(spec))


def elaborate(spec: CheckedSpec):
    """(component, netlist) of the spec's design."""
    design, netlist = elaborate_design(spec)
    return design.component, netlist


_CACHE: dict[tuple, tuple] = {}


def elaborate_cached(spec: CheckedSpec, stmt: ast.Design | None = None):
    """(component, netlist) of the spec's design (or of ``stmt``, e.g. its `reference`), elaborated
    once per process."""
    d = stmt or spec.design
    which = "ref" if stmt is not None and stmt is spec.reference_design else "dut"
    inputs, outputs = named_ports(spec, which)
    key = (str(Path(spec.file).resolve()) if Path(spec.file).exists() else spec.file, d.text, d.verilog,
           tuple(sorted((k, repr(v)) for k, v in spec.formats.items())), tuple(inputs), tuple(outputs))
    if key not in _CACHE:
        design = resolve_spec_design(spec, stmt=d)
        _CACHE[key] = design.component, design.netlist(inputs, outputs)
    return _CACHE[key]


def elaborate_reference_cached(spec: CheckedSpec):
    """(component, netlist) of the spec's `reference` design, or None without one."""
    if spec.reference_design is None:
        return None
    return elaborate_cached(spec, spec.reference_design)
