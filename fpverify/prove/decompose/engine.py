"""The decomposed equivalence proof: build the problem, generate obligations from a strategy, solve
them in the pool, run CEGAR on failures, and aggregate one verdict.

    from fpverify.dsl.proof_strategy import load_strategy
    from fpverify.prove.decompose import prove_decomposed
    res = prove_decomposed(netlist, "mul", get_format("f16"), strategy=load_strategy("decompose_multiplier"))
    res.status   # PROVED only if every lemma, case and coverage obligation is unsat and every
                 # witness is sat; REFUTED only with a replayed counterexample

Obligation kinds: ``lemma`` (a cut-point justification, proved then assumed), ``coverage`` (the split
is complete), ``witness`` (a case is non-vacuous, expected sat) and ``case`` (the miter under one
case, using the lemmas as premises).

An FMA strategy with ``isolate sum`` adds the alignment lemmas ``LS alignment[class]`` and one
cut miter per operand class (`fma_sum`); a LS lemma or sum-cut case that is not proved is replaced
by the product-cut cases of the distance split inside its class (REPLACED / SUPERSEDED), never
assumed.

A sat model of a case or a lemma is completed to full inputs and replayed end to end
(`cegar.classify`): a mismatch is a REFUTED counterexample, localised. A lemma whose model is no
bug is FAILED: the cut it justified is dropped and every case is re-proved on the uncut miter
(no lemma assumed); if that does not settle them the verdict is UNKNOWN, naming the lemma and its
model. ERROR is reserved for bugs in fpverify itself (a model that does not replay).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import z3

from ...formats import Format
from ...rounding import Env
from ...semantics.ops import family_members
from ...semantics import stages as stage_names
from ...smt.reference.bv import const
from ...smt.reference.unpack import unpack
from ..monolithic import ProofSetupError, build_obligation, reference_for
from ..obligation import Obligation, conj
from ..replay import env_for, operand_ports
from ..types import Counterexample, PortMap
from . import splits as S
from .cegar import Localisation, Stage, classify, localise
from .find_product import find_product
from .fma_sum import SumCut, isolate_sum
from .isolate import MulIsolation, StageBinding, cut_assumed_product, isolate_multiplier, normalise
from .pool import Job, Outcome, run_jobs, solver_versions
from .strategy import Strategy


@dataclass
class Problem:
    """Everything one decomposed proof needs: the uncut miter and, for a multiplier, the cut one."""

    netlist: object
    op: str
    fmt: Format
    out: Format
    env: Env
    ports: PortMap
    lmul_policy: object
    cycles: int
    component: object
    monolithic: Obligation
    sym: object
    reference: object
    flag_mask: int
    terms: object
    iso: MulIsolation | None = None
    nan_exact: bool = False  # the result must equal the reference bit for bit (NaN encoding pinned)
    premises: list = field(default_factory=list)
    witness_premises: list | None = None  # exact premises for witnesses when ``premises`` read a cut
    stage_map: Mapping[str, StageBinding] | None = None  # a foreign design's signals for the stages
    goal: z3.BoolRef | None = None
    addend_fmt: Format | None = None  # an FMA's c format when it is not ``fmt`` (mixed formats)
    sum_cut: SumCut | None = None  # an FMA cut at its sum stage too (`fma_sum`; ``isolate sum``)
    sum_cut_note: str = ""  # why a requested sum cut was not made

    def role_fmt(self, role: str) -> Format:
        """The format of operand ``role`` (a, b: ``fmt``; c: the addend format)."""
        return self.addend_fmt if role == "c" and self.addend_fmt is not None else self.fmt

    def unpack_role(self, role: str):
        return unpack(self.role_fmt(role), getattr(self.sym, role), self._we())

    @property
    def operand_ports(self) -> list[str]:
        return operand_ports(self.op, self.ports)

    def stages(self, inputs: dict[str, int] | None = None) -> list[Stage]:
        """Named stage signals vs reference terms, in pipeline order (for localisation).

        ``inputs`` (a counterexample): an rm-port unit's internal stages are compared with the
        reference of the counterexample's own mode (its rm value; overflow and random bits as the
        problem's environment and rand port give them), not with the first mode of the encoding."""
        out = []
        x = normalise(unpack(self.fmt, self.sym.a, self._we()))
        y = normalise(unpack(self.fmt, self.sym.b, self._we())) if self.sym.b is not None else None
        fin = conj([x.u.is_finite] + ([y.u.is_finite] if y else []))
        p_in = self.fmt.precision
        for tag, n in (("a", x), ("b", y)):
            if n is None:
                continue
            if self.op in ("add", "sub"):  # adders keep raw significands (exponent of the top bit)
                out.append(Stage(stage_names.unpack_sig(tag), n.u.sig, when=n.u.is_finite))
                out.append(Stage(stage_names.unpack_exp(tag), n.u.exp + const(p_in - 1, n.u.exp.size()), signed=True,
                                 when=n.u.is_finite))
                continue
            out.append(Stage(stage_names.unpack_sig(tag), n.nsig, when=n.u.is_finite))
            out.append(Stage(stage_names.unpack_exp(tag), n.log2, signed=True, when=n.u.is_finite))
        if self.iso is not None:
            out.append(Stage(stage_names.PRODUCT, self.iso.real_product, when=fin))
            out.append(Stage(stage_names.PRODUCT_EXP, x.log2 + y.log2, signed=True, when=fin))
            t = {k: z3.substitute(v, (self.iso.product, self.iso.real_product)) if isinstance(v, z3.ExprRef) else v
                 for k, v in self.iso.reference.terms.items()}
        else:
            t = self.mode_reference(inputs).terms
        if stage_names.ROUND_GUARD in t and self.op in ("mul", "add", "sub", "lmul", "fma"):
            frac = t[stage_names.ROUND_FRAC]
            below = z3.Or(z3.Extract(frac.size() - 2, 0, frac) != 0, t[stage_names.ROUND_STICKY])
            # an adder's datapath also adds a zero operand (x + 0 is aligned, normalised and rounded)
            ordinary = conj([z3.Not(z3.Or(n.u.is_nan, n.u.is_inf)) for n in (x, y) if n is not None])
            if self.op == "lmul":  # variant A rounds only normal x normal (zeros, subnormals flush)
                datapath = conj([fin] + [z3.Not(z3.Or(n.u.is_zero, n.u.is_subnormal)) for n in (x, y)])
            elif self.op == "fma":  # the rounder sees every sum of non-special operands that is not 0
                z = self.unpack_role("c")
                datapath = conj([ordinary, z3.Not(z3.Or(z.is_nan, z.is_inf)), t[stage_names.SUM] != 0])
            else:
                datapath = fin if self.op == "mul" else conj([ordinary, t[stage_names.SUM] != 0])
            bit1 = lambda b: z3.If(b, const(1, 1), const(0, 1))
            if self.op in ("add", "sub") and stage_names.ALIGN_STICKY in t:
                out.append(Stage(stage_names.ALIGN_STICKY, bit1(t[stage_names.ALIGN_STICKY]), when=ordinary))
            # the normalised exponent floor(log2 |exact|) the rounder starts from
            out.append(Stage(stage_names.NORM_EXP, t[stage_names.round_stage("e")], signed=True, when=datapath))
            out.append(Stage(stage_names.ROUND_GUARD, bit1(t[stage_names.ROUND_GUARD]), when=datapath))
            out.append(Stage(stage_names.ROUND_STICKY, bit1(below), when=datapath))
            out.append(Stage(stage_names.ROUND_UP, bit1(t[stage_names.ROUND_AWAY]), when=datapath))
            out.append(Stage(stage_names.ROUND_OVERFLOW, bit1(t[stage_names.ROUND_OVERFLOW]), when=datapath))
        out.append(Stage(self.ports.result, self.monolithic.watch["ref_code"]))
        if self.ports.flags and self.flag_mask:
            out.append(Stage(self.ports.flags, self.monolithic.watch["ref_flags"]))
        return [self._mapped(st) for st in out]

    def _mapped(self, st: Stage) -> Stage:
        """A stage under the name a foreign design's `map` gives it (``u_mul.p`` for ``product``)."""
        b = (self.stage_map or {}).get(st.signal)
        if b is None or b.value is not None:
            return st
        return Stage(b.signal, st.reference, st.signed, st.when)

    def mode_reference(self, inputs: dict[str, int] | None = None):
        """The reference whose terms describe ``inputs``: for an rm-port unit, the reference of
        the mode the rm value selects (``self.reference`` muxes only the result and flags)."""
        if self.ports.rm is None or inputs is None:
            return self.reference
        return reference_for(self.op, self.fmt, self.out, env_for(self.env, self.ports, inputs), self.sym,
                             self.lmul_policy)

    def _we(self) -> int:
        from ...smt.reference.unpack import exp_width
        return exp_width(self.fmt, self.out, *([self.addend_fmt] if self.addend_fmt is not None else []))

    def class_split_cases(self, roles: Sequence[str], grouped: bool = False) -> list[S.Case]:
        if grouped:
            return S.grouped_class_cases({r: self.unpack_role(r) for r in roles})
        lists = [S.class_cases(self.unpack_role(r), r) for r in roles]
        return S.cross(*lists)


