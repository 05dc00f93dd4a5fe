"""The vectorised path of `check_lines`: parse a block of well-formed lines with numpy and evaluate
it with `fpverify.fast` (bit-exact with the golden model, flags included).

`evaluator(fn, env)` says whether the fast engine covers a function: arithmetic (add sub mul div
sqrt mulAdd) where `fpverify.fast.arith.supports` holds, and conversions from f16/bf16/f32/f64
through `fpverify.fast.quantize`. `parse_block` returns None for any block that is not plainly
well formed (blank or comment lines, wrong column counts, non-hex digits, out-of-range values):
the caller then checks that block line by line, which reports the exact error location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ..formats import FloatFormat, Format, Specials
from ..rounding import Env
from .function import VectorFunction
from .line import IEEE_FLAG_MASK

FastEval = Callable[[list[np.ndarray], np.ndarray | None], tuple[np.ndarray, np.ndarray]]

_ARITH = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "sqrt": "sqrt", "mulAdd": "fma"}
_FLOAT_SOURCES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}
_HEX = np.full(256, 255, np.uint8)
for _i, _ch in enumerate(b"0123456789abcdef"):
    _HEX[_ch] = _i
for _i, _ch in enumerate(b"ABCDEF"):
    _HEX[_ch] = 10 + _i
_HEX[0] = 254  # numpy's padding of shorter tokens
_SPACE = np.zeros(256, bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True


def evaluator(fn: VectorFunction, env: Env) -> FastEval | None:
    """A vectorised ``(operand columns, random bits) -> (codes, flags)`` for ``fn``, or None."""
    from ..fast import arith

    if fn.op in _ARITH and fn.src == fn.dst and arith.covers(fn.src, env):
        op = _ARITH[fn.op]
        return lambda cols, r: arith.apply(op, cols, fn.src, env, random_bits=r, with_flags=True)
    if fn.is_conversion and isinstance(fn.src, FloatFormat):
        dtype = _source_dtype(fn.src)
        if dtype is not None:
            return lambda cols, r: _convert(cols[0], dtype, fn.dst, env, r)
    return None


def _source_dtype(src: FloatFormat):
    from ..fast import ml_dtype_for

    if src.specials is not Specials.IEEE:
        return None
    if src.name in _FLOAT_SOURCES:
        return np.dtype(_FLOAT_SOURCES[src.name])
    if src.name == "bf16":
        try:
            return ml_dtype_for(src)
        except ImportError:
            return None
    return None


def _convert(codes: np.ndarray, dtype, dst: Format, env: Env, r):
    from ..fast import quantize

    u = np.dtype(f"u{dtype.itemsize}")
    x = codes.astype(u).view(dtype)
    return quantize(x, dst, env, random_bits=r, with_flags=True)


@dataclass
class Block:
    """The parsed columns of a block of lines (every array has one entry per checked line)."""

    lines: np.ndarray  # line numbers (1-based)
    operands: list[np.ndarray]
    random: np.ndarray | None
    result: np.ndarray  # uint64
    flags: np.ndarray  # uint8


def parse_block(lines: Sequence[bytes | str], first_line: int, ncols: int, limits: Sequence[int],
                every: int = 1) -> Block | None:
    """Parse lines of exactly ``ncols`` hex tokens (each below its limit); None if any is not."""
    if not lines:
        return None
    lines = [ln.encode("ascii", "replace") if isinstance(ln, str) else ln for ln in lines]
    if not min(map(len, lines)):
        return None
    table = _parse_fixed(lines, ncols)
    if table is None:
        table = _parse_general(lines, ncols)
    if table is None:
        return None
    for i, lim in enumerate(limits):
        if lim <= 1 << 63 and (table[:, i] >= np.uint64(lim)).any():
            return None
    linenos = np.arange(first_line, first_line + len(lines))
    if every > 1:
        keep = linenos % every == 0
        table, linenos = table[keep], linenos[keep]
    return Block(linenos, [table[:, i] for i in range(ncols - 2)], None, table[:, -2],
                 table[:, -1].astype(np.uint8))


def _parse_fixed(lines: list[bytes], ncols: int) -> np.ndarray | None:
    """Lines of one length whose tokens sit in the same columns (TestFloat's own files)."""
    width = len(lines[0])
    if width > 200 or any(len(ln) != width for ln in lines):
        return None
    mat = np.frombuffer(b"".join(lines), np.uint8).reshape(len(lines), width)
    space = _SPACE[mat]
    if not (space == space[0]).all():
        return None
    edges = np.flatnonzero(np.diff(np.concatenate(([True], space[0], [True])).astype(np.int8)))
    spans = list(zip(edges[0::2], edges[1::2]))  # [start, end) of each token
    if len(spans) != ncols or any(b - a > 16 for a, b in spans):
        return None
    table = np.zeros((len(lines), ncols), np.uint64)
    for i, (a, b) in enumerate(spans):
        digits = _HEX[mat[:, a:b]]
        if (digits >= 16).any():
            return None
        weights = np.uint64(16) ** np.arange(b - a - 1, -1, -1, dtype=np.uint64)
        table[:, i] = (digits.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)
    return table


def _parse_general(lines: list[bytes], ncols: int) -> np.ndarray | None:
    data = b"\n".join(lines)
    buf = np.frombuffer(data, np.uint8)
    if not buf.all():  # a NUL byte would pass for numpy's padding
        return None
    space = _SPACE[buf]
    start = ~space
    start[1:] &= space[:-1]
    line_starts = np.concatenate(([0], np.flatnonzero(buf == 10) + 1))
    if line_starts.size != len(lines):  # a line with an embedded newline
        return None
    counts = np.add.reduceat(start.view(np.uint8), line_starts, dtype=np.int64)
    if (counts != ncols).any():
        return None
    tokens = np.array(data.split())
    if tokens.dtype.itemsize > 16:
        return None
    width = tokens.dtype.itemsize
    digits = _HEX[tokens.view(np.uint8).reshape(tokens.size, width)]
    if (digits == 255).any():
        return None
    vals = np.zeros(tokens.size, np.uint64)
    for j in range(width):
        d = digits[:, j]
        pad = d == 254
        vals = np.where(pad, vals, (vals << np.uint64(4)) | d.astype(np.uint64))
    return vals.reshape(len(lines), ncols)


def split_random(block: Block, arity: int, stochastic: bool) -> Block:
    """Move the random-bits column (stochastic rounding) out of the operand list."""
    if stochastic:
        block.random = block.operands[arity].astype(np.int64)
        block.operands = block.operands[:arity]
    return block


def nan_codes(codes: np.ndarray, fmt: Format) -> np.ndarray:
    """Which result codes are NaNs of ``fmt`` (vectorised; any width)."""
    if not isinstance(fmt, FloatFormat) or not fmt.has_nan:
        return np.zeros(codes.shape, bool)
    c = codes.astype(np.uint64)
    if fmt.specials is Specials.IEEE:
        m = np.uint64(fmt.man_bits)
        mag = c & np.uint64(fmt.mag_mask)
        return ((mag >> m) == np.uint64(fmt.exp_mask)) & ((mag & np.uint64((1 << fmt.man_bits) - 1)) != 0)
    if fmt.specials is Specials.FN:
        return (c & np.uint64(fmt.mag_mask)) == np.uint64(fmt.mag_mask)
    return c == np.uint64(fmt.nan_code())


def compare(block: Block, codes: np.ndarray, flags: np.ndarray, dst: Format) -> tuple[np.ndarray, np.ndarray]:
    """(result ok, flags ok) per line: equal codes or both NaN; the five IEEE flags exactly."""
    got = codes.astype(np.uint64).reshape(-1)
    res_ok = (got == block.result) | (nan_codes(got, dst) & nan_codes(block.result, dst))
    flags_ok = (flags.reshape(-1) & IEEE_FLAG_MASK) == block.flags
    return res_ok, flags_ok


__all__ = ["evaluator", "parse_block", "split_random", "compare", "nan_codes", "Block", "FastEval"]
