"""MX block dot products: recognising ``OUT == mx_dot(a, b, scale_a, scale_b, MODE)`` (a, b
``FMT[k]`` vectors of MX elements, float or MXINT8, scales ``e8m0``, OUT f32 or bf16) and turning it into a
`DotProperty` (proved by `fpverify.dsl.prove_mx_dot`). A stochastic MODE (``sraN``, ``srbN``,
``srcN``) takes its random bits as the other operations do: ``random = r`` with ``r`` a
``bits[N]`` input (``input r = dut.rbits : bits[N]``). ``OUT == mx_dot_tosa(a, b, scale_a, scale_b)``
states the TOSA MATMUL_T_BLOCK_SCALED order instead (fp32 round-to-nearest-even throughout, so no
mode argument; OUT f32; golden `mx_dot_tosa_rounded`)."""

from __future__ import annotations

from dataclasses import dataclass

from ...formats import FloatFormat, IntFormat
from ...rounding import Env, Rounding, parse_rounding
from .. import ast
from ..types import FloatT, RoundT, VecT
from .binding import flags_output, random_bits_input
from .located import err
from .scope import Scope
from .walker import walk

DOT_OP = "mx_dot"
TOSA_OP = "mx_dot_tosa"  # the TOSA fp32 order (`rtl.mx_dot.MXDot(..., semantics = tosa)`)
# MX element formats of golden `mx_dot_exact` that the symbolic reference states: the OCP MX spec's
# E4M3, E5M2, E2M3, E3M2, E2M1 (floats) and MXINT8 (two's complement x 2^-6); a and b may differ
MX_FLOAT_ELEMENTS = ("e4m3fn", "e5m2", "e2m3fn", "e3m2fn", "e2m1fn")
MX_INT_ELEMENTS = ("mxint8",)
MX_ELEMENTS = MX_FLOAT_ELEMENTS + MX_INT_ELEMENTS
DOT_OUTPUTS = ("f32", "bf16")  # the E8M0 scale range needs an 8-bit exponent
SCALE_FORMAT = "e8m0fnu"  # `e8m0` in specs


@dataclass(frozen=True)
class DotProperty:
    """``output == mx_dot(a, b, scale_a, scale_b, rounding)`` over one block of k elements."""

    output: str
    a: str
    b: str
    scale_a: str
    scale_b: str
    elem_a: FloatFormat | IntFormat
    elem_b: FloatFormat | IntFormat
    k: int
    out_fmt: FloatFormat
    rounding: Rounding | None  # static mode; None when ``rounding_input`` drives it
    rounding_input: str | None
    flags: str | None
    random_input: str | None = None  # `random = r`: the bits input feeding a stochastic mode
    semantics: str = "exact"  # or "tosa": `mx_dot_tosa(...)`, the TOSA fp32 order

    @property
    def env(self) -> Env:
        return Env() if self.rounding is None else Env(rounding=self.rounding)

    @property
    def operands(self) -> tuple[str, str, str, str]:
        return self.a, self.b, self.scale_a, self.scale_b


def recognise_mx_dot(scope: Scope, pr: ast.Prove) -> DotProperty | None:
    """The `DotProperty` a ``prove OUT == mx_dot(...)`` states; None when ``pr`` has no `mx_dot`."""
    e = pr.expr
    calls = [x for x in walk(e) if isinstance(x, ast.Call) and x.func in (DOT_OP, TOSA_OP)]
    if not calls:
        return None
    if calls[0].func == TOSA_OP:
        return _recognise_tosa(scope, pr, calls[0])
    if not (isinstance(e, ast.Compare) and e.ops == ("==",) and any(calls[0] is o for o in e.operands)):
        raise err(f"`{DOT_OP}` can only be used as `OUTPUT == {DOT_OP}(a, b, scale_a, scale_b, MODE)`",
                  calls[0].pos)
    lhs, call = e.operands if e.operands[1] is calls[0] else e.operands[::-1]
    if not isinstance(lhs, ast.Name) or lhs.id not in scope.outputs:
        raise err(f"the left side of `== {DOT_OP}(...)` must be a declared output", lhs.pos)
    out = scope.outputs[lhs.id]
    if out.design != "dut":
        raise err(f"`{lhs.id} == {DOT_OP}(...)` proves the design; `{lhs.id}` reads the reference", lhs.pos)
    if not isinstance(out.type, FloatT) or out.type.fmt.name not in DOT_OUTPUTS:
        raise err(f"output `{lhs.id}` has type {out.type}; `{DOT_OP}` rounds into "
                  f"{' or '.join(DOT_OUTPUTS)}", lhs.pos)
    for kw in call.kwargs:
        if kw.name != "random" or sum(k.name == kw.name for k in call.kwargs) > 1:
            raise err(f"`{DOT_OP}` takes one keyword argument, `random = r` (not `{kw.name}=` here)", kw.pos)
    if len(call.args) != 5:
        raise err(f"`{DOT_OP}` takes 5 arguments (a, b, scale_a, scale_b, rounding mode), got "
                  f"{len(call.args)}", call.pos)
    a, b, sa, sb, mode = call.args
    va, vb = _operands(scope, a, b, sa, sb)
    rounding, rounding_input = _rounding(scope, mode)
    random_input = _random(scope, call, rounding, mode)
    flags = _flags(scope, pr)
    return DotProperty(lhs.id, a.id, b.id, sa.id, sb.id, va.fmt, vb.fmt, va.k, out.type.fmt, rounding,
                       rounding_input, flags, random_input)


