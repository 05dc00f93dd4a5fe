"""Case splits: operand class, exponent band, exponent difference, normalisation shift.

A `Split` is a list of named `Case` predicates over the symbolic inputs, plus the domain it must
cover. Two obligations make a split trustworthy (proofs.md technique 10):

* coverage: ``premises ∧ domain ∧ ¬(c1 ∨ … ∨ cn)`` is unsat (`coverage_obligation`);
* non-vacuity: each ``premises ∧ domain ∧ ci`` is sat (`witness_obligation`, expected sat).

Interval bounds come from strategy files as expressions over the format parameters
(`format_params`: p, m, e, bias, emin, emax; the fma family adds pc, the addend's precision),
so one strategy serves every format.
"""

from __future__ import annotations

import ast
import itertools
import operator
from dataclasses import dataclass, field

import z3

from ...formats import FloatFormat
from ..obligation import Obligation, conj, disj

CLASSES = ("nan", "inf", "zero", "subnormal", "normal")


@dataclass(frozen=True)
class Case:
    name: str
    pred: z3.BoolRef


@dataclass
class Split:
    """Cases that together must cover ``domain`` (under the problem's premises)."""

    name: str
    cases: list[Case]
    domain: z3.BoolRef = field(default_factory=lambda: z3.BoolVal(True))


# ---- format parameters and interval syntax -------------------------------------------------


def format_params(fmt: FloatFormat) -> dict[str, int]:
    """Names a strategy's bounds may use. emin/emax: exponents of the smallest/largest normal
    binade (floor(log2) of min normal / max finite)."""
    _, _, mexp = fmt.finite_parts(fmt.max_code)
    emax = mexp + fmt.precision - 1
    return {"p": fmt.precision, "m": fmt.man_bits, "e": fmt.exp_bits, "bias": fmt.bias,
            "emin": fmt.emin, "emax": emax}


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.FloorDiv: operator.floordiv}


def eval_bound(text: str, params: dict[str, int]) -> int:
    """Evaluate an integer expression (+ - * //, parentheses, names from ``params``)."""

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.Name):
            if n.id not in params:
                raise ValueError(f"unknown name {n.id!r} in bound {text!r} (known: {', '.join(params)})")
            return params[n.id]
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            return _OPS[type(n.op)](ev(n.left), ev(n.right))
        raise ValueError(f"bad bound expression {text!r}")

    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        raise ValueError(f"bad bound expression {text!r}") from None
    return ev(tree)


@dataclass(frozen=True)
class Interval:
    lo: int | None  # None: unbounded
    hi: int | None

    def pred(self, t: z3.BitVecRef) -> z3.BoolRef:
        w = t.size()
        cs = []
        if self.lo is not None:
            cs.append(t >= z3.BitVecVal(self.lo, w))
        if self.hi is not None:
            cs.append(t <= z3.BitVecVal(self.hi, w))
        return conj(cs)

    def __str__(self) -> str:
        if self.lo == self.hi and self.lo is not None:
            return str(self.lo)
        return f"{'' if self.lo is None else self.lo}..{'' if self.hi is None else self.hi}"


def parse_intervals(spec: str, params: dict[str, int]) -> list[Interval]:
    """``"..emin-2, emin-1..emax-1, emax.."``; an item ending in ``each`` is split into singletons."""
    out: list[Interval] = []
    for item in (s.strip() for s in spec.split(",")):
        if not item:
            continue
        each = item.endswith(" each")
        if each:
            item = item[: -len(" each")].strip()
        if ".." in item:
            lo_s, hi_s = item.split("..", 1)
            lo = eval_bound(lo_s, params) if lo_s.strip() else None
            hi = eval_bound(hi_s, params) if hi_s.strip() else None
        else:
            lo = hi = eval_bound(item, params)
        if lo is not None and hi is not None and lo > hi:
            continue  # empty for this format (e.g. 2..p+2 when p is tiny): nothing to cover
        if each:
            if lo is None or hi is None:
                raise ValueError(f"`each` needs a bounded interval ({item!r})")
            out.extend(Interval(v, v) for v in range(lo, hi + 1))
        else:
            out.append(Interval(lo, hi))
    return out


# ---- splits ----------------------------------------------------------------------------------


def class_cases(u, tag: str) -> list[Case]:
    """Operand-class cases of one unpacked operand (`fpverify.smt.reference.unpack.Unpacked`)."""
    normal = conj([u.is_finite, z3.Not(u.is_subnormal)])
    preds = {"nan": u.is_nan, "inf": u.is_inf, "zero": u.is_zero, "subnormal": u.is_subnormal,
             "normal": normal}
    return [Case(f"{tag}={k}", preds[k]) for k in CLASSES if not z3.is_false(z3.simplify(preds[k]))]


def grouped_class_cases(us: dict) -> list[Case]:
    """DPV-style specials-first cases over all operands: any NaN; else any Inf; else any zero;
    else every operand finite nonzero (subnormals included: the datapath case)."""
    ops = list(us.values())
    any_nan = disj([u.is_nan for u in ops])
    any_inf = disj([u.is_inf for u in ops])
    any_zero = disj([u.is_zero for u in ops])
    return [Case("any=nan", any_nan),
            Case("any=inf", conj([z3.Not(any_nan), any_inf])),
            Case("any=zero", conj([z3.Not(any_nan), z3.Not(any_inf), any_zero])),
            Case("finite", conj([u.is_finite for u in ops]))]


def interval_cases(term: z3.BitVecRef, label: str, intervals: list[Interval]) -> list[Case]:
    return [Case(f"{label}∈{iv}" if iv.lo != iv.hi else f"{label}={iv.lo}", iv.pred(term)) for iv in intervals]


def cross(*case_lists: list[Case]) -> list[Case]:
    """All combinations (conjunctions) of the given case lists."""
    out = []
    for combo in itertools.product(*case_lists):
        out.append(Case(" ∧ ".join(c.name for c in combo), conj([c.pred for c in combo])))
    return out


def refine(cases: list[Case], where, sub: list[Case]) -> list[Case]:
    """Split the cases selected by ``where(case)`` further by ``sub``; keep the others."""
    out = []
    for c in cases:
        if where(c):
            out.extend(Case(f"{c.name} ∧ {s.name}", conj([c.pred, s.pred])) for s in sub)
        else:
            out.append(c)
    return out


def coverage_obligation(split: Split, premises: list[z3.BoolRef]) -> Obligation:
    """Unsat iff every input satisfying the premises and the domain falls in some case."""
    return Obligation(f"coverage[{split.name}]",
                      f"split {split.name} ({len(split.cases)} cases) covers its domain",
                      [*premises, split.domain], disj([c.pred for c in split.cases]))


def witness_obligation(split: Split, case: Case, premises: list[z3.BoolRef]) -> Obligation:
    """Sat iff ``case`` is non-vacuous (its goal is False: any model is a witness)."""
    return Obligation(f"witness[{case.name}]", f"case {case.name} of {split.name} is satisfiable",
                      [*premises, split.domain, case.pred], z3.BoolVal(False))


__all__ = ["CLASSES", "Case", "Split", "Interval", "format_params", "eval_bound", "parse_intervals",
           "class_cases", "grouped_class_cases", "interval_cases", "cross", "refine", "coverage_obligation", "witness_obligation"]
