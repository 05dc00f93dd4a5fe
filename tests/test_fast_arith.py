"""fpverify.fast.arith against the golden model: codes and flags, every mode and policy.

Oracle: the golden model (`golden_apply`, or its cached tables `fast.tables`). <= 6-bit formats
are exhaustive over all operand pairs in the default run, 8-bit formats exhaustively under two
modes (all modes and policies behind ``slow``); the 16/19/32-bit formats are checked on trap
sets (ties, exponent gaps p-1..p+2, overflow threshold, subnormal boundary, specials) and on
hypothesis-drawn operands; f64 on the per-element wide path.
"""

from __future__ import annotations

import zlib
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpverify import strategies as fst
from fpverify.fast import arith, traps
from fpverify.fast.tables import binary_table, unary_table
from fpverify.formats import Overflow, get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode, Rounding, Tininess

STOCHASTIC = (Rounding(Mode.SR_A, 3), Rounding(Mode.SR_B, 3), Rounding(Mode.SR_C, 3))
POLICIES = (None, Overflow.SATFINITE, Overflow.SATPROPAGATE, Overflow.NAN, Overflow.IEEE)


def _all_pairs(fmt):
    n = 1 << fmt.width
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return a.ravel(), b.ravel()


def _table_check(fmt, env):
    """Every operand pair (and every sqrt operand) against the golden tables."""
    a, b = _all_pairs(fmt)
    for op in ("add", "sub", "mul", "div"):
        codes, flags = arith.apply(op, (a, b), fmt, env, with_flags=True)
        gc, gf = binary_table(op, fmt, env)
        bad = np.flatnonzero((codes != gc) | (flags != gf))
        assert bad.size == 0, (op, fmt.name, str(env.rounding), hex(a[bad[0]]), hex(b[bad[0]]))
    c = np.arange(1 << fmt.width)
    codes, flags = arith.sqrt(c, fmt, env, with_flags=True)
    gc, gf = unary_table("sqrt", fmt, env)
    assert np.array_equal(codes, gc) and np.array_equal(flags, gf), ("sqrt", fmt.name, str(env.rounding))


def _golden_check(op, ops, fmt, env, random_bits=None, out=None):
    out_f = get_format(out) if out is not None else fmt
    codes, flags = arith.apply(op, ops, fmt, env, out=out, random_bits=random_bits, with_flags=True)
    rb = random_bits if random_bits is not None else 0
    gc, gf = arith.golden_apply(op, [np.asarray(o) for o in ops], fmt, env, out_f, rb, True)
    bad = np.flatnonzero((codes != gc) | (flags != gf))
    if bad.size:
        i = bad[0]
        raise AssertionError(f"{op} {fmt.name}->{out_f.name} {env.rounding} {env.overflow}: "
                             f"{[hex(int(o[i])) for o in ops]} got {int(codes[i]):#x}/{int(flags[i]):#x} "
                             f"golden {int(gc[i]):#x}/{int(gf[i]):#x} ({bad.size} mismatches)")


@pytest.mark.parametrize("name", ["e2m1fn", "e3m2fn", "e2m3fn"])
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
def test_small_formats_exhaustive_every_mode(name, rnd):
    _table_check(get_format(name), Env(rnd))


@pytest.mark.parametrize("name", ["e2m1fn", "p3109_4p2sf"])
@pytest.mark.parametrize("policy", POLICIES[1:], ids=lambda p: p.value)
def test_small_formats_exhaustive_every_policy(name, policy):
    for rnd in (DETERMINISTIC[0], DETERMINISTIC[2], DETERMINISTIC[3]):
        _table_check(get_format(name), Env(rnd, overflow=policy))


@pytest.mark.parametrize("rnd", STOCHASTIC, ids=str)
def test_stochastic_exhaustive_over_operands_and_random_bits(rnd):
    """e2m1fn: every pair x every R in [0, 2^3) (golden tables take one R per table)."""
    fmt = get_format("e2m1fn")
    a, b = _all_pairs(fmt)
    for r in range(1 << rnd.nbits):
        env = Env(rnd, random_bits=r)
        for op in ("add", "mul", "div"):
            codes, flags = arith.apply(op, (a, b), fmt, env, random_bits=np.full(a.shape, r), with_flags=True)
            gc, gf = binary_table(op, fmt, env)
            assert np.array_equal(codes, gc) and np.array_equal(flags, gf), (op, str(rnd), r)


