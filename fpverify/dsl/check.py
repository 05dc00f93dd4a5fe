"""Semantic checks: names, formats, types and widths. Produces a `CheckedSpec` or raises ONE
`InputError` at the file:line:col of the first problem.

Checking runs twice: once on the text alone (`check_spec(sf)`), and again once the design is
elaborated (`check_spec(sf, netlist=nl)`), which adds port existence, widths and internal signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..formats import FloatFormat, FormatError, Overflow, Specials, define_format, get_format
from ..rounding import Rounding, Tininess, parse_rounding
from . import ast
from .parser import KEYWORDS, parse_file
from .types import BitsT, BoolT, ErrT, FloatT, IntT, RealT, RoundT, Type, type_width

GOLDEN_OPS = {"add": 2, "sub": 2, "mul": 2, "div": 2, "sqrt": 1, "fma": 3, "lmul": 2}
CLASS_PREDICATES = ("normal", "subnormal", "zero", "inf", "nan", "finite", "negative")
FUNCTIONS = CLASS_PREDICATES + ("bits", "value", "neg", "abs", "relerr", "abserr")
SPLIT_KINDS = ("class", "sign", "exp")
SOLVERS = ("z3", "bitwuzla", "portfolio")
FAULT_KEYS = {"mutants": "int", "seed": "int", "timeout": "number", "operators": "names",
              "semantic": "names", "jobs": "int"}
FALLBACK_OPERATORS = ("inv", "const0", "const1", "cnot0", "cnot1", "opswap", "const")
MAX_SPLIT_CASES = 4096
MAX_EXPONENT = 4096
MAX_WIDTH = 4096
STRATEGY_DIRS_ENV = "FPVERIFY_PROOFS"
STRATEGY_STATEMENTS = (ast.SplitStmt, ast.Lemma, ast.Option, ast.Assume)


def err(msg: str, pos: ast.Pos | None) -> InputError:
    if pos is None:
        return InputError(msg)
    return InputError(msg, pos.file, pos.line, pos.col)


# ---- checked results ------------------------------------------------------------------------


@dataclass(frozen=True)
class Port:
    name: str  # the spec's name
    port: str  # the design's port or signal path
    type: Type
    pos: ast.Pos
    direction: str  # "in" | "out"


@dataclass(frozen=True)
class Equivalence:
    """``OUT == op(x, y, ...)``: the unit computes a golden operation."""

    op: str
    output: str
    operands: tuple[str, ...]  # input names, in the op's operand order
    fmt: FloatFormat
    out_fmt: FloatFormat
    rounding: Rounding | None  # static rounding; None with a rounding port or for L-Mul B/C
    rounding_input: str | None  # name of a `rounding` input driving the mode
    overflow: Overflow | None
    tininess: Tininess
    lmul_policy: object | None  # fpverify.golden.LMulPolicy for op == "lmul"
    flags: str | None  # output name carrying the flags
    nan_exact: bool = False  # `with exact nan`: the result code must equal golden's bit for bit
    random_input: str | None = None  # `random = r`: the bits input feeding a stochastic mode


@dataclass(frozen=True)
class Property:
    name: str
    kind: str  # "equivalence" | "assertion" | "lemma"
    expr: ast.Expr
    assumptions: tuple[ast.Expr, ...]
    splits: tuple[ast.Splitter, ...]
    pos: ast.Pos
    equivalence: Equivalence | None = None


@dataclass(frozen=True)
class FaultSettings:
    mutants: int | None = None
    seed: int | None = None
    timeout: float | None = None
    jobs: int | None = None
    operators: tuple[str, ...] = ()
    semantic: tuple[str, ...] = ()
    pos: ast.Pos | None = None


@dataclass
class CheckedSpec:
    file: str
    design: ast.Design
    formats: dict[str, FloatFormat]
    inputs: dict[str, Port]
    outputs: dict[str, Port]
    vars: dict[str, Type]
    latency: int | None
    properties: list[Property]
    faults: FaultSettings | None
    strategies: list[str]
    timeout: float | None = None
    solver: str | None = None
    bound: bool = False  # checked against an elaborated netlist
    source: ast.SpecFile | None = field(default=None, repr=False)
    # `use strategy decompose_*`: a `fpverify.prove.decompose.strategy.Strategy` that proves every
    # equivalence property with the lemma-decomposition engine, and the `use` statement's position
    decompose: object | None = field(default=None, repr=False)
    decompose_pos: ast.Pos | None = None

    def input_type(self, name: str) -> Type:
        if name in self.inputs:
            return self.inputs[name].type
        return self.vars[name]

    @property
    def free_names(self) -> list[str]:
        return list(self.inputs) + list(self.vars)


# ---- constants --------------------------------------------------------------------------------


def const_value(e: ast.Expr) -> Fraction | None:
    """The value of a constant expression (numbers, + - * / ^ on them), else None."""
    if isinstance(e, ast.Num):
        return e.value
    if isinstance(e, ast.Unary) and e.op == "neg":
        v = const_value(e.operand)
        return None if v is None else -v
    if isinstance(e, ast.Binary) and e.op in "+-*/^":
        a, b = const_value(e.left), const_value(e.right)
        if a is None or b is None:
            return None
        if e.op == "+":
            return a + b
        if e.op == "-":
            return a - b
        if e.op == "*":
            return a * b
        if e.op == "/":
            if b == 0:
                raise err("division by zero", e.pos)
            return a / b
        if b.denominator != 1:
            raise err("exponent must be an integer", e.right.pos)
        if abs(b) > MAX_EXPONENT:
            raise err(f"exponent {b} is out of range (|exponent| <= {MAX_EXPONENT})", e.right.pos)
        if a == 0 and b < 0:
            raise err("zero to a negative power", e.pos)
        if abs(a.numerator).bit_length() + abs(a.denominator).bit_length() > 64 and abs(b) > 1:
            raise err("constant is too large", e.pos)
        return a ** int(b)
    return None


# ---- the checker ------------------------------------------------------------------------------


def strategy_dirs(spec_file: str) -> list[Path]:
    import os

    dirs = []
    if os.environ.get(STRATEGY_DIRS_ENV):
        dirs += [Path(p) for p in os.environ[STRATEGY_DIRS_ENV].split(os.pathsep) if p]
    here = Path(spec_file).resolve().parent
    dirs += [here / "proofs", here.parent / "proofs", Path(__file__).resolve().parents[2] / "proofs"]
    return dirs


def _is_decompose_file(p: Path) -> bool:
    """A decomposition strategy (docs/strategies.md) starts with a `family` directive; a DSL
    strategy never does."""
    for raw in p.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            return line.split()[0] == "family"
    return False


def load_strategy(name: str, pos: ast.Pos, spec_file: str):
    """A DSL strategy file (its parsed statements, an `ast.SpecFile`) or a decomposition strategy
    (`fpverify.prove.decompose.strategy.Strategy`, parsed by that module's loader)."""
    for d in strategy_dirs(spec_file):
        p = d / f"{name}.strategy"
        if p.is_file():
            if _is_decompose_file(p):
                from ..prove.decompose.strategy import parse_strategy

                return parse_strategy(p.read_text(), str(p))
            sf = parse_file(p)
            for st in sf.statements:
                if not isinstance(st, STRATEGY_STATEMENTS):
                    raise err(f"a strategy may only contain split, lemma, assume, timeout and solver "
                              f"statements, not `{type(st).__name__.lower()}`", st.pos)
            return sf
    known = sorted({p.stem for d in strategy_dirs(spec_file) if d.is_dir() for p in d.glob("*.strategy")})
    hint = f" (known: {', '.join(known)})" if known else ""
    raise err(f"unknown strategy `{name}`{hint}", pos)


DECOMPOSE_OPS = {"mul": ("mul",), "add": ("add", "sub"), "lmul": ("lmul",)}


def decompose_fixed(spec: "CheckedSpec", prop: "Property") -> tuple[tuple[str, int], ...]:
    """The port values an equivalence property's assumptions fix, for the decomposition engine.

    The engine proves the miter over every value of the operands, so the only assumptions it can
    honour are ``INPUT == CONSTANT`` on a non-operand input (e.g. ``assuming s == 0`` on a `sub`
    port), which fix that port. Anything else raises at the ``use strategy`` line: proving the
    property without the assumption could refute a correct design, and silently dropping it
    would prove something other than what the spec says."""
    st, pos = spec.decompose, spec.decompose_pos
    eq = prop.equivalence
    if eq.op not in DECOMPOSE_OPS.get(st.family, ()):
        raise err(f"strategy `{st.name}` decomposes {st.family} units; property `{prop.name}` "
                  f"(line {prop.pos.line}) is `{eq.op}`", pos)
    if prop.splits:
        raise err(f"strategy `{st.name}` brings its own case split; property `{prop.name}` "
                  f"(line {prop.pos.line}) cannot also use `split on`", pos)
    if eq.rounding_input is not None and st.isolate:
        raise err(f"strategy `{st.name}` needs a static rounding mode; property `{prop.name}` "
                  f"(line {prop.pos.line}) takes it from input `{eq.rounding_input}`", pos)
    fixed: dict[str, int] = {}
    for a in prop.assumptions:
        v = _fixing(spec, prop, a)
        if v is None:
            raise err(f"strategy `{st.name}` cannot prove property `{prop.name}` (line {prop.pos.line}) "
                      f"under the assumption at line {a.pos.line}: the decomposition engine only "
                      f"takes `INPUT == CONSTANT` on a non-operand input (it fixes that port); "
                      f"drop the strategy or the assumption", pos)
        port, value = v
        if fixed.get(port, value) != value:
            raise err(f"property `{prop.name}` fixes input port `{port}` to two values", pos)
        fixed[port] = value
    return tuple(sorted(fixed.items()))


def _fixing(spec: "CheckedSpec", prop: "Property", e) -> tuple[str, int] | None:
    if not (isinstance(e, ast.Compare) and e.ops == ("==",) and len(e.operands) == 2):
        return None
    x, y = e.operands
    if isinstance(x, ast.Num):
        x, y = y, x
    if not (isinstance(x, ast.Name) and isinstance(y, ast.Num) and y.value.denominator == 1):
        return None
    eq = prop.equivalence
    if x.id not in spec.inputs or x.id in eq.operands or x.id == eq.rounding_input:
        return None
    port = spec.inputs[x.id]
    if not isinstance(port.type, BitsT):
        return None
    v = int(y.value)
    if v < 0 or (port.type.width is not None and v >= 1 << port.type.width):
        return None
    return port.port, v


def check_spec(sf: ast.SpecFile, netlist=None, component=None) -> CheckedSpec:
    """Check a parsed spec; with ``netlist`` (an elaborated `fpverify.hdl.ir.Netlist`) also bind
    ports and signals to it."""
    return _Checker(sf, netlist, component).run()


class _Checker:
    def __init__(self, sf: ast.SpecFile, netlist, component) -> None:
        self.sf = sf
        self.nl = netlist
        self.component = component
        self.formats: dict[str, FloatFormat] = {}
        self.inputs: dict[str, Port] = {}
        self.outputs: dict[str, Port] = {}
        self.vars: dict[str, Type] = {}
        self.names: dict[str, ast.Pos] = {}

    # ---- helpers ----------------------------------------------------------------------------
    def declare(self, name: str, pos: ast.Pos, what: str) -> None:
        if name in KEYWORDS:
            raise err(f"`{name}` is a keyword and cannot name {what}", pos)
        if name in self.names:
            first = self.names[name]
            raise err(f"duplicate name `{name}` (first declared at {first.line}:{first.col})", pos)
        self.names[name] = pos

    def resolve_format(self, tref: ast.TypeRef) -> Type:
        name = tref.name
        if tref.width is not None:
            if name != "bits":
                raise err(f"only `bits` takes a width, not `{name}`", tref.pos)
            if not 1 <= tref.width <= MAX_WIDTH:
                raise err(f"bit width {tref.width} out of range 1..{MAX_WIDTH}", tref.pos)
            return BitsT(tref.width)
        if name == "bits":
            return BitsT(None)
        if name == "rounding":
            return RoundT()
        if name == "bool":
            return BitsT(1)
        if name in self.formats:
            return FloatT(self.formats[name])
        try:
            fmt = get_format(name)
        except FormatError:
            raise err(f"unknown format `{name}` (see `fpverify formats`, or define it: "
                      f"format {name} = float(e=..., m=...))", tref.pos) from None
        return FloatT(fmt) if isinstance(fmt, FloatFormat) else IntT(fmt)

    # ---- statements -------------------------------------------------------------------------
    def run(self) -> CheckedSpec:
        design = None
        latency = None
        assumes: list[ast.Expr] = []
        proves: list[ast.Prove] = []
        lemmas: list[ast.Lemma] = []
        splits: list[ast.Splitter] = []
        faults = None
        strategies: list[str] = []
        options: dict[str, ast.Option] = {}
        stmts = list(self.sf.statements)
        decompose = None
        # strategies first so their statements join the spec's
        extra: list = []
        for st in stmts:
            if isinstance(st, ast.Use):
                if st.strategy in strategies:
                    raise err(f"strategy `{st.strategy}` is used twice", st.pos)
                strategies.append(st.strategy)
                loaded = load_strategy(st.strategy, st.pos, self.sf.file)
                if isinstance(loaded, ast.SpecFile):
                    extra.extend(loaded.statements)
                else:
                    if decompose is not None:
                        raise err(f"one decomposition strategy per spec (`{decompose[0].name}` is "
                                  f"used at line {decompose[1].line})", st.pos)
                    decompose = (loaded, st.pos)
        for st in stmts:
            if isinstance(st, ast.Design):
                if design is not None:
                    raise err(f"a spec has one design (first at line {design.pos.line})", st.pos)
                design = st
            elif isinstance(st, ast.FormatDef):
                self.format_def(st)
        for st in stmts:
            if isinstance(st, ast.InputDecl):
                typ = self.resolve_format(st.type)
                for b in st.bindings:
                    self.declare(b.name, b.pos, "an input")
                    port = b.signal.path if b.signal else b.name
                    self.inputs[b.name] = Port(b.name, port, typ, b.pos, "in")
            elif isinstance(st, ast.OutputDecl):
                self.declare(st.name, st.pos, "an output")
                typ = self.resolve_format(st.type) if st.type else BitsT(None)
                if isinstance(typ, RoundT):
                    raise err("an output cannot have type `rounding`", st.type.pos)
                self.outputs[st.name] = Port(st.name, st.signal.path, typ, st.pos, "out")
            elif isinstance(st, ast.VarDecl):
                typ = self.resolve_format(st.type)
                if not isinstance(typ, (FloatT, IntT)) and not (isinstance(typ, BitsT) and typ.width):
                    raise err(f"a free variable needs a format or bits[N] type, not `{typ}`", st.type.pos)
                for n, p in st.names:
                    self.declare(n, p, "a variable")
                    self.vars[n] = typ
            elif isinstance(st, ast.Latency):
                if latency is not None:
                    raise err("latency is given twice", st.pos)
                if st.cycles > 64:
                    raise err(f"latency {st.cycles} is out of range (0..64)", st.pos)
                latency = st.cycles
        if design is None:
            raise err("the spec has no `design` statement", ast.Pos(self.sf.file, 1, 1))
        if not self.inputs:
            raise err("the spec declares no inputs (`input a, b : FORMAT`)", design.pos)
        if not self.outputs:
            raise err("the spec declares no outputs (`output y = dut.result : FORMAT`)", design.pos)
        if self.nl is not None:
            self.bind(design, latency)
        for st in stmts + extra:
            if isinstance(st, ast.Assume):
                self.expect_bool(st.expr)
                assumes.append(st.expr)
            elif isinstance(st, ast.Prove):
                proves.append(st)
            elif isinstance(st, ast.Lemma):
                lemmas.append(st)
            elif isinstance(st, ast.SplitStmt):
                splits.extend(st.splits)
            elif isinstance(st, ast.Faults):
                if faults is not None:
                    raise err(f"faults settings are given twice (first at line {faults.pos.line})", st.pos)
                faults = self.fault_settings(st)
            elif isinstance(st, ast.Option):
                if st.key in options and options[st.key].pos.file == st.pos.file:
                    raise err(f"`{st.key}` is given twice", st.pos)
                if st.key not in options or st.pos.file == self.sf.file:
                    options[st.key] = st
        if not proves and not lemmas:
            raise err("the spec proves nothing: add a `prove` statement", design.pos)
        self.check_splits(splits)
        properties: list[Property] = []
        seen: dict[str, ast.Pos] = {}
        for lm in lemmas:
            self.property_name(lm.name, lm.pos, seen)
            self.expect_bool(lm.expr)
            local = (lm.assuming,) if lm.assuming is not None else ()
            for a in local:
                self.expect_bool(a)
            if _mentions_golden(lm.expr):
                raise err("a lemma cannot use a golden operation; state it as a `prove`", lm.pos)
            properties.append(Property(lm.name, "lemma", lm.expr, tuple(assumes) + local, (), lm.pos))
        for i, pr in enumerate(proves, 1):
            name = pr.name or f"{_default_name(pr.expr)}"
            if pr.name is None and name in seen:
                name = f"{name}_{i}"
            self.property_name(name, pr.pos, seen)
            local = (pr.assuming,) if pr.assuming is not None else ()
            for a in local:
                if _mentions_golden(a):
                    raise err("golden operations cannot appear in assumptions", _first_golden(a).pos)
                self.expect_bool(a)
            self.check_splits(pr.splits)
            eq = self.equivalence(pr)
            if eq is None:
                if pr.flags is not None:
                    raise err("`with flags` applies to `OUTPUT == op(...)` properties only", pr.flags.pos)
                if pr.exact_nan is not None:
                    raise err("`with exact nan` applies to `OUTPUT == op(...)` properties only", pr.exact_nan)
                self.expect_bool(pr.expr)
            properties.append(Property(name, "equivalence" if eq else _kind(pr.expr), pr.expr,
                                       tuple(assumes) + local, tuple(pr.splits) or tuple(splits),
                                       pr.pos, eq))
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
            solver = str(o.value.value)
        spec = CheckedSpec(self.sf.file, design, self.formats, self.inputs, self.outputs, self.vars,
                           latency, properties, faults, strategies, timeout, solver,
                           bound=self.nl is not None, source=self.sf)
        if decompose is not None:
            spec.decompose, spec.decompose_pos = decompose
            eqs = [p for p in properties if p.kind == "equivalence"]
            if not eqs:
                raise err(f"strategy `{decompose[0].name}` proves `OUTPUT == op(...)` properties; "
                          f"this spec has none", decompose[1])
            for p in eqs:
                decompose_fixed(spec, p)
        return spec

    def property_name(self, name: str, pos: ast.Pos, seen: dict) -> None:
        if name in seen:
            raise err(f"duplicate property name `{name}` (first at line {seen[name].line})", pos)
        if name in self.names:
            raise err(f"property name `{name}` clashes with a declared name", pos)
        seen[name] = pos

    def format_def(self, st: ast.FormatDef) -> None:
        self.declare(st.name, st.pos, "a format")
        try:
            get_format(st.name)
            raise err(f"format `{st.name}` is already a registry format; pick another name", st.pos)
        except FormatError:
            pass
        if st.kind != "float":
            raise err(f"unknown format kind `{st.kind}` (use float(e=, m=, bias=, specials=, ...))", st.pos)
        allowed = {"e": "int", "m": "int", "bias": "int", "specials": "name", "signed": "bool",
                   "overflow": "name"}
        kw = {}
        for p in st.params:
            if p.name not in allowed:
                raise err(f"unknown format parameter `{p.name}` (allowed: {', '.join(allowed)})", p.pos)
            if p.name in kw:
                raise err(f"parameter `{p.name}` is given twice", p.pos)
            kw[p.name] = self.param_value(p, allowed[p.name])
        for need in ("e", "m"):
            if need not in kw:
                raise err(f"format `{st.name}` needs `{need}=`", st.pos)
        if not 1 <= kw["e"] <= 30:
            raise err("exponent bits `e` must be 1..30", _param_pos(st, "e"))
        if not 0 <= kw["m"] <= 112:
            raise err("mantissa bits `m` must be 0..112", _param_pos(st, "m"))
        specials = kw.get("specials", "ieee")
        if specials not in {s.value for s in Specials}:
            raise err(f"unknown specials `{specials}` (choose {', '.join(s.value for s in Specials)})",
                      _param_pos(st, "specials"))
        overflow = kw.get("overflow")
        if overflow is not None and overflow not in {o.value for o in Overflow}:
            raise err(f"unknown overflow policy `{overflow}` (choose {', '.join(o.value for o in Overflow)})",
                      _param_pos(st, "overflow"))
        bias = kw.get("bias")
        if bias is not None and abs(bias) > (1 << 31):
            raise err("bias is out of range", _param_pos(st, "bias"))
        try:
            self.formats[st.name] = define_format(st.name, kw["e"], kw["m"], bias, specials,
                                                  kw.get("signed", True), overflow)
        except FormatError as e:
            raise err(str(e), st.pos) from None

    def param_value(self, p: ast.Param, kind: str):
        v = p.value
        if kind == "int":
            if v.kind != "number" or v.value.denominator != 1:
                raise err(f"`{p.name}` must be an integer, not {v.text}", v.pos)
            return int(v.value)
        if kind == "bool":
            if v.kind == "name" and v.value in ("true", "false"):
                return v.value == "true"
            raise err(f"`{p.name}` must be true or false, not {v.text}", v.pos)
        if v.kind != "name":
            raise err(f"`{p.name}` must be a name, not {v.text}", v.pos)
        return v.value

    def fault_settings(self, st: ast.Faults) -> FaultSettings:
        try:
            from ..faults.mutate import ALL_OPERATORS as operators
        except Exception:  # the faults package is optional at this point
            operators = FALLBACK_OPERATORS
        try:
            from ..faults.semantic import semantic_kinds  # type: ignore[attr-defined]
            semantic = tuple(semantic_kinds())
        except Exception:
            semantic = None
        vals: dict[str, object] = {}
        for it in st.items:
            if it.key not in FAULT_KEYS:
                raise err(f"unknown faults setting `{it.key}` (allowed: {', '.join(FAULT_KEYS)})", it.pos)
            if it.key in vals:
                raise err(f"faults setting `{it.key}` is given twice", it.pos)
            kind = FAULT_KEYS[it.key]
            if kind in ("int", "number"):
                if len(it.values) != 1 or it.values[0].kind != "number":
                    raise err(f"`{it.key}` takes one number", it.pos)
                v = it.values[0].value
                if kind == "int" and v.denominator != 1:
                    raise err(f"`{it.key}` must be an integer, not {it.values[0].text}", it.values[0].pos)
                lo = 0 if it.key == "seed" else 1
                if not lo <= v <= 10**9:
                    raise err(f"`{it.key}` {it.values[0].text} is out of range ({lo}..10^9)", it.values[0].pos)
                vals[it.key] = int(v) if kind == "int" else float(v)
            else:
                names = []
                for v in it.values:
                    if v.kind != "name":
                        raise err(f"`{it.key}` takes names, not {v.text}", v.pos)
                    known = operators if it.key == "operators" else semantic
                    if known is not None and v.value not in known:
                        raise err(f"unknown {it.key[:-1] if it.key.endswith('s') else it.key} `{v.value}` "
                                  f"(choose {', '.join(known)})", v.pos)
                    if v.value in names:
                        raise err(f"`{v.value}` is listed twice", v.pos)
                    names.append(v.value)
                vals[it.key] = tuple(names)
        return FaultSettings(vals.get("mutants"), vals.get("seed"), vals.get("timeout"), vals.get("jobs"),
                             vals.get("operators", ()), vals.get("semantic", ()), st.pos)

    def check_splits(self, splits: Iterable[ast.Splitter]) -> None:
        cases = 1
        seen = set()
        for s in splits:
            if s.kind not in SPLIT_KINDS:
                raise err(f"unknown split `{s.kind}` (choose {', '.join(SPLIT_KINDS)})", s.pos)
            if s.target not in self.inputs and s.target not in self.vars:
                raise err(f"cannot split on unknown input `{s.target}`", s.pos)
            t = self.inputs[s.target].type if s.target in self.inputs else self.vars[s.target]
            if not isinstance(t, FloatT):
                raise err(f"`{s.kind}({s.target})` needs a float input, `{s.target}` is {t}", s.pos)
            if (s.kind, s.target) in seen:
                raise err(f"`{s.kind}({s.target})` is split twice", s.pos)
            seen.add((s.kind, s.target))
            cases *= {"class": 5, "sign": 2, "exp": 1 << t.fmt.exp_bits}[s.kind]
            if cases > MAX_SPLIT_CASES:
                raise err(f"this split makes more than {MAX_SPLIT_CASES} cases", s.pos)

    # ---- binding to the elaborated design -----------------------------------------------------
    def bind(self, design: ast.Design, latency: int | None) -> None:
        nl = self.nl
        bound_ports = set()
        for p in self.inputs.values():
            if p.port not in nl.inputs:
                known = ", ".join(sorted(nl.inputs))
                raise err(f"design has no input port `{p.port}` (inputs: {known})", p.pos)
            if p.port in bound_ports:
                raise err(f"input port `{p.port}` is bound twice", p.pos)
            bound_ports.add(p.port)
            self.check_width(p, len(nl.inputs[p.port]))
        missing = [k for k in nl.inputs if k not in bound_ports]
        if missing:
            raise err(f"design input(s) {', '.join(f'`{m}`' for m in missing)} not bound: declare them, "
                      f"e.g. `input {missing[0]} : bits[{len(nl.inputs[missing[0]])}]`", design.pos)
        for name, p in list(self.outputs.items()):
            width = self.signal_width(p.port, p.pos, outputs_first=True)
            if isinstance(p.type, BitsT) and p.type.width is None:
                self.outputs[name] = Port(p.name, p.port, BitsT(width), p.pos, p.direction)
            else:
                self.check_width(p, width)
        seq = nl.is_sequential
        want = getattr(self.component, "latency", None)
        if seq and latency is None:
            raise err(f"the design is sequential (latency {want if want is not None else '?'}): "
                      f"state it with `latency N`", design.pos)
        if not seq and latency not in (None, 0):
            raise err(f"the design is combinational but the spec says latency {latency}", design.pos)
        if seq and want is not None and latency != want:
            raise err(f"the spec says latency {latency} but the design has latency {want}", design.pos)

    def check_width(self, p: Port, width: int) -> None:
        want = type_width(p.type)
        if isinstance(p.type, BitsT) and p.type.width is None:
            self.inputs[p.name] = Port(p.name, p.port, BitsT(width), p.pos, p.direction)
            return
        if want is not None and want != width:
            raise err(f"port `dut.{p.port}` is {width} bits but `{p.type}` is {want} bits", p.pos)

    def signal_width(self, path: str, pos: ast.Pos, outputs_first: bool = False) -> int:
        nl = self.nl
        if outputs_first and path in nl.outputs:
            return len(nl.outputs[path])
        if path in nl.inputs:
            return len(nl.inputs[path])
        if path in nl.outputs:
            return len(nl.outputs[path])
        try:
            return len(nl.signal(path))
        except KeyError as e:
            raise err(f"unknown signal `dut.{path}`: {e.args[0]}", pos) from None

    # ---- equivalence properties -----------------------------------------------------------------
    def equivalence(self, pr: ast.Prove) -> Equivalence | None:
        e = pr.expr
        if not (isinstance(e, ast.Compare) and e.ops == ("==",)):
            if _mentions_golden(e):
                node = _first_golden(e)
                raise err(f"golden operation `{node.func}` can only be used as `OUTPUT == {node.func}(...)`",
                          node.pos)
            return None
        lhs, rhs = e.operands
        if isinstance(lhs, ast.Call) and lhs.func in GOLDEN_OPS:
            lhs, rhs = rhs, lhs
        if not (isinstance(rhs, ast.Call) and rhs.func in GOLDEN_OPS):
            if _mentions_golden(e):
                node = _first_golden(e)
                raise err(f"golden operation `{node.func}` can only be used as `OUTPUT == {node.func}(...)`",
                          node.pos)
            return None
        if not isinstance(lhs, ast.Name) or lhs.id not in self.outputs:
            raise err(f"the left side of `== {rhs.func}(...)` must be a declared output", lhs.pos)
        out = self.outputs[lhs.id]
        if not isinstance(out.type, FloatT):
            raise err(f"output `{lhs.id}` has type {out.type}; give it a float format "
                      f"(`output {lhs.id} = dut.{out.port} : FORMAT`)", lhs.pos)
        call = rhs
        arity = GOLDEN_OPS[call.func]
        args = list(call.args)
        operands = args[:arity]
        extra = args[arity:]
        if len(operands) < arity:
            raise err(f"`{call.func}` takes {arity} operand(s), got {len(operands)}", call.pos)
        if len(extra) > 1:
            raise err(f"`{call.func}` takes {arity} operand(s) and a rounding mode, got {len(args)} arguments",
                      extra[1].pos)
        names = []
        fmt = None
        for a in operands:
            if not isinstance(a, ast.Name) or a.id not in self.inputs:
                raise err(f"operands of `{call.func}` must be declared inputs", a.pos)
            t = self.inputs[a.id].type
            if not isinstance(t, FloatT):
                raise err(f"operand `{a.id}` has type {t}, not a float format", a.pos)
            if fmt is not None and t.fmt != fmt:
                raise err(f"operands of `{call.func}` have different formats ({fmt.name}, {t.fmt.name})", a.pos)
            fmt = t.fmt
            if a.id in names:
                raise err(f"input `{a.id}` is used twice as an operand; the unit has one port per operand", a.pos)
            names.append(a.id)
        kwargs = {}
        for k in call.kwargs:
            if k.name in kwargs:
                raise err(f"`{k.name}=` is given twice", k.pos)
            kwargs[k.name] = k
        rounding_expr = extra[0] if extra else (kwargs.pop("rounding").value if "rounding" in kwargs else None)
        rounding, rounding_input = None, None
        if rounding_expr is not None:
            if not isinstance(rounding_expr, ast.Name):
                raise err("the rounding mode must be a mode name (rne, rtz, ...) or a rounding input",
                          rounding_expr.pos)
            if rounding_expr.id in self.inputs:
                if not isinstance(self.inputs[rounding_expr.id].type, RoundT):
                    raise err(f"input `{rounding_expr.id}` is not a `rounding` input", rounding_expr.pos)
                rounding_input = rounding_expr.id
            else:
                try:
                    rounding = parse_rounding(rounding_expr.id)
                except ValueError as ex:
                    raise err(str(ex), rounding_expr.pos) from None
        overflow = None
        if "overflow" in kwargs:
            overflow = self.enum_kw(kwargs.pop("overflow"), Overflow, "overflow policy")
        tininess = Tininess.AFTER
        if "tininess" in kwargs:
            tininess = self.enum_kw(kwargs.pop("tininess"), Tininess, "tininess")
        policy = None
        if call.func == "lmul":
            from ..golden import LMulPolicy, LMulSpecials, LMulVariant

            variant = self.enum_kw(kwargs.pop("variant"), LMulVariant, "L-Mul variant") if "variant" in kwargs \
                else LMulVariant.BIT_ADD
            specials = self.enum_kw(kwargs.pop("specials"), LMulSpecials, "L-Mul specials policy") \
                if "specials" in kwargs else LMulSpecials.IEEE_LIKE
            policy = LMulPolicy(variant, specials, overflow or Overflow.SATFINITE)
            if specials is LMulSpecials.WRAP and variant is not LMulVariant.BIT_ADD:
                raise err("L-Mul specials=wrap is defined for variant B only", call.pos)
            if variant is LMulVariant.REAL and rounding is None and rounding_input is None:
                raise err("L-Mul variant A rounds: give a rounding mode", call.pos)
            if variant is not LMulVariant.REAL and (rounding is not None or rounding_input):
                raise err("L-Mul variants B and C do not round; drop the rounding mode", rounding_expr.pos)
            if not fmt.signed:
                raise err(f"L-Mul needs a signed float format, not {fmt.name}", call.pos)
        elif rounding is None and rounding_input is None:
            raise err(f"`{call.func}` needs a rounding mode, e.g. `{call.func}(..., rne)`", call.pos)
        random_input = None
        if "random" in kwargs:
            kw = kwargs.pop("random")
            if rounding is None or not rounding.mode.stochastic:
                raise err("`random=` only goes with a stochastic rounding mode (sraN, srbN, srcN)", kw.pos)
            v = kw.value
            if not isinstance(v, ast.Name) or v.id not in self.inputs:
                raise err("`random=` takes a declared bits input (`input r = dut.rbits : bits[N]`)", v.pos)
            t = self.inputs[v.id].type
            if not isinstance(t, BitsT) or t.width != rounding.nbits:
                raise err(f"random input `{v.id}` must be bits[{rounding.nbits}] for {rounding}, not {t}", v.pos)
            random_input = v.id
        if rounding is not None and rounding.mode.stochastic and random_input is None:
            raise err(f"stochastic rounding {rounding} needs its random bits: `random = INPUT` "
                      f"(an `input r = dut.rbits : bits[{rounding.nbits}]`)", rounding_expr.pos)
        if kwargs:
            k = next(iter(kwargs.values()))
            allowed = "rounding, overflow, tininess, random" + (", variant, specials" if call.func == "lmul" else "")
            raise err(f"unknown argument `{k.name}=` for `{call.func}` (allowed: {allowed})", k.pos)
        if call.func == "lmul" and out.type.fmt != fmt:
            raise err(f"L-Mul output format must equal the operand format {fmt.name}", lhs.pos)
        flags = None
        if pr.flags is not None:
            f = pr.flags
            if f.id not in self.outputs:
                raise err(f"unknown output `{f.id}` for flags", f.pos)
            ft = self.outputs[f.id].type
            if not isinstance(ft, BitsT):
                raise err(f"flags output `{f.id}` must be bits, not {ft}", f.pos)
            if ft.width is not None and ft.width < 5:
                raise err(f"flags output `{f.id}` is {ft.width} bits; IEEE flags need 5", f.pos)
            flags = f.id
        return Equivalence(call.func, lhs.id, tuple(names), fmt, out.type.fmt, rounding, rounding_input,
                           overflow, tininess, policy, flags, pr.exact_nan is not None, random_input)

    def enum_kw(self, kw: ast.KwArg, enum_cls, what: str):
        v = kw.value
        if isinstance(v, ast.Name):
            for m in enum_cls:
                if m.value.lower() == v.id.lower() or m.name.lower() == v.id.lower():
                    return m
        choices = ", ".join(m.value for m in enum_cls)
        raise err(f"unknown {what} `{_text(v)}` (choose {choices})", v.pos)

    # ---- expression types ---------------------------------------------------------------------
    def expect_bool(self, e: ast.Expr) -> None:
        t = self.type_of(e)
        if not isinstance(t, BoolT):
            raise err(f"expected a condition, got a value of type {t}", e.pos)

    def type_of(self, e: ast.Expr) -> Type:
        if isinstance(e, ast.Num):
            return RealT(const=True)
        if isinstance(e, ast.BoolLit):
            return BoolT()
        if isinstance(e, ast.Name):
            if e.id in self.inputs:
                return self.inputs[e.id].type
            if e.id in self.outputs:
                return self.outputs[e.id].type
            if e.id in self.vars:
                return self.vars[e.id]
            if e.id in self.formats:
                raise err(f"`{e.id}` is a format, not a value", e.pos)
            raise err(f"unknown name `{e.id}`", e.pos)
        if isinstance(e, ast.Signal):
            if self.nl is None:
                return BitsT(None)
            return BitsT(self.signal_width(e.path, e.pos))
        if isinstance(e, ast.RefTerm):
            raise err(f"`ref.{e.name}`: lemmas over reference terms are not supported yet; "
                      "state the lemma over `dut.` signals", e.pos)
        if isinstance(e, ast.Unary):
            t = self.type_of(e.operand)
            if e.op == "not":
                if not isinstance(t, BoolT):
                    raise err(f"`not` needs a condition, got {t}", e.operand.pos)
                return BoolT()
            if isinstance(t, RealT):
                const_value(e)
                return t
            if isinstance(t, FloatT):
                raise err("use `neg(x)` to negate a float", e.pos)
            raise err(f"cannot negate a value of type {t}", e.pos)
        if isinstance(e, ast.Binary):
            return self.binary_type(e)
        if isinstance(e, ast.Compare):
            return self.compare_type(e)
        if isinstance(e, ast.Call):
            return self.call_type(e)
        if isinstance(e, ast.Substitute):
            for b in e.bindings:
                if b.name not in self.inputs and b.name not in self.vars:
                    if b.name in self.outputs:
                        raise err(f"`{b.name}` is an output; only inputs can be substituted", b.pos)
                    raise err(f"unknown input `{b.name}` in substitution", b.pos)
                want = self.inputs[b.name].type if b.name in self.inputs else self.vars[b.name]
                got = self.type_of(b.value)
                if got != want and not (isinstance(want, BitsT) and isinstance(got, RealT) and got.const):
                    raise err(f"`{b.name}` has type {want}, the substituted value has type {got}", b.value.pos)
            if len({b.name for b in e.bindings}) != len(e.bindings):
                raise err("an input is substituted twice", e.pos)
            return self.type_of(e.target)
        if isinstance(e, ast.Slice):
            t = self.type_of(e.target)
            w = type_width(t)
            if not isinstance(t, BitsT):
                raise err(f"slicing needs bits, not {t} (use bits(x)[hi:lo])", e.pos)
            if e.hi < e.lo:
                raise err(f"slice [{e.hi}:{e.lo}] is reversed; write [hi:lo]", e.pos)
            if w is not None and e.hi >= w:
                raise err(f"bit {e.hi} is out of range for a {w}-bit value", e.pos)
            return BitsT(e.hi - e.lo + 1)
        raise err("unsupported expression", getattr(e, "pos", None))

    def binary_type(self, e: ast.Binary) -> Type:
        if e.op in ("and", "or", "implies"):
            for side in (e.left, e.right):
                t = self.type_of(side)
                if not isinstance(t, BoolT):
                    raise err(f"`{e.op}` needs conditions on both sides, got {t}", side.pos)
            return BoolT()
        lt, rt = self.type_of(e.left), self.type_of(e.right)
        if isinstance(lt, RealT) and lt.const and isinstance(rt, RealT) and rt.const:
            const_value(e)
            return RealT(const=True)
        if e.op in ("^", "/"):
            if e.op == "/" and isinstance(rt, RealT) and rt.const and isinstance(lt, RealT):
                if const_value(e.right) == 0:
                    raise err("division by zero", e.right.pos)
                return RealT()
            raise err(f"`{e.op}` is only defined on constants" + (" (and real / constant)" if e.op == "/" else ""),
                      e.pos)
        if isinstance(lt, BitsT) or isinstance(rt, BitsT):
            for side, t in ((e.left, lt), (e.right, rt)):
                if not (isinstance(t, BitsT) or (isinstance(t, RealT) and t.const
                                                  and _is_nat(const_value(side)))):
                    raise err(f"cannot mix bits and {t} in `{e.op}`", side.pos)
            return BitsT(None)
        for side, t in ((e.left, lt), (e.right, rt)):
            if not isinstance(t, (RealT, FloatT)):
                raise err(f"`{e.op}` needs numbers, got {t}", side.pos)
        if e.op in "+-":
            raise err(f"`{e.op}` of real values is not supported (products and constants are; "
                      "compare a product with relerr)", e.pos)
        return RealT()

    def compare_type(self, e: ast.Compare) -> Type:
        types = [self.type_of(x) for x in e.operands]
        for i, op in enumerate(e.ops):
            a, b = e.operands[i], e.operands[i + 1]
            ta, tb = types[i], types[i + 1]
            self.compatible(op, a, ta, b, tb)
        return BoolT()

    def compatible(self, op: str, a, ta: Type, b, tb: Type) -> None:
        where = b.pos
        if isinstance(ta, ErrT) or isinstance(tb, ErrT):
            ok = (isinstance(ta, ErrT) and op in ("<", "<=") and isinstance(tb, RealT) and tb.const) or \
                 (isinstance(tb, ErrT) and op in (">", ">=") and isinstance(ta, RealT) and ta.const)
            if not ok:
                raise err("an error bound reads `relerr(x, exact) <= CONSTANT`", a.pos)
            bound = const_value(b if isinstance(ta, ErrT) else a)
            if bound < 0:
                raise err("an error bound must be non-negative", where)
            return
        if isinstance(ta, BoolT) or isinstance(tb, BoolT):
            raise err("conditions cannot be compared; use `and`, `or`, `implies`", a.pos)
        if isinstance(ta, RoundT) or isinstance(tb, RoundT):
            other, ot = (b, tb) if isinstance(ta, RoundT) else (a, ta)
            if op not in ("==", "!="):
                raise err("rounding modes can only be compared with == and !=", a.pos)
            if isinstance(ot, RoundT):
                return
            if isinstance(other, ast.Name) and other.id not in self.names:
                try:
                    r = parse_rounding(other.id)
                except ValueError as ex:
                    raise err(str(ex), other.pos) from None
                if r.mode.value not in ("rne", "rtz", "rdn", "rup", "rna", "rto"):
                    raise err("a rounding port carries a deterministic mode", other.pos)
                return
            raise err("compare a rounding input with a mode name, e.g. `rm == rne`", other.pos)
        if isinstance(ta, FloatT) and isinstance(tb, FloatT):
            if ta.fmt != tb.fmt:
                raise err(f"cannot compare {ta.fmt.name} with {tb.fmt.name}", where)
            return
        if isinstance(ta, IntT) or isinstance(tb, IntT):
            if ta == tb:
                return
            raise err(f"cannot compare {ta} with {tb}", where)
        if isinstance(ta, BitsT) or isinstance(tb, BitsT):
            for side, t in ((a, ta), (b, tb)):
                if isinstance(t, BitsT):
                    continue
                if isinstance(t, RealT) and t.const and _is_nat(const_value(side)):
                    continue
                raise err(f"cannot compare bits with {t} (use bits(x) for a float's code)", side.pos)
            return
        if op in ("==", "!=") and (isinstance(ta, RealT) and not ta.const or isinstance(tb, RealT) and not tb.const):
            pass
        return  # real/float/constant comparisons are exact

    def call_type(self, e: ast.Call) -> Type:
        f = e.func
        if f in GOLDEN_OPS:
            raise err(f"golden operation `{f}` can only be used as `OUTPUT == {f}(...)`", e.pos)
        if f not in FUNCTIONS:
            raise err(f"unknown function `{f}` (known: {', '.join(FUNCTIONS + tuple(GOLDEN_OPS))})", e.pos)
        if e.kwargs:
            raise err(f"`{f}` takes no keyword arguments", e.kwargs[0].pos)
        want = 2 if f in ("relerr", "abserr") else 1
        if len(e.args) != want:
            raise err(f"`{f}` takes {want} argument(s), got {len(e.args)}", e.pos)
        types = [self.type_of(a) for a in e.args]
        t = types[0]
        if f in CLASS_PREDICATES:
            if not isinstance(t, FloatT):
                raise err(f"`{f}` needs a float value, got {t}", e.args[0].pos)
            return BoolT()
        if f == "bits":
            if not isinstance(t, (FloatT, IntT)):
                raise err(f"`bits` needs a float or integer-format value, got {t}", e.args[0].pos)
            return BitsT(t.fmt.width)
        if f == "value":
            if not isinstance(t, (FloatT, IntT)):
                raise err(f"`value` needs a float value, got {t}", e.args[0].pos)
            return RealT()
        if f == "neg":
            if not isinstance(t, FloatT) or not t.fmt.signed:
                raise err(f"`neg` needs a signed float value, got {t}", e.args[0].pos)
            return t
        if f == "abs":
            if isinstance(t, FloatT):
                return t
            if isinstance(t, RealT):
                return t
            raise err(f"`abs` needs a number, got {t}", e.args[0].pos)
        # relerr / abserr
        for a, ta in zip(e.args, types):
            if not isinstance(ta, (FloatT, RealT)):
                raise err(f"`{f}` compares numbers, got {ta}", a.pos)
        if not isinstance(types[0], FloatT):
            raise err(f"the first argument of `{f}` is the approximate float result", e.args[0].pos)
        if f == "abserr":
            raise err("`abserr` is not supported yet; use `relerr`", e.pos)
        return ErrT(f)


# ---- small helpers ----------------------------------------------------------------------------


def _is_nat(v: Fraction | None) -> bool:
    return v is not None and v.denominator == 1 and v >= 0


def _param_pos(st: ast.FormatDef, name: str) -> ast.Pos:
    for p in st.params:
        if p.name == name:
            return p.value.pos
    return st.pos


def _text(e) -> str:
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Num):
        return e.text
    return type(e).__name__.lower()


