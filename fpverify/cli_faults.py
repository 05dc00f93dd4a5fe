"""`fpverify faults SPEC`: grade a spec's properties by mutation (see docs/faults.md)."""

from __future__ import annotations

import json
import sys

import click

from .cli_cluster import cache_option, engine, proof_cache_setting, scheduler_option
from .cli_report import html_option, write_html
from .errors import InputError
from .exitcodes import ExitCode, combine


def _strip_dut(path: str) -> str:
    return path[4:] if path.startswith("dut.") else path


def _elaborate(spec):
    """The spec's design as an IR netlist (resolved as `prove` does, `fpverify.dsl.design`)."""
    from .dsl.design import elaborate_design

    return elaborate_design(spec)[1]


def pipeline_view(spec, netlist):
    """A pipelined design (latency, clock, reset) is graded as the combinational netlist of one
    evaluation (`fpverify.hdl.unroll`); None for a combinational design."""
    if not (netlist.is_sequential or spec.latency or spec.reset is not None):
        return None
    from functools import partial

    from .hdl.unroll import unroll

    return partial(unroll, latency=spec.latency or 0, held=spec.held_inputs, reset=spec.reset)


def _operand_classes(expr, spec) -> list:
    """``normal(a) and finite(b)`` -> [OperandClass('normal', 'a'), OperandClass('finite', 'b')];
    ``s == 0`` on a bits input (an adder's subtract select) -> [PortValue('s', 0)]."""
    from .faults.properties import CLASSES, OperandClass, PortValue
    from .dsl import ast
    from .dsl.types import BitsT

    if isinstance(expr, ast.Binary) and expr.op == "and":
        return _operand_classes(expr.left, spec) + _operand_classes(expr.right, spec)
    if isinstance(expr, ast.Call) and expr.func in CLASSES and len(expr.args) == 1 and not expr.kwargs:
        arg = expr.args[0]
        name = arg.id if isinstance(arg, ast.Name) else None
        if name in spec.inputs:
            return [OperandClass(expr.func, _strip_dut(spec.inputs[name].port))]
    if isinstance(expr, ast.Compare) and expr.ops == ("==",):
        x, y = expr.operands
        if isinstance(x, ast.Num):
            x, y = y, x
        if isinstance(x, ast.Name) and x.id in spec.inputs and isinstance(y, ast.Num) \
                and isinstance(spec.inputs[x.id].type, BitsT) and y.value.denominator == 1 and y.value >= 0:
            return [PortValue(_strip_dut(spec.inputs[x.id].port), int(y.value))]
    pos = getattr(expr, "pos", None)
    raise InputError("fault campaigns support operand-class assumptions only "
                     f"({', '.join(CLASSES)}(x) on an input, or BITS_INPUT == CONSTANT)",
                     *(pos and (pos.file, pos.line, pos.col) or ()))


def properties_from_spec(spec) -> tuple[list, list[str]]:
    """GoldenEquivalence properties for the spec's equivalence properties, and notes on the rest."""
    from .faults.properties import GoldenEquivalence
    from .rounding import Env, Tininess

    props, skipped = [], []
    for p in spec.properties:
        e = p.equivalence
        if p.dot is not None:
            if p.dot.rounding_input:
                skipped.append(f"{p.name}: not graded (mx_dot with a rounding input: the campaign property "
                               "has a static mode)")
            else:
                props.append(_dot_property(spec, p))
            continue
        if p.kind != "equivalence" or e is None:
            skipped.append(f"{p.name} ({p.kind}): not graded (only equivalence properties are, so far)")
            continue
        if e.random_input:
            skipped.append(f"{p.name}: not graded (stochastic rounding: the fault checker has no random-bits port yet)")
            continue
        ports = {"a": _strip_dut(spec.inputs[e.operands[0]].port),
                 "b": _strip_dut(spec.inputs[e.operands[1]].port) if len(e.operands) > 1 else None,
                 "result": _strip_dut(spec.outputs[e.output].port),
                 "flags": _strip_dut(spec.outputs[e.flags].port) if e.flags else None,
                 "rm": _strip_dut(spec.inputs[e.rounding_input].port) if e.rounding_input else None,
                 "sub": None}
        if len(e.operands) > 2:  # an FMA's addend
            ports["c"] = _strip_dut(spec.inputs[e.operands[2]].port)
        env = Env(e.rounding, e.overflow, e.tininess or Tininess.AFTER) if e.rounding else \
            Env(overflow=e.overflow, tininess=e.tininess or Tininess.AFTER)
        props.append(GoldenEquivalence(e.op, e.fmt, env, e.out_fmt, e.lmul_policy, ports,
                                       check_flags=e.flags is not None,
                                       nan_exact=getattr(e, "nan_exact", False),
                                       addend_fmt=getattr(e, "addend_fmt", None),
                                       assume=tuple(c for a in p.assumptions for c in _operand_classes(a, spec)),
                                       name=p.name, solver=spec.solver if spec.solver in ("z3", "bitwuzla") else "z3"))
    return props, skipped


