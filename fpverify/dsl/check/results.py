"""What checking produces: `CheckedSpec` and its parts (`Port`, `Equivalence`, `Property`,
`FaultSettings`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ...formats import FloatFormat, Overflow
from ...hdl.reset import ResetSequence
from ...rounding import Env, Rounding, Tininess
from .. import ast
from ..types import Type


@dataclass(frozen=True)
class Port:
    name: str  # the spec's name
    port: str  # the design's port or signal path
    type: Type
    pos: ast.Pos
    direction: str  # "in" | "out"
    design: str = "dut"  # an output read from the "dut" or from the "ref" (`reference`) design


@dataclass(frozen=True)
class Equivalence:
    """``OUT == op(x, y, ...)``: the unit computes a golden operation."""

    op: str
    output: str
    operands: tuple[str, ...]  # input names, in the op's operand order
    fmt: FloatFormat
    out_fmt: FloatFormat
    rounding: Rounding | None  # static rounding; None with a rounding port or for L-Mul B/C
    rounding_input: str | None  # name of a `rounding` input driving the mode
    overflow: Overflow | None
    tininess: Tininess
    lmul_policy: object | None  # fpverify.golden.LMulPolicy for op == "lmul"
    flags: str | None  # output name carrying the flags
    nan_exact: bool = False  # `with exact nan`: the result code must equal golden's bit for bit
    random_input: str | None = None  # `random = r`: the bits input feeding a stochastic mode
    addend_fmt: FloatFormat | None = None  # fma's c format when it differs from a's and b's (mixed FMA)

    @property
    def env(self) -> Env:
        """The rounding environment the property states (Env's default mode when the mode comes
        from a rounding input or the op does not round)."""
        if self.rounding is None:
            return Env(overflow=self.overflow, tininess=self.tininess)
        return Env(rounding=self.rounding, overflow=self.overflow, tininess=self.tininess)


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # "equivalence" | "assertion" | "lemma" | "error-bound" | "relational" | "signals" | "reference"
    expr: ast.Expr
    assumptions: tuple[ast.Expr, ...]
    splits: tuple[ast.Splitter, ...]
    pos: ast.Pos
    equivalence: Equivalence | None = None
    elementary: object | None = None  # `check.elementary.ElementaryProperty` (proved by exhaustion)
    dot: object | None = None  # `check.mx_dot.DotProperty` (``y == mx_dot(a, b, sa, sb, MODE)``)


@dataclass(frozen=True)
class ReferenceBinding:
    """The spec's `reference` design bound to its elaborated netlist: ``inputs`` maps each of its
    input ports to the spec input feeding it; ``held`` are its clock (0) and released reset, and
    ``reset`` its reset sequence (the spec's, when the reference has that port)."""

    design: ast.Design
    latency: int
    netlist: object = field(repr=False, compare=False)
    inputs: dict[str, str] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    reset: ResetSequence | None = None


@dataclass(frozen=True)
class FaultSettings:
    mutants: int | None = None
    seed: int | None = None
    timeout: float | None = None
    jobs: int | None = None
    operators: tuple[str, ...] = ()
    semantic: tuple[str, ...] = ()
    pos: ast.Pos | None = None


@dataclass
class CheckedSpec:
    file: str
    design: ast.Design
    formats: dict[str, FloatFormat]
    inputs: dict[str, Port]
    outputs: dict[str, Port]
    vars: dict[str, Type]
    latency: int | None
    properties: list[Property]
    faults: FaultSettings | None
    strategies: list[str]
    timeout: float | None = None
    solver: str | None = None
    bound: bool = False  # checked against an elaborated netlist
    source: ast.SpecFile | None = field(default=None, repr=False)
    # `use strategy decompose_*`: a `fpverify.prove.decompose.strategy.Strategy` that proves every
    # equivalence property with the lemma-decomposition engine, and the `use` statement's position
    decompose: object | None = field(default=None, repr=False)
    decompose_pos: ast.Pos | None = None
    # `map STAGE = dut.path` statements: (engine stage, netlist signal, lemma label)
    stage_map: tuple[tuple[str, str, str], ...] = ()
    # `clock PORT` (held at 0: the IR's flip-flops are implicitly clocked) and `reset PORT = V for
    # N cycles` (`fpverify.hdl.reset`): the same for every property kind, prover and replay
    clock: str | None = None
    reset: ResetSequence | None = None
    # `reference ...`: the statement's design, and (bound specs) the bound reference netlist
    reference_design: ast.Design | None = None
    reference: ReferenceBinding | None = field(default=None, repr=False)

    @property
    def held_inputs(self) -> dict[str, int]:
        """Design inputs with one value in every cycle the outputs depend on: the clock at 0 and
        the reset port at its released value (the reset cycles come first, `ResetSequence.prefix`)."""
        held = {self.clock: 0} if self.clock else {}
        if self.reset is not None:
            held[self.reset.port] = self.reset.released
        return held

    def input_type(self, name: str) -> Type:
        if name in self.inputs:
            return self.inputs[name].type
        return self.vars[name]

    @property
    def free_names(self) -> list[str]:
        return list(self.inputs) + list(self.vars)
