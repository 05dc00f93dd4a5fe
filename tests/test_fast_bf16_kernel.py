"""`fpverify.fast.bf16_kernel`: bf16 add/sub/mul/div in RNA/RTZ/RUP/RDN/RTO by one float32
operation, bit rounding at bit 16, and the rare set redone by the float64 path.

Oracles:
* the golden model (`arith.golden_apply`, exact rationals) on pairs built around every rare case
  (negligible addends at exponent gaps 14-30, cancellation to +-0, the overflow threshold,
  products and quotients around the subnormal range, RNA ties, RTO sticky bits, specials) and on
  hypothesis-drawn pairs, in all six deterministic modes through `arith.apply`;
* the int64 datapath (`arith.compute`, independent of this kernel and checked against golden in
  test_fast_arith.py) on dense structured and random-bit-pattern arrays;
* the containment claim of the docs, checked directly: every element where the bit rounding alone
  differs from the exact rounding is in the rare set the kernel reports.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fpverify.fast import arith, bf16_kernel
from fpverify.fast.operands import unpack
from fpverify.formats import Overflow, get_format
from fpverify.rounding import DETERMINISTIC, Env, Mode

BF16 = get_format("bf16")
OPS = bf16_kernel.OPS
KERNEL_MODES = [r for r in DETERMINISTIC if r.mode in bf16_kernel.MODES]
SPECIALS = [0x0000, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0xFFC0, 0x7F81, 0xFFA5, 0x7F7F, 0xFF7F, 0x0001, 0x8001,
            0x007F, 0x0080, 0x3F80, 0xBF80]


def _code(sign, exp, sig):
    return ((np.asarray(sign) << 15) | (np.asarray(exp) << 7) | np.asarray(sig)).astype(np.uint16)


def _rare_cases(op: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pairs around the cases the bit rounding alone gets wrong, plus specials crossed."""
    rng = np.random.default_rng(seed)
    sa, sb = rng.integers(0, 2, n), rng.integers(0, 2, n)
    ma, mb = rng.integers(0, 128, n), rng.integers(0, 128, n)
    if op in ("add", "sub"):
        ea = rng.integers(1, 255, n)
        gap = np.array([0, 1, 8, 9, 14, 15, 16, 17, 18, 24, 30])[rng.integers(0, 11, n)]
        eb = np.clip(ea - gap, 0, 254)
        ma = np.where(rng.random(n) < 0.2, 0, ma)  # powers of two: the binade below is finer
        ea = np.where(rng.random(n) < 0.15, 254, ea)  # the overflow threshold
        eb = np.where(ea == 254, rng.integers(236, 255, n), eb)
        ties = rng.random(n) < 0.15  # b = half a bf16 ulp of a: an exact RNA tie
        eb, mb, ma = np.where(ties, np.maximum(ea - 8, 0), eb), np.where(ties, 0, mb), ma | ties
        a, b = _code(sa, ea, ma), _code(sb, eb, mb)
        cancel = rng.random(n) < 0.1  # x + (-x), x - x
        b = np.where(cancel, a ^ (0x8000 if op == "add" else 0), b)
    else:
        ea = rng.integers(0, 255, n)
        target = rng.integers(-30, 4, n)  # result exponent field: below, around and at 2^-126
        target = np.where(rng.random(n) < 0.2, rng.integers(250, 258, n), target)  # overflow
        eb = target - ea + 127 if op == "mul" else ea - target + 127
        eb = np.where((eb < 0) | (eb > 254), rng.integers(0, 255, n), eb)
        a, b = _code(sa, ea, ma), _code(sb, eb, mb)
    sp = np.array(SPECIALS, np.uint16)
    a = np.concatenate([a, np.repeat(sp, sp.size)])
    b = np.concatenate([b, np.tile(sp, sp.size)])
    return a, b


def _int64(op, a, b, env):
    code, _ = arith.compute(op, [unpack(a, BF16), unpack(b, BF16)], BF16, env, 0, False)
    return code.astype(np.uint16)


