"""HiFloat4 blocks: golden and fast against an independent implementation written here from the
definition (arXiv 2602.11287 and the public reference quantiser `quant_hifx`), in the reference's
own shape: floor(log2), torch.round-style ties-to-even scaling, floor(4m + 1/2) for elements."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from fpverify.errors import InputError
from fpverify.fast import blocks as F
from fpverify.formats import get_format
from fpverify.golden import blocks as G

E1M2 = get_format("e1m2")
UE6M2 = get_format("ue6m2")


def _floor_log2(x: Fraction) -> int:
    e = x.numerator.bit_length() - x.denominator.bit_length()
    while Fraction(2) ** e > x:
        e -= 1
    while Fraction(2) ** (e + 1) <= x:
        e += 1
    return e


def _round_half_even(x: Fraction) -> int:
    f = math.floor(x)
    r = x - f
    return f + 1 if r > Fraction(1, 2) or (r == Fraction(1, 2) and f % 2) else f


def _to_bits(x: Fraction, p: int) -> Fraction:
    """x > 0 rounded to p significant bits, ties to even (bf16: p = 8; no subnormals needed here)."""
    if x == 0:
        return x
    e = _floor_log2(x)
    return _round_half_even(x * Fraction(2) ** (p - 1 - e)) * Fraction(2) ** (e - p + 1)


def reference_block(xs: list[Fraction], policy: str):
    """(SF, l2, l3, element values) of one block of 64 finite values."""
    mags = [abs(x) for x in xs]
    d7 = _to_bits(Fraction(1, 7), 8)
    t = _to_bits(max(mags) * d7, 8)
    t = min(max(t, Fraction(2) ** -48), Fraction(49152))
    e = _floor_log2(t)
    sf = _round_half_even(t * Fraction(2) ** (2 - e)) * Fraction(2) ** (e - 2)
    rec = _to_bits(1 / sf, 8)
    l2 = [1 if max(mags[8 * g:8 * g + 8]) * rec >= 4 else 0 for g in range(8)]
    l3 = [1 if max(mags[4 * g:4 * g + 4]) * rec / 2 ** l2[g // 2] >= 2 else 0 for g in range(16)]
    elems = []
    for i, x in enumerate(xs):
        m = abs(x) * rec / 2 ** (l2[i // 8] + l3[i // 4])
        k = math.floor(4 * m + Fraction(1, 2)) if policy == "paper" else _round_half_even(4 * m)
        k = min(k, 7)
        elems.append(Fraction(k, 4) * (-1 if x < 0 else 1))
    return sf, l2, l3, elems


def _random_blocks(seed: int, n: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 64)) * 2.0 ** rng.integers(-30, 30, (n, 1))
    x[0] = 0.0  # all-zero block: the smallest scale
    x[1, 5] = 3.0e38  # huge: the scale clamps at 49152
    x[2] = np.arange(64) * 0.25  # exact grid values
    x[3, ::7] = 0.0
    x[4] = 7 * 2.0 ** rng.integers(-40, 16) * np.linspace(-1, 1, 64)
    return x.astype(np.float32)


@pytest.mark.parametrize("policy", ["paper", "cann_scalar"])
def test_golden_matches_reference(policy):
    x = _random_blocks(1, 60)
    for row in x:
        xs = [Fraction(float(v)) for v in row]
        sf, l2, l3, elems = reference_block(xs, policy)
        b = G.hif4_quantize_block(row.tolist(), policy)
        assert UE6M2.value(b.scale) == sf
        assert list(b.l2) == l2 and list(b.l3) == l3
        assert [E1M2.value(c) for c in b.codes] == elems
        want = [e * 2 ** (l2[i // 8] + l3[i // 4]) * sf for i, e in enumerate(elems)]
        assert G.hif4_dequantize([b]) == want


def test_element_rounding_policies_differ_on_ties():
    # amax 7 -> SF = 1, rec = 1; 0.125 is a tie between 0 and 0.25 after l2 = l3 = 0 for that group
    row = [7.0] + [0.0] * 31 + [0.125, 0.375] + [0.0] * 30
    paper = G.hif4_quantize_block(row, "paper")
    cann = G.hif4_quantize_block(row, "cann_scalar")
    assert UE6M2.value(paper.scale) == 1
    assert E1M2.value(paper.codes[32]) == Fraction(1, 4) and E1M2.value(cann.codes[32]) == 0
    assert E1M2.value(paper.codes[33]) == Fraction(1, 2) and E1M2.value(cann.codes[33]) == Fraction(1, 2)


def test_specials_by_policy():
    row = [1.0] * 64
    row[10] = math.nan
    row[20] = -math.inf
    paper = G.hif4_quantize_block(row, "paper")
    assert paper.scale == UE6M2.nan_code()
    assert all(math.isnan(v) for v in G.hif4_dequantize([paper]))
    cann = G.hif4_quantize_block(row, "cann_scalar")
    assert E1M2.value(cann.codes[10]) == Fraction(7, 4)
    assert E1M2.value(cann.codes[20]) == Fraction(-7, 4)
    assert cann.scale != UE6M2.nan_code()
    assert G.hif4_quantize_block([-0.0] + [1.0] * 63).codes[0] == E1M2.sign_bit  # -0 kept


@pytest.mark.parametrize("bad", [[1.0] * 63, [1.0] * 65, [1.0] * 32])
def test_block_length_is_an_input_error(bad):
    with pytest.raises(InputError, match="64"):
        G.hif4_quantize_block(bad)
    with pytest.raises(InputError, match="64"):
        G.hif4_quantize(bad)
    with pytest.raises(InputError, match="64"):
        F.hif4_quantize(np.ones(len(bad), np.float32))


def test_unknown_policy_is_an_input_error():
    with pytest.raises(InputError, match="unknown HiFloat4 scale policy"):
        G.hif4_quantize([1.0] * 64, "ocp")
    with pytest.raises(InputError, match="unknown HiFloat4 scale policy"):
        F.hif4_quantize(np.ones(64, np.float32), "ocp")


@pytest.mark.parametrize("policy", ["paper", "cann_scalar"])
def test_fast_matches_golden(policy):
    x = _random_blocks(2, 40).reshape(10, 256)
    x[3, 17] = np.nan
    x[5, 200] = np.inf
    q = F.hif4_quantize(x, policy)
    deq = F.hif4_dequantize(q, np.float64)
    for r in range(x.shape[0]):
        g = G.hif4_quantize(x[r].tolist(), policy)
        assert q.scales[r].tolist() == [b.scale for b in g]
        assert q.l2[r].tolist() == [list(b.l2) for b in g]
        assert q.l3[r].tolist() == [list(b.l3) for b in g]
        assert q.codes[r].tolist() == [c for b in g for c in b.codes]
        gv = G.hif4_dequantize(g)
        assert all((math.isnan(a) and math.isnan(float(b))) or a == b for a, b in zip(deq[r].tolist(), gv))


def test_dot_exact_golden_fast_and_reference():
    xa = _random_blocks(3, 12).reshape(4, 192)
    xb = _random_blocks(4, 12).reshape(4, 192)
    qa, qb = F.hif4_quantize(xa), F.hif4_quantize(xb)
    fast = F.hif4_dot_exact(qa, qb, "f64")
    f64 = get_format("f64")
    for r in range(4):
        ga, gb = G.hif4_quantize(xa[r].tolist()), G.hif4_quantize(xb[r].tolist())
        g = G.hif4_dot_exact(ga, gb, "f64")
        exact = sum((a * b for a, b in zip(G.hif4_dequantize(ga), G.hif4_dequantize(gb))), Fraction(0))
        assert f64.value(g.code) == Fraction(float(exact))  # CPython's int/int division rounds once, RNE
        assert int(fast[r]) == g.code
    nan_row = xa.copy()
    nan_row[0, 5] = np.nan
    assert math.isnan(f64.value(int(F.hif4_dot_exact(F.hif4_quantize(nan_row), qb, "f64")[0])))


def test_element_product_unit_is_exact():
    """The S1P2 x S1P2 product unit (FPMultiplier e1m2 -> f16): every product exact, no flags."""
    from fpverify.hdl.evaluate import evaluate
    from fpverify.hdl.netlist import flatten
    from rtl.fp_mul import FPMultiplier

    a = np.repeat(np.arange(16), 16)
    b = np.tile(np.arange(16), 16)
    r = evaluate(flatten(FPMultiplier("e1m2", out_fmt="f16")), {"a": a, "b": b})
    f16 = get_format("f16")
    for i in range(256):
        want = E1M2.value(int(a[i])) * E1M2.value(int(b[i]))
        assert f16.value(int(r["result"][i])) == want and int(r["flags"][i]) == 0
