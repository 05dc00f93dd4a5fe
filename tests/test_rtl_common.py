"""RTL generators: shared harness (imported by the other tests/test_rtl_*.py) and checks of the
parts every unit shares (parameter validation, named stage signals, widths, pipelining, rm port).

Oracles: the golden model (`fpverify.golden`, through `fpverify.fast.tables` for ≤ 8-bit formats)
for results and flags; NaN results compared as a class. Netlists are evaluated with the numpy
evaluator; one test per unit replays a sample in Amaranth's own simulator so an evaluator bug
cannot hide an RTL bug.
"""

from __future__ import annotations

import numpy as np
import pytest

from fpverify import golden
from fpverify.formats import FloatFormat, FormatError, Overflow, Specials, get_format
from fpverify.hdl.evaluate import evaluate, run_cycles
from fpverify.hdl.netlist import flatten
from fpverify.rounding import DETERMINISTIC, Env, Rounding, Tininess, parse_rounding

from rtl.common import RM_CODES, Pipeline
from rtl.fp_add import FPAdder
from rtl.fp_mul import FPMultiplier
from rtl.lmul import LMulUnit

FP8 = ["e4m3fn", "e5m2", "e4m3", "e4m3fnuz", "e5m2fnuz", "e4m3b11fnuz", "e3m4",
       "p3109_8p3se", "p3109_8p4se", "p3109_8p3sf", "p3109_8p4sf"]
SMALL = FP8 + ["e2m3fn", "e3m2fn", "e2m1fn", "p3109_4p2sf"]
DEFAULT_FORMATS = ["e4m3fn", "e5m2", "e2m1fn", "e3m2fn", "p3109_8p3se"]
MODE_NAMES = ["rne", "rtz", "rup", "rdn", "rna", "rto"]


# ---- harness ------------------------------------------------------------------------------


def nan_mask(fmt: FloatFormat, codes: np.ndarray) -> np.ndarray:
    """Vectorised ``fmt.is_nan``."""
    c = np.asarray(codes, dtype=np.uint64)
    mag = c & np.uint64(fmt.mag_mask)
    sp = fmt.specials
    if sp is Specials.IEEE:
        return ((mag >> np.uint64(fmt.man_bits)) == fmt.exp_mask) & ((mag & np.uint64((1 << fmt.man_bits) - 1)) != 0)
    if sp is Specials.FN:
        return mag == fmt.mag_mask
    if sp in (Specials.FNUZ, Specials.P3109_E, Specials.P3109_F):
        return c == fmt.sign_bit
    return np.zeros(c.shape, dtype=bool)


def mismatches(out: FloatFormat, got_code, got_flags, want_code, want_flags, labels: dict) -> list[str]:
    """Readable descriptions of the vectors where result (NaN as a class) or flags differ."""
    gc = np.asarray(got_code, dtype=np.uint64)
    wc = np.asarray(want_code, dtype=np.uint64)
    gf = np.asarray(got_flags, dtype=np.uint64)
    wf = np.asarray(want_flags, dtype=np.uint64) & np.uint64(0x1F)
    ok_code = (gc == wc) | (nan_mask(out, gc) & nan_mask(out, wc))
    bad = np.nonzero(~(ok_code & (gf == wf)))[0]
    lines = []
    for i in bad[:8]:
        ins = " ".join(f"{k}={int(np.asarray(v)[i]):#x}" for k, v in labels.items())
        lines.append(f"{ins}: rtl {int(gc[i]):#x} flags {int(gf[i]):#04x}, golden {int(wc[i]):#x} "
                     f"flags {int(wf[i]):#04x}")
    if len(bad):
        lines.insert(0, f"{len(bad)} of {len(gc)} vectors differ")
    return lines


def all_pairs(fmt: FloatFormat) -> tuple[np.ndarray, np.ndarray]:
    n = 1 << fmt.width
    idx = np.arange(n * n, dtype=np.int64)
    return idx >> fmt.width, idx & (n - 1)


def golden_table(op: str, fmt: FloatFormat, env: Env, out=None, policy=None):
    from fpverify.fast.tables import binary_table

    return binary_table(op, fmt, env, out, policy)


def check_exhaustive(unit, op: str, env: Env, extra: dict | None = None, policy=None) -> None:
    """Every pair of codes of ``unit.fmt`` against the golden table of ``op`` under ``env``."""
    fmt, out = unit.fmt, unit.out_fmt
    a, b = all_pairs(fmt)
    inputs = {"a": a, "b": b, **(extra or {})}
    r = evaluate(flatten(unit), inputs)
    codes, flags = golden_table(op, fmt, env, None if out == fmt else out, policy)
    bad = mismatches(out, r["result"], r["flags"], codes, flags, {"a": a, "b": b})
    assert not bad, f"{type(unit).__name__} {op} {fmt.name}->{out.name} {env.rounding}:\n" + "\n".join(bad)


