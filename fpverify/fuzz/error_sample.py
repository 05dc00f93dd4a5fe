"""The error distribution of a kernel: how far (in ULPs of the destination format) each result is
from the golden model over the same generated examples as `fuzz` (same seed, -n and batch).

`fuzz` stops at the first mismatch; a report's error histogram wants every example, so this runs
the target again over all of them (only when a JSON or HTML report is asked for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..formats import FloatFormat
from .arrays import BadOutput, same_code
from .generate import PART, CaseDecoder
from .harness import Oracle, call_target
from .semantics import Semantics

SPECIAL_BINS = ("zero sign", "NaN vs number", "not representable")


@dataclass
class ErrorSample:
    examples: int = 0
    ulps: dict[int, int] = field(default_factory=dict)  # ULP distance -> examples
    special: dict[str, int] = field(default_factory=lambda: {k: 0 for k in SPECIAL_BINS})
    note: str = ""

    def bins(self) -> tuple[list[str], list[int]]:
        """Histogram labels and counts: 0, 1, 2, 3–4, 5–8, … ULPs, then the special outcomes."""
        labels, counts = ["0"], [self.ulps.get(0, 0)]
        top = max(self.ulps, default=0)
        lo, hi = 1, 1
        while lo <= max(top, 1):
            labels.append(str(lo) if lo == hi else f"{lo}–{hi}")
            counts.append(sum(v for d, v in self.ulps.items() if lo <= d <= hi))
            lo, hi = hi + 1, hi * 2
        for k in SPECIAL_BINS:
            labels.append(k)
            counts.append(self.special[k])
        return labels, counts

    def to_json(self) -> dict:
        labels, counts = self.bins()
        return {"examples": self.examples, "labels": labels, "counts": counts,
                "max_ulp": max(self.ulps, default=0), "exact": self.ulps.get(0, 0), "note": self.note}


def ordinal(fmt: FloatFormat, code: int) -> int:
    """Codes in value order: +magnitude for positive codes, -magnitude for negative ones."""
    mag = code & fmt.mag_mask
    return -mag if fmt.signed and code & fmt.sign_bit else mag


def error_sample(target: Callable, sem: Semantics, n: int = 10_000, seed: int = 0, batch: int = 64) -> ErrorSample:
    """ULP distances of ``target``'s results from golden over fuzz's examples for (seed, n, batch)."""
    out = ErrorSample()
    dst = sem.dst
    if sem.op == "mx" or not isinstance(dst, FloatFormat):
        out.note = "no ULP histogram for MX blocks or integer results"
        return out
    decoder = CaseDecoder(sem)
    oracle = Oracle(sem)
    k = decoder.parts_per_case
    batch = max(1, min(batch, n))
    done, index = 0, 0
    while done < n:
        size = min(batch, n - done)
        rng = np.random.default_rng([seed, index])
        parts = rng.integers(0, PART, size=k * size).tolist()
        cases = [decoder.decode(decoder.words(parts[i * k:(i + 1) * k])) for i in range(size)]
        try:
            actual, _ = call_target(target, sem, cases)
        except (BadOutput, Exception) as e:  # noqa: BLE001 - the fuzz result already reports a crash
            out.note = f"stopped after {done} examples: the target raised {type(e).__name__}: {e}"
            break
        for case, exp, act in zip(cases, oracle.expected(cases), actual):
            if sem.skip_nan and any(isinstance(s, FloatFormat) and s.is_nan(a)
                                    for s, a in zip(sem.sources, case.args)):
                continue
            out.examples += 1
            if same_code(dst, exp, act):
                out.ulps[0] = out.ulps.get(0, 0) + 1
            elif act is None:
                out.special["not representable"] += 1
            elif dst.is_nan(exp) or dst.is_nan(act):
                out.special["NaN vs number"] += 1
            else:
                d = abs(ordinal(dst, int(exp)) - ordinal(dst, int(act)))
                if d == 0:
                    out.special["zero sign"] += 1
                else:
                    out.ulps[d] = out.ulps.get(d, 0) + 1
        done += size
        index += 1
    return out


__all__ = ["ErrorSample", "error_sample", "ordinal", "SPECIAL_BINS"]
