"""Golden lookup tables: contents (oracle: the golden model itself, entry by entry), keys, cache."""

from __future__ import annotations

import random

import numpy as np
import pytest

from fpverify import golden
from fpverify.fast import tables
from fpverify.fast.tables import INVALID_INPUT, binary_table, table_key, unary_table
from fpverify.formats import Overflow, get_format
from fpverify.golden.lmul import LMulPolicy, LMulSpecials
from fpverify.rounding import Env, Mode, Rounding, RTZ, RUP


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FPVERIFY_CACHE", str(tmp_path))
    tables.clear_memo()
    yield
    tables.clear_memo()


def _check_binary(op, fmt, env=Env(), policy=None, samples=600):
    fmt = get_format(fmt)
    codes, flags = binary_table(op, fmt, env, policy=policy)
    assert codes.shape == flags.shape == (1 << (2 * fmt.width),)
    rng = random.Random(op + fmt.name)
    n = 1 << fmt.width
    pairs = [(rng.randrange(n), rng.randrange(n)) for _ in range(samples)] + [(0, 0), (n - 1, n - 1)]
    for a, b in pairs:
        if op == "lmul":
            r = golden.lmul(fmt, a, b, policy=policy or LMulPolicy(), env=env)
        else:
            r = getattr(golden, op)(fmt, a, b, env=env)
        assert (codes[a << fmt.width | b], flags[a << fmt.width | b]) == (r.code, int(r.flags)), (op, a, b)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary_tables_match_golden_e4m3fn(op):
    _check_binary(op, "e4m3fn")


def test_binary_table_other_modes_and_formats():
    _check_binary("mul", "e2m1fn", Env(RTZ))
    _check_binary("add", "e5m2", Env(RUP, overflow=Overflow.SATFINITE))
    _check_binary("div", "p3109_8p3se", Env(Rounding(Mode.SR_A, 4), random_bits=5))
    _check_binary("lmul", "e4m3fn", policy=LMulPolicy(specials=LMulSpecials.WRAP))


def test_unary_convert_and_sqrt():
    codes, flags = unary_table("convert", "bf16", Env(RTZ), out="e5m2")
    src, dst = get_format("bf16"), get_format("e5m2")
    for a in random.Random(1).sample(range(1 << 16), 400):
        r = golden.convert(src, a, dst, Env(RTZ))
        assert (codes[a], flags[a]) == (r.code, int(r.flags))
    codes, flags = unary_table("sqrt", "e4m3fn")
    for a in range(256):
        r = golden.sqrt(get_format("e4m3fn"), a)
        assert (codes[a], flags[a]) == (r.code, int(r.flags))


def test_invalid_operand_codes_are_marked():
    codes, flags = unary_table("convert", "ue4m3", out="f32")
    assert (flags[128:] == INVALID_INPUT).all() and (flags[:128] != INVALID_INPUT).all()


def test_key_depends_on_semantics_not_names():
    f = get_format("e4m3fn")
    assert table_key("mul", f, Env(), None) == table_key("mul", f, Env(overflow=Overflow.NAN), None)
    assert table_key("mul", f, Env(), None) != table_key("mul", f, Env(RTZ), None)
    assert table_key("mul", f, Env(), None) != table_key("add", f, Env(), None)
    assert table_key("mul", f, Env(), None) != table_key("mul", get_format("e4m3fnuz"), Env(), None)
    sr = Rounding(Mode.SR_A, 4)
    assert table_key("mul", f, Env(sr, random_bits=1), None) != table_key("mul", f, Env(sr, random_bits=2), None)


def test_disk_cache_round_trip_and_read_only(tmp_path):
    c1, f1 = binary_table("mul", "e2m3fn")
    files = list(tmp_path.glob("mul-e2m3fn-*.npz"))
    assert len(files) == 1 and not list(tmp_path.glob("*.tmp"))
    tables.clear_memo()
    c2, f2 = binary_table("mul", "e2m3fn")
    assert c2 is not c1 and np.array_equal(c1, c2) and np.array_equal(f1, f2)
    with pytest.raises(ValueError):
        c2[0] = 1
    files[0].write_bytes(b"garbage")  # a corrupt cache file is rebuilt, not trusted
    tables.clear_memo()
    c3, _ = binary_table("mul", "e2m3fn")
    assert np.array_equal(c1, c3)


def test_bad_requests():
    with pytest.raises(ValueError):
        binary_table("mul", "f16")
    with pytest.raises(ValueError):
        binary_table("sqrt", "e4m3fn")  # a unary op
    with pytest.raises(ValueError):
        unary_table("convert", "e4m3fn")
