"""The symbolic reference against the golden model for formats too wide to enumerate (bf16, f16,
f32): hypothesis-sampled operand batches, every deterministic rounding mode and one stochastic one.

Oracle: `fpverify.golden` (exact rationals; 0 mismatches on the TestFloat suites). The reference is
built once per (op, format, mode) and evaluated on each batch with `smt.vectorized`. The
strategies weight specials, subnormals and boundary codes (`fpverify.strategies.codes`) and add
near-cancelling pairs (same or adjacent binade, opposite effective signs) for add/sub, where the
adder's near path lives.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from fpverify import golden
from fpverify.formats import get_format
from fpverify.rounding import Env, parse_rounding
from fpverify.smt import reference as R
from fpverify.smt.vectorized import compile_terms
from fpverify.strategies import codes

MODES = ["rne", "rna", "rtz", "rup", "rdn", "rto", "srb3"]


@functools.lru_cache(maxsize=None)
def _compiled(op: str, fname: str, mode: str):
    fmt = get_format(fname)
    a, b = z3.BitVec("a", fmt.width), z3.BitVec("b", fmt.width)
    rnd = parse_rounding(mode)
    rand = z3.BitVec("r", rnd.nbits) if rnd.mode.stochastic else None
    ref = getattr(R, op)(fmt, a, b, Env(rnd), rand=rand)
    return compile_terms([ref.code, ref.flags])


def _near(fname: str):
    fmt = get_format(fname)

    @st.composite
    def pair(draw):
        a = draw(codes(fmt, allow_nan=False, allow_inf=False))
        delta = draw(st.integers(-(1 << (fmt.man_bits + 1)), 1 << (fmt.man_bits + 1)))
        b = (a & ~fmt.sign_bit) + delta
        b = min(max(b, 0), fmt.mag_mask) | (fmt.sign_bit if draw(st.booleans()) else 0)
        return a, b

    return pair()


def _pairs(fname: str):
    fmt = get_format(fname)
    any_pair = st.tuples(codes(fmt), codes(fmt))
    return st.lists(st.one_of(any_pair, _near(fname)), min_size=20, max_size=60)


def _check(op: str, fname: str, mode: str, pairs, rbits) -> None:
    fmt = get_format(fname)
    rnd = parse_rounding(mode)
    A = np.array([p[0] for p in pairs], dtype=np.uint64)
    B = np.array([p[1] for p in pairs], dtype=np.uint64)
    inputs = {"a": A, "b": B}
    if rnd.mode.stochastic:
        inputs["r"] = np.array([r % (1 << rnd.nbits) for r in rbits[:len(pairs)]], dtype=np.uint64)
    got_codes, got_flags = _compiled(op, fname, mode)(inputs)
    for i, (a, b) in enumerate(pairs):
        env = Env(rnd, random_bits=int(inputs["r"][i]) if "r" in inputs else 0)
        want = getattr(golden, op)(fmt, a, b, env=env)
        want_code, want_flags = want.code, want.flags
        code, flags = int(got_codes[i]), int(got_flags[i])
        ok = (code == want_code or (fmt.is_nan(code) and fmt.is_nan(want_code))) and flags == int(want_flags)
        assert ok, (f"{op} {fname} {mode} a={a:#x} b={b:#x}: reference {code:#x} flags {flags:#x}, "
                    f"golden {want_code:#x} flags {int(want_flags):#x}")


@pytest.mark.parametrize("fname", ["bf16", "f16", "f32"])
@pytest.mark.parametrize("op", ["add", "sub", "mul"])
@pytest.mark.parametrize("mode", MODES)
def test_wide_reference_matches_golden(op, fname, mode):
    @settings(max_examples=5, deadline=None)
    @given(pairs=_pairs(fname), rbits=st.lists(st.integers(0, 7), min_size=60, max_size=60))
    def run(pairs, rbits):
        _check(op, fname, mode, pairs, rbits)

    run()