def children(e) -> list:
    if isinstance(e, ast.Unary):
        return [e.operand]
    if isinstance(e, ast.Binary):
        return [e.left, e.right]
    if isinstance(e, ast.Compare):
        return list(e.operands)
    if isinstance(e, ast.Call):
        return list(e.args) + [k.value for k in e.kwargs]
    if isinstance(e, ast.Substitute):
        return [e.target] + [b.value for b in e.bindings]
    if isinstance(e, ast.Slice):
        return [e.target]
    return []


def walk(e):
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(reversed(children(x)))


def _first_golden(e):
    for x in walk(e):
        if isinstance(x, ast.Call) and x.func in GOLDEN_OPS:
            return x
    return None


def _mentions_golden(e) -> bool:
    return _first_golden(e) is not None


def _default_name(e) -> str:
    if isinstance(e, ast.Compare) and e.ops == ("==",):
        for x in e.operands:
            if isinstance(x, ast.Call) and x.func in GOLDEN_OPS:
                return f"eq_{x.func}"
    for x in walk(e):
        if isinstance(x, ast.Call) and x.func in ("relerr", "abserr"):
            return x.func
        if isinstance(x, ast.Substitute):
            return "relational"
    return "property"


def _kind(e) -> str:
    """How the results table labels a non-equivalence property."""
    nodes = list(walk(e))
    if any(isinstance(x, ast.Call) and x.func in ("relerr", "abserr") for x in nodes):
        return "error-bound"
    if any(isinstance(x, ast.Substitute) for x in nodes):
        return "relational"
    if any(isinstance(x, ast.Signal) for x in nodes):
        return "signals"
    return "assertion"
