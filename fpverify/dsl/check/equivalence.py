"""Equivalence properties: recognising ``OUT == op(x, y, rne, overflow=..., ...)`` and turning
it into an `Equivalence` (operands, formats, rounding, policies, flags, random bits)."""

from __future__ import annotations

from ...formats import Overflow
from ...rounding import Tininess, parse_rounding
from .. import ast
from ..types import BitsT, FloatT, RoundT
from .binding import random_bits_input
from .located import err
from .results import Equivalence
from .scope import Scope
from .vocabulary import GOLDEN_OPS
from .walker import first_golden, mentions_golden


def recognise_equivalence(scope: Scope, pr: ast.Prove) -> Equivalence | None:
    """The `Equivalence` a `prove OUT == op(...)` states, None for any other property (which must then
    not mention a golden operation at all)."""
    e = pr.expr
    if not (isinstance(e, ast.Compare) and e.ops == ("==",)):
        if mentions_golden(e):
            node = first_golden(e)
            raise err(f"golden operation `{node.func}` can only be used as `OUTPUT == {node.func}(...)`",
                      node.pos)
        return None
    lhs, rhs = e.operands
    if isinstance(lhs, ast.Call) and lhs.func in GOLDEN_OPS:
        lhs, rhs = rhs, lhs
    if not (isinstance(rhs, ast.Call) and rhs.func in GOLDEN_OPS):
        if mentions_golden(e):
            node = first_golden(e)
            raise err(f"golden operation `{node.func}` can only be used as `OUTPUT == {node.func}(...)`",
                      node.pos)
        return None
    if not isinstance(lhs, ast.Name) or lhs.id not in scope.outputs:
        raise err(f"the left side of `== {rhs.func}(...)` must be a declared output", lhs.pos)
    out = scope.outputs[lhs.id]
    if out.design != "dut":
        raise err(f"`{lhs.id} == {rhs.func}(...)` proves the design; `{lhs.id}` reads the reference "
                  f"(`ref.{out.port}`)", lhs.pos)
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
    fmt = addend_fmt = None
    for i, a in enumerate(operands):
        if not isinstance(a, ast.Name) or a.id not in scope.inputs:
            raise err(f"operands of `{call.func}` must be declared inputs", a.pos)
        t = scope.inputs[a.id].type
        if not isinstance(t, FloatT):
            raise err(f"operand `{a.id}` has type {t}, not a float format", a.pos)
        if i == 2 and call.func in MIXED_ADDEND_OPS and t.fmt != fmt:
            addend_fmt = t.fmt  # a mixed FMA: c (and by default the result) in its own format
        elif fmt is not None and t.fmt != fmt:
            what = "a and b" if call.func in MIXED_ADDEND_OPS else "operands"
            raise err(f"{what} of `{call.func}` have different formats ({fmt.name}, {t.fmt.name})", a.pos)
        else:
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
        if rounding_expr.id in scope.inputs:
            if not isinstance(scope.inputs[rounding_expr.id].type, RoundT):
                raise err(f"input `{rounding_expr.id}` is not a `rounding` input", rounding_expr.pos)
            rounding_input = rounding_expr.id
        else:
            try:
                rounding = parse_rounding(rounding_expr.id)
            except ValueError as ex:
                raise err(str(ex), rounding_expr.pos) from None
    overflow = None
    if "overflow" in kwargs:
        overflow = enum_kw(kwargs.pop("overflow"), Overflow, "overflow policy")
    tininess = Tininess.AFTER
    if "tininess" in kwargs:
        tininess = enum_kw(kwargs.pop("tininess"), Tininess, "tininess")
    policy = None
    if call.func == "lmul":
        from ...golden import LMulPolicy, LMulSpecials, LMulVariant

        variant = enum_kw(kwargs.pop("variant"), LMulVariant, "L-Mul variant") if "variant" in kwargs \
            else LMulVariant.BIT_ADD
        specials = enum_kw(kwargs.pop("specials"), LMulSpecials, "L-Mul specials policy") \
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
        random_input = random_bits_input(scope, kwargs.pop("random"), rounding)
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
        if f.id not in scope.outputs:
            raise err(f"unknown output `{f.id}` for flags", f.pos)
        ft = scope.outputs[f.id].type
        if not isinstance(ft, BitsT):
            raise err(f"flags output `{f.id}` must be bits, not {ft}", f.pos)
        if scope.outputs[f.id].design != "dut":
            raise err(f"flags output `{f.id}` reads the reference, not the design", f.pos)
        if ft.width is not None and ft.width < 5:
            raise err(f"flags output `{f.id}` is {ft.width} bits; IEEE flags need 5", f.pos)
        flags = f.id
    if addend_fmt is not None:
        check_mixed_fma(fmt, addend_fmt, out.type.fmt, overflow, call.pos)
    return Equivalence(call.func, lhs.id, tuple(names), fmt, out.type.fmt, rounding, rounding_input,
                       overflow, tininess, policy, flags, pr.exact_nan is not None, random_input, addend_fmt)


MIXED_ADDEND_OPS = ("fma",)  # golden ops whose third operand may have its own format


def check_mixed_fma(fmt, addend_fmt, out_fmt, overflow, pos) -> None:
    """A mixed FMA the semantics can state: float formats, and an output whose range holds the
    operands' unless an overflow policy says what an overflow becomes (the generator's rule)."""
    widest = max(f.value(f.max_code) for f in (fmt, addend_fmt))
    if overflow is None and out_fmt.value(out_fmt.max_code) < widest:
        raise err(f"mixed fma: the output format {out_fmt.name} cannot represent the range of its operands "
                  f"({fmt.name} x {fmt.name} + {addend_fmt.name}); give `overflow=` (ieee, satfinite, "
                  "satpropagate or nan)", pos)

def enum_kw(kw: ast.KwArg, enum_cls, what: str):
    v = kw.value
    if isinstance(v, ast.Name):
        for m in enum_cls:
            if m.value.lower() == v.id.lower() or m.name.lower() == v.id.lower():
                return m
    choices = ", ".join(m.value for m in enum_cls)
    raise err(f"unknown {what} `{expr_text(v)}` (choose {choices})", v.pos)


def expr_text(e) -> str:
    """A short rendering of a keyword argument's value for messages."""
    if isinstance(e, ast.Name):
        return e.id
    if isinstance(e, ast.Num):
        return e.text
    return type(e).__name__.lower()
