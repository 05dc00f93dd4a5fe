"""`check_spec`: the statement-level pass over a spec. It merges the statements of the proof
strategies the spec uses, declares names, binds to the design when one is given, and builds each
property with the other modules of this package."""

from __future__ import annotations

from ...hdl.reset import ResetSequence
from ...prove.smtlib import missing_solver
from .. import ast
from ..proof_strategy import load_proof_strategy
from ..types import BitsT, FloatT, IntT, RoundT, VecT
from .binding import bind
from .decompose import check_maps, decompose_fixed
from .elementary import operand_only, recognise_elementary
from .equivalence import recognise_equivalence
from .mx_dot import recognise_mx_dot
from .expr_types import TypeChecker
from .faults import fault_settings
from .formats import define_spec_format
from .located import err, only_once
from .reference import bind_reference, check_reference_signals, reads_reference, reference_statements
from .results import CheckedSpec, FaultSettings, Port, Property
from .scope import Scope
from .splits import check_splits
from .vocabulary import MAX_RESET_CYCLES, SOLVERS
from .walker import default_name, first_golden, mentions_golden, property_kind


def check_spec(sf: ast.SpecFile, netlist=None, component=None, reference=None) -> CheckedSpec:
    """Check a parsed spec; with ``netlist`` (an elaborated `fpverify.hdl.ir.Netlist`) also bind
    ports and signals to it, and with ``reference`` (the `reference` design's (component,
    netlist)) bind the reference too."""
    scope = Scope()
    stmts = list(sf.statements)
    ref, ref_latency = reference_statements(stmts)
    if netlist is not None and ref is not None and reference is None:
        raise ValueError("a spec with a `reference` is bound with the reference's netlist too")
    ref_netlist = reference[1] if reference is not None else None
    types = TypeChecker(scope, netlist, ref_netlist, has_reference=ref is not None)
    strategies: list[str] = []
    extra: list = []  # statements of split strategies, joining the spec's
    decompose = None  # (decomposition Strategy, position of its `use`)
    for st in stmts:
        if isinstance(st, ast.Use):
            if st.strategy in strategies:
                raise err(f"strategy `{st.strategy}` is used twice", st.pos)
            strategies.append(st.strategy)
            loaded = load_proof_strategy(st.strategy, st.pos, sf.file)
            if isinstance(loaded, ast.SpecFile):
                extra.extend(loaded.statements)
            else:
                if decompose is not None:
                    raise err(f"one decomposition strategy per spec (`{decompose[0].name}` is "
                              f"used at line {decompose[1].line})", st.pos)
                decompose = (loaded, st.pos)
    design = _design_and_formats(scope, stmts)
    latency = _declarations(scope, stmts)
    clock, reset = _clock_and_reset(stmts)
    if design is None:
        raise err("the spec has no `design` statement", ast.Pos(sf.file, 1, 1))
    if not scope.inputs:
        raise err("the spec declares no inputs (`input a, b : FORMAT`)", design.pos)
    if not scope.outputs:
        raise err("the spec declares no outputs (`output y = dut.result : FORMAT`)", design.pos)
    check_reference_signals(scope, ref)
    binding = None
    if netlist is not None:
        bind(scope, netlist, component, design, latency, clock, reset,
             frozenset(ref_netlist.inputs) if ref is not None else frozenset())
        if ref is not None:
            binding = bind_reference(scope, ref, ref_latency, netlist, ref_netlist, reference[0], clock, reset)
        # a clock or reset only the reference has does not apply to the design
        clock = clock if clock is None or clock.port in netlist.inputs else None
        reset = reset if reset is None or reset.port in netlist.inputs else None
    assumes: list[ast.Expr] = []
    proves: list[ast.Prove] = []
    lemmas: list[ast.Lemma] = []
    splits: list[ast.Splitter] = []
    faults: FaultSettings | None = None
    options: dict[str, ast.Option] = {}
    for st in stmts + extra:
        if isinstance(st, ast.Assume):
            types.expect_bool(st.expr)
            assumes.append(st.expr)
        elif isinstance(st, ast.Prove):
            proves.append(st)
        elif isinstance(st, ast.Lemma):
            lemmas.append(st)
        elif isinstance(st, ast.SplitStmt):
            splits.extend(st.splits)
        elif isinstance(st, ast.Faults):
            only_once(faults, st, "faults settings are given twice")
            faults = fault_settings(st)
        elif isinstance(st, ast.Option):
            if st.key in options and options[st.key].pos.file == st.pos.file:
                raise err(f"`{st.key}` is given twice", st.pos)
            if st.key not in options or st.pos.file == sf.file:
                options[st.key] = st
    if not proves and not lemmas:
        raise err("the spec proves nothing: add a `prove` statement", design.pos)
    check_splits(scope, splits)
    properties = _properties(scope, types, lemmas, proves, tuple(assumes), tuple(splits))
    if netlist is not None:
        _equivalences_read_ports(properties, scope, netlist)
    timeout, solver = _options(options)
    spec = CheckedSpec(sf.file, design, scope.formats, scope.inputs, scope.outputs, scope.vars,
                       latency, properties, faults, strategies, timeout, solver,
                       bound=netlist is not None, source=sf,
                       clock=clock.port if clock else None,
                       reset=ResetSequence(reset.port, reset.value, reset.cycles) if reset else None,
                       reference_design=ref.design if ref else None, reference=binding)
    spec.stage_map = check_maps([st for st in stmts if isinstance(st, ast.Map)], decompose, netlist)
    if decompose is not None:
        spec.decompose, spec.decompose_pos = decompose
        eqs = [p for p in properties if p.kind == "equivalence"]
        if not eqs:
            raise err(f"strategy `{decompose[0].name}` proves `OUTPUT == op(...)` properties; "
                      f"this spec has none", decompose[1])
        for p in eqs:
            decompose_fixed(spec, p)
    return spec


