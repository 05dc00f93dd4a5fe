"""Multiplier isolation and cut-points.

Cut-point: a named stage signal of the netlist is replaced by a fresh variable in the output terms
(`cut_signal`); the variable is constrained only by lemmas that were proved on their own. This is
an over-approximation: unsat stays sound, a sat model may be spurious (CEGAR replays it and refines
by adding the signal's real definition, `MulIsolation.refinement`).

Multiplier isolation (proofs.md techniques 5 and 6) for a unit whose ``product`` signal multiplies
the normalised significands (`rtl.fp_mul`). The reference (`fpverify.smt.reference.mul`) also
normalises before it multiplies, so both sides can share ONE free product term ``P``:

* L1 ``normaliser[x]``: the netlist's ``unpack_x_sig``/``unpack_x_exp`` equal the reference's
  normalised significand ``sig << lzc(sig)`` and ``floor(log2 |x|)`` (no multiplier: cheap);
* L2 ``product-definition``: ``product == zext(unpack_a_sig) * zext(unpack_b_sig)`` (the netlist's
  multiplier is one ``*`` cell, so this is a same-circuit miter);
* L3 ``product-range``: for normalised significands the product lies in [2^(2p-2), 2^(2p));
* the miter: the netlist with ``product`` cut to ``P`` against `reference.mul_operands` with
  ``product=P``, under L3 as a premise. It checks normalise, round, pack and specials only.

L1 and L2 make the netlist's product the reference's product; the cut miter then holds for the
real product because it holds for every ``P`` allowed by L3.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ...formats import FloatFormat
from ...rounding import Env
from ...semantics import stages
from ...smt.reference.bv import all_of, const, zext
from ...smt.reference.mul import mul_operands
from ...smt.reference.result import RefResult
from ...smt.reference.unpack import Normalised, exp_width, normalise, unpack
from ..obligation import Obligation, conj


def cut_signal(terms, name: str, exprs: list[z3.ExprRef], fresh: z3.BitVecRef) -> list[z3.ExprRef]:
    """Replace the netlist signal ``name`` by ``fresh`` in ``exprs``; raise if it does not occur."""
    sig = terms.signal(name)
    if sig.size() != fresh.size():
        raise ValueError(f"cut {name}: signal is {sig.size()} bits, cut variable {fresh.size()}")
    out = [z3.substitute(e, (sig, fresh)) for e in exprs]
    if all(z3.eq(o, e) for o, e in zip(out, exprs)):
        raise ValueError(f"cut {name}: the signal does not occur in the outputs")
    return out


@dataclass
class MulIsolation:
    """The cut miter pieces of a multiplier: netlist outputs with ``product`` cut, the normalised
    reference on the same product term, and the lemmas that justify the cut."""

    product: z3.BitVecRef  # the shared cut variable
    real_product: z3.BitVecRef  # zext(nsig_a) * zext(nsig_b): the refinement
    x: Normalised
    y: Normalised
    reference: RefResult
    net_code: z3.BitVecRef
    net_flags: z3.BitVecRef | None
    lemmas: list[Obligation]
    assumed: list[z3.BoolRef]  # what the lemmas justify, as premises of the cut miter

    def refinement(self) -> z3.BoolRef:
        """Drop the abstraction: the cut variable is the real product."""
        return self.product == self.real_product


def isolate_multiplier(terms, sym, fmt: FloatFormat, env: Env, result_port: str, flags_port: str | None,
                       out: FloatFormat | None = None, rand: z3.BitVecRef | None = None) -> MulIsolation:
    """``rand``: the symbolic random bits of a stochastic rounding mode (the unit's rand port)."""
    out = out or fmt
    p = fmt.precision
    we = exp_width(fmt, out)
    x, y = normalise(unpack(fmt, sym.a, we)), normalise(unpack(fmt, sym.b, we))
    P = z3.BitVec("cut_product", 2 * p)
    outs = [terms.output(result_port)] + ([terms.output(flags_port)] if flags_port else [])
    cut = cut_signal(terms, stages.PRODUCT, outs, P)
    reference = mul_operands(fmt, out, x.u, y.u, env, rand, product=P)
    real = zext(x.nsig, 2 * p) * zext(y.nsig, 2 * p)
    lemmas = []
    for tag, n in (("a", x), ("b", y)):
        rtl_sig, rtl_exp = terms.signal(stages.unpack_sig(tag)), terms.signal(stages.unpack_exp(tag))
        goal = conj([rtl_sig == n.nsig, z3.SignExt(we - rtl_exp.size(), rtl_exp) == n.log2]
                    if we >= rtl_exp.size() else [rtl_sig == n.nsig])
        lemmas.append(Obligation(f"L1 normaliser[{tag}]",
                                 f"netlist unpack_{tag}_sig/exp == reference sig<<lzc(sig), exp-lzc (finite {tag})",
                                 [n.u.valid, n.u.is_finite], goal))
    rtl_prod = terms.signal(stages.PRODUCT)
    rs_a, rs_b = terms.signal(stages.unpack_sig("a")), terms.signal(stages.unpack_sig("b"))
    lemmas.append(Obligation("L2 product-definition", "netlist product == zext(unpack_a_sig)*zext(unpack_b_sig)",
                             [], rtl_prod == zext(rs_a, 2 * p) * zext(rs_b, 2 * p)))
    lo = const(1 << (2 * p - 2), 2 * p)
    fin = all_of(x.u.is_finite, y.u.is_finite)
    lemmas.append(Obligation("L3 product-range", "normalised significands: product in [2^(2p-2), 2^(2p))",
                             [x.u.valid, y.u.valid, fin], z3.UGE(real, lo)))
    assumed = [z3.Implies(fin, z3.UGE(P, lo))]
    return MulIsolation(P, real, x, y, reference, cut[0], cut[1] if flags_port else None, lemmas, assumed)


__all__ = ["cut_signal", "Normalised", "normalise", "MulIsolation", "isolate_multiplier"]
