"""Which equivalence properties a decomposition strategy (`use strategy decompose_*`) can prove,
and the port values their assumptions fix."""

from __future__ import annotations

from ...prove.decompose.strategy import FAMILIES
from ...semantics.ops import family_members
from .. import ast
from ..types import BitsT
from .located import err
from .results import CheckedSpec, Property

DECOMPOSE_OPS = {fam: family_members(fam) for fam in FAMILIES}  # strategy family -> ops it decomposes


def decompose_fixed(spec: CheckedSpec, prop: Property) -> tuple[tuple[str, int], ...]:
    """The port values an equivalence property's assumptions fix, for the decomposition engine.

    The engine proves the miter over every value of the operands, so the only assumptions it can
    honour are ``INPUT == CONSTANT`` on a non-operand input (e.g. ``assuming s == 0`` on a `sub`
    port), which fix that port. Anything else raises at the ``use strategy`` line: proving the
    property without the assumption could refute a correct design, and silently dropping it
    would prove something other than what the spec says."""
    st, pos = spec.decompose, spec.decompose_pos
    eq = prop.equivalence
    if eq.op not in DECOMPOSE_OPS.get(st.family, ()):
        raise err(f"strategy `{st.name}` decomposes {st.family} units; property `{prop.name}` "
                  f"(line {prop.pos.line}) is `{eq.op}`", pos)
    if prop.splits:
        raise err(f"strategy `{st.name}` brings its own case split; property `{prop.name}` "
                  f"(line {prop.pos.line}) cannot also use `split on`", pos)
    if eq.rounding_input is not None and st.isolate:
        raise err(f"strategy `{st.name}` needs a static rounding mode; property `{prop.name}` "
                  f"(line {prop.pos.line}) takes it from input `{eq.rounding_input}`", pos)
    fixed: dict[str, int] = {}
    for a in prop.assumptions:
        v = fixed_port(spec, prop, a)
        if v is None:
            raise err(f"strategy `{st.name}` cannot prove property `{prop.name}` (line {prop.pos.line}) "
                      f"under the assumption at line {a.pos.line}: the decomposition engine only "
                      f"takes `INPUT == CONSTANT` on a non-operand input (it fixes that port); "
                      f"drop the strategy or the assumption", pos)
        port, value = v
        if fixed.get(port, value) != value:
            raise err(f"property `{prop.name}` fixes input port `{port}` to two values", pos)
        fixed[port] = value
    return tuple(sorted(fixed.items()))


def fixed_port(spec: CheckedSpec, prop: Property, e) -> tuple[str, int] | None:
    """(port, value) when assumption ``e`` reads `INPUT == CONSTANT` on a bits input that is not an
    operand or the rounding input, else None."""
    if not (isinstance(e, ast.Compare) and e.ops == ("==",) and len(e.operands) == 2):
        return None
    x, y = e.operands
    if isinstance(x, ast.Num):
        x, y = y, x
    if not (isinstance(x, ast.Name) and isinstance(y, ast.Num) and y.value.denominator == 1):
        return None
    eq = prop.equivalence
    if x.id not in spec.inputs or x.id in eq.operands or x.id == eq.rounding_input:
        return None
    port = spec.inputs[x.id]
    if not isinstance(port.type, BitsT):
        return None
    v = int(y.value)
    if v < 0 or (port.type.width is not None and v >= 1 << port.type.width):
        return None
    return port.port, v
