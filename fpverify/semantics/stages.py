"""Names of the datapath stages the RTL, the symbolic reference, the decomposed proofs and the
fault grader agree on (a netlist signal, a reference term and a proof stage share one name).

``unpack_sig("a") == "unpack_a_sig"``; ``round_stage("sticky") == "round_sticky"``.
"""

from __future__ import annotations

UNPACK = "unpack"
ROUND = "round"
PACK = "pack"

PRODUCT = "product"
PRODUCT_EXP = "product_exp"
SUM = "sum"
SUM_EXP = "sum_exp"
ALIGN_SHIFT = "align_shift"
ALIGN_STICKY = "align_sticky"
NORM_SIG = "norm_sig"
NORM_EXP = "norm_exp"


def unpack_prefix(operand: str) -> str:
    """Prefix of one operand's unpack signals (``unpack_a``)."""
    return f"{UNPACK}_{operand}"


def unpack_sig(operand: str) -> str:
    return f"{unpack_prefix(operand)}_sig"


def unpack_exp(operand: str) -> str:
    return f"{unpack_prefix(operand)}_exp"


def round_stage(field: str, prefix: str = ROUND) -> str:
    """A signal of the round stage (``round_sticky``); ``prefix`` names another rounder."""
    return f"{prefix}_{field}"


ROUND_GUARD = round_stage("guard")
ROUND_STICKY = round_stage("sticky")
ROUND_FRAC = round_stage("frac")
ROUND_AWAY = round_stage("away")  # the symbolic reference's decision term
ROUND_UP = round_stage("up")  # the netlist's decision signal and the proof stage
ROUND_SIG = round_stage("sig")
ROUND_EXP = round_stage("exp")
ROUND_TINY = round_stage("tiny")
ROUND_OVERFLOW = round_stage("overflow")
PACK_RESULT = f"{PACK}_result"
PACK_FLAGS = f"{PACK}_flags"

__all__ = [
    "UNPACK", "ROUND", "PACK", "PRODUCT", "PRODUCT_EXP", "SUM", "SUM_EXP", "ALIGN_SHIFT", "ALIGN_STICKY",
    "NORM_SIG", "NORM_EXP", "unpack_prefix", "unpack_sig", "unpack_exp", "round_stage",
    "ROUND_GUARD", "ROUND_STICKY", "ROUND_FRAC", "ROUND_AWAY", "ROUND_UP", "ROUND_SIG", "ROUND_EXP",
    "ROUND_TINY", "ROUND_OVERFLOW", "PACK_RESULT", "PACK_FLAGS",
]
