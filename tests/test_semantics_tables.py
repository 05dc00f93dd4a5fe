"""The shared policy tables (`fpverify.semantics`) against oracles that do not use them.

Oracles, and why they are trusted:

* Deterministic modes: MPFR (via gmpy2), a correctly rounded library independent of this project.
  RNE, RTZ, RUP and RDN are MPFR's RoundToNearest, RoundToZero, RoundUp and RoundDown. MPFR has no
  ties-to-away or round-to-odd mode, so those two are defined here from MPFR's directed roundings
  by their textbook definitions (IEEE 754-2019 §4.3.1 roundTiesToAway; Boldo & Melquiond 2008
  round-to-odd): RNA is RoundToNearest except at an exact tie, where it is RoundAwayZero; RTO is
  the one of RoundToZero / RoundAwayZero whose last significand bit is odd (or the value itself
  when exact). Contexts follow tests/test_golden_gmpy2.py: precision P, ``emin = emin_fmt - P + 2``,
  ``subnormalize=True``, so MPFR rounds at the subnormal quantum exactly like a P-bit format.
* Stochastic modes: the P3109 definitions of formats.md §2 (SR-A ⌊ν2^N⌋ + R ≥ 2^N, SR-B
  ⌊ν2^(N+1)⌋ + 2R + 1 ≥ 2^(N+1), SR-C RNITE(ν2^N) + R ≥ 2^N), written below on exact Fractions.

The rule is evaluated on bits computed here from Fractions (no fpverify datapath), at every
representable magnitude of a few 8-bit formats (given by P and emin only) and at points between
neighbours (exact, sticky-only, quarters, the tie, tie ± sticky), both signs, every deterministic
mode. The golden model (`round_to_format`) is checked against the same oracles end to end.
"""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction

import pytest

gmpy2 = pytest.importorskip("gmpy2")

from fpverify.formats import Overflow, get_format  # noqa: E402
from fpverify.golden.real import Ratio  # noqa: E402
from fpverify.rounding import Env, Rounding, round_to_format  # noqa: E402
from fpverify.semantics import overflow, ports, rounding_rules, stages  # noqa: E402
from fpverify.semantics.modes import DETERMINISTIC_MODES, Mode  # noqa: E402

# (name, P, emin) of the value grids; the names are the formats with these parameters
GRIDS = [("e5m2", 3, -14), ("e4m3", 4, -6), ("e3m4", 5, -2), ("e6m1", 2, -30)]
MPFR_MODES = {Mode.RNE: gmpy2.RoundToNearest, Mode.RTZ: gmpy2.RoundToZero,
              Mode.RUP: gmpy2.RoundUp, Mode.RDN: gmpy2.RoundDown}
TINY = Fraction(1, 1 << 40)  # far below any quantum used here: a sticky bit only


def ilog2(a: Fraction) -> int:
    e = a.numerator.bit_length() - a.denominator.bit_length()
    return e - 1 if Fraction(2) ** e > a else e


def quantum(a: Fraction, p: int, emin: int) -> int:
    return max(ilog2(a), emin) - p + 1


def grid_values(p: int, emin: int, binades_above: int) -> list[Fraction]:
    """Every non-negative value of a P-bit format with subnormals, from 0 up the given binades."""
    q0 = emin - p + 1
    vals = [Fraction(s) * Fraction(2) ** q0 for s in range(1 << p)]
    for e in range(emin + 1, emin + binades_above):
        vals += [Fraction(s) * Fraction(2) ** (e - p + 1) for s in range(1 << (p - 1), 1 << p)]
    return vals


def probe_points(p: int, emin: int, binades_above: int) -> list[Fraction]:
    vals = grid_values(p, emin, binades_above)
    pts = []
    for lo, hi in zip(vals, vals[1:]):
        d = hi - lo
        pts += [lo, lo + TINY * d] + [lo + d * k / 8 for k in range(1, 8)]
        pts += [lo + d / 2 - TINY * d, lo + d / 2 + TINY * d, hi - TINY * d]
    return [x for x in pts if x != 0] + [-x for x in pts if x != 0]


def rule_round(x: Fraction, p: int, emin: int, mode: Mode, stochastic=None) -> Fraction:
    """Round with the shared rule, its inputs computed here on exact Fractions."""
    a = abs(x)
    q = quantum(a, p, emin)
    scaled = a / Fraction(2) ** q
    s0 = scaled.numerator // scaled.denominator
    nu = scaled - s0
    two_nu = 2 * nu
    half = nu >= Fraction(1, 2)
    below = two_nu.denominator != 1  # some bit under the half bit is set
    away = rounding_rules.round_away(mode, x < 0, s0 & 1 == 1, half, below,
                                     None if stochastic is None else stochastic(nu))
    r = (s0 + int(away)) * Fraction(2) ** q
    return -r if x < 0 else r


