"""Bit-exact array arithmetic on codes: add, sub, mul, div, sqrt, fma for float formats up to 32 bits.

    from fpverify.fast import arith
    c = arith.mul(a, b, "bf16")                                     # codes in, codes out (RNE)
    c, fl = arith.add(a, b, "e4m3fn", Env(RTZ), with_flags=True)    # per-element Flags bits
    c = arith.fma(a, b, acc, "e5m2", Env(Rounding(Mode.SR_C, 8)), rng=0, out="f16")

Each operation is an independent integer datapath (int64), then one shared round-and-pack
(`fast.round_pack`):

* unpack codes into sign, integer significand (< 2^24) and exponent (`fast.operands`);
* mul: the exact product (< 2^48); add/sub/fma: both addends normalised to 48 bits, the one with
  the larger exponent shifted left by at most 13, the other right with the lost bits jammed
  (rounded to odd), so the sum is exact or odd with >= 60 significant bits; div: a 60-bit
  integer quotient in two long-division steps, remainder jammed; sqrt: integer square root of a
  radicand in [2^60, 2^62) (31 bits), extended bit by bit when a stochastic mode needs more,
  remainder jammed;
* special operands follow the golden model's rules (NaN, Inf, signed zeros, invalid cases).

Deterministic modes on signed formats with subnormals (with flags: targets below 2^127) run
`fast.float64_path` instead (float64/float32 arithmetic made exact by error-free transformations,
rounded to odd, then rounded once; ``USE_FLOAT64_PATH = False`` turns it off); bf16 add/sub/mul/div
without flags in RNA/RTZ/RUP/RDN/RTO run `fast.bf16_kernel` (one float32 operation rounded on its
bit pattern, a rare set redone by `float64_path`; ``USE_BF16_KERNEL = False`` turns it off); bf16
add/sub/mul/div without flags in SR-A/B/C run `fast.bf16_sr_kernel` (the float32 operation, its
exact error, integer rounding of the pattern with the same random bits; a rare set redone here;
``USE_BF16_SR_KERNEL = False`` turns it off). This datapath stays the one for the other stochastic
cases and flag requests, and the independent cross-check in the tests.

Covered: every `FloatFormat` operand and result format with precision <= 24 whose result format
has subnormals or precision 1, every deterministic mode, stochastic modes reading <= 33 bits
(SR-A N <= 33, SR-B/SR-C N <= 32), every overflow and NaN policy, both tininess rules. Anything
else (f64, integer formats, wider SR) runs the golden model element by element (`supports`).
"""

from __future__ import annotations

import numpy as np

from ..formats import FloatFormat, Format, NanPolicy, Overflow, get_format
from ..rounding import Env, Mode, Rounding, parse_rounding
from ..semantics.ops import get_op
from ..semantics.rounding_rules import decision_bits
from . import bf16_kernel, bf16_sr_kernel, float64_path, wide
from .operands import Operands, unpack
from .round_pack import as_outputs, bit_length, finish, jam, round_pack
from .specials import code_dtype

MAX_PRECISION = 24  # operand and result significands; products stay below 2^48
MAX_DECISION_BITS = 33  # bits of the residual a stochastic mode may read (every datapath gives >= p + 35)
_NORM = 48  # addends are normalised to [2^47, 2^48)
_ALIGN = 13  # ... and the larger one shifted left by at most 61 - 48 bits
_LOW = -(1 << 40)  # exponent given to zero addends (always "far below")
OPS = ("add", "sub", "mul", "div", "sqrt", "fma")
CHUNK = 1 << 14  # elements per block of the vectorised datapath (its temporaries stay in cache)
USE_FLOAT64_PATH = True  # deterministic modes without flags: `float64_path` where it applies
USE_BF16_KERNEL = True  # bf16 add/sub/mul/div, RNA/RTZ/RUP/RDN/RTO: `bf16_kernel` (off: `float64_path`)
USE_BF16_SR_KERNEL = True  # bf16 add/sub/mul/div, SR-A/B/C: `bf16_sr_kernel` (off: the int64 datapath)