def _report(a, b, got, want, what):
    bad = np.flatnonzero(got != want)
    if bad.size:
        i = bad[0]
        raise AssertionError(f"{what}: {int(a[i]):#06x}, {int(b[i]):#06x} got {int(got[i]):#06x} "
                             f"want {int(want[i]):#06x} ({bad.size} mismatches)")


def test_applies_only_to_bf16_deterministic_non_rne_ieee_without_flags():
    assert all(bf16_kernel.applies(op, BF16, Env(r)) for op in OPS for r in KERNEL_MODES)
    assert not bf16_kernel.applies("add", BF16, Env())  # RNE stays on the float32 + ml_dtypes cast
    assert not bf16_kernel.applies("add", BF16, Env(KERNEL_MODES[0]), with_flags=True)
    assert not bf16_kernel.applies("add", BF16, Env(KERNEL_MODES[0], overflow=Overflow.SATFINITE))
    assert not bf16_kernel.applies("sqrt", BF16, Env(KERNEL_MODES[0]))
    assert not bf16_kernel.applies("add", get_format("f16"), Env(KERNEL_MODES[0]))
    assert not bf16_kernel.applies("add", BF16, Env(KERNEL_MODES[0]), out=get_format("f32"))


@pytest.mark.parametrize("op", OPS)
def test_rare_cases_against_golden_all_modes(op):
    a, b = _rare_cases(op, 600)
    for rnd in DETERMINISTIC:
        env = Env(rnd)
        want = arith.golden_apply(op, [a, b], BF16, env, BF16)
        _report(a, b, arith.apply(op, (a, b), BF16, env), want, f"{op} {rnd}")


@pytest.mark.parametrize("op", OPS)
def test_dense_against_int64_and_rare_set_contains_every_bit_rounding_error(op):
    """Random bit patterns plus the structured pairs, every kernel mode: the shipped result equals
    the int64 datapath; the raw bit rounding differs from it only inside the reported rare set,
    and it does differ there for some elements (the redo is needed)."""
    rng = np.random.default_rng(5)
    ra, rb = _rare_cases(op, 6000, seed=3)
    sparse = rng.integers(0, 1 << 16, (2, 4000)).astype(np.uint16)
    sparse[rng.random((2, 4000)) < 0.5] = 0  # half +0 (and some -0): dropped from the rare set
    sparse[rng.random((2, 4000)) < 0.1] = 0x8000
    a = np.concatenate([ra, rng.integers(0, 1 << 16, 20000).astype(np.uint16), sparse[0]])
    b = np.concatenate([rb, rng.integers(0, 1 << 16, 20000).astype(np.uint16), sparse[1]])
    needed = 0
    for rnd in KERNEL_MODES:
        env = Env(rnd)
        want = _int64(op, a, b, env)
        _report(a, b, arith.apply(op, (a, b), BF16, env), want, f"{op} {rnd}")
        raw, rare = bf16_kernel.bit_rounded(op, a, b, rnd.mode)
        wrong = np.flatnonzero(raw != want)
        assert np.isin(wrong, rare).all(), f"{op} {rnd}: bit rounding errors outside the rare set"
        needed += wrong.size
    assert needed > 0


@pytest.mark.parametrize("mode", bf16_kernel.MODES)
def test_negligible_addend_every_gap_and_sign(mode):
    """Every exponent gap 0..40 below a few larger operands (both signs, powers of two and odd
    significands), each smaller significand: against the int64 datapath."""
    a_list, b_list = [], []
    for ea in (1, 17, 40, 127, 200, 254):
        for ma in (0, 1, 0x7F):
            for gap in range(0, 41):
                eb = ea - gap
                if eb < 0:
                    continue
                mb = np.arange(0, 128, 3)
                for sa in (0, 1):
                    for sb in (0, 1):
                        a_list.append(np.full(mb.size, _code(sa, ea, ma)))
                        b_list.append(_code(sb, eb, mb))
    a, b = np.concatenate(a_list), np.concatenate(b_list)
    env = Env(next(r for r in KERNEL_MODES if r.mode is mode))
    for op in ("add", "sub"):
        _report(a, b, arith.apply(op, (a, b), BF16, env), _int64(op, a, b, env), f"{op} {mode}")


