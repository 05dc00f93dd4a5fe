"""Monolithic equivalence proofs: one miter (netlist vs symbolic reference) per call.

The miter: for all port values satisfying the premises (valid codes, rm within its encoding, the
caller's assumptions), the netlist's result equals the reference's (NaN as a class) and its flag
bits equal the reference's flag bits (only the bits the flags port has, at most the six `Flags`).
With ``nan_exact`` the result must equal the reference's code bit for bit (the reference's NaN
encoding, i.e. the canonical NaN, is pinned).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Sequence

import z3

from ..formats import FloatFormat, Format, FormatError
from ..tapered import TaperedFormat
from ..hdl.reset import unrolled_edges
from ..rounding import Env
from ..semantics.ops import Op, UnknownOp, get_op, names
from ..smt import reference as ref
from ..smt.netlist_z3 import translate
from ..smt.reference.bv import const, ite
from ..smt.reference.tapered import unpack_any as unpack
from . import cache as proof_cache
from .obligation import Obligation, conj, disj
from .replay import complete_inputs, input_substitution, premises_hold, replay
from .types import PortMap, ProofResult, SymbolicInputs

FLAG_BITS = 6  # INEXACT .. SATURATED


class ProofSetupError(ValueError):
    """The netlist's ports do not fit the requested proof (missing port, wrong width...)."""


def _port(netlist, name: str, kind: str) -> int:
    table = netlist.inputs if kind == "input" else netlist.outputs
    if name not in table:
        have = ", ".join(table) or "none"
        raise ProofSetupError(f"{netlist.name}: no {kind} port {name!r} (its {kind}s: {have})")
    return len(table[name])


ROLES = ("a", "b", "c")  # operand roles (PortMap fields), in operand order


def provable_op(name: str) -> Op:
    """The registry entry of ``name`` if the prover has a symbolic reference for it."""
    try:
        op = get_op(name)
    except UnknownOp:
        op = None
    if op is None or op.symbolic is None:
        raise ProofSetupError(f"unknown operation {name!r} (one of {', '.join(names('symbolic'))})")
    return op


def reference_for(op: str, fmt: Format, out: Format, env: Env, sym: SymbolicInputs, lmul_policy=None):
    """The reference RefResult for one concrete environment (rm already resolved)."""
    rand = sym.rand if env.rounding.mode.stochastic else None
    if rand is not None and rand.size() != env.rounding.nbits:
        raise ProofSetupError(f"rand port is {rand.size()} bits, {env.rounding} needs {env.rounding.nbits}")
    o = provable_op(op)
    if o.sub_select is not None and sym.sub is not None:
        # an adder's sub select: one reference whose subtraction is symbolic (a - b when it differs)
        subtract = z3.Xor(z3.BoolVal(o.name == "sub"), z3.Extract(0, 0, sym.sub) == 1)
        return ref.add(fmt, sym.a, sym.b, env, out, rand, subtract=subtract)
    operands = [getattr(sym, role) for role in ROLES[:o.arity]]
    return o.run_symbolic(fmt, operands, env, out=out, policy=lmul_policy, rand=rand,
                          addend=getattr(sym, "addend_fmt", None))


