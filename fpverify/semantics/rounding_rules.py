"""The per-mode round-away decision (formats.md §2), written once for every back end.

Each back end computes, its own way, the bits the decision reads about the truncated value
``S0`` and the residual ``ν`` at the quantum:

* ``sign``: the value is negative;
* ``odd``: the truncated code is odd (P3109 ``not CodeIsEven``);
* ``half``: ν ≥ ½ (the guard bit);
* ``below``: some bit of ν under the half bit is set (the sticky bit);
* ``stochastic``: for SR-A/B/C, the mode's comparison (``⌊ν2^N⌋ + R ≥ 2^N`` ...), which reads
  ``N`` or ``N + 1`` bits of ν and the random bits: a datapath, so it stays per back end.

`round_away` turns them into "add one unit in the last place?" with the back end's `BoolOps`.
It includes inexactness (an exact value never rounds away), so ``ν = 0`` gives false in every
mode.
"""

from __future__ import annotations

from typing import Any

from .boolops import PYTHON, BoolOps
from .modes import Mode


def round_away(mode: Mode, sign: Any, odd: Any, half: Any, below: Any, stochastic: Any = None,
               ops: BoolOps = PYTHON) -> Any:
    """Round away from zero under ``mode`` (see the module docstring for the inputs)."""
    if mode.stochastic:
        if stochastic is None:
            raise ValueError(f"{mode.value} needs the stochastic comparison")
        return stochastic
    if mode is Mode.RNA:
        return half
    if mode is Mode.RNE:
        return ops.and_(half, ops.or_(below, odd))
    return directed_away(mode, sign, odd, ops.or_(half, below), ops)


def directed_away(mode: Mode, sign: Any, odd: Any, inexact: Any, ops: BoolOps = PYTHON) -> Any:
    """The directed modes (RTZ, RUP, RDN, RTO) read only whether the value is inexact."""
    if mode is Mode.RTZ:
        return ops.false
    if mode is Mode.RUP:
        return ops.and_(ops.not_(sign), inexact)
    if mode is Mode.RDN:
        return ops.and_(sign, inexact)
    if mode is Mode.RTO:
        return ops.and_(ops.not_(odd), inexact)
    raise ValueError(f"{mode.value} is not a directed rounding mode")


def decision_bits(mode: Mode, nbits: int = 0) -> int:
    """G: the leading bits of ν the decision reads (besides "anything below"): the half bit
    for the deterministic modes, ⌊ν2^N⌋ for SR-A, ⌊ν2^(N+1)⌋ for SR-B and SR-C."""
    if not mode.stochastic:
        return 1
    return nbits if mode is Mode.SR_A else nbits + 1


__all__ = ["round_away", "directed_away", "decision_bits"]
