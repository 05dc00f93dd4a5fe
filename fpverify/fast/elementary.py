"""Correctly rounded elementary functions on code arrays: float64 candidates, a sound decision test,
golden fallback, and cached exact tables for formats of at most 16 bits.

    from fpverify.fast import elementary
    y = elementary("exp", codes, "f16", rounding="rtz")
    y, fl = elementary("gelu_tanh", codes, "bf16", Env(Rounding(Mode.SR_A, 8)), rng=0, with_flags=True)

How one element is decided (`decide`; the bounds are in `elementary_candidates`):

1. Specials (NaN, Inf, zero operands) and every element not decided below go to the golden model
   (`fpverify.golden.elementary.evaluate`, the Ziv loop), element by element.
2. The float64 candidate y with ``|f(x) - y| <= 2^-B |y|`` encloses f(x) in ``[y - D, y + D]``,
   ``D = 2^(53-B)`` units of ``2^(ilog2 y - 52)``. With ``E = ilog2(y) - p - G - 1`` (p: result
   precision, G: bits the rounding rule reads below the quantum, `decision_bits`), the element is
   decided when the enclosure lies strictly inside one cell ``(k 2^E, (k+1) 2^E)``; it is then
   handed to the shared round-and-pack (`round_pack`) as ``X = k | 1`` at ``2^E``: the sticky
   contract there (f(x) strictly between ``(X-1) 2^E`` and ``(X+1) 2^E``, ``q - E >= G + 1``)
   makes that rounding equal to rounding f(x) itself, codes and flags, every mode, random bits
   included. An exact result (a multiple of ``2^E``) is never strictly inside a cell, so exact
   cases always go to golden.
3. Anchors: f(x) = A + d with a dyadic A and a tiny d of known sign and bound ``|d| < 2^E``
   (e.g. sigmoid(x) = 1 - d for large x, sin(x) = x - d for tiny x): decided as the cell just
   above or below A, when A is a multiple of ``2^E``.
4. Far results: ``|y| >= 2^1000`` (or an overflowed float64) and ``|y| < 2^-1000`` (with a sign
   known from the definition) stand for values that every mode, random-bit string and tininess
   rule treats alike in the supported result formats (the golden model's `far_representative`
   argument), so a representative is rounded instead.

Formats: operands of any float format of at most 32 bits (exact in float64); results in float
formats with subnormals (or precision 1), ``p + G <= 50``; anything else runs the golden model.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..formats import FloatFormat, Format, FormatError, get_format
from ..rounding import Env
from ..semantics.rounding_rules import decision_bits
from . import tables
from .arith import random_bits_for, resolve_env
from .elementary_candidates import CANDIDATES
from .operands import Operands, check_codes, unpack
from .round_pack import as_outputs, round_pack
from .specials import code_dtype

FUNCTIONS = tuple(CANDIDATES)
FAR_EXP = 1000  # |y| outside [2^-1000, 2^1000): far results (rule 4)
TINY_BOUND_EXP = -800  # |f(x)| < 2^-800 whenever |y| < 2^-1000 (libm absolute error, x e^-745 terms)
MAX_DECISION_PRECISION = 50  # p + G
TABLE_MAX_WIDTH = 16
TABLE_MIN_ELEMENTS = 4096  # deterministic calls at least this large use (and build) the table


def _check(fn: str, fmt: Format, out: Format) -> None:
    if fn not in CANDIDATES:
        extra = " (pow takes two operands: fpverify.fast.power)" if fn == "pow" else ""
        raise InputError(f"unknown elementary function {fn!r} for the fast path{extra}; "
                         f"known: {' '.join(FUNCTIONS)}")
    for f in (fmt, out):
        if not isinstance(f, FloatFormat):
            raise InputError(f"{fn} takes and gives floating-point formats, not {f.name}")


def supports(fmt: Format, env: Env = Env(), out: Format | None = None) -> bool:
    """Whether `decide` can run on operands of ``fmt`` rounded into ``out`` under ``env`` (else the
    golden model computes every element)."""
    out = fmt if out is None else out
    if not (isinstance(fmt, FloatFormat) and isinstance(out, FloatFormat)):
        return False
    if (fmt.width > 32 or fmt.precision > 53 or int(fmt.max_value).bit_length() > 1000
            or fmt.emin - fmt.precision < -1000):
        return False
    if not (out.subnormals or out.man_bits == 0):
        return False
    g = decision_bits(env.rounding.mode, env.rounding.nbits)
    top = int(out.max_value).bit_length()
    return (out.precision + g <= MAX_DECISION_PRECISION and top + 2 < FAR_EXP - 1
            and out.emin - out.precision - 72 > TINY_BOUND_EXP)


def _cells(y_abs: np.ndarray, bits: int, p: int, g: int):
    """Rule 2 on |y| (normal float64): (decided, X, E)."""
    f, ey = np.frexp(y_abs)
    m = np.ldexp(f, 53).astype(np.int64)  # exact: y = m 2^(ey - 53), m in [2^52, 2^53)
    s = 51 - p - g
    k_err = 1 << (53 - bits)
    lo, hi = m - k_err, m + k_err
    k = lo >> s
    ok = (lo > (k << s)) & (hi < ((k + 1) << s))
    return ok, k | 1, ey.astype(np.int64) - 53 + s


def _anchored(near, x: np.ndarray, p: int, g: int):
    """Rule 3: (decided, neg, X, E)."""
    mask, a, dsign, dbound = near(x)
    f, ea = np.frexp(np.abs(a))
    ma = np.ldexp(f, 53).astype(np.int64)
    e_cell = ea.astype(np.int64) - 1 - p - g - 2
    sh = 50 - p - g  # e_cell - (ea - 53) >= 0
    with np.errstate(all="ignore"):
        small = dbound < np.ldexp(1.0, e_cell)
    ok = mask & (a != 0) & (dsign != 0) & small & ((ma & ((1 << sh) - 1)) == 0)
    k = ma >> sh
    away = (dsign > 0) == (a > 0)  # |f(x)| above |A|
    return ok, a < 0, np.where(away, k, k - 1) | 1, e_cell


def decide(fn: str, x: np.ndarray, out: FloatFormat, env: Env):
    """Rules 2-4 on finite nonzero float64 operands ``x``: (decided, neg, X, E) arrays."""
    cand = CANDIDATES[fn]
    p, g = out.precision, decision_bits(env.rounding.mode, env.rounding.nbits)
    with np.errstate(all="ignore"):
        y = cand.value(x)
    y_abs = np.abs(y)
    window = (y_abs >= 2.0 ** -FAR_EXP) & (y_abs < 2.0 ** FAR_EXP)
    ok, big_x, e = _cells(np.where(window, y_abs, 1.0), cand.bits, p, g)
    ok &= window
    neg = y < 0
    if cand.near is not None:
        with np.errstate(all="ignore"):
            ok_n, neg_n, x_n, e_n = _anchored(cand.near, x, p, g)
        take = ok_n & ~ok
        ok, neg, big_x, e = ok | take, np.where(take, neg_n, neg), np.where(take, x_n, big_x), np.where(take, e_n, e)
    # an overflowed float64 (y = +-inf) counts only for functions without poles at finite operands
    huge = (y_abs >= 2.0 ** FAR_EXP) & (np.isfinite(y) | (cand.sign is not None))
    tiny = (y_abs < 2.0 ** -FAR_EXP) & (cand.sign is not None)
    far = (huge | tiny) & ~ok
    if far.any():
        tiny_neg = x < 0 if cand.sign == "odd" else np.zeros(x.shape, bool)
        neg = np.where(far, np.where(huge, y < 0, tiny_neg), neg)
        big_x = np.where(far, 3, big_x)
        e = np.where(far, np.where(huge, FAR_EXP, -FAR_EXP - 3), e)
        ok = ok | far
    return ok, neg, big_x, e


def _values(ops: Operands) -> np.ndarray:
    return np.where(ops.neg, -1.0, 1.0) * np.ldexp(ops.sig.astype(np.float64), ops.exp.astype(np.int32))


def golden_elements(fn: str, codes, fmt: FloatFormat, env: Env, out: FloatFormat, r_bits=0):
    """(codes, flags) int64 arrays of the golden model on a flat code array, or on a tuple of
    them (one per operand: pow), one call per element; ``r_bits`` scalar or per element."""
    from ..golden.elementary import evaluate  # mpmath is imported only when an element needs it

    columns = codes if isinstance(codes, tuple) else (codes,)
    rows = list(zip(*(np.asarray(c).reshape(-1).tolist() for c in columns)))
    rb = np.broadcast_to(r_bits, (len(rows),)).tolist() if np.ndim(r_bits) else None
    res_c = np.zeros(len(rows), np.int64)
    res_f = np.zeros(len(rows), np.int64)
    o = None if out == fmt else out
    for i, row in enumerate(rows):
        e = dataclasses.replace(env, random_bits=int(rb[i])) if rb is not None else env
        r = evaluate(fn, fmt, tuple(int(c) for c in row), e, o)
        res_c[i], res_f[i] = r.code, int(r.flags)
    return res_c, res_f


def compute(fn: str, codes: np.ndarray, fmt: FloatFormat, env: Env, out: FloatFormat, r_bits=0):
    """(codes, flags, golden count) for a flat int code array; ``r_bits`` scalar or per element."""
    n = codes.size
    if not supports(fmt, env, out):
        c, f = golden_elements(fn, codes, fmt, env, out, r_bits)
        return c, f, n
    ops = unpack(codes, fmt)
    live = ops.finite_nonzero
    x = _values(ops)
    idx = np.flatnonzero(live)
    ok, neg, big_x, e = decide(fn, x[idx], out, env)
    good = idx[ok]
    code = np.zeros(n, np.int64)
    flags = np.zeros(n, np.int64)
    if good.size:
        rb = r_bits[good] if np.ndim(r_bits) else r_bits
        c, f = round_pack(neg[ok], big_x[ok].astype(np.int64), e[ok].astype(np.int64), out, env, rb, True)
        code[good], flags[good] = c, f
    rest = np.ones(n, bool)
    rest[good] = False
    invalid = CANDIDATES[fn].invalid
    if invalid is not None:
        domain = idx[invalid(x[idx])]
        if domain.size and _broadcast_invalid(fn, codes, domain, fmt, env, out, r_bits, code, flags):
            rest[domain] = False
    slow = np.flatnonzero(rest)
    if slow.size:
        rb = r_bits[slow] if np.ndim(r_bits) else r_bits
        code[slow], flags[slow] = golden_elements(fn, codes[slow], fmt, env, out, rb)
    return code, flags, int(slow.size)


def _broadcast_invalid(fn, codes, domain, fmt, env, out, r_bits, code, flags) -> bool:
    """Elements outside the function's real domain all get the golden model's invalid-operation
    result, computed for the first and the last of them (and checked equal: the result must not
    depend on the operand); False leaves them to the element-wise golden path."""
    ends = domain[[0, -1]]
    rb = r_bits[ends] if np.ndim(r_bits) else r_bits
    c, f = golden_elements(fn, codes[ends], fmt, env, out, rb)
    if c[0] != c[1] or f[0] != f[1]:
        return False
    code[domain], flags[domain] = c[0], f[0]
    return True


def _source_digest() -> str:
    """Hash of the fast-path sources a table is built from (with `tables.golden_digest` in the key)."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for name in ("elementary.py", "elementary_candidates.py", "round_pack.py", "convert.py", "operands.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()[:12]


