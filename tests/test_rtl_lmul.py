"""LMulUnit against the golden model (`fpverify.golden.lmul`), exhaustively: every FP8 format with
the default policy (variant B, ieee_like, satfinite), every variant/specials/overflow policy on
representative formats; the full policy matrix over all ≤ 8-bit formats is slow."""

from __future__ import annotations

import numpy as np
import pytest

from fpverify import golden
from fpverify.formats import FormatError, Overflow, get_format
from fpverify.golden.lmul import LMulPolicy, LMulSpecials, LMulVariant
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.rounding import Env, parse_rounding

from rtl.lmul import LMulUnit
from test_rtl_common import FP8, MODE_NAMES, SMALL, all_pairs, check_against_golden, check_exhaustive

POLICIES = [LMulPolicy(v, LMulSpecials.IEEE_LIKE, o)
            for v in LMulVariant for o in Overflow] + [LMulPolicy(LMulVariant.BIT_ADD, LMulSpecials.WRAP)]


def make_or_skip(fmt, policy, **kw):
    try:
        return LMulUnit(fmt, policy, **kw)
    except FormatError as e:  # e.g. overflow 'nan' into a format without NaN
        pytest.skip(str(e))


@pytest.mark.parametrize("fmt", FP8)
def test_lmul_default_policy_all_fp8(fmt):
    check_exhaustive(LMulUnit(fmt), "lmul", Env(), policy=LMulPolicy())


KEY_POLICIES = [LMulPolicy(LMulVariant.REAL, overflow=Overflow.IEEE),
                LMulPolicy(LMulVariant.NORMALIZE_TRUNCATE, overflow=Overflow.IEEE),
                LMulPolicy(overflow=Overflow.NAN), LMulPolicy(LMulVariant.BIT_ADD, LMulSpecials.WRAP)]


@pytest.mark.parametrize("policy", KEY_POLICIES, ids=str)
@pytest.mark.parametrize("fmt", ["e4m3fn", "e5m2"])
def test_lmul_key_policies_fp8(fmt, policy):
    check_exhaustive(make_or_skip(fmt, policy), "lmul", Env(), policy=policy)


@pytest.mark.parametrize("policy", POLICIES, ids=str)
@pytest.mark.parametrize("fmt", ["e3m2fn", "e2m1fn", "p3109_4p2sf"])
def test_lmul_policies(fmt, policy):
    check_exhaustive(make_or_skip(fmt, policy), "lmul", Env(), policy=policy)


@pytest.mark.slow
@pytest.mark.parametrize("policy", POLICIES, ids=str)
@pytest.mark.parametrize("fmt", SMALL)
def test_lmul_full_matrix(fmt, policy):
    check_exhaustive(make_or_skip(fmt, policy), "lmul", Env(), policy=policy)


@pytest.mark.parametrize("mode", MODE_NAMES)
def test_lmul_variant_a_rounding_modes(mode):
    """Variant A rounds once; every deterministic mode, static and through the rm port."""
    fmt = get_format("e4m3fn")
    pol = LMulPolicy(LMulVariant.REAL, overflow=Overflow.IEEE)
    unit = LMulUnit(fmt, pol, rounding=mode)
    a, b = all_pairs(fmt)
    env = Env(parse_rounding(mode))
    check_against_golden(unit, lambda a, b: golden.lmul(fmt, a, b, policy=pol, env=env),
                         {"a": a[::7], "b": b[::7]})


def test_lmul_wrap_is_the_papers_integer_formula():
    """Independent oracle: the raw formula of formats.md §6 on bf16 and fp32 constants."""
    for name, const in (("bf16", 0x3F78), ("f32", 0x3F780000)):
        fmt = get_format(name)
        unit = LMulUnit(fmt, LMulPolicy(LMulVariant.BIT_ADD, LMulSpecials.WRAP))
        rng = np.random.default_rng(5)
        a = rng.integers(0, 1 << fmt.width, 3000, dtype=np.uint64)
        b = rng.integers(0, 1 << fmt.width, 3000, dtype=np.uint64)
        r = evaluate(flatten(unit), {"a": a, "b": b})
        mask = fmt.mag_mask
        want = [((int(x) ^ int(y)) & fmt.sign_bit) | ((int(x) & mask) + (int(y) & mask) - const) & mask
                for x, y in zip(a, b)]
        assert [int(v) for v in r["result"]] == want


@pytest.mark.parametrize("fmt", ["bf16", "f16"])
def test_lmul_wide_formats_sampled(fmt):
    from test_rtl_common import edge_codes

    f = get_format(fmt)
    rng = np.random.default_rng(9)
    for pol in (LMulPolicy(), LMulPolicy(LMulVariant.NORMALIZE_TRUNCATE, overflow=Overflow.IEEE),
                LMulPolicy(LMulVariant.REAL)):
        a, b = edge_codes(f, rng, 1000), edge_codes(f, rng, 1000)
        check_against_golden(LMulUnit(f, pol), lambda a, b: golden.lmul(f, a, b, policy=pol), {"a": a, "b": b})
