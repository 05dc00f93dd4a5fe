"""Obligations "symbolic reference ≡ z3's IEEE floating-point theory" for IEEE-like formats.

z3's FP theory (`fpAdd`, `fpMul`, `fpFMA`, `fpToFP`) implements IEEE 754 with exponent all-ones
as Inf/NaN, i.e. our `Specials.IEEE` formats under the IEEE overflow policy and the five IEEE
rounding modes (no round-to-odd, no stochastic rounding). NaN results are compared as a class
(the theory has a single NaN). Flags do not exist in the theory, so only result codes are compared.
z3 5.4 answers *unknown* for fp.add/fp.sub with more exponent than significand bits (E5M2);
``check(..., solver="bitwuzla")`` uses Bitwuzla's FP theory instead.
"""

from __future__ import annotations

import z3

from ..formats import FloatFormat, Overflow, Specials
from .obligation import Obligation
from ..rounding import Env, Mode, Rounding
from ..smt import reference as R
from ..smt.reference.unpack import unpack

Z3_RM = {Mode.RNE: z3.RNE, Mode.RNA: z3.RNA, Mode.RTZ: z3.RTZ, Mode.RUP: z3.RTP, Mode.RDN: z3.RTN}


def applies(fmt: FloatFormat, env: Env) -> bool:
    return (fmt.specials is Specials.IEEE and fmt.signed and fmt.subnormals
            and env.overflow_for(fmt) is Overflow.IEEE and env.rounding.mode in Z3_RM)


def sort_of(fmt: FloatFormat) -> z3.FPSortRef:
    return z3.FPSort(fmt.exp_bits, fmt.precision)


def fp_theory_obligation(op: str, fmt: FloatFormat, mode: Mode, out: FloatFormat | None = None) -> Obligation:
    """reference(op) == the FP theory's op, for every operand code (NaN as a class)."""
    out = out or fmt
    env = Env(Rounding(mode))
    for f in (fmt, out):
        if not applies(f, env):
            raise ValueError(f"z3's FP theory does not model {f.name} under {env.rounding}")
    if out is not fmt and op != "convert":
        raise ValueError("the FP theory comparison needs out == fmt for arithmetic ops")
    rm = Z3_RM[mode]()
    names = {"fma": "abc", "convert": "a"}.get(op, "ab")
    codes = [z3.BitVec(f"{n}", fmt.width) for n in names]
    fps = [z3.fpBVToFP(c, sort_of(fmt)) for c in codes]
    if op == "add":
        ref, th = R.add(fmt, *codes, env, out), z3.fpAdd(rm, *fps)
    elif op == "sub":
        ref, th = R.sub(fmt, *codes, env, out), z3.fpSub(rm, *fps)
    elif op == "mul":
        ref, th = R.mul(fmt, *codes, env, out), z3.fpMul(rm, *fps)
    elif op == "fma":
        ref, th = R.fma(fmt, *codes, env, out), z3.fpFMA(rm, *fps)
    elif op == "convert":
        ref, th = R.convert(fmt, codes[0], out, env), z3.fpToFP(rm, fps[0], sort_of(out))
    else:
        raise ValueError(f"unknown op {op!r}")
    ref_nan = unpack(out, ref.code).is_nan
    # portable SMT-LIB form: `=` on FP terms has one NaN and distinguishes ±0 (no fp.to_ieee_bv)
    goal = z3.If(z3.fpIsNaN(th), ref_nan, z3.fpBVToFP(ref.code, sort_of(out)) == th)
    label = f"{op} {fmt.name}" + (f"->{out.name}" if out is not fmt else "") + f" {mode.value}"
    return Obligation(f"reference-vs-fp-theory:{label}",
                      f"symbolic reference {label} equals z3 FP theory (result codes, NaN as a class)",
                      [], goal)


def check(ob: Obligation, timeout_s: float = 60, solver: str = "z3") -> str:
    """PROVED / REFUTED / UNKNOWN with z3, or with Bitwuzla's FP theory (SMT-LIB2 QF_BVFP)."""
    if solver == "bitwuzla":
        from .smtlib import check_bitwuzla
        status = check_bitwuzla(ob, timeout_s, logic="QF_BVFP")[0]
        return {"unsat": "PROVED", "sat": "REFUTED"}.get(status, "UNKNOWN")
    s = z3.Solver()
    s.set("timeout", int(timeout_s * 1000))
    for a in ob.query:
        s.add(a)
    r = s.check()
    return "PROVED" if r == z3.unsat else "REFUTED" if r == z3.sat else "UNKNOWN"


__all__ = ["fp_theory_obligation", "check", "applies", "Z3_RM"]
