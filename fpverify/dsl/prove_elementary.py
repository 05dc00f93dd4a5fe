"""Elementary properties (`check.elementary`) proved by exhaustion over the operand's codes.

1. every code of the operand format that the assumptions admit (at most 2^16) is fed to the
   design at once on the numpy netlist evaluator (`fpverify.hdl.evaluate`);
2. each result is judged against the golden model: ``y == f(a, MODE)`` against the correctly
   rounded code (`fpverify.fast.tables.unary_table`, built from the golden model), error bounds
   by `elementary_bounds.Decider` (exact values, or mpmath enclosures narrowed until the bound
   holds or fails for every real in them);
3. PROVED when every admitted code passes; REFUTED at the first failing code only after a replay:
   the design re-evaluated alone on that code and the verdict recomputed from the golden model
   directly (`golden.elementary.evaluate`, or a fresh enclosure); UNKNOWN when an enclosure never
   decides. For operand formats of at most `CROSS_CHECK_BITS` bits z3 also proves that the
   netlist's z3 translation equals the evaluated table on every code (the verdict's method says
   so); a disagreement is an ERROR.
"""

from __future__ import annotations

import time

import numpy as np

from ..rounding import Env
from ..semantics.ports import IEEE_FLAG_MASK, Flags
from .check import CheckedSpec, Property
from .elementary_bounds import Decider
from .verdicts import CaseResult

CROSS_CHECK_BITS = 8


def admitted_codes(spec: CheckedSpec, prop: Property) -> list[int]:
    """The operand codes that are valid and satisfy every assumption."""
    from .concrete import ConcreteEvaluator

    el = prop.elementary
    ev = ConcreteEvaluator(spec, run_design=None, probes=[])
    out = []
    for code in range(1 << el.fmt.width):
        try:
            el.fmt.check_code(code)
        except Exception:
            continue
        env = {el.operand: code}
        if all(bool(ev.eval(a, env)) for a in prop.assumptions):
            out.append(code)
    return out


def design_outputs(spec: CheckedSpec, netlist, prop: Property, codes) -> tuple[np.ndarray, np.ndarray | None]:
    """The design's result (and flags, with ``with flags``) on every code of ``codes`` (one
    batched evaluation)."""
    from ..hdl.evaluate import evaluate_pipelined

    el = prop.elementary
    port = spec.inputs[el.operand].port
    wanted = [spec.outputs[el.output].port] + ([spec.outputs[el.flags].port] if el.flags else [])
    n = len(codes)
    arrays = {name: np.full(n, spec.held_inputs.get(name, 0), dtype=np.uint64) for name in netlist.inputs}
    arrays[port] = np.asarray(codes, dtype=np.uint64)
    probes = [w for w in wanted if w not in netlist.outputs]
    res = evaluate_pipelined(netlist, arrays, spec.latency or 0, probes=probes, reset=spec.reset)
    ys = np.asarray(res[wanted[0]]).astype(np.int64)
    return ys, (np.asarray(res[wanted[1]]).astype(np.int64) if el.flags else None)


def expected_codes(prop: Property) -> tuple[np.ndarray, np.ndarray]:
    """Golden correctly rounded results and flags on every operand code (the fast engine's cached
    table)."""
    return expected_codes_of(prop.elementary)


def expected_codes_of(el) -> tuple[np.ndarray, np.ndarray]:
    from ..fast.tables import unary_table

    codes, flags = unary_table(el.func, el.fmt, Env(rounding=el.rounding, overflow=el.overflow), el.out_fmt)
    return np.asarray(codes).astype(np.int64), np.asarray(flags).astype(np.int64)


def same_result(el, y: int, want: int, fl: int | None = None, want_fl: int = 0) -> bool:
    """The equivalence's equality: equal codes or both NaN (unless ``exact nan``), and with
    ``with flags`` equal IEEE flags."""
    if fl is not None and (fl & IEEE_FLAG_MASK) != (want_fl & IEEE_FLAG_MASK):
        return False
    if not el.nan_exact and el.out_fmt.is_nan(y) and el.out_fmt.is_nan(want):
        return True
    return y == want