def build_problem(netlist, op: str, fmt: Format, *, out_fmt=None, env: Env = Env(), lmul_policy=None,
                  ports: PortMap = PortMap(), check_flags: bool = True, cycles: int = 0, component=None,
                  isolate: bool = False, nan_exact: bool = False, assumptions: Sequence = (),
                  stage_map: Mapping[str, StageBinding] | None = None, addend_fmt=None,
                  isolate_sum_stage: bool = False) -> Problem:
    """``addend_fmt``: an FMA's c format when it differs from ``fmt``. ``isolate_sum_stage``: an
    FMA with fpverify's own stages is also cut at its sum (`fma_sum`; needs ``isolate``). ``assumptions``: callables of the symbolic inputs (as `build_obligation` takes them) that
    restrict the domain of every case and lemma; ``stage_map``: the netlist signals of the stages
    a multiplier is cut at (`isolate.StageBinding`; None: fpverify's own stage names)."""
    ob, terms, reference, flag_mask, sym, _, ports = build_obligation(
        netlist, op, fmt, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy, ports=ports,
        check_flags=check_flags, cycles=cycles, nan_exact=nan_exact, assumptions=assumptions,
        addend_fmt=addend_fmt)
    out = sym.out_fmt
    pr = Problem(netlist, op, fmt, out, env, ports, lmul_policy, cycles, component, ob, sym, reference,
                 flag_mask, terms, nan_exact=nan_exact, addend_fmt=sym.addend_fmt)
    pr.premises, pr.goal = list(ob.premises), ob.goal
    if isolate:
        if op not in ("mul", "fma"):
            raise ProofSetupError("multiplier isolation applies to mul and fma units")
        if ports.rm is not None:
            raise ProofSetupError("multiplier isolation needs a static rounding mode "
                                  "(prove each mode of an rm-port unit on its own netlist)")
        rand = sym.rand if env.rounding.mode.stochastic else None
        if stage_map is None and not has_own_stages(netlist):
            stage_map = find_product(netlist, fmt, ports)  # raises ProductNotFound, saying why
        try:
            iso = isolate_multiplier(terms, sym, fmt, env, ports.result, ports.flags if flag_mask else None, out,
                                     rand, stage_map=stage_map, domain=[a(sym) for a in assumptions],
                                     addend=sym.c if op == "fma" else None, addend_fmt=sym.addend_fmt)
        except (KeyError, ValueError) as e:
            raise ProofSetupError(f"multiplier isolation: {e.args[0] if e.args else e}") from None
        premises, product_lemmas = cut_assumed_product(iso, fmt, sym.a, sym.b, ob.premises)
        iso.lemmas = product_lemmas + iso.lemmas
        pr.iso = iso
        pr.stage_map = stage_map
        nan_n = unpack(out, iso.net_code).is_nan
        nan_r = unpack(out, iso.reference.code).is_nan
        same_code = iso.net_code == iso.reference.code
        goals = [same_code if nan_exact else z3.Or(same_code, z3.And(nan_n, nan_r))]
        if iso.net_flags is not None:
            k = min(iso.net_flags.size(), 6)
            goals.append(z3.Extract(k - 1, 0, iso.net_flags) == z3.Extract(k - 1, 0, iso.reference.flags))
        pr.premises = premises + iso.assumed
        if iso.exact_premises:  # a witness must be a real input, not one of the cut product's
            pr.witness_premises = list(ob.premises) + iso.assumed
        pr.goal = conj(goals)
        if isolate_sum_stage and op == "fma":
            if stage_map is not None:
                pr.sum_cut_note = "sum cut not made: the design's stages are mapped (foreign design)"
            else:
                try:
                    pr.sum_cut = isolate_sum(iso, terms, fmt, sym.addend_fmt or fmt, out, env, rand)
                except (KeyError, ValueError) as e:
                    pr.sum_cut_note = f"sum cut not made: {e.args[0] if e.args else e}"
    return pr


