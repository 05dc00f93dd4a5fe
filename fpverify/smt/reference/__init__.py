"""Bit-level symbolic reference of the golden semantics, over z3 bit-vectors.

An independent implementation of `fpverify.golden` structured like SoftFloat/SymFPU:
UNPACK (`unpack.py`) → OPERATE exactly (`add.py`, `mul.py`, `fma.py`, `lmul.py`, `convert.py`)
→ ROUND (`round.py`, one shared kernel for every mode, overflow policy and tininess) → PACK
(`pack.py`). Every op returns a `RefResult` (code, flags, defined, named terms such as
``product``, ``sum``, ``align_shift``, ``round_guard``, ``round_sticky``, ``round_away``).
"""

from __future__ import annotations

from .add import add, sub
from .convert import convert
from .fma import fma
from .lmul import lmul
from .mul import mul
from .result import RefResult
from .round import round_pack
from .unpack import Unpacked, exp_width, unpack

__all__ = ["add", "sub", "mul", "fma", "lmul", "convert", "RefResult", "round_pack", "unpack",
           "Unpacked", "exp_width"]
