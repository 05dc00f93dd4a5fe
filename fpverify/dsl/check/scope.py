"""Names and what they denote: declared formats, inputs, outputs and free variables, one
namespace with keyword and duplicate checks, and type references resolved against it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...formats import FloatFormat, FormatError, IntFormat, get_format
from .. import ast
from ..parser import KEYWORDS
from ..types import BitsT, FloatT, IntT, RoundT, Type, VecT
from .located import err
from .results import Port
from .vocabulary import MAX_VECTOR, MAX_WIDTH


@dataclass
class Scope:
    formats: dict[str, FloatFormat] = field(default_factory=dict)
    inputs: dict[str, Port] = field(default_factory=dict)
    outputs: dict[str, Port] = field(default_factory=dict)
    vars: dict[str, Type] = field(default_factory=dict)
    names: dict[str, ast.Pos] = field(default_factory=dict)  # every declared name: where

    def declare(self, name: str, pos: ast.Pos, what: str) -> None:
        if name in KEYWORDS:
            raise err(f"`{name}` is a keyword and cannot name {what}", pos)
        if name in self.names:
            first = self.names[name]
            raise err(f"duplicate name `{name}` (first declared at {first.line}:{first.col})", pos)
        self.names[name] = pos

    def free_type(self, name: str) -> Type | None:
        """The type of an input or free variable, None for anything else."""
        if name in self.inputs:
            return self.inputs[name].type
        return self.vars.get(name)

    def vector_type(self, tref: ast.TypeRef) -> VecT:
        """``FMT[k]``: a vector of k codes of a float or integer element format (an MX block's
        elements: ``e4m3fn[4]``, ``mxint8[4]``)."""
        elem = self.resolve_type(ast.TypeRef(tref.name, None, tref.pos))
        if not isinstance(elem, (FloatT, IntT)):
            raise err(f"only `bits`, float and integer element formats take a `[N]`, not `{tref.name}` ({elem})",
                      tref.pos)
        if not 1 <= tref.width <= MAX_VECTOR:
            raise err(f"vector length {tref.width} out of range 1..{MAX_VECTOR}", tref.pos)
        return VecT(elem.fmt, tref.width)

    def resolve_type(self, tref: ast.TypeRef) -> Type:
        name = tref.name
        if tref.width is not None:
            if name != "bits":
                return self.vector_type(tref)
            if not 1 <= tref.width <= MAX_WIDTH:
                raise err(f"bit width {tref.width} out of range 1..{MAX_WIDTH}", tref.pos)
            return BitsT(tref.width)
        if name == "bits":
            return BitsT(None)
        if name == "rounding":
            return RoundT()
        if name == "bool":
            return BitsT(1)
        if name in self.formats:
            return FloatT(self.formats[name])
        try:
            fmt = get_format(name)
        except FormatError:
            raise err(f"unknown format `{name}` (see `fpverify formats`, or define it: "
                      f"format {name} = float(e=..., m=...))", tref.pos) from None
        return IntT(fmt) if isinstance(fmt, IntFormat) else FloatT(fmt)