def supports(fmt: Format, env: Env = Env(), out: Format | None = None) -> bool:
    """Whether the integer datapaths cover operands of ``fmt`` and results in ``out`` under ``env``."""
    out = fmt if out is None else out
    if not (isinstance(fmt, FloatFormat) and isinstance(out, FloatFormat)):
        return False
    if fmt.precision > MAX_PRECISION or out.precision > MAX_PRECISION:
        return False
    if not (out.subnormals or out.man_bits == 0):
        return False
    rnd = env.rounding
    return not rnd.mode.stochastic or decision_bits(rnd.mode, rnd.nbits) <= MAX_DECISION_BITS


def covers(fmt: Format, env: Env = Env(), out: Format | None = None) -> bool:
    """Whether `apply` runs a fast datapath (int64 vectorised, or the per-element wide one) rather
    than the golden model."""
    out = fmt if out is None else out
    return supports(fmt, env, out) or wide.supports(fmt, out)


# ---- exact integer datapaths ----------------------------------------------------------------


def _normalise(x: np.ndarray, e: np.ndarray, width: int):
    """x << k with bit length ``width`` (x < 2^width), exponent adjusted; zeros get exponent _LOW."""
    zero = x == 0
    k = np.where(zero, 0, width - bit_length(x))
    return x << k, np.where(zero, _LOW, e - k)


def exact_sum(n1, x1, e1, n2, x2, e2):
    """(neg, X, E) of ±x1·2^e1 ± x2·2^e2 (x < 2^48) under the sticky contract; X = 0: exact zero."""
    x1, e1 = _normalise(x1, e1, _NORM)
    x2, e2 = _normalise(x2, e2, _NORM)
    first = e1 >= e2
    xb, eb, nb = np.where(first, x1, x2), np.where(first, e1, e2), np.where(first, n1, n2)
    xs, es, ns = np.where(first, x2, x1), np.where(first, e2, e1), np.where(first, n2, n1)
    d = eb - es
    lsh = np.minimum(d, _ALIGN)
    big = xb << lsh
    small = jam(xs, d - lsh)  # exact when d <= 13; else odd and big even
    t = np.where(nb, -big, big) + np.where(ns, -small, small)
    return t < 0, np.abs(t), eb - lsh


def exact_quotient(xa, ea, xb, eb):
    """(X, E) of xa·2^ea / xb·2^eb (xa, xb in (0, 2^24)): a 60-bit quotient, remainder jammed."""
    xa, ea = _normalise(xa, ea, 24)
    xb, eb = _normalise(xb, eb, 24)
    num = xa << 37  # < 2^61
    q1 = num // xb  # in (2^36, 2^38)
    r1 = (num - q1 * xb) << 23  # < 2^47
    q2 = r1 // xb  # < 2^23
    r2 = r1 - q2 * xb
    return ((q1 << 23) | q2) | (r2 != 0), ea - eb - 60


def _isqrt(m: np.ndarray) -> np.ndarray:
    """floor(sqrt(m)) for int64 m < 2^62 (float estimate, then exact integer correction)."""
    r = np.floor(np.sqrt(m.astype(np.float64))).astype(np.int64)
    for _ in range(2):
        r -= r * r > m
    for _ in range(2):
        r += (r + 1) * (r + 1) <= m
    return r


def exact_sqrt(x, e, bits: int):
    """(X, E) of sqrt(x·2^e) (0 < x < 2^24) with >= ``bits`` significant bits, remainder jammed."""
    x, e = _normalise(x, e, 24)
    odd = (e & 1) == 1
    x = np.where(odd, x << 1, x)
    e = e - odd
    k = np.where(odd, 36, 38)  # radicand in [2^60, 2^62), even shift
    m = x << k
    r = _isqrt(m)  # 31 bits
    rem = m - r * r
    extra = max(0, bits - 31)
    if extra > 28:
        raise ValueError("square root precision beyond the int64 datapath")
    for _ in range(extra):  # one more root bit per step (the radicand continues with zeros)
        rem4 = rem << 2
        trial = (r << 2) | 1
        ge = rem4 >= trial
        r = (r << 1) | ge
        rem = np.where(ge, rem4 - trial, rem4)
    return r | (rem != 0), ((e - k) >> 1) - extra


