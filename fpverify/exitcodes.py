"""The one exit-code contract of every `fpverify` command.

=====  ===========  ==========================================================================
code   name         meaning
=====  ===========  ==========================================================================
0      OK           proved / clean: every property proved, no mismatch, every mutant killed
1      REFUTED      refuted / mismatch: a counterexample, a golden-model mismatch, a vacuous
                    property, or (faults) a surviving mutant or EQGAP > 0 - the spec is too weak
2      BAD_INPUT    bad input: a spec, flag, vector line or target, including any exception
                    raised while elaborating the user's design (reported at the user's file:line)
3      UNKNOWN      unknown: a solver timeout or give-up; nothing was shown either way
4      INTERNAL     internal error: a bug in fpverify (an unexpected exception anywhere, or a
                    proof's ERROR verdict, e.g. a counterexample that does not replay)
130    INTERRUPTED  interrupted (Ctrl-C); the partial results are still printed
=====  ===========  ==========================================================================

When one run has several outcomes (a spec with many properties, many specs) the exit code is the
first of `PRECEDENCE` that occurred: a refutation is a real finding and wins over everything, even
an interrupt; then an interrupt (the results are partial), then an internal error, bad input and
unknown.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Iterable


class ExitCode(IntEnum):
    OK = 0
    REFUTED = 1
    BAD_INPUT = 2
    UNKNOWN = 3
    INTERNAL = 4
    INTERRUPTED = 130


PRECEDENCE: tuple[ExitCode, ...] = (ExitCode.REFUTED, ExitCode.INTERRUPTED, ExitCode.INTERNAL,
                                    ExitCode.BAD_INPUT, ExitCode.UNKNOWN, ExitCode.OK)

# a proof verdict (`dsl.verdicts` / `prove.types` status) -> its exit code
STATUS_CODES: dict[str, ExitCode] = {
    "PROVED": ExitCode.OK,
    "REFUTED": ExitCode.REFUTED,
    "VACUOUS": ExitCode.REFUTED,
    "UNKNOWN": ExitCode.UNKNOWN,
    "ERROR": ExitCode.INTERNAL,
    "INTERRUPTED": ExitCode.INTERRUPTED,
}


def combine(codes: Iterable[ExitCode]) -> ExitCode:
    """The exit code of a run with these outcomes (OK when there are none)."""
    seen = set(codes)
    return next((c for c in PRECEDENCE if c in seen), ExitCode.OK)
