"""Checked spec + netlist -> proof obligations, discharged and (when refuted) replayed.

`prove_case` picks the prover of one obligation:

* ``OUTPUT == op(...)`` properties go to `fpverify.prove.api.prove_equivalence`
  (`prove_equivalence.py`), or under ``use strategy decompose_*`` to the lemma-decomposition
  engine (`prove_decomposed.py`);
* ``OUTPUT == mx_dot(...)`` goes to `fpverify.prove.mx_dot.prove_mx_dot` (`prove_mx_dot.py`);
* every other property (relational, error bounds, lemmas over internal signals) becomes an
  `Obligation` of `fpverify.smt.netlist_z3` terms (`obligations.py`); a counterexample is replayed
  with `concrete.py` on `fpverify.hdl.evaluate` (`replay.py`) and rendered by `describe.py`.

``split on ...`` makes one obligation per case (`cases.py`); the cases of each splitter are proved
to cover every code before anything is reported as PROVED. Results: `verdicts.py`.
"""

from __future__ import annotations

from .cases import Case
from .check import CheckedSpec, Property
from .obligations import prove_general_case
from .prove_decomposed import prove_decomposed_case
from .prove_elementary import prove_elementary_case
from .prove_equivalence import prove_equivalence_case
from .prove_mx_dot import prove_mx_dot_case
from .verdicts import CaseResult


def prove_case(spec: CheckedSpec, netlist, prop: Property, case: Case, *, timeout: float | None,
               solver: str | None, workers: int | None = None, progress=None) -> CaseResult:
    """``progress``: an obligation callback (`prove_decomposed`'s) for decomposed proofs."""
    try:
        if prop.kind == "equivalence" and getattr(spec, "decompose", None) is not None:
            return prove_decomposed_case(spec, netlist, prop, timeout=timeout, solver=solver, workers=workers,
                                         progress=progress)
        timeout = 60.0 if timeout is None else timeout
        if prop.dot is not None:  # OUT == mx_dot(...): the dot unit's miter (prove/mx_dot.py), bitwuzla by default
            return prove_mx_dot_case(spec, netlist, prop, case, timeout=timeout, solver=solver or "bitwuzla")
        solver = solver or "z3"
        if prop.elementary is not None:  # proved by exhaustion over the operand codes
            return prove_elementary_case(spec, netlist, prop, case, timeout=timeout, solver=solver)
        if prop.kind == "equivalence":
            return prove_equivalence_case(spec, netlist, prop, case, timeout=timeout, solver=solver)
        return prove_general_case(spec, netlist, prop, case, timeout=timeout, solver=solver)
    except KeyboardInterrupt:
        raise
    except Exception as e:  # an internal failure is reported per obligation, never as a proof
        import traceback

        tb = traceback.format_exc(limit=3).strip().splitlines()[-1]
        return CaseResult(case.label, "ERROR", 0.0, solver, message=f"internal error: {type(e).__name__}: {e} "
                          f"[{tb}]")