def sum_cut_goal(pr: Problem) -> z3.BoolRef:
    """The cut miter's goal at the sum stage (as the product cut's: NaN as a class unless nan_exact)."""
    sc = pr.sum_cut
    same_code = sc.net_code == sc.reference.code
    goals = [same_code if pr.nan_exact else
             z3.Or(same_code, z3.And(unpack(pr.out, sc.net_code).is_nan, unpack(pr.out, sc.reference.code).is_nan))]
    if sc.net_flags is not None:
        k = min(sc.net_flags.size(), 6)
        goals.append(z3.Extract(k - 1, 0, sc.net_flags) == z3.Extract(k - 1, 0, sc.reference.flags))
    return conj(goals)


def has_own_stages(netlist) -> bool:
    """The netlist names fpverify's own multiplier stages (`product`, `unpack_a_sig`, ...)."""
    try:
        netlist.signal(stage_names.PRODUCT)
        return True
    except KeyError:
        return False


# ---- obligations ------------------------------------------------------------------------------


@dataclass
class Item:
    """One obligation of a decomposed proof and its outcome."""

    kind: str  # lemma | coverage | witness | case
    obligation: Obligation
    expect: str = "unsat"
    outcome: Outcome | None = None
    # PROVED | REFUTED | UNKNOWN | ERROR | WITNESSED | VACUOUS | SKIPPED, and FAILED (a lemma that does
    # not hold but whose model is no bug) | SUPERSEDED (a cut case re-run uncut after a FAILED lemma,
    # or a sum-cut case replaced by its product-cut cases) | REPLACED (a LS lemma not proved: the
    # product-cut cases of its class were run instead)
    status: str = "PENDING"
    refinements: list[str] = field(default_factory=list)
    counterexample: Counterexample | None = None
    localisation: Localisation | None = None
    case: S.Case | None = None
    # a LS lemma: the product-cut case it stands in for (run if the lemma FAILS); a sum-cut case:
    # the product-cut cases it covers (run if its model is spurious)
    fallback: list[S.Case] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.obligation.name


