"""Replay a solver model: re-run the netlist (numpy evaluator, independent of the z3 translation)
and the golden model on the model's inputs, and confirm the mismatch before it is reported."""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

import z3

from ..formats import FloatFormat
from ..rounding import Env
from ..semantics.ops import get_op
from .render import code_text, flags_text
from .types import Counterexample, PortMap


def complete_inputs(ports: Mapping[str, z3.BitVecRef], model: Mapping[str, int]) -> dict[str, int]:
    """Every input port's value for a solver model (the rule of docs/proofs-internals.md,
    "Completing a model to full inputs"): a port the obligation fixes is a constant term (clk, rst,
    a ``sub``/``rm``/control port the property assumes) and keeps that constant; a free port takes
    the model's value, or 0 when the model leaves it unconstrained (any value satisfies the query),
    reduced to the port's width."""
    out = {}
    for name, term in ports.items():
        if z3.is_bv_value(term):
            out[name] = term.as_long()
        else:
            out[name] = int(model.get(name, 0)) % (1 << term.size())
    return out


def input_substitution(ports: Mapping[str, z3.BitVecRef], values: Mapping[str, int]) -> list:
    """z3 substitution pairs giving the free ports their ``values`` (fixed ports are constants
    already; substituting a constant would rewrite every equal literal in the terms)."""
    return [(t, z3.BitVecVal(values[n], t.size())) for n, t in ports.items() if not z3.is_bv_value(t)]


def premises_hold(premises, ports: Mapping[str, z3.BitVecRef], values: Mapping[str, int]) -> bool:
    """False iff some premise (valid codes, rm encoding, the property's assumptions) is false on the
    concrete input ``values``: a model outside the property's domain is never a counterexample. A
    premise that reads a non-port constant (it does not fold) is left to the solver's word."""
    subst = input_substitution(ports, values)
    for pm in premises:
        if z3.is_false(z3.simplify(z3.substitute(pm, *subst) if subst else pm)):
            return False
    return True


def evaluate_netlist(netlist, inputs: dict[str, int], cycles: int = 0, reset=None) -> dict[str, int]:
    """Output values of ``netlist`` on one input vector (numpy evaluator; z3 folding as fallback);
    ``reset``: a `fpverify.hdl.reset.ResetSequence` run before the ``cycles`` latency edges."""
    try:
        from ..hdl import evaluate as ev
    except ImportError:  # pragma: no cover - the evaluator is part of the package
        ev = None
    if ev is not None:
        if cycles or reset is not None:
            out = ev.evaluate_pipelined(netlist, inputs, cycles, reset=reset)
        else:
            out = ev.evaluate(netlist, inputs)
        return {k: int(v[0]) if hasattr(v, "__len__") else int(v) for k, v in out.items()}
    if reset is not None:  # pragma: no cover - the numpy evaluator is part of the package
        raise RuntimeError("a reset sequence needs the numpy evaluator")
    from ..smt.netlist_z3 import evaluate
    return evaluate(netlist, inputs, cycles=cycles)


def env_for(env: Env, ports: PortMap, inputs: dict[str, int]) -> Env:
    """The concrete environment of one vector: the rm port's mode (``ports`` resolved, see
    `PortMap.resolve`), the rand port's bits."""
    if ports.rm is not None:
        env = replace(env, rounding=ports.rm_rounding(inputs[ports.rm]))
    if ports.rand is not None and env.rounding.mode.stochastic:
        env = replace(env, random_bits=inputs[ports.rand])
    return env


def operand_ports(op: str, ports: PortMap) -> list[str]:
    """The ports holding ``op``'s operands, in operand order."""
    return [getattr(ports, role) for role in ("a", "b", "c")[:get_op(op).arity]]