@pytest.mark.parametrize("op", ["mul", "div"])
def test_every_significand_pair_near_the_subnormal_range(op):
    """All 128 x 128 significand pairs at result exponents from below the smallest subnormal to
    just above 2^-126 (and the overflow threshold), one sign pattern each: against int64."""
    ma, mb = np.meshgrid(np.arange(128), np.arange(128), indexing="ij")
    ma, mb = ma.ravel(), mb.ravel()
    a_list, b_list = [], []
    for target in (-18, -9, -8, -7, -1, 0, 1, 2, 253, 254, 255):
        ea = 100 if op == "mul" else 160
        eb = target - ea + 127 if op == "mul" else ea - target + 127
        a_list.append(_code(target & 1, ea, ma))
        b_list.append(_code((target >> 1) & 1, eb, mb))
    a, b = np.concatenate(a_list), np.concatenate(b_list)
    for rnd in KERNEL_MODES:
        env = Env(rnd)
        _report(a, b, arith.apply(op, (a, b), BF16, env), _int64(op, a, b, env), f"{op} {rnd}")


def test_zero_operands_leave_the_rare_set_unless_the_result_is_nan():
    """A +-0 operand makes the float32 result exact (or NaN): NaN results are redone, finite ones
    are not (sums also redo every non-finite result)."""
    z, x = np.uint16(0), np.array([0x3F80, 0xC2F7, 0x0001, 0x7F80, 0xFF80, 0x7FC0, 0x0000, 0x8000], np.uint16)
    for op in OPS:
        for a, b in ((np.full(x.size, z), x), (x, np.full(x.size, z)), (np.full(x.size, 0x8000, np.uint16), x)):
            _, rare = bf16_kernel.bit_rounded(op, a, b, Mode.RTZ)
            with np.errstate(all="ignore"):
                fa = (a.astype(np.uint32) << 16).view(np.float32)
                fb = (b.astype(np.uint32) << 16).view(np.float32)
                f = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}[op](fa, fb)
            redo = set(rare.tolist())
            assert set(np.flatnonzero(np.isnan(f)).tolist()) <= redo, (op, a, b, rare)
            allowed = ~np.isfinite(f) if op in ("add", "sub") else np.isnan(f)
            assert redo <= set(np.flatnonzero(allowed).tolist()), (op, a, b, rare)


@pytest.mark.parametrize("op", OPS)
def test_sparse_operands_leave_no_rare_elements(op):
    """Half the operands +0 (as after a ReLU), the others normal: nothing is redone, in bulk
    (whole-chunk pruning) and on short arrays (index-list pruning)."""
    rng = np.random.default_rng(4)
    for n in (20000, 20):
        a = (rng.integers(0x3C00, 0x4400, n) | (rng.integers(0, 2, n) << 15)).astype(np.uint16)
        b = (rng.integers(0x3C00, 0x4400, n) | (rng.integers(0, 2, n) << 15)).astype(np.uint16)
        a[rng.random(n) < 0.5] = 0
        if op != "div":
            b[rng.random(n) < 0.5] = 0x8000
        for mode in bf16_kernel.MODES:
            _, rare = bf16_kernel.bit_rounded(op, a, b, mode)
            assert rare.size == 0, (op, n, mode, rare[:5])


def test_zero_signs_and_sparse_operands():
    """Exact cancellation is -0 only under RDN; zero operands stay exact."""
    z = np.array([0x0000, 0x8000], np.uint16)
    x = np.array([0x3F80, 0xBF80, 0x4321, 0x0001], np.uint16)
    a = np.concatenate([np.repeat(z, 2), x, x, np.zeros(40000, np.uint16)])
    b = np.concatenate([np.tile(z, 2), x ^ 0x8000, np.zeros(4, np.uint16), np.full(40000, 0x4000, np.uint16)])
    for rnd in DETERMINISTIC:
        env = Env(rnd)
        for op in OPS:
            want = arith.golden_apply(op, [a[:12], b[:12]], BF16, env, BF16)
            got = arith.apply(op, (a, b), BF16, env)
            _report(a, b, got[:12], want, f"{op} {rnd}")
            assert len(set(got[12:].tolist())) == 1  # 0 op 2 in every element
            assert got[12] == arith.golden_apply(op, [a[12:13], b[12:13]], BF16, env, BF16)[0]


