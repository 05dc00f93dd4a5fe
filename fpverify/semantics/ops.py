"""The operation registry: every operation and the function that implements it in each back end.

One `Op` per operation says its arity, how its functions are called (`Call`), and, as lazy
``"module:attr"`` paths, the golden function (`fpverify.golden`), the symbolic reference the
prover compares against (`fpverify.smt.reference`), the RTL generator (``rtl``) and the numpy
ufunc third-party fuzz kernels use; plus its lookup-table family in the fast engine
(`fpverify.fast.tables`), its name in ``.spec`` files and in TestFloat function names.

The back ends keep their own datapaths; this table only says which function is which, so the
CLI, the DSL, the prover and its replay, simulation, fault campaigns and the fuzzer agree on the
list. Importing it imports no back end (nor z3, amaranth or numpy): paths resolve on first use.

    from fpverify.semantics.ops import get_op
    get_op("mul").run_golden(fmt, (a, b), env)      # Rounded
    [op.name for op in ops_with("symbolic")]       # what the prover can prove
"""

from __future__ import annotations

import enum
import functools
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

from .ports import Flags, Rounded

if TYPE_CHECKING:  # pragma: no cover
    from ..formats import Format
    from ..rounding import Env


class Call(enum.Enum):
    """How an op's golden and symbolic functions are called (both back ends share the order)."""

    ROUNDED = "rounded"  # f(fmt, *operands, env=, out=) -> rounded result in out (default fmt)
    CONVERT = "convert"  # f(src, operand, dst, env): dst positional (out; default the source format)
    LMUL = "lmul"  # f(fmt, a, b, policy=, env=): the result is in fmt, policy an LMulPolicy
    EXACT = "exact"  # f(fmt, *codes) -> code or (code, flags): no rounding, no environment


BACK_ENDS = ("golden", "symbolic", "table", "rtl", "dsl", "vector", "ufunc")


@dataclass(frozen=True)
class Op:
    """One operation. Paths are ``"module:attr"``; ``None`` means the back end lacks the op."""

    name: str  # the canonical name (golden model, prover, sim, fuzz, fast tables)
    arity: int  # operand codes
    call: Call
    golden: str  # `fpverify.golden` function
    symbolic: str | None = None  # `fpverify.smt.reference` function: the prover's right-hand side
    table: Literal["binary", "unary"] | None = None  # `fpverify.fast.tables` lookup-table family
    rtl: str | None = None  # generator class in ``rtl`` (`fpverify sim --op`)
    dsl: str | None = None  # name in a .spec ``OUTPUT == name(...)``
    vector: str | None = None  # TestFloat spelling in ``<fmt>_<op>`` function names
    ufunc: str | None = None  # the numpy ufunc of the same operation (third-party fuzz kernels)
    symbol: str = ""  # for messages
    sub_select: str | None = None  # the op a unit computes when its 1-bit ``sub`` port is 1
    family: str | None = None  # decomposition-strategy family (`fpverify.prove.decompose`)
    aliases: tuple[str, ...] = ()  # other names `get_op` accepts

    @property
    def takes_policy(self) -> bool:
        """Whether the op is parameterised by an L-Mul policy."""
        return self.call is Call.LMUL

    @property
    def needs_out(self) -> bool:
        """Whether the destination format must be given (it is not the operand format)."""
        return self.call is Call.CONVERT

    def path(self, back_end: str) -> str | None:
        """The ``"module:attr"`` path (or name, for table/dsl/vector) of ``back_end``."""
        if back_end not in BACK_ENDS:
            raise ValueError(f"unknown back end {back_end!r} (one of {', '.join(BACK_ENDS)})")
        return getattr(self, back_end)

    def golden_function(self) -> Callable:
        return resolve(self.golden)

    def symbolic_function(self) -> Callable:
        if self.symbolic is None:
            raise ValueError(f"{self.name} has no symbolic reference (provable: {', '.join(names('symbolic'))})")
        return resolve(self.symbolic)

    def rtl_generator(self) -> type:
        if self.rtl is None:
            raise ValueError(f"{self.name} has no RTL generator (generated: {', '.join(names('rtl'))})")
        return resolve(self.rtl)

    def run_golden(self, fmt: Format, codes: Sequence[int], env: Env, *, out: Format | None = None,
                   policy: Any = None, addend: Format | None = None) -> Rounded:
        """The golden result of this op on ``codes`` (``policy`` is read by L-Mul only; ``addend``:
        the third operand's format when it differs, fma only)."""
        fn = self.golden_function()
        if self.call is Call.EXACT:
            _check_arity(self, codes)
            return _as_rounded(fn(fmt, *codes))
        return _invoke(self, fn, fmt, codes, env, out, policy, _addend_kw(self, addend))

    def run_symbolic(self, fmt: Format, terms: Sequence[Any], env: Env, *, out: Format | None = None,
                     policy: Any = None, rand: Any = None, addend: Format | None = None):
        """The symbolic reference (`fpverify.smt.reference.RefResult`) of this op on z3 ``terms``."""
        return _invoke(self, self.symbolic_function(), fmt, terms, env, out, policy,
                       {"rand": rand, **_addend_kw(self, addend)})


