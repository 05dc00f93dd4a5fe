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

A reader that closes stdout early (``fpverify vectors gen ... | head``) ends the command with 0:
what it read was delivered, nothing was refuted.
"""

from __future__ import annotations

import os
import traceback
from enum import IntEnum
from types import TracebackType
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


def innermost_fpverify_frame(tb: TracebackType | None) -> str | None:
    """``fpverify/path.py:line (in function)`` of the deepest traceback frame in this package."""
    root = os.path.dirname(os.path.abspath(__file__)) + os.sep
    where = None
    while tb is not None:
        code = tb.tb_frame.f_code
        path = os.path.abspath(code.co_filename)
        if path.startswith(root):
            where = f"fpverify{os.sep}{path[len(root):]}:{tb.tb_lineno} (in {code.co_name})"
        tb = tb.tb_next
    return where


def internal_error_report(exc: BaseException, debug: bool = False) -> str:
    """The message of exit code 4: one line naming the exception, where in fpverify it was raised,
    and the full traceback only with ``debug`` (FPVERIFY_DEBUG=1)."""
    lines = [f"internal error (a bug in fpverify, please report): {type(exc).__name__}: {exc}"]
    where = innermost_fpverify_frame(exc.__traceback__)
    if where:
        lines.append(f"  at {where}")
    if debug:
        lines.append("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)).rstrip())
    else:
        lines.append("  (set FPVERIFY_DEBUG=1 for the full traceback)")
    return "\n".join(lines)


__all__ = ["ExitCode", "PRECEDENCE", "STATUS_CODES", "combine", "innermost_fpverify_frame", "internal_error_report"]