# ---- operations -----------------------------------------------------------------------------


def _zero_sum_sign(both_zero_same_sign, sign, env: Env):
    """Sign of an exact zero sum: the common sign of two like-signed zeros, else -0 only under RDN."""
    return np.where(both_zero_same_sign, sign, env.rounding.mode is Mode.RDN)


def compute(op: str, ops: list[Operands], out: FloatFormat, env: Env, r_bits, want_flags: bool):
    """Codes and flags (int64 arrays) of ``op`` on unpacked operands (`operands.unpack`, flat arrays
    of one shape, each in its own format of precision <= 24) rounded into ``out``."""
    rnd = env.rounding
    if op in ("add", "sub"):
        a, b = ops
        nb_ = ~b.neg if op == "sub" else b.neg
        nan = a.nan | b.nan
        invalid = (a.snan | b.snan) | (a.inf & b.inf & (a.neg != nb_) & ~nan)
        nan |= invalid
        inf = (a.inf | b.inf) & ~nan
        inf_neg = np.where(a.inf, a.neg, nb_)
        neg, x, e = exact_sum(a.neg, a.sig, a.exp, nb_, b.sig, b.exp)
        zero = (x == 0) & ~nan & ~inf
        zero_neg = _zero_sum_sign(a.zero & b.zero & (a.neg == nb_), a.neg, env)
        extra = {}
    elif op == "mul":
        a, b = ops
        neg = a.neg ^ b.neg
        nan = a.nan | b.nan
        invalid = a.snan | b.snan | (((a.inf & b.zero) | (a.zero & b.inf)) & ~nan)
        nan |= invalid
        inf = (a.inf | b.inf) & ~nan
        zero = (a.zero | b.zero) & ~nan & ~inf
        x, e = a.sig * b.sig, a.exp + b.exp
        inf_neg = zero_neg = neg
        extra = {}
    elif op == "div":
        a, b = ops
        neg = a.neg ^ b.neg
        nan = a.nan | b.nan
        invalid = a.snan | b.snan | (((a.inf & b.inf) | (a.zero & b.zero)) & ~nan)
        nan |= invalid
        by_zero = b.zero & ~a.zero & ~a.inf & ~nan
        inf = (a.inf | by_zero) & ~nan
        zero = (b.inf | a.zero) & ~nan & ~inf
        fin = ~(nan | inf | zero)
        x, e = exact_quotient(np.where(fin, a.sig, 1), a.exp, np.where(fin, b.sig, 1), b.exp)
        inf_neg = zero_neg = neg
        extra = {"infinite": by_zero}
    elif op == "sqrt":
        (a,) = ops
        nan = a.nan | (a.neg & ~a.zero)
        invalid = a.snan | (a.neg & ~a.zero & ~a.nan)
        inf = a.inf & ~nan
        zero = a.zero
        neg = np.zeros(a.neg.shape, bool)
        zero_neg, inf_neg = a.neg, neg
        g = decision_bits(rnd.mode, rnd.nbits)
        x, e = exact_sqrt(np.where(a.finite_nonzero, a.sig, 1), a.exp, out.precision + g + 2)
        extra = {}
    elif op == "fma":
        a, b, c = ops
        pneg = a.neg ^ b.neg
        zero_inf = (a.inf & b.zero) | (a.zero & b.inf)
        nan = a.nan | b.nan | c.nan | zero_inf
        prod_inf = a.inf | b.inf
        invalid = a.snan | b.snan | c.snan | (zero_inf & ~(a.nan | b.nan)) | \
            (prod_inf & c.inf & (c.neg != pneg) & ~nan)
        nan |= invalid
        inf = (prod_inf | c.inf) & ~nan
        inf_neg = np.where(prod_inf, pneg, c.neg)
        neg, x, e = exact_sum(pneg, a.sig * b.sig, a.exp + b.exp, c.neg, c.sig, c.exp)
        zero = (x == 0) & ~nan & ~inf
        pzero = a.zero | b.zero
        zero_neg = _zero_sum_sign(pzero & c.zero & (pneg == c.neg), pneg, env)
        extra = {}
    else:
        raise ValueError(f"unknown operation {op!r} (use one of {', '.join(OPS)})")
    special = nan | inf | zero
    live = np.flatnonzero(~special)
    if live.size == x.size:
        code, flags = round_pack(neg, x, e, out, env, r_bits, want_flags)
    else:  # round only the finite nonzero results
        code = np.zeros(x.shape, np.int64)
        flags = np.zeros(x.shape, np.int64) if want_flags else None
        if live.size:
            rb = r_bits[live] if isinstance(r_bits, np.ndarray) and r_bits.ndim else r_bits
            c_live, f_live = round_pack(neg[live], x[live], e[live], out, env, rb, want_flags)
            code[live] = c_live
            if want_flags:
                flags[live] = f_live
    return finish(code, flags, out, env, nan=nan, invalid=invalid, inf=inf, inf_neg=inf_neg,
                  zero=zero, zero_neg=zero_neg, **extra)


