"""The rounding modes (formats.md §2), as names only: what each one decides is in `rounding_rules`."""

from __future__ import annotations

import enum


class Mode(enum.Enum):
    RNE = "rne"
    RNA = "rna"
    RTZ = "rtz"
    RUP = "rup"
    RDN = "rdn"
    RTO = "rto"
    SR_A = "sra"
    SR_B = "srb"
    SR_C = "src"

    @property
    def stochastic(self) -> bool:
        return self in STOCHASTIC_MODES


STOCHASTIC_MODES = frozenset({Mode.SR_A, Mode.SR_B, Mode.SR_C})
DETERMINISTIC_MODES = (Mode.RNE, Mode.RNA, Mode.RTZ, Mode.RUP, Mode.RDN, Mode.RTO)

__all__ = ["Mode", "STOCHASTIC_MODES", "DETERMINISTIC_MODES"]