def _design_and_formats(scope: Scope, stmts: list) -> ast.Design | None:
    design = None
    for st in stmts:
        if isinstance(st, ast.Design):
            design = only_once(design, st, "a spec has one design")
        elif isinstance(st, ast.FormatDef):
            define_spec_format(scope, st)
    return design


def _declarations(scope: Scope, stmts: list) -> int | None:
    """Declare inputs, outputs and variables; return the stated latency."""
    latency = None
    for st in stmts:
        if isinstance(st, ast.InputDecl):
            typ = scope.resolve_type(st.type)
            for b in st.bindings:
                scope.declare(b.name, b.pos, "an input")
                if b.signal is not None and b.signal.design != "dut":
                    raise err(f"an input binds a port of the design (`dut.{b.signal.path}`); the "
                              f"reference reads the same-named port", b.signal.pos)
                port = b.signal.path if b.signal else b.name
                scope.inputs[b.name] = Port(b.name, port, typ, b.pos, "in")
        elif isinstance(st, ast.OutputDecl):
            scope.declare(st.name, st.pos, "an output")
            typ = scope.resolve_type(st.type) if st.type else BitsT(None)
            if isinstance(typ, RoundT):
                raise err("an output cannot have type `rounding`", st.type.pos)
            if isinstance(typ, VecT):
                raise err(f"an output cannot have a vector type (`{typ}`); vectors are `mx_dot` inputs", st.type.pos)
            scope.outputs[st.name] = Port(st.name, st.signal.path, typ, st.pos, "out", st.signal.design)
        elif isinstance(st, ast.VarDecl):
            typ = scope.resolve_type(st.type)
            if not isinstance(typ, (FloatT, IntT)) and not (isinstance(typ, BitsT) and typ.width):
                raise err(f"a free variable needs a format or bits[N] type, not `{typ}`", st.type.pos)
            for n, p in st.names:
                scope.declare(n, p, "a variable")
                scope.vars[n] = typ
        elif isinstance(st, ast.Latency):
            if latency is not None:
                raise err("latency is given twice", st.pos)
            if st.cycles > 64:
                raise err(f"latency {st.cycles} is out of range (0..64)", st.pos)
            latency = st.cycles
    return latency


def _clock_and_reset(stmts: list) -> tuple[ast.Clock | None, ast.Reset | None]:
    """The `clock` and `reset` statements (at most one each)."""
    clock = reset = None
    for st in stmts:
        if isinstance(st, ast.Clock):
            clock = only_once(clock, st, "the clock is given twice")
        elif isinstance(st, ast.Reset):
            only_once(reset, st, "the reset is given twice")
            if st.value not in (0, 1):
                raise err(f"a reset is active at 0 or 1, not {st.value}", st.pos)
            if not 1 <= st.cycles <= MAX_RESET_CYCLES:
                raise err(f"reset for {st.cycles} cycles is out of range (1..{MAX_RESET_CYCLES})", st.pos)
            reset = st
    if clock is not None and reset is not None and clock.port == reset.port:
        raise err(f"`{clock.port}` cannot be both the clock and the reset", reset.pos)
    return clock, reset


