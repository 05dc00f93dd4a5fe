"""FPMultiplier against the golden model (`fpverify.golden.mul`): exhaustive on ≤ 8-bit formats,
edge-weighted samples on bf16/f16/f32. Oracle: golden tables / golden calls; NaN as a class."""

from __future__ import annotations

import numpy as np
import pytest

from fpverify import golden
from fpverify.formats import get_format
from fpverify.rounding import Env, Mode, Rounding, Tininess, parse_rounding

from rtl.fp_mul import FPMultiplier
from test_rtl_common import (
    DEFAULT_FORMATS, MODE_NAMES, OTHER_OUTPUT, OVERFLOW_CASES, SLOW_OVERFLOW, SMALL,
    check_against_golden, check_exhaustive, check_other_output_format, check_overflow_policy,
    check_stochastic_small, edge_codes, rm_port_check, independent_pairs,
)
from rtl.common import RM_CODES


@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", DEFAULT_FORMATS)
def test_mul_exhaustive(fmt, mode):
    check_exhaustive(FPMultiplier(fmt, rounding=mode), "mul", Env(parse_rounding(mode)))


@pytest.mark.slow
@pytest.mark.parametrize("tininess", ["after", "before"])
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", SMALL)
def test_mul_exhaustive_full_matrix(fmt, mode, tininess):
    unit = FPMultiplier(fmt, rounding=mode, tininess=tininess)
    check_exhaustive(unit, "mul", Env(parse_rounding(mode), tininess=Tininess(tininess)))



@pytest.mark.parametrize("fmt", ["e4m3fn", "e2m1fn", "p3109_8p3se"])
def test_mul_rm_port_exhaustive(fmt):
    rm_port_check(FPMultiplier, "mul", fmt)


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e3m2fn", "rup"), ("e3m2fn", "rto"), ("e2m1fn", "rdn")])
def test_mul_tininess_before(fmt, mode):
    unit = FPMultiplier(fmt, rounding=mode, tininess="before")
    check_exhaustive(unit, "mul", Env(parse_rounding(mode), tininess=Tininess.BEFORE))



@pytest.mark.parametrize("fmt,overflow,mode", OVERFLOW_CASES)
def test_mul_overflow_policies(fmt, overflow, mode):
    check_overflow_policy(FPMultiplier, "mul", fmt, overflow, mode)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt,overflow", SLOW_OVERFLOW)
def test_mul_overflow_policies_full(fmt, overflow, mode):
    check_overflow_policy(FPMultiplier, "mul", fmt, overflow, mode)



@pytest.mark.parametrize("fmt,out", OTHER_OUTPUT)
def test_mul_other_output_format(fmt, out):
    check_other_output_format(FPMultiplier, "mul", fmt, out)


@pytest.mark.parametrize("mode", [Mode.SR_A, Mode.SR_B, Mode.SR_C])
def test_mul_stochastic_exhaustive_small(mode):
    """Every (a, b, R) for FP4 and a sample for E4M3 with N = 3 random bits."""
    check_stochastic_small(FPMultiplier, "mul", mode, independent_pairs)


def sampled_mul(fmt_name, mode, n, seed):
    fmt = get_format(fmt_name)
    rng = np.random.default_rng(seed)
    a, b = edge_codes(fmt, rng, n), edge_codes(fmt, rng, n)
    env = Env(parse_rounding(mode))
    check_against_golden(FPMultiplier(fmt, rounding=mode), lambda a, b: golden.mul(fmt, a, b, env=env),
                         {"a": a, "b": b})


@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
def test_mul_wide_formats_sampled(fmt, mode):
    sampled_mul(fmt, mode, 700, seed=hash((fmt, mode)) % 1000)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
def test_mul_wide_formats_sampled_slow(fmt, mode):
    sampled_mul(fmt, mode, 100_000, seed=12345)


def test_mul_wide_rm_port_and_tininess_before_sampled():
    fmt = get_format("f16")
    rng = np.random.default_rng(11)
    a, b = edge_codes(fmt, rng, 1500), edge_codes(fmt, rng, 1500)
    rm = rng.integers(0, 6, 1500)
    modes = {v: k for k, v in RM_CODES.items()}
    unit = FPMultiplier(fmt, rounding="port", tininess="before")

    def gold(a, b, rm):
        return golden.mul(fmt, a, b, env=Env(Rounding(modes[rm]), tininess=Tininess.BEFORE))

    check_against_golden(unit, gold, {"a": a, "b": b, "rm": rm})
