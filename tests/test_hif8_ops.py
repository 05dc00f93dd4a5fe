"""Golden operations on HiF8 and the fast engine, against the independent oracle in `hif8_oracle`:
exhaustive 256x256 add and mul in every deterministic mode, sampled sub/div/sqrt/fma and
stochastic modes, fast quantize vs golden, vectors gen/check."""

from __future__ import annotations

import random
from functools import lru_cache
from fractions import Fraction
from math import isqrt

import numpy as np
import pytest
from cli_util import run_cli
from hif8_oracle import NAN, NEG_INF, POS_INF, choose, decode, expected

from fpverify import fast, golden
from fpverify.formats import get_format
from fpverify.rounding import Env, Flags, Rounding, parse_rounding
from fpverify.semantics.modes import Mode

HIF8 = get_format("hif8")
DET_MODES = ["rne", "rna", "rtz", "rup", "rdn", "rto"]
INF = {POS_INF: 1, NEG_INF: -1}
DECODED = [decode(c) for c in range(256)]


def _names(flags: int) -> set:
    return {f.name.lower() for f in Flags if f and f in Flags(flags)}


def _tiny_after(x: Fraction, mode: str, nbits=0, r=0) -> bool:
    emin = Fraction(2) ** -15
    a = abs(x)
    if a >= emin:
        return False
    if a <= Fraction(3, 4) * emin:
        return True
    mag, _, _ = choose(x, mode, nbits, r, [(Fraction(3, 4) * emin, 1), (emin, 0)])
    return mag < emin


@lru_cache(maxsize=None)
def _round(x: Fraction, mode: str, nbits=0, r=0) -> tuple[int, frozenset]:
    """Oracle code and flags of an exact nonzero result."""
    code, names = expected(x, mode, "ieee", nbits, r)
    if "inexact" in names and _tiny_after(x, mode, nbits, r):
        names = names | {"underflow"}
    return code, frozenset(names)


def oracle_binary(op: str, a: int, b: int, mode: str, nbits=0, r=0) -> tuple[int, set]:
    """IEEE 754 special rules, then the exact result rounded by the oracle (HiF8: one zero, one NaN)."""
    x, y = DECODED[a], DECODED[b]
    if NAN in (x, y):
        return 0x80, set()
    if op == "mul":
        if x in INF or y in INF:
            other = y if x in INF else x
            if other == 0:
                return 0x80, {"invalid"}
            s = (INF[x] if x in INF else (1 if x > 0 else -1)) * (INF[y] if y in INF else (1 if y > 0 else -1))
            return (0x6F if s > 0 else 0xEF), set()
        exact = x * y
    else:
        if x in INF and y in INF:
            return ((0x6F if INF[x] > 0 else 0xEF), set()) if x == y else (0x80, {"invalid"})
        if x in INF or y in INF:
            s = INF[x] if x in INF else INF[y]
            return (0x6F if s > 0 else 0xEF), set()
        exact = x + y
    if exact == 0:
        return 0x00, set()
    return _round(exact, mode, nbits, r)


@pytest.mark.parametrize("op", ["add", "mul"])
@pytest.mark.parametrize("mode", ["rne", "rna", "rto"] + [pytest.param(m, marks=pytest.mark.slow)
                                                         for m in ("rtz", "rup", "rdn")])
def test_exhaustive_binary(op, mode, tmp_path, monkeypatch):
    """All 65536 operand pairs: the golden-built fast table against the oracle."""
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))
    codes, flags = fast.binary_table(op, HIF8, Env(parse_rounding(mode)))
    bad = []
    for a in range(256):
        for b in range(256):
            want = oracle_binary(op, a, b, mode)
            got = (int(codes[a << 8 | b]), _names(int(flags[a << 8 | b])))
            if got != want:
                bad.append((hex(a), hex(b), got, want))
    assert not bad, bad[:5]


@pytest.mark.parametrize("mode", ["sra", "srb", "src"])
def test_stochastic_binary_sampled(mode):
    rng = random.Random(5)
    nbits = 3
    for _ in range(3000):
        a, b, r = rng.randrange(256), rng.randrange(256), rng.randrange(8)
        op = rng.choice(["add", "mul"])
        env = Env(Rounding(Mode(mode), nbits), random_bits=r)
        got = getattr(golden, op)(HIF8, a, b, env)
        assert (got.code, _names(got.flags)) == oracle_binary(op, a, b, mode, nbits, r), (a, b, r)


def _finite_codes():
    return [c for c in range(256) if isinstance(decode(c), Fraction)]


def test_sub_div_fma_sampled():
    rng = random.Random(11)
    fin = _finite_codes()
    nonzero = [c for c in fin if decode(c) != 0]
    for _ in range(4000):
        mode = rng.choice(DET_MODES)
        env = Env(parse_rounding(mode))
        a, b, c = rng.choice(fin), rng.choice(nonzero), rng.choice(fin)
        x, y, z = decode(a), decode(b), decode(c)
        got = golden.sub(HIF8, a, c, env)
        want = (0x00, set()) if x == z else _round(x - z, mode)
        assert (got.code, _names(got.flags)) == want, ("sub", a, c, mode)
        got = golden.div(HIF8, a, b, env)
        want = (0x00, set()) if x == 0 else _round(x / y, mode)
        assert (got.code, _names(got.flags)) == want, ("div", a, b, mode)
        got = golden.fma(HIF8, a, b, c, env)
        want = (0x00, set()) if x * y + z == 0 else _round(x * y + z, mode)
        assert (got.code, _names(got.flags)) == want, ("fma", a, b, c, mode)