MIXED_ADDEND_OPS = ("fma",)  # ops whose third operand may have its own format (``addend=``)


def _addend_kw(op: Op, addend) -> dict:
    if addend is None:
        return {}
    if op.name not in MIXED_ADDEND_OPS:
        raise ValueError(f"{op.name} has no operand of a second format (mixed formats: {', '.join(MIXED_ADDEND_OPS)})")
    return {"addend": addend}


def _check_arity(op: Op, operands: Sequence) -> None:
    if len(operands) != op.arity:
        raise ValueError(f"{op.name} takes {op.arity} operand(s), got {len(operands)}")


def _invoke(op: Op, fn: Callable, fmt, operands: Sequence, env, out, policy, extra: dict):
    """Call a golden or symbolic ``fn`` in ``op``'s convention (``extra``: back-end keywords)."""
    _check_arity(op, operands)
    if op.call is Call.CONVERT:
        return fn(fmt, operands[0], fmt if out is None else out, env, **extra)
    if op.call is Call.LMUL:
        kw = {} if policy is None else {"policy": policy}
        return fn(fmt, *operands, env=env, **kw, **extra)
    return fn(fmt, *operands, env=env, out=out, **extra)


def _as_rounded(r) -> Rounded:
    """An exact op's code or (code, flags) as a `Rounded` (no flags for a bare code)."""
    if isinstance(r, Rounded):
        return r
    if isinstance(r, tuple):
        return Rounded(int(r[0]), Flags(int(r[1])))
    return Rounded(int(r), Flags.NONE)


@functools.cache
def resolve(path: str) -> Any:
    """The object at ``"package.module:attr"`` (imported on first use, then cached)."""
    module, sep, attr = path.partition(":")
    if not sep or not attr:
        raise ValueError(f"not a 'module:attr' path: {path!r}")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


_GOLDEN = "fpverify.golden:"
_REF = "fpverify.smt.reference:"

OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", 2, Call.ROUNDED, _GOLDEN + "add", _REF + "add", "binary", "rtl.fp_add:FPAdder", "add", "add",
       "numpy:add", "+", sub_select="sub", family="add"),
    Op("sub", 2, Call.ROUNDED, _GOLDEN + "sub", _REF + "sub", "binary", "rtl.fp_add:FPAdder", "sub", "sub",
       "numpy:subtract", "-", sub_select="add", family="add"),
    Op("mul", 2, Call.ROUNDED, _GOLDEN + "mul", _REF + "mul", "binary", "rtl.fp_mul:FPMultiplier", "mul", "mul",
       "numpy:multiply", "*", family="mul"),
    Op("div", 2, Call.ROUNDED, _GOLDEN + "div", None, "binary", None, "div", "div", "numpy:divide", "/"),
    Op("sqrt", 1, Call.ROUNDED, _GOLDEN + "sqrt", None, "unary", None, "sqrt", "sqrt", "numpy:sqrt", "sqrt"),
    Op("fma", 3, Call.ROUNDED, _GOLDEN + "fma", _REF + "fma", None, "rtl.fp_fma:FPFMA", "fma", "mulAdd", None,
       "fma", family="fma", aliases=("mulAdd",)),
    Op("lmul", 2, Call.LMUL, _GOLDEN + "lmul", _REF + "lmul", "binary", "rtl.lmul:LMulUnit", "lmul", "lmul",
       None, "lmul", family="lmul"),
    Op("convert", 1, Call.CONVERT, _GOLDEN + "convert", _REF + "convert", "unary", symbol="->"),
    Op("min", 2, Call.EXACT, _GOLDEN + "minimum", table="binary", symbol="min"),
    Op("max", 2, Call.EXACT, _GOLDEN + "maximum", table="binary", symbol="max"),
    Op("minimum_number", 2, Call.EXACT, _GOLDEN + "minimum_number", table="binary", symbol="minimumNumber"),
    Op("maximum_number", 2, Call.EXACT, _GOLDEN + "maximum_number", table="binary", symbol="maximumNumber"),
    Op("neg", 1, Call.EXACT, _GOLDEN + "neg", table="unary", symbol="-"),
    Op("abs", 1, Call.EXACT, _GOLDEN + "absolute", table="unary", symbol="abs"),
)}

# correctly rounded elementary functions (`fpverify.golden.elementary`): name, numpy ufunc
_ELEMENTARY = (("exp", "numpy:exp"), ("exp2", "numpy:exp2"), ("exp10", None), ("expm1", "numpy:expm1"),
               ("log", "numpy:log"), ("log2", "numpy:log2"), ("log10", "numpy:log10"),
               ("log1p", "numpy:log1p"), ("sin", "numpy:sin"), ("cos", "numpy:cos"), ("tan", "numpy:tan"),
               ("tanh", "numpy:tanh"), ("sinh", "numpy:sinh"), ("cosh", "numpy:cosh"),
               ("atan", "numpy:arctan"), ("sigmoid", None), ("erf", None), ("gelu_erf", None),
               ("gelu_tanh", None), ("silu", None), ("rsqrt", None), ("recip", "numpy:reciprocal"))
OPS.update({name: Op(name, 1, Call.ROUNDED, "fpverify.golden.elementary:" + name, table="unary",
                     vector=name, ufunc=ufunc, symbol=name) for name, ufunc in _ELEMENTARY})
OPS["pow"] = Op("pow", 2, Call.ROUNDED, "fpverify.golden.elementary:pow", table="binary", vector="pow",
                ufunc="numpy:power", symbol="pow")

_BY_NAME: dict[str, Op] = {alias: op for op in OPS.values() for alias in (op.name, *op.aliases)}


class UnknownOp(ValueError):
    """An operation name the registry does not know."""


def get_op(name: str) -> Op:
    """The op called ``name`` (or one of its aliases); `UnknownOp` lists the known names."""
    op = _BY_NAME.get(name)
    if op is None:
        raise UnknownOp(f"unknown operation {name!r} (known: {', '.join(OPS)})")
    return op


def ops_with(back_end: str) -> tuple[Op, ...]:
    """The ops ``back_end`` implements, in registry order."""
    return tuple(op for op in OPS.values() if op.path(back_end) is not None)


def names(back_end: str) -> tuple[str, ...]:
    """Canonical names of the ops ``back_end`` implements, in registry order."""
    return tuple(op.name for op in ops_with(back_end))


def with_call(call: Call) -> tuple[Op, ...]:
    """The ops whose functions follow calling convention ``call``."""
    return tuple(op for op in OPS.values() if op.call is call)


def family_members(family: str) -> tuple[str, ...]:
    """The ops a decomposition strategy of unit ``family`` (mul, add, lmul, fma) can prove."""
    return tuple(op.name for op in OPS.values() if op.family == family)


def dsl_arities() -> dict[str, int]:
    """``{spec name: arity}`` of the golden operations a .spec may use."""
    return {op.dsl: op.arity for op in ops_with("dsl")}


__all__ = ["Op", "Call", "OPS", "BACK_ENDS", "UnknownOp", "get_op", "ops_with", "names", "with_call",
           "family_members", "dsl_arities", "resolve"]