class Judge:
    """One elementary property's verdict on (operand code, result code): True passes, False fails
    (for every real the exact value may be), None undecided. Shared by the prover and `fpverify sim`."""

    def __init__(self, el) -> None:
        self.el = el
        self.decider = None if el.measure is None else Decider(el.func, el.fmt, el.out_fmt, el.measure, el.bound,
                                                              el.strict)
        self.want = None

    def __call__(self, code: int, y: int, fl: int | None = None) -> bool | None:
        """``fl``: the design's flags (``with flags`` properties)."""
        if self.decider is None:
            if self.want is None:
                self.want = expected_codes_of(self.el)
            return same_result(self.el, y, int(self.want[0][code]), fl, int(self.want[1][code]))
        return self.decider.decide(code, y)[0]

    def describe(self, code: int, y: int) -> str:
        """The expected result or the error of ``y``, computed afresh from the golden model."""
        from ..golden.elementary import evaluate

        el = self.el
        if self.decider is None:
            g = evaluate(el.func, el.fmt, (code,), Env(rounding=el.rounding, overflow=el.overflow), el.out_fmt)
            flags = f", flags {g.flags.ieee.names()}" if el.flags else ""
            shown = f"{g.code:#x} ({_show(el.out_fmt, g.code)})"
            return f"expected {el.func}({_show(el.fmt, code)}, {el.rounding}) = {shown}{flags}"
        _, truth = self.decider.decide(code, y)
        bound = f"{el.measure} {'<' if el.strict else '<='} {el.bound}"
        return f"{el.func}({_show(el.fmt, code)}): {self.decider.error_text(truth, y)} (bound: {bound})"


def prove_elementary_case(spec: CheckedSpec, netlist, prop: Property, case, *, timeout: float,
                          solver: str) -> CaseResult:
    el = prop.elementary
    t0 = time.perf_counter()
    codes = admitted_codes(spec, prop)
    if not codes:
        return CaseResult(case.label, "VACUOUS", time.perf_counter() - t0, "exhaustive",
                          message="the assumptions exclude every input")
    ys, fls = design_outputs(spec, netlist, prop, codes)
    method = f"exhaustive: {len(codes)} codes on the netlist evaluator"
    undecided = []
    if el.measure is None:
        want, want_fl = expected_codes(prop)
        bad = [(c, int(ys[i])) for i, c in enumerate(codes)
               if not same_result(el, int(ys[i]), int(want[c]), None if fls is None else int(fls[i]), int(want_fl[c]))]
        if bad:
            return _refuted(spec, netlist, prop, case, bad[0], t0, method)
    else:
        decider = Decider(el.func, el.fmt, el.out_fmt, el.measure, el.bound, el.strict)
        deadline = t0 + timeout
        for c, y in zip(codes, ys):
            ok, _ = decider.decide(c, int(y))
            if ok is False:
                return _refuted(spec, netlist, prop, case, (c, int(y)), t0, method)
            if ok is None:
                undecided.append(c)
            if time.perf_counter() > deadline:
                return CaseResult(case.label, "UNKNOWN", time.perf_counter() - t0, "exhaustive",
                                  message=f"timeout after {time.perf_counter() - t0:.1f} s ({method})")
    if undecided:
        return CaseResult(case.label, "UNKNOWN", time.perf_counter() - t0, "exhaustive",
                          message=f"{len(undecided)} code(s) undecided by their enclosures, e.g. "
                                  f"{el.operand} = {undecided[0]:#x}")
    note = cross_check(spec, netlist, prop, codes, ys, timeout, fls)
    seconds = time.perf_counter() - t0
    if note.startswith("ERROR"):
        return CaseResult(case.label, "ERROR", seconds, "exhaustive", message=note)
    return CaseResult(case.label, "PROVED", seconds, "exhaustive", message=f"{method}; {note}")


