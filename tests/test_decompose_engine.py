"""Decomposed proofs of FP8 units (fast), split coverage/witness checks, strategy parsing, and one
seeded-bug localisation. Oracles: the symbolic reference (proof side), the numpy netlist
evaluator and the golden model (replay); slow tests cover bf16/f16/f32."""

import pytest
import z3

from fpverify.errors import InputError
from fpverify.formats import get_format
from fpverify.hdl.netlist import flatten
from fpverify.dsl.proof_strategy import load_strategy, parse_strategy
from fpverify.prove.decompose import prove_decomposed
from fpverify.prove.decompose import splits as S
from fpverify.prove.decompose.pool import Job, run_jobs
from fpverify.prove.obligation import Obligation
from fpverify.rounding import Env, parse_rounding


def mul_netlist(fmt, mode="rne"):
    from rtl.fp_mul import FPMultiplier
    comp = FPMultiplier(get_format(fmt), rounding=mode)
    return comp, flatten(comp)


@pytest.mark.parametrize("fmt,mode", [("e4m3", "rne"), ("e5m2", "rtz")])
def test_fp8_mul_decomposed_proved(fmt, mode):
    comp, nl = mul_netlist(fmt, mode)
    r = prove_decomposed(nl, "mul", get_format(fmt), env=Env(parse_rounding(mode)),
                         strategy=load_strategy("decompose_multiplier"), workers=2, solvers=["z3"])
    assert r.status == "PROVED", [(i.name, i.status, i.outcome and i.outcome.message) for i in r.items]
    kinds = {i.kind for i in r.items}
    assert {"lemma", "coverage", "witness", "case"} <= kinds
    assert any(i.name.startswith("L1 normaliser") for i in r.items)
    assert "L3 product-range" in r.lemmas_relied_on


def test_seeded_sticky_bug_refuted_and_localised(tmp_path):
    from fpverify.faults.semantic import apply_semantic, semantic_mutants
    fmt = get_format("e4m3")
    _, nl = mul_netlist("e4m3")
    m = next(m for m in semantic_mutants(nl, fmt) if m.id == "sem:sticky_dropped")
    bad = apply_semantic(nl, m, fmt)
    r = prove_decomposed(bad, "mul", fmt, strategy=load_strategy("decompose_multiplier"), workers=2, solvers=["z3"])
    assert r.status == "REFUTED"
    assert r.counterexample.replayed
    assert r.counterexample.actual_netlist != r.counterexample.actual_golden
    # the datapath up to the product is fine; the rounder's sticky is the first stage that is wrong
    assert r.localisation.first_failing == "round_sticky", r.localisation.text()
    ok = [row[0] for row in r.localisation.rows if row[3]]
    assert "product" in ok


def test_lmul_fp8_decomposed():
    from fpverify.golden.lmul import LMulPolicy
    from rtl.lmul import LMulUnit
    fmt = get_format("e4m3")
    nl = flatten(LMulUnit(fmt))
    r = prove_decomposed(nl, "lmul", fmt, lmul_policy=LMulPolicy(), strategy=load_strategy("decompose_lmul"), workers=2,
                         solvers=["z3"])
    assert r.status == "PROVED"


def test_coverage_detects_a_gap_and_witness_detects_vacuity():
    x = z3.BitVec("x", 8)
    gap = S.Split("gap", [S.Case("lo", z3.ULT(x, 10)), S.Case("hi", z3.UGT(x, 10))])
    full = S.Split("full", [S.Case("lo", z3.ULE(x, 10)), S.Case("hi", z3.UGT(x, 10))])
    empty = S.Case("none", z3.And(z3.ULT(x, 3), z3.UGT(x, 5)))
    jobs = [Job("gap", None, "unsat", 10, ("z3",), obligation=S.coverage_obligation(gap, [])),
            Job("full", None, "unsat", 10, ("z3",), obligation=S.coverage_obligation(full, [])),
            Job("empty", None, "sat", 10, ("z3",), obligation=S.witness_obligation(full, empty, [])),
            Job("fine", None, "sat", 10, ("bitwuzla",), obligation=S.witness_obligation(full, full.cases[0], []))]
    outs = run_jobs(jobs, 2)
    assert [o.answer for o in outs] == ["sat", "unsat", "unsat", "sat"]
    assert outs[0].model["x"] == 10  # the uncovered point


