"""Amaranth RTL generators for floating-point units, bit-exact with `fpverify.golden`.

`FPAdder`, `FPMultiplier` and `LMulUnit` are `amaranth.lib.wiring.Component`s with ports
``a``, ``b``, ``result``, ``flags`` (plus ``sub``, ``rm``, ``rbits`` where configured) and named
stage signals for proofs (docs/rtl.md).
"""

from .common import RM_CODES
from .fp_add import FPAdder
from .fp_mul import FPMultiplier
from .lmul import LMulUnit

__all__ = ["FPAdder", "FPMultiplier", "LMulUnit", "RM_CODES"]