def test_shapes_broadcast_dtypes_and_bad_codes():
    rnd = KERNEL_MODES[2]
    a = (np.arange(3 * 4000, dtype=np.int64) * 5 % (1 << 16)).reshape(3, 4000)
    b = np.int64(0x3FC0)
    got = arith.add(a, b, BF16, Env(rnd))
    assert got.shape == (3, 4000) and got.dtype == np.uint16
    flat = a.reshape(-1)
    _report(flat, np.full(flat.size, 0x3FC0), got.reshape(-1),
            _int64("add", flat.astype(np.uint16), np.full(flat.size, 0x3FC0, np.uint16), Env(rnd)), "broadcast")
    with pytest.raises(ValueError):
        arith.add(np.array([1 << 16]), np.array([0]), BF16, Env(rnd))
    with pytest.raises(TypeError):
        arith.add(np.array([1.0]), np.array([0]), BF16, Env(rnd))


def test_chunk_boundaries():
    """Rare elements in several chunks and a ragged last chunk."""
    n = 2 * bf16_kernel.CHUNK + 17
    rng = np.random.default_rng(9)
    a = rng.integers(0, 1 << 16, n).astype(np.uint16)
    b = rng.integers(0, 1 << 16, n).astype(np.uint16)
    b[:: 997] = 0x0001  # negligible addends
    env = Env(KERNEL_MODES[1])
    for op in OPS:
        _report(a, b, arith.apply(op, (a, b), BF16, env), _int64(op, a, b, env), op)


_CODES = st.one_of(st.integers(0, 0xFFFF), st.sampled_from(SPECIALS),
                   st.builds(lambda s, e, m: (s << 15) | (e << 7) | m, st.integers(0, 1), st.integers(0, 40),
                             st.integers(0, 127)))


@settings(max_examples=40, deadline=None)
@given(pairs=st.lists(st.tuples(_CODES, _CODES), min_size=1, max_size=24), op=st.sampled_from(OPS),
       rnd=st.sampled_from(DETERMINISTIC))
def test_hypothesis_against_golden(pairs, op, rnd):
    a = np.array([p[0] for p in pairs], np.uint16)
    b = np.array([p[1] for p in pairs], np.uint16)
    if op in ("add", "sub"):  # pull some pairs to a gap near 16
        b = np.where(np.arange(b.size) % 3 == 0, (b & 0x807F) | ((((a >> 7) & 0xFF).astype(np.int64) - 16).clip(0)
                                                             << 7).astype(np.uint16), b)
    env = Env(rnd)
    want = arith.golden_apply(op, [a, b], BF16, env, BF16)
    _report(a, b, arith.apply(op, (a, b), BF16, env), want, f"{op} {rnd}")


@pytest.mark.slow
@pytest.mark.parametrize("op", OPS)
def test_every_code_against_the_float64_path(op):
    """Every bf16 code a × every exponent (4 significands, both signs) as b, all kernel modes,
    against the float64 path (`arith.USE_BF16_KERNEL = False`; checked against golden in
    test_fast_float64_path.py): 2^16 × 2048 pairs per mode (~1 min per op)."""
    a_all = np.arange(1 << 16, dtype=np.uint16)
    b_set = ((np.arange(256)[:, None] << 7) | np.array([0, 1, 0x40, 0x7F])[None, :]).ravel()
    b_set = np.concatenate([b_set, b_set | 0x8000]).astype(np.uint16)
    for rnd in KERNEL_MODES:
        env = Env(rnd)
        for k in range(0, b_set.size, 64):
            b = np.repeat(b_set[k:k + 64], a_all.size)
            a = np.tile(a_all, 64)
            got = arith.apply(op, (a, b), BF16, env)
            arith.USE_BF16_KERNEL = False
            try:
                want = arith.apply(op, (a, b), BF16, env)
            finally:
                arith.USE_BF16_KERNEL = True
            _report(a, b, got, want, f"{op} {rnd}")
