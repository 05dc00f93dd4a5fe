"""FPAdder against the golden model (`fpverify.golden.add`, `sub`): exhaustive on ≤ 8-bit formats,
edge-weighted samples on bf16/f16/f32. Oracle: golden tables / golden calls; NaN as a class."""

from __future__ import annotations

import numpy as np
import pytest

from fpverify import golden
from fpverify.formats import get_format
from fpverify.rounding import Env, Mode, Rounding, Tininess, parse_rounding

from rtl.fp_add import FPAdder
from test_rtl_common import (
    DEFAULT_FORMATS, MODE_NAMES, OTHER_OUTPUT, OVERFLOW_CASES, SLOW_OVERFLOW, SMALL,
    check_against_golden, check_exhaustive, check_other_output_format, check_overflow_policy,
    check_stochastic_small, rm_port_check, adder_pairs,
)
from fpverify.hdl.netlist import flatten
from rtl.common import RM_CODES


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e4m3fnuz", "rdn"), ("e2m1fn", "rdn"), ("e3m2fn", "rup")])
def test_sub_exhaustive(fmt, mode):
    """a - b (sub = 1): NaN payloads kept, -0 rules (x - x = +0, -0 under RDN)."""
    check_exhaustive(FPAdder(fmt, rounding=mode), "sub", Env(parse_rounding(mode)), extra={"sub": 1})


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", SMALL)
def test_sub_exhaustive_full_matrix(fmt, mode):
    check_exhaustive(FPAdder(fmt, rounding=mode), "sub", Env(parse_rounding(mode)), extra={"sub": 1})


def test_alignment_is_bounded():
    """The f32 alignment shifter is P + guard bits wide, not an exact 280-bit datapath."""
    unit = FPAdder("f32")
    nl = flatten(unit)
    assert len(nl.signals["align_sig"]) == 24 + unit.guard_bits <= 28
    assert len(nl.signals["sum_sig"]) == len(nl.signals["align_sig"]) + 1


@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", DEFAULT_FORMATS)
def test_add_exhaustive(fmt, mode):
    check_exhaustive(FPAdder(fmt, rounding=mode), "add", Env(parse_rounding(mode)))


@pytest.mark.slow
@pytest.mark.parametrize("tininess", ["after", "before"])
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", SMALL)
def test_add_exhaustive_full_matrix(fmt, mode, tininess):
    unit = FPAdder(fmt, rounding=mode, tininess=tininess)
    check_exhaustive(unit, "add", Env(parse_rounding(mode), tininess=Tininess(tininess)))



@pytest.mark.parametrize("fmt", ["e4m3fn", "e2m1fn", "e3m2fn", "p3109_8p3se"])
def test_add_rm_port_exhaustive(fmt):
    rm_port_check(FPAdder, "add", fmt, with_sub=get_format(fmt).width < 8)


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e3m2fn", "rup"), ("e3m2fn", "rto"), ("e2m1fn", "rdn")])
def test_add_tininess_before(fmt, mode):
    unit = FPAdder(fmt, rounding=mode, tininess="before")
    check_exhaustive(unit, "add", Env(parse_rounding(mode), tininess=Tininess.BEFORE))



@pytest.mark.parametrize("fmt,overflow,mode", OVERFLOW_CASES)
def test_add_overflow_policies(fmt, overflow, mode):
    check_overflow_policy(FPAdder, "add", fmt, overflow, mode)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt,overflow", SLOW_OVERFLOW)
def test_add_overflow_policies_full(fmt, overflow, mode):
    check_overflow_policy(FPAdder, "add", fmt, overflow, mode)



@pytest.mark.parametrize("fmt,out", OTHER_OUTPUT)
def test_add_other_output_format(fmt, out):
    check_other_output_format(FPAdder, "add", fmt, out)


@pytest.mark.parametrize("mode", [Mode.SR_A, Mode.SR_B, Mode.SR_C])
def test_add_stochastic_exhaustive_small(mode):
    """Every (a, b, R) for FP4 and a sample for E4M3 with N = 3 random bits."""
    check_stochastic_small(FPAdder, "add", mode, adder_pairs)


def sampled_add(fmt_name, mode, n, seed):
    fmt = get_format(fmt_name)
    rng = np.random.default_rng(seed)
    a, b = adder_pairs(fmt, rng, n)
    sub = rng.integers(0, 2, n)
    env = Env(parse_rounding(mode))

    def gold(a, b, sub):
        return (golden.sub if sub else golden.add)(fmt, a, b, env=env)

    check_against_golden(FPAdder(fmt, rounding=mode), gold, {"a": a, "b": b, "sub": sub})


@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
def test_add_wide_formats_sampled(fmt, mode):
    sampled_add(fmt, mode, 700, seed=hash((fmt, mode)) % 1000)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
def test_add_wide_formats_sampled_slow(fmt, mode):
    sampled_add(fmt, mode, 100_000, seed=12345)


def test_add_wide_rm_port_and_tininess_before_sampled():
    fmt = get_format("f16")
    rng = np.random.default_rng(11)
    a, b = adder_pairs(fmt, rng, 1500)
    rm = rng.integers(0, 6, 1500)
    modes = {v: k for k, v in RM_CODES.items()}
    unit = FPAdder(fmt, rounding="port", tininess="before")

    def gold(a, b, rm):
        return golden.add(fmt, a, b, env=Env(Rounding(modes[rm]), tininess=Tininess.BEFORE))

    check_against_golden(unit, gold, {"a": a, "b": b, "rm": rm})