@pytest.mark.parametrize("name", ["e4m3fn", "e5m2"])
@pytest.mark.parametrize("rnd", [DETERMINISTIC[0], DETERMINISTIC[2]], ids=str)
def test_fp8_exhaustive(name, rnd):
    _table_check(get_format(name), Env(rnd))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["e4m3fn", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4",
                                  "p3109_8p3se", "p3109_8p4sf", "p3109_8p1uf", "e8m0fnu"])
@pytest.mark.parametrize("rnd", DETERMINISTIC, ids=str)
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.value if p else "default")
def test_8bit_exhaustive_full_matrix(name, rnd, policy):
    _table_check(get_format(name), Env(rnd, overflow=policy))


def test_fma_exhaustive_fp4():
    fmt = get_format("e2m1fn")
    n = 1 << fmt.width
    a, b, c = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij"))
    for rnd in DETERMINISTIC:
        _golden_check("fma", (a, b, c), fmt, Env(rnd))
    r = np.random.default_rng(1).integers(0, 8, a.shape)
    _golden_check("fma", (a, b, c), fmt, Env(STOCHASTIC[2]), random_bits=r)


WIDE = ["f16", "bf16", "tf32", "f32"]
TRAP_MODES = DETERMINISTIC + (Rounding(Mode.SR_A, 12), Rounding(Mode.SR_C, 20))


@pytest.mark.parametrize("name", WIDE)
@pytest.mark.parametrize("op", arith.OPS)
def test_wide_formats_on_trap_sets(name, op):
    fmt = get_format(name)
    ops = traps.trap_operands(fmt, op, 400, seed=zlib.crc32(f"{name}{op}".encode()) % 1000)
    for rnd in TRAP_MODES:
        r = np.random.default_rng(2).integers(0, 1 << rnd.nbits, ops[0].shape) if rnd.mode.stochastic else None
        _golden_check(op, ops, fmt, Env(rnd), random_bits=r)


@pytest.mark.parametrize("name", ["bf16", "f16"])
def test_policies_and_tininess_before(name):
    fmt = get_format(name)
    for op in ("mul", "div", "fma"):
        ops = traps.trap_operands(fmt, op, 300, seed=7)
        for policy in POLICIES[1:]:
            _golden_check(op, ops, fmt, Env(DETERMINISTIC[0], overflow=policy))
        _golden_check(op, ops, fmt, Env(DETERMINISTIC[2], tininess=Tininess.BEFORE))


def test_mixed_result_format():
    """Operands in one format, the result rounded once into another (narrower and wider)."""
    for src, dst in (("bf16", "e4m3fn"), ("e5m2", "f16"), ("f16", "e2m1fn")):
        fmt = get_format(src)
        for op in ("add", "mul", "fma"):
            ops = traps.trap_operands(fmt, op, 300, seed=3)
            _golden_check(op, ops, fmt, Env(DETERMINISTIC[0]), out=dst)


_hyp_mode = st.sampled_from(DETERMINISTIC + (Rounding(Mode.SR_B, 7),))


@settings(max_examples=40, deadline=None)
@given(data=st.data(), name=st.sampled_from(WIDE), op=st.sampled_from(arith.OPS), rnd=_hyp_mode)
def test_wide_formats_hypothesis(data, name, op, rnd):
    fmt = get_format(name)
    arity = 1 if op == "sqrt" else 3 if op == "fma" else 2
    rows = data.draw(st.lists(fst.operands(fmt, arity), min_size=1, max_size=16))
    ops = [np.array([r[i] for r in rows], np.int64) for i in range(arity)]
    r = None
    if rnd.mode.stochastic:
        r = np.array(data.draw(st.lists(st.integers(0, (1 << rnd.nbits) - 1), min_size=len(rows),
                                        max_size=len(rows))), np.int64)
    _golden_check(op, ops, fmt, Env(rnd), random_bits=r)


@pytest.mark.parametrize("op", arith.OPS)
def test_f64_wide_path(op):
    fmt = get_format("f64")
    assert not arith.supports(fmt) and arith.covers(fmt)
    ops = [o.astype(np.uint64) for o in traps.trap_operands(fmt, op, 150, seed=5)]
    for rnd in (DETERMINISTIC[0], DETERMINISTIC[4], DETERMINISTIC[5], Rounding(Mode.SR_C, 40)):
        r = np.random.default_rng(3).integers(0, 1 << rnd.nbits, ops[0].shape) if rnd.mode.stochastic else None
        _golden_check(op, ops, fmt, Env(rnd), random_bits=r)