def build_obligation(netlist, op: str, fmt: Format, *, out_fmt: Format | None = None, env: Env = Env(),
                     lmul_policy=None, ports: PortMap = PortMap(), assumptions: Sequence = (),
                     check_flags: bool = True, cycles: int = 0, nan_exact: bool = False,
                     addend_fmt: Format | None = None):
    """(obligation, netlist terms, reference, flag mask, symbolic inputs, lemma names, resolved ports).

    ``addend_fmt``: the format of operand c when it differs from ``fmt`` (a mixed FMA: a, b bf16,
    c f32); ``out_fmt`` then defaults to it.

    The resolved ports have ``rm_encoding`` parsed to `Rounding` objects (`PortMap.resolve`), so
    replay reads the rounding of each rm value without parsing it again."""
    o = provable_op(op)
    if addend_fmt is not None and addend_fmt == fmt:
        addend_fmt = None
    if addend_fmt is not None and (o.arity < 3 or o.name != "fma"):
        raise ProofSetupError(f"{op} has no addend: a second operand format is for fma only")
    out = out_fmt or addend_fmt or fmt
    if o.needs_out and out_fmt is None:
        raise ProofSetupError(f"{op} needs out_fmt (the destination format)")
    for f in (fmt, out) + ((addend_fmt,) if addend_fmt is not None else ()):
        if not isinstance(f, (FloatFormat, TaperedFormat)):
            raise FormatError(f"proofs cover float formats; {f.name} is not one")
    operands = {role: getattr(ports, role) for role in ROLES[:o.arity]}
    for role, name in operands.items():
        if name is None:
            raise ProofSetupError(f"{op} needs port {role!r} (PortMap({role}=...))")
        w = _port(netlist, name, "input")
        f = addend_fmt if role == "c" and addend_fmt is not None else fmt
        if w != f.width:
            raise ProofSetupError(f"port {name!r} is {w} bits, {f.name} codes are {f.width}")
    w = _port(netlist, ports.result, "output")
    if w != out.width:
        raise ProofSetupError(f"port {ports.result!r} is {w} bits, {out.name} codes are {out.width}")
    flag_w = _port(netlist, ports.flags, "output") if (check_flags and ports.flags) else 0
    flag_mask = (1 << min(flag_w, FLAG_BITS)) - 1
    if ports.rand is not None and ports.rand not in netlist.inputs:
        if ports.rand != PortMap().rand:
            _port(netlist, ports.rand, "input")  # an explicitly named port must exist
        ports = replace(ports, rand=None)
    if ports.rand is not None and not env.rounding.mode.stochastic and ports.rm is None:
        ports = replace(ports, rand=None)  # a deterministic unit: the port is a free input
    for extra in (ports.rm, ports.sub, ports.rand):
        if extra is not None:
            _port(netlist, extra, "input")
    rm_names = ", ".join(f"{v}={n}" for v, n in ports.rm_encoding)
    if ports.rm is not None:
        ports = ports.resolve(env)  # rounding names -> Rounding, once for the proof and its replay

    fixed = {n: v for n, v in ports.fixed if n in netlist.inputs and len(netlist.inputs[n])}
    reset = ports.reset
    if reset is not None:
        _port(netlist, reset.port, "input")
        fixed[reset.port] = reset.released  # after the reset cycles (`fpverify.hdl.reset`)
    vars_ = {name: (z3.BitVecVal(fixed[name], len(v)) if name in fixed else z3.BitVec(name, len(v)))
             for name, v in netlist.inputs.items() if len(v)}
    terms = translate(netlist, vars_, cycles=unrolled_edges(cycles, reset),
                      inputs_per_cycle=reset.prefix() if reset is not None else None)
    sym = SymbolicInputs(ports=vars_, fmt=fmt, out_fmt=out, a=vars_[ports.a],
                         b=vars_.get(ports.b) if ports.b else None, c=vars_.get(ports.c) if ports.c else None,
                         rm=vars_.get(ports.rm) if ports.rm else None, sub=vars_.get(ports.sub) if ports.sub else None,
                         rand=vars_.get(ports.rand) if ports.rand else None, addend_fmt=addend_fmt)
    premises: list[z3.BoolRef] = []
    if sym.rm is not None:
        modes = rm_names
        enc = list(ports.rm_encoding)
        refs = []
        for value, rounding in enc:
            e = replace(env, rounding=rounding)
            refs.append((value, reference_for(op, fmt, out, e, sym, lmul_policy)))
        w_rm = sym.rm.size()
        code, flags, defined = refs[-1][1].code, refs[-1][1].flags, refs[-1][1].defined
        for value, r in reversed(refs[:-1]):
            sel = sym.rm == const(value, w_rm)
            code, flags, defined = ite(sel, r.code, code), ite(sel, r.flags, flags), ite(sel, r.defined, defined)
        premises.append(disj([sym.rm == const(v, w_rm) for v, _ in enc]))
        reference = refs[0][1]
        reference = replace(reference, code=code, flags=flags, defined=defined)
    else:
        reference = reference_for(op, fmt, out, env, sym, lmul_policy)
        modes = str(env.rounding)
    premises.append(reference.defined)
    lemmas = []
    for i, assume in enumerate(assumptions):
        premises.append(assume(sym))
        lemmas.append(getattr(assume, "name", None) or getattr(assume, "__name__", f"assumption{i}"))

    net_code = terms.output(ports.result)
    nan_net = unpack(out, net_code).is_nan
    nan_ref = unpack(out, reference.code).is_nan
    # nan_exact: plain bit equality, pinning the reference's (canonical) NaN encoding
    code_ok = (net_code == reference.code) if nan_exact else z3.Or(net_code == reference.code,
                                                                   z3.And(nan_net, nan_ref))
    goals = [code_ok]
    net_flags = None
    if flag_w:
        net_flags = terms.output(ports.flags)
        k = min(flag_w, FLAG_BITS)
        goals.append(z3.Extract(k - 1, 0, net_flags) == z3.Extract(k - 1, 0, reference.flags))
    policy = f" lmul[{lmul_policy}]" if o.takes_policy and lmul_policy is not None else ""
    on = fmt.name + (f"+{addend_fmt.name}" if addend_fmt is not None else "")
    name = f"{netlist.name}:{op}:{on}" + (f"->{out.name}" if out is not fmt else "") + f":{modes}"
    desc = (f"netlist {netlist.name} == reference {op}{policy} on {on}"
            + (f" -> {out.name}" if out is not fmt else "")
            + f", rounding {modes}, overflow {env.overflow_for(out).value}, tininess {env.tininess.value}; "
            f"result ({'exact NaN encoding' if nan_exact else 'NaN as a class'}){' and flags mask %#x' % flag_mask if flag_w else ', flags not compared'}")
    ob = Obligation(name, desc, premises, conj(goals))
    ob.watch = {"net_code": net_code, "ref_code": reference.code, "ref_flags": reference.flags}
    if net_flags is not None:
        ob.watch["net_flags"] = net_flags
    return ob, terms, reference, flag_mask, sym, lemmas, ports


