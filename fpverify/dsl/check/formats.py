"""`format NAME = float(e=, m=, ...)`: inline format definitions."""

from __future__ import annotations

from ...formats import FloatFormat, FormatError, Overflow, Specials, define_format, get_format
from .. import ast
from .located import err
from .scope import Scope

PARAMS = {"e": "int", "m": "int", "bias": "int", "specials": "name", "signed": "bool", "overflow": "name"}


def define_spec_format(scope: Scope, st: ast.FormatDef) -> FloatFormat:
    """Check a format definition and add it to ``scope``."""
    scope.declare(st.name, st.pos, "a format")
    try:
        get_format(st.name)
        raise err(f"format `{st.name}` is already a registry format; pick another name", st.pos)
    except FormatError:
        pass
    if st.kind != "float":
        raise err(f"unknown format kind `{st.kind}` (use float(e=, m=, bias=, specials=, ...))", st.pos)
    kw = {}
    for p in st.params:
        if p.name not in PARAMS:
            raise err(f"unknown format parameter `{p.name}` (allowed: {', '.join(PARAMS)})", p.pos)
        if p.name in kw:
            raise err(f"parameter `{p.name}` is given twice", p.pos)
        kw[p.name] = param_value(p, PARAMS[p.name])
    for need in ("e", "m"):
        if need not in kw:
            raise err(f"format `{st.name}` needs `{need}=`", st.pos)
    if not 1 <= kw["e"] <= 30:
        raise err("exponent bits `e` must be 1..30", param_pos(st, "e"))
    if not 0 <= kw["m"] <= 112:
        raise err("mantissa bits `m` must be 0..112", param_pos(st, "m"))
    specials = kw.get("specials", "ieee")
    if specials not in {s.value for s in Specials}:
        raise err(f"unknown specials `{specials}` (choose {', '.join(s.value for s in Specials)})",
                  param_pos(st, "specials"))
    overflow = kw.get("overflow")
    if overflow is not None and overflow not in {o.value for o in Overflow}:
        raise err(f"unknown overflow policy `{overflow}` (choose {', '.join(o.value for o in Overflow)})",
                  param_pos(st, "overflow"))
    bias = kw.get("bias")
    if bias is not None and abs(bias) > (1 << 31):
        raise err("bias is out of range", param_pos(st, "bias"))
    try:
        fmt = define_format(st.name, kw["e"], kw["m"], bias, specials, kw.get("signed", True), overflow)
    except FormatError as e:
        raise err(str(e), st.pos) from None
    scope.formats[st.name] = fmt
    return fmt


def param_value(p: ast.Param, kind: str):
    """The value of a `name = value` parameter of the given kind ("int", "bool" or "name")."""
    v = p.value
    if kind == "int":
        if v.kind != "number" or v.value.denominator != 1:
            raise err(f"`{p.name}` must be an integer, not {v.text}", v.pos)
        return int(v.value)
    if kind == "bool":
        if v.kind == "name" and v.value in ("true", "false"):
            return v.value == "true"
        raise err(f"`{p.name}` must be true or false, not {v.text}", v.pos)
    if v.kind != "name":
        raise err(f"`{p.name}` must be a name, not {v.text}", v.pos)
    return v.value


def param_pos(st: ast.FormatDef, name: str) -> ast.Pos:
    for p in st.params:
        if p.name == name:
            return p.value.pos
    return st.pos