def golden_result(op: str, fmt, out, env: Env, ports: PortMap, inputs: dict[str, int], lmul_policy=None,
                  addend=None):
    """``addend``: an FMA's c format when it is not ``fmt`` (mixed formats)."""
    o = get_op(op)
    if o.sub_select is not None and ports.sub is not None and inputs[ports.sub] & 1:
        o = get_op(o.sub_select)  # an adder's sub select flips add <-> sub
    codes = [inputs[name] for name in operand_ports(op, ports)]
    return o.run_golden(fmt, codes, env_for(env, ports, inputs), out=out, policy=lmul_policy, addend=addend)


def same(out: FloatFormat, x: tuple[int, int], y: tuple[int, int], flag_mask: int,
         nan_exact: bool = False) -> bool:
    """The miter's equality: both NaN (unless ``nan_exact``) or equal codes, and equal flags under
    ``flag_mask``."""
    code_ok = x[0] == y[0] or (not nan_exact and out.is_nan(x[0]) and out.is_nan(y[0]))
    return code_ok and (x[1] & flag_mask) == (y[1] & flag_mask)


def describe(fmt: FloatFormat, code: int) -> str:
    """A code as hex and its decoded value (-0 as -0, NaN with sign, quiet bit and payload)."""
    return code_text(fmt, code)


def replay(netlist, op: str, fmt, out, env: Env, ports: PortMap, inputs: dict[str, int],
           model_netlist: tuple[int, int], model_reference: tuple[int, int], flag_mask: int,
           lmul_policy=None, cycles: int = 0, nan_exact: bool = False,
           addend_fmt=None) -> tuple[Counterexample, str]:
    """(counterexample, problem): ``problem`` is empty iff the mismatch replayed everywhere.
    ``addend_fmt``: an FMA's c format when it is not ``fmt``."""
    problems = []
    outs = evaluate_netlist(netlist, inputs, cycles, ports.reset)
    net = (outs[ports.result], outs[ports.flags] if ports.flags else 0)
    if (net[0], net[1] & flag_mask) != (model_netlist[0], model_netlist[1] & flag_mask):
        problems.append(f"netlist evaluator gives {net}, the z3 translation {model_netlist}")
    g = golden_result(op, fmt, out, env, ports, inputs, lmul_policy, addend_fmt)
    gold = (g.code, int(g.flags))
    if not same(out, gold, model_reference, flag_mask, nan_exact):
        problems.append(f"golden model gives {gold}, the symbolic reference {model_reference}")
    if same(out, gold, net, flag_mask, nan_exact):
        problems.append("netlist and golden model agree on this input")
    names = operand_ports(op, ports)
    e = env_for(env, ports, inputs)
    roles = set(names) | {ports.rm, ports.sub, ports.rand} | {n for n, _ in ports.fixed}
    if ports.reset is not None:
        roles.add(ports.reset.port)
    free = {n: v for n, v in inputs.items() if n not in roles}
    role_fmt = {ports.c: addend_fmt} if addend_fmt is not None and ports.c else {}
    lines = ["  " + "  ".join(f"{n}={describe(role_fmt.get(n, fmt), inputs[n])}" for n in names)
             + f"  rounding={e.rounding}" + (f" R={e.random_bits}" if e.rounding.mode.stochastic else "")
             + (f" sub={inputs[ports.sub]}" if ports.sub else "")]
    held = {n: inputs[n] for n, _ in ports.fixed if n in inputs and n not in dict(PortMap().fixed)}
    if held:
        lines.append("  fixed inputs: " + " ".join(f"{n}={v:#x}" for n, v in held.items()))
    if free:
        lines.append("  unmapped (free) inputs: " + " ".join(f"{n}={v:#x}" for n, v in free.items())
                     + "  (map them in PortMap if they select the operation)")
    for label, (code, flags) in (("expected", gold), ("netlist ", net)):
        lines.append(" ".join(filter(None, (f"  {label} {code_text(out, code)}", flags_text(flags, flag_mask)))))
    cex = Counterexample(dict(inputs), model_reference, net, gold, not problems, "\n".join(lines))
    return cex, "; ".join(problems)


__all__ = ["replay", "premises_hold", "complete_inputs", "input_substitution", "evaluate_netlist", "golden_result", "env_for",
           "operand_ports", "same", "describe"]
