"""MXDot (rtl/mx_dot.py) against golden `mx_dot_exact` (exact sum of k element products times the
two E8M0 scales, rounded once; NaN scale / NaN or Inf element -> NaN). Oracle: golden calls on
sampled blocks (scales weighted to 0, 1, 127, 254 and the NaN code 0xFF; elements uniform, so
every class occurs). The seeded MX bugs (benchmarks/seeded_bugs/mx_dot.py) must be caught."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.golden.blocks import MXBlock, mx_dot_exact
from fpverify.hdl.evaluate import evaluate
from fpverify.hdl.netlist import flatten
from fpverify.rounding import Env, Rounding, parse_rounding

from rtl.common import RM_CODES
from rtl.mx_dot import MXDot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.seeded_bugs.mx_dot import NanScaleIgnoredMXDot, ScaleBiasOffByOneMXDot  # noqa: E402

MODES = {v: k for k, v in RM_CODES.items()}


def blocks(ea: str, eb: str, k: int, n: int, seed: int):
    fa, fb = get_format(ea), get_format(eb)
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << fa.width, (n, k))
    b = rng.integers(0, 1 << fb.width, (n, k))
    special = np.array([0, 1, 60, 100, 127, 130, 200, 254, 255])
    sa = np.where(rng.random(n) < 0.6, rng.choice(special, n), rng.integers(0, 256, n))
    sb = np.where(rng.random(n) < 0.6, rng.choice(special, n), rng.integers(0, 256, n))
    return a, b, sa, sb


def packed(codes: np.ndarray, width: int):
    return sum(codes[:, i].astype(object) << (i * width) for i in range(codes.shape[1]))


def mismatches(unit: MXDot, a, b, sa, sb, rm=None, env: Env = Env()) -> list[int]:
    ins = {"a": packed(a, unit.elem_a.width), "b": packed(b, unit.elem_b.width), "scale_a": sa, "scale_b": sb}
    if rm is not None:
        ins["rm"] = rm
    r = evaluate(flatten(unit), ins)
    out = unit.out_fmt
    bad = []
    for i in range(len(sa)):
        e = env if rm is None else Env(Rounding(MODES[int(rm[i])]))
        g = mx_dot_exact([MXBlock(int(sa[i]), tuple(map(int, a[i])))], [MXBlock(int(sb[i]), tuple(map(int, b[i])))],
                         unit.elem_a.name, unit.elem_b.name, out, e)
        code, flags = int(r["result"][i]), int(r["flags"][i])
        if not ((code == g.code or (out.is_nan(code) and out.is_nan(g.code))) and flags == int(g.flags) & 0x1F):
            bad.append(i)
    return bad


@pytest.mark.parametrize("elem,k,out,mode", [("e4m3fn", 4, "f32", "rne"), ("e5m2", 4, "f32", "rtz"),
                                             ("e2m3fn", 8, "f32", "rup"), ("e3m2fn", 8, "bf16", "rdn"),
                                             ("e2m1fn", 32, "f32", "rne"), ("mxint8", 4, "f32", "rne"),
                                             ("mxint8", 2, "bf16", "rna"), ("e4m3fn", 1, "bf16", "rto")])
def test_against_golden(elem, k, out, mode):
    a, b, sa, sb = blocks(elem, elem, k, 1200 if k <= 8 else 300, seed=k)
    bad = mismatches(MXDot(elem, k, out, rounding=mode), a, b, sa, sb, env=Env(parse_rounding(mode)))
    assert not bad, f"{len(bad)} mismatches, first {a[bad[0]]} {b[bad[0]]} {sa[bad[0]]} {sb[bad[0]]}"


@pytest.mark.parametrize("ea,eb", [("e4m3fn", "e5m2"), ("e2m1fn", "mxint8"), ("e2m3fn", "e3m2fn")])
def test_mixed_elements_and_rm_port(ea, eb):
    a, b, sa, sb = blocks(ea, eb, 4, 1200, seed=3)
    rm = np.random.default_rng(5).integers(0, 6, len(sa))
    assert not mismatches(MXDot(ea, 4, "f32", rounding="port", elem_b=eb), a, b, sa, sb, rm=rm)


def test_ocp_specials():
    """NaN scale -> NaN; E5M2 Inf element -> NaN (golden: exact-sum semantics); zero block -> +0."""
    u = MXDot("e5m2", 2)
    one = 0x3C  # E5M2 1.0
    a = np.array([[one, one], [0x7C, one], [one, one], [0, 0x80]])
    b = np.array([[one, one], [one, one], [one, one], [one, one]])
    sa = np.array([127, 127, 255, 127])
    sb = np.array([127, 127, 127, 127])
    r = evaluate(flatten(u), {"a": packed(a, 8), "b": packed(b, 8), "scale_a": sa, "scale_b": sb})
    f32 = get_format("f32")
    assert int(r["result"][0]) == 0x40000000  # 1*1 + 1*1 = 2
    assert f32.is_nan(int(r["result"][1])) and f32.is_nan(int(r["result"][2]))
    assert int(r["result"][3]) == 0 and int(r["flags"][3]) == 0  # 0 - 0 = +0


@pytest.mark.parametrize("bug,stage", [(ScaleBiasOffByOneMXDot, "dot_scale_exp"), (NanScaleIgnoredMXDot, "dot_nan")])
def test_seeded_bugs_are_caught_and_localised(bug, stage):
    """Each seeded bug disagrees with golden on the sample; on its first failing vector the named stage
    it changes is the first of (scale exponent, NaN select) whose value differs from the clean unit's."""
    a, b, sa, sb = blocks("e4m3fn", "e4m3fn", 4, 400, seed=11)
    bad = mismatches(bug("e4m3fn", 4), a, b, sa, sb)
    assert bad, "the seeded bug was not caught"
    i = bad[0]
    ins = {"a": packed(a[i:i + 1], 8), "b": packed(b[i:i + 1], 8), "scale_a": sa[i:i + 1], "scale_b": sb[i:i + 1]}
    probes = ["dot_sum", "dot_scale_exp", "dot_nan"]
    good = evaluate(flatten(MXDot("e4m3fn", 4)), ins, probes)
    got = evaluate(flatten(bug("e4m3fn", 4)), ins, probes)
    first = next(p for p in probes if int(good[p][0]) != int(got[p][0]))
    assert first == stage


@pytest.mark.parametrize("kw,msg", [(dict(elem="e4m3fn", k=3), "power of two"), (dict(elem="e4m3fn", k=128), "power of two"),
                                    (dict(elem="f16", k=4), "not an MX element"),
                                    (dict(elem="e4m3fn", k=4, out_fmt="e5m2"), "f32 or bf16"),
                                    (dict(elem="e4m3fn", k=4, semantics="bogus"), "unknown semantics")])
def test_bad_parameters(kw, msg):
    with pytest.raises(InputError, match=msg):
        MXDot(**kw)


def test_bad_k_exits_2_from_the_cli(tmp_path):
    import subprocess

    r = subprocess.run([sys.executable, "-m", "fpverify.cli", "verilog", "rtl.mx_dot.MXDot(elem = e4m3fn, k = 3)"],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert r.returncode == 2, r.stderr
    assert "power of two" in r.stderr and "Traceback" not in r.stderr
