"""Multiplier isolation and cut-points.

Cut-point: a named stage signal of the netlist is replaced by a fresh variable in the output terms
(`cut_signal`); the variable is constrained only by lemmas that were proved on their own. This is
an over-approximation: unsat stays sound, a sat model may be spurious (CEGAR replays it and refines
by adding the signal's real definition, `MulIsolation.refinement`).

Multiplier isolation (proofs.md techniques 5 and 6) for a unit whose ``product`` signal multiplies
the normalised significands (`rtl.fp_mul`):

* L1 ``normaliser[x]``: the netlist's ``unpack_x_sig``/``unpack_x_exp`` equal the reference's
  normalised significand ``sig << lzc(sig)`` and exponent (no multiplier: cheap);
* L2 ``product-definition``: ``product == zext(unpack_a_sig) * zext(unpack_b_sig)``;
* L3 ``product-range``: for normalised significands the product lies in [2^(2p-2), 2^(2p));
* the miter then uses ONE free term ``P`` for the netlist's product and for the reference's exact
  product of the normalised significands (`normalised_reference`), so it checks normalise, round,
  pack and specials only.

`normalised_reference` equals `fpverify.smt.reference.mul` by two reference lemma families
(RTL-independent, proved once per format and mode, see `reference_lemmas`):

* L4 ``shift-identity[k]``: ``(x·2^k)·y == (x·y)·2^k`` for a (p-k)-bit x (so the normalised
  product is the raw product shifted by ka+kb);
* L5 ``round-shift[k]``: the reference rounder is value-based:
  ``round(M·2^k, E-k) == round(M, E)`` for every nonzero M < 2^(2p-k).
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from ...formats import FloatFormat
from ...rounding import Env
from ...smt.reference.bv import all_of, any_of, const, lzc, zext
from ...smt.reference.pack import choose
from ...smt.reference.result import RefResult, inf_result, nan_result, zero_result
from ...smt.reference.round import round_pack
from ...smt.reference.unpack import Unpacked, exp_width, unpack
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
class Normalised:
    """The reference operand normalised like the RTL: ``nsig`` has its MSB set (finite nonzero)."""

    u: Unpacked
    shift: z3.BitVecRef  # lzc(sig), exp width
    nsig: z3.BitVecRef  # P bits
    nexp: z3.BitVecRef  # exponent of the LSB of nsig

    @property
    def log2(self) -> z3.BitVecRef:
        """floor(log2 |x|) (the RTL's ``unpack_x_exp`` convention)."""
        return self.nexp + const(self.u.fmt.precision - 1, self.nexp.size())


def normalise(u: Unpacked) -> Normalised:
    p = u.fmt.precision
    we = u.exp.size()
    nsig = u.sig << lzc(u.sig, p)
    k = lzc(u.sig, we)
    return Normalised(u, k, nsig, u.exp - k)


def normalised_reference(fmt: FloatFormat, x: Normalised, y: Normalised, product: z3.BitVecRef, env: Env,
                         out: FloatFormat | None = None) -> RefResult:
    """`reference.mul` with the normalised significands and ``product`` as their exact product."""
    out = out or fmt
    sign = z3.Xor(x.u.sign, y.u.sign)
    pexp = x.nexp + y.nexp
    terms = {"sign": sign, "product": product, "product_exp": pexp}
    rounded = round_pack(out, sign, product, pexp, env, None, terms)
    a, b = x.u, y.u
    invalid = any_of(all_of(a.is_inf, b.is_zero), all_of(a.is_zero, b.is_inf))
    res = choose(any_of(a.is_nan, b.is_nan), nan_result(out, env, a, b),
                 choose(invalid, nan_result(out, env, a, b, invalid=invalid),
                        choose(any_of(a.is_inf, b.is_inf), inf_result(out, sign, env),
                               choose(any_of(a.is_zero, b.is_zero), zero_result(out, sign), rounded))))
    r = RefResult.of(res, terms)
    r.defined = all_of(r.defined, a.valid, b.valid)
    return r


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
                       out: FloatFormat | None = None) -> MulIsolation:
    out = out or fmt
    p = fmt.precision
    we = exp_width(fmt, out)
    x, y = normalise(unpack(fmt, sym.a, we)), normalise(unpack(fmt, sym.b, we))
    P = z3.BitVec("cut_product", 2 * p)
    outs = [terms.output(result_port)] + ([terms.output(flags_port)] if flags_port else [])
    cut = cut_signal(terms, "product", outs, P)
    reference = normalised_reference(fmt, x, y, P, env, out)
    real = zext(x.nsig, 2 * p) * zext(y.nsig, 2 * p)
    lemmas = []
    for tag, n in (("a", x), ("b", y)):
        rtl_sig, rtl_exp = terms.signal(f"unpack_{tag}_sig"), terms.signal(f"unpack_{tag}_exp")
        goal = conj([rtl_sig == n.nsig, z3.SignExt(we - rtl_exp.size(), rtl_exp) == n.log2]
                    if we >= rtl_exp.size() else [rtl_sig == n.nsig])
        lemmas.append(Obligation(f"L1 normaliser[{tag}]",
                                 f"netlist unpack_{tag}_sig/exp == reference sig<<lzc(sig), exp-lzc (finite {tag})",
                                 [n.u.valid, n.u.is_finite], goal))
    rtl_prod = terms.signal("product")
    rs_a, rs_b = terms.signal("unpack_a_sig"), terms.signal("unpack_b_sig")
    lemmas.append(Obligation("L2 product-definition", "netlist product == zext(unpack_a_sig)*zext(unpack_b_sig)",
                             [], rtl_prod == zext(rs_a, 2 * p) * zext(rs_b, 2 * p)))
    lo = const(1 << (2 * p - 2), 2 * p)
    fin = all_of(x.u.is_finite, y.u.is_finite)
    lemmas.append(Obligation("L3 product-range", "normalised significands: product in [2^(2p-2), 2^(2p))",
                             [x.u.valid, y.u.valid, fin], z3.UGE(real, lo)))
    assumed = [z3.Implies(fin, z3.UGE(P, lo))]
    return MulIsolation(P, real, x, y, reference, cut[0], cut[1] if flags_port else None, lemmas, assumed)


