"""Accuracy fuzzing: run a kernel over every generated example, measure each result against the
exact value (`fpverify.fuzz.accuracy`), and report the maximum error and its input, a histogram
of ULP errors, the counts correctly rounded / faithful / worse, and the results outside the bound.

Unlike bit-exact fuzzing the run does not stop at the first failure: the statistics need every
example. Results outside the bound are the mismatches (exit 1); the worst three are shown.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..formats import FloatFormat
from ..golden.elementary.softmax import softmax
from ..rounding import Env, Flags, Mode, Rounding
from ..strategies import code_to_float
from .accuracy import CLASSES, CORRECT, Measured, measure, neighbours_by_golden
from .accuracy_cases import all_codes, focused_code, softmax_vector
from ..errors import InputError
from .arrays import BadOutput, decode_output, input_array
from .deps import missing_dependency
from .generate import PART, CaseDecoder
from .harness import call_target, golden_result
from .report import show_code
from .semantics import ELEMENTARY, Semantics
from .types import Case, FuzzResult, Mismatch

SHOW = 3  # failures shown in the text


@dataclass
class Finding:
    """One measured result kept for the report (the maximum error, or a failure)."""

    case: Case
    index: int  # softmax: the element
    actual: int | None
    expected: int
    measured: Measured
    actual_text: str | None = None


SPECIAL_OK, SPECIAL_BAD = -2, 10_000


def ulp_bin(err: float, special: bool = False) -> int:
    """Histogram bin of a ULP error: -1 for 0, 0 for (0, 1/2], 1 for (1/2, 1), j >= 2 for
    [2^(j-2), 2^(j-1)); `SPECIAL_OK` / `SPECIAL_BAD` for special results right / wrong."""
    if special:
        return SPECIAL_OK if err == 0 else SPECIAL_BAD
    if err == 0:
        return -1
    if math.isinf(err):
        return SPECIAL_BAD
    if err <= 0.5:
        return 0
    if err < 1:
        return 1
    return int(math.floor(math.log2(err))) + 2


def bin_label(b: int) -> str:
    if b == SPECIAL_OK:
        return "special, right"
    if b == -1:
        return "0"
    if b == 0:
        return "(0, 0.5]"
    if b == 1:
        return "(0.5, 1)"
    if b == SPECIAL_BAD:
        return "special, wrong"
    return f"[{2 ** (b - 2)}, {2 ** (b - 1)})"


@dataclass
class AccuracyStats:
    """The statistics of one accuracy run (over ``results`` measured outputs)."""

    sem: Semantics
    results: int = 0
    vectors: int = 0  # softmax: input vectors
    classes: dict[str, int] = field(default_factory=lambda: {k: 0 for k in CLASSES})
    bins: dict[int, int] = field(default_factory=dict)
    failures: int = 0
    worst: Finding | None = None  # the largest ULP error (first found on ties)
    worst_finite: Finding | None = None  # the largest finite ULP error (specials excluded)
    max_rel: float = 0.0
    shown: list[Finding] = field(default_factory=list)  # the largest failures, at most SHOW
    note: str = ""
    exhaustive: bool = False

    @property
    def max_ulp(self) -> float:
        return self.worst.measured.ulp if self.worst else 0.0

    def add(self, f: Finding) -> None:
        m = f.measured
        self.results += 1
        self.classes[m.klass] += 1
        b = ulp_bin(m.ulp, m.special)
        self.bins[b] = self.bins.get(b, 0) + 1
        if self.worst is None or m.ulp > self.worst.measured.ulp:
            self.worst = f
        if not m.special and (self.worst_finite is None or m.ulp > self.worst_finite.measured.ulp):
            self.worst_finite = f
        self.max_rel = max(self.max_rel, m.rel)
        if m.ok is False or (m.ok is None and self.sem.bound is None and m.klass != CORRECT):
            self.failures += 1
            self.shown.append(f)
            self.shown.sort(key=lambda g: -g.measured.ulp)
            del self.shown[SHOW:]

    def histogram(self) -> tuple[list[str], list[int]]:
        keys = sorted(self.bins)
        top = max([k for k in keys if k not in (SPECIAL_OK, SPECIAL_BAD)], default=0)
        order = [-1, 0, 1] + list(range(2, top + 1)) + [SPECIAL_OK, SPECIAL_BAD]
        return [bin_label(k) for k in order], [self.bins.get(k, 0) for k in order]

    # ---- text ------------------------------------------------------------------------------
    def finding_lines(self, f: Finding) -> list[str]:
        sem = self.sem
        src, dst = sem.sources[0], sem.dst
        out = []
        if sem.op == "softmax":
            args = f.case.args
            vals = ", ".join(_value_text(src, c) for c in args[:8]) + (", ..." if len(args) > 8 else "")
            out.append(f"input x          [{vals}] ({len(args)} x {src.name}), element {f.index}")
            if len(args) > 8:
                out.append(f"x[{f.index}]             {_value_text(src, args[f.index])}")
        else:
            names = ["x", "y", "z"]
            for nm, c in zip(names, f.case.args):
                out.append(f"input {nm:<10} {_input_text(src, c)}")
        act = f.actual_text or show_code(dst, f.actual)
        m = f.measured
        out.append(f"kernel           {act}")
        out.append(f"correctly rounded {show_code(dst, f.expected)} ({sem.env.rounding})")
        ex = m.exact
        if ex.kind == "value":
            out.append(f"exact value      {_approx(ex.mid)}")
        else:
            out.append(f"exact value      {ex.kind}" + ("" if ex.kind == "nan" else (" -" if ex.sign else " +")))
        out.append(f"error            {_num(m.ulp)} ulp, relative {_num(m.rel)} ({m.klass})")
        return out

    def summary_lines(self) -> list[str]:
        n = max(1, self.results)
        what = f"{self.results} results" + (f" of {self.vectors} vectors" if self.vectors else "")
        lines = [f"measured         {what}{' (every input code)' if self.exhaustive else ''}"]
        lines.append("classes          " + ", ".join(f"{k} {v} ({100.0 * v / n:.2f}%)"
                                                      for k, v in self.classes.items()))
        if self.worst is not None:
            lines.append(f"max error        {_num(self.worst.measured.ulp)} ulp; max relative error "
                         f"{_num(self.max_rel)}")
            lines += ["  " + x for x in self.finding_lines(self.worst)]
        if self.worst_finite is not None and self.worst_finite is not self.worst:
            lines.append(f"max finite error {_num(self.worst_finite.measured.ulp)} ulp")
            lines += ["  " + x for x in self.finding_lines(self.worst_finite)]
        bound = self.sem.bound
        if bound is not None:
            lines.append(f"outside {bound}  {self.failures}")
        lines.append("ulp error histogram:")
        labels, counts = self.histogram()
        for lab, c in zip(labels, counts):
            lines.append(f"  {lab:<16} {c:>9}  {100.0 * c / n:6.2f}%")
        if self.note:
            lines.append(f"note: {self.note}")
        return lines

    def to_json(self) -> dict[str, Any]:
        """The ``errors`` object of a fuzz JSON document (the report's histogram contract:
        examples/labels/counts/max_ulp/exact/note), plus the accuracy fields."""
        labels, counts = self.histogram()
        worst = None
        if self.worst is not None:
            worst = {"lines": self.finding_lines(self.worst), "ulp": _json_num(self.worst.measured.ulp),
                     "input": [int(c) for c in self.worst.case.args], "index": self.worst.index}
        fin = self.worst_finite
        return {"examples": self.results, "labels": labels, "counts": counts,
                "max_ulp": _json_num(self.max_ulp), "exact": self.classes[CORRECT], "note": self.note,
                "measure": "ulp", "bound": str(self.sem.bound) if self.sem.bound else None,
                "classes": dict(self.classes), "max_rel": _json_num(self.max_rel), "failures": self.failures,
                "worst": worst, "max_finite_ulp": _json_num(fin.measured.ulp) if fin else None,
                "worst_finite": {"lines": self.finding_lines(fin)} if fin else None, "vectors": self.vectors, "exhaustive": self.exhaustive}


def _json_num(v: float):
    return None if math.isinf(v) or math.isnan(v) else v


def _num(v: float) -> str:
    return "inf" if math.isinf(v) else f"{v:.6g}"


def _approx(v) -> str:
    from fractions import Fraction

    v = Fraction(v)
    try:
        f = float(v)
    except OverflowError:
        return f"~2^{v.numerator.bit_length() - v.denominator.bit_length()}"
    return f"{f:.17g}" if f != 0 or v == 0 else f"~{v.numerator}/2^{v.denominator.bit_length() - 1}"


def _value_text(src: FloatFormat, c: int) -> str:
    if src.name in ("f16", "f32", "f64"):
        return repr(code_to_float(src, c))
    return show_code(src, c).split("= ", 1)[-1]


def _input_text(src: FloatFormat, c: int) -> str:
    if src.name in ("f16", "f32", "f64") and not src.is_special(c):
        f = code_to_float(src, c)
        return f"{f!r} = {float(f).hex()} ({src.name} {show_code(src, c).split(' =')[0]})"
    return f"{show_code(src, c)} ({src.name})"


# ---- the run ----------------------------------------------------------------------------------


class _Golden:
    """Correctly rounded codes (and RD/RU neighbours) with a memo."""

    def __init__(self, sem: Semantics) -> None:
        self.sem = sem
        self.memo: dict = {}

    def codes(self, case: Case, env: Env | None = None) -> list[int]:
        sem = self.sem
        env = env or sem.env
        key = (case.args, env.rounding)
        hit = self.memo.get(key)
        if hit is None:
            if sem.op == "softmax":
                hit = [r.code for r in softmax(sem.sources[0], case.args, env, sem.dst)]
            else:
                hit = [golden_result(_with_env(sem, env), case)[0]]
            self.memo[key] = hit
        return hit

    def neighbours(self, case: Case, index: int) -> Callable[[], tuple[int, int]]:
        sem = self.sem
        if sem.op != "softmax":
            return neighbours_by_golden(sem.op, sem.sources[0], case.args, sem.dst, sem.env)

        def both():
            e = sem.env
            rd = self.codes(case, Env(Rounding(Mode.RDN), e.overflow, e.tininess, 0, e.nan_policy))[index]
            ru = self.codes(case, Env(Rounding(Mode.RUP), e.overflow, e.tininess, 0, e.nan_policy))[index]
            return rd, ru
        return both


def _with_env(sem: Semantics, env: Env) -> Semantics:
    from dataclasses import replace

    return sem if env is sem.env else replace(sem, env=env)


def _cases(sem: Semantics, n: int, batch: int, seed: int, exhaustive: bool) -> Iterable[list[Case]]:
    src = sem.sources[0]
    if exhaustive:
        codes = all_codes(src)
        for i in range(0, len(codes), batch):
            yield [Case((c,)) for c in codes[i:i + batch]]
        return
    decoder = CaseDecoder(sem) if sem.op != "softmax" else None
    done, index = 0, 0
    while done < n:
        size = min(batch, n - done)
        rng = np.random.default_rng([seed, index])
        cases = []
        for _ in range(size):
            if sem.op == "softmax":
                cases.append(Case(softmax_vector(src, sem.block, rng)))
                continue
            c = focused_code(sem.op, src, sem.dst, rng) if sem.arity == 1 and rng.random() < 0.5 else None
            if c is None:
                parts = rng.integers(0, PART, size=decoder.parts_per_case).tolist()
                cases.append(decoder.decode(decoder.words(parts)))
            else:
                cases.append(Case((c,)))
        yield cases
        done += size
        index += 1


def _call(target: Callable, sem: Semantics, cases: Sequence[Case]):
    if sem.op != "softmax":
        return call_target(target, sem, cases)
    n, k = len(cases), sem.block
    flat = [c for case in cases for c in case.args]
    x = input_array(sem.sources[0], flat, sem.inputs).reshape(n, k)
    out = np.asarray(target(x))
    if out.size != n * k:
        raise BadOutput(f"expected {n}x{k} softmax results, got shape {out.shape}")
    dec = decode_output(out.reshape(-1), sem.dst, n * k)
    return dec.codes, dec.texts


def accuracy_fuzz(target: Callable, sem: Semantics, name: str, n: int = 10_000, seed: int = 0,
                  batch: int = 64, exhaustive: bool = False,
                  progress: Callable[[int, int], None] | None = None) -> FuzzResult:
    """Measure ``target`` on ``n`` examples (or every input code with ``exhaustive``)."""
    if exhaustive and (sem.op not in ELEMENTARY or sem.arity != 1):
        raise InputError(f"--exhaustive applies to one-operand elementary functions, not {sem.op}")
    if exhaustive and sem.sources[0].width > 16:
        raise InputError(f"--exhaustive needs a source of at most 16 bits, not {sem.sources[0].name}")
    t0 = time.monotonic()
    stats = AccuracyStats(sem, exhaustive=exhaustive)
    result = FuzzResult(name, sem, 0, seed)
    result.accuracy = stats
    gold = _Golden(sem)
    total = len(all_codes(sem.sources[0])) if exhaustive else n
    try:
        for cases in _cases(sem, n, batch, seed, exhaustive):
            try:
                actual, texts = _call(target, sem, cases)
            except BadOutput as e:
                result.mismatches = [Mismatch(cases[0], None, Flags.NONE, None, error=f"bad output: {e}")]
                break
            except ImportError as e:  # a missing optional package: the environment's problem
                raise missing_dependency(e, name) from e
            except Exception as e:  # the kernel crashed: a finding
                result.mismatches = [Mismatch(cases[0], None, Flags.NONE, None,
                                              error=f"target raised {type(e).__name__}: {e}")]
                break
            k = sem.block if sem.op == "softmax" else 1
            for j, case in enumerate(cases):
                expected = gold.codes(case)
                stats.vectors += 1 if sem.op == "softmax" else 0
                for i in range(k):
                    y, text = actual[j * k + i], texts[j * k + i]
                    m = measure(sem.op, sem.sources[0], case.args, sem.dst, sem.env, y, expected[i], sem.bound,
                                gold.neighbours(case, i), i)
                    stats.add(Finding(case, i, y, expected[i], m, text))
            result.examples += len(cases)
            if progress is not None:
                progress(result.examples, total)
    except KeyboardInterrupt:
        result.interrupted = True
    if not result.mismatches:
        result.mismatches = [Mismatch(f.case, f.expected, Flags.NONE, f.actual, f.actual_text) for f in stats.shown]
    result.seconds = time.monotonic() - t0
    return result


__all__ = ["AccuracyStats", "Finding", "accuracy_fuzz", "ulp_bin", "bin_label"]
