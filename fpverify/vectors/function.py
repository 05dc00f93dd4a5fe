"""Vector functions: TestFloat-style names (`f16_mulAdd`, `e4m3fn_mul`, `f32_to_e4m3fn`) for any format,
and integer sources (`int64_to_bf16`, `uint8_to_e4m3fn`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import InputError
from ..formats import FloatFormat, Format, FormatError, IntFormat, get_format
from ..golden.lmul import LMulPolicy
from ..rounding import Env, Rounded
from ..semantics.ops import get_op, ops_with

# op name as written in a function name (lower case; the TestFloat spelling or the registry name)
# -> (TestFloat spelling, arity, symbol for messages); the ops are those of `fpverify.semantics.ops`
# with a ``vector`` spelling
OPS: dict[str, tuple[str, int, str]] = {
    spelling.lower(): (op.vector, op.arity, op.symbol)
    for op in ops_with("vector") for spelling in (op.vector, op.name)}
OP_NAMES = tuple(op.vector for op in ops_with("vector"))


@dataclass(frozen=True)
class VectorFunction:
    """One function of a vector file: ``op`` on codes of ``src`` giving a code of ``dst``."""

    name: str
    op: str  # add sub mul div sqrt mulAdd lmul (TestFloat spellings), or "to" for a conversion
    src: Format
    dst: Format
    arity: int
    lmul_policy: LMulPolicy = field(default_factory=LMulPolicy)

    @property
    def is_conversion(self) -> bool:
        return self.op == "to"

    def evaluator(self) -> Callable[[tuple[int, ...], Env], Rounded]:
        """A fast callable ``(codes, env) -> Rounded`` for this function."""
        src, dst = self.src, self.dst
        op = get_op("convert" if self.op == "to" else self.op)
        out = dst if op.needs_out else None
        policy = self.lmul_policy if op.takes_policy else None
        return lambda c, env: op.run_golden(src, c, env, out=out, policy=policy)

    def evaluate(self, codes: tuple[int, ...], env: Env = Env()) -> Rounded:
        return self.evaluator()(tuple(codes), env)

    def with_lmul_policy(self, policy: LMulPolicy) -> "VectorFunction":
        return VectorFunction(self.name, self.op, self.src, self.dst, self.arity, policy)


@dataclass(frozen=True)
class UnsignedIntFormat(IntFormat):
    """An unsigned integer element (codes are the values 0 .. 2^bits - 1); a conversion source."""

    signed = False  # type: ignore[misc]

    @property
    def max_int(self) -> int:
        return (1 << self.bits) - 1

    @property
    def min_int(self) -> int:
        return 0

    def to_int(self, code: int) -> int:
        return code


INT_SOURCE_NAMES = tuple(f"{u}int{b}" for u in ("", "u") for b in (8, 16, 32, 64))


def integer_source(name: str) -> IntFormat | None:
    """The integer format ``int8 .. int64`` / ``uint8 .. uint64`` (sources of ``<int>_to_<fmt>``),
    or None when ``name`` is not one. Registered integer formats (int8) come from the registry."""
    key = name.strip().lower()
    if key not in INT_SOURCE_NAMES:
        return None
    try:
        return get_format(key)  # type: ignore[return-value]
    except FormatError:
        pass
    unsigned = key.startswith("u")
    bits = int(key[4:] if unsigned else key[3:])
    return UnsignedIntFormat(key, bits, 0, description=f"unsigned {key}") if unsigned else \
        IntFormat(key, bits, 0, description=f"two's-complement {key}")


def _format(name: str, function: str, source: bool = False) -> Format:
    if source:
        fmt = integer_source(name)
        if fmt is not None:
            return fmt
    try:
        return get_format(name)
    except FormatError as e:
        hint = (f"; integer sources: {' '.join(INT_SOURCE_NAMES)}" if source
                else "; int16..int64 and uint* are conversion sources only" if integer_source(name) else "")
        raise InputError(f"unknown format {name!r} in function {function!r} "
                         f"(see `fpverify formats`{hint})") from e


def parse_function(name: str, lmul_policy: LMulPolicy | None = None) -> VectorFunction:
    """Parse ``<fmt>_<op>`` or ``<src>_to_<dst>``; raise InputError with a clear message."""
    text = name.strip()
    if "_to_" in text:
        src_name, dst_name = text.split("_to_", 1)
        if not src_name or not dst_name:
            raise InputError(f"malformed conversion {name!r} (expected <format>_to_<format>)")
        return VectorFunction(text, "to", _format(src_name, text, source=True), _format(dst_name, text), 1)
    if "_" not in text:
        raise InputError(f"malformed function {name!r} (expected <format>_<op> with op one of "
                         f"{' '.join(OP_NAMES)}, or <format>_to_<format>)")
    fmt_name, op_text = text.rsplit("_", 1)
    for spelling in OPS:  # op names with an underscore (gelu_tanh): the longest suffix wins
        if "_" in spelling and text.lower().endswith("_" + spelling) and len(text) > len(spelling) + 1:
            fmt_name, op_text = text[:-len(spelling) - 1], text[-len(spelling):]
    if op_text.lower() not in OPS:
        raise InputError(f"unknown operation {op_text!r} in function {name!r} "
                         f"(known: {' '.join(OP_NAMES)}, or <format>_to_<format>)")
    op, arity, _ = OPS[op_text.lower()]
    fmt = _format(fmt_name, text)
    if op == "lmul" and not (isinstance(fmt, FloatFormat) and fmt.signed):
        raise InputError(f"lmul needs a signed float format, not {fmt.name}")
    return VectorFunction(text, op, fmt, fmt, arity, lmul_policy or LMulPolicy())


def op_symbol(op: str) -> str:
    for canon, _, sym in OPS.values():
        if canon == op:
            return sym
    return "->"
