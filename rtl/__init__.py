"""Amaranth RTL generators for floating-point units, bit-exact with `fpverify.golden`.

`FPAdder`, `FPMultiplier` and `LMulUnit` are `amaranth.lib.wiring.Component`s with ports
``a``, ``b``, ``result``, ``flags`` (plus ``sub``, ``rm``, ``rbits`` where configured) and named
stage signals for proofs (docs/rtl.md).
"""

from .common import RM_CODES
from .fp_mul import FPMultiplier

__all__ = ["FPMultiplier", "RM_CODES"]

try:  # the other units are optional while they are being written
    from .fp_add import FPAdder  # noqa: F401
    __all__.append("FPAdder")
except ImportError:  # pragma: no cover
    pass
try:
    from .lmul import LMulUnit  # noqa: F401
    __all__.append("LMulUnit")
except ImportError:  # pragma: no cover
    pass