def _properties(scope: Scope, types: TypeChecker, lemmas: list[ast.Lemma], proves: list[ast.Prove],
                assumes: tuple[ast.Expr, ...], splits: tuple[ast.Splitter, ...]) -> list[Property]:
    properties: list[Property] = []
    seen: dict[str, ast.Pos] = {}
    for lm in lemmas:
        _property_name(scope, lm.name, lm.pos, seen)
        types.expect_bool(lm.expr)
        local = (lm.assuming,) if lm.assuming is not None else ()
        for a in local:
            types.expect_bool(a)
        if mentions_golden(lm.expr):
            raise err("a lemma cannot use a golden operation; state it as a `prove`", lm.pos)
        properties.append(Property(lm.name, "lemma", lm.expr, assumes + local, (), lm.pos))
    for i, pr in enumerate(proves, 1):
        dot = recognise_mx_dot(scope, pr)
        if dot is not None:
            name = pr.name or ("eq_mx_dot_tosa" if dot.semantics == "tosa" else "eq_mx_dot")
            _property_name(scope, name, pr.pos, seen)
            if pr.assuming is not None or assumes or pr.splits or splits:
                raise err("an `mx_dot` property is proved over every input; drop `assume`, `assuming` "
                          "and `split on`", pr.pos)
            properties.append(Property(name, "mx-dot", pr.expr, (), (), pr.pos, dot=dot))
            continue
        el = recognise_elementary(scope, pr)
        name = pr.name or default_name(pr.expr)
        kind = property_kind(pr.expr)
        if el is not None:
            name = pr.name or (f"eq_{el.func}" if el.measure is None else f"{el.measure}_{el.func}")
            kind = "elementary" if el.measure is None else "error-bound"
        elif kind in ("assertion", "signals") and reads_reference(scope, pr.expr):
            kind = "reference"  # RTL against RTL (docs/dsl.md "RTL against RTL")
            name = pr.name or "matches_reference"
        if pr.name is None and name in seen:
            name = f"{name}_{i}"
        _property_name(scope, name, pr.pos, seen)
        local = (pr.assuming,) if pr.assuming is not None else ()
        for a in local:
            if mentions_golden(a):
                raise err("golden operations cannot appear in assumptions", first_golden(a).pos)
            types.expect_bool(a)
        check_splits(scope, pr.splits)
        if el is not None:
            if pr.splits:
                raise err("elementary properties are proved over every operand code; drop `split on`", pr.pos)
            operand_only(scope, el, assumes + local, pr.pos)
            properties.append(Property(name, kind, pr.expr, assumes + local, (), pr.pos, elementary=el))
            continue
        eq = recognise_equivalence(scope, pr)
        if eq is None:
            if pr.flags is not None:
                raise err("`with flags` applies to `OUTPUT == op(...)` properties only", pr.flags.pos)
            if pr.exact_nan is not None:
                raise err("`with exact nan` applies to `OUTPUT == op(...)` properties only", pr.exact_nan)
            types.expect_bool(pr.expr)
        properties.append(Property(name, "equivalence" if eq else kind, pr.expr,
                                   assumes + local, tuple(pr.splits) or splits, pr.pos, eq))
    return properties


def _property_name(scope: Scope, name: str, pos: ast.Pos, seen: dict) -> None:
    if name in seen:
        raise err(f"duplicate property name `{name}` (first at line {seen[name].line})", pos)
    if name in scope.names:
        raise err(f"property name `{name}` clashes with a declared name", pos)
    seen[name] = pos


def _options(options: dict[str, ast.Option]) -> tuple[float | None, str | None]:
    """The `timeout` and `solver` statements (the spec's own win over a strategy's)."""
    timeout = solver = None
    if "timeout" in options:
        o = options["timeout"]
        v = o.value.value
        if not 0 < v <= 10**6:
            raise err(f"timeout must be between 0 and 10^6 seconds, not {o.value.text}", o.value.pos)
        timeout = float(v)
    if "solver" in options:
        o = options["solver"]
        if o.value.value not in SOLVERS:
            raise err(f"unknown solver `{o.value.value}` (choose {', '.join(SOLVERS)})", o.value.pos)
        why = missing_solver(o.value.value)
        if why:
            raise err(why, o.value.pos)
        solver = str(o.value.value)
    return timeout, solver


def _equivalences_read_ports(properties, scope, netlist) -> None:
    """An equivalence with a golden operation reads the design's result and flags at output ports
    (the prover's miter and the fault grader compare ports, not internal signals)."""
    for p in properties:
        e = p.equivalence or p.dot
        if e is None:
            continue
        for name in (e.output, e.flags):
            port = scope.outputs[name] if name else None
            if port is None or port.design != "dut" or port.port in netlist.outputs:
                continue
            have = ", ".join(f"`{o}`" for o in netlist.outputs) or "none"
            raise err(f"`{name}` is bound to `dut.{port.port}`, which is not an output port of the design "
                      f"(its outputs: {have}); an equivalence reads output ports", port.pos)