def test_intervals_are_format_parameterised():
    p16 = S.format_params(get_format("f16"))
    ivs = S.parse_intervals("0, 1, 2..p+2 each, p+3..", p16)
    assert [str(i) for i in ivs][:3] == ["0", "1", "2"] and str(ivs[-1]) == "14.."
    assert len(ivs) == 2 + (11 + 1) + 1  # 0, 1, 2..13 one each, 14..
    p32 = S.format_params(get_format("f32"))
    assert len(S.parse_intervals("0, 1, 2..p+2 each, p+3..", p32)) == 2 + (24 + 1) + 1
    assert p16["emin"] == -14 and p16["emax"] == 15


def test_portfolio_first_answer_wins_and_cross_check():
    a, b = z3.BitVecs("a b", 6)
    ob = Obligation("comm", "", [], a * b == b * a)
    out = run_jobs([Job("comm", None, "unsat", 20, ("z3", "bitwuzla"), cross_check=True, obligation=ob)], 2)[0]
    assert out.answer == "unsat" and out.solver in ("z3", "bitwuzla")
    assert out.cross.endswith(")") and "unsat" in out.cross


@pytest.mark.parametrize("other,answer", [("unknown", "unknown"), ("sat", "error")])
def test_cross_check_that_does_not_confirm_is_never_proved(monkeypatch, other, answer):
    """z3 says unsat, the re-check by Bitwuzla times out (UNKNOWN) or disagrees (a tool bug: ERROR).
    The solvers are stubbed in the forked workers so the disagreement is certain."""
    from fpverify.prove.decompose import pool

    def stub(smtlib, solver, timeout_s, obligation=None):
        return ("unsat", None, "") if solver == "z3" else (other, {} if other == "sat" else None, "stub")
    monkeypatch.setattr(pool, "solve_text", stub)
    a = z3.BitVec("a", 4)
    ob = Obligation("x", "", [], a == a)
    out = run_jobs([Job("x", None, "unsat", 5, ("z3",), cross_check=True, obligation=ob)], 1)[0]
    assert out.answer == answer and "did not confirm" in out.message
    assert out.cross.startswith(f"bitwuzla: {other}")


def test_strategy_errors_have_positions():
    with pytest.raises(InputError) as e:
        parse_strategy("family mul\nsplit band: ..emin-q\n", "x.strategy")
    assert e.value.line == 2 and "unknown name 'q'" in str(e.value)
    with pytest.raises(InputError) as e:
        parse_strategy("family foo\n", "x.strategy")
    assert e.value.line == 1
    with pytest.raises(InputError):
        parse_strategy("family add\nisolate product\n")
    st = parse_strategy("family mul\nisolate product\nsplit class a, b grouped\nsolver z3\n")
    assert st.grouped and st.solvers == ("z3",)


@pytest.mark.parametrize("fmt", ["bf16", "f16", "f32"])
def test_wide_mul_decomposed(fmt):
    """Full IEEE bf16/f16/f32 multipliers (subnormals, specials, flags), a few seconds each."""
    _, nl = mul_netlist(fmt)
    r = prove_decomposed(nl, "mul", get_format(fmt), strategy=load_strategy("decompose_multiplier"), workers=2)
    assert r.status == "PROVED", [(i.name, i.status) for i in r.items if i.status != "PROVED"]
    assert r.lemmas_relied_on == ["L1 normaliser[a]", "L1 normaliser[b]", "L2 product-definition",
                                  "L3 product-range"]


@pytest.mark.parametrize("fmt", ["bf16", "f16", pytest.param("f32", marks=pytest.mark.slow)])
def test_wide_add_decomposed(fmt):
    """Full IEEE adders/subtractors (``sub`` port free); f32 (~20 s) runs with -m slow."""
    from fpverify.prove.api import PortMap
    from rtl.fp_add import FPAdder
    nl = flatten(FPAdder(get_format(fmt)))
    r = prove_decomposed(nl, "add", get_format(fmt), strategy=load_strategy("decompose_adder"), workers=2,
                         ports=PortMap(sub="sub"))
    assert r.status == "PROVED", [(i.name, i.status) for i in r.items if i.status != "PROVED"]