def mpfr_round(x: Fraction, p: int, emin: int, mode: Mode, emax: int = 10_000) -> Fraction:
    """MPFR rounding of ``x`` to a P-bit format with subnormals (RNA/RTO derived, see above)."""
    def at(rnd):
        ctx = gmpy2.context(precision=p, emin=emin - p + 2, emax=emax, subnormalize=True, round=rnd)
        with ctx:
            v = gmpy2.mpfr(0) + gmpy2.mpq(x.numerator, x.denominator)
        if gmpy2.is_infinite(v):
            return v
        return Fraction(*v.as_integer_ratio())

    if mode in MPFR_MODES:
        return at(MPFR_MODES[mode])
    z, a = at(gmpy2.RoundToZero), at(gmpy2.RoundAwayZero)
    if z == x:
        return z
    if mode is Mode.RNA:
        return a if 2 * x == z + a else at(gmpy2.RoundToNearest)
    assert mode is Mode.RTO
    zq = abs(z) / Fraction(2) ** quantum(abs(z), p, emin) if z != 0 else Fraction(0)
    return z if zq.numerator % 2 == 1 else a


@pytest.mark.parametrize("name,p,emin", GRIDS)
@pytest.mark.parametrize("mode", DETERMINISTIC_MODES, ids=lambda m: m.value)
def test_round_away_rule_matches_mpfr(name, p, emin, mode):
    binades = 12 if p > 2 else 40
    points = probe_points(p, emin, binades)
    assert len(points) > 500
    for x in points:
        assert rule_round(x, p, emin, mode) == mpfr_round(x, p, emin, mode), (name, mode, x)


def test_rule_is_one_function_of_its_inputs_for_every_back_end():
    """The same rule over z3 terms (the symbolic reference's operators) gives the Python answer."""
    z3 = pytest.importorskip("z3")
    from fpverify.smt.reference.round import Z3_OPS

    for mode in DETERMINISTIC_MODES:
        for bits in range(16):
            sign, odd, half, below = (bool(bits >> i & 1) for i in range(4))
            want = rounding_rules.round_away(mode, sign, odd, half, below)
            got = rounding_rules.round_away(mode, *(z3.BoolVal(b) for b in (sign, odd, half, below)),
                                            ops=Z3_OPS)
            assert z3.is_true(z3.simplify(got)) == want, (mode, bits)
            if not (half or below):  # exact values never round away
                assert want is False


def test_stochastic_mode_needs_its_comparison():
    with pytest.raises(ValueError):
        rounding_rules.round_away(Mode.SR_A, False, False, True, True)
    assert rounding_rules.round_away(Mode.SR_B, False, False, False, False, stochastic=True) is True


@pytest.mark.parametrize("name", ["e5m2", "e4m3", "e3m4"])
@pytest.mark.parametrize("mode", DETERMINISTIC_MODES, ids=lambda m: m.value)
def test_golden_round_to_format_matches_mpfr(name, mode):
    fmt = get_format(name)
    p, emin = fmt.precision, fmt.emin
    max_value = fmt.value(fmt.max_code)
    env = Env(Rounding(mode), overflow=Overflow.SATFINITE)
    checked = 0
    for x in probe_points(p, emin, 8):
        want = mpfr_round(x, p, emin, mode)
        if abs(want) > max_value:
            continue
        got = round_to_format(Ratio(x), fmt, env)
        assert Fraction(fmt.value(got.code)) == want, (name, mode, x)
        checked += 1
    assert checked > 300


# ---- overflow: IEEE policy against MPFR's overflow (Inf or max by direction) -------------------


@pytest.mark.parametrize("mode", list(MPFR_MODES), ids=lambda m: m.value)
def test_rounds_to_max_matches_mpfr_overflow(mode):
    fmt = get_format("e5m2")  # IEEE-like: has Inf
    p, emin = fmt.precision, fmt.emin
    max_value = Fraction(fmt.value(fmt.max_code))
    emax = ilog2(max_value) + 1  # MPFR exponents: significands in [1/2, 1)
    ulp = Fraction(2) ** quantum(max_value, p, emin)
    seen = set()
    for k in range(1, 16):
        for sign in (1, -1):
            x = sign * (max_value + ulp * k / 4)
            rounded = rule_round(x, p, emin, mode)
            want = mpfr_round(x, p, emin, mode, emax)
            if abs(rounded) <= max_value:
                assert want == rounded
                continue
            to_max = overflow.rounds_to_max(mode, Overflow.IEEE, sign < 0)
            code, saturated = overflow.overflow_code(fmt, Overflow.IEEE, int(sign < 0), to_max)
            assert saturated == to_max
            if to_max:
                assert want == sign * max_value
                assert code == overflow.max_code(fmt, int(sign < 0))
            else:
                assert gmpy2.is_infinite(want) and (want > 0) == (sign > 0)
                assert code == fmt.inf_code(int(sign < 0))
            seen.add(to_max)
    assert seen  # some point overflowed


