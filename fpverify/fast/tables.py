"""Golden-model lookup tables for small formats, cached in memory and on disk.

``binary_table(op, fmt, env)`` evaluates the golden model on every pair of codes of a format of at
most 8 bits and returns ``(codes, flags)`` indexed by ``a << fmt.width | b``; ``unary_table`` does
the same for one-operand operations (``sqrt``, ``convert``, ``neg``, ``abs``) on formats of at most
16 bits, indexed by the code. Entries whose operand is not a valid code (storage wider than the
value bits, e.g. UE4M3's MSB) hold code 0 and the flag byte ``INVALID_INPUT`` (0xFF).

Tables are keyed by a stable hash of the operation, the full format descriptions, the resolved
environment, the L-Mul policy and a hash of the golden-model sources, so editing the golden model
invalidates every cached table. The cache directory is ``$FPVERIFY_CACHE`` (default
``~/.cache/fpverify``); writes are atomic (temporary file + ``os.replace``), so concurrent
builders never see half-written tables. Uncached large tables are built on a process pool of
``$FPVERIFY_JOBS`` workers (default: up to 2).
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import os
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable

import numpy as np

from ..formats import FloatFormat, Format, IntFormat, get_format
from ..rounding import Env, Rounded
from ..semantics.ops import OPS

INVALID_INPUT = 0xFF  # flag byte of a table entry whose operand is not a code of the format
# the table family of each op is in the registry (`fpverify.semantics.ops`, field ``table``)
BINARY_OPS = tuple(op.name for op in OPS.values() if op.table == "binary")
UNARY_OPS = tuple(op.name for op in OPS.values() if op.table == "unary")
MAX_BINARY_WIDTH = 8
MAX_UNARY_WIDTH = 16
_PARALLEL_THRESHOLD = 4096  # entries; smaller tables are built in-process

_memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}
_memo_lock = threading.Lock()
_golden_digest: str | None = None


# ---- keys -----------------------------------------------------------------------------------


def golden_digest() -> str:
    """Hash of the sources whose semantics the tables capture (golden model, kernel, formats, and
    the op registry that says which golden function an op name means)."""
    global _golden_digest
    if _golden_digest is None:
        root = Path(__file__).resolve().parent.parent
        files = sorted((root / "golden").rglob("*.py")) + [root / "rounding.py", root / "formats.py",
                                                          root / "tapered.py", root / "semantics" / "ops.py"]
        h = hashlib.sha256()
        for f in files:
            if f.name == "blocks.py":  # block semantics do not affect element ops
                continue
            h.update(f.relative_to(root).as_posix().encode())
            h.update(f.read_bytes())
        _golden_digest = h.hexdigest()[:16]
    return _golden_digest


def _describe(obj) -> object:
    """A stable, name-independent description of formats, envs and policies."""
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (FloatFormat, IntFormat)):
        skip = {"name", "description", "aliases"}
        return (type(obj).__name__,) + tuple(
            (f.name, _describe(getattr(obj, f.name))) for f in dataclasses.fields(obj) if f.name not in skip)
    if dataclasses.is_dataclass(obj):
        return (type(obj).__name__,) + tuple(
            (f.name, _describe(getattr(obj, f.name))) for f in dataclasses.fields(obj))
    if isinstance(obj, (tuple, list)):
        return tuple(_describe(x) for x in obj)
    return obj


def table_key(op: str, fmt: Format, env: Env, out: Format | None, policy=None) -> str:
    out = out or fmt
    desc = (op, _describe(fmt), _describe(out), _describe(env.resolved_for(out)),
            _describe(policy), golden_digest())
    return hashlib.sha256(repr(desc).encode()).hexdigest()[:24]


def cache_dir() -> Path:
    return Path(os.environ.get("FPVERIFY_CACHE") or Path.home() / ".cache" / "fpverify")


# ---- golden evaluation ----------------------------------------------------------------------


def _binary_fn(op: str, policy) -> Callable[..., Rounded]:
    if op not in BINARY_OPS:
        raise ValueError(f"unknown binary table op {op!r} (use one of {', '.join(BINARY_OPS)})")
    o = OPS[op]
    if policy is not None and not o.takes_policy:
        raise ValueError(f"policy= applies to lmul only, not {op!r}")
    return lambda fmt, a, b, env, out: o.run_golden(fmt, (a, b), env, out=out, policy=policy)


def _unary_fn(op: str) -> Callable[..., Rounded]:
    if op not in UNARY_OPS:
        raise ValueError(f"unknown unary table op {op!r} (use one of {', '.join(UNARY_OPS)})")
    o = OPS[op]
    return lambda fmt, a, env, out: o.run_golden(fmt, (a,), env, out=out)


def _valid(fmt: Format, code: int) -> bool:
    try:
        fmt.check_code(code)
        return True
    except Exception:
        return False


def _code_dtype(out: Format):
    return np.uint16 if out.width <= 16 else np.uint32


def _binary_rows(op: str, fmt: Format, env: Env, out: Format, policy, a_lo: int, a_hi: int):
    fn = _binary_fn(op, policy)
    w = fmt.width
    n = 1 << w
    codes = np.zeros((a_hi - a_lo) * n, dtype=_code_dtype(out))
    flags = np.zeros((a_hi - a_lo) * n, dtype=np.uint8)
    valid = [_valid(fmt, c) for c in range(n)]
    i = 0
    for a in range(a_lo, a_hi):
        for b in range(n):
            if valid[a] and valid[b]:
                r = fn(fmt, a, b, env, out)
                codes[i] = r.code
                flags[i] = int(r.flags)
            else:
                flags[i] = INVALID_INPUT
            i += 1
    return a_lo, codes, flags


def _unary_rows(op: str, fmt: Format, env: Env, out: Format, lo: int, hi: int):
    fn = _unary_fn(op)
    codes = np.zeros(hi - lo, dtype=_code_dtype(out))
    flags = np.zeros(hi - lo, dtype=np.uint8)
    for i, a in enumerate(range(lo, hi)):
        if _valid(fmt, a):
            r = fn(fmt, a, env, out)
            codes[i] = r.code
            flags[i] = int(r.flags)
        else:
            flags[i] = INVALID_INPUT
    return lo, codes, flags


def _jobs() -> int:
    try:
        return max(1, int(os.environ.get("FPVERIFY_JOBS", "0")) or min(2, os.cpu_count() or 1))
    except ValueError:
        return 1


def _build(worker, args: tuple, total_rows: int, row_size: int, out: Format):
    codes = np.zeros(total_rows * row_size, dtype=_code_dtype(out))
    flags = np.zeros(total_rows * row_size, dtype=np.uint8)
    jobs = _jobs()
    if jobs == 1 or total_rows * row_size < _PARALLEL_THRESHOLD:
        _, c, f = worker(*args, 0, total_rows)
        return c, f
    nchunks = jobs * 4
    step = -(-total_rows // nchunks)
    bounds = [(lo, min(lo + step, total_rows)) for lo in range(0, total_rows, step)]
    import multiprocessing as mp

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        ctx = mp.get_context()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futs = [pool.submit(worker, *args, lo, hi) for lo, hi in bounds]
        for fut in futs:
            lo, c, f = fut.result()
            codes[lo * row_size: lo * row_size + len(c)] = c
            flags[lo * row_size: lo * row_size + len(f)] = f
    return codes, flags


# ---- caching --------------------------------------------------------------------------------


def _load_or_build(key: str, label: str, build: Callable[[], tuple[np.ndarray, np.ndarray]]):
    with _memo_lock:
        hit = _memo.get(key)
    if hit is not None:
        return hit
    path = cache_dir() / f"{label}-{key}.npz"
    result = None
    if path.exists():
        try:
            with np.load(path) as z:
                result = (z["codes"], z["flags"])
        except Exception:  # corrupt or foreign file: rebuild
            result = None
    if result is None:
        result = build()
        _atomic_save(path, result)
    for arr in result:
        arr.setflags(write=False)
    with _memo_lock:
        _memo[key] = result
    return result


def _atomic_save(path: Path, result) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, codes=result[0], flags=result[1])
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError:
        pass  # read-only or full cache directory: keep the in-process memo only


def cached_table(key: str, label: str, build: Callable[[], tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, flags)`` for ``key`` from the memo or ``$FPVERIFY_CACHE/label-key.npz``, else
    ``build()`` saved atomically (the mechanism of every table here, for other table builders)."""
    return _load_or_build(key, label, build)


