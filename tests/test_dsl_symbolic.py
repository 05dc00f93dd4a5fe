"""The DSL's symbolic code semantics (`fpverify.dsl.symbolic`: class predicates, sign, value,
negation, absolute value, order key) against the golden model's decoding, code by code.

These predicates are what `assuming class(a) == normal`, `split on class(x)`, relational properties
(sign symmetry, monotonicity) and error bounds are built from, and they are written independently of
the symbolic reference (`smt/reference/unpack`). Oracle: `fpverify.golden.operand.unpack` (the
golden decoder, itself checked against TestFloat, ml_dtypes and MPFR) and the format's own code
tables. Exhaustive for every registry format of at most 8 bits; bf16 and f16 on a seeded sample of
4096 codes plus every special and boundary code by default, exhaustively under `-m slow` (2^16 codes
take ~2 min of z3 simplification per format).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import z3

from fpverify.formats import FloatFormat, IntFormat, all_formats, get_format
from fpverify.golden.operand import Kind, unpack
from fpverify.dsl import symbolic as S

SMALL = [f.name for f in all_formats() if f.width <= 8]
WIDE = ["bf16", "f16"]


def _codes(fmt, exhaustive: bool = False) -> list[int]:
    n = 1 << fmt.bits  # logical codes (storage may be wider: UE4M3 sits in a byte)
    if n <= 256 or exhaustive:
        return list(range(n))
    rng = np.random.default_rng(7)
    sample = set(int(c) for c in rng.integers(0, n, 4096))
    m = fmt.man_bits
    for s in (0, fmt.sign_bit):  # every exponent-field boundary, both signs
        for e in (0, 1, fmt.exp_mask - 1, fmt.exp_mask):
            for t in (0, 1, (1 << m) - 1, 1 << (m - 1)):
                sample.add(s | (e << m) | t)
    return sorted(sample)


def _golden_class(fmt, code: int) -> dict[str, bool]:
    op = unpack(fmt, code)
    finite_nonzero = op.kind is Kind.FINITE
    if isinstance(fmt, IntFormat):
        subnormal = False
    else:
        subnormal = finite_nonzero and abs(op.value.to_fraction()) < fmt.min_normal
    return {"nan": op.kind is Kind.NAN, "inf": op.kind is Kind.INF, "zero": op.kind is Kind.ZERO,
            "subnormal": subnormal, "normal": finite_nonzero and not subnormal,
            "finite": op.kind in (Kind.ZERO, Kind.FINITE),
            "negative": op.kind is not Kind.NAN and bool(op.sign)}


def _value(v: S.RealV, subst) -> Fraction | None:
    if not z3.is_true(z3.simplify(z3.substitute(v.valid, *subst))):
        return None
    sig = z3.simplify(z3.substitute(v.sig, *subst)).as_signed_long()
    exp = z3.simplify(z3.substitute(v.exp, *subst)).as_signed_long()
    return sig * Fraction(2) ** exp * v.coef


@pytest.mark.parametrize("name", SMALL + WIDE)
def test_classes_sign_and_value_match_the_golden_decoder(name):
    check_classes_and_values(name)


@pytest.mark.slow
@pytest.mark.parametrize("name", WIDE)
def test_classes_sign_and_value_exhaustive_wide(name):
    check_classes_and_values(name, exhaustive=True)


def check_classes_and_values(name: str, exhaustive: bool = False) -> None:
    fmt = get_format(name)
    x = z3.BitVec("x", fmt.width)
    preds = {k: f(fmt, x) for k, f in S.CLASSES.items()}
    real = S.f_real(fmt, x)
    bad = []
    for code in _codes(fmt, exhaustive):
        subst = ((x, z3.BitVecVal(code, fmt.width)),)
        want = _golden_class(fmt, code)
        got = {k: z3.is_true(z3.simplify(z3.substitute(p, *subst))) for k, p in preds.items()}
        if got != want:
            bad.append(f"{code:#x}: got {got}, want {want}")
            continue
        value = _value(real, subst)
        gold = unpack(fmt, code)
        want_v = gold.value.to_fraction() if gold.kind in (Kind.ZERO, Kind.FINITE) else None
        if value != want_v:
            bad.append(f"{code:#x}: value {value}, want {want_v}")
    assert not bad, f"{name}: " + "; ".join(bad[:5])


@pytest.mark.parametrize("name", [n for n in SMALL if isinstance(get_format(n), FloatFormat)])
def test_neg_abs_and_order_key_match_golden_values(name):
    """f_neg / f_abs give the code of -v / |v| (NaN kept, unsigned zero kept); f_order_key orders
    every pair of non-NaN codes as their values (equal values, e.g. ±0, share a key)."""
    fmt = get_format(name)
    x = z3.BitVec("x", fmt.width)
    neg, absv, key = S.f_neg(fmt, x), S.f_abs(fmt, x), S.f_order_key(fmt, x)
    keys, values = {}, {}
    for code in range(1 << fmt.bits):
        op = unpack(fmt, code)
        subst = ((x, z3.BitVecVal(code, fmt.width)),)
        n = z3.simplify(z3.substitute(neg, *subst)).as_long()
        a = z3.simplify(z3.substitute(absv, *subst)).as_long()
        if op.kind is Kind.NAN:
            assert fmt.is_nan(n) and fmt.is_nan(a), hex(code)
            continue
        on, oa = unpack(fmt, n), unpack(fmt, a)
        if op.kind is Kind.INF:
            assert on.kind is Kind.INF and oa.kind is Kind.INF and not oa.sign, hex(code)
            assert on.sign != op.sign or not fmt.signed, hex(code)
            values[code] = Fraction(-1 if op.sign else 1) * 10 ** 9999  # beyond every finite value
        else:
            v = op.value.to_fraction()
            if fmt.signed and (v != 0 or fmt.has_neg_zero):
                assert on.value.to_fraction() == -v, hex(code)
            assert oa.value.to_fraction() == abs(v), hex(code)
            values[code] = v
        keys[code] = z3.simplify(z3.substitute(key, *subst)).as_signed_long()
    order = sorted(values)
    for c1 in order:
        for c2 in order:
            assert (keys[c1] < keys[c2]) == (values[c1] < values[c2]), (hex(c1), hex(c2))
