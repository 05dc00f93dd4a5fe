"""Declared semantics: which golden operation a kernel claims to implement.

Grammar (whitespace-separated words, case-insensitive)::

    convert SRC->DST [MODE] [OVERFLOW] [nan=zero|max|error] [in=native|codes] [tininess=...] [skip=nan]
    add|sub|mul|div|fma FMT[->OUT] [MODE] [OVERFLOW] [in=...]   # ARITH: the registry's rounded ops
    sqrt FMT[->OUT] [MODE] [OVERFLOW] [in=...]
    mx [SRC->]ELEM [block=32] [in=...]            # OCP MX quantize, FLOOR scale rule, E8M0 scale
    FUNC FMT[->OUT] [MODE] [OVERFLOW] [BOUND]     # elementary functions (exp log tanh gelu_tanh ...)
    softmax SRC->DST [len=8] [MODE] [BOUND]       # correctly rounded vector softmax, per element

BOUND (accuracy fuzzing, `fpverify.fuzz.bound`): ``ulp<=B``, ``relerr<=B`` (B: ``1``, ``0.5``,
``2^-8``, ``1e-3``, ``1/256``) or ``faithful``; without one, results must equal the correctly
rounded value bit for bit. See `fpverify.fuzz.accuracy` for the error measures.

MODE is any rounding name `fpverify.rounding.parse_rounding` accepts (rne, rna, rtz, rup, rdn, rto,
sraN, srbN, srcN, near_even, ...; default rne). OVERFLOW is ``ieee`` | ``satfinite`` (alias
``sat``) | ``satpropagate`` | ``nan`` (alias ``nosat``: OCP non-saturating, E4M3 -> NaN); default:
the destination format's own (formats.md §3). ``nan=`` is what a NaN becomes in a format without
NaN; ``skip=nan`` leaves results for NaN inputs unchecked (for kernels with another NaN convention). SRC may be a registry format or a numpy integer type
(``int8 .. int64``, ``uint8 .. uint64``).

Examples: ``convert f32->e4m3fn rne satfinite``, ``mul e4m3fn rne``, ``convert f64->e8m0 rna``,
``convert f32->e5m2 sra8 satfinite``, ``mx f32->e2m1fn block=32``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import InputError
from ..formats import FloatFormat, Format, FormatError, IntFormat, NanPolicy, Overflow, get_format
from ..rounding import Env, Rounding, Tininess, parse_rounding
from ..semantics.ops import Call, with_call
from ..tapered import TaperedFormat
from .bound import BadBound, ErrorBound, is_bound_word, parse_bound

# op -> arity: the rounded arithmetic of `fpverify.semantics.ops` (golden f(fmt, *codes, env, out))
ARITH = {op.name: op.arity for op in with_call(Call.ROUNDED)}
OPS = ("convert", "mx", "softmax") + tuple(ARITH)
# the correctly rounded elementary functions (`fpverify.golden.elementary`): bounds apply to these
ELEMENTARY = tuple(op.name for op in with_call(Call.ROUNDED) if op.golden.startswith("fpverify.golden.elementary:"))

_INT_SOURCES = {f"{u}int{b}": (b, u == "") for b in (8, 16, 32, 64) for u in ("", "u")}
_OVERFLOW_WORDS = {"ieee": Overflow.IEEE, "satnone": Overflow.IEEE, "satfinite": Overflow.SATFINITE,
                   "sat": Overflow.SATFINITE, "satpropagate": Overflow.SATPROPAGATE,
                   "nan": Overflow.NAN, "nosat": Overflow.NAN}


@dataclass(frozen=True)
class IntSource:
    """A numpy integer input type (values, not codes)."""

    name: str
    bits: int
    signed: bool

    @property
    def min(self) -> int:
        return -(1 << (self.bits - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.bits - 1)) - 1 if self.signed else (1 << self.bits) - 1

    @property
    def numpy_dtype(self) -> str:
        return self.name


@dataclass(frozen=True)
class Semantics:
    """What a kernel claims: ``op`` on ``sources`` giving ``dst``, rounded under ``env``."""

    op: str
    sources: tuple  # one entry per operand: a Format or an IntSource
    dst: Format
    env: Env = field(default_factory=Env)
    inputs: str = "native"  # "native": numpy/ml_dtypes arrays where a dtype exists; "codes"
    block: int = 32  # MX only
    text: str = ""
    skip_nan: bool = False  # skip=nan: results for NaN inputs are not checked
    bound: ErrorBound | None = None  # accuracy fuzzing: ulp<=B / relerr<=B / faithful

    @property
    def accuracy(self) -> bool:
        """Whether results are measured (error bound or softmax) rather than compared bit-exactly."""
        return self.bound is not None or self.op == "softmax"

    @property
    def arity(self) -> int:
        return len(self.sources)

    @property
    def stochastic(self) -> bool:
        return self.env.rounding.mode.stochastic

    @property
    def nbits(self) -> int:
        return self.env.rounding.nbits

    def env_for(self, random_bits: int) -> Env:
        """The declared environment with the random bits R of one example."""
        e = self.env
        return Env(e.rounding, e.overflow, e.tininess, random_bits, e.nan_policy)

    def describe(self) -> str:
        src = self.sources[0]
        ov_text = self.env.overflow_for(self.dst).value
        tail = f" {self.bound}" if self.bound is not None else ""
        if self.op == "softmax":
            return f"softmax {src.name}->{self.dst.name} len={self.block} {self.env.rounding}{tail}"
        if self.op == "convert":
            head = f"convert {src.name}->{self.dst.name}"
        elif self.op == "mx":
            return f"mx {src.name}->{self.dst.name} block={self.block} (OCP FLOOR scale, E8M0, RNE, satfinite)"
        else:
            head = f"{self.op} {src.name}" + (f"->{self.dst.name}" if self.dst is not src else "")
        return f"{head} {self.env.rounding} {ov_text}{tail}"


def _format(word: str, text: str, col: int, allow_int: bool = False):
    w = word.lower()
    if allow_int and w in _INT_SOURCES and w not in ("int8",):
        b, signed = _INT_SOURCES[w]
        return IntSource(w, b, signed)
    try:
        return get_format(w)
    except FormatError:
        if allow_int and w in _INT_SOURCES:
            b, signed = _INT_SOURCES[w]
            return IntSource(w, b, signed)
        raise InputError(f"unknown format {word!r} in semantics {text!r} (try `fpverify formats`)",
                         "--semantics", 1, col) from None


def parse_semantics(text: str) -> Semantics:
    """Parse a semantics string (see the module docstring); raises `InputError` with a column."""
    words = [(m.group(0), m.start() + 1) for m in re.finditer(r"\S+", text)]
    if not words:
        raise InputError("empty semantics (e.g. 'convert f32->e4m3fn rne satfinite')", "--semantics", 1, 1)
    op, col = words[0][0].lower(), words[0][1]
    if op not in OPS:
        raise InputError(f"unknown operation {words[0][0]!r} (use one of: {' '.join(OPS)})",
                         "--semantics", 1, col)
    if len(words) < 2:
        raise InputError(f"'{op}' needs a format (e.g. '{op} e4m3fn')", "--semantics", 1, len(text) + 1)
    sig, scol = words[1]
    if "->" in sig:
        a, b = sig.split("->", 1)
        src = _format(a, text, scol, allow_int=op in ("convert", "mx"))
        dst = _format(b, text, scol + len(a) + 2)
    elif op in ("convert", "softmax"):
        raise InputError(f"{op} needs SRC->DST, got {sig!r}", "--semantics", 1, scol)
    elif op == "mx":
        src, dst = get_format("f32"), _format(sig, text, scol)
    else:
        src = dst = _format(sig, text, scol)
    if op in ARITH and not isinstance(src, (FloatFormat, IntFormat, TaperedFormat)):
        raise InputError(f"{op} needs a registry format, not {sig!r}", "--semantics", 1, scol)
    rounding: Rounding | None = None
    overflow: Overflow | None = None
    nan: NanPolicy | None = None
    tininess = Tininess.AFTER
    inputs = "native"
    block = 8 if op == "softmax" else 32
    skip_nan = False
    bound: ErrorBound | None = None
    for word, wcol in words[2:]:
        w = word.lower()
        key, eq, val = w.partition("=")
        try:
            if is_bound_word(w):
                if bound is not None:
                    raise InputError(f"error bound given twice ({word!r})", "--semantics", 1, wcol)
                try:
                    bound = parse_bound(word)
                except BadBound as e:
                    raise InputError(str(e), "--semantics", 1, wcol) from None
            elif eq and key == "nan":
                nan = NanPolicy(val)
            elif eq and key in ("in", "inputs"):
                if val not in ("native", "codes"):
                    raise ValueError(val)
                inputs = val
            elif eq and key == "tininess":
                tininess = Tininess(val)
            elif eq and key == "skip":
                if val != "nan":
                    raise ValueError(val)
                skip_nan = True
            elif eq and key in ("block", "len"):
                block = int(val)
                if block < 1:
                    raise ValueError(val)
            elif eq and key in ("overflow", "sat"):
                overflow = _OVERFLOW_WORDS[val]
            elif eq and key in ("round", "rounding", "mode"):
                rounding = parse_rounding(val)
            elif eq:
                raise InputError(f"unknown option {key!r} in semantics", "--semantics", 1, wcol)
            elif w in _OVERFLOW_WORDS:
                if overflow is not None:
                    raise InputError(f"overflow policy given twice ({word!r})", "--semantics", 1, wcol)
                overflow = _OVERFLOW_WORDS[w]
            else:
                r = parse_rounding(w)
                if rounding is not None:
                    raise InputError(f"rounding mode given twice ({word!r})", "--semantics", 1, wcol)
                rounding = r
        except InputError:
            raise
        except (ValueError, KeyError):
            raise InputError(f"cannot parse {word!r} in semantics {text!r} (expected a rounding mode, "
                             f"an overflow policy {sorted(_OVERFLOW_WORDS)}, or nan=/in=/block=/tininess=/skip=nan)",
                             "--semantics", 1, wcol) from None
    rounding = rounding or parse_rounding("rne")
    if op == "mx":
        if rounding.mode.value != "rne" or overflow not in (None, Overflow.SATFINITE):
            raise InputError("mx semantics are fixed to OCP (RNE elements, satfinite)", "--semantics", 1, 1)
        if not isinstance(src, FloatFormat) or src.name not in ("f32", "f64"):
            raise InputError("mx needs an f32 or f64 source", "--semantics", 1, scol)
    if bound is not None and op not in ELEMENTARY + ("softmax",):
        raise InputError(f"error bounds apply to the elementary functions and softmax, not {op!r}",
                         "--semantics", 1, col)
    if op in ELEMENTARY + ("softmax",):
        for f, c in ((src, scol), (dst, scol)):
            if not isinstance(f, FloatFormat):
                raise InputError(f"{op} needs floating-point formats, not {f.name!r}", "--semantics", 1, c)
        if rounding is not None and rounding.mode.stochastic and (bound is not None or op == "softmax"):
            raise InputError("accuracy fuzzing (an error bound or softmax) needs a deterministic rounding mode",
                             "--semantics", 1, col)
    env = Env(rounding, overflow, tininess, 0, nan)
    arity = ARITH.get(op, 1)
    return Semantics(op, (src,) * arity, dst, env, inputs, block, text.strip(), skip_nan, bound)


__all__ = ["Semantics", "IntSource", "parse_semantics", "ARITH", "OPS", "ELEMENTARY"]