def elementary_table(fn: str, fmt: Format | str, env: Env = Env(), out: Format | str | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` on every code of ``fmt`` (at most 16 bits, a deterministic mode): read-only ``(codes,
    flags)`` indexed by the code, built by this fast path and cached like `tables.unary_table`
    (entries for non-codes hold flag byte `tables.INVALID_INPUT`)."""
    fmt = get_format(fmt)
    out = fmt if out is None else get_format(out)
    _check(fn, fmt, out)
    if fmt.width > TABLE_MAX_WIDTH:
        raise InputError(f"elementary tables need a format of at most {TABLE_MAX_WIDTH} bits, "
                         f"{fmt.name} has {fmt.width}")
    if env.rounding.mode.stochastic:
        raise InputError("elementary tables are for deterministic rounding modes (stochastic "
                         "results depend on per-element random bits)")
    key = tables.table_key(f"{fn}@fast-elementary-{_source_digest()}", fmt, env, out)

    def build():
        n = 1 << fmt.width
        valid = np.arange(n) < (1 << fmt.bits)
        c, f, _ = compute(fn, np.flatnonzero(valid), fmt, env, out)
        codes = np.zeros(n, code_dtype(out))
        flags = np.full(n, tables.INVALID_INPUT, np.uint8)
        codes[valid], flags[valid] = c, f
        return codes, flags

    return tables.cached_table(key, f"{fn}-fast-{fmt.name}-{out.name}", build)


def _checked_codes(a: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """``a`` when it is an integer array of valid ``fmt`` codes, else `InputError`."""
    if a.dtype.kind not in "iu":
        raise InputError(f"{fmt.name} codes must be an integer array, got {a.dtype}")
    try:
        check_codes(a, fmt)
    except ValueError as e:
        raise InputError(str(e)) from None
    return a


def elementary(fn: str, codes, fmt: Format | str, env: Env = Env(), *, out: Format | str | None = None,
               rounding=None, overflow=None, nan_policy=None, random_bits=None, rng=None,
               with_flags: bool = False):
    """``fn`` (one of `FUNCTIONS`) elementwise on a code array of ``fmt``, correctly rounded into
    ``out`` (default ``fmt``), bit-exact with the golden model. Keywords as `fast.arith.apply`;
    returns codes, plus uint8 `Flags` bits with ``with_flags``."""
    try:
        fmt = get_format(fmt)
        out = fmt if out is None else get_format(out)
    except FormatError as e:
        raise InputError(str(e)) from None
    _check(fn, fmt, out)
    env = resolve_env(env, rounding, overflow, nan_policy)
    a = _checked_codes(np.asarray(codes), fmt)
    shape = a.shape
    flat = a.reshape(-1).astype(np.int64)
    if (not env.rounding.mode.stochastic and fmt.width <= TABLE_MAX_WIDTH
            and flat.size >= TABLE_MIN_ELEMENTS):
        tc, tf = elementary_table(fn, fmt, env, out)
        return as_outputs(tc[flat], tf[flat], out, shape, with_flags)
    r_bits = random_bits_for(env.rounding, flat.shape, env, None if random_bits is None
                             else np.broadcast_to(random_bits, shape).reshape(-1), rng)
    code, flags, _ = compute(fn, flat, fmt, env, out, r_bits)
    return as_outputs(code, flags, out, shape, with_flags)


def power(a, b, fmt: Format | str, env: Env = Env(), *, out: Format | str | None = None, rounding=None,
          overflow=None, nan_policy=None, random_bits=None, rng=None, with_flags: bool = False):
    """``pow(a, b)`` elementwise on code arrays of ``fmt`` (broadcast), correctly rounded into ``out``,
    bit-exact with the golden model: for formats of at most 8 bits in a deterministic mode through
    the cached table of all 2^16 pairs (`tables.binary_table("pow", ...)`, built from golden once);
    otherwise the golden model element by element (there is no float64 candidate path for pow: a
    16-bit table would have 2^32 entries). Keywords as `elementary`."""
    try:
        fmt = get_format(fmt)
        out = fmt if out is None else get_format(out)
    except FormatError as e:
        raise InputError(str(e)) from None
    for f in (fmt, out):
        if not isinstance(f, FloatFormat):
            raise InputError(f"pow takes and gives floating-point formats, not {f.name}")
    env = resolve_env(env, rounding, overflow, nan_policy)
    x, y = (_checked_codes(arr, fmt) for arr in np.broadcast_arrays(np.asarray(a), np.asarray(b)))
    shape = x.shape
    fx, fy = x.reshape(-1).astype(np.int64), y.reshape(-1).astype(np.int64)
    if not env.rounding.mode.stochastic and fmt.width <= tables.MAX_BINARY_WIDTH:
        tc, tf = tables.binary_table("pow", fmt, env, out)
        idx = (fx << fmt.width) | fy
        return as_outputs(tc[idx], tf[idx], out, shape, with_flags)
    r_bits = random_bits_for(env.rounding, fx.shape, env, None if random_bits is None
                             else np.broadcast_to(random_bits, shape).reshape(-1), rng)
    code, flags = golden_elements("pow", (fx, fy), fmt, env, out,
                                  np.broadcast_to(r_bits, fx.shape) if env.rounding.mode.stochastic else 0)
    return as_outputs(code, flags, out, shape, with_flags)


__all__ = ["elementary", "elementary_table", "power", "compute", "decide", "supports", "golden_elements",
           "FUNCTIONS"]
