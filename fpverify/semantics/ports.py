"""Hardware-facing encodings: the 3-bit ``rm`` port, the flag bit layout, and `Rounded` (code + flags).

``rm`` follows RISC-V ``frm`` for the first five modes, then round-to-odd: RNE=0 RTZ=1 RDN=2
RUP=3 RNA=4 RTO=5 (6 and 7 are reserved; the RTL generators treat them as RNE). Flags use
SoftFloat/TestFloat bit values, plus one project-only bit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .modes import Mode

RM_WIDTH = 3
RM_CODES: dict[Mode, int] = {Mode.RNE: 0, Mode.RTZ: 1, Mode.RDN: 2, Mode.RUP: 3, Mode.RNA: 4, Mode.RTO: 5}
RM_MODES: dict[int, Mode] = {code: mode for mode, code in RM_CODES.items()}
# (port value, mode name) pairs, the form `fpverify.prove.api.PortMap.rm_encoding` takes
RM_ENCODING: tuple[tuple[int, str], ...] = tuple((code, mode.value) for mode, code in RM_CODES.items())


class Flags(enum.IntFlag):
    """IEEE exception flags with SoftFloat/TestFloat bit values, plus a project-only bit."""

    NONE = 0
    INEXACT = 0x01
    UNDERFLOW = 0x02
    OVERFLOW = 0x04
    INFINITE = 0x08  # divide by zero
    INVALID = 0x10
    SATURATED = 0x20  # project convention: a result was clamped to +-max (not an IEEE flag)

    @property
    def ieee(self) -> "Flags":
        return Flags(int(self) & IEEE_FLAG_MASK)

    def names(self) -> str:
        parts = [f.name.lower() for f in Flags if f and f in self and f.name]
        return ",".join(parts) if parts else "-"


IEEE_FLAG_BITS = 5  # width of a unit's ``flags`` port
IEEE_FLAG_MASK = (1 << IEEE_FLAG_BITS) - 1


@dataclass(frozen=True)
class Rounded:
    """What one operation returns: the result code and the flags it raised."""

    code: int
    flags: Flags

__all__ = ["RM_WIDTH", "RM_CODES", "RM_MODES", "RM_ENCODING", "Flags", "IEEE_FLAG_BITS", "IEEE_FLAG_MASK",
           "Rounded"]