def clear_memo() -> None:
    """Forget in-process tables (the disk cache stays)."""
    with _memo_lock:
        _memo.clear()


# ---- public API -----------------------------------------------------------------------------


def binary_table(op: str, fmt: Format | str, env: Env = Env(), out: Format | str | None = None,
                 policy=None) -> tuple[np.ndarray, np.ndarray]:
    """Golden results of ``op`` on every pair of codes: ``(codes, flags)`` indexed by ``a << width | b``.

    ``op``: add sub mul div lmul (``policy=`` an `LMulPolicy`) min max minimum_number
    maximum_number. ``out`` is the result format (default ``fmt``). Arrays are read-only.
    """
    fmt = get_format(fmt)
    out = get_format(out) if out is not None else fmt
    if op not in BINARY_OPS:
        raise ValueError(f"unknown binary table op {op!r} (use one of {', '.join(BINARY_OPS)})")
    if fmt.width > MAX_BINARY_WIDTH:
        raise ValueError(f"binary tables need a format of at most {MAX_BINARY_WIDTH} bits, "
                         f"{fmt.name} has {fmt.width}")
    key = table_key(op, fmt, env, out, policy)
    n = 1 << fmt.width
    return _load_or_build(
        key, f"{op}-{fmt.name}",
        lambda: _build(_binary_rows, (op, fmt, env, out, policy), n, n, out))


