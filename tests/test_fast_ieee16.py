"""float32 -> f16/bf16 through the libraries' RNE casts plus a one-code correction (`fast.ieee16`).

Oracle: the general integer path of `fast.convert` (``_kernels=False``; itself checked against
the golden model in test_fast_convert.py) on every bf16-significant high half with the low
halves that decide rounding, and on f16 rounding points in every float32 binade; plus NaN, Inf,
overflow thresholds and subnormals.
"""

from __future__ import annotations

import numpy as np
import pytest

from fpverify.fast import convert, ieee16
from fpverify.formats import Overflow, get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding

pytest.importorskip("ml_dtypes")


def _bits() -> np.ndarray:
    hi = np.arange(1 << 16, dtype=np.uint32) << np.uint32(16)
    lows = np.array([0, 1, 0x7FFF, 0x8000, 0x8001, 0xFFFF, 0x4000, 0xC000], np.uint32)
    bf = (hi[:, None] | lows[None, :]).ravel()
    exps = np.arange(256, dtype=np.uint32) << np.uint32(23)
    mants = np.array([0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF, 0x2000, 0x3000, 0x7FE000, 0x7FF000, 0x7FFFFF, 0x3FF000,
                      0x400000, 0x401000, 0x7FEFFF], np.uint32)
    f16 = (exps[:, None] | mants[None, :]).ravel()
    f16 = np.concatenate([f16, f16 | np.uint32(0x80000000)])
    return np.concatenate([bf, f16])


@pytest.mark.parametrize("name", ["bf16", "f16"])
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
def test_library_cast_with_correction_equals_integer_path(name, rnd):
    x = _bits().view(np.float32)
    env = Env(rnd)
    assert ieee16.supports(get_format(name), env)
    got = convert.quantize(x, name, env)
    want = convert.quantize(x, name, env, _kernels=False)
    bad = np.flatnonzero(got != want)
    assert bad.size == 0, [hex(int(b)) for b in _bits()[bad[:5]]]


def test_only_where_provably_exact():
    assert ieee16.supports(get_format("bf16"), Env(overflow=Overflow.SATFINITE))  # overflow goes to `fix`
    assert not ieee16.supports(get_format("bf16"), Env(Rounding(Mode.SR_A, 8)))
    assert not ieee16.supports(get_format("e5m2"), Env())
    assert not ieee16.supports(get_format("tf32"), Env())
