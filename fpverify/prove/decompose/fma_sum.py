"""The FMA's second cut-point: the aligned sum (``isolate sum`` in a strategy of the fma family).

After the product cut (`isolate.isolate_multiplier`) both sides still align, add, normalise and
round in every case. `rtl.fp_fma` and the bounded-alignment reference
(`fpverify.smt.reference.fma.fma_operands`) jam the lost bits into the LSB of the same frame
(``T`` = ``F``), so their sums are the SAME number in the same place:

* LS ``alignment[case]`` (a lemma per case of the strategy's class/distance split, proved in the
  same run): for inputs that are not NaN or Inf, the netlist's ``sum`` equals the reference's
  ``mag``; when it is nonzero, ``sum_exp - T`` equals the reference's ``low`` (the exponent of
  bit 0), ``sum_sign`` equals its sign, and ``sum_exp`` lies in the range the formats reach; a
  zero sum comes from a cancellation or 0 + 0 (the two sides choose the sign of an exact zero
  from the operands' signs, each in its own way).
  It reads the two shifters and the adder only, no rounding.
* the cut miter: the netlist with ``sum``/``sum_exp``/``sum_sign`` replaced by free terms
  ``S``/``E``/``SG`` against the reference's back end (`fma.fma_from_sum`) on the same terms:
  normalisation, rounding, flags and specials, once, independent of the alignment distance.

Soundness: for an input that is not NaN/Inf, instantiate ``S, E, SG`` with the netlist's real
sum; LS makes the range premise true and makes ``fma_from_sum(SG, S, E - T)`` the reference's
own result (a zero sum: both sides take the zero path whatever E and SG are). For a NaN/Inf input
the premise does not constrain ``E`` and the miter holds for every ``S``. A LS lemma that does not
hold falls back to the product-cut case it covers (`engine`), never to an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ...formats import FloatFormat
from ...rounding import Env
from ...semantics import stages
from ...smt.reference.bv import const, zext
from ...smt.reference.fma import SUM_NEGATIVE, fma_from_sum
from ...smt.reference.result import RefResult
from ..obligation import conj
from .isolate import MulIsolation
from .splits import format_params

SUM_SIGN = "sum_sign"  # rtl.fp_fma: the sign of the (magnitude) sum


@dataclass
class SumCut:
    """The cut miter at the sum stage and the lemma that justifies it."""

    net_code: z3.BitVecRef
    net_flags: z3.BitVecRef | None
    reference: RefResult
    assumed: list[z3.BoolRef]  # premises of the cut miter (what LS proves: exponent range, zero-sum sign rule)
    ordinary: z3.BoolRef  # the LS lemmas' domain: no operand NaN or Inf
    lemma_goal: z3.BoolRef
    window: int  # T


def log2_range(fmt: FloatFormat) -> tuple[int, int]:
    """floor(log2 |x|) of the smallest and largest nonzero finite values of ``fmt``."""
    prm = format_params(fmt)
    return prm["emin"] - (fmt.man_bits if fmt.subnormals else 0), prm["emax"]


def isolate_sum(iso: MulIsolation, terms, fmt: FloatFormat, cfmt: FloatFormat, out: FloatFormat, env: Env,
                rand) -> SumCut:
    """Cut the netlist (already cut at ``product``) at its sum stage. ValueError when the unit's
    alignment window differs from the reference's frame (then the sums are not the same number)."""
    prod = terms.signal(stages.PRODUCT)
    on_p = lambda t: z3.substitute(t, (prod, iso.product))
    n_sum, n_exp, n_sign = (on_p(terms.signal(s)) for s in (stages.SUM, stages.SUM_EXP, SUM_SIGN))
    rt = iso.reference.terms
    mag, low, negative = rt[stages.SUM], rt[stages.SUM_EXP], rt[SUM_NEGATIVE]
    t = n_sum.size() - 1
    if mag.size() != t + 2:
        raise ValueError(f"the sum cut needs the unit's alignment window ({t} bits) to be the reference's "
                         f"frame ({mag.size() - 2} bits)")
    x, y, z = rt["a"], rt["b"], rt["c"]
    S = z3.BitVec("cut_sum", t + 1)
    E = z3.BitVec("cut_sum_exp", n_exp.size())
    SG = z3.BitVec("cut_sum_sign", 1)
    outs = [iso.net_code] + ([iso.net_flags] if iso.net_flags is not None else [])
    pairs = [(on_p(old), on_p(new)) for name, v in ((stages.SUM, S), (stages.SUM_EXP, E), (SUM_SIGN, SG))
             for old, new in terms.cut_pairs(terms.netlist.signal(name), v)]
    cut = [z3.substitute(o, *pairs) for o in outs]
    if any(z3.eq(c, o) for c, o in zip(cut, outs)):
        raise ValueError("the sum cut: `sum` does not occur in the outputs")
    # exponent range of bit T: the larger top exponent (product: la + lb + 1, addend: lc) + 1
    (la, ha), (lc, hc) = log2_range(fmt), log2_range(cfmt)
    e_lo, e_hi = min(2 * la + 1, lc) + 1, max(2 * ha + 1, hc) + 1
    w = max(n_exp.size(), low.size(), (abs(e_lo) + abs(e_hi) + t).bit_length() + 1) + 2
    wide = lambda v: z3.SignExt(w - v.size(), v)
    in_range = lambda e: z3.And(wide(e) >= const(e_lo, w), wide(e) <= const(e_hi, w))
    ref_low = z3.Extract(low.size() - 1, 0, wide(E) - const(t, w))
    reference = fma_from_sum(out, env, x, y, z, SG == 1, zext(S, t + 2), ref_low, rand)
    ordinary = conj([u.valid for u in (x, y, z)] + [z3.Not(z3.Or(u.is_nan, u.is_inf)) for u in (x, y, z)])
    # an exact zero sum comes from a cancellation or 0 + 0 (the two sides pick its sign differently)
    zero_sum_ok = z3.Or(z3.Xor(z3.Xor(x.sign, y.sign), z.sign), z3.And(z3.Or(x.is_zero, y.is_zero), z.is_zero))
    goal = conj([zext(n_sum, t + 2) == mag, z3.Implies(n_sum == 0, zero_sum_ok),
                 z3.Implies(mag != 0, z3.And(wide(n_exp) - const(t, w) == wide(low), (n_sign == 1) == negative)),
                 z3.Implies(n_sum != 0, in_range(n_exp))])
    return SumCut(cut[0], cut[1] if len(cut) > 1 else None, reference,
                  [z3.Implies(z3.And(ordinary, S != 0), in_range(E)), z3.Implies(z3.And(ordinary, S == 0), zero_sum_ok)],
                  ordinary, goal, t)


__all__ = ["SumCut", "isolate_sum", "log2_range", "SUM_SIGN"]