def unary_table(op: str, fmt: Format | str, env: Env = Env(), out: Format | str | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Golden results of ``op`` on every code of ``fmt``: ``(codes, flags)`` indexed by the code.

    ``op``: sqrt, convert (``out`` = the destination format, required), neg, abs.
    """
    fmt = get_format(fmt)
    if op == "convert" and out is None:
        raise ValueError("unary_table('convert', ...) needs out= (the destination format)")
    out = get_format(out) if out is not None else fmt
    if op not in UNARY_OPS:
        raise ValueError(f"unknown unary table op {op!r} (use one of {', '.join(UNARY_OPS)})")
    if fmt.width > MAX_UNARY_WIDTH:
        raise ValueError(f"unary tables need a format of at most {MAX_UNARY_WIDTH} bits, "
                         f"{fmt.name} has {fmt.width}")
    key = table_key(op, fmt, env, out)
    n = 1 << fmt.width
    return _load_or_build(
        key, f"{op}-{fmt.name}-{out.name}",
        lambda: _build(_unary_rows, (op, fmt, env, out), n, 1, out))


def lookup_binary(op: str, fmt: Format | str, a, b, env: Env = Env(), out=None, policy=None,
                  with_flags: bool = False):
    """Vectorised binary op on code arrays through `binary_table`."""
    fmt = get_format(fmt)
    codes, flags = binary_table(op, fmt, env, out, policy)
    idx = (np.asarray(a, dtype=np.intp) << fmt.width) | np.asarray(b, dtype=np.intp)
    return (codes[idx], flags[idx]) if with_flags else codes[idx]


def lookup_unary(op: str, fmt: Format | str, a, env: Env = Env(), out=None, with_flags: bool = False):
    """Vectorised unary op on a code array through `unary_table`."""
    codes, flags = unary_table(op, fmt, env, out)
    idx = np.asarray(a, dtype=np.intp)
    return (codes[idx], flags[idx]) if with_flags else codes[idx]


__all__ = ["binary_table", "unary_table", "cached_table", "lookup_binary", "lookup_unary", "table_key", "cache_dir",
           "golden_digest", "clear_memo", "INVALID_INPUT", "BINARY_OPS", "UNARY_OPS"]
