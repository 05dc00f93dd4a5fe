"""The types a proof is stated and reported in: ports, symbolic inputs, counterexamples, results.

`fpverify.prove.api` re-exports them; the monolithic prover, replay and the decomposition engine
import them from here (so none of them imports the API module that calls them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Literal

import z3

from ..formats import Format
from ..hdl.reset import ResetSequence
from ..rounding import Env, Rounding, parse_rounding
from ..semantics.ports import RM_ENCODING
from .obligation import Obligation

Status = Literal["PROVED", "REFUTED", "UNKNOWN", "ERROR"]

# rounding-mode port value -> rounding mode name (parse_rounding spelling): the shared table
DEFAULT_RM_ENCODING: tuple[tuple[int, str], ...] = RM_ENCODING


@dataclass(frozen=True)
class PortMap:
    """Which netlist port plays which role. ``None`` = the unit has no such port."""

    a: str = "a"
    b: str | None = "b"
    result: str = "result"
    flags: str | None = "flags"
    rm: str | None = None
    sub: str | None = None
    c: str | None = None  # third operand (fma)
    rand: str | None = "rbits"  # random bits for stochastic rounding (ignored if the unit has no such port)
    # rm port value -> rounding: a name (parse_rounding spelling) or, once `resolve`d, a Rounding
    rm_encoding: tuple[tuple[int, str | Rounding], ...] = DEFAULT_RM_ENCODING
    # inputs held at a constant (when the netlist has them): clock and synchronous reset
    fixed: tuple[tuple[str, int], ...] = (("clk", 0), ("rst", 0))
    # a reset sequence run before the latency cycles (`fpverify.hdl.reset`); its port then holds
    # the released value (the DSL passes ``fixed=((clock, 0),)`` and this, see docs/dsl.md)
    reset: ResetSequence | None = None

    def resolve(self, env: Env) -> "PortMap":
        """This map with every ``rm_encoding`` entry a `Rounding` (stochastic names take ``env``'s
        N). A proof resolves its ports once and passes them down; resolving again changes nothing."""
        nbits = env.rounding.nbits or None
        return replace(self, rm_encoding=tuple((value, parse_rounding(mode, nbits))
                                               for value, mode in self.rm_encoding))

    def rm_rounding(self, value: int) -> Rounding:
        """The rounding the rm port selects with ``value`` (the map must be `resolve`d)."""
        rnd = dict(self.rm_encoding)[value]
        if not isinstance(rnd, Rounding):
            raise TypeError(f"rm_encoding entry {value}={rnd!r} is not resolved (PortMap.resolve)")
        return rnd


@dataclass
class SymbolicInputs:
    """The symbolic port values an assumption may constrain (``assumptions=[lambda s: ...]``)."""

    ports: dict[str, z3.BitVecRef]
    fmt: Format
    out_fmt: Format
    a: z3.BitVecRef | None = None
    b: z3.BitVecRef | None = None
    c: z3.BitVecRef | None = None
    rm: z3.BitVecRef | None = None
    sub: z3.BitVecRef | None = None
    rand: z3.BitVecRef | None = None
    addend_fmt: Format | None = None  # c's format when it differs from ``fmt`` (a mixed FMA)

    def operand_fmt(self, which: str) -> Format:
        """The format of operand ``which`` (a, b: ``fmt``; c: ``addend_fmt`` when given)."""
        return self.addend_fmt if which == "c" and self.addend_fmt is not None else self.fmt

    def unpack(self, which: str = "a"):
        """Decoded operand (`fpverify.smt.reference.unpack.Unpacked`: is_nan, is_zero, sig, exp...)."""
        from ..smt.reference.tapered import unpack_any as unpack
        return unpack(self.operand_fmt(which), getattr(self, which))


Assumption = Callable[[SymbolicInputs], z3.BoolRef]


@dataclass
class Counterexample:
    """A replayed counterexample. Codes are ints; flags are `Flags` bit sets (netlist: its port bits)."""

    inputs: dict[str, int]
    expected: tuple[int, int]  # the symbolic reference's value in the model
    actual_netlist: tuple[int, int]  # netlist re-evaluated on ``inputs`` (independent of the solver)
    actual_golden: tuple[int, int]  # fpverify.golden on ``inputs``
    replayed: bool
    decoded: str  # human-readable: operands, expected and actual values

    def __str__(self) -> str:
        return self.decoded


@dataclass
class ProofResult:
    status: Status
    seconds: float
    solver: str
    solver_version: str
    counterexample: Counterexample | None
    obligation: Obligation
    lemmas_assumed: list[str] = field(default_factory=list)
    message: str = ""
    cpu_seconds: float = 0.0  # process CPU time of the whole call (robust to a loaded machine)
    # REFUTED: the first failing stage (`fpverify.prove.decompose.cegar.Localisation`), or None
    localisation: object | None = None
    cached: str = ""  # "cached, <date>, <solver>" when the answer came from the proof cache

    @property
    def proved(self) -> bool:
        return self.status == "PROVED"

    def __str__(self) -> str:
        s = (f"{self.obligation.name}: {self.status} in {self.seconds:.2f} s "
             f"({self.cpu_seconds:.2f} s CPU; {self.solver} {self.solver_version})")
        if self.cached:
            s += f" ({self.cached})"
        if self.message:
            s += f" - {self.message}"
        if self.counterexample is not None:
            s += "\n" + self.counterexample.decoded
        return s


__all__ = ["PortMap", "SymbolicInputs", "Counterexample", "ProofResult", "Status", "Assumption",
           "DEFAULT_RM_ENCODING"]