def _dot_property(spec, p):
    """The campaign property of ``y == mx_dot(...)`` on the spec's port binding."""
    from .dsl.prove_mx_dot import dot_ports
    from .faults.mx_dot_property import MXDotEquivalence

    d = p.dot
    ports = {role: _strip_dut(port) if port else None for role, port in dot_ports(spec, p).items()}
    return MXDotEquivalence(d.elem_a, d.k, d.out_fmt, d.env, d.elem_b, name=p.name, ports=ports,
                            solver=spec.solver if spec.solver in ("z3", "bitwuzla") else "bitwuzla")


@click.command("faults")
@click.argument("spec_file", type=click.Path(dir_okay=False))
@click.option("--mutants", "-n", type=click.IntRange(1), default=None, help="number of mutants (default: spec or 100)")
@click.option("--seed", type=click.IntRange(0), default=None, help="sampling seed (default: spec or 0)")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None, help="worker processes")
@click.option("--timeout", type=click.FloatRange(0.1), default=None, help="seconds per SMT check (default 30)")
@click.option("--json", "json_file", default=None, help="write the JSON report to FILE (- for stdout)")
@click.option("--operators", default=None, help="comma-separated IR operators (inv,const0,const1,cnot0,cnot1,opswap,const)")
@click.option("--no-semantic", is_flag=True, help="IR mutants only")
@click.option("--no-smt", is_flag=True, help="decide by exhaustive simulation only (FP8 and smaller)")
@cache_option
@scheduler_option
@html_option
def faults_cmd(spec_file, mutants, seed, jobs, timeout, json_file, operators, no_semantic, no_smt, no_cache,
               scheduler, html_out):
    """Mutation campaign: how many injected faults do SPEC_FILE's properties catch?

    Exit 0 if every non-equivalent mutant is killed and EQGAP is 0; 1 otherwise (a survivor, an
    unknown or EQGAP > 0 refutes the strength of the spec); 2 on bad input; 4 when the SMT verdict
    on a mutant disagrees with exhaustive simulation (a bug in fpverify); 130 when interrupted (the
    partial report is still written).
    """
    with proof_cache_setting(no_cache), engine(scheduler) as ex:  # unreachable scheduler: exit 2 first
        _faults(spec_file, mutants, seed, jobs, timeout, json_file, operators, no_semantic, no_smt,
                ex if ex.remote else None, html_out)


def _faults(spec_file, mutants, seed, jobs, timeout, json_file, operators, no_semantic, no_smt, executor,
            html_out=None):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .faults.campaign import CampaignError, run_campaign
    from .faults.mutate import ALL_OPERATORS
    from .dsl import load_spec

    spec = load_spec(spec_file)
    fs = spec.faults
    n = mutants or (fs.mutants if fs and fs.mutants else 100)
    seed = seed if seed is not None else (fs.seed if fs and fs.seed is not None else 0)
    jobs = jobs or (fs.jobs if fs and fs.jobs else 1)
    timeout = timeout or (fs.timeout if fs and fs.timeout else 30.0)
    ops = [o.strip() for o in operators.split(",")] if operators else (list(fs.operators) if fs and fs.operators else None)
    if ops:
        bad = [o for o in ops if o not in ALL_OPERATORS]
        if bad:
            raise click.BadParameter(f"unknown operator(s) {', '.join(bad)} (choose from {', '.join(ALL_OPERATORS)})",
                                     param_hint="--operators")
    semantic = False if no_semantic else (list(fs.semantic) if fs and fs.semantic else True)
    props, skipped = properties_from_spec(spec)
    if not props:
        raise InputError("the spec has no equivalence property to grade", spec_file)
    console = Console(stderr=True)
    for s in skipped:
        console.print(f"[yellow]note:[/] {s}")
    netlist = _elaborate(spec)
    with Progress(TextColumn("[bold]mutants"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("", total=n)

        def progress(res, done, total):
            bar.update(task, completed=done, total=total, description=f"{res.id}: {res.status}")
        try:
            report = run_campaign(netlist, props, n=n, seed=seed, operators=ops, semantic=semantic, jobs=jobs,
                                  timeout_s=timeout, smt=not no_smt, progress=progress, name=spec.design.text,
                                  view=pipeline_view(spec, netlist), executor=executor)
        except CampaignError as e:
            raise InputError(str(e), spec_file) from None
    report.spec = spec_file
    report.render(Console())
    if json_file:
        report.write_json(json_file)
    if html_out:
        write_html(json.loads(json.dumps(report.to_json(), default=str)), html_out)
    if report.interrupted:
        click.echo("interrupted: partial results above", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    weak = report.eqgap > 0 or bool(report.survivors())  # the spec lets a fault through
    codes = [ExitCode.REFUTED] if weak else []
    if report.smt_disagreements():
        codes.append(ExitCode.INTERNAL)
    sys.exit(combine(codes))