def case_obligation(pr: Problem, case: S.Case, extra: Sequence[z3.BoolRef] = ()) -> Obligation:
    return Obligation(f"case[{case.name}]", f"{pr.monolithic.name} under {case.name}",
                      [*pr.premises, case.pred, *extra], pr.goal)


def sum_case_obligation(pr: Problem, case: S.Case) -> Obligation:
    """The miter cut at the sum stage under ``case`` (normalisation, rounding, specials)."""
    return Obligation(f"case[{case.name}] sum-cut", f"{pr.monolithic.name} under {case.name}, cut at the sum",
                      [*pr.premises, *pr.sum_cut.assumed, case.pred], sum_cut_goal(pr))


def alignment_lemma(pr: Problem, case: S.Case) -> Obligation:
    """LS: the netlist's aligned sum is the reference's (`fma_sum`), under ``case``."""
    return Obligation(f"LS alignment[{case.name}]", f"netlist sum/sum_exp/sum_sign == reference frame sum "
                      f"under {case.name}", [*pr.premises, pr.sum_cut.ordinary, case.pred], pr.sum_cut.lemma_goal)


def plan(pr: Problem, st: Strategy) -> list[Item]:
    """The obligations of ``st`` applied to ``pr``."""
    items: list[Item] = []
    if pr.iso is not None:
        items += [Item("lemma", ob) for ob in pr.iso.lemmas]
    params = S.format_params(pr.fmt)
    params["pc"] = pr.role_fmt("c").precision if pr.op == "fma" else params["p"]  # an FMA addend's precision
    cases = pr.class_split_cases(st.class_split, st.grouped) if st.class_split else [S.Case("all", z3.BoolVal(True))]
    finite_roles = [r for r in ("a", "b", "c") if getattr(pr.sym, r) is not None]
    us = {r: pr.unpack_role(r) for r in finite_roles}
    is_finite_case = lambda c: c.name == "finite" or all(f"{r}=subnormal" in c.name or f"{r}=normal" in c.name for r in finite_roles) \
        if st.class_split else True
    sub: list[S.Case] = []
    if st.band:
        x, y = normalise(us["a"]), normalise(us["b"])
        sub = S.interval_cases(x.log2 + y.log2, "S", S.parse_intervals(st.band, params))
    elif st.diff:
        if pr.op == "fma":
            d = fma_alignment_distance(us["a"], us["b"], us["c"])
        else:
            d = pr.reference.terms[stage_names.ALIGN_SHIFT]
        sub = S.interval_cases(d, "d", S.parse_intervals(st.diff, params))
    if sub:
        cases = S.refine(cases, is_finite_case, sub)
    split = S.Split(st.name, cases)
    # the sum cut: one alignment lemma and one cut miter per operand class (measured: one lemma over
    # every distance is faster than one per distance band, f32 6.9 s vs 22 s); the distance split's
    # cases are the product-cut fallback of a class whose lemma or cut miter is not proved
    top = (pr.class_split_cases(st.class_split, st.grouped) if st.class_split else [S.Case("all", z3.BoolVal(True))]) \
        if pr.sum_cut is not None else []
    within = lambda c: [r for r in cases if r.name == c.name or r.name.startswith(c.name + " ∧ ")]
    items += [Item("lemma", alignment_lemma(pr, c), case=c, fallback=within(c)) for c in top
              if c.name not in ("any=nan", "any=inf")]  # NaN/Inf never reach the sum
    items.append(Item("coverage", S.coverage_obligation(split, pr.premises)))
    if sub:  # the refinement itself must cover the finite x finite domain
        fin = conj([us[r].is_finite for r in finite_roles])
        items.append(Item("coverage", S.coverage_obligation(S.Split(f"{st.name}:finite", sub, fin), pr.premises)))
    if st.witnesses:
        items += [Item("witness", S.witness_obligation(split, c, pr.witness_premises or pr.premises), expect="sat", case=c)
                  for c in (top or cases)]
    if pr.sum_cut is None:
        items += [Item("case", case_obligation(pr, c), case=c) for c in cases]
        return items
    items += [Item("case", sum_case_obligation(pr, c), case=c, fallback=within(c)) for c in top]
    return items


