"""SMT-LIB2 export of obligations and the Bitwuzla second opinion (text → `bitwuzla.Parser`)."""

from __future__ import annotations

import time
from pathlib import Path

from .obligation import Obligation


def export(obligation: Obligation, path: str | Path) -> Path:
    """Write the obligation's query (sat = counterexample) to ``path``."""
    p = Path(path)
    p.write_text(obligation.to_smtlib())
    return p


def bitwuzla_version() -> str:
    try:
        import bitwuzla
    except ImportError:
        return "not installed"
    return bitwuzla.version()


def missing_solver(name: str) -> str | None:
    """None when solver ``name`` can run here, else why not (with the pip command that fixes it).
    "portfolio" needs Bitwuzla too; z3 is a core dependency."""
    if name not in ("bitwuzla", "portfolio"):
        return None
    try:
        import bitwuzla  # noqa: F401
    except ImportError:
        return (f"solver `{name}` needs the bitwuzla package, which is not installed here "
                "(pip install 'bitwuzla>=0.6,<0.10')")
    return None


def check_bitwuzla_terms(query, timeout_s: float) -> tuple[str, dict[str, int] | None]:
    """("unsat" | "sat" | "unknown", model of the declared bit-vector constants or None) of
    Bitwuzla on the SMT-LIB2 text of the z3 Boolean terms ``query`` (a conjunction)."""
    import bitwuzla as bz
    import z3

    from .obligation import strip_unary_connectives

    s = z3.Solver()
    s.add(*query)
    text = strip_unary_connectives(s.to_smt2())
    tm = bz.TermManager()
    opts = bz.Options()
    opts.set(bz.Option.PRODUCE_MODELS, True)
    opts.set(bz.Option.TIME_LIMIT_PER, max(1, int(timeout_s * 1000)))
    parser = bz.Parser(tm, opts)
    lines = [ln for ln in text.splitlines() if not ln.startswith("(check-sat")]
    parser.parse("(set-logic QF_BV)\n" + "\n".join(lines), True, False)
    solver = parser.bitwuzla()
    res = solver.check_sat()
    if res == bz.Result.UNSAT:
        return "unsat", None
    if res != bz.Result.SAT:
        return "unknown", None
    return "sat", {f.symbol(): int(solver.get_value(f).value(10)) for f in parser.get_declared_funs()
                   if f.sort().is_bv()}


def check_bitwuzla(obligation: Obligation, timeout_s: float = 60, logic: str = "QF_BV"
                   ) -> tuple[str, dict[str, int] | None, float]:
    """("unsat" | "sat" | "unknown", model of the declared constants or None, seconds).
    ``logic="QF_BVFP"`` for obligations that use the floating-point theory."""
    import bitwuzla as bz

    text = obligation.to_smtlib(logic)
    # the parser runs check-sat itself unless parse_only; we call it explicitly
    text = "\n".join(ln for ln in text.splitlines() if ln.strip() not in ("(check-sat)",))
    tm = bz.TermManager()
    opts = bz.Options()
    opts.set(bz.Option.PRODUCE_MODELS, True)
    opts.set(bz.Option.TIME_LIMIT_PER, max(1, int(timeout_s * 1000)))
    parser = bz.Parser(tm, opts)
    t0 = time.perf_counter()
    parser.parse(text, True, False)
    solver = parser.bitwuzla()
    res = solver.check_sat()
    seconds = time.perf_counter() - t0
    if res == bz.Result.UNSAT:
        return "unsat", None, seconds
    if res != bz.Result.SAT:
        return "unknown", None, seconds
    model: dict[str, int] = {}
    for f in parser.get_declared_funs():
        sort = f.sort()
        if sort.is_bv():
            model[f.symbol()] = int(solver.get_value(f).value(10))
        elif sort.is_bool():
            model[f.symbol()] = int(solver.get_value(f).value())
    return "sat", model, seconds


__all__ = ["export", "check_bitwuzla", "check_bitwuzla_terms", "bitwuzla_version", "missing_solver"]
