"""Clock and reset of a sequential design under proof: one rule for every prover and evaluator.

The IR's flip-flops are implicitly clocked (every cycle of an unrolling is one edge), so a clock
port's value never matters; provers hold it at 0. A reset is a `ResetSequence`: the port is
``active`` for the first ``cycles`` cycles (``cycles`` clock edges), then released (the other value)
for the design's latency, and the outputs are read after ``cycles + latency`` edges. Data inputs
are held for the whole sequence. The z3 unrolling (`fpverify.smt.netlist_z3.translate` with
``inputs_per_cycle=reset.prefix()``) and the numpy evaluator (`fpverify.hdl.evaluate.
evaluate_pipelined(..., reset=)`) apply the same per-cycle values.

`RESET_NAMES` / `CLOCK_NAMES` are the naming policy by which a spec that leaves such a port
unbound is told what to write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

RESET_NAMES = re.compile(r"^[as]?(rst|reset)(_?n|_ni|_b|_l)?$|_(rst|reset)(_?n)?$", re.IGNORECASE)
ACTIVE_LOW_NAMES = re.compile(r"(n|_ni|_b|_l)$", re.IGNORECASE)
CLOCK_NAMES = re.compile(r"^(clk|clock)(_\w+)?$|_(clk|clock)$", re.IGNORECASE)


def looks_like_reset(port: str) -> bool:
    """A port named like a reset (rst, reset, rst_n, arst, sync_rst, resetn, ...)."""
    return bool(RESET_NAMES.search(port))


def looks_active_low(port: str) -> bool:
    """A reset named as active low (rst_n, resetn, rst_ni, rst_b, rst_l)."""
    return bool(ACTIVE_LOW_NAMES.search(port))


def looks_like_clock(port: str) -> bool:
    """A port named like a clock (clk, clock, clk_i, sys_clk, ...)."""
    return bool(CLOCK_NAMES.search(port))


@dataclass(frozen=True)
class ResetSequence:
    """``reset PORT = ACTIVE for CYCLES cycles``: ACTIVE (0 or 1) during the first CYCLES cycles,
    then the inverse until the outputs are read."""

    port: str
    active: int
    cycles: int

    def __post_init__(self) -> None:
        if self.active not in (0, 1) or self.cycles < 1:
            raise ValueError(f"reset {self.port} = {self.active} for {self.cycles} cycles: "
                             "the value is 0 or 1 and the cycles at least 1")

    @property
    def released(self) -> int:
        """The port's value once the reset is released."""
        return 1 - self.active

    def edges(self, latency: int) -> int:
        """Clock edges before the outputs are read: the reset cycles, then ``latency``."""
        return self.cycles + latency

    def prefix(self) -> list[dict[str, int]]:
        """Per-cycle input overrides of the reset cycles (later cycles see the released value)."""
        return [{self.port: self.active} for _ in range(self.cycles)]


def unrolled_edges(latency: int, reset: ResetSequence | None) -> int:
    """Clock edges of one evaluation: ``latency``, after the reset cycles when there is a reset."""
    return latency if reset is None else reset.edges(latency)


__all__ = ["ResetSequence", "RESET_NAMES", "CLOCK_NAMES", "ACTIVE_LOW_NAMES", "looks_like_reset",
           "looks_active_low", "looks_like_clock", "unrolled_edges"]
