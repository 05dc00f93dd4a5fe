"""Arrays that carry their format: exact low-precision emulation for numpy loops.

    from fpverify.fast.emulate import Context, FPArray
    ctx = Context("sr_c8", seed=0)                 # stochastic rounding, 8 random bits, seeded
    w = FPArray.from_float(w0, "bf16", ctx)        # quantize once
    g = FPArray.from_float(grad, "e5m2", ctx)
    w = w - g.astype("bf16") * lr                  # every operation rounds once, bit-exact with golden
    y = x @ w                                      # exact dot products rounded once (Context.order)
    w.to_float()                                   # float32 values;  w.as_ml_dtypes(): ml_dtypes view

Every operation is `fpverify.fast.arith` (or `fast.dotprod`) on the codes, so results and flags are
those of the golden model. Python/numpy numbers mixed in are first quantized into the array's
format under the context. Stochastic modes draw fresh random bits from the context's generator
for each operation (reproducible for a given seed and sequence of operations).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..formats import FloatFormat, Format, Overflow, get_format
from ..rounding import Env, Rounding, parse_rounding
from . import arith
from . import dotprod as dot_mod
from .convert import dequantize, quantize


@dataclass
class Context:
    """Rounding, overflow policy, random bits and the matmul accumulation order of operations."""

    rounding: Rounding | str = "rne"
    seed: int | None = None
    overflow: Overflow | str | None = None
    order: str = "exact"  # matmul: "exact" (rounded once) or "sequential" (fma steps in ``acc``)
    acc: str | None = None
    rng: np.random.Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rounding = parse_rounding(self.rounding)
        if isinstance(self.overflow, str):
            self.overflow = Overflow(self.overflow)
        self.rng = np.random.default_rng(self.seed)

    @property
    def env(self) -> Env:
        return Env(self.rounding, self.overflow)

    def draw(self, shape) -> np.ndarray | None:
        """Random bits for one operation (None for deterministic modes)."""
        if not self.rounding.mode.stochastic:
            return None
        return self.rng.integers(0, 1 << self.rounding.nbits, size=shape, dtype=np.int64)


_DEFAULT = Context()


class FPArray:
    """Codes of one float format (precision <= 24 runs vectorised) with exact arithmetic."""

    __array_priority__ = 1000  # numpy defers to our operators

    def __init__(self, codes, fmt: Format | str, ctx: Context | None = None) -> None:
        self.fmt: FloatFormat = get_format(fmt)
        if not isinstance(self.fmt, FloatFormat):
            raise TypeError("FPArray holds float formats")
        self.codes = np.asarray(codes)
        self.ctx = ctx or _DEFAULT

    # ---- conversions ------------------------------------------------------------------------
    @classmethod
    def from_float(cls, x, fmt: Format | str, ctx: Context | None = None) -> "FPArray":
        """Quantize a float array (one rounding per element under ``ctx``)."""
        ctx = ctx or _DEFAULT
        arr = np.asarray(x)
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float64)
        codes = quantize(arr, fmt, ctx.env, random_bits=ctx.draw(arr.shape))
        return cls(codes, fmt, ctx)

    def to_float(self, dtype=np.float32) -> np.ndarray:
        """Decoded values (exact in float64; float32 rounds to nearest even where needed)."""
        return dequantize(self.codes, self.fmt, dtype)

    def as_ml_dtypes(self) -> np.ndarray:
        """The codes viewed as the ml_dtypes/numpy dtype with this encoding (no copy of values)."""
        from . import as_ml_dtypes

        return as_ml_dtypes(self.codes, self.fmt)

    def astype(self, fmt: Format | str) -> "FPArray":
        """Round into another float format (one rounding)."""
        fmt = get_format(fmt)
        if fmt == self.fmt:
            return self
        if arith.supports(self.fmt, self.ctx.env, fmt):
            if self.ctx.rounding.mode.stochastic:
                one = np.full(self.codes.shape, _one(self.fmt))
                zero = np.full(self.codes.shape, _neg_zero(self.fmt))
                return self._wrap(arith.fma(self.codes, one, zero, self.fmt, self.ctx.env, out=fmt,
                                            random_bits=self.ctx.draw(self.codes.shape)), fmt)
            return self._wrap(dot_mod.convert_codes(self.codes, self.fmt, fmt, self.ctx.env), fmt)
        return FPArray.from_float(self.to_float(np.float64), fmt, self.ctx)

    # ---- array protocol ---------------------------------------------------------------------
    @property
    def shape(self):
        return self.codes.shape

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, idx) -> "FPArray":
        return self._wrap(self.codes[idx])

    def reshape(self, *shape) -> "FPArray":
        return self._wrap(self.codes.reshape(*shape))

    @property
    def T(self) -> "FPArray":
        return self._wrap(self.codes.T)

    def __repr__(self) -> str:
        return f"FPArray({self.to_float(np.float64)!r}, fmt={self.fmt.name}, rounding={self.ctx.rounding})"

    # ---- arithmetic -------------------------------------------------------------------------
    def _wrap(self, codes, fmt: Format | None = None) -> "FPArray":
        return FPArray(codes, fmt or self.fmt, self.ctx)

    def _coerce(self, other) -> np.ndarray:
        if isinstance(other, FPArray):
            if other.fmt != self.fmt:
                raise TypeError(f"mixed formats {self.fmt.name} and {other.fmt.name}: convert with astype()")
            return other.codes
        return FPArray.from_float(other, self.fmt, self.ctx).codes

    def _op(self, op: str, *others) -> "FPArray":
        ops = [self.codes] + [self._coerce(o) for o in others]
        shape = np.broadcast_shapes(*[np.shape(o) for o in ops])
        return self._wrap(arith.apply(op, ops, self.fmt, self.ctx.env, random_bits=self.ctx.draw(shape)))

    def __add__(self, other):
        return self._op("add", other)

    def __radd__(self, other):
        return self._wrap(self._coerce(other))._op("add", self)

    def __sub__(self, other):
        return self._op("sub", other)

    def __rsub__(self, other):
        return self._wrap(self._coerce(other))._op("sub", self)

    def __mul__(self, other):
        return self._op("mul", other)

    def __rmul__(self, other):
        return self._wrap(self._coerce(other))._op("mul", self)

    def __truediv__(self, other):
        return self._op("div", other)

    def __rtruediv__(self, other):
        return self._wrap(self._coerce(other))._op("div", self)

    def __neg__(self):
        return self._wrap(negate(self.codes, self.fmt))

    def sqrt(self) -> "FPArray":
        return self._op("sqrt")

    def fma(self, b, c) -> "FPArray":
        """self * b + c, rounded once."""
        return self._op("fma", b, c)

    def __matmul__(self, other) -> "FPArray":
        b = self._coerce(other)
        a = self.codes
        kw = {"order": self.ctx.order, "acc": self.ctx.acc}
        if a.ndim == 1 and b.ndim == 1:
            shape = ()
            res = dot_mod.dot(a, b, self.fmt, self.ctx.env, random_bits=self._mm_bits(shape, len(a)), **kw)
        else:
            a2 = a[None, :] if a.ndim == 1 else a
            b2 = b[:, None] if b.ndim == 1 else b
            shape = (a2.shape[0], b2.shape[1])
            res = dot_mod.matmul(a2, b2, self.fmt, self.ctx.env, random_bits=self._mm_bits(shape, a2.shape[1]),
                                 **kw)
            res = res.reshape(tuple(d for d, keep in zip(shape, (a.ndim > 1, b.ndim > 1)) if keep))
        return self._wrap(res)

    def _mm_bits(self, shape, k):
        if self.ctx.order == "sequential":
            return self.ctx.draw(tuple(shape) + (k,))
        return self.ctx.draw(shape)

    def sum(self) -> "FPArray":
        """Exact sum of all elements, rounded once."""
        flat = self.codes.reshape(-1)
        return self._wrap(dot_mod.dot(flat, np.full(flat.shape, _one(self.fmt)), self.fmt, self.ctx.env,
                                      random_bits=self.ctx.draw(())))


def _one(fmt: FloatFormat) -> int:
    """The code of 1.0 (exponent field = bias)."""
    if fmt.bias > fmt.exp_mask:
        raise ValueError(f"1.0 is not representable in {fmt.name}")
    return fmt.bias << fmt.man_bits


def _neg_zero(fmt: FloatFormat) -> int:
    return fmt.sign_bit if fmt.has_neg_zero else 0


def negate(codes, fmt: FloatFormat) -> np.ndarray:
    """Flip the sign bit (golden `neg`: NaNs and a zero without -0 stay as they are)."""
    c = np.asarray(codes)
    if not fmt.signed:
        return c.copy()
    from .operands import unpack

    u = unpack(c, fmt)
    flipped = c ^ c.dtype.type(fmt.sign_bit)
    keep = u.nan | ((c & c.dtype.type(fmt.mag_mask)) == 0) & (not fmt.has_neg_zero) & ~u.inf
    return np.where(keep, c, flipped)


__all__ = ["Context", "FPArray", "negate"]