def fma_alignment_distance(a, b, c) -> z3.BitVecRef:
    """An FMA's alignment distance: floor(log2|c|) - (floor(log2|a|) + floor(log2|b|) + 1), the
    addend's top exponent minus the product's (negative: the addend is below the product)."""
    x, y, z = normalise(a), normalise(b), normalise(c)
    w = max(x.log2.size(), z.log2.size()) + 2
    ext = lambda t: z3.SignExt(w - t.size(), t)
    return ext(z.log2) - ext(x.log2) - ext(y.log2) - const(1, w)


# ---- running ----------------------------------------------------------------------------------


@dataclass
class DecomposedResult:
    status: str  # PROVED | REFUTED | UNKNOWN | ERROR
    seconds: float
    items: list[Item]
    solver_versions: dict[str, str]
    name: str
    strategy: str
    counterexample: Counterexample | None = None
    localisation: Localisation | None = None
    lemmas_relied_on: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def proved(self) -> bool:
        return self.status == "PROVED"

    def cpu_seconds(self) -> float:
        return sum(i.outcome.seconds for i in self.items if i.outcome is not None)


REFINE_PRODUCT = "cut `product` dropped"  # the CEGAR refinement of a case (`Item.refinements`)
_DONE = {"unsat": "PROVED", "sat": "REFUTED", "unknown": "UNKNOWN", "error": "ERROR"}