# ---- public API -----------------------------------------------------------------------------


def resolve_env(env: Env, rounding=None, overflow=None, nan_policy=None) -> Env:
    """``env`` with the given overrides (strings accepted)."""
    if rounding is None and overflow is None and nan_policy is None:
        return env
    rnd = parse_rounding(rounding) if rounding is not None else env.rounding
    ov = Overflow(overflow) if isinstance(overflow, str) else (overflow if overflow is not None else env.overflow)
    nanp = NanPolicy(nan_policy) if isinstance(nan_policy, str) else (
        nan_policy if nan_policy is not None else env.nan_policy)
    return Env(rnd, ov, env.tininess, env.random_bits, nanp)


def random_bits_for(rnd: Rounding, shape, env: Env, random_bits=None, rng=None):
    """Per-element random bits (int64) for a stochastic mode: explicit, drawn from ``rng`` (a
    `np.random.Generator` or a seed), or the scalar ``env.random_bits``; 0 for other modes."""
    if not rnd.mode.stochastic:
        return 0
    n = rnd.nbits
    if random_bits is not None and rng is not None:
        raise ValueError("give random_bits= or rng=, not both")
    if rng is not None:
        if isinstance(rng, (int, np.integer)):
            rng = np.random.default_rng(int(rng))
        return rng.integers(0, 1 << n, size=shape, dtype=np.int64)
    if random_bits is None:
        if not 0 <= env.random_bits < (1 << n):
            raise ValueError(f"random bits {env.random_bits} do not fit in N={n}")
        return np.full(shape, env.random_bits, np.int64)
    r = np.asarray(random_bits)
    if r.dtype.kind not in "iu":
        raise TypeError("random_bits must be an integer array")
    if r.size and (int(r.min()) < 0 or int(r.max()) >> n):
        raise ValueError(f"random bits must lie in [0, 2^{n})")
    return np.broadcast_to(r.astype(np.int64, copy=False), shape)


def apply(op: str, operands, fmt: Format | str, env: Env = Env(), *, out: Format | str | None = None,
          rounding=None, overflow=None, nan_policy=None, random_bits=None, rng=None,
          with_flags: bool = False):
    """``op`` (add sub mul div sqrt fma) elementwise on code arrays of ``fmt`` (broadcast), rounded
    into ``out`` (default ``fmt``). Returns codes, plus uint8 `Flags` bits with ``with_flags``."""
    fmt = get_format(fmt)
    out = fmt if out is None else get_format(out)
    env = resolve_env(env, rounding, overflow, nan_policy)
    arity = 1 if op == "sqrt" else 3 if op == "fma" else 2
    if op not in OPS:
        raise ValueError(f"unknown operation {op!r} (use one of {', '.join(OPS)})")
    if len(operands) != arity:
        raise ValueError(f"{op} takes {arity} operand(s), got {len(operands)}")
    arrays = np.broadcast_arrays(*[np.asarray(o) for o in operands])
    shape = arrays[0].shape
    r_bits = random_bits_for(env.rounding, shape, env, random_bits, rng)
    if USE_BF16_SR_KERNEL and bf16_sr_kernel.applies(op, fmt, env, out, with_flags):
        return _bf16_sr(op, arrays, fmt, env, out, r_bits)
    return _exact(op, arrays, fmt, env, out, r_bits, with_flags)