def test_wide_stochastic_beyond_int64_goes_per_element():
    fmt = get_format("bf16")
    env = Env(Rounding(Mode.SR_A, 40))
    assert not arith.supports(fmt, env) and arith.covers(fmt, env)
    ops = traps.trap_operands(fmt, "div", 200, seed=1)
    r = np.random.default_rng(0).integers(0, 1 << 40, 200)
    _golden_check("div", ops, fmt, env, random_bits=r)


# ---- the sticky (round-to-odd) contract of the exact datapaths ------------------------------


def _contract(x: int, e: int, exact: Fraction) -> None:
    """Exactly x*2^e, or x odd with the value strictly inside ((x-1)*2^e, (x+1)*2^e)."""
    v = Fraction(x) * Fraction(2) ** e
    if v == exact:
        return
    assert x & 1, "an inexact result must be odd"
    unit = Fraction(2) ** e
    assert v - unit < exact < v + unit


@settings(max_examples=200, deadline=None)
@given(st.integers(1, (1 << 24) - 1), st.integers(-200, 200), st.integers(0, (1 << 24) - 1),
       st.integers(-200, 200), st.booleans(), st.booleans())
def test_exact_sum_contract(x1, e1, x2, e2, n1, n2):
    neg, x, e = arith.exact_sum(np.array([n1]), np.array([x1]), np.array([e1]),
                                np.array([n2]), np.array([x2]), np.array([e2]))
    exact = (-1) ** n1 * Fraction(x1) * Fraction(2) ** e1 + (-1) ** n2 * Fraction(x2) * Fraction(2) ** e2
    if exact == 0:
        assert x[0] == 0
        return
    assert bool(neg[0]) == (exact < 0)
    _contract(int(x[0]), int(e[0]), abs(exact))
    if int(x[0]) & 1 and Fraction(int(x[0])) * Fraction(2) ** int(e[0]) != abs(exact):
        assert int(x[0]).bit_length() >= 60


@settings(max_examples=200, deadline=None)
@given(st.integers(1, (1 << 24) - 1), st.integers(1, (1 << 24) - 1), st.integers(-100, 100))
def test_exact_quotient_and_sqrt_contract(a, b, e):
    x, ex = arith.exact_quotient(np.array([a]), np.array([e]), np.array([b]), np.array([0]))
    _contract(int(x[0]), int(ex[0]), Fraction(a, b) * Fraction(2) ** e)
    assert int(x[0]).bit_length() >= 60
    r, er = arith.exact_sqrt(np.array([a]), np.array([e]), 40)
    r, er = int(r[0]), int(er[0])
    assert r.bit_length() >= 40
    val = Fraction(a) * Fraction(2) ** e
    lo, hi = Fraction(r - 1) * Fraction(2) ** er, Fraction(r + 1) * Fraction(2) ** er
    if Fraction(r) * Fraction(2) ** er != 0 and (Fraction(r) * Fraction(2) ** er) ** 2 == val:
        return
    assert r & 1 and lo * lo < val < hi * hi


def test_fallback_and_inputs():
    # integer formats are not float datapaths: the golden model element by element
    codes = arith.add(np.array([3, 250]), np.array([5, 7]), "int8")
    assert codes.tolist() == [8, 1]
    with pytest.raises(ValueError):
        arith.add(np.array([256]), np.array([0]), "e4m3fn")
    with pytest.raises(ValueError):
        arith.apply("pow", (np.array([1]), np.array([1])), "e4m3fn")
    env = Env(Rounding(Mode.SR_A, 4))
    with pytest.raises(ValueError):
        arith.add(np.array([1]), np.array([1]), "bf16", env, random_bits=np.array([16]))
    a = arith.add(np.arange(100), np.arange(100), "bf16", env, rng=5)
    assert np.array_equal(a, arith.add(np.arange(100), np.arange(100), "bf16", env, rng=5))


def test_blocked_datapath_equals_unblocked():
    """Arrays longer than arith.CHUNK are processed in blocks: same codes, flags and random bits."""
    fmt = get_format("bf16")
    n = 2 * arith.CHUNK + 123
    ops = traps.trap_operands(fmt, "fma", n, seed=9)
    env = Env(Rounding(Mode.SR_B, 6))
    r = np.random.default_rng(4).integers(0, 64, n)
    codes, flags = arith.fma(*ops, fmt, env, random_bits=r, with_flags=True)
    step = arith.CHUNK // 3
    for lo in range(0, n, step):
        sl = slice(lo, lo + step)
        c, f = arith.fma(*[o[sl] for o in ops], fmt, env, random_bits=r[sl], with_flags=True)
        assert np.array_equal(c, codes[sl]) and np.array_equal(f, flags[sl])
    _golden_check("fma", [o[-300:] for o in ops], fmt, env, random_bits=r[-300:])