def test_rounds_to_max_for_the_modes_mpfr_lacks():
    # RNA overflows to Inf like RNE (IEEE 754-2019 §7.4); RTO saturates like RTZ (formats.md §2)
    for sign in (False, True):
        assert overflow.rounds_to_max(Mode.RNA, Overflow.IEEE, sign) is False
        assert overflow.rounds_to_max(Mode.RTO, Overflow.IEEE, sign) is True
        for policy in overflow.SATURATING:
            assert overflow.rounds_to_max(Mode.RNE, policy, sign) is True


# ---- stochastic modes: the P3109 definitions written out ---------------------------------------


def rnite(v: Fraction) -> int:
    f = v.numerator // v.denominator
    r = v - f
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and f % 2 == 1):
        return f + 1
    return f


def sr_definition(mode: Mode, n: int, r: int):
    def away(nu: Fraction) -> bool:
        if mode is Mode.SR_A:
            v = nu * 2 ** n
            return v.numerator // v.denominator + r >= 2 ** n
        if mode is Mode.SR_B:
            v = nu * 2 ** (n + 1)
            return v.numerator // v.denominator + 2 * r + 1 >= 2 ** (n + 1)
        return rnite(nu * 2 ** n) + r >= 2 ** n
    return away


@pytest.mark.parametrize("name", ["e4m3", "e5m2"])
@pytest.mark.parametrize("mode", [Mode.SR_A, Mode.SR_B, Mode.SR_C], ids=lambda m: m.value)
def test_golden_stochastic_matches_p3109_definitions(name, mode):
    fmt = get_format(name)
    p, emin = fmt.precision, fmt.emin
    max_value = Fraction(fmt.value(fmt.max_code))
    points = probe_points(p, emin, 4) + probe_points(p, ilog2(max_value) - 1, 3)
    for n in (1, 2, 3):
        for r in range(1 << n):
            env = Env(Rounding(mode, n), overflow=Overflow.SATFINITE, random_bits=r)
            for x in points[::3]:
                want = rule_round(x, p, emin, mode, sr_definition(mode, n, r))
                want = max(-max_value, min(max_value, want))  # SatFinite, applied after rounding
                got = round_to_format(Ratio(x), fmt, env)
                assert Fraction(fmt.value(got.code)) == want, (name, mode, n, r, x)


# ---- the other tables -------------------------------------------------------------------------


def test_rm_encoding_is_risc_v_frm_order_plus_rto():
    assert {m.value: c for m, c in ports.RM_CODES.items()} == {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3,
                                                              "rna": 4, "rto": 5}
    assert all(ports.RM_MODES[c] is m for m, c in ports.RM_CODES.items())
    assert dict(ports.RM_ENCODING) == {c: m.value for m, c in ports.RM_CODES.items()}
    assert max(ports.RM_CODES.values()) < 1 << ports.RM_WIDTH
    from fpverify.dsl.types import ROUNDING_PORT_CODES
    from fpverify.hdl.simcheck import RM_MODES
    from fpverify.prove.api import DEFAULT_RM_ENCODING
    from fpverify.rounding import Flags
    assert ROUNDING_PORT_CODES == {m.value: c for m, c in ports.RM_CODES.items()}
    assert RM_MODES is ports.RM_MODES and DEFAULT_RM_ENCODING is ports.RM_ENCODING
    assert Flags is ports.Flags and int(Flags.INVALID) == 0x10 and ports.IEEE_FLAG_MASK == 0x1F


def test_decision_bits():
    assert rounding_rules.decision_bits(Mode.RNE) == 1
    assert rounding_rules.decision_bits(Mode.SR_A, 5) == 5
    assert rounding_rules.decision_bits(Mode.SR_B, 5) == 6
    assert rounding_rules.decision_bits(Mode.SR_C, 5) == 6


def test_stage_names():
    assert stages.unpack_sig("a") == "unpack_a_sig" and stages.unpack_exp("b") == "unpack_b_exp"
    assert stages.ROUND_STICKY == "round_sticky" and stages.round_stage("away", "r2") == "r2_away"


def test_semantics_package_imports_no_back_end():
    code = ("import sys, pkgutil, importlib, fpverify.semantics as s\n"
            "for m in pkgutil.iter_modules(s.__path__): importlib.import_module('fpverify.semantics.' + m.name)\n"
            "bad = [n for n in ('z3', 'amaranth', 'numpy') if n in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True)