def reference_lemmas(fmt: FloatFormat, env: Env, out: FloatFormat | None = None) -> list[Obligation]:
    """L4/L5: `normalised_reference` == `reference.mul` (RTL-independent; cache them)."""
    out = out or fmt
    p = fmt.precision
    W = 2 * p
    obs = []
    for k in range(1, p):
        xl, yv = z3.BitVec(f"x_lo{k}", p - k), z3.BitVec("y", p)
        shifted = zext(z3.Concat(xl, const(0, k)), W)
        for side in ("a", "b"):
            lhs = shifted * zext(yv, W) if side == "a" else zext(yv, W) * shifted
            raw = zext(xl, W) * zext(yv, W) if side == "a" else zext(yv, W) * zext(xl, W)
            obs.append(Obligation(f"L4 shift-identity[{side},k={k}]", f"(x·2^{k})·y == (x·y)·2^{k}, {p - k}-bit x",
                                  [], lhs == (raw << k)))
    we = exp_width(fmt, out)
    lo = 2 * (fmt.emin - fmt.man_bits)
    hi = 2 * ((1 << fmt.exp_bits) - fmt.bias)
    sign = z3.Bool("sign")
    E = z3.BitVec("E", we)
    for k in range(1, 2 * p - 1):
        M = z3.BitVec(f"M{k}", W - k)
        r1 = round_pack(out, sign, z3.Concat(M, const(0, k)), E - const(k, we), env)
        r2 = round_pack(out, sign, zext(M, W), E, env)
        obs.append(Obligation(f"L5 round-shift[k={k}]", f"round(M·2^{k}, E-{k}) == round(M, E), {env.rounding}",
                              [M != 0, E >= const(lo, we), E <= const(hi, we)],
                              conj([r1.code == r2.code, r1.flags == r2.flags])))
    return obs


__all__ = ["cut_signal", "Normalised", "normalise", "normalised_reference", "MulIsolation",
           "isolate_multiplier", "reference_lemmas"]
