"""Properties against the golden elementary functions (`fpverify.golden.elementary`):

    prove y == exp2(a, rne)                          # correct rounding (equivalence)
    prove ulp(y, exp2(a)) <= 1 assuming finite(a)    # error in ulps of the exact value's binade
    prove relerr(y, exp(a)) <= 2^-6                  # relative error against the exact value

They are proved by exhaustion over the operand's codes (`fpverify.dsl.prove_elementary`), so the
operand format has at most `MAX_INPUT_BITS` bits, the operand is the design's only data input,
and assumptions read the operand only. Everything else is an input error at its position.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ...formats import FloatFormat, Overflow
from ...rounding import Rounding, parse_rounding
from ...semantics.ops import OPS
from .. import ast
from ..types import FloatT
from .binding import flags_output
from .constants import const_value
from .located import err
from .scope import Scope
from .vocabulary import FUNCTIONS
from .walker import walk

MAX_INPUT_BITS = 16
MEASURES = ("ulp", "relerr")


def elementary_functions() -> tuple[str, ...]:
    """The one-operand golden elementary functions (registry order)."""
    return tuple(op.name for op in OPS.values()
                 if op.golden.startswith("fpverify.golden.elementary:") and op.arity == 1)


@dataclass(frozen=True)
class ElementaryProperty:
    """``OUTPUT == f(a, MODE)`` (``measure`` None) or ``MEASURE(OUTPUT, f(a)) <= bound`` (``<``
    when ``strict``)."""

    func: str
    output: str
    operand: str
    fmt: FloatFormat  # operand format
    out_fmt: FloatFormat
    measure: str | None = None  # "ulp" | "relerr" | None (correct rounding)
    bound: Fraction | None = None
    strict: bool = False
    rounding: Rounding | None = None
    overflow: Overflow | None = None
    nan_exact: bool = False
    flags: str | None = None  # `with flags FL`: the output carrying the five IEEE flags


def mentions_elementary(e) -> ast.Call | None:
    """The first call of an elementary function or `ulp` inside ``e``."""
    names = set(elementary_functions()) | {"ulp"}
    for x in walk(e):
        if isinstance(x, ast.Call) and x.func in names:
            return x
    return None


def form_error(pos) -> Exception:
    return err("an elementary function is used as `OUTPUT == f(a, rne)`, `ulp(OUTPUT, f(a)) <= BOUND` "
               "or `relerr(OUTPUT, f(a)) <= BOUND`", pos)


def recognise_elementary(scope: Scope, pr: ast.Prove) -> ElementaryProperty | None:
    """The `ElementaryProperty` ``pr`` states, or None when it mentions no elementary function."""
    e = pr.expr
    if pr.assuming is not None and mentions_elementary(pr.assuming) is not None:
        raise err("elementary functions cannot appear in assumptions", mentions_elementary(pr.assuming).pos)
    first = mentions_elementary(e)
    if first is None:
        return None
    if not (isinstance(e, ast.Compare) and len(e.ops) == 1):
        raise form_error(first.pos)
    lhs, rhs = e.operands
    op = e.ops[0]
    if op == "==" and isinstance(lhs, ast.Call) and lhs.func in elementary_functions():
        lhs, rhs = rhs, lhs
    if op == "==" and isinstance(rhs, ast.Call) and rhs.func in elementary_functions():
        return _rounded(scope, pr, lhs, rhs)
    if op in (">", ">="):
        lhs, rhs, op = rhs, lhs, {">": "<", ">=": "<="}[op]
    if not (isinstance(lhs, ast.Call) and lhs.func in MEASURES) or op not in ("<", "<="):
        raise form_error(first.pos)
    if pr.flags is not None or pr.exact_nan is not None:
        raise err("`with` applies to `OUTPUT == f(a, MODE)` properties, not to error bounds",
                  pr.flags.pos if pr.flags is not None else pr.exact_nan)
    if lhs.kwargs or len(lhs.args) != 2:
        raise err(f"`{lhs.func}` takes two arguments: `{lhs.func}(OUTPUT, f(a))`", lhs.pos)
    out, call = lhs.args
    if not (isinstance(call, ast.Call) and call.func in elementary_functions()):
        if isinstance(call, ast.Call) and call.func not in FUNCTIONS:
            raise unknown_function(call)
        if lhs.func == "relerr":
            return None  # an algebraic relerr (`relerr(y, a*b)`): not ours
        raise err("the second argument of `ulp` is an elementary function of an input, e.g. `exp2(a)`",
                  call.pos)
    bound = const_value(rhs)
    if bound is None:
        raise err(f"the bound of `{lhs.func}` must be a number (e.g. `1`, `0.5`, `2^-6`)", rhs.pos)
    if bound < 0:
        raise err("an error bound must be non-negative", rhs.pos)
    if call.kwargs or len(call.args) != 1:
        raise err(f"`{call.func}` inside `{lhs.func}` is the exact function: give its operand only "
                  f"(`{call.func}(a)`)", call.pos)
    output, out_fmt = _output(scope, out, call.func)
    operand, fmt = _operand(scope, call.args[0], call.func)
    check_specials(call, fmt, out_fmt)
    return ElementaryProperty(call.func, output, operand, fmt, out_fmt, lhs.func, bound, op == "<")


def unknown_function(call: ast.Call) -> Exception:
    return err(f"unknown function `{call.func}` (elementary functions: {' '.join(elementary_functions())})",
               call.pos)


def _rounded(scope: Scope, pr: ast.Prove, lhs, call: ast.Call) -> ElementaryProperty:
    flags = flags_output(scope, pr.flags) if pr.flags is not None else None
    output, out_fmt = _output(scope, lhs, call.func)
    if not call.args:
        raise err(f"`{call.func}` takes one operand and a rounding mode", call.pos)
    operand, fmt = _operand(scope, call.args[0], call.func)
    kwargs = {k.name: k for k in call.kwargs}
    if len(kwargs) != len(call.kwargs):
        raise err("an argument is given twice", call.pos)
    mode = call.args[1] if len(call.args) > 1 else (kwargs.pop("rounding").value if "rounding" in kwargs else None)
    if len(call.args) > 2:
        raise err(f"`{call.func}` takes one operand and a rounding mode, got {len(call.args)} arguments",
                  call.args[2].pos)
    if mode is None:
        raise err(f"`{call.func}` needs a rounding mode, e.g. `{call.func}(a, rne)`", call.pos)
    if not isinstance(mode, ast.Name) or mode.id in scope.names:
        raise err("the rounding mode must be a mode name (rne, rtz, rdn, rup, rna, rto)", mode.pos)
    try:
        rounding = parse_rounding(mode.id)
    except ValueError as ex:
        raise err(str(ex), mode.pos) from None
    if rounding.mode.stochastic:
        raise err("elementary properties take a deterministic rounding mode", mode.pos)
    overflow = None
    if "overflow" in kwargs:
        from .equivalence import enum_kw

        overflow = enum_kw(kwargs.pop("overflow"), Overflow, "overflow policy")
    if kwargs:
        k = next(iter(kwargs.values()))
        raise err(f"unknown argument `{k.name}=` for `{call.func}` (allowed: rounding, overflow)", k.pos)
    check_specials(call, fmt, out_fmt)
    return ElementaryProperty(call.func, output, operand, fmt, out_fmt, None, None, False, rounding, overflow,
                              pr.exact_nan is not None, flags)


def _output(scope: Scope, x, func: str) -> tuple[str, FloatFormat]:
    if not isinstance(x, ast.Name) or x.id not in scope.outputs:
        raise err(f"the approximate result compared with `{func}` must be a declared output", x.pos)
    port = scope.outputs[x.id]
    if port.design != "dut":
        raise err(f"`{x.id}` reads the reference; elementary properties prove the design", x.pos)
    if not isinstance(port.type, FloatT) or not isinstance(port.type.fmt, FloatFormat):
        raise err(f"output `{x.id}` has type {port.type}; give it a float format", x.pos)
    return x.id, port.type.fmt


def _operand(scope: Scope, x, func: str) -> tuple[str, FloatFormat]:
    if not isinstance(x, ast.Name) or x.id not in scope.inputs:
        raise err(f"the operand of `{func}` must be a declared input", x.pos)
    t = scope.inputs[x.id].type
    if not isinstance(t, FloatT) or not isinstance(t.fmt, FloatFormat):
        raise err(f"operand `{x.id}` has type {t}, not a float format", x.pos)
    if t.fmt.width > MAX_INPUT_BITS:
        raise err(f"`{func}` properties are proved over every operand code: {t.fmt.name} has "
                  f"{t.fmt.width} bits (at most {MAX_INPUT_BITS})", x.pos)
    return x.id, t.fmt


def check_specials(call: ast.Call, fmt: FloatFormat, out: FloatFormat) -> None:
    """The output format must hold every special result the function gives on the operand format
    (an invalid operation needs a NaN): e.g. log of a negative input into a format without NaN."""
    if out.has_nan:
        return
    from ...golden.elementary import NanOut, definition, outcome
    from ...golden.operand import unpack

    defn = definition(call.func)
    for code in range(1 << fmt.width):
        try:
            fmt.check_code(code)
        except Exception:
            continue
        if fmt.is_nan(code):
            continue
        got = outcome(defn, [unpack(fmt, code)])
        if isinstance(got, NanOut):
            raise err(f"`{call.func}` of {fmt.name} {fmt.value(code) if not fmt.is_inf(code) else 'inf'} "
                      f"(code {code:#x}) is NaN, which {out.name} cannot represent", call.pos)


def operand_only(scope: Scope, prop: ElementaryProperty, assumptions, pos) -> None:
    """Assumptions read the operand only, and the operand is the design's only data input."""
    others = [n for n in scope.inputs if n != prop.operand]
    if others:
        raise err(f"`{prop.func}` properties are proved over every code of `{prop.operand}`: the spec's other "
                  f"input(s) {', '.join(others)} would be left free", pos)
    for a in assumptions:
        for x in walk(a):
            if isinstance(x, ast.Name) and (x.id in scope.outputs or x.id in scope.vars):
                raise err(f"assumptions of `{prop.func}` properties read the operand only, not `{x.id}`", x.pos)
            if isinstance(x, ast.Signal) or isinstance(x, ast.Substitute):
                raise err(f"assumptions of `{prop.func}` properties read the operand only", x.pos)


__all__ = ["ElementaryProperty", "recognise_elementary", "elementary_functions", "mentions_elementary",
           "check_specials", "operand_only", "form_error", "unknown_function", "MAX_INPUT_BITS", "MEASURES"]
