"""Mutation campaigns: how many faults do the properties catch?

Per mutant (MCY methodology, plus a TIMEOUT/UNKNOWN class that never counts as killed):

1. simulate the mutant on the campaign's vectors (every input combination for FP8-sized units) and
   compare with the original: a difference is a concrete distinguishing input;
2. check each property concretely on the same vectors (golden tables): a failure is a concrete,
   replayed counterexample (netlist evaluator + golden model) — the mutant is KILLED; the SMT check
   of that property then attributes the kill to an obligation/lemma (``attribute=True``);
3. otherwise run each property's SMT check: REFUTED (replayed) is KILLED, all PROVED means the mutant
   SURVIVED if it differs from the original, NOCHANGE if it is equivalent (exhaustive simulation or
   the z3 miter of `equivalence`), UNKNOWN if some check timed out;
4. a property that fails on an *equivalent* mutant is an EQGAP: a setup bug, reported loudly.

kill rate = KILLED / (total − NOCHANGE). Everything is deterministic for a given seed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..hdl.ir import Netlist
from . import equivalence as eq
from .mutate import Mutation, apply_mutation, sample_mutants
from .properties import Outcome
from . import verdict_cache
from .report import CampaignReport, MutantResult
from .semantic import SemanticMutation, apply_semantic, semantic_mutants

AnyMutation = Mutation | SemanticMutation
QUICK_VECTORS = 2048  # a sample tried before the full (exhaustive) vector set


class CampaignError(Exception):
    """The campaign cannot run meaningfully (e.g. the original design fails a property)."""


@dataclass
class Context:
    original: Netlist  # what is simulated and proved: the design, or its combinational `view`
    properties: list[Any]
    fmt: Any = None
    vectors: dict[str, np.ndarray] = field(default_factory=dict)
    exhaustive: bool = False
    original_outputs: dict[str, np.ndarray] = field(default_factory=dict)
    expected: list[dict] = field(default_factory=list)
    timeout_s: float = 30.0
    attribute: bool = True
    eqgap_check: bool = True
    quick: np.ndarray | None = None  # indices of the vectors tried first
    smt: bool = True  # False: exhaustive simulation decides properties that have a concrete check
    source: Netlist | None = None  # what is mutated (the pipeline a `view` unrolls); None: ``original``
    view: Callable[[Netlist], Netlist] | None = None  # a mutant of ``source`` as it is checked
    # modules the client's baseline check imported (lazily, inside functions): a cluster worker
    # imports them once before forking, so no forked grading child pays for them
    warm_modules: tuple[str, ...] = ()
    verdict_digest: str | None = None  # `verdict_cache.campaign_digest`, set by `prepare`

    def mutant(self, m: "AnyMutation") -> Netlist:
        """Mutation ``m`` applied to the design, as the checks see it."""
        mutated = apply_any(self.source or self.original, m, self.fmt)
        return self.view(mutated) if self.view is not None else mutated


def to_netlist(design) -> Netlist:
    if isinstance(design, Netlist):
        return design
    from ..hdl.netlist import flatten

    return flatten(design)


def apply_any(netlist: Netlist, m: AnyMutation, fmt=None) -> Netlist:
    if isinstance(m, SemanticMutation):
        return apply_semantic(netlist, m, fmt)
    return apply_mutation(netlist, m)


def select_mutants(netlist: Netlist, n: int, seed: int = 0, operators: Sequence[str] | None = None,
                   fmt=None, semantic: bool | Sequence[str] = True) -> list[AnyMutation]:
    """The campaign's mutants: every applicable semantic mutant first (they are few and named), then
    a weighted sample of IR mutants up to ``n`` in total. ``semantic``: all, none, or a list of kinds."""
    kinds = None if semantic is True else (list(semantic) if semantic else [])
    sem = semantic_mutants(netlist, fmt, kinds) if kinds != [] else []
    sem = sem[:n]
    return list(sem) + list(sample_mutants(netlist, n - len(sem), seed, operators))


def prepare(original: Netlist, properties, *, fmt=None, seed: int = 0, random_n: int = 4096,
            timeout_s: float = 30.0, attribute: bool = True, eqgap_check: bool = True,
            smt: bool = True, view: Callable[[Netlist], Netlist] | None = None) -> Context:
    """``view``: how a netlist is checked (e.g. `fpverify.hdl.unroll` of a pipeline); mutants are
    made on ``original`` and then viewed."""
    ctx = Context(view(original) if view is not None else original, list(properties), fmt, timeout_s=timeout_s,
                  attribute=attribute, eqgap_check=eqgap_check, smt=smt,
                  source=original if view is not None else None, view=view)
    original = ctx.original
    ctx.exhaustive = eq.is_exhaustible(original)
    ctx.vectors = eq.exhaustive_vectors(original) if ctx.exhaustive else eq.random_vectors(original, random_n, seed)
    ctx.original_outputs = eq.simulate(original, ctx.vectors)
    ctx.expected = [p.expected(ctx.vectors) if hasattr(p, "expected") else None for p in ctx.properties]
    n = len(next(iter(ctx.vectors.values()))) if ctx.vectors else 0
    if n > 4 * QUICK_VECTORS:
        ctx.quick = np.sort(np.random.default_rng(seed).choice(n, QUICK_VECTORS, replace=False))
    ctx.verdict_digest = verdict_cache.campaign_digest(ctx)
    return ctx


def check_baseline(ctx: Context) -> list[Outcome]:
    """The original must satisfy every property, or the campaign measures nothing."""
    method = "exhaustive-sim" if ctx.exhaustive else "random-sim"
    outs = []
    for p, exp in zip(ctx.properties, ctx.expected):
        if exp is not None:
            o = p.concrete(ctx.vectors, ctx.original_outputs, exp, method)
            if o.status != "PASS":
                raise CampaignError(f"the original design fails property {p.name!r} by simulation: "
                                    f"{(o.counterexample or {}).get('decoded', o.detail)}")
        if not ctx.smt and exp is not None and ctx.exhaustive:
            outs.append(o)
            continue
        o = p.prove(ctx.original, ctx.timeout_s)
        if o.status == "FAIL":
            raise CampaignError(f"the original design fails property {p.name!r}: "
                                f"{(o.counterexample or {}).get('decoded', o.detail)}")
        if o.status != "PASS":
            raise CampaignError(f"property {p.name!r} is not proved on the original design ({o.detail}); "
                                "raise --timeout")
        outs.append(o)
    return outs


def _concrete(ctx: Context, mutant: Netlist, vectors, original_outputs, expected, method):
    """(witness of an output difference or None, concrete outcomes, first failing property or None,
    the mutant's outputs on ``vectors``)."""
    outputs = eq.simulate(mutant, vectors)
    i = eq.first_difference(original_outputs, outputs, list(ctx.original.outputs))
    witness = None if i is None else {k: int(v[i]) for k, v in vectors.items()}
    checks = {}
    for p, exp in zip(ctx.properties, expected):
        if exp is None:
            continue
        o = p.concrete(vectors, outputs, exp, method)
        checks[p.name] = o
        if o.status == "FAIL":
            return witness, checks, p, outputs
    return witness, checks, None, outputs


def _prove(p, netlist: Netlist, timeout_s: float) -> Outcome:
    """A property's SMT check; a crash of the tools is UNKNOWN (never a kill), with the reason."""
    try:
        return p.prove(netlist, timeout_s)
    except Exception as e:  # noqa: BLE001
        return Outcome("UNKNOWN", 0.0, "smt", detail=f"prove failed: {type(e).__name__}: {e}")


def grade(ctx: Context, m: AnyMutation) -> MutantResult:
    """Classify one mutant (a verdict of an identical earlier campaign is reused after replay)."""
    t0 = time.perf_counter()
    res = MutantResult(id=m.id, kind=m.kind, description=m.description, src=getattr(m, "src", ""),
                       signal=getattr(m, "signal", ""), semantic=isinstance(m, SemanticMutation))
    try:
        mutant = ctx.mutant(m)
        key = verdict_cache.mutant_key(ctx.verdict_digest, mutant)
        hit = verdict_cache.load(key)
        if hit is not None and hit.id == m.id and verdict_cache.replays(ctx, mutant, hit, _concrete):
            hit.seconds = time.perf_counter() - t0
            return hit
        # 1.+2. on a quick sample first (most mutants die there), then on all vectors
        sim, full_outputs = None, None
        if ctx.quick is not None:
            q = ctx.quick
            sim = _concrete(ctx, mutant, {k: v[q] for k, v in ctx.vectors.items()},
                            {k: v[q] for k, v in ctx.original_outputs.items()},
                            [None if e is None else {k: v[q] for k, v in e.items()} for e in ctx.expected],
                            "sampled-sim")
        if sim is None or sim[2] is None:
            sim = _concrete(ctx, mutant, ctx.vectors, ctx.original_outputs, ctx.expected,
                            "exhaustive-sim" if ctx.exhaustive else "random-sim")
            full_outputs = sim[3]
    except Exception as e:  # noqa: BLE001 — a mutant the tools cannot handle is UNKNOWN, not killed
        res.status, res.notes = "UNKNOWN", [f"could not build/simulate mutant: {type(e).__name__}: {e}"]
        res.seconds = time.perf_counter() - t0
        return res
    witness, checks, failed, _ = sim
    method = "exhaustive-sim" if ctx.exhaustive else "random-sim"
    differs_by_sim = witness is not None
    res.witness = witness
    res.checks.update(checks)
    if failed is not None:
        res.killed_by = failed.name
        res.counterexample = checks[failed.name].counterexample
    if res.killed_by:
        if not differs_by_sim:
            res.status = "EQGAP"
            res.notes.append("property fails by simulation although outputs equal the original's")
        else:
            res.status = "KILLED"
            if ctx.attribute and ctx.smt:
                p = next(p for p in ctx.properties if p.name == res.killed_by)
                o = _prove(p, mutant, ctx.timeout_s)
                res.checks[p.name + " [smt]"] = o
                if o.status == "FAIL":
                    res.lemma = o.lemma
                elif o.status == "PASS":
                    res.notes.append("SMT check PROVED a property that simulation refutes: "
                                     "translator/prove bug — investigate")
                    res.smt_disagrees = True
                else:
                    res.notes.append(f"SMT attribution inconclusive: {o.detail}")
        return _keep(key, res, t0)

    # 1b. equivalence with the original
    if differs_by_sim:
        equiv = eq.EquivalenceResult("DIFFERENT", method, 0.0, res.witness)
    elif ctx.exhaustive:
        equiv = eq.EquivalenceResult("EQUIVALENT", method, 0.0)
    else:
        equiv = eq.check_equivalence(ctx.original, mutant, timeout_s=ctx.timeout_s, vectors=ctx.vectors,
                                     original_outputs=ctx.original_outputs, mutant_outputs=full_outputs)
        if equiv.witness is not None:
            res.witness = equiv.witness
    res.equivalence = equiv.to_json()

    # 3. SMT property checks (for EQUIVALENT mutants this is the EQGAP check)
    if equiv.status == "EQUIVALENT" and not ctx.eqgap_check:
        res.status = "NOCHANGE"
        return _keep(key, res, t0)
    unknown = False
    for p, exp in zip(ctx.properties, ctx.expected):
        if not ctx.smt and exp is not None and ctx.exhaustive:
            continue  # decided (PASS) by the exhaustive concrete check above
        o = _prove(p, mutant, ctx.timeout_s)
        res.checks[p.name + " [smt]"] = o
        if o.status == "FAIL":
            res.killed_by, res.lemma, res.counterexample = p.name, o.lemma, o.counterexample
            break
        if o.status != "PASS":
            unknown = True
    if res.killed_by:
        res.status = "EQGAP" if equiv.status == "EQUIVALENT" else "KILLED"
        if res.status == "EQGAP":
            res.notes.append("a property fails on a mutant proven equivalent to the original")
    elif unknown:
        res.status = "UNKNOWN"
    else:
        res.status = {"EQUIVALENT": "NOCHANGE", "DIFFERENT": "SURVIVED"}.get(equiv.status, "UNKNOWN")
        if res.status == "UNKNOWN":
            res.notes.append(f"equivalence undecided: {equiv.detail}")
    return _keep(key, res, t0)


def _keep(key: str | None, res: MutantResult, t0: float) -> MutantResult:
    """``res`` with its grading time, stored for the next identical campaign."""
    res.seconds = time.perf_counter() - t0
    verdict_cache.store(key, res)
    return res


# ---- running ----------------------------------------------------------------------------------------

WARM_PACKAGES = ("fpverify", "rtl", "z3", "bitwuzla", "amaranth", "numpy")
_WORKER_CTX: Context | None = None
_WORKER_MUTANTS: list | None = None


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C


def _worker_grade(i: int) -> MutantResult:
    return grade(_WORKER_CTX, _WORKER_MUTANTS[i])


def _remote_prepare(item) -> None:
    """On a cluster worker: the client's proof-cache settings, and the modules a grading imports,
    imported once in the worker process (mutants are graded in forked children)."""
    import importlib

    from ..prove import cache as proof_cache

    for name in item[0].warm_modules:
        if name not in sys.modules:
            importlib.import_module(name)
    proof_cache.apply_settings(item[2])


def _remote_grade(item) -> MutantResult:
    ctx, m, _ = item
    return grade(ctx, m)


def _remote_killed(item, limit: float) -> MutantResult:
    """A mutant whose grading the worker killed at its hard time limit: UNKNOWN, never killed."""
    m = item[1]
    return MutantResult(id=m.id, kind=m.kind, description=m.description, src=getattr(m, "src", ""),
                        signal=getattr(m, "signal", ""), semantic=isinstance(m, SemanticMutation),
                        status="UNKNOWN", seconds=limit,
                        notes=[f"timeout: grading killed on the worker after {limit:g} s"])


def mutant_hard_limit(ctx: Context) -> float:
    """Seconds after which a cluster worker kills a mutant's grading: every property's SMT check
    (and its attribution or equivalence check) at the campaign's timeout, plus a margin."""
    return ctx.timeout_s * (2 * len(ctx.properties) + 2) + 60.0


def remote_batch(n: int, workers: int) -> int:
    """Mutants per cluster task: one forked child grades a batch with warm state (a fresh fork per
    mutant graded ~2x slower, docs/distributed.md), while ~4 tasks per worker keep the load balanced
    and a lost worker's re-run small."""
    return max(1, min(16, n // (4 * max(1, workers))))


def _run_remote(executor, ctx: Context, muts: list, results: dict, progress) -> None:
    from ..prove import cache as proof_cache

    shared = executor.share(ctx)
    settings = proof_cache.settings()
    items = [(shared, m, settings) for m in muts]
    limit = mutant_hard_limit(ctx)
    for i, res in executor.map_unordered(_remote_grade, items, hard_timeout=lambda item: limit,
                                         on_timeout=_remote_killed, prepare=_remote_prepare,
                                         batch=remote_batch(len(muts), executor.workers)):
        results[i] = res
        if progress:
            progress(res, len(results), len(muts))


def run_campaign(design, properties, *, fmt=None, mutants: Sequence[AnyMutation] | None = None, n: int = 100,
                 seed: int = 0, operators: Sequence[str] | None = None, semantic: bool | Sequence[str] = True, jobs: int = 1,
                 timeout_s: float = 30.0, attribute: bool = True, eqgap_check: bool = True,
                 smt: bool = True, progress: Callable[[MutantResult, int, int], None] | None = None,
                 name: str = "", baseline: bool = True,
                 view: Callable[[Netlist], Netlist] | None = None, executor=None) -> CampaignReport:
    """Run a mutation campaign on ``design`` (an Amaranth component or a `Netlist`).

    ``properties``: objects with ``name``, ``prove(netlist, timeout_s) -> Outcome`` and optionally
    ``expected(vectors)``/``concrete(...)`` (see `properties.GoldenEquivalence`).
    ``progress(result, done, total)`` is called after each mutant. Ctrl-C stops the campaign and
    returns the partial report (``interrupted=True``). ``view``: how a (mutated) netlist is checked,
    e.g. a pipeline unrolled over its reset and latency (`fpverify.hdl.unroll`). ``executor``: a
    remote `fpverify.executor` Executor (a dask cluster) grades the mutants on its workers instead
    of ``jobs`` local processes.
    """
    global _WORKER_CTX, _WORKER_MUTANTS
    t0 = time.perf_counter()
    original = to_netlist(design)
    if fmt is None and properties:
        fmt = getattr(properties[0], "fmt", None)
    ctx = prepare(original, properties, fmt=fmt, seed=seed, timeout_s=timeout_s, attribute=attribute,
                  eqgap_check=eqgap_check, smt=smt, view=view)
    base = check_baseline(ctx) if baseline else []
    if executor is not None and executor.remote:
        ctx.warm_modules = tuple(sorted(m for m in sys.modules if m.split(".")[0] in WARM_PACKAGES))
    muts = list(mutants) if mutants is not None else select_mutants(original, n, seed, operators, fmt, semantic)
    report = CampaignReport(design=name or original.name, seed=seed, properties=[p.name for p in properties],
                            requested=len(muts), exhaustive=ctx.exhaustive, cells=len(original.cells),
                            baseline={p.name: o.to_json() for p, o in zip(properties, base)})
    results: dict[int, MutantResult] = {}
    try:
        if executor is not None and getattr(executor, "remote", False):
            _run_remote(executor, ctx, muts, results, progress)
        elif jobs <= 1 or len(muts) < 2:
            for i, m in enumerate(muts):
                results[i] = grade(ctx, m)
                if progress:
                    progress(results[i], len(results), len(muts))
        else:
            _WORKER_CTX, _WORKER_MUTANTS = ctx, muts
            mp = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
            pool = ProcessPoolExecutor(max_workers=jobs, mp_context=mp, initializer=_worker_init)
            try:
                pending = {pool.submit(_worker_grade, i): i for i in range(len(muts))}
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        i = pending.pop(f)
                        results[i] = f.result()
                        if progress:
                            progress(results[i], len(results), len(muts))
            except KeyboardInterrupt:
                for f in pending:
                    f.cancel()
                for p in list(getattr(pool, "_processes", {}).values()):
                    if p.is_alive():
                        os.kill(p.pid, signal.SIGTERM)
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        _WORKER_CTX = _WORKER_MUTANTS = None
    report.results = [results[i] for i in sorted(results)]
    report.seconds = time.perf_counter() - t0
    return report


__all__ = ["run_campaign", "select_mutants", "grade", "prepare", "check_baseline", "apply_any",
           "CampaignError", "Context"]
