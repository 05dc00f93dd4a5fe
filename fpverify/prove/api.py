"""Stable public API for equivalence proofs: RTL netlist ≡ the golden semantics of one operation.

    from fpverify.prove.api import prove_equivalence, PortMap
    res = prove_equivalence(netlist, "mul", get_format("e4m3fn"), env=Env(RNE))
    res.status            # "PROVED" | "REFUTED" | "UNKNOWN" | "ERROR"
    res.counterexample    # for REFUTED: replayed on the netlist and in the golden model

The right-hand side is the bit-level symbolic reference `fpverify.smt.reference` (an independent
implementation of `fpverify.golden`, validated against it). The miter compares the result code
(NaN as a class: both NaN, or equal bits; ``nan_exact=True``: equal bits, pinning the NaN encoding) and the flag bits the netlist's flags port has.

Statuses: PROVED = the miter is unsat; REFUTED = a counterexample that replayed (netlist output
re-evaluated independently, golden model re-run, mismatch confirmed); UNKNOWN = timeout or solver
gave up (never PROVED); ERROR = an internal inconsistency (e.g. a model that does not replay),
which is a tool bug, never a design bug.

Ports: ``PortMap`` names the netlist ports. ``rm`` (optional) is a rounding-mode input port; the
proof covers every value of ``rm_encoding`` (default: RISC-V ``frm`` order, RNE=0 RTZ=1 RDN=2
RUP=3 RNA=4, plus RTO=5), other values are assumed not to occur. ``sub`` (optional, 1 bit) selects
a - b in an add unit. ``rand`` (default ``rbits``) is the random-bits input of a stochastic-rounding
unit; when the netlist has no such port the reference uses ``env.random_bits``. ``fixed`` inputs
(default ``clk`` and ``rst``, when present) are held at a constant; every other input is free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal, Sequence

import z3

from ..formats import Format
from ..rounding import Env, Flags
from ..semantics.ports import RM_ENCODING
from .obligation import Obligation

Status = Literal["PROVED", "REFUTED", "UNKNOWN", "ERROR"]

# rounding-mode port value -> rounding mode name (parse_rounding spelling)
DEFAULT_RM_ENCODING: tuple[tuple[int, str], ...] = RM_ENCODING

OPS = ("add", "sub", "mul", "fma", "lmul", "convert")


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
    rm_encoding: tuple[tuple[int, str], ...] = DEFAULT_RM_ENCODING
    # inputs held at a constant (when the netlist has them): clock and synchronous reset
    fixed: tuple[tuple[str, int], ...] = (("clk", 0), ("rst", 0))


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

    def unpack(self, which: str = "a"):
        """Decoded operand (`fpverify.smt.reference.unpack.Unpacked`: is_nan, is_zero, sig, exp...)."""
        from ..smt.reference.unpack import unpack
        return unpack(self.fmt, getattr(self, which))


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

    @property
    def proved(self) -> bool:
        return self.status == "PROVED"

    def __str__(self) -> str:
        s = (f"{self.obligation.name}: {self.status} in {self.seconds:.2f} s "
             f"({self.cpu_seconds:.2f} s CPU; {self.solver} {self.solver_version})")
        if self.message:
            s += f" - {self.message}"
        if self.counterexample is not None:
            s += "\n" + self.counterexample.decoded
        return s


def prove_equivalence(
    netlist,
    op: str,
    fmt: Format,
    *,
    out_fmt: Format | None = None,
    env: Env = Env(),
    lmul_policy=None,
    ports: PortMap = PortMap(),
    assumptions: Sequence[Assumption] = (),
    check_flags: bool = True,
    timeout_s: float = 60,
    solver: str = "z3",
    cycles: int = 0,
    nan_exact: bool = False,
) -> ProofResult:
    """Prove ``netlist`` computes ``op`` on ``fmt`` (result in ``out_fmt``) under ``env``.

    ``op``: add, sub, mul, fma, lmul (with ``lmul_policy``), convert (``fmt`` -> ``out_fmt``).
    ``cycles``: clock edges to apply first (pipelined units; inputs held constant).
    ``solver``: "z3" (Python API) or "bitwuzla" (SMT-LIB2 text into the bitwuzla package).
    ``nan_exact``: compare the result bit for bit, so a NaN result must carry the reference's NaN
    encoding (the canonical NaN); by default NaN results compare as a class.
    """
    from .monolithic import prove_monolithic

    return prove_monolithic(netlist, op, fmt, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy,
                            ports=ports, assumptions=assumptions, check_flags=check_flags,
                            timeout_s=timeout_s, solver=solver, cycles=cycles, nan_exact=nan_exact)


__all__ = ["prove_equivalence", "PortMap", "SymbolicInputs", "Counterexample", "ProofResult",
           "Obligation", "Assumption", "DEFAULT_RM_ENCODING", "OPS", "Flags"]