def _bf16_sr(op: str, arrays, fmt: FloatFormat, env: Env, out: FloatFormat, r_bits) -> np.ndarray:
    """`bf16_sr_kernel.rounded`, then its rare set recomputed by `_exact` with the same bits."""
    shape = arrays[0].shape
    a, b = (np.ascontiguousarray(x).reshape(-1) for x in arrays)
    rb = np.ascontiguousarray(np.broadcast_to(r_bits, shape)).reshape(-1)
    code, rare = bf16_sr_kernel.rounded(op, a, b, fmt, env.rounding, rb)
    if rare.size:
        code[rare] = _exact(op, [a[rare], b[rare]], fmt, env, out, rb[rare], False)
    return code.reshape(shape)


def _exact(op: str, arrays, fmt: FloatFormat, env: Env, out: FloatFormat, r_bits, with_flags: bool):
    """Every route but the SR kernel: tables, the deterministic kernels, the float64 path, the
    int64 datapath, the wide datapath or golden."""
    shape = arrays[0].shape
    if not supports(fmt, env, out):
        if wide.supports(fmt, out):
            codes, flags = wide.apply(op, arrays, fmt, env, out, r_bits)
            return (codes, flags) if with_flags else codes
        return golden_apply(op, arrays, fmt, env, out, r_bits, with_flags)
    if _tabulate(op, fmt, env, out, int(np.prod(shape))):
        codes, flags = op_table(op, fmt, env, out)
        idx = _table_index(arrays, fmt)
        got = codes[idx]
        return (got, flags[idx]) if with_flags else got
    if USE_FLOAT64_PATH and USE_BF16_KERNEL and bf16_kernel.applies(op, fmt, env, out, with_flags):
        return bf16_kernel.apply(op, arrays, fmt, env, out)
    if USE_FLOAT64_PATH and float64_path.applies(op, fmt, env, out, with_flags):
        if with_flags:
            return float64_path.apply_with_flags(op, arrays, fmt, env, out)
        return float64_path.apply(op, arrays, fmt, env, out)
    cols = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    rb = np.ascontiguousarray(r_bits).reshape(-1) if np.ndim(r_bits) else r_bits
    size = cols[0].size
    if size <= CHUNK:
        code, flags = compute(op, [unpack(c, fmt) for c in cols], out, env, rb, with_flags)
        return as_outputs(code, flags, out, shape, with_flags)
    code = np.empty(size, code_dtype(out))
    flags = np.empty(size, np.uint8) if with_flags else None
    for lo in range(0, size, CHUNK):  # cache-sized blocks: the datapath makes many passes
        sl = slice(lo, lo + CHUNK)
        c, f = compute(op, [unpack(col[sl], fmt) for col in cols], out, env,
                       rb[sl] if np.ndim(rb) else rb, with_flags)
        code[sl] = c
        if with_flags:
            flags[sl] = f
    return as_outputs(code, flags, out, shape, with_flags)


# ---- <= 8-bit formats (sqrt: <= 16-bit): every operand computed once by the datapath above ----

TABLE_MAX_WIDTH = 8
UNARY_TABLE_MAX_WIDTH = 16  # sqrt: one entry per code
_TABLE_MIN_ELEMENTS = 4096  # smaller calls run the datapath directly
_op_tables: dict = {}


def _tabulate(op: str, fmt: FloatFormat, env: Env, out: FloatFormat, size: int) -> bool:
    if op == "fma" or env.rounding.mode.stochastic:
        return False
    if fmt.width > (UNARY_TABLE_MAX_WIDTH if op == "sqrt" else TABLE_MAX_WIDTH):
        return False
    return size >= _TABLE_MIN_ELEMENTS or (op, fmt, env.resolved_for(out), out) in _op_tables


