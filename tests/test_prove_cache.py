"""The proof cache: content-addressed answers, unsat trusted, sat only a replayed hint, unknown
never stored; an unchanged proof runs no solver, a changed stage re-proves only changed obligations."""

from __future__ import annotations

import json
import os
import threading

import pytest
import z3

from fpverify.formats import get_format
from fpverify.hdl.netlist import flatten
from fpverify.prove import cache as pc
from fpverify.prove import monolithic
from fpverify.prove.api import PortMap, prove_equivalence
from fpverify.prove.obligation import Obligation
from fpverify.rounding import RNE, RTZ, Env
from rtl.fp_mul import FPMultiplier

from cli_util import run_cli

E4M3 = get_format("e4m3fn")


@pytest.fixture
def cache_dir(tmp_path):
    with pc.override(True, tmp_path / "proofs"):
        pc.STATS.reset()
        yield tmp_path / "proofs"


def _query(bad: bool = False) -> str:
    a = z3.BitVec("a", 8)
    goal = (a + 1 != a) if not bad else (a * 2 != a)  # the second is sat at a = 0
    return Obligation("q", "a comment", [], goal).to_smtlib()


def test_round_trip_and_only_decisive_answers_are_stored(cache_dir):
    c = pc.ProofCache()
    text = _query()
    assert c.get(text, "z3") is None
    c.put(text, "z3", "unknown", 1.0)
    c.put(text, "z3", "error", 1.0)
    assert c.get(text, "z3") is None and not list(cache_dir.rglob("*.json"))
    c.put(text, "z3", "unsat", 0.5)
    e = c.get(text, "z3")
    assert e.answer == "unsat" and e.solver == "z3" and e.note().startswith("cached, ") and e.note().endswith(", z3")
    assert c.get(text, "bitwuzla") is None  # another solver is another key
    assert not list(cache_dir.rglob(".tmp-*"))  # written to a temporary file, then renamed


def test_key_covers_solver_version_encoding_and_query_not_comments(cache_dir, monkeypatch):
    c = pc.ProofCache()
    text = _query()
    k = c.key(text, "z3")
    assert c.key(text.replace("a comment", "renamed"), "z3") == k  # comments are not the query
    assert pc.ProofCache().key(_query(bad=True), "z3") != k
    monkeypatch.setattr(pc, "ENCODING_VERSION", "999")
    assert pc.ProofCache().key(text, "z3") != k
    other = pc.ProofCache()
    other._versions["z3"] = "0.0.0"
    assert other.key(text, "z3") != k


def test_corrupt_entry_is_a_miss(cache_dir):
    c = pc.ProofCache()
    text = _query()
    c.put(text, "z3", "unsat")
    c.path(c.key(text, "z3")).write_text("{not json")
    assert c.get(text, "z3") is None


def test_concurrent_writers_share_a_directory(cache_dir):
    texts = [Obligation(f"q{i}", "", [], z3.BitVec("a", 8) != i).to_smtlib() for i in range(20)]

    def writer():
        c = pc.ProofCache()
        for t in texts:
            c.put(t, "z3", "sat", 0.1, {"a": 1})
    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c = pc.ProofCache()
    assert all(c.get(t, "z3").model == {"a": 1} for t in texts)
    assert not list(cache_dir.rglob(".tmp-*"))


def test_key_does_not_depend_on_process_history():
    """z3's printer lets and names shared terms by reference counts and ids; the key does not."""
    a, b = z3.BitVecs("a b", 8)
    shared = (a * b) + (a * b)
    q = [z3.ULE(shared, shared + 1)]
    d1 = pc.query_digest(q)
    keep = [z3.simplify(z3.BitVec(f"junk{i}", 8) * (a * b)) + (a * b) for i in range(50)]  # more references
    d2 = pc.query_digest([z3.ULE(shared, shared + 1)])
    c = z3.BitVec("c", 8)
    d3 = pc.query_digest([z3.ULE(shared + c, shared + 1)])
    assert d1 == d2 and d1 != d3 and keep
    assert pc.query_text("; x\n(assert (let ((?x12 a)) ?x12))\n") == pc.query_text("(assert (let ((?x99 a)) ?x99))\n")


