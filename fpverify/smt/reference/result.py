"""The value a reference operation returns, and the NaN/Inf/zero results shared by the ops."""

from __future__ import annotations

from dataclasses import dataclass, field

import z3

from ...formats import FloatFormat
from ...rounding import Env, Flags
from . import flags as F
from .bv import any_of
from .pack import Packed, inf_packed, nan, with_flags, zero_packed


@dataclass
class RefResult:
    """code (``out.width`` bits), flags (8 bits, `Flags` values), defined (false where the golden
    model raises), and the named intermediate terms lemmas can refer to."""

    code: z3.BitVecRef
    flags: z3.BitVecRef
    defined: z3.BoolRef
    terms: dict[str, z3.ExprRef] = field(default_factory=dict)

    @classmethod
    def of(cls, p: Packed, terms: dict) -> "RefResult":
        return cls(p.code, p.flags, p.defined, terms)


def nan_result(out: FloatFormat, env: Env, *ops, invalid=None) -> Packed:
    """Default NaN; INVALID when the operation is invalid or an operand is signaling."""
    conds = [o.signaling for o in ops]
    if invalid is not None:
        conds.append(invalid)
    return with_flags(nan(out, env), F.when(any_of(*conds), Flags.INVALID))


def inf_result(out: FloatFormat, sign, env: Env) -> Packed:
    return inf_packed(out, sign, env)


def zero_result(out: FloatFormat, sign) -> Packed:
    return zero_packed(out, sign)
