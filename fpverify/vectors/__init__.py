"""Test vectors in TestFloat's line format for any format: parse, generate, check.

* `function.parse_function("e4m3fn_mul")` -> `VectorFunction` (``<fmt>_<op>`` or ``<src>_to_<dst>``);
* `line.LineParser` / `line.format_case`: the line format (see `fpverify.vectors.line`);
* `generate.generate(fn, rounding, level, count, seed)`: TestFloat-style operand generation;
* `check.check_lines(lines, fn, env)` -> `Tally`: the checker behind `fpverify vectors check`;
* `testfloat.check_archive()`: every file of the TestFloat level-1 archive through that checker.
"""

from .check import Mismatch, Tally, check_case, check_lines, results_match
from .function import OP_NAMES, VectorFunction, parse_function
from .generate import CaseGenerator, generate
from .line import Case, LineParser, describe, describe_value, flag_names, format_case

__all__ = [
    "Mismatch", "Tally", "check_case", "check_lines", "results_match", "OP_NAMES", "VectorFunction",
    "parse_function", "CaseGenerator", "generate", "Case", "LineParser", "describe", "describe_value",
    "flag_names", "format_case",
]