def z3_solver() -> z3.Solver:
    """The z3 solver for monolithic miters: simplify, propagate, eliminate unconstrained terms,
    bit-blast, SAT. On the small-unit benchmark it is 10-30 % faster than ``SolverFor("QF_BV")``
    on the slowest (stochastic-rounding multiplier) miters, and it keeps models for replay."""
    return z3.Then("simplify", "propagate-values", "solve-eqs", "elim-uncnstr", "simplify", "bit-blast",
                   "sat").solver()


def prove_monolithic(netlist, op: str, fmt: Format, *, out_fmt=None, env: Env = Env(), lmul_policy=None,
                     ports: PortMap = PortMap(), assumptions: Sequence = (), check_flags: bool = True,
                     timeout_s: float = 60, solver: str = "z3", cycles: int = 0,
                     nan_exact: bool = False, addend_fmt: Format | None = None) -> ProofResult:
    c0 = time.process_time()
    result = _prove(netlist, op, fmt, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy, ports=ports,
                    assumptions=assumptions, check_flags=check_flags, timeout_s=timeout_s, solver=solver,
                    cycles=cycles, nan_exact=nan_exact, addend_fmt=addend_fmt)
    result.cpu_seconds = time.process_time() - c0
    return result


def _prove(netlist, op, fmt, *, out_fmt, env, lmul_policy, ports, assumptions, check_flags, timeout_s,
           solver, cycles, nan_exact=False, addend_fmt=None) -> ProofResult:
    t0 = time.perf_counter()
    ob, terms, reference, flag_mask, sym, lemmas, ports = build_obligation(
        netlist, op, fmt, out_fmt=out_fmt, env=env, lmul_policy=lmul_policy, ports=ports,
        assumptions=assumptions, check_flags=check_flags, cycles=cycles, nan_exact=nan_exact,
        addend_fmt=addend_fmt)
    out = sym.out_fmt
    if solver not in ("z3", "bitwuzla"):
        raise ProofSetupError(f"unknown solver {solver!r} (z3 or bitwuzla)")
    cache = proof_cache.active()
    text = ob.query  # the key: the query's terms (`cache.query_digest`)
    entry = cache.get(text, solver) if cache is not None else None
    if entry is not None and entry.answer == "unsat":
        return ProofResult("PROVED", time.perf_counter() - t0, solver, entry.version, None, ob, lemmas,
                           cached=entry.note())
    hint = proof_cache.completed_model(ob.query, entry.model) if entry is not None and entry.model else None
    if hint is not None:
        # a cached counterexample is a hint: it is replayed like a fresh one and used only if it replays
        hinted = _refutation(netlist, op, fmt, out, env, ports, sym, ob, lemmas, flag_mask, lmul_policy,
                             cycles, nan_exact, complete_inputs(sym.ports, hint), solver, entry.version, t0)
        if hinted.status == "REFUTED":
            hinted.cached = f"model {entry.note()}, replayed"
            return hinted
    t_solve = time.perf_counter()
    answer, version, inputs_model, message = _solve(ob, sym, solver, timeout_s)
    if cache is not None:
        cache.put(text, solver, answer, time.perf_counter() - t_solve, inputs_model)
    if answer == "unsat":
        return ProofResult("PROVED", time.perf_counter() - t0, solver, version, None, ob, lemmas)
    if answer != "sat":
        return ProofResult("UNKNOWN", time.perf_counter() - t0, solver, version, None, ob, lemmas, message=message)
    return _refutation(netlist, op, fmt, out, env, ports, sym, ob, lemmas, flag_mask, lmul_policy, cycles,
                       nan_exact, inputs_model, solver, version, t0)


