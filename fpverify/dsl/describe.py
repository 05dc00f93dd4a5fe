"""Counterexample text: each input and output as code and decoded value."""

from __future__ import annotations

from ..prove.render import code_text
from . import ast
from .check import CheckedSpec, Property, walk
from .types import FloatT, IntT


def describe(spec: CheckedSpec, netlist, prop: Property, values: dict[str, int], ev) -> str:
    """Counterexample text: each input and output, as code and decoded value."""
    lines = []
    for n, v in values.items():
        lines.append(f"  {n} = {format_value(spec.input_type(n), v)}")
    for n, p in spec.outputs.items():
        outs = ev.design_values(values, p.design)
        lines.append(f"  {n} = {format_value(p.type, outs.get(p.port, 0))}")
    for x in walk(prop.expr):  # every substituted instance the property looked at
        if isinstance(x, ast.Substitute):
            env = dict(values)
            for b in x.bindings:
                env[b.name] = ev.as_int(ev.eval(b.value, values), b.name)
            subst = ", ".join(f"{b.name} := {format_value(spec.input_type(b.name), env[b.name])}"
                              for b in x.bindings)
            for n, p in spec.outputs.items():
                o = ev.design_values(env, p.design)
                lines.append(f"  {n}[{subst}] = {format_value(p.type, o.get(p.port, 0))}")
    return "\n".join(lines)


def format_value(t, v: int) -> str:
    """A code of type ``t``: hex and decoded value for formats, decimal and binary for bits."""
    if isinstance(t, (FloatT, IntT)):
        return code_text(t.fmt, v)
    return f"{v} (0b{v:b})"
