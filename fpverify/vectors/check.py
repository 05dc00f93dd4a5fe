"""Check vector lines against the golden model: results (NaN as a class) and IEEE flags exactly."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from ..formats import Format
from ..rounding import Env, Flags, Rounded
from ..semantics.classes import CLASSES, class_of
from . import fast_check
from .function import VectorFunction, op_symbol
from .line import Case, LineParser, describe, flag_names

ProgressFn = Callable[[int], None]  # called with the number of lines consumed so far


@dataclass
class Mismatch:
    case: Case
    got: Rounded

    def render(self, fn: VectorFunction) -> str:
        src, dst = fn.src, fn.dst
        ops = [describe(src, c) for c in self.case.operands]
        if fn.is_conversion:
            expr = f"{fn.name}({ops[0]})"
        elif fn.arity == 2 and op_symbol(fn.op) in "+-*/":
            expr = f"{ops[0]} {op_symbol(fn.op)} {ops[1]}"
        else:
            expr = f"{fn.op}({', '.join(ops)})"
        if self.case.random is not None:
            expr += f" with R={self.case.random:#x}"
        return (f"line {self.case.line}: {expr}\n"
                f"    expected {describe(dst, self.case.result)} flags {flag_names(self.case.flags)}\n"
                f"    got      {describe(dst, self.got.code)} flags {flag_names(self.got.flags.ieee)}")


@dataclass
class Tally:
    """Outcome of checking one vector file."""

    name: str = ""
    cases: int = 0
    errors: int = 0
    result_errors: int = 0
    flag_errors: int = 0
    first_errors: list[Mismatch] = field(default_factory=list)
    seconds: float = 0.0  # wall time
    cpu_seconds: float = 0.0  # process CPU time (what the machine's load does not inflate)
    interrupted: bool = False
    # operand classes ("normal×zero") -> {"cases", "errors"}; filled when `check_lines(classes=True)`
    per_class: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not self.interrupted

    def merge(self, other: "Tally") -> None:
        self.cases += other.cases
        self.errors += other.errors
        self.result_errors += other.result_errors
        self.flag_errors += other.flag_errors
        self.seconds += other.seconds
        self.cpu_seconds += other.cpu_seconds
        self.interrupted |= other.interrupted
        for k, v in other.per_class.items():
            mine = self.per_class.setdefault(k, {"cases": 0, "errors": 0})
            mine["cases"] += v["cases"]
            mine["errors"] += v["errors"]

    def to_json(self, fn: VectorFunction, rounding: str = "", file: str = "") -> dict:
        """The tally as JSON-ready data (``kind`` "vectors"), with the first mismatches as text."""
        return {"kind": "vectors", "function": fn.name, "file": file, "rounding": rounding, "name": self.name,
                "cases": self.cases, "errors": self.errors, "result_errors": self.result_errors,
                "flag_errors": self.flag_errors, "per_class": self.per_class,
                "examples": [m.render(fn) for m in self.first_errors], "seconds": round(self.seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3), "interrupted": self.interrupted}

    def summary(self) -> str:
        state = " (interrupted: partial tally)" if self.interrupted else ""
        return (f"{self.name}: {self.cases} cases, {self.errors} errors "
                f"({self.result_errors} results, {self.flag_errors} flags only) "
                f"in {self.seconds:.1f} s{state}")


def results_match(dst: Format, expected: int, got: int) -> bool:
    """Equal codes, or both NaN (TestFloat's default comparison without -checkNaNs)."""
    return expected == got or (dst.is_nan(expected) and dst.is_nan(got))


FAST_BLOCK = 1 << 17  # lines per vectorised block


def check_lines(lines: Iterable[str | bytes], fn: VectorFunction, env: Env, *, file: str | None = None,
                keep: int = 10, every: int = 1, progress: ProgressFn | None = None,
                progress_every: int = 4096, fast: bool = True, first_line: int = 1,
                classes: bool = False) -> Tally:
    """Check every ``every``-th case line; ``KeyboardInterrupt`` stops early with a partial tally.

    ``env`` supplies rounding, tininess, overflow and NaN policy; for stochastic rounding the
    random bits of each line replace ``env.random_bits``. Malformed lines raise InputError.
    ``first_line``: the line number of the first of ``lines`` (a shard of a larger file).
    ``classes``: also count cases and errors per operand-class combination (`Tally.per_class`).
    Where `fpverify.fast` covers the function (``fast=True``), blocks of well-formed lines are
    parsed and evaluated vectorised (bit-exact with the golden model); other blocks, and
    functions it does not cover, are checked line by line with the golden model.
    """
    evaluate_fast = fast_check.evaluator(fn, env) if fast else None
    if evaluate_fast is not None:
        read, stopped = [], False
        try:
            for raw in lines:
                read.append(raw)
        except KeyboardInterrupt:  # keep what was read: a partial tally, as line by line
            stopped = True
        tally = _check_fast(read, fn, env, evaluate_fast, file, keep, every, progress, first_line, classes)
        tally.interrupted |= stopped
        return tally
    tally = Tally(name=fn.name)
    parser = LineParser(fn, env.rounding, file)
    evaluate = fn.evaluator()
    dst = fn.dst
    stochastic = env.rounding.mode.stochastic
    start, cpu_start = time.perf_counter(), time.process_time()
    lineno = 0
    try:
        for lineno, raw in enumerate(lines, first_line):
            if every > 1 and lineno % every:
                continue
            text = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
            case = parser.parse(text, lineno)
            if case is None:
                continue
            run_env = dataclasses.replace(env, random_bits=case.random) if stochastic else env
            got = evaluate(case.operands, run_env)
            tally.cases += 1
            res_ok = results_match(dst, case.result, got.code)
            flags_ok = (int(got.flags) & 0x1F) == case.flags
            if classes:
                st = tally.per_class.setdefault(
                    "×".join(class_of(fn.src, c) for c in case.operands), {"cases": 0, "errors": 0})
                st["cases"] += 1
                st["errors"] += not (res_ok and flags_ok)
            if not (res_ok and flags_ok):
                tally.errors += 1
                if res_ok:
                    tally.flag_errors += 1
                else:
                    tally.result_errors += 1
                if len(tally.first_errors) < keep:
                    tally.first_errors.append(Mismatch(case, got))
            if progress is not None and lineno % progress_every == 0:
                progress(lineno)
    except KeyboardInterrupt:
        tally.interrupted = True
    tally.seconds = time.perf_counter() - start
    tally.cpu_seconds = time.process_time() - cpu_start
    if progress is not None:
        progress(lineno)
    return tally


def _check_fast(lines: list, fn: VectorFunction, env: Env, evaluate, file, keep, every, progress,
                first_line: int, classes: bool = False) -> Tally:
    """`check_lines` on blocks of lines through the vectorised parser and `fpverify.fast`."""
    tally = Tally(name=fn.name)
    parser = LineParser(fn, env.rounding, file)
    stochastic = env.rounding.mode.stochastic
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        for lo in range(0, len(lines), FAST_BLOCK):
            chunk = lines[lo: lo + FAST_BLOCK]
            block = fast_check.parse_block(chunk, first_line + lo, parser.ncols, parser.limits, every)
            if block is None:  # not plainly well formed: line by line (exact error locations)
                sub = check_lines(chunk, fn, env, file=file, keep=keep - len(tally.first_errors), every=every,
                                  fast=False, first_line=first_line + lo, classes=classes)
                _absorb(tally, sub)
            elif block.lines.size:
                block = fast_check.split_random(block, fn.arity, stochastic)
                codes, flags = evaluate(block.operands, block.random)
                res_ok, flags_ok = fast_check.compare(block, codes, flags, fn.dst)
                _tally_block(tally, block, res_ok, flags_ok, codes, flags, keep)
                if classes:
                    _count_classes(tally, fn, block, res_ok & flags_ok)
            if progress is not None:
                progress(first_line + lo + len(chunk) - 1)
    except KeyboardInterrupt:
        tally.interrupted = True
    tally.seconds = time.perf_counter() - start
    tally.cpu_seconds = time.process_time() - cpu_start
    return tally


def _absorb(tally: Tally, sub: Tally) -> None:
    tally.cases += sub.cases
    tally.errors += sub.errors
    tally.result_errors += sub.result_errors
    tally.flag_errors += sub.flag_errors
    tally.first_errors.extend(sub.first_errors)
    for k, st in sub.per_class.items():
        mine = tally.per_class.setdefault(k, {"cases": 0, "errors": 0})
        mine["cases"] += st["cases"]
        mine["errors"] += st["errors"]
    tally.interrupted |= sub.interrupted
    if sub.interrupted:
        raise KeyboardInterrupt


def _count_classes(tally: Tally, fn: VectorFunction, block, ok) -> None:
    """Per operand-class combination counts of one vectorised block (as the line loop counts them)."""
    from ..fast.classes import class_indices

    idx = [class_indices(fn.src, np.asarray(o).reshape(-1)) for o in block.operands]
    key = np.zeros(idx[0].shape, dtype=np.int64)
    for i in idx:
        key = key * len(CLASSES) + i
    ok = np.asarray(ok).reshape(-1)
    for k in np.unique(key).tolist():
        sel = key == k
        names, rest = [], k
        for _ in idx:
            names.append(CLASSES[rest % len(CLASSES)])
            rest //= len(CLASSES)
        st = tally.per_class.setdefault("×".join(reversed(names)), {"cases": 0, "errors": 0})
        st["cases"] += int(sel.sum())
        st["errors"] += int((~ok[sel]).sum())


def _tally_block(tally: Tally, block, res_ok, flags_ok, codes, flags, keep: int) -> None:
    bad = ~(res_ok & flags_ok)
    tally.cases += block.lines.size
    nbad = int(bad.sum())
    tally.errors += nbad
    tally.flag_errors += int((bad & res_ok).sum())
    tally.result_errors += int((bad & ~res_ok).sum())
    codes, flags = codes.reshape(-1), flags.reshape(-1)
    for i in np.flatnonzero(bad)[: max(0, keep - len(tally.first_errors))].tolist():
        ops = tuple(int(o[i]) for o in block.operands)
        rnd = int(block.random[i]) if block.random is not None else None
        case = Case(ops, rnd, int(block.result[i]), int(block.flags[i]), int(block.lines[i]))
        tally.first_errors.append(Mismatch(case, Rounded(int(codes[i]), Flags(int(flags[i])))))


def check_case(fn: VectorFunction, env: Env, case: Case) -> tuple[bool, Rounded]:
    """Check one parsed case; returns (ok, golden result)."""
    if case.random is not None:
        env = dataclasses.replace(env, random_bits=case.random)
    got = fn.evaluate(case.operands, env)
    ok = results_match(fn.dst, case.result, got.code) and (int(got.flags) & 0x1F) == case.flags
    return ok, got


__all__ = ["Tally", "Mismatch", "check_lines", "check_case", "results_match", "Flags"]
