"""Units with a rounding fault that only shows under one value of a control input, for the replay
tests of decomposed proofs (issue #23): a model that is not completed with the property's fixed
inputs replays on the wrong operation or mode and is misreported.

* `SubTieAdder`: `rtl.fp_add.FPAdder` whose round-to-nearest tie-break is inverted
  (``g & (sticky | ~lsb)``) only while ``sub`` is 1.
* `RtzNegAdder`: an ``rounding = port`` adder whose RTZ decode (rm = 1) rounds negative results
  like RNE; every other rm value is correct.
* `RtzNegLMul`: the same RTZ fault in an ``rounding = port`` L-Mul unit (variant A).
* `GatedMul`, `GatedLMul`: `rtl.fp_mul.FPMultiplier` / `rtl.lmul.LMulUnit` (variant A) with an extra
  1-bit input ``en``; the tie-break is inverted only while ``en`` is 1.

Every unit takes the wrapped unit's ``latency``, so the same faults exist in pipelined designs.
The fault is injected by the rounder the unit builds (`rtl.common.RoundCtl.away`), so every stage
before ``round_up`` is correct and localisation must name ``round_up``.
"""

from __future__ import annotations

from unittest import mock

from amaranth.hdl import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

import rtl.common
import rtl.lmul
from fpverify.golden.lmul import LMulPolicy, LMulVariant
from fpverify.rounding import Mode
from rtl.common import RM_CODES, RoundCtl
from rtl.fp_add import FPAdder
from rtl.fp_mul import FPMultiplier
from rtl.lmul import LMulUnit


def _ctl_class(fault):
    """A `RoundCtl` whose ``away`` is replaced by ``fault(ctl, good, sign, frac, sticky, lsb)``."""

    class FaultyRoundCtl(RoundCtl):
        def away(self, sign, frac, sticky, lsb):
            return fault(self, super().away(sign, frac, sticky, lsb), sign, frac, sticky, lsb)

    return FaultyRoundCtl


def _inverted_tie(gate):
    """Round to nearest with the tie-break inverted while ``gate`` is 1."""

    def fault(ctl, good, sign, frac, sticky, lsb):
        g = frac[-1]
        st = sticky | (frac[:-1].any() if len(frac) > 1 else 0)
        return Mux(gate, g & (st | ~lsb), good)

    return fault


def _elaborate_with(unit_elaborate, platform, fault):
    ctl = _ctl_class(fault)
    with mock.patch.object(rtl.common, "RoundCtl", ctl), mock.patch.object(rtl.lmul, "RoundCtl", ctl):
        return unit_elaborate(platform)


class SubTieAdder(FPAdder):
    """RNE adder, tie-break inverted only for subtraction (``sub`` = 1)."""

    def elaborate(self, platform):
        return _elaborate_with(super().elaborate, platform, _inverted_tie(self.sub))


def _rtz_negative_like_rne(ctl, good, sign, frac, sticky, lsb):
    """The RTZ decode (rm = 1) rounds negative results to nearest, ties to even."""
    g = frac[-1]
    st = sticky | (frac[:-1].any() if len(frac) > 1 else 0)
    return Mux((ctl.rm == RM_CODES[Mode.RTZ]) & sign, g & (st | lsb), good)


class RtzNegAdder(FPAdder):
    """``rounding = port`` adder whose RTZ decode rounds negative results like RNE."""

    def __init__(self, fmt, **kw):
        super().__init__(fmt, rounding="port", **kw)

    def elaborate(self, platform):
        return _elaborate_with(super().elaborate, platform, _rtz_negative_like_rne)


class RtzNegLMul(LMulUnit):
    """``rounding = port`` L-Mul variant A whose RTZ decode rounds negative results like RNE."""

    def __init__(self, fmt, latency: int = 0):
        super().__init__(fmt, policy=LMulPolicy(variant=LMulVariant.REAL), rounding="port", latency=latency)

    def elaborate(self, platform):
        return _elaborate_with(super().elaborate, platform, _rtz_negative_like_rne)


class _Gated(wiring.Component):
    """``inner`` plus a 1-bit ``en`` input that turns the inverted tie-break on."""

    def __init__(self, inner):
        self.inner = inner
        self.latency = inner.latency
        ports = inner.signature.members
        members = {k: v for k, v in ports.items() if v.flow is wiring.In}
        members["en"] = In(1)
        members.update({k: v for k, v in ports.items() if v.flow is wiring.Out})
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        inner = self.inner
        en = Signal(name="fault_en")
        m.d.comb += en.eq(self.en)
        inner_elaborate = inner.elaborate
        inner.elaborate = lambda p: _elaborate_with(inner_elaborate, p, _inverted_tie(en))
        m.submodules.inner = inner
        for name, member in inner.signature.members.items():
            if member.flow is wiring.In:
                m.d.comb += getattr(inner, name).eq(getattr(self, name))
            else:
                m.d.comb += getattr(self, name).eq(getattr(inner, name))
        return m


class GatedMul(_Gated):
    def __init__(self, fmt, rounding="rne", latency: int = 0):
        super().__init__(FPMultiplier(fmt, rounding=rounding, latency=latency))


class GatedLMul(_Gated):
    """L-Mul variant A (the only variant that rounds), IEEE-like specials, saturating."""

    def __init__(self, fmt, latency: int = 0):
        super().__init__(LMulUnit(fmt, policy=LMulPolicy(variant=LMulVariant.REAL), latency=latency))
