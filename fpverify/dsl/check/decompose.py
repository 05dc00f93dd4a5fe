"""Which equivalence properties a decomposition strategy (`use strategy decompose_*`) can prove,
the port values their assumptions fix, the assumptions that restrict its domain, and the `map`
statements that bind its cut stages to a foreign design's signals."""

from __future__ import annotations

from ...prove.decompose.strategy import FAMILIES
from ...semantics import stages
from ...semantics.ops import family_members
from .. import ast
from ..types import BitsT
from .binding import signal_width
from .located import err
from .results import CheckedSpec, Property

DECOMPOSE_OPS = {fam: family_members(fam) for fam in FAMILIES}  # strategy family -> ops it decomposes
# `map STAGE = dut.path`: the spec's stage name -> the engine's (fpverify.semantics.stages)
MAP_STAGES = {"product": stages.PRODUCT, "a_sig": stages.unpack_sig("a"), "b_sig": stages.unpack_sig("b"),
              "a_exp": stages.unpack_exp("a"), "b_exp": stages.unpack_exp("b")}
MAP_REQUIRED = ("product", "a_sig", "b_sig")


def decompose_fixed(spec: CheckedSpec, prop: Property) -> tuple[tuple[str, int], ...]:
    """The port values an equivalence property's assumptions fix, for the decomposition engine.

    ``INPUT == CONSTANT`` on a non-operand input (e.g. ``assuming s == 0`` on a `sub` port) fixes
    that port; every other assumption restricts the domain of the engine's cases and lemmas
    (`decompose_assumptions`)."""
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
            continue
        port, value = v
        if fixed.get(port, value) != value:
            raise err(f"property `{prop.name}` fixes input port `{port}` to two values", pos)
        fixed[port] = value
    return tuple(sorted(fixed.items()))


def decompose_assumptions(spec: CheckedSpec, prop: Property) -> tuple:
    """The assumptions of ``prop`` that do not fix a port: they restrict the engine's domain."""
    return tuple(a for a in prop.assumptions if fixed_port(spec, prop, a) is None)


def check_maps(maps: list[ast.Map], decompose, netlist) -> tuple[tuple[str, str, str], ...]:
    """``map`` statements as (engine stage, netlist signal, lemma label); errors at their lines."""
    if not maps:
        return ()
    if decompose is None or not decompose[0].isolate:
        raise err("`map` binds a stage a decomposition strategy cuts at: add `use strategy "
                  "decompose_multiplier`", maps[0].pos)
    seen: dict[str, ast.Map] = {}
    for m in maps:
        if m.stage not in MAP_STAGES:
            raise err(f"unknown stage `{m.stage}` (stages: {', '.join(MAP_STAGES)})", m.pos)
        if m.stage in seen:
            raise err(f"stage `{m.stage}` is mapped twice (first at line {seen[m.stage].pos.line})", m.pos)
        seen[m.stage] = m
        if netlist is not None:
            signal_width(netlist, m.path, m.pos)
    missing = [s for s in MAP_REQUIRED if s not in seen]
    if missing:
        raise err(f"the multiplier's cut needs {', '.join(MAP_REQUIRED)} mapped; missing: "
                  f"{', '.join(missing)}", maps[0].pos)
    return tuple((MAP_STAGES[m.stage], m.path, f"map {m.stage} = dut.{m.path} (line {m.pos.line})")
                 for m in maps)


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
