"""The operand class (`fpverify.semantics.classes`) of every code of a numpy array, as an index
into `CLASSES`: one `class_of` call per distinct code.

    class_indices(get_format("e4m3fn"), np.array([0, 0x38, 0x7f]))   -> array([0, 2, 4])
"""

from __future__ import annotations

import numpy as np

from ..formats import Format
from ..semantics.classes import CLASSES, class_of


def class_indices(fmt: Format, codes) -> np.ndarray:
    """Index into `CLASSES` of every code of an integer array."""
    codes = np.asarray(codes)
    uniq, inverse = np.unique(codes, return_inverse=True)
    table = np.array([CLASSES.index(class_of(fmt, int(c))) for c in uniq], dtype=np.int64)
    return table[inverse.reshape(codes.shape)] if uniq.size else np.zeros(codes.shape, dtype=np.int64)


__all__ = ["class_indices"]
