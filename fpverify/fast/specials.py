"""Code arrays of the special results (`fpverify.semantics.specials`) and the code dtype, shared
by the general integer path (`convert`) and the float32 kernels (`kernels`)."""

from __future__ import annotations

import numpy as np

from ..formats import FloatFormat, Format
from ..rounding import Env, FPValueError
from ..semantics.specials import inf_into, nan_into


def code_dtype(fmt: Format):
    """Smallest unsigned dtype holding a code of ``fmt``."""
    w = fmt.width
    return np.uint8 if w <= 8 else np.uint16 if w <= 16 else np.uint32 if w <= 32 else np.uint64


def nan_result(fmt: Format, env: Env) -> tuple[int, int]:
    """Code and flags of a NaN arriving at ``fmt`` (golden `special_to_format('nan', 0, ...)`)."""
    got = nan_into(fmt, env.nan_for(fmt))
    if got is None:
        raise FPValueError(f"NaN has no encoding in {fmt.name} (nan policy 'error')")
    return got[0], int(got[1])


def inf_result(neg: np.ndarray, fmt: FloatFormat, env: Env) -> tuple[np.ndarray, np.ndarray]:
    """Codes and flags of infinities of sign ``neg`` (a boolean array) arriving at ``fmt``."""
    policy = env.overflow_for(fmt)
    pos_code, pos_flags = inf_into(fmt, 0, policy)
    neg_code, neg_flags = inf_into(fmt, 1, policy)
    return np.where(neg, neg_code, pos_code), np.where(neg, int(neg_flags), int(pos_flags))


__all__ = ["code_dtype", "nan_result", "inf_result"]
