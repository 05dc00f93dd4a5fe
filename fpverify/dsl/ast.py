"""Typed syntax tree of a property spec. Every node carries its source position."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Union


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# ---- expressions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: Fraction
    text: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class BoolLit:
    value: bool
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Name:
    id: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Signal:
    """``dut.path`` (or ``ref.path``): a port or named internal signal of the design (or of the
    spec's `reference` design)."""

    path: str
    pos: Pos = field(compare=False)
    design: str = "dut"  # "dut" | "ref"


@dataclass(frozen=True)
class KwArg:
    name: str
    value: "Expr"
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple["Expr", ...]
    kwargs: tuple[KwArg, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "neg" | "not"
    operand: "Expr"
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Binary:
    op: str  # + - * / ^ and or implies
    left: "Expr"
    right: "Expr"
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Compare:
    """A comparison chain ``x0 op0 x1 op1 x2 ...`` (each adjacent pair, conjoined)."""

    ops: tuple[str, ...]
    operands: tuple["Expr", ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Binding:
    name: str
    value: "Expr"
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Substitute:
    """``y[a := b, b := a]``: ``y`` re-evaluated with some inputs replaced."""

    target: "Expr"
    bindings: tuple[Binding, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Slice:
    """``x[hi:lo]`` (inclusive, like Verilog) or ``x[i]`` (hi == lo)."""

    target: "Expr"
    hi: int
    lo: int
    pos: Pos = field(compare=False)


Expr = Union[Num, BoolLit, Name, Signal, Call, Unary, Binary, Compare, Substitute, Slice]


# ---- statements -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PValue:
    """A design or format parameter value: a name, number, string or nested call."""

    kind: str  # "name" | "number" | "string" | "call"
    value: object  # str | Fraction | str | (name, tuple[Param, ...])
    text: str  # the exact source text
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Param:
    name: str
    value: PValue
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Design:
    module: str | None  # dotted module path (``rtl.fp_mul``) or None for a file reference
    file: str | None  # ``"path/to/unit.py"`` for a user's file
    cls: str
    params: tuple[Param, ...]
    text: str  # the design reference as written, e.g. ``rtl.fp_mul.FPMultiplier(fmt=e2m1fn)``
    pos: Pos = field(compare=False)
    verilog: tuple[str, ...] = ()  # ``design verilog "a.v", "b.v" : top(...)``: the source files


@dataclass(frozen=True)
class Reference:
    """``reference <design_ref>(params)``: a second design, read as ``ref.PORT``; its inputs are
    bound by port name to the inputs the design's ports are bound to."""

    design: Design
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class ReferenceLatency:
    """``reference latency N``: clock edges from the reference's inputs to its outputs."""

    cycles: int
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class FormatDef:
    name: str
    kind: str  # "float"
    params: tuple[Param, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class TypeRef:
    name: str  # a format name, "rounding", "bool" or "bits"
    width: int | None
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class PortBinding:
    name: str
    signal: Signal | None  # None: the port has the same name
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class InputDecl:
    bindings: tuple[PortBinding, ...]
    type: TypeRef
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class OutputDecl:
    name: str
    signal: Signal
    type: TypeRef | None
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class VarDecl:
    names: tuple[tuple[str, Pos], ...]
    type: TypeRef
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Latency:
    cycles: int
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Reset:
    """``reset PORT = VALUE for N cycles``: the design input PORT is VALUE for N cycles, then released."""
    port: str
    value: int
    cycles: int
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Clock:
    """``clock PORT``: the design input PORT is the clock (its value is irrelevant: held at 0)."""
    port: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Map:
    """``map STAGE = dut.path``: the decomposition engine cuts at the design signal ``path``
    where it would cut at its own stage ``STAGE`` (``product``, ``a_sig``, ...)."""
    stage: str
    path: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Assume:
    expr: Expr
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Splitter:
    kind: str  # "class" | "sign" | "exp"
    target: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Lemma:
    name: str
    expr: Expr
    assuming: Expr | None
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Prove:
    name: str | None
    expr: Expr
    flags: Name | None
    assuming: Expr | None
    splits: tuple[Splitter, ...]
    pos: Pos = field(compare=False)
    exact_nan: Pos | None = field(default=None, compare=False)  # `with exact nan`: bit-exact NaN codes


@dataclass(frozen=True)
class SplitStmt:
    splits: tuple[Splitter, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Use:
    strategy: str
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class FaultItem:
    key: str
    values: tuple[PValue, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Faults:
    items: tuple[FaultItem, ...]
    pos: Pos = field(compare=False)


@dataclass(frozen=True)
class Option:
    key: str  # "timeout" | "solver"
    value: PValue
    pos: Pos = field(compare=False)


Stmt = Union[Design, Reference, ReferenceLatency, FormatDef, InputDecl, OutputDecl, VarDecl, Latency, Reset, Clock, Map,
             Assume, Lemma, Prove,
             SplitStmt, Use, Faults, Option]


@dataclass(frozen=True)
class SpecFile:
    """One parsed file (a spec or a strategy): its statements in source order."""

    file: str
    statements: tuple[Stmt, ...]
    source: str = field(repr=False, compare=False, default="")