def cross_check(spec: CheckedSpec, netlist, prop: Property, codes, ys, timeout: float, fls=None) -> str:
    """z3 proves the netlist's translation gives the evaluated results (and flags, ``fls``) on
    every admitted code (operand formats of at most `CROSS_CHECK_BITS` bits); the text says what
    was checked."""
    el = prop.elementary
    if el.fmt.width > CROSS_CHECK_BITS:
        return "z3 cross-check skipped (operand wider than 8 bits)"
    import z3

    from .symbolic import SymbolicEvaluator

    a = z3.BitVec("in_" + el.operand, el.fmt.width)
    inst = SymbolicEvaluator(spec, netlist, {el.operand: a}, spec.latency or 0).instance({el.operand: a})

    def term(port: str):
        return inst.outputs[port] if port in inst.outputs else inst.signal(port)

    def table(values, w: int):
        t = z3.BitVecVal(0, w)
        for c, v in zip(codes, values):
            t = z3.If(a == c, z3.BitVecVal(int(v), w), t)
        return t

    y = term(spec.outputs[el.output].port)
    differ = [y != table(ys, y.size())]
    if fls is not None:
        f = term(spec.outputs[el.flags].port)
        differ.append(f != table(fls, f.size()))
    s = z3.Solver()
    s.set(timeout=max(1, int(timeout * 1000)))
    s.add(z3.Or(*[a == c for c in codes]) if len(codes) > 1 else a == codes[0], z3.Or(*differ))
    r = s.check()
    what = "result and flags" if fls is not None else "result"
    if r == z3.unsat:
        return f"z3 cross-check: the netlist's z3 translation gives the same {what} on every code"
    if r == z3.sat:
        return f"ERROR: the z3 translation and the netlist evaluator disagree at {el.operand} = " \
               f"{s.model().eval(a).as_long():#x} (tool bug)"
    return "z3 cross-check timed out"


def _refuted(spec: CheckedSpec, netlist, prop: Property, case, failing: tuple[int, int], t0: float,
             method: str) -> CaseResult:
    """Replay: the design alone on the failing code, the verdict recomputed from the golden model."""
    from ..golden.elementary import evaluate
    from .replay import design_runner

    el = prop.elementary
    code, y = failing
    port = spec.inputs[el.operand].port
    out_port = spec.outputs[el.output].port
    fl_port = spec.outputs[el.flags].port if el.flags else None
    probes = [q for q in (out_port, fl_port) if q is not None and q not in netlist.outputs]
    got = design_runner(netlist, spec.latency or 0, probes, spec.reset, spec.held_inputs)({port: code})
    y2 = got[out_port]
    fl2 = got[fl_port] if fl_port else None
    fa, fo = el.fmt, el.out_fmt
    judge = Judge(el)
    lines = [f"{el.operand} = {code:#x} ({_show(fa, code)})", f"{el.output} = {y2:#x} ({_show(fo, y2)})"]
    if fl2 is not None:
        lines.append(f"{el.flags} = {Flags(fl2 & IEEE_FLAG_MASK).names()}")
    lines.append(judge.describe(code, y2))
    if el.measure is None:  # the golden model itself, not the table the search used
        g = evaluate(el.func, fa, (code,), Env(rounding=el.rounding, overflow=el.overflow), fo)
        replayed = y2 == y and not same_result(el, y2, g.code, fl2, int(g.flags))
    else:  # a fresh decider: fresh enclosures
        replayed = y2 == y and Decider(el.func, fa, fo, el.measure, el.bound, el.strict).decide(code, y2)[0] is False
    seconds = time.perf_counter() - t0
    text = "\n".join(lines)
    inputs = {el.operand: code}
    vectors = [{port: code}]
    if not replayed:
        return CaseResult(case.label, "ERROR", seconds, "exhaustive", text, inputs,
                          "counterexample did not replay (tool bug, not a design bug)", vectors)
    return CaseResult(case.label, "REFUTED", seconds, "exhaustive", text, inputs,
                      f"{method}; replayed on the netlist evaluator and the golden model", vectors)


def _show(fmt, code: int) -> str:
    if fmt.is_nan(code):
        return "NaN"
    if fmt.is_inf(code):
        return "-inf" if fmt.signed and code & fmt.sign_bit else "inf"
    v = fmt.value(code)
    return f"{float(v):.9g}"


__all__ = ["prove_elementary_case", "Judge", "expected_codes_of", "admitted_codes", "design_outputs",
           "expected_codes", "cross_check", "same_result", "CROSS_CHECK_BITS"]
