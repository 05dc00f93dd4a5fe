"""Multiplier isolation and cut-points.

Cut-point: a named stage signal of the netlist is replaced by a fresh variable in the output terms
(`cut_signal`); the variable is constrained only by lemmas that were proved on their own. This is
an over-approximation: unsat stays sound, a sat model may be spurious (CEGAR replays it and refines
by adding the signal's real definition, `MulIsolation.refinement`).

Multiplier isolation (proofs.md techniques 5 and 6) for a unit whose ``product`` signal multiplies
the normalised significands (`rtl.fp_mul`, and `rtl.fp_fma` whose cut miter is the bounded-alignment
FMA reference `fma_operands` on the same product term). The reference (`fpverify.smt.reference.mul`) also
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

A design that is not fpverify's own names these signals differently: a `StageBinding` per stage
(``product``, ``unpack_a_sig``, ...; a spec's ``map`` statements) gives the netlist signal and the
label its lemma carries. Exponents are optional there: without ``unpack_x_exp`` L1 checks the
significand only (the exponent path stays in the cut miter). ``domain`` (the property's
assumptions) restricts every lemma as it restricts the cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import z3

from ...formats import FloatFormat
from ...rounding import Env
from ...semantics import stages
from ...smt.exact_product import raw_significand, significand_product
from ...smt.reference.bv import all_of, const, zext
from ...smt.reference.fma import fma_operands
from ...smt.reference.mul import mul_operands
from ...smt.reference.result import RefResult
from ...smt.reference.unpack import Normalised, exp_width, normalise, unpack
from ..obligation import Obligation, conj


def cut_signal(terms, name: str, exprs: list[z3.ExprRef], fresh: z3.BitVecRef) -> list[z3.ExprRef]:
    """Replace the netlist signal ``name`` by ``fresh`` in ``exprs``; raise if it does not occur."""
    return cut_term(terms.signal(name), name, exprs, fresh)


def cut_term(sig: z3.BitVecRef, name: str, exprs: list[z3.ExprRef], fresh: z3.BitVecRef) -> list[z3.ExprRef]:
    """Replace the netlist term ``sig`` (called ``name`` in errors) by ``fresh`` in ``exprs``."""
    if sig.size() != fresh.size():
        raise ValueError(f"cut {name}: signal is {sig.size()} bits, cut variable {fresh.size()}")
    out = [z3.substitute(e, (sig, fresh)) for e in exprs]
    if all(z3.eq(o, e) for o, e in zip(out, exprs)):
        raise ValueError(f"cut {name}: the signal does not occur in the outputs")
    return out


@dataclass(frozen=True)
class StageBinding:
    """A stage the engine cuts at, bound to a netlist signal of a foreign design."""

    signal: str  # netlist signal name (`u_mul.p`), or a description when ``value`` is given
    label: str  # names the lemma about it, e.g. "map product = dut.u_mul.p (line 9)"
    value: tuple[int, ...] | None = None  # the nets themselves (an unnamed cell output)

    def term(self, terms) -> z3.BitVecRef:
        return terms.value(self.value) if self.value is not None else terms.signal(self.signal)


MUL_STAGES = (stages.PRODUCT, stages.unpack_sig("a"), stages.unpack_sig("b"),
              stages.unpack_exp("a"), stages.unpack_exp("b"))
REQUIRED_MUL_STAGES = MUL_STAGES[:3]


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
    exact_premises: list[z3.BoolRef] = field(default_factory=list)  # assumptions rewritten onto the cut

    def refinement(self) -> z3.BoolRef:
        """Drop the abstraction: the cut variable is the real product."""
        return self.product == self.real_product


def isolate_multiplier(terms, sym, fmt: FloatFormat, env: Env, result_port: str, flags_port: str | None,
                       out: FloatFormat | None = None, rand: z3.BitVecRef | None = None,
                       stage_map: Mapping[str, StageBinding] | None = None,
                       domain: Sequence[z3.BoolRef] = (), addend: z3.BitVecRef | None = None,
                       addend_fmt: FloatFormat | None = None) -> MulIsolation:
    """``rand``: the symbolic random bits of a stochastic rounding mode (the unit's rand port).
    ``stage_map``: the netlist signals of the stages (None: fpverify's own stage names).
    ``addend``: an FMA's c operand (format ``addend_fmt``, default ``fmt``): the cut miter's
    reference is then `fma_operands` (bounded alignment) on the same product term."""
    out = out or fmt
    p = fmt.precision
    cfmt = addend_fmt or fmt
    we = exp_width(fmt, cfmt, out) if addend is not None else exp_width(fmt, out)
    if stage_map is None:
        stage_map = {s: StageBinding(s, s) for s in MUL_STAGES}
    missing = [s for s in REQUIRED_MUL_STAGES if s not in stage_map]
    if missing:
        raise ValueError(f"multiplier isolation needs the stages {', '.join(missing)} bound to netlist signals")
    sig = lambda stage: stage_map[stage].term(terms)
    x, y = normalise(unpack(fmt, sym.a, we)), normalise(unpack(fmt, sym.b, we))
    P = z3.BitVec("cut_product", 2 * p)
    outs = [terms.output(result_port)] + ([terms.output(flags_port)] if flags_port else [])
    cut = cut_term(sig(stages.PRODUCT), stage_map[stages.PRODUCT].signal, outs, P)
    normalised = [("a", x), ("b", y)]
    if addend is None:
        reference = mul_operands(fmt, out, x.u, y.u, env, rand, product=P)
    else:
        z = normalise(unpack(cfmt, addend, we))
        reference = fma_operands(fmt, cfmt, out, x.u, y.u, z.u, env, rand, product=P)
        if all(s in stage_map or _has_signal(terms, s) for s in (stages.unpack_sig("c"), stages.unpack_exp("c"))):
            stage_map = {**stage_map, **{s: stage_map.get(s, StageBinding(s, s))
                                         for s in (stages.unpack_sig("c"), stages.unpack_exp("c"))}}
            normalised.append(("c", z))
    real = zext(x.nsig, 2 * p) * zext(y.nsig, 2 * p)
    own = stage_map[stages.PRODUCT].signal == stages.PRODUCT
    lemmas = []
    # an FMA's cut miter also assumes what L1 proves (the netlist's normalised significands and
    # exponents ARE the reference's): the alignment distance is then shared, not re-derived per case
    normaliser_premises = []
    for tag, n in normalised:
        rtl_sig = sig(stages.unpack_sig(tag))
        exp_stage = stages.unpack_exp(tag)
        goal = [rtl_sig == n.nsig]
        if exp_stage in stage_map:
            rtl_exp = sig(exp_stage)
            if we >= rtl_exp.size():
                goal.append(z3.SignExt(we - rtl_exp.size(), rtl_exp) == n.log2)
        name = f"L1 normaliser[{tag}]" if own else f"L1 {stage_map[stages.unpack_sig(tag)].label}"
        what = "sig/exp" if exp_stage in stage_map else "sig"
        lemmas.append(Obligation(name, f"netlist unpack_{tag}_{what} == reference sig<<lzc(sig)"
                                 + (", exp-lzc" if what == "sig/exp" else "") + f" (finite {tag})",
                                 [n.u.valid, n.u.is_finite, *domain], conj(goal)))
        if addend is not None:
            normaliser_premises.append(z3.Implies(conj([n.u.valid, n.u.is_finite, *domain]), conj(goal)))
    rtl_prod = sig(stages.PRODUCT)
    rs_a, rs_b = sig(stages.unpack_sig("a")), sig(stages.unpack_sig("b"))
    for what, r in (("product", rtl_prod), ("unpack_a_sig", rs_a), ("unpack_b_sig", rs_b)):
        limit = 2 * p if what == "product" else p
        if r.size() > limit:
            raise ValueError(f"stage {what} (netlist `{stage_map[stages.PRODUCT if what == 'product' else what].signal}`) "
                             f"is {r.size()} bits, wider than the {limit} bits of the reference's term")
    prod_name = "L2 product-definition" if own else f"L2 {stage_map[stages.PRODUCT].label}"
    lemmas.append(Obligation(prod_name, "netlist product == zext(unpack_a_sig)*zext(unpack_b_sig)",
                             list(domain), zext(rtl_prod, 2 * p) == zext(rs_a, 2 * p) * zext(rs_b, 2 * p)))
    lo = const(1 << (2 * p - 2), 2 * p)
    fin = all_of(x.u.is_finite, y.u.is_finite)
    lemmas.append(Obligation("L3 product-range", "normalised significands: product in [2^(2p-2), 2^(2p))",
                             [x.u.valid, y.u.valid, fin], z3.UGE(real, lo)))
    assumed = [z3.Implies(fin, z3.UGE(P, lo)), *normaliser_premises]
    return MulIsolation(P, real, x, y, reference, cut[0], cut[1] if flags_port else None, lemmas, assumed)


def cut_assumed_product(iso: MulIsolation, fmt: FloatFormat, a: z3.BitVecRef, b: z3.BitVecRef,
                        premises: Sequence[z3.BoolRef]) -> tuple[list[z3.BoolRef], list[Obligation]]:
    """Premises (a property's assumptions) that read the exact product ``a*b`` through the shared
    `significand_product` term, rewritten onto the cut product: ``raw_a * raw_b`` becomes
    ``P >> (lzc_a + lzc_b)``.

    Sound because it is exact at the real product: ``P = nsig_a * nsig_b`` with
    ``nsig = raw << lzc`` (fits the ``2p`` bits of ``P``), so ``raw_a * raw_b = P >> (lzc_a + lzc_b)``
    (zero operands: both sides 0). That needs the assumption's stored significand to be the one
    the engine normalised; lemma L0 proves it. Returns the rewritten premises and the L0 lemmas
    (none when no premise reads the product). The originals of the rewritten premises are kept in
    ``iso.exact_premises``: a model that satisfies only their rewritten form is spurious."""
    p = fmt.precision
    term = significand_product(fmt, a, fmt, b)
    shift = iso.x.shift + iso.y.shift
    shift = zext(shift, 2 * p) if shift.size() < 2 * p else z3.Extract(2 * p - 1, 0, shift)
    rewritten = [z3.substitute(pm, (term, z3.LShR(iso.product, shift))) for pm in premises]
    iso.exact_premises = [pm for r, pm in zip(rewritten, premises) if not z3.eq(r, pm)]
    if not iso.exact_premises:
        return list(premises), []
    lemmas = []
    for tag, code, n in (("a", a, iso.x), ("b", b, iso.y)):
        finite = all_of(n.u.valid, z3.Not(n.u.is_nan), z3.Not(n.u.is_inf))
        lemmas.append(Obligation(f"L0 assumed-product[{tag}]",
                                 f"the assumption's significand of {tag} == the normalised reference's (finite {tag})",
                                 [finite], raw_significand(fmt, code) == n.u.sig))
    return rewritten, lemmas


def _has_signal(terms, name: str) -> bool:
    try:
        terms.signal(name)
        return True
    except KeyError:
        return False


__all__ = ["cut_assumed_product", "StageBinding", "MUL_STAGES", "REQUIRED_MUL_STAGES", "cut_signal", "cut_term", "Normalised", "normalise", "MulIsolation", "isolate_multiplier"]
