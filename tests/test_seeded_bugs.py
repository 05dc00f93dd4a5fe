"""Issue #15: the seeded-bug corpus (benchmarks/seeded_bugs). Every bug is a realistic RTL source
change; each must be REFUTED, its counterexample replayed in the golden model, by the netlist
evaluator and by Amaranth's own simulator on a fresh instance, and localised to the expected stage.
The default run covers the small formats (monolithic) and a few wide ones (decomposed); the whole
corpus runs under ``-m slow`` (and in benchmarks/bench_seeded_bugs.py)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.seeded_bugs.corpus import ENTRIES, MONOLITHIC, REFERENCE_COPIES  # noqa: E402
from benchmarks.seeded_bugs.run import run_entry  # noqa: E402
from fpverify.formats import get_format  # noqa: E402
from fpverify.golden.lmul import LMulPolicy, LMulVariant  # noqa: E402
from fpverify.hdl.netlist import flatten  # noqa: E402
from fpverify.prove.api import PortMap  # noqa: E402
from fpverify.prove.decompose import build_problem  # noqa: E402
from fpverify.prove.decompose.cegar import localise  # noqa: E402
from fpverify.prove.replay import complete_inputs  # noqa: E402
from fpverify.rounding import Env, parse_rounding  # noqa: E402
from rtl import FPAdder, FPMultiplier, LMulUnit  # noqa: E402

FAST = [e for e in ENTRIES if e.fast]
SLOW = [e for e in ENTRIES if not e.fast]


def _check(e):
    o = run_entry(e, workers=1, solvers=["z3"])
    detail = f"{e.id}: {o.verdict} {o.message}\n{o.counterexample}\n{o.localisation}"
    assert o.verdict == "REFUTED", detail
    assert o.golden_ok, detail
    assert o.sim_ok, detail
    assert e.expects(o.reported), detail
    if e.lemma_only:
        assert o.failed_lemmas, detail


def test_corpus_is_broad():
    """At least 25 bugs over adder, multiplier, L-Mul, FMA, rm port, SR and pipelined units, small
    and wide formats, monolithic and decomposed."""
    assert len(ENTRIES) >= 25 and len({e.id for e in ENTRIES}) == len(ENTRIES)
    assert {e.op for e in ENTRIES} == {"add", "mul", "lmul", "fma"}
    assert any(e.rounding == "port" for e in ENTRIES)
    assert any(e.rounding.startswith("sr") for e in ENTRIES)
    assert any(e.latency for e in ENTRIES)
    assert any(e.lemma_only for e in ENTRIES)
    assert {"flags", "result", "round_up", "unpack_a_sig"} <= {s for e in ENTRIES for s in e.expected.split("|")}
    assert {e.fmt for e in ENTRIES if e.strategy == MONOLITHIC} >= {"e4m3", "e5m2", "e2m1fn", "e3m2fn"}
    assert {e.fmt for e in ENTRIES if e.strategy != MONOLITHIC} >= {"bf16", "f16", "f32"}


@pytest.mark.parametrize("e", REFERENCE_COPIES, ids=lambda e: e.id)
def test_stage_copies_without_a_bug_prove(e):
    """The staged copies the bugs override are the unmodified units: each bug is its one change."""
    o = run_entry(e, workers=1, solvers=["z3"])
    assert o.verdict == "PROVED", o.message


@pytest.mark.parametrize("e", FAST, ids=lambda e: e.id)
def test_seeded_bug(e):
    _check(e)


@pytest.mark.slow
@pytest.mark.parametrize("e", SLOW, ids=lambda e: e.id)
def test_seeded_bug_slow(e):
    _check(e)


# ---- the localisation stages on correct units: every stage agrees with the reference ----------

UNITS = [
    ("add", lambda: FPAdder("e5m2"), PortMap(sub="sub"), "rne", None, False),
    ("add", lambda: FPAdder("bf16", rounding="sra4"), PortMap(sub="sub"), "sra4", None, False),
    ("add", lambda: FPAdder("e4m3", rounding="port"), PortMap(sub="sub", rm="rm"), "rne", None, False),
    ("mul", lambda: FPMultiplier("f16"), PortMap(), "rne", None, True),
    ("mul", lambda: FPMultiplier("e4m3", rounding="srb4"), PortMap(), "srb4", None, False),
    ("lmul", lambda: LMulUnit("e4m3", policy=LMulPolicy(variant=LMulVariant.REAL)), PortMap(), "rne",
     LMulPolicy(variant=LMulVariant.REAL), False),
]


@pytest.mark.parametrize("op,make,ports,mode,policy,isolate", UNITS)
def test_correct_unit_agrees_on_every_stage(op, make, ports, mode, policy, isolate):
    """align_sticky, norm_exp and round_overflow (and the older stages) match the reference on
    random vectors of a correct unit, zero operands of an adder included (its datapath adds them)."""
    comp = make()
    nl = flatten(comp)
    fmt = get_format(comp.fmt.name)
    pr = build_problem(nl, op, fmt, env=Env(parse_rounding(mode)), lmul_policy=policy, ports=ports, isolate=isolate)
    rng = random.Random(7)
    seen = set()
    for _ in range(60):
        inp = {n: rng.getrandbits(len(v)) for n, v in nl.inputs.items() if len(v)}
        for role in ("a", "b"):
            pick = rng.random()
            if pick < 0.2:
                inp[role] = rng.choice([0, fmt.sign_bit])
            elif pick < 0.4:  # a subnormal (or zero)
                inp[role] = (inp[role] & fmt.sign_bit) | (inp[role] & ((1 << fmt.man_bits) - 1))
        if "rm" in inp:
            inp["rm"] %= 6
        loc = localise(pr, complete_inputs(pr.sym.ports, inp))
        assert loc.first_failing is None, (inp, loc.text())
        seen |= {row[0] for row in loc.rows}
    assert {"norm_exp", "round_overflow", "round_up"} <= seen
    if op == "add":
        assert "align_sticky" in seen


# ---- the bugs are as narrow as their descriptions say -------------------------------------------


@pytest.mark.parametrize("e", [e for e in FAST if e.expected == "flags" and e.strategy == MONOLITHIC],
                         ids=lambda e: e.id)
def test_flags_only_bugs_compute_the_right_result(e):
    """A bug localised to ``flags`` leaves every result code right: without the flags it proves."""
    from benchmarks.seeded_bugs.run import setup
    from fpverify.prove.api import prove_equivalence

    fmt, env, ports = setup(e)
    r = prove_equivalence(flatten(e.make()), e.op, fmt, env=env, lmul_policy=e.lmul_policy, ports=ports,
                          cycles=e.latency, check_flags=False)
    assert r.status == "PROVED", r


def test_one_pair_bug_is_confined_to_that_pair():
    """The max * 1.0 ECO: refuted, and proved once that one operand pair is excluded."""
    import z3

    from benchmarks.seeded_bugs.corpus import entry
    from fpverify.prove.api import prove_equivalence

    e = entry("mul-max-times-one-e4m3")
    fmt = get_format(e.fmt)
    one = fmt.bias << fmt.man_bits

    def not_the_pair(s):
        return z3.Not(z3.And(s.a == fmt.max_code, s.b == one))

    r = prove_equivalence(flatten(e.make()), "mul", fmt, assumptions=[not_the_pair])
    assert r.status == "PROVED", r
    o = run_entry(e, workers=1)
    assert o.verdict == "REFUTED" and f"a={fmt.max_code:#04x}" in o.counterexample, o.counterexample