def check_against_golden(unit, golden_fn, inputs: dict, out: FloatFormat | None = None) -> None:
    """Sampled check: ``golden_fn(**scalar inputs) -> Rounded`` per vector."""
    out = out or unit.out_fmt
    r = evaluate(flatten(unit), inputs)
    n = len(next(iter(inputs.values())))
    want_c = np.zeros(n, dtype=np.uint64)
    want_f = np.zeros(n, dtype=np.uint64)
    cols = {k: np.asarray(v) for k, v in inputs.items()}
    for i in range(n):
        g = golden_fn(**{k: int(v[i]) for k, v in cols.items()})
        want_c[i], want_f[i] = g.code, int(g.flags)
    bad = mismatches(out, r["result"], r["flags"], want_c, want_f, cols)
    assert not bad, f"{type(unit).__name__} {unit.fmt.name} {unit.rounding}:\n" + "\n".join(bad)


def edge_codes(fmt: FloatFormat, rng: np.random.Generator, n: int) -> np.ndarray:
    """Codes weighted toward zeros, subnormals, max, Inf/NaN and exponent boundaries."""
    m = fmt.man_bits
    tmask = (1 << m) - 1
    specials = [0, fmt.sign_bit, fmt.max_code, fmt.max_code | fmt.sign_bit, 1 << m, 1, tmask,
                fmt.bias << m, (fmt.bias << m) | fmt.sign_bit]
    if fmt.has_nan:
        specials += [fmt.nan_code(0), fmt.nan_code(1)]
    if fmt.has_inf:
        specials += [fmt.inf_code(0), fmt.inf_code(1)]
    if fmt.specials is Specials.IEEE and m >= 2:
        specials += [(fmt.exp_mask << m) | 1]  # signaling NaN
    fields = np.array(sorted({0, 1, 2, fmt.bias - 1, fmt.bias, fmt.bias + 1, fmt.exp_mask - 1, fmt.exp_mask}
                             & set(range(fmt.exp_mask + 1))), dtype=np.uint64)
    kind = rng.integers(0, 100, n)
    width = fmt.width
    rand = rng.integers(0, 1 << width, n, dtype=np.uint64)
    spec = np.array(specials, dtype=np.uint64)[rng.integers(0, len(specials), n)]
    trails = np.stack([np.zeros(n, np.uint64), np.full(n, tmask, np.uint64),
                       np.uint64(1) << rng.integers(0, max(m, 1), n).astype(np.uint64) & np.uint64(tmask),
                       np.full(n, max(tmask - 1, 0), np.uint64), rng.integers(0, tmask + 1, n, dtype=np.uint64)])
    trail = trails[rng.integers(0, 5, n), np.arange(n)]
    field = fields[rng.integers(0, len(fields), n)]
    sign = rng.integers(0, 2, n).astype(np.uint64) << np.uint64(width - 1)
    boundary = sign | (field << np.uint64(m)) | trail
    return np.where(kind < 15, spec, np.where(kind < 45, boundary, rand)).astype(np.uint64)