def _solve(ob: Obligation, sym, solver: str, timeout_s: float) -> tuple[str, str, dict[str, int] | None, str]:
    """(answer "sat" | "unsat" | "unknown", solver version, completed input model of a sat answer, message)."""
    if solver == "z3":
        version = z3.get_version_string()
        s = z3_solver()
        s.set("timeout", max(1, int(timeout_s * 1000)))
        for a in ob.query:
            s.add(a)
        r = s.check()
        if r == z3.unsat:
            return "unsat", version, None, ""
        if r != z3.sat:
            return "unknown", version, None, f"z3: {s.reason_unknown()}"
        model = s.model()
        return "sat", version, complete_inputs(sym.ports, {n: model.eval(v, model_completion=True).as_long()
                                                           for n, v in sym.ports.items()}), ""
    from .smtlib import bitwuzla_version, check_bitwuzla
    version = bitwuzla_version()
    status, model_vals, _ = check_bitwuzla(ob, timeout_s)
    if status == "unsat":
        return "unsat", version, None, ""
    if status != "sat":
        return "unknown", version, None, "bitwuzla: unknown (time limit)"
    return "sat", version, complete_inputs(sym.ports, model_vals or {}), ""


def _refutation(netlist, op, fmt, out, env, ports, sym, ob, lemmas, flag_mask, lmul_policy, cycles, nan_exact,
                inputs_model, solver, version, t0) -> ProofResult:
    """A model: evaluate both sides under it (z3 folding), then replay independently."""
    subst = input_substitution(sym.ports, inputs_model)
    val = lambda t: z3.simplify(z3.substitute(t, *subst)).as_long()
    model_net = (val(ob.watch["net_code"]), val(ob.watch["net_flags"]) if "net_flags" in ob.watch else 0)
    model_ref = (val(ob.watch["ref_code"]), val(ob.watch["ref_flags"]))
    cex, problem = replay(netlist, op, fmt, out, env, ports, inputs_model, model_net, model_ref, flag_mask,
                          lmul_policy, cycles, nan_exact=nan_exact, addend_fmt=sym.addend_fmt)
    seconds = time.perf_counter() - t0
    if not premises_hold(ob.premises, sym.ports, inputs_model):
        problem = "; ".join(filter(None, [problem, "the model is outside the property's domain (a premise is false)"]))
        cex = replace(cex, replayed=False)
    if problem:
        return ProofResult("ERROR", seconds, solver, version, cex, ob, lemmas,
                           message=f"counterexample did not replay (tool bug, not a design bug): {problem}")
    return ProofResult("REFUTED", seconds, solver, version, cex, ob, lemmas)


__all__ = ["prove_monolithic", "build_obligation", "ProofSetupError", "reference_for", "provable_op", "ROLES"]
