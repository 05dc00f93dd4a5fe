"""TestFloat's vector line format, generalised to any format.

One case a line, all hex without ``0x``, separated by blanks::

    <operand 1> [<operand 2> [<operand 3>]] [<random bits R>] <result> <flags>

* operands and result are codes, zero-padded to the storage width of their format;
* ``R`` is present only for stochastic rounding (``sraN``/``srbN``/``srcN``): the N random bits the
  rounding consumed, ``0 <= R < 2^N``, an extra column before the result (fpverify extension);
* flags are SoftFloat's byte: 01 inexact, 02 underflow, 04 overflow, 08 infinite, 10 invalid.
  The project-only SATURATED bit never appears in files.

Blank lines and lines starting with ``#`` are ignored (TestFloat never writes them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..errors import InputError
from ..formats import Format
from ..rounding import Flags, Rounding
from .function import VectorFunction

IEEE_FLAG_MASK = 0x1F


@dataclass(frozen=True)
class Case:
    operands: tuple[int, ...]
    random: int | None
    result: int
    flags: int
    line: int = 0


def hex_digits(fmt: Format) -> int:
    return (fmt.width + 3) // 4


def column_names(fn: VectorFunction, rounding: Rounding) -> list[str]:
    names = [f"operand {i + 1}" for i in range(fn.arity)]
    if rounding.mode.stochastic:
        names.append("random bits")
    return names + ["result", "flags"]


def format_case(fn: VectorFunction, rounding: Rounding, operands, random: int | None,
                result: int, flags: int) -> str:
    sd, dd = hex_digits(fn.src), hex_digits(fn.dst)
    cols = [f"{c:0{sd}X}" for c in operands]
    if rounding.mode.stochastic:
        cols.append(f"{random:0{(rounding.nbits + 3) // 4}X}")
    cols.append(f"{result:0{dd}X}")
    cols.append(f"{int(flags) & IEEE_FLAG_MASK:02X}")
    return " ".join(cols)


class LineParser:
    """Parses the lines of one function's vector file; errors carry file:line:col."""

    def __init__(self, fn: VectorFunction, rounding: Rounding, file: str | None = None) -> None:
        self.fn = fn
        self.rounding = rounding
        self.file = file
        self.names = column_names(fn, rounding)
        self.ncols = len(self.names)
        self.stochastic = rounding.mode.stochastic
        # upper bound (exclusive) of every column
        limits = [1 << fn.src.bits] * fn.arity
        if self.stochastic:
            limits.append(1 << rounding.nbits)
        limits += [1 << fn.dst.bits, IEEE_FLAG_MASK + 1]
        self.limits = limits

    def parse(self, text: str, lineno: int) -> Case | None:
        """The case on one line, or None for a blank/comment line."""
        tokens = text.split()
        if not tokens or tokens[0].startswith("#"):
            return None
        if len(tokens) != self.ncols:
            col = 1 + len(text) - len(text.lstrip()) if len(tokens) < self.ncols else self._col(text, self.ncols)
            raise InputError(f"expected {self.ncols} columns ({', '.join(self.names)}) for "
                             f"{self.fn.name} under {self.rounding}, found {len(tokens)}",
                             self.file, lineno, col)
        values = []
        for i, tok in enumerate(tokens):
            try:
                v = int(tok, 16)
                if tok[0] in "+-" or tok[:2].lower() == "0x" or "_" in tok:
                    raise ValueError
            except ValueError:
                raise InputError(f"{self.names[i]} {tok!r} is not a hex number", self.file, lineno,
                                 self._col(text, i)) from None
            if v >= self.limits[i]:
                what = self._range_text(i)
                raise InputError(f"{self.names[i]} {tok} is out of range ({what})", self.file, lineno,
                                 self._col(text, i))
            values.append(v)
        ops = tuple(values[: self.fn.arity])
        rnd = values[self.fn.arity] if self.stochastic else None
        return Case(ops, rnd, values[-2], values[-1], lineno)

    def _range_text(self, i: int) -> str:
        name = self.names[i]
        if name == "flags":
            return "flags are 5 bits: 01 inexact 02 underflow 04 overflow 08 infinite 10 invalid"
        if name == "random bits":
            return f"R must be below 2^{self.rounding.nbits}"
        fmt = self.fn.dst if name == "result" else self.fn.src
        return f"{fmt.name} codes are {fmt.bits} bits, at most {(1 << fmt.bits) - 1:X}"

    @staticmethod
    def _col(text: str, index: int) -> int:
        """1-based column where token ``index`` starts."""
        pos, n = 0, -1
        in_tok = False
        for pos, ch in enumerate(text):
            if not ch.isspace() and not in_tok:
                n += 1
                if n == index:
                    return pos + 1
            in_tok = not ch.isspace()
        return len(text) + 1


def describe_value(fmt: Format, code: int) -> str:
    """The exact value of a code as short text: '1.5', '-inf', 'nan', '-0'."""
    v = fmt.value(code)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("-inf" if v < 0 else "inf")
    if v == 0:
        neg = fmt.kind == "float" and fmt.signed and code & fmt.sign_bit
        return "-0" if neg else "0"
    f = float(v)
    if Fraction(f) == v:
        return repr(f).removesuffix(".0") if abs(f) < 1e16 else repr(f)
    return str(v)


def describe(fmt: Format, code: int) -> str:
    return f"0x{code:0{hex_digits(fmt)}X} ({describe_value(fmt, code)})"


def flag_names(flags: int) -> str:
    return Flags(int(flags) & IEEE_FLAG_MASK).names()
