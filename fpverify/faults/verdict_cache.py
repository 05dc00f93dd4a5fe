"""Mutant verdicts kept between campaigns, next to the proof cache.

A re-run of an unchanged campaign (same design, mutants, properties, vectors and settings) spends
most of its time re-simulating every mutant on every vector, although the proof cache already
answers its SMT checks. This cache stores each mutant's graded `MutantResult`, keyed by the sha256
of: the mutated netlist as it is checked (pickled: any change to the design or the mutation changes
it), every property's ``repr`` (its operation, formats, environment, ports and assumptions), the
campaign's vectors and settings, the solvers' versions and `prove.cache.ENCODING_VERSION`.

What is trusted, as for proofs: verdicts that rest on unsat answers and on deterministic simulation
(NOCHANGE, SURVIVED). A KILLED or EQGAP verdict is used only after its counterexample is replayed:
the mutant is simulated on that one input and the killing property's concrete check must fail there
again (a verdict without a concrete input is recomputed). UNKNOWN verdicts, SMT/simulation
disagreements and properties whose ``repr`` is not stable (it holds an object address) are never
stored. It is on and off with the proof cache (``--no-cache``, ``FPVERIFY_NO_CACHE``) and lives in
its directory under ``mutants/``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..prove import cache as proof_cache
from .properties import Outcome
from .report import MutantResult

STORED = ("KILLED", "NOCHANGE", "SURVIVED", "EQGAP")
REPLAYED = ("KILLED", "EQGAP")


def campaign_digest(ctx: Any) -> str | None:
    """The part of every mutant's key that the campaign fixes (properties, settings, vectors, solver
    versions): computed once per campaign (`campaign.prepare`); None when it cannot be keyed stably."""
    props = [repr(p) for p in ctx.properties]
    if any(" at 0x" in r for r in props):
        return None
    h = hashlib.sha256()
    for part in ("fpverify-mutant", proof_cache.ENCODING_VERSION, proof_cache.solver_version("z3"),
                 proof_cache.solver_version("bitwuzla"), *props,
                 repr((ctx.timeout_s, ctx.attribute, ctx.eqgap_check, ctx.smt, ctx.exhaustive))):
        h.update(part.encode())
        h.update(b"\0")
    for name in sorted(ctx.vectors):
        h.update(name.encode())
        h.update(np.ascontiguousarray(ctx.vectors[name]).tobytes())
    return h.hexdigest()


def mutant_key(campaign: str | None, mutant_netlist) -> str | None:
    """The entry's key: the campaign's digest and the mutated netlist (None: not cacheable)."""
    if campaign is None:
        return None
    return hashlib.sha256(campaign.encode() + pickle.dumps(mutant_netlist)).hexdigest()


def _path(key: str) -> Path | None:
    cache = proof_cache.active()
    return None if cache is None else cache.root / "mutants" / key[:2] / f"{key}.json"


def load(key: str | None) -> MutantResult | None:
    """The stored verdict (not yet replayed), or None."""
    path = _path(key) if key else None
    if path is None:
        return None
    try:
        doc = json.loads(path.read_text())
        res = MutantResult(**{k: doc[k] for k in ("id", "kind", "description", "status")},
                           **{k: doc[k] for k in ("src", "signal", "semantic", "killed_by", "lemma",
                                                  "counterexample", "witness", "equivalence", "notes")
                              if k in doc})
        res.checks = {k: Outcome(**v) for k, v in doc.get("checks", {}).items()}
        res.cached = doc["date"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return res if res.status in STORED else None


def store(key: str | None, res: MutantResult) -> None:
    """Keep ``res`` when it is a stored kind of verdict (an unwritable directory is ignored)."""
    path = _path(key) if key else None
    if path is None or res.status not in STORED or res.smt_disagrees:
        return
    doc = res.to_json()
    doc.pop("cached", None)
    doc["date"] = _dt.datetime.now(_dt.timezone.utc).date().isoformat()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh)
        os.replace(tmp, path)
    except OSError:
        return


def replays(ctx: Any, mutant_netlist, res: MutantResult, concrete) -> bool:
    """A stored KILLED/EQGAP verdict still holds: its counterexample's input fails the killing
    property's concrete check on the mutant (``concrete(ctx, netlist, vectors, outputs, expected,
    method)`` is the campaign's own check)."""
    if res.status not in REPLAYED:
        return True
    inputs = (res.counterexample or {}).get("inputs")
    if not isinstance(inputs, dict) or set(inputs) != set(ctx.vectors):
        return False
    from . import equivalence as eq

    vectors = {k: np.array([int(v)], dtype=np.asarray(ctx.vectors[k]).dtype) for k, v in inputs.items()}
    original = eq.simulate(ctx.original, vectors)
    expected = [p.expected(vectors) if hasattr(p, "expected") else None for p in ctx.properties]
    _, _, failed, _ = concrete(ctx, mutant_netlist, vectors, original, expected, "cache-replay")
    return failed is not None and failed.name == res.killed_by


__all__ = ["campaign_digest", "mutant_key", "load", "store", "replays", "STORED"]