def _sqrt_proxy(q: Fraction) -> Fraction:
    """√q exactly if it is dyadic-rational, else a rational strictly inside the same gap between
    any two dyadic numbers of denominator <= 2^200 (so every rounding decision is the same)."""
    k = 400
    n = q.numerator * 2 ** (2 * k) // q.denominator
    s = isqrt(n)
    if s * s == n and Fraction(s, 2 ** k) ** 2 == q:
        return Fraction(s, 2 ** k)
    return Fraction(2 * s + 1, 2 ** (k + 1))


@pytest.mark.parametrize("mode", DET_MODES)
def test_sqrt_every_code(mode):
    env = Env(parse_rounding(mode))
    for a in range(256):
        x = decode(a)
        got = golden.sqrt(HIF8, a, env)
        if x == NAN or (isinstance(x, Fraction) and x < 0) or x == NEG_INF:
            assert got.code == 0x80
            continue
        if x == POS_INF:
            assert got.code == 0x6F
            continue
        want = (0x00, set()) if x == 0 else _round(_sqrt_proxy(x), mode)
        assert (got.code, _names(got.flags)) == want, (hex(a), mode)


def _f32_points() -> np.ndarray:
    rng = np.random.default_rng(3)
    rand = (rng.standard_normal(3000) * 2.0 ** rng.integers(-26, 18, 3000)).astype(np.float32)
    grid = np.array([float(v) for c in range(128) if isinstance(v := decode(c), Fraction)])
    mids = (grid[:-1] + grid[1:]) / 2
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 2.0 ** -23, 2.0 ** -30, 1.25 * 2 ** 15,
                        1.5 * 2 ** 15, 2.0 ** 16, 3.4e38, 1e-45])
    pts = np.concatenate([rand, grid, mids, np.nextafter(mids, 0), np.nextafter(mids, np.inf), special])
    return np.concatenate([pts, -pts]).astype(np.float32)


@pytest.mark.parametrize("rounding", DET_MODES + ["sra4", "srb4", "src4"])
@pytest.mark.parametrize("overflow", [None, "satfinite"])
def test_fast_quantize_matches_golden(rounding, overflow):
    x = _f32_points()
    rnd = parse_rounding(rounding)
    rbits = np.random.default_rng(9).integers(0, 1 << rnd.nbits, x.shape) if rnd.mode.stochastic else None
    env = Env(rnd, overflow=get_format("hif8_sat").default_overflow if overflow else None)
    codes, flags = fast.quantize(x, HIF8, env, random_bits=rbits, with_flags=True)
    f32 = get_format("f32")
    for i, bits in enumerate(x.view(np.uint32).tolist()):
        e = env if rbits is None else Env(env.rounding, env.overflow, env.tininess, int(rbits[i]))
        want = golden.convert(f32, bits, HIF8, e)
        assert (int(codes[i]), int(flags[i])) == (want.code, int(want.flags)), (x[i], rounding)
    c64 = fast.quantize(x.astype(np.float64), HIF8, env, random_bits=rbits)
    assert np.array_equal(c64, codes)


def test_fast_dequantize_every_code():
    vals = fast.dequantize(np.arange(256), HIF8, np.float64)
    for c in range(256):
        v = decode(c)
        if v == NAN:
            assert np.isnan(vals[c])
        elif v in INF:
            assert vals[c] == INF[v] * np.inf
        else:
            assert vals[c] == float(v)


def test_vectors_gen_check_roundtrip(tmp_path, capsys):
    out = tmp_path / "v.txt"
    code, text, err = run_cli(["vectors", "gen", "hif8_mul", "-r", "rna", "--level", "2", "-o", str(out)], capsys)
    assert code == 0, err
    lines = out.read_text().splitlines()
    assert len(lines) == 65536
    code, text, err = run_cli(["vectors", "check", "hif8_mul", "-r", "rna", str(out)], capsys)
    assert code == 0, text + err
    a, b, res, fl = lines[0x6E08].split()
    assert (a.lower(), b.lower(), res.lower()) == ("6e", "08", "6e")
    lines[0x6E08] = f"{a} {b} 6F {fl}"
    out.write_text("\n".join(lines) + "\n")
    code, text, err = run_cli(["vectors", "check", "hif8_mul", "-r", "rna", str(out)], capsys)
    assert code == 1, text + err


@pytest.mark.parametrize("args", [["eval", "hif8_e4_mul", "0x1", "0x2"], ["eval", "hif8_mul", "0x100", "0x1"],
                                  ["vectors", "gen", "hifloat8_x_add", "-n", "1"]])
def test_bad_input_exit_2(args, capsys):
    code, _, err = run_cli(args, capsys)
    assert code == 2, err
    assert "Traceback" not in err
