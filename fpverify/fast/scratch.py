"""Named scratch buffers of one chunk, reused across the chunks of one call (not shared between
calls), so that a kernel's numpy passes write into cache-resident memory instead of temporaries."""

from __future__ import annotations

import numpy as np


class Scratch:
    """``Scratch(n, a=np.uint32, m1=bool, ...)``: one ``n``-element array per keyword, as attributes."""

    def __init__(self, n: int, **dtypes) -> None:
        for name, dtype in dtypes.items():
            setattr(self, name, np.empty(n, dtype))

    @property
    def size(self) -> int:
        return next(iter(vars(self).values())).size

    def cut(self, k: int) -> "Scratch":
        """The first ``k`` elements of every buffer (views; the last, shorter chunk)."""
        if k == self.size:
            return self
        part = object.__new__(Scratch)
        for name, v in vars(self).items():
            setattr(part, name, v[:k])
        return part


__all__ = ["Scratch"]
