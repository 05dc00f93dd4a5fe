"""Differential fuzzing of software kernels against the golden model.

`fuzz(target, "convert f32->e4m3fn rne satfinite", n=20000, seed=1)` runs a kernel on batches of
hypothesis-generated inputs aimed at rounding boundaries and returns a `FuzzResult`; the CLI is
``fpverify fuzz TARGET --semantics ...``; `assert_matches` is the pytest helper.
"""

from .harness import FuzzResult, Mismatch, assert_matches, format_result, fuzz, load_target
from .semantics import Semantics, parse_semantics

__all__ = ["fuzz", "assert_matches", "format_result", "load_target", "FuzzResult", "Mismatch",
           "Semantics", "parse_semantics"]
