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
    DEFAULT_FORMATS, MODE_NAMES, SMALL, adder_pairs, all_pairs, check_against_golden, check_exhaustive,
    edge_codes, golden_table, mismatches,
)
from fpverify.hdl.evaluate import evaluate
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


def rm_port_check(cls, op, fmt, with_sub=False):
    """All six rm codes (and sub, for the adder) in one evaluation, against the per-mode tables."""
    unit = cls(fmt, rounding="port")
    f = unit.fmt
    a, b = all_pairs(f)
    nl = flatten(unit)
    for sub in ((0, 1) if with_sub else (0,)):
        for mode, code in RM_CODES.items():
            ins = {"a": a, "b": b, "rm": np.full(len(a), code)}
            if with_sub:
                ins["sub"] = np.full(len(a), sub)
            r = evaluate(nl, ins)
            want_c, want_f = golden_table("sub" if sub else op, f, Env(Rounding(mode)))
            bad = mismatches(f, r["result"], r["flags"], want_c, want_f, {"a": a, "b": b})
            assert not bad, f"{fmt} rm={code} ({mode.value}) sub={sub}:\n" + "\n".join(bad)


@pytest.mark.parametrize("fmt", ["e4m3fn", "e2m1fn", "e3m2fn", "p3109_8p3se"])
def test_add_rm_port_exhaustive(fmt):
    rm_port_check(FPAdder, "add", fmt, with_sub=get_format(fmt).width < 8)


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "rne"), ("e3m2fn", "rup"), ("e3m2fn", "rto"), ("e2m1fn", "rdn")])
def test_add_tininess_before(fmt, mode):
    unit = FPAdder(fmt, rounding=mode, tininess="before")
    check_exhaustive(unit, "add", Env(parse_rounding(mode), tininess=Tininess.BEFORE))


OVERFLOW_CASES = [("e4m3fn", "satfinite", "rne"), ("e5m2", "satfinite", "rne"), ("e5m2", "satpropagate", "rup"),
                  ("e5m2", "nan", "rne"), ("p3109_8p3se", "satfinite", "rtz"), ("e3m2fn", "nan", "rne"),
                  ("e2m1fn", "ieee", "rdn"), ("e2m3fn", "satpropagate", "rup")]
SLOW_OVERFLOW = [(f, o) for f in SMALL for o in ("ieee", "satfinite", "satpropagate", "nan")]


@pytest.mark.parametrize("fmt,overflow,mode", OVERFLOW_CASES)
def test_add_overflow_policies(fmt, overflow, mode):
    check_overflow_policy(fmt, overflow, mode)


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODE_NAMES)
@pytest.mark.parametrize("fmt,overflow", SLOW_OVERFLOW)
def test_add_overflow_policies_full(fmt, overflow, mode):
    check_overflow_policy(fmt, overflow, mode)


def check_overflow_policy(fmt, overflow, mode):
    from fpverify.formats import Overflow

    unit = FPAdder(fmt, rounding=mode, overflow=overflow)
    check_exhaustive(unit, "add", Env(parse_rounding(mode), overflow=Overflow(overflow)))


@pytest.mark.parametrize("fmt,out", [("e5m2", "e4m3fn"), ("e4m3fn", "e2m1fn"), ("e4m3fn", "bf16"),
                                     ("e2m3fn", "p3109_8p3se"), ("e3m2fn", "e2m1fn")])
def test_add_other_output_format(fmt, out):
    for mode in (("rne", "rdn") if get_format(fmt).width < 8 else ("rne",)):
        check_exhaustive(FPAdder(fmt, out_fmt=out, rounding=mode), "add", Env(parse_rounding(mode)))


@pytest.mark.parametrize("mode", [Mode.SR_A, Mode.SR_B, Mode.SR_C])
def test_add_stochastic_exhaustive_small(mode):
    """Every (a, b, R) for FP4 and a sample for E4M3 with N = 3 random bits."""
    n = 3
    for name, exhaustive in (("e2m1fn", True), ("e4m3fn", False)):
        fmt = get_format(name)
        unit = FPAdder(fmt, rounding=Rounding(mode, n))
        if exhaustive:
            a, b = all_pairs(fmt)
            r = np.repeat(np.arange(1 << n), len(a))
            a, b = np.tile(a, 1 << n), np.tile(b, 1 << n)
        else:
            rng = np.random.default_rng(3)
            a, b = adder_pairs(fmt, rng, 1500)
            r = rng.integers(0, 1 << n, 1500)

        def gold(a, b, rbits):
            return golden.add(fmt, a, b, env=Env(Rounding(mode, n), random_bits=rbits))

        check_against_golden(unit, gold, {"a": a, "b": b, "rbits": r})


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