def adder_pairs(fmt: FloatFormat, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Operand pairs for an adder: edge codes, plus exponent differences around the guard bits,
    near-cancellation (b = -a +- a few ulps) and rounding ties."""
    a = edge_codes(fmt, rng, n)
    b = edge_codes(fmt, rng, n)
    m, width = fmt.man_bits, fmt.width
    kind = rng.integers(0, 100, n)
    mag = a & np.uint64(fmt.mag_mask)
    sign = rng.integers(0, 2, n).astype(np.uint64) << np.uint64(width - 1)
    # exponent difference d in [0, P+4] with a random/tie-shaped trailing field
    d = rng.integers(0, fmt.precision + 5, n).astype(np.int64)
    field = np.clip((mag >> np.uint64(m)).astype(np.int64) - d, 0, fmt.exp_mask - 1).astype(np.uint64)
    tmask = (1 << m) - 1
    tie = np.uint64(1) << rng.integers(0, max(m, 1), n).astype(np.uint64) & np.uint64(tmask)
    trail = np.where(rng.integers(0, 2, n) == 0, tie, rng.integers(0, tmask + 1, n, dtype=np.uint64))
    near = sign | (field << np.uint64(m)) | trail
    # cancellation: b = -(a +- k)
    k = rng.integers(-3, 4, n)
    canc_mag = np.clip(mag.astype(np.int64) + k, 0, fmt.mag_mask).astype(np.uint64)
    canc = (a ^ np.uint64(fmt.sign_bit)) & np.uint64(fmt.sign_bit) | canc_mag
    b = np.where(kind < 35, near, np.where(kind < 60, canc, b))
    return a, b


def rm_port_check(cls, op: str, fmt: str, with_sub: bool = False) -> None:
    """All six rm codes (and sub, for the adder) in one evaluation, against the per-mode tables."""
    unit = cls(fmt, rounding="port")
    f = unit.fmt
    a, b = all_pairs(f)
    nl = flatten(unit)
    for sub in ((0, 1) if with_sub else (0,)):
        for mode, code in RM_CODES.items():
            ins = {"a": a, "b": b, "rm": np.full(len(a), code)}
            if with_sub:
                ins["sub"] = np.full(len(a), sub)
            r = evaluate(nl, ins)
            want_c, want_f = golden_table("sub" if sub else op, f, Env(Rounding(mode)))
            bad = mismatches(f, r["result"], r["flags"], want_c, want_f, {"a": a, "b": b})
            assert not bad, f"{fmt} rm={code} ({mode.value}) sub={sub}:\n" + "\n".join(bad)


OVERFLOW_CASES = [("e4m3fn", "satfinite", "rne"), ("e5m2", "satfinite", "rne"), ("e5m2", "satpropagate", "rup"),
                  ("e5m2", "nan", "rne"), ("p3109_8p3se", "satfinite", "rtz"), ("e3m2fn", "nan", "rne"),
                  ("e2m1fn", "ieee", "rdn"), ("e2m3fn", "satpropagate", "rup")]
SLOW_OVERFLOW = [(f, o) for f in SMALL for o in ("ieee", "satfinite", "satpropagate", "nan")]
OTHER_OUTPUT = [("e5m2", "e4m3fn"), ("e4m3fn", "e2m1fn"), ("e4m3fn", "bf16"),
                ("e2m3fn", "p3109_8p3se"), ("e3m2fn", "e2m1fn")]


def check_overflow_policy(cls, op: str, fmt: str, overflow: str, mode: str) -> None:
    unit = cls(fmt, rounding=mode, overflow=overflow)
    check_exhaustive(unit, op, Env(parse_rounding(mode), overflow=Overflow(overflow)))


def check_other_output_format(cls, op: str, fmt: str, out: str) -> None:
    for mode in (("rne", "rdn") if get_format(fmt).width < 8 else ("rne",)):
        check_exhaustive(cls(fmt, out_fmt=out, rounding=mode), op, Env(parse_rounding(mode)))


def check_stochastic_small(cls, op: str, mode, sampler, n: int = 3) -> None:
    """Every (a, b, R) for FP4 and a sample from `sampler(fmt, rng, k)` for E4M3 with N random bits."""
    golden_op = getattr(golden, op)
    for name, exhaustive in (("e2m1fn", True), ("e4m3fn", False)):
        fmt = get_format(name)
        unit = cls(fmt, rounding=Rounding(mode, n))
        if exhaustive:
            a, b = all_pairs(fmt)
            r = np.repeat(np.arange(1 << n), len(a))
            a, b = np.tile(a, 1 << n), np.tile(b, 1 << n)
        else:
            rng = np.random.default_rng(3)
            a, b = sampler(fmt, rng, 1500)
            r = rng.integers(0, 1 << n, 1500)

        def gold(a, b, rbits):
            return golden_op(fmt, a, b, env=Env(Rounding(mode, n), random_bits=rbits))

        check_against_golden(unit, gold, {"a": a, "b": b, "rbits": r})


def independent_pairs(fmt: FloatFormat, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return edge_codes(fmt, rng, n), edge_codes(fmt, rng, n)


# ---- tests of the shared machinery --------------------------------------------------------


@pytest.mark.parametrize("cls", [FPAdder, FPMultiplier])
@pytest.mark.parametrize("bad", ["e8m0fnu", "ue4m3", "int8", "p3109_8p1uf", "nosuchformat"])
def test_rejects_unsupported_formats_with_clear_error(cls, bad):
    with pytest.raises(FormatError) as e:
        cls(bad)
    assert "unknown format" in str(e.value) or "support" in str(e.value) or "need" in str(e.value)


def test_rejects_bad_parameters():
    with pytest.raises(FormatError, match="rounding"):
        FPMultiplier("e4m3fn", rounding="nearest_odd_ish")
    with pytest.raises(FormatError, match="overflow"):
        FPAdder("e4m3fn", overflow="wrap")
    with pytest.raises(FormatError, match="tininess"):
        FPAdder("e4m3fn", tininess="sometimes")
    with pytest.raises(FormatError, match="latency"):
        FPMultiplier("e4m3fn", latency=-1)
    from fpverify.golden.lmul import LMulPolicy, LMulSpecials, LMulVariant

    with pytest.raises(FormatError, match="wrap"):
        LMulUnit("e4m3fn", LMulPolicy(LMulVariant.REAL, LMulSpecials.WRAP))
    with pytest.raises(FormatError, match="variant A only"):
        LMulUnit("e4m3fn", LMulPolicy(), rounding="rtz")


def test_attributes_and_ports():
    u = FPAdder("e4m3fn", out_fmt="bf16", rounding="port", overflow="satfinite", latency=2)
    assert (u.fmt.name, u.out_fmt.name, u.op, u.rounding, u.latency) == ("e4m3fn", "bf16", "add", "port", 2)
    assert u.overflow.value == "satfinite" and u.tininess is Tininess.AFTER
    assert [len(u.a), len(u.b), len(u.sub), len(u.rm), len(u.result), len(u.flags)] == [8, 8, 1, 3, 16, 5]
    m = FPMultiplier("e2m1fn", rounding="sra4")
    assert m.op == "mul" and len(m.rbits) == 4 and not hasattr(m, "rm")
    assert m.overflow is get_format("e2m1fn").default_overflow
    lm = LMulUnit("e5m2")
    unused(u, m, lm)
    assert lm.op == "lmul" and lm.policy.variant.value == "B"
    assert RM_CODES == {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rna": 4, "rto": 5} or \
        {k.value: v for k, v in RM_CODES.items()} == {"rne": 0, "rtz": 1, "rdn": 2, "rup": 3, "rna": 4, "rto": 5}


STAGE_SIGNALS = ["unpack_a_sig", "unpack_a_exp", "unpack_a_class", "unpack_b_sig", "unpack_b_exp",
                 "unpack_b_class", "norm_sig", "norm_exp", "round_guard", "round_sticky", "round_up",
                 "round_sig", "round_exp", "pack_result"]


def _lmul_real():
    from fpverify.golden.lmul import LMulPolicy, LMulVariant

    return LMulUnit("e4m3fn", LMulPolicy(LMulVariant.REAL))


@pytest.mark.parametrize("make,extra", [
    (lambda: FPAdder("bf16"), ["align_diff", "align_sig", "align_sticky", "sum_sig"]),
    (lambda: FPMultiplier("f16"), ["product"]),
    (_lmul_real, ["lmul_sum"]),
])
def test_named_stage_signals_exist(make, extra):
    unit = make()
    nl = flatten(unit)
    for name in STAGE_SIGNALS + extra:
        assert name in nl.signals, f"{name} missing from {type(unit).__name__}"


def test_product_is_one_multiply_cell():
    nl = flatten(FPMultiplier("bf16"))
    muls = [c for c in nl.cells if c.op == "*"]
    assert len(muls) == 1 and set(muls[0].out) >= set(nl.signals["product"]) - {0, 1}


@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
@pytest.mark.parametrize("cls", [FPAdder, FPMultiplier])
def test_netlists_stay_narrow(cls, fmt):
    """Intermediates stay within the numpy evaluator's 64-bit fast path (amaranth.md §8)."""
    for rounding in ("rne", "port"):
        nl = flatten(cls(fmt, rounding=rounding))
        widest = max(len(c.out) for c in nl.cells)
        assert widest <= 64, f"{cls.__name__} {fmt}: a {widest}-bit intermediate"


def test_pipeline_cut_placement():
    assert Pipeline(None, 0, 3).cuts == set()
    assert len(Pipeline(None, 2, 3).cuts) == 2
    p = Pipeline(None, 5, 3)
    assert p.cuts == {0, 1, 2} and p.extra == 2


def unused(*units):
    """Mark units built only for their attributes (silences Amaranth's UnusedElaboratable)."""
    for u in units:
        u._MustUse__silence = True


def _lanes(unit, rng, n):
    fmt = unit.fmt
    unused(unit)
    ins = {"a": rng.integers(0, 1 << fmt.width, n), "b": rng.integers(0, 1 << fmt.width, n)}
    if hasattr(unit, "sub"):
        ins["sub"] = rng.integers(0, 2, n)
    if hasattr(unit, "rm"):
        ins["rm"] = rng.integers(0, 6, n)
    return ins


@pytest.mark.parametrize("make", [
    lambda lat: FPAdder("bf16", rounding="port", latency=lat),
    lambda lat: FPMultiplier("e4m3fn", rounding="port", latency=lat),
    lambda lat: FPMultiplier("f16", latency=lat),
    lambda lat: LMulUnit("e5m2", latency=lat),
])
@pytest.mark.parametrize("latency", [1, 2, 5])
def test_pipelined_units_stream_like_the_combinational_ones(make, latency):
    """New operands every cycle: the output at cycle t + L is the combinational result of cycle t."""
    rng = np.random.default_rng(latency)
    comb = flatten(make(0))
    piped = flatten(make(latency))
    assert piped.is_sequential
    cycles = [_lanes(make(0), rng, 2000) for _ in range(latency + 4)]
    trace = run_cycles(piped, cycles)
    for t in range(len(cycles) - latency):
        want = evaluate(comb, cycles[t])
        got = trace[t + latency]
        for port in ("result", "flags"):
            assert np.array_equal(got[port], want[port]), f"cycle {t} port {port}"


def test_amaranth_simulator_agrees_on_a_sample():
    """Second backend: Amaranth's pysim on the generated units (independent of the numpy evaluator)."""
    from amaranth.sim import Simulator

    from fpverify import golden

    rng = np.random.default_rng(7)
    units = [(FPAdder("e5m2", rounding="port"), "add"), (FPMultiplier("bf16", rounding="port"), "mul"),
             (LMulUnit("e4m3fn"), "lmul")]
    for unit, op in units:
        fmt = unit.fmt
        a = edge_codes(fmt, rng, 150)
        b = edge_codes(fmt, rng, 150)
        rm = rng.integers(0, 6, 150)
        sub = rng.integers(0, 2, 150)
        got = []

        async def bench(ctx, unit=unit, a=a, b=b, rm=rm, sub=sub):
            for i in range(len(a)):
                ctx.set(unit.a, int(a[i]))
                ctx.set(unit.b, int(b[i]))
                if hasattr(unit, "rm"):
                    ctx.set(unit.rm, int(rm[i]))
                if hasattr(unit, "sub"):
                    ctx.set(unit.sub, int(sub[i]))
                got.append((ctx.get(unit.result), ctx.get(unit.flags)))

        sim = Simulator(unit)
        sim.add_testbench(bench)
        sim.run()
        modes = {v: k for k, v in RM_CODES.items()}
        for i, (code, flags) in enumerate(got):
            env = Env(Rounding(modes[int(rm[i])]))
            if op == "add":
                g = (golden.sub if sub[i] else golden.add)(fmt, int(a[i]), int(b[i]), env=env)
            elif op == "mul":
                g = golden.mul(fmt, int(a[i]), int(b[i]), env=env)
            else:
                g = golden.lmul(fmt, int(a[i]), int(b[i]))
            same = code == g.code or (fmt.is_nan(code) and fmt.is_nan(g.code))
            assert same and flags == int(g.flags) & 0x1F, (op, hex(int(a[i])), hex(int(b[i])), hex(code), hex(g.code))


def test_reserved_rm_codes_act_as_rne():
    unit = FPMultiplier("e4m3fn", rounding="port")
    nl = flatten(unit)
    a, b = all_pairs(unit.fmt)
    r0 = evaluate(nl, {"a": a, "b": b, "rm": 0})
    for code in (6, 7):
        r = evaluate(nl, {"a": a, "b": b, "rm": code})
        assert np.array_equal(r["result"], r0["result"]) and np.array_equal(r["flags"], r0["flags"])


def test_edge_sampler_hits_the_classes():
    """The sampler the wide-format tests rely on really produces every operand class."""
    rng = np.random.default_rng(0)
    for name in ("bf16", "f16", "f32"):
        fmt = get_format(name)
        codes = edge_codes(fmt, rng, 4000)
        kinds = set()
        for c in codes[:4000]:
            c = int(c)
            if fmt.is_nan(c):
                kinds.add("nan")
            elif fmt.is_inf(c):
                kinds.add("inf")
            elif c & fmt.mag_mask == 0:
                kinds.add("zero")
            elif (c & fmt.mag_mask) >> fmt.man_bits == 0:
                kinds.add("sub")
            elif c & fmt.mag_mask == fmt.max_code:
                kinds.add("max")
            else:
                kinds.add("normal")
        assert kinds == {"nan", "inf", "zero", "sub", "max", "normal"}, (name, kinds)
    assert [m.value for m in (r.mode for r in DETERMINISTIC)] == ["rne", "rna", "rtz", "rup", "rdn", "rto"]
