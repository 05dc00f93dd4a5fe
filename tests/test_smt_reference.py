"""The bit-level symbolic reference against the golden model, exhaustively.

Oracle: `fpverify.golden` (exact rationals; agrees with TestFloat), through the cached tables of
`fpverify.fast.tables`. The reference is built once per case with symbolic operands and evaluated
on every operand pair by `smt.vectorized` (z3's constant folding is checked against it on a
sample). Results are compared as the miter does: NaN as a class, flags bit for bit (all six).
Default run: every FP4/FP6 format × op × rounding mode and a handful of 8-bit cases; the full
≤ 8-bit matrix is marked slow.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import z3

from fpverify import golden
from fpverify.fast.tables import INVALID_INPUT, binary_table, unary_table
from fpverify.formats import Overflow, Specials, all_formats, get_format
from fpverify.golden.lmul import LMulPolicy, LMulSpecials, LMulVariant
from fpverify.rounding import Env, Flags, Tininess, parse_rounding
from fpverify.smt import reference as R
from fpverify.smt.vectorized import compile_terms

MODES = ["rne", "rna", "rtz", "rup", "rdn", "rto", "sra2", "srb3", "src2"]
SMALL = ["e2m1fn", "e2m3fn", "e3m2fn", "p3109_4p2sf"]


def _env(mode: str, r_bits: int = 1, tininess: str = "after", overflow=None) -> Env:
    rnd = parse_rounding(mode)
    return Env(rnd, overflow=overflow, tininess=Tininess(tininess),
               random_bits=(r_bits % (1 << rnd.nbits)) if rnd.mode.stochastic else 0)


def _compare(out, codes, flags, g_codes, g_flags, label, inputs) -> None:
    out_nan = np.vectorize(out.is_nan, otypes=[bool])
    valid = g_flags != INVALID_INPUT
    both_nan = out_nan(codes.astype(np.int64)) & out_nan(g_codes.astype(np.int64))
    ok = ((codes == g_codes) | both_nan) & (flags == g_flags)
    bad = np.nonzero(valid & ~ok)[0]
    if len(bad):
        i = bad[0]
        ins = ", ".join(f"{k}={int(v[i]):#x}" for k, v in inputs.items())
        pytest.fail(f"{label}: {len(bad)} mismatches; first {ins}: reference {int(codes[i]):#x} "
                    f"{Flags(int(flags[i]))!r}, golden {int(g_codes[i]):#x} {Flags(int(g_flags[i]))!r}")


def check_binary(op: str, fname: str, env: Env, policy=None, **kw) -> None:
    fmt = get_format(fname)
    a, b = z3.BitVec("a", fmt.width), z3.BitVec("b", fmt.width)
    if op == "lmul":
        ref = R.lmul(fmt, a, b, policy, env)
    else:
        ref = getattr(R, op)(fmt, a, b, env, **kw)
    n = 1 << fmt.width
    A = np.repeat(np.arange(n, dtype=np.uint64), n)
    B = np.tile(np.arange(n, dtype=np.uint64), n)
    codes, flags = compile_terms([ref.code, ref.flags])({"a": A, "b": B})
    g_codes, g_flags = binary_table(op, fmt, env, policy=policy)
    _compare(fmt, codes, flags, g_codes.astype(np.uint64), g_flags.astype(np.uint64),
             f"{op} {fname} {env.rounding} {env.tininess.value}", {"a": A, "b": B})
    # z3's own folding agrees with the vectorised evaluation on a sample
    for i in np.random.default_rng(n).integers(0, n * n, 3):
        s = [(a, z3.BitVecVal(int(A[i]), fmt.width)), (b, z3.BitVecVal(int(B[i]), fmt.width))]
        assert z3.simplify(z3.substitute(ref.code, *s)).as_long() == int(codes[i])
        assert z3.simplify(z3.substitute(ref.flags, *s)).as_long() == int(flags[i])


def check_convert(src: str, dst: str, env: Env) -> None:
    s, d = get_format(src), get_format(dst)
    a = z3.BitVec("a", s.width)
    ref = R.convert(s, a, d, env)
    A = np.arange(1 << s.width, dtype=np.uint64)
    codes, flags = compile_terms([ref.code, ref.flags])({"a": A})
    g_codes, g_flags = unary_table("convert", s, env, out=d)
    _compare(d, codes, flags, g_codes.astype(np.uint64), g_flags.astype(np.uint64),
             f"convert {src}->{dst} {env.rounding}", {"a": A})


@pytest.mark.parametrize("fname", SMALL)
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_small_formats_every_mode(op, fname):
    for mode in MODES:
        check_binary(op, fname, _env(mode, r_bits=3))


@pytest.mark.parametrize("op,fname,mode,tininess", [
    ("mul", "e4m3fn", "rne", "after"),
    ("add", "e5m2", "rdn", "after"),
    ("mul", "p3109_8p3se", "rup", "after"),   # P3109 extended: Inf codes, single NaN, no -0
    ("add", "e4m3fnuz", "rna", "after"),
    ("mul", "e5m2", "rdn", "after"),          # tininess after rounding at emin-1
    ("mul", "e4m3", "rne", "before"),
    ("mul", "e8m0fnu", "rup", "after"),       # P=1, unsigned, no zero
])
def test_eight_bit_formats(op, fname, mode, tininess):
    check_binary(op, fname, _env(mode, tininess=tininess))


@pytest.mark.parametrize("op,fname,modes", [
    ("add", "e3m2fn", ("rne", "rna", "rtz", "rup", "rdn", "rto", "sra3", "srb2", "src3")),
    ("sub", "e5m2", ("rne", "src3")),
    pytest.param("add", "e4m3fn", ("rne", "rna", "rtz", "rup", "rdn", "rto", "sra3", "srb2", "src3"),
                 marks=pytest.mark.slow),
    pytest.param("sub", "p3109_8p3se", ("rne", "rdn", "sra3", "src3"), marks=pytest.mark.slow),
])
def test_forced_exact_alignment_matches_too(op, fname, modes):
    """The default adder alignment of these formats is bounded (guard bits + jammed sticky; the
    other tests cover it); the exact-width alignment is validated as well."""
    from fpverify.smt.reference.add import alignment_bits

    fmt = get_format(fname)
    assert not alignment_bits(fmt, _env("rne"))[1] and alignment_bits(fmt, _env("rne"), "exact")[1]
    for mode in modes:
        check_binary(op, fname, _env(mode, r_bits=5), alignment="exact")


def test_many_random_bits_wide_frames():
    """N = 40 random bits: frames wider than 64 bits (object-array evaluation, wide exponents)."""
    for op, mode in (("mul", "sra40"), ("add", "src40"), ("sub", "srb40")):
        check_binary(op, "e2m1fn", _env(mode, r_bits=(1 << 39) + 12345))


def test_stochastic_rounding_with_symbolic_random_bits():
    """R is a free term: one reference covers every R (golden: one table per R)."""
    fmt = get_format("e2m3fn")
    for mode in ("sra2", "srb2", "src2"):
        rnd = parse_rounding(mode)
        a, b, r = z3.BitVec("a", 6), z3.BitVec("b", 6), z3.BitVec("r", 2)
        ref = R.mul(fmt, a, b, Env(rnd), rand=r)
        f = compile_terms([ref.code, ref.flags])
        A = np.repeat(np.arange(64, dtype=np.uint64), 64)
        B = np.tile(np.arange(64, dtype=np.uint64), 64)
        for rv in range(4):
            codes, flags = f({"a": A, "b": B, "r": np.full(len(A), rv, dtype=np.uint64)})
            g_codes, g_flags = binary_table("mul", fmt, Env(rnd, random_bits=rv))
            _compare(fmt, codes, flags, g_codes.astype(np.uint64), g_flags.astype(np.uint64),
                     f"mul e2m3fn {mode} R={rv}", {"a": A, "b": B})


POLICIES = [LMulPolicy(v, LMulSpecials.IEEE_LIKE, o) for v in LMulVariant
            for o in (Overflow.SATFINITE, Overflow.IEEE, Overflow.NAN)] + [LMulPolicy(LMulVariant.BIT_ADD, LMulSpecials.WRAP)]


@pytest.mark.parametrize("fname", ["e2m1fn", "e2m3fn", pytest.param("e4m3fn", marks=pytest.mark.slow),
                                   pytest.param("e5m2", marks=pytest.mark.slow)])
def test_lmul_every_policy(fname):
    fmt = get_format(fname)
    for pol in POLICIES:
        if pol.overflow is Overflow.NAN and not fmt.has_nan:
            continue
        check_binary("lmul", fname, _env("rne" if pol.variant is not LMulVariant.REAL else "rtz"), pol)


@pytest.mark.parametrize("fname,policy", [
    ("e4m3fn", LMulPolicy()),
    ("e5m2", LMulPolicy(LMulVariant.NORMALIZE_TRUNCATE, LMulSpecials.IEEE_LIKE, Overflow.IEEE)),
])
def test_lmul_eight_bit(fname, policy):
    check_binary("lmul", fname, _env("rne"), policy)


def test_lmul_variant_a_stochastic():
    check_binary("lmul", "e2m3fn", _env("sra3", r_bits=5), LMulPolicy(LMulVariant.REAL))


@pytest.mark.parametrize("src,dst,mode", [
    ("e5m2", "e2m1fn", "rne"), ("e4m3fn", "e5m2", "rup"), ("e5m2", "e4m3fn", "rtz"),
    ("e4m3", "e8m0fnu", "rne"), ("e3m2fn", "p3109_4p2sf", "srb2"), ("e4m3fn", "ue4m3", "rdn"),
    ("e5m2", "e4m3fnuz", "rna"), ("f16", "e4m3fn", "rne"),
])
def test_convert(src, dst, mode):
    check_convert(src, dst, _env(mode))


def test_fma_fp4_exhaustive():
    fmt = get_format("e2m1fn")
    a, b, c = (z3.BitVec(n, 4) for n in "abc")
    trip = np.array(list(itertools.product(range(16), repeat=3)), dtype=np.uint64)
    for mode in ("rne", "rdn", "rto", "sra2"):
        env = _env(mode, r_bits=2)
        ref = R.fma(fmt, a, b, c, env)
        codes, flags = compile_terms([ref.code, ref.flags])({"a": trip[:, 0], "b": trip[:, 1], "c": trip[:, 2]})
        g = [golden.fma(fmt, *map(int, t), env=env) for t in trip]
        _compare(fmt, codes, flags, np.array([x.code for x in g], dtype=np.uint64),
                 np.array([int(x.flags) for x in g], dtype=np.uint64), f"fma e2m1fn {mode}",
                 {"a": trip[:, 0], "b": trip[:, 1], "c": trip[:, 2]})


def test_storage_wider_than_value_is_undefined_input():
    fmt = get_format("ue4m3")  # 7 value bits in a byte
    a = z3.BitVec("a", 8)
    r = R.convert(fmt, a, get_format("e5m2"))
    assert z3.simplify(z3.substitute(r.defined, (a, z3.BitVecVal(0x80, 8)))).eq(z3.BoolVal(False))
    assert z3.simplify(z3.substitute(r.defined, (a, z3.BitVecVal(0x7E, 8)))).eq(z3.BoolVal(True))


def _eight_bit_floats():
    return [f.name for f in all_formats() if getattr(f, "kind", "") == "float" and f.width <= 8]


@pytest.mark.slow
@pytest.mark.parametrize("fname", _eight_bit_floats())
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
def test_full_matrix(op, fname):
    fmt = get_format(fname)
    for mode in MODES:
        for tin in ("after", "before"):
            check_binary(op, fname, _env(mode, r_bits=2, tininess=tin))
    if fmt.signed:
        for pol in POLICIES:
            if pol.overflow is Overflow.NAN and not fmt.has_nan:
                continue
            if pol.overflow is Overflow.IEEE and not fmt.has_inf and fmt.specials is not Specials.NONE:
                pass
            check_binary("lmul", fname, _env("rne"), pol)


@pytest.mark.slow
def test_full_convert_matrix():
    names = _eight_bit_floats() + ["f16", "bf16"]
    for src, dst in itertools.product(names, names):
        if get_format(src).width > 16:
            continue
        for mode in ("rne", "rtz", "rup", "rdn", "rna", "rto", "srb2"):
            check_convert(src, dst, _env(mode))
