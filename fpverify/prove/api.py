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
``reset`` (a `fpverify.hdl.reset.ResetSequence`) drives its port active for its cycles before the
``cycles`` latency edges, then holds it released (the DSL's `clock`/`reset` statements).
"""

from __future__ import annotations

from typing import Sequence

from ..formats import Format
from ..rounding import Env, Flags
from ..semantics.ops import names
from ..tapered import TaperedFormat
from .monolithic import ProofSetupError, prove_monolithic
from .obligation import Obligation
from .types import (DEFAULT_RM_ENCODING, Assumption, Counterexample, PortMap, ProofResult, Status,
                    SymbolicInputs)

OPS = names("symbolic")  # the operations with a symbolic reference (`fpverify.semantics.ops`)


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
    addend_fmt: Format | None = None,
) -> ProofResult:
    """Prove ``netlist`` computes ``op`` on ``fmt`` (result in ``out_fmt``) under ``env``.

    ``op``: add, sub, mul, fma, lmul (with ``lmul_policy``), convert (``fmt`` -> ``out_fmt``).
    ``cycles``: clock edges to apply first (pipelined units; inputs held constant).
    ``solver``: "z3" (Python API) or "bitwuzla" (SMT-LIB2 text into the bitwuzla package).
    ``nan_exact``: compare the result bit for bit, so a NaN result must carry the reference's NaN
    encoding (the canonical NaN); by default NaN results compare as a class.
    ``addend_fmt``: fma's c format when it differs from a's and b's (``fmt``): bf16 x bf16 + f32;
    ``out_fmt`` defaults to it.
    """
    res = prove_monolithic(netlist, op, fmt, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy,
                           ports=ports, assumptions=assumptions, check_flags=check_flags,
                           timeout_s=timeout_s, solver=solver, cycles=cycles, nan_exact=nan_exact,
                           addend_fmt=addend_fmt)
    tapered = any(isinstance(f, TaperedFormat) for f in (fmt, out_fmt))  # no stage model for HiF8 yet
    if res.status == "REFUTED" and res.counterexample is not None and res.counterexample.replayed and not tapered:
        res.localisation = localise_counterexample(
            netlist, op, fmt, res.counterexample.inputs, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy,
            ports=ports, check_flags=check_flags, cycles=cycles, nan_exact=nan_exact, addend_fmt=addend_fmt)
    return res


def localise_counterexample(netlist, op: str, fmt: Format, inputs: dict[str, int], *, out_fmt=None,
                            env: Env = Env(), lmul_policy=None, ports: PortMap = PortMap(),
                            check_flags: bool = True, cycles: int = 0, nan_exact: bool = False,
                            addend_fmt=None):
    """The first failing stage of a replayed counterexample: the decomposition engine's stage list
    (named stage signals vs the reference of the counterexample's own rounding mode, overflow
    policy and random bits) on ``inputs``. Stages the design does not name are skipped, so a
    foreign design still gets its result and flags compared."""
    from .decompose.cegar import localise
    from .decompose.engine import build_problem

    kw = dict(out_fmt=out_fmt, env=env, lmul_policy=lmul_policy, ports=ports, check_flags=check_flags,
              cycles=cycles, nan_exact=nan_exact, addend_fmt=addend_fmt)
    problem = None
    if op == "mul" and ports.rm is None and _has_stage(netlist, "product"):
        try:  # the product stage is compared against the isolated (shared) product term
            problem = build_problem(netlist, op, fmt, isolate=True, **kw)
        except (ProofSetupError, ValueError):  # e.g. read too early: the product reaches no output
            problem = None
    if problem is None:
        problem = build_problem(netlist, op, fmt, **kw)
    return localise(problem, inputs)


def _has_stage(netlist, name: str) -> bool:
    try:
        netlist.signal(name)
        return True
    except KeyError:
        return False


__all__ = ["prove_equivalence", "localise_counterexample", "PortMap", "SymbolicInputs", "Counterexample", "ProofResult",
           "Obligation", "Assumption", "DEFAULT_RM_ENCODING", "OPS", "Flags", "Status"]
