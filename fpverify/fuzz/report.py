"""Text for fuzz results: decoded inputs, expected vs actual, and the rounding explanation."""

from __future__ import annotations

import math
from fractions import Fraction

from .. import strategies as S
from ..formats import FloatFormat, get_format
from ..golden.real import Real, exact
from . import explain as X
from .arrays import NUMPY_FLOATS, float_value, same_code
from .semantics import IntSource, Semantics
from .types import Case, FuzzResult, Mismatch

VIAS = ("f32", "f16", "bf16")  # intermediate formats tried as double-rounding explanations


# ---- reporting --------------------------------------------------------------------------------


def show_code(fmt, code) -> str:
    """'0x7e = 448' style text for a code of ``fmt``."""
    if code is None:
        return "(not representable)"
    if isinstance(fmt, IntSource):
        return str(code)
    digits = max(1, (fmt.width + 3) // 4)
    v = fmt.value(code)
    if isinstance(v, float):
        text = "NaN" if math.isnan(v) else ("+Inf" if v > 0 else "-Inf")
    elif v == 0 and isinstance(fmt, FloatFormat) and fmt.signed and code & fmt.sign_bit:
        text = "-0"
    else:
        text = X._num(Fraction(v))
    return f"0x{code:0{digits}x} = {text}"


def _input_text(src, a) -> str:
    if isinstance(src, IntSource):
        return f"{a} ({src.name})"
    v = src.value(a)
    if isinstance(src, FloatFormat) and src.name in NUMPY_FLOATS and not isinstance(v, float):
        f = S.code_to_float(src, a)
        return f"{f!r} = {float(f).hex()} ({src.name} {show_code(src, a).split(' =')[0]})"
    return f"{show_code(src, a)} ({src.name})"


def exact_result(sem: Semantics, case: Case) -> Real | None:
    """The exact real the golden model rounds (None for NaN/Inf results)."""
    from ..golden.operand import unpack
    from ..golden.real import SqrtOf

    src = sem.sources[0]
    if sem.op == "convert":
        if isinstance(src, IntSource):
            return exact(case.args[0])
        o = unpack(src, case.args[0])
        return o.value if o.kind.value in ("finite", "zero") else None
    ops = [unpack(src, a) for a in case.args]
    if any(o.kind.value in ("nan", "inf") for o in ops):
        return None
    v = [o.value for o in ops]
    if sem.op == "add":
        return v[0] + v[1]
    if sem.op == "sub":
        return v[0] + (-v[1])
    if sem.op == "mul":
        return v[0] * v[1]
    if sem.op == "fma":
        return v[0] * v[1] + v[2]
    if sem.op == "div":
        if v[1].is_zero:
            return None
        return exact(v[0].to_fraction() / v[1].to_fraction())
    if sem.op == "sqrt":
        f = v[0].to_fraction()
        return SqrtOf(f) if f >= 0 else None
    return None


def explain_mismatch(sem: Semantics, m: Mismatch) -> list[str]:
    """Text lines for one mismatch: decoded inputs, expected vs actual, rounding explanation."""
    lines: list[str] = []
    src = sem.sources[0]
    if m.error:
        lines.append(m.error)
        if m.case.args:
            lines.append(f"first input of the batch: {_input_text(src, m.case.args[0])}")
        return lines
    if sem.op == "mx":
        return _explain_mx(sem, m)
    names = ["x"] if sem.op == "convert" else ["a", "b", "c"][: sem.arity]
    for nm, a in zip(names, m.case.args):
        lines.append(f"input {nm:<10} {_input_text(src, a)}")
    if sem.stochastic:
        lines.append(f"random bits R   {m.case.r} (N={sem.nbits})")
    lines.append(f"expected         {show_code(sem.dst, m.expected)}   flags {m.flags.names()}")
    act = m.actual_text or show_code(sem.dst, m.actual)
    lines.append(f"actual           {act}")
    x = exact_result(sem, m.case)
    if x is not None:
        alts = {}
        for via in VIAS:
            v = get_format(via)
            wider = not isinstance(src, FloatFormat) or v.precision < src.precision or sem.op != "convert"
            if wider and isinstance(sem.dst, FloatFormat) and v.precision > sem.dst.precision:
                alts[f"double rounding via {via}"] = X.double_rounding(x, v, sem.dst, sem.env_for(m.case.r))
        ex = X.explain(x, sem.dst, sem.env_for(m.case.r), actual=m.actual if m.actual is not None else None,
                       alternatives=alts)
        if sem.stochastic:
            ex.picks = {}
        lines += ex.lines(lambda c: show_code(sem.dst, c))
    return lines


def _explain_mx(sem: Semantics, m: Mismatch) -> list[str]:
    src = sem.sources[0]
    vals = [float_value(src, c) for c in m.case.args]
    (es, ee), act = m.expected, m.actual
    finite = [abs(v) for v in vals if not (math.isnan(v) or math.isinf(v))]
    amax = max(finite, default=0.0)
    e8 = get_format("e8m0fnu")
    lines = [f"block ({len(vals)} x {src.name}): {_compact(vals)}",
             f"amax             {amax!r}" + (f" = 2^{math.frexp(amax)[1] - 1} x {math.frexp(amax)[0] * 2!r}"
                                          if amax else ""),
             f"expected scale   {show_code(e8, es)}", f"actual scale     {show_code(e8, act[0]) if act else '-'}"]
    if act and ee is not None:
        diffs = [i for i, (a, b) in enumerate(zip(ee, act[1])) if not same_code(sem.dst, a, b)]
        lines.append(f"elements differ at {len(diffs)} of {len(ee)} positions")
        for i in diffs[:4]:
            lines.append(f"  [{i}] V={vals[i]!r}: expected {show_code(sem.dst, ee[i])}, "
                         f"actual {show_code(sem.dst, act[1][i])}")
    return lines


def _compact(vals: list[float]) -> str:
    nz = [(i, v) for i, v in enumerate(vals) if v != 0 or math.copysign(1.0, v) < 0]
    body = ", ".join(f"[{i}]={v!r}" for i, v in nz[:8])
    more = f", ... ({len(nz) - 8} more nonzero)" if len(nz) > 8 else ""
    return (body + more + (", others +0" if len(nz) < len(vals) else "")) or "all +0"


def format_result(res: FuzzResult, replay: str | None = None, max_show: int = 3) -> str:
    sem = res.semantics
    head = f"{res.target_name} vs `{sem.describe()}`"
    if res.interrupted:
        return (f"INTERRUPTED: {head}: {res.examples} examples checked in {res.seconds:.1f}s, "
                "no mismatch so far")
    if res.accuracy is not None:
        return _accuracy_text(res, head, replay)
    if not res.mismatches:
        return f"OK: {head}: {res.examples} examples, 0 mismatches ({res.seconds:.1f}s, seed {res.seed})"
    out = [f"MISMATCH: {head}: found after {res.examples} clean examples, shrunk to a minimal "
           f"example ({res.seconds:.1f}s, seed {res.seed})"]
    for i, m in enumerate(res.mismatches[:max_show]):
        out.append(f"--- example {i + 1}")
        out += ["  " + line for line in explain_mismatch(sem, m)]
    if len(res.mismatches) > max_show:
        out.append(f"... {len(res.mismatches) - max_show} more")
    if replay:
        out.append(f"replay: {replay}")
    return "\n".join(out)


def _accuracy_text(res: FuzzResult, head: str, replay: str | None) -> str:
    st = res.accuracy
    crash = [m for m in res.mismatches if m.error]
    verdict = "MISMATCH" if crash or st.failures else "OK"
    what = "outside the bound" if res.semantics.bound is not None else "not correctly rounded"
    out = [f"{verdict}: {head}: {res.examples} examples, {st.failures} results {what} "
           f"({res.seconds:.1f}s, seed {res.seed})"]
    for m in crash:
        out.append("  " + m.error)
    out += ["  " + line for line in st.summary_lines()]
    for i, f in enumerate(st.shown):
        out.append(f"--- {what} {i + 1}" + (" (largest error)" if i == 0 else ""))
        out += ["  " + line for line in st.finding_lines(f)]
    if replay:
        out.append(f"replay: {replay}")
    return "\n".join(out)


def _mismatch_lines(res: FuzzResult) -> list[list[str]]:
    if res.accuracy is None:
        return [explain_mismatch(res.semantics, m) for m in res.mismatches]
    crash = [[m.error] for m in res.mismatches if m.error]
    return crash + [res.accuracy.finding_lines(f) for f in res.accuracy.shown]


def result_json(res: FuzzResult, replay: str | None = None, errors: dict | None = None) -> dict:
    """A fuzz run as JSON-ready data (``kind`` "fuzz"): the verdict, each mismatch explained, and
    the error histogram of `fpverify.fuzz.error_sample` when given."""
    sem = res.semantics
    doc = {"kind": "fuzz", "target": res.target_name, "semantics": sem.describe(), "examples": res.examples,
           "seed": res.seed, "seconds": round(res.seconds, 3), "interrupted": res.interrupted, "ok": res.ok,
           "mismatches": [{"lines": lines} for lines in _mismatch_lines(res)]}
    if replay:
        doc["replay"] = replay
    if res.accuracy is not None:
        errors = res.accuracy.to_json()
        doc["ok"] = res.ok and not res.accuracy.failures
    if errors is not None:
        doc["errors"] = errors
    return doc


__all__ = ["show_code", "exact_result", "explain_mismatch", "format_result", "result_json"]