def _recognise_tosa(scope: Scope, pr: ast.Prove, call: ast.Call) -> DotProperty:
    e = pr.expr
    if not (isinstance(e, ast.Compare) and e.ops == ("==",) and any(call is o for o in e.operands)):
        raise err(f"`{TOSA_OP}` can only be used as `OUTPUT == {TOSA_OP}(a, b, scale_a, scale_b)`", call.pos)
    lhs = e.operands[0] if e.operands[1] is call else e.operands[1]
    if not isinstance(lhs, ast.Name) or lhs.id not in scope.outputs:
        raise err(f"the left side of `== {TOSA_OP}(...)` must be a declared output", lhs.pos)
    out = scope.outputs[lhs.id]
    if out.design != "dut":
        raise err(f"`{lhs.id} == {TOSA_OP}(...)` proves the design; `{lhs.id}` reads the reference", lhs.pos)
    if not isinstance(out.type, FloatT) or out.type.fmt.name != "f32":
        raise err(f"output `{lhs.id}` has type {out.type}; the TOSA order computes in f32", lhs.pos)
    if call.kwargs:
        raise err(f"`{TOSA_OP}` takes no keyword arguments (its rounding is fp32 RNE throughout)",
                  call.kwargs[0].pos)
    if len(call.args) != 4:
        raise err(f"`{TOSA_OP}` takes 4 arguments (a, b, scale_a, scale_b; the TOSA order rounds every "
                  f"fp32 operation to nearest even, so there is no mode), got {len(call.args)}", call.pos)
    a, b, sa, sb = call.args
    va, vb = _operands(scope, a, b, sa, sb)
    return DotProperty(lhs.id, a.id, b.id, sa.id, sb.id, va.fmt, vb.fmt, va.k, out.type.fmt,
                       parse_rounding("rne"), None, _flags(scope, pr), None, "tosa")


def _operands(scope: Scope, a, b, sa, sb) -> tuple[VecT, VecT]:
    """The two element vectors (same k) and the two e8m0 scales, each a distinct declared input."""
    va, vb = (_vector(scope, x) for x in (a, b))
    if vb.k != va.k:
        raise err(f"`{b.id}` has {vb.k} elements but `{a.id}` has {va.k}; both blocks need the same k", b.pos)
    for x in (sa, sb):
        _scale(scope, x)
    names = [x.id for x in (a, b, sa, sb)]
    for x in (a, b, sa, sb):
        if names.count(x.id) > 1:
            raise err(f"input `{x.id}` is used twice as an operand; the unit has one port per operand", x.pos)
    return va, vb


def _vector(scope: Scope, x) -> VecT:
    if not isinstance(x, ast.Name) or x.id not in scope.inputs:
        raise err(f"the vector operands of `{DOT_OP}` must be declared inputs (`input a = dut.a : e2m1fn[4]`)",
                  x.pos)
    t = scope.inputs[x.id].type
    if not isinstance(t, VecT):
        raise err(f"operand `{x.id}` has type {t}; `{DOT_OP}` takes element vectors (FORMAT[k], "
                  f"e.g. e2m1fn[4])", x.pos)
    if t.fmt.name not in MX_ELEMENTS:
        raise err(f"`{x.id}` has elements of {t.fmt.name}, not an MX element format "
                  f"({', '.join(MX_ELEMENTS)})", x.pos)
    return t


def _scale(scope: Scope, x) -> None:
    if not isinstance(x, ast.Name) or x.id not in scope.inputs:
        raise err(f"the scales of `{DOT_OP}` must be declared inputs (`input sa = dut.scale_a : e8m0`)", x.pos)
    t = scope.inputs[x.id].type
    if not (isinstance(t, FloatT) and t.fmt.name == SCALE_FORMAT):
        raise err(f"scale `{x.id}` has type {t}; an MX block scale is e8m0", x.pos)


def _rounding(scope: Scope, mode) -> tuple[Rounding | None, str | None]:
    if not isinstance(mode, ast.Name):
        raise err("the rounding mode must be a mode name (rne, rtz, ...) or a rounding input", mode.pos)
    if mode.id in scope.inputs:
        if not isinstance(scope.inputs[mode.id].type, RoundT):
            raise err(f"input `{mode.id}` is not a `rounding` input", mode.pos)
        return None, mode.id
    try:
        r = parse_rounding(mode.id)
    except ValueError as ex:
        raise err(str(ex), mode.pos) from None
    return r, None


def _random(scope: Scope, call: ast.Call, rounding: Rounding | None, mode) -> str | None:
    """The ``random = r`` input of a stochastic mode (required there, rejected elsewhere)."""
    kw = next((k for k in call.kwargs if k.name == "random"), None)
    stochastic = rounding is not None and rounding.mode.stochastic
    if kw is None:
        if stochastic:
            raise err(f"stochastic rounding {rounding} needs its random bits: `random = INPUT` "
                      f"(an `input r = dut.rbits : bits[{rounding.nbits}]`)", mode.pos)
        return None
    return random_bits_input(scope, kw, rounding)


def _flags(scope: Scope, pr: ast.Prove) -> str | None:
    if pr.exact_nan is not None:
        raise err(f"`with exact nan` does not apply to `{DOT_OP}` (its NaN is compared as a class)", pr.exact_nan)
    return flags_output(scope, pr.flags) if pr.flags is not None else None