def test_adder_seeded_bug_stops_early_and_reports(tmp_path):
    """A dropped sticky bit in an E5M2 adder: REFUTED with a replayed counterexample; the unpack
    stages (raw significands) agree and the rounder's sticky is the first bad stage; the run stops
    at the bug (remaining obligations SKIPPED); the JSON/table report carries it all."""
    import io
    import json

    from rich.console import Console

    from fpverify.faults.semantic import apply_semantic, semantic_mutants
    from fpverify.prove.api import PortMap
    from fpverify.prove.report import obligation_table, result_json
    from rtl.fp_add import FPAdder

    fmt = get_format("e5m2")
    nl = flatten(FPAdder(fmt, rounding="rne"))
    m = next(m for m in semantic_mutants(nl, fmt) if m.id == "sem:sticky_dropped")
    bad = apply_semantic(nl, m, fmt)
    r = prove_decomposed(bad, "add", fmt, strategy=load_strategy("decompose_adder"), workers=1, solvers=["z3"],
                         ports=PortMap(sub="sub"), vcd_dir=tmp_path)
    assert r.status == "REFUTED" and r.counterexample.replayed
    assert r.localisation.first_failing == "round_sticky", r.localisation.text()
    ok = {row[0] for row in r.localisation.rows if row[3]}
    assert {"unpack_a_sig", "unpack_a_exp", "unpack_b_sig", "unpack_b_exp"} <= ok
    assert any(i.status == "SKIPPED" for i in r.items)
    vcd = (tmp_path / r.localisation.vcd.split("/")[-1]).read_text()  # netlist signals + expected stages
    assert "$scope module expected $end" in vcd and "round_sticky" in vcd and "align_diff" in vcd
    doc = json.loads(json.dumps(result_json(r)))
    assert doc["status"] == "REFUTED" and doc["localisation"]["first_failing"] == "round_sticky"
    assert doc["counterexample"]["replayed"] is True
    assert {o["kind"] for o in doc["obligations"]} >= {"coverage", "case"}
    buf = io.StringIO()
    Console(file=buf, width=200).print(obligation_table(doc))
    text = buf.getvalue()
    assert "case[finite ∧ d=" in text and "REFUTED" in text and "SKIPPED" in text


def test_correct_adder_stages_agree_on_every_input_class():
    """Localisation must not blame a correct design: on a correct f16 adder, every stage the
    localiser compares agrees, for operands from every class pair (subnormals included)."""
    from fpverify.prove.api import PortMap
    from fpverify.prove.decompose.cegar import localise
    from fpverify.prove.decompose.engine import build_problem
    from rtl.fp_add import FPAdder

    fmt = get_format("f16")
    pr = build_problem(flatten(FPAdder(fmt)), "add", fmt, ports=PortMap(sub="sub"))
    for a, b, sub in [(0x0001, 0x03ff, 0), (0x3c00, 0x0003, 1), (0x7bff, 0x7bff, 0), (0x3c01, 0x3c00, 1),
                      (0x8400, 0x0400, 0), (0x0200, 0x3555, 1)]:
        loc = localise(pr, {"a": a, "b": b, "sub": sub})
        assert loc.first_failing is None, (hex(a), hex(b), sub, loc.text())
        assert len(loc.rows) >= 6


@pytest.mark.parametrize("fmt,mode", [("e4m3fn", "sra4"), ("f16", "src4")])
def test_stochastic_mul_decomposed(fmt, mode):
    """Multiplier isolation with stochastic rounding: the reference rounds the shared product with
    the unit's symbolic random bits (port ``rbits``)."""
    _, nl = mul_netlist(fmt, mode)
    r = prove_decomposed(nl, "mul", get_format(fmt), env=Env(parse_rounding(mode)),
                         strategy=load_strategy("decompose_multiplier"), workers=2)
    assert r.status == "PROVED", [(i.name, i.status) for i in r.items if i.status != "PROVED"]


def test_cegar_refines_a_spurious_model(monkeypatch):
    """A too-weak abstraction (the cut product without its range lemma L3 as a premise) lets the
    solver pick an unreachable product: the model replays as netlist == golden, so it is spurious,
    never shown as a bug; the case is re-solved with the cut's definition and proves."""
    from fpverify.prove.decompose import engine

    real = engine.isolate_multiplier

    def weak(*args, **kw):
        iso = real(*args, **kw)
        iso.assumed = []
        return iso

    monkeypatch.setattr(engine, "isolate_multiplier", weak)
    _, nl = mul_netlist("e4m3")
    r = prove_decomposed(nl, "mul", get_format("e4m3"), strategy=load_strategy("decompose_multiplier"), workers=2,
                         solvers=["z3"])
    assert r.status == "PROVED", [(i.name, i.status, i.outcome and i.outcome.message) for i in r.items]
    refined = [i for i in r.items if i.refinements]
    assert refined and all(i.kind == "case" and i.status == "PROVED" for i in refined)
    assert r.counterexample is None
