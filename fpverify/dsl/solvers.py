"""Second solver for the DSL's own obligations: Bitwuzla through SMT-LIB2 text.

``portfolio``: z3 first; an unsat answer must be confirmed by Bitwuzla (a disagreement is an
ERROR, never a proof); a z3 timeout falls back to Bitwuzla. Models (for replay) always come from
z3: a Bitwuzla-only sat answer with no z3 model is reported as unknown.
"""

from __future__ import annotations

import z3

from ..prove.smtlib import check_bitwuzla_terms


def bitwuzla_check(query: list[z3.BoolRef], timeout: float) -> str:
    """'sat' | 'unsat' | 'unknown' from Bitwuzla on the SMT-LIB2 text of ``query``."""
    return check_bitwuzla_terms(query, timeout)[0]


def _z3(query, timeout):
    s = z3.Solver()
    s.set(timeout=max(1, int(timeout * 1000)))
    s.add(*query)
    r = s.check()
    return ("sat", s.model()) if r == z3.sat else ("unsat", None) if r == z3.unsat else ("unknown", None)


def solve_portfolio(query: list[z3.BoolRef], timeout: float, solver: str):
    if solver == "bitwuzla":
        r = bitwuzla_check(query, timeout)
        if r == "sat":
            zr, model = _z3(query, timeout)
            if zr == "sat":
                return "sat", model, "bitwuzla"
            return "unknown", None, "bitwuzla"
        return r, None, "bitwuzla"
    zr, model = _z3(query, timeout)
    if zr == "sat":
        return "sat", model, "z3"
    br = bitwuzla_check(query, timeout)
    if zr == "unsat":
        if br == "sat":
            raise RuntimeError("z3 says unsat, Bitwuzla says sat: solver disagreement")
        return ("unsat", None, "z3+bitwuzla") if br == "unsat" else ("unknown", None, "z3 (bitwuzla unknown)")
    if br == "unsat":
        return "unsat", None, "bitwuzla"
    return "unknown", None, "z3+bitwuzla"