def op_table(op: str, fmt: FloatFormat, env: Env, out: FloatFormat) -> tuple[np.ndarray, np.ndarray]:
    """(codes, flags) of ``op`` on every operand code (pair) of a <= 8-bit ``fmt``, computed by this
    module's datapath (not the golden model), indexed by ``a << width | b`` (or ``a``); memoised.
    Entries whose operand is not a code of ``fmt`` (storage wider than the value bits) hold 0."""
    key = (op, fmt, env.resolved_for(out), out)
    hit = _op_tables.get(key)
    if hit is None:
        w = fmt.width
        valid = np.arange(1 << w) < (1 << fmt.bits)
        if op == "sqrt":
            grid = [np.arange(1 << w)]
        else:
            a, b = np.meshgrid(np.arange(1 << w), np.arange(1 << w), indexing="ij")
            grid = [a.ravel(), b.ravel()]
        ok = np.logical_and.reduce([valid[g] for g in grid])
        ops = [unpack(np.where(ok, g, 0), fmt) for g in grid]
        code, flags = compute(op, ops, out, env, 0, True)
        code = np.where(ok, code, 0).astype(code_dtype(out))
        flags = np.where(ok, flags, 0).astype(np.uint8)
        code.setflags(write=False)
        flags.setflags(write=False)
        hit = _op_tables[key] = (code, flags)
    return hit


def _table_index(arrays, fmt: FloatFormat) -> np.ndarray:
    from .operands import check_codes

    idx = None
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{fmt.name} codes must be an integer array, got {a.dtype}")
        check_codes(a, fmt)
        a = a.astype(np.intp, copy=False)
        idx = a if idx is None else (idx << fmt.width) | a
    return idx


def golden_apply(op: str, arrays, fmt: Format, env: Env, out: Format, r_bits=0, with_flags: bool = False):
    """The golden model element by element (the fallback for what `supports` excludes)."""
    import dataclasses

    o = get_op(op)
    shape = arrays[0].shape
    cols = [np.asarray(a).reshape(-1).tolist() for a in arrays]
    rb = np.broadcast_to(r_bits, shape).reshape(-1).tolist() if np.ndim(r_bits) else None
    codes = np.zeros(len(cols[0]), code_dtype(out))
    flags = np.zeros(len(cols[0]), np.uint8)
    for i, args in enumerate(zip(*cols)):
        e = dataclasses.replace(env, random_bits=int(rb[i])) if rb is not None else env
        r = o.run_golden(fmt, tuple(int(v) for v in args), e, out=None if out == fmt else out)
        codes[i], flags[i] = r.code, int(r.flags)
    codes, flags = codes.reshape(shape), flags.reshape(shape)
    return (codes, flags) if with_flags else codes


def add(a, b, fmt, env: Env = Env(), **kw):
    """a + b on code arrays (see `apply` for the keywords)."""
    return apply("add", (a, b), fmt, env, **kw)


def sub(a, b, fmt, env: Env = Env(), **kw):
    """a - b on code arrays."""
    return apply("sub", (a, b), fmt, env, **kw)


def mul(a, b, fmt, env: Env = Env(), **kw):
    """a * b on code arrays."""
    return apply("mul", (a, b), fmt, env, **kw)


def div(a, b, fmt, env: Env = Env(), **kw):
    """a / b on code arrays."""
    return apply("div", (a, b), fmt, env, **kw)


def sqrt(a, fmt, env: Env = Env(), **kw):
    """sqrt(a) on a code array."""
    return apply("sqrt", (a,), fmt, env, **kw)


def fma(a, b, c, fmt, env: Env = Env(), **kw):
    """a * b + c with one rounding, on code arrays."""
    return apply("fma", (a, b, c), fmt, env, **kw)


__all__ = ["add", "sub", "mul", "div", "sqrt", "fma", "apply", "compute", "op_table", "supports", "covers", "golden_apply", "exact_sum",
           "exact_quotient", "exact_sqrt", "random_bits_for", "resolve_env", "OPS", "MAX_PRECISION",
           "MAX_DECISION_BITS"]