def _count_solves(monkeypatch) -> list:
    calls = []
    real = monolithic._solve

    def counting(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(monolithic, "_solve", counting)
    return calls


def test_unchanged_proof_runs_no_solver(cache_dir, monkeypatch):
    calls = _count_solves(monkeypatch)
    nl = flatten(FPMultiplier(fmt=E4M3, rounding=RNE))
    first = prove_equivalence(nl, "mul", E4M3, env=Env(RNE), ports=PortMap(), nan_exact=True)
    assert first.status == "PROVED" and not first.cached and len(calls) == 1
    again = prove_equivalence(nl, "mul", E4M3, env=Env(RNE), ports=PortMap(), nan_exact=True)
    assert again.status == "PROVED" and again.cached.startswith("cached, ") and len(calls) == 1
    assert again.seconds < first.seconds
    with pc.override(False):  # --no-cache: the solver runs
        off = prove_equivalence(nl, "mul", E4M3, env=Env(RNE), ports=PortMap(), nan_exact=True)
    assert off.status == "PROVED" and not off.cached and len(calls) == 2


def test_sat_is_never_trusted_without_replay(cache_dir, monkeypatch):
    """A refutation: the cached model is replayed; a forged model that does not satisfy the query
    is ignored and the solver runs again."""
    calls = _count_solves(monkeypatch)
    rne = flatten(FPMultiplier(fmt=E4M3, rounding=RNE))
    first = prove_equivalence(rne, "mul", E4M3, env=Env(RTZ))  # an RNE unit is no RTZ unit
    assert first.status == "REFUTED" and first.counterexample.replayed and len(calls) == 1
    again = prove_equivalence(rne, "mul", E4M3, env=Env(RTZ))
    assert again.status == "REFUTED" and again.counterexample.replayed and len(calls) == 1
    assert again.counterexample.inputs == first.counterexample.inputs and "replayed" in again.cached
    # forge the entry: a model that is no counterexample (0 * 0 = 0 in every mode)
    c = pc.ProofCache()
    path = c.path(c.key(first.obligation.query, "z3"))
    doc = json.loads(path.read_text())
    doc["model"] = {k: 0 for k in doc["model"]}
    path.write_text(json.dumps(doc))
    third = prove_equivalence(rne, "mul", E4M3, env=Env(RTZ))
    assert third.status == "REFUTED" and third.counterexample.replayed and not third.cached and len(calls) == 2


def test_unknown_is_never_cached_as_proved(cache_dir):
    nl = flatten(FPMultiplier(fmt=get_format("f16"), rounding=RNE))
    r = prove_equivalence(nl, "mul", get_format("f16"), env=Env(RNE), timeout_s=0.001)
    assert r.status == "UNKNOWN"
    assert not list(cache_dir.rglob("*.json"))


def test_changed_stage_reproves_only_changed_obligations(cache_dir):
    """Decomposed e4m3 multiplier, RNE then RTZ (the rounding stage and reference change): an
    obligation is answered from the cache iff its query text was seen in the first run."""
    from fpverify.dsl.proof_strategy import load_strategy
    from fpverify.prove.decompose import prove_decomposed

    st = load_strategy("decompose_multiplier")
    seen = set()
    first = prove_decomposed(flatten(FPMultiplier(fmt=E4M3, rounding=RNE)), "mul", E4M3, strategy=st,
                             env=Env(RNE), workers=2)
    assert first.status == "PROVED" and not any(i.outcome.cached for i in first.items)
    seen = {pc.query_digest(i.obligation.query) for i in first.items}
    again = prove_decomposed(flatten(FPMultiplier(fmt=E4M3, rounding=RNE)), "mul", E4M3, strategy=st,
                             env=Env(RNE), workers=2)
    assert again.status == "PROVED" and all(i.outcome.cached for i in again.items)
    changed = prove_decomposed(flatten(FPMultiplier(fmt=E4M3, rounding=RTZ)), "mul", E4M3, strategy=st,
                               env=Env(RTZ), workers=2)
    assert changed.status == "PROVED"
    reused = [bool(i.outcome.cached) for i in changed.items]
    expected = [pc.query_digest(i.obligation.query) in seen for i in changed.items]
    assert reused == expected
    assert any(reused) and not all(reused)  # the lemmas about unchanged stages are reused


def test_cli_prove_reports_cached_and_no_cache(cache_dir, capsys):
    code, out, _ = run_cli(["prove", "specs/e4m3fn_mul.spec", "specs/e4m3fn_mul_relational.spec"], capsys)
    assert code == 0 and "cached" not in out
    pc.STATS.reset()
    code, out, _ = run_cli(["prove", "specs/e4m3fn_mul.spec", "specs/e4m3fn_mul_relational.spec", "--json", "-"],
                           capsys)
    assert code == 0 and pc.STATS.misses == 0
    doc = json.loads(out)
    cases = [c for s in doc["specs"] for p in s["properties"] for c in p["cases"]]
    assert cases and all(c["cached"].startswith("cached, ") for c in cases)
    code, out, _ = run_cli(["prove", "specs/e4m3fn_mul.spec"], capsys)
    assert "PROVED (cached," in out.replace("\n", " ").replace("│", " ").replace("  ", " ") or "cached" in out
    pc.STATS.reset()
    code, out, _ = run_cli(["prove", "specs/e4m3fn_mul.spec", "--no-cache"], capsys)
    assert code == 0 and "cached" not in out and pc.STATS.hits == 0
    assert os.environ.get(pc.ENV_OFF) is None  # --no-cache does not leak past the command


def test_model_satisfies_checks_every_constant():
    a, b = z3.BitVecs("a b", 8)
    p = z3.Bool("p")
    q = [z3.Or(p, a + b == 3)]
    assert pc.model_satisfies(q, {"a": 1, "b": 2, "p": 0})
    assert not pc.model_satisfies(q, {"a": 1, "b": 1, "p": 0})
    assert pc.model_satisfies(q, {"a": 1, "b": 1, "p": 1})
    assert pc.completed_model(q, {"a": 1, "b": 2}) == {"a": 1, "b": 2, "p": 0}  # p left out: 0
    assert not pc.model_satisfies(q, {"a": 1})  # b = 0 then: 1 + 0 != 3 and p is false
    assert pc.free_constants(q) == {"p": None, "a": 8, "b": 8}