def _judge(item: Item, out: Outcome) -> None:
    item.outcome = out
    if item.expect == "sat":
        item.status = {"sat": "WITNESSED", "unsat": "VACUOUS"}.get(out.answer, _DONE[out.answer])
    else:
        item.status = _DONE[out.answer]


def prove_decomposed(netlist, op: str, fmt: Format, *, strategy: Strategy,
                     out_fmt=None, env: Env = Env(), lmul_policy=None, ports: PortMap = PortMap(),
                     check_flags: bool = True, cycles: int = 0, component=None, workers: int | None = None,
                     timeout_s: float | None = None, solvers: Sequence[str] | None = None,
                     cross_check: bool | None = None,
                     max_refinements: int = 3, vcd_dir=None, stop_at_bug: bool = True,
                     nan_exact: bool = False, assumptions: Sequence = (),
                     stage_map: Mapping[str, StageBinding] | None = None,
                     progress: Callable[[str, Item], None] | None = None,
                     addend_fmt=None) -> DecomposedResult:
    """Prove ``netlist`` ≡ the reference of ``op`` by the decomposition ``strategy``.

    ``assumptions`` restrict the domain (callables of the symbolic inputs, as `build_obligation`
    takes them); ``stage_map`` binds the cut stages to a foreign design's signals (`build_problem`);
    ``addend_fmt``: an FMA's c format when it differs from ``fmt`` (mixed formats).

    NaN results are compared as a class unless ``nan_exact`` (then bit for bit, as the monolithic
    miter with ``nan_exact``)."""
    t0 = time.perf_counter()
    st = strategy
    if op not in family_members(st.family):
        raise ProofSetupError(f"strategy {st.name} is for {st.family} units, not {op}")
    pr = build_problem(netlist, op, fmt, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy, ports=ports,
                       check_flags=check_flags, cycles=cycles, component=component,
                       isolate=bool(st.isolate), nan_exact=nan_exact, assumptions=assumptions,
                       stage_map=stage_map, addend_fmt=addend_fmt, isolate_sum_stage="sum" in st.isolate)
    items = plan(pr, st)
    timeout = timeout_s or st.timeout_s
    use = tuple(solvers) if solvers else st.solvers
    xcheck = st.cross_check if cross_check is None else cross_check

    def jobs_for(its: list[Item]) -> list[Job]:
        return [Job(i.name, None, i.expect, timeout, use if i.expect == "unsat" else ("z3",),
                    xcheck and i.expect == "unsat", tag=i, obligation=i.obligation) for i in its]

    cex = loc = None
    classified: dict[int, tuple] = {}
    failed_lemmas: list[tuple[Item, str]] = []  # (lemma, its completed model as text)

    def done(out: Outcome) -> None:
        nonlocal cex, loc
        item = out.tag
        _judge(item, out)
        if item.kind in ("case", "lemma") and item.status == "REFUTED":
            # lift the model: complete it to full inputs and replay it end to end
            kind, c, why = classify(pr, out.model or {})
            if item.kind == "case":
                classified[id(item)] = (kind, c, why)
            if kind == "real" and cex is None:  # replayed: a bug; the other obligations can stop
                item.counterexample = c
                item.localisation = loc = localise(pr, c.inputs, vcd_dir)
                cex = c
            elif item.kind == "lemma" and kind == "real":
                item.counterexample = c
            elif item.kind == "lemma" and kind == "spurious" and item.fallback:
                model = " ".join(f"{n}={v:#x}" for n, v in c.inputs.items())
                item.status = "REPLACED"
                item.counterexample = c
                item.outcome.message = (f"the lemma does not hold at {model}, where the netlist and the golden "
                                        f"model agree end to end; its case is proved with the product cut only")
            elif item.kind == "lemma" and kind == "spurious":
                model = " ".join(f"{n}={v:#x}" for n, v in c.inputs.items())
                item.status = "FAILED"
                item.counterexample = c
                item.outcome.message = (f"the lemma does not hold at {model}, where the netlist and the golden "
                                        f"model agree end to end; its cases are re-proved without the cut")
                failed_lemmas.append((item, model))
            elif item.kind == "lemma":
                item.status = "ERROR"
                item.counterexample = c
                item.outcome.message = f"lemma model did not replay (tool bug, not a design bug): {why}"
        if progress:
            progress("done", item)

    def started(job: Job, solver: str) -> None:
        if progress:
            progress("start", job.tag)

    stop = (lambda: cex is not None) if stop_at_bug else None
    run_jobs(jobs_for(items), workers, done, started, stop)

    def cegar(item: Item) -> None:
        """A case's sat model: a real bug, or spurious (refine: the cut product is the real one)."""
        nonlocal cex, loc
        for _ in range(max_refinements + 1):
            kind, c, why = classified.pop(id(item), None) or classify(pr, item.outcome.model or {})
            if kind == "real":
                item.counterexample = c
                item.localisation = localise(pr, c.inputs, vcd_dir)
                cex, loc = cex or c, loc or item.localisation
                return
            if kind == "error":
                item.status = "ERROR"
                item.counterexample = c
                item.outcome.message = f"model did not replay (tool bug, not a design bug): {why}"
                return
            if pr.iso is None or any(r.startswith(REFINE_PRODUCT) for r in item.refinements):
                item.status = "ERROR"
                item.outcome.message = "spurious model without an abstraction left to refine"
                return
            item.refinements.append(f"{REFINE_PRODUCT}: P == zext(nsig_a)*zext(nsig_b)")
            item.obligation = case_obligation(pr, item.case, [pr.iso.refinement()])
            run_jobs(jobs_for([item]), workers, done, started)
            if item.status != "REFUTED" or item.counterexample is not None:
                return

    def run_fallback(extra: list[Item]) -> None:
        """Product-cut cases in place of the sum cut. A sat model there usually means a bug (the
        lemma or cut miter they replace did not hold), so the run pauses at the first one to
        refine it before proving the rest."""
        pending = list(extra)
        while pending and cex is None:
            sat = lambda: cex is not None or any(i.status == "REFUTED" and i.counterexample is None for i in pending)
            run_jobs(jobs_for(pending), workers, done, started, sat if stop_at_bug else None)
            for item in [i for i in pending if i.status == "REFUTED" and i.counterexample is None]:
                if cex is None:
                    cegar(item)
            pending = [i for i in pending if i.outcome is None]

    queued: set[str] = set()

    def replace_by_product_cut(item: Item, why: str) -> list[Item]:
        """The product-cut cases an unproved LS lemma or sum-cut case stood for (each once)."""
        new = [c for c in item.fallback if c.name not in queued]
        queued.update(c.name for c in new)
        return [Item("case", case_obligation(pr, c), case=c, refinements=[why]) for c in new]

    if cex is None:  # a LS lemma that is not proved: prove its case with the product cut only
        extra = []
        for item in [i for i in items if i.kind == "lemma" and i.fallback and i.status in ("REPLACED", "UNKNOWN")]:
            if item.status == "UNKNOWN":
                item.status = "REPLACED"
                item.outcome.message = "not proved in time; its case is proved with the product cut only"
            extra += replace_by_product_cut(item, f"{item.name} not proved")
        items += extra
        run_fallback(extra)
    if failed_lemmas and cex is None:
        # a lemma that fails without a bug leaves the cut unjustified: every case falls back to the
        # uncut miter (no lemma assumed), run like any case (a sat model replays directly)
        names = ", ".join(i.name for i, _ in failed_lemmas)
        fallback, uncut = [], set()
        for item in [i for i in items if i.kind == "case" and i.status != "SUPERSEDED"]:
            item.status = "SUPERSEDED"
            for case in (item.fallback or [item.case]):  # a sum-cut case: the distance split's cases
                if case.name in uncut:
                    continue
                uncut.add(case.name)
                ob = Obligation(f"case[{case.name}] uncut", f"{pr.monolithic.name} under {case.name}, without the "
                                f"cut ({names} failed)", [*pr.monolithic.premises, case.pred], pr.monolithic.goal)
                fallback.append(Item("case", ob, case=case, refinements=[f"uncut: {names} failed"]))
        items += fallback
        run_jobs(jobs_for(fallback), workers, done, started, stop)
    if cex is None and pr.sum_cut is not None:
        # a sum-cut case with a spurious model (the free sum is no real one) or no answer in time:
        # its product-cut cases (the distance split) instead
        extra = []
        for item in [i for i in items if i.kind == "case" and i.fallback and i.status in ("REFUTED", "UNKNOWN")
                     and i.counterexample is None]:
            kind, c, why = classified.pop(id(item), None) or (classify(pr, item.outcome.model or {})
                                                              if item.status == "REFUTED" else ("unknown", None, ""))
            if kind == "real":
                item.counterexample, item.localisation = c, localise(pr, c.inputs, vcd_dir)
                cex, loc = cex or c, loc or item.localisation
                break
            if kind == "error":
                item.status, item.counterexample = "ERROR", c
                item.outcome.message = f"model did not replay (tool bug, not a design bug): {why}"
                continue
            item.status = "SUPERSEDED"
            extra += replace_by_product_cut(item, f"sum cut: {'spurious model' if kind == 'spurious' else 'no answer'}")
        if cex is None:
            items += extra
            run_fallback(extra)
    # CEGAR on the other failed cases: spurious models refine the abstraction and re-solve
    for item in [i for i in items if i.kind == "case" and i.status == "REFUTED" and i.counterexample is None]:
        cegar(item)
    for item in items:
        if item.outcome is None and item.status == "PENDING":
            item.status = "SKIPPED"  # not run: the proof stopped at a replayed counterexample
    statuses = [i.status for i in items]
    if cex is not None:
        status = "REFUTED"
    elif any(s in ("ERROR", "REFUTED") for s in statuses):
        status = "ERROR"
    elif all(s in ("PROVED", "WITNESSED", "VACUOUS", "FAILED", "SUPERSEDED", "REPLACED") for s in statuses):
        status = "PROVED"  # a FAILED lemma: every case was re-proved without it; REPLACED: its case was
    else:
        status = "UNKNOWN"
    relied = [] if failed_lemmas else [i.name for i in items if i.kind == "lemma" and i.status == "PROVED"]
    msg = pr.sum_cut_note
    if failed_lemmas and status == "UNKNOWN":
        msg = (msg + "; " if msg else "") + "; ".join(f"lemma {i.name} does not hold at {model} (no bug replays there) and the uncut cases "
                        f"are not all proved" for i, model in failed_lemmas)
    vacuous = [i.name for i in items if i.status == "VACUOUS"]
    if vacuous:
        msg = (msg + "; " if msg else "") + ("empty cases (unsatisfiable, so they prove nothing; the coverage "
                                             f"proof does not need them): {', '.join(vacuous)}")
    return DecomposedResult(status, time.perf_counter() - t0, items, solver_versions(), pr.monolithic.name,
                            st.name, cex, loc, relied, msg)


__all__ = ["Problem", "Item", "DecomposedResult", "build_problem", "plan", "prove_decomposed", "case_obligation"]
