"""``OUTPUT == op(...)`` under ``use strategy decompose_*``: the lemma-decomposition engine
(`fpverify.prove.decompose.prove_decomposed`) with the spec's ports, rounding and flags."""

from __future__ import annotations

import time

from .check import CheckedSpec, Property, decompose_assumptions, decompose_fixed
from .prove_equivalence import assumption_fn, port_map, prove_equivalence_case
from .verdicts import CaseResult


def prove_decomposed_case(spec: CheckedSpec, netlist, prop: Property, *, timeout: float | None,
                          solver: str | None, workers: int | None = None, progress=None) -> CaseResult:
    """``OUTPUT == op(...)`` under ``use strategy decompose_*``: `prove_decomposed` with the spec's
    port binding, rounding/overflow/tininess and flags. ``timeout`` is per obligation (None: the
    strategy's); ``solver`` None or "" keeps the strategy's solver."""
    from dataclasses import replace

    from ..prove.decompose.engine import prove_decomposed
    from ..prove.decompose.find_product import ProductNotFound
    from ..prove.decompose.isolate import StageBinding
    from ..prove.report import counts, result_json
    from .cases import Case

    eq = prop.equivalence
    st = spec.decompose
    fixed = decompose_fixed(spec, prop)
    ports = port_map(spec, prop)
    ports = replace(ports, fixed=tuple(dict(ports.fixed, **dict(fixed)).items()))
    domain = decompose_assumptions(spec, prop)
    assumptions = [assumption_fn(spec, netlist, domain, Case("", ()), spec.latency or 0)] if domain else []
    stage_map = {stage: StageBinding(path, label) for stage, path, label in spec.stage_map} or None
    solvers, cross_check = None, None
    if solver:  # portfolio: z3 and Bitwuzla race, and every unsat is confirmed by the other one
        solvers = ("z3", "bitwuzla") if solver == "portfolio" else (solver,)
        cross_check = True if solver == "portfolio" else None
    t0 = time.perf_counter()
    try:
        res = prove_decomposed(netlist, eq.op, eq.fmt, strategy=st, out_fmt=eq.out_fmt, env=eq.env,
                               lmul_policy=eq.lmul_policy, ports=ports, check_flags=eq.flags is not None,
                               cycles=spec.latency or 0, workers=workers, timeout_s=timeout, solvers=solvers,
                               cross_check=cross_check, nan_exact=eq.nan_exact, assumptions=assumptions,
                               stage_map=stage_map, progress=progress, addend_fmt=eq.addend_fmt)
    except ProductNotFound as e:  # no map and no multiplier found: say why, prove it monolithically
        out = prove_equivalence_case(spec, netlist, prop, Case("", ()), timeout=timeout or st.timeout_s,
                                     solver=solver if solver and solver != "portfolio" else "z3")
        out.message = (f"decomposition fell back to the monolithic miter: {e}"
                       + (f"; {out.message}" if out.message else ""))
        out.seconds = time.perf_counter() - t0
        return out
    seconds = time.perf_counter() - t0
    used = sorted({s for i in res.items if i.outcome is not None
                   for s in (i.outcome.solver, i.outcome.cross_solver) if s})
    status = res.status if res.status in ("PROVED", "REFUTED", "UNKNOWN", "ERROR") else "ERROR"
    bad = [i for i in res.items if i.status in ("UNKNOWN", "ERROR", "REFUTED")]
    msg = res.message
    if status != "PROVED" and bad:
        what = "; ".join(f"{i.name}: {i.status}" + (f" ({i.outcome.message})" if i.outcome is not None
                                                    and getattr(i.outcome, "message", "") else "")
                         for i in bad[:5])
        msg = (msg + "; " if msg else "") + what + (f"; +{len(bad) - 5} more" if len(bad) > 5 else "")
    failed = [i for i in res.items if i.status == "FAILED"]
    if failed and status == "PROVED":  # a lemma that does not hold: its cut was dropped
        msg = (msg + "; " if msg else "") + "; ".join(
            f"lemma {i.name} does not hold ({i.outcome.message})" for i in failed)
    out = CaseResult("", status, seconds, "+".join(used) or ",".join(solvers or st.solvers), message=msg,
                     lemmas=list(res.lemmas_relied_on), obligations=counts(res), strategy=st.name,
                     decomposition=result_json(res))
    out.cached = cached_note(res.items)
    if res.counterexample is not None:
        out.take_counterexample(spec, netlist, res.counterexample, res.localisation)
    elif status == "REFUTED":
        out.status = "ERROR"
        out.message = "counterexample did not replay (tool bug, not a design bug)"
    return out


def cached_note(items) -> str | None:
    """"cached, <date>, <solver>" when every obligation's answer came from the proof cache (the
    oldest date), "K/N obligations cached" when some did, None when none did."""
    run = [i.outcome for i in items if i.outcome is not None]
    hits = [o.cached for o in run if o.cached]
    if not hits:
        return None
    if len(hits) == len(run):
        return min(hits, key=lambda h: h.split(", ")[1] if ", " in h else h)
    return f"{len(hits)}/{len(run)} obligations cached"

