"""`fpverify formats` (the format registry as a table) and `fpverify eval` (a golden calculator)."""

from __future__ import annotations

import dataclasses
import json
import re
from fractions import Fraction

import click

from .errors import InputError
from .formats import FloatFormat, Format, FormatError, IntFormat, NanPolicy, Overflow, all_formats, get_format
from .golden.convert import from_value, parse_number
from .golden.lmul import LMulPolicy, LMulSpecials, LMulVariant
from .rounding import Env, Flags, Rounded, Rounding, Tininess, parse_rounding
from .tapered import TaperedFormat

# ---- shared options (also used by `fpverify vectors`) -------------------------------------------

OVERFLOW_NAMES = {
    "ieee": Overflow.IEEE, "satnone": Overflow.IEEE, "nosat": Overflow.IEEE,
    "satfinite": Overflow.SATFINITE, "sat": Overflow.SATFINITE,
    "satpropagate": Overflow.SATPROPAGATE, "nan": Overflow.NAN,
}
LMUL_VARIANTS = {"b": LMulVariant.BIT_ADD, "bit_add": LMulVariant.BIT_ADD, "a": LMulVariant.REAL,
                 "real": LMulVariant.REAL, "c": LMulVariant.NORMALIZE_TRUNCATE,
                 "normalize_truncate": LMulVariant.NORMALIZE_TRUNCATE}


def _rounding_cb(ctx, param, value):
    try:
        return parse_rounding(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


def _choice_cb(table: dict, what: str):
    def cb(ctx, param, value):
        if value is None:
            return None
        key = value.strip().lower()
        if key not in table:
            raise click.BadParameter(f"unknown {what} {value!r} (use one of: {', '.join(table)})")
        return table[key]
    return cb


def env_options(fn):
    """--rounding --tininess --overflow --nan-policy --lmul-variant --lmul-specials."""
    opts = [
        click.option("--rounding", "-r", default="rne", show_default=True, callback=_rounding_cb,
                     help="rne rna rtz rup rdn rto | TestFloat's near_even near_maxMag minMag max min "
                          "odd | stochastic sraN srbN srcN (N random bits)"),
        click.option("--tininess", default="after", show_default=True,
                     callback=_choice_cb({"after": Tininess.AFTER, "before": Tininess.BEFORE}, "tininess"),
                     help="detect tininess before or after rounding"),
        click.option("--overflow", default=None, callback=_choice_cb(OVERFLOW_NAMES, "overflow policy"),
                     help="ieee(=satnone) | satfinite | satpropagate | nan (default: the format's)"),
        click.option("--nan-policy", default=None,
                     callback=_choice_cb({p.value: p for p in NanPolicy}, "NaN policy"),
                     help="NaN into a format without NaN: zero | max | error (default: the format's)"),
        click.option("--lmul-variant", default="B", show_default=True,
                     callback=_choice_cb(LMUL_VARIANTS, "L-Mul variant"),
                     help="L-Mul semantics: B bit-add, A real formula, C normalise+truncate"),
        click.option("--lmul-specials", default="ieee_like", show_default=True,
                     callback=_choice_cb({s.value: s for s in LMulSpecials}, "L-Mul specials policy"),
                     help="L-Mul specials: ieee_like | wrap"),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def build_env(rounding: Rounding, tininess: Tininess, overflow: Overflow | None,
              nan_policy: NanPolicy | None, random_bits: int = 0) -> Env:
    return Env(rounding=rounding, overflow=overflow, tininess=tininess, random_bits=random_bits,
               nan_policy=nan_policy)


def build_lmul_policy(variant: LMulVariant, specials: LMulSpecials, overflow: Overflow | None) -> LMulPolicy:
    if specials is LMulSpecials.WRAP and variant is not LMulVariant.BIT_ADD:
        raise click.BadParameter("the 'wrap' specials policy is defined for variant B only",
                                 param_hint="--lmul-specials")
    return LMulPolicy(variant, specials, overflow or Overflow.SATFINITE)


# ---- value text -----------------------------------------------------------------------------


def value_text(v) -> str:
    """Exact short text for a Fraction/None/str: '448', '2^-9', '(2-2^-23)*2^127', '0.1875'."""
    if v is None or isinstance(v, str):
        return v or "-"
    v = Fraction(v)
    if v == 0:
        return "0"
    sign = "-" if v < 0 else ""
    a = abs(v)
    n, d = a.numerator, a.denominator
    if n & (n - 1) == 0 and d & (d - 1) == 0:  # a power of two
        k = (n.bit_length() - 1) - (d.bit_length() - 1)
        if abs(k) >= 4:
            return f"{sign}2^{k}"
    f = float(v)
    text = repr(f).removesuffix(".0")
    if Fraction(f) == v and len(text.lstrip("-")) <= 12:
        return text
    # (2 - 2^-m) * 2^e, the shape of every IEEE-like max finite
    e = (n.bit_length() - d.bit_length())
    if a < Fraction(2) ** e:
        e -= 1
    sig = a / Fraction(2) ** e
    rest = 2 - sig
    if 0 < rest < 1 and rest.numerator == 1 and rest.denominator & (rest.denominator - 1) == 0:
        return f"{sign}(2-2^-{rest.denominator.bit_length() - 1})*2^{e}"
    return text if Fraction(f) == v else str(v)


def _json_num(v):
    if v is None or isinstance(v, str):
        return v
    return float.hex(float(Fraction(v)))


# ---- fpverify formats --------------------------------------------------------------------------


def format_rows() -> list[dict]:
    rows = []
    for fmt in all_formats():
        s = fmt.summary()
        row = dict(s)
        row["aliases"] = list(fmt.aliases)
        row["description"] = fmt.description
        if isinstance(fmt, FloatFormat):
            row["default_nan_policy"] = fmt.nan_policy.value
        rows.append(row)
    return rows


@click.command("formats")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output (values as hex floats)")
def formats_cmd(as_json: bool) -> None:
    """Every registered format: layout, range, specials and default overflow policy.

    P3109 formats beyond the registered ones are made on demand from names like p3109_8p3se.
    """
    rows = format_rows()
    if as_json:
        out = []
        for r in rows:
            r = dict(r)
            for k in ("max", "min_normal", "min_subnormal"):
                r[k + "_text"] = value_text(r[k])
                r[k] = _json_num(r[k])
            out.append(r)
        click.echo(json.dumps(out, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="fpverify formats", show_lines=False)
    for col in ("name", "bits", "E", "M", "bias", "max", "min normal", "min subnormal", "Inf", "NaN",
                "-0", "specials", "overflow", "aliases"):
        table.add_column(col, justify="right" if col in ("bits", "E", "M", "bias") else "left",
                         overflow="fold")
    yes = lambda b: "yes" if b else "-"  # noqa: E731
    for r in rows:
        table.add_row(r["name"], str(r["bits"]), str(r["E"]), str(r["M"]), str(r["bias"]),
                      value_text(r["max"]), value_text(r["min_normal"]), value_text(r["min_subnormal"]),
                      yes(r["inf"]), yes(r["nan"]), yes(r["neg_zero"]), r["specials"], r["overflow"],
                      ", ".join(r["aliases"]))
    Console(width=max(160, Console().width)).print(table)


# ---- fpverify eval -----------------------------------------------------------------------------

_CODE = re.compile(r"^0x[0-9a-f]+$", re.IGNORECASE)


def _bits(fmt: Format, code: int) -> str:
    if isinstance(fmt, IntFormat):
        return f"{code:0{fmt.bits}b}"
    if isinstance(fmt, TaperedFormat):
        return fmt.bit_fields(code)
    s = f"{code:0{fmt.bits}b}"
    parts = []
    i = 0
    if fmt.signed:
        parts.append(s[0])
        i = 1
    parts.append(s[i:i + fmt.exp_bits])
    if fmt.man_bits:
        parts.append(s[i + fmt.exp_bits:])
    return ".".join(parts)


@dataclasses.dataclass
class _Operand:
    code: int
    text: str
    conversion: Rounded | None = None  # set when the operand was given as a number


def _operand(fmt: Format, token: str, as_value: bool, env: Env, index: int) -> _Operand:
    tok = token.strip()
    if not as_value and _CODE.match(tok):
        code = int(tok, 16)
        if code >= (1 << fmt.bits):
            raise InputError(f"operand {index}: code {tok} is out of range for {fmt.name} "
                             f"({fmt.bits} bits, at most {(1 << fmt.bits) - 1:#x})")
        return _Operand(code, tok)
    try:
        value = parse_number(tok)
    except (ValueError, ZeroDivisionError):
        raise InputError(f"operand {index}: {token!r} is neither a hex code (0x3c) nor a number "
                         "(3.14, -0.5, 1e-3, 0x1.8p1, 3/4, inf, nan)") from None
    if value == 0 and tok.startswith("-"):
        value = -0.0
    r = from_value(value, fmt, env)  # numbers are rounded into the source format like the result
    return _Operand(r.code, tok, r)


def _exact_result(fn, ops: list[_Operand]):
    """The exact (unrounded) real result when it is rational and all operands are finite."""
    from .golden.operand import Kind, unpack

    if fn.op in ("sqrt", "lmul"):
        return None
    xs = [unpack(fn.src, o.code) for o in ops]
    if any(x.kind in (Kind.NAN, Kind.INF) for x in xs):
        return None
    v = [x.value.to_fraction() for x in xs]
    if fn.op == "to":
        return v[0]
    if fn.op == "add":
        return v[0] + v[1]
    if fn.op == "sub":
        return v[0] - v[1]
    if fn.op == "mul":
        return v[0] * v[1]
    if fn.op == "div":
        return v[0] / v[1] if v[1] else None
    if fn.op == "mulAdd":
        return v[0] * v[1] + v[2]
    return None


@click.command("eval")
@click.argument("function")
@click.argument("operands", nargs=-1)
@click.option("--value", "-v", "values", multiple=True,
              help="an operand given as a number (decimal, 0x1.8p3, 3/4, inf, nan); repeatable, "
                   "appended after OPERANDS; rounded into the source format")
@env_options
@click.option("--random-bits", "-R", "random_bits", default=None,
              help="R for stochastic rounding (0 <= R < 2^N; decimal or 0x hex)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def eval_cmd(function, operands, values, rounding, tininess, overflow, nan_policy, lmul_variant,
             lmul_specials, random_bits, as_json) -> None:
    """Evaluate one operation exactly, as the golden model does.

    FUNCTION is <fmt>_<op> (op: add sub mul div sqrt mulAdd lmul), <src>_to_<dst>, or a bare
    <fmt> to encode numbers / decode codes. SRC may be an integer type (int8..int64,
    uint8..uint64). OPERANDS are hex codes (0x3c) or numbers (3.14).

    \b
    fpverify eval e4m3fn_mul 0x3c 0x40 --rounding rne
    fpverify eval f32_to_e4m3fn 0x43e80000
    fpverify eval e4m3fn_to_f32 --value 3.14
    fpverify eval int64_to_bf16 --value 4629700416936869890
    fpverify eval e2m1fn_add 0x3 0x1 -r sra4 -R 7
    fpverify eval bf16_lmul 0x3fc0 0x4040 --lmul-variant C
    """
    from .vectors.function import VectorFunction, integer_source, parse_function
    from .vectors.line import flag_names

    r_val = 0
    if random_bits is not None:
        if not rounding.mode.stochastic:
            raise click.BadParameter("only stochastic rounding (sraN/srbN/srcN) takes random bits",
                                     param_hint="--random-bits")
        try:
            r_val = int(random_bits, 0)
        except ValueError:
            raise click.BadParameter(f"{random_bits!r} is not an integer", param_hint="--random-bits") from None
        if not 0 <= r_val < (1 << rounding.nbits):
            raise click.BadParameter(f"R={r_val} does not fit in N={rounding.nbits} bits",
                                     param_hint="--random-bits")
    elif rounding.mode.stochastic:
        raise click.BadParameter(f"stochastic rounding {rounding} needs --random-bits R",
                                 param_hint="--random-bits")
    env = build_env(rounding, tininess, overflow, nan_policy, r_val)

    tokens = [(t, False) for t in operands] + [(t, True) for t in values]
    bare = "_to_" not in function and ("_" not in function or _is_format(function))
    if bare:
        try:
            fmt = integer_source(function) or get_format(function)
        except FormatError as e:
            raise InputError(str(e)) from None
        fn = VectorFunction(function, "to", fmt, fmt, 1)
        if not tokens:
            raise InputError(f"{function}: give codes (0x3c) to decode or numbers (--value 3.14) to encode")
    else:
        fn = parse_function(function)
        if fn.op == "lmul":
            fn = fn.with_lmul_policy(build_lmul_policy(lmul_variant, lmul_specials, overflow))
        if len(tokens) != fn.arity:
            raise InputError(f"{fn.name} takes {fn.arity} operand{'s' if fn.arity > 1 else ''}, "
                             f"got {len(tokens)}")

    results = []
    groups = [[t] for t in tokens] if bare else [tokens]
    for group in groups:
        ops = [_operand(fn.src, t, as_value, env, i + 1) for i, (t, as_value) in enumerate(group)]
        if bare:  # a bare format: encode or decode only
            res = ops[0].conversion or Rounded(ops[0].code, Flags.NONE)
            exact = None
        else:
            res = fn.evaluate(tuple(o.code for o in ops), env)
            exact = _exact_result(fn, ops)
        results.append((ops, res, exact))

    if as_json:
        out = []
        for ops, res, exact in results:
            out.append({
                "function": fn.name, "rounding": str(rounding), "tininess": tininess.value,
                "overflow": env.overflow_for(fn.dst).value if isinstance(fn.dst, FloatFormat) else None,
                "operands": [{"code": f"{o.code:#x}", "value": _val(fn.src, o.code), "input": o.text,
                              "input_flags": flag_names(o.conversion.flags) if o.conversion else None}
                             for o in ops],
                "random_bits": r_val if rounding.mode.stochastic else None,
                "exact": None if exact is None else str(exact),
                "result": {"code": f"{res.code:#x}", "value": _val(fn.dst, res.code),
                           "bits": _bits(fn.dst, res.code)},
                "flags": int(res.flags) & 0x1F, "flag_names": flag_names(res.flags),
                "saturated": bool(res.flags & Flags.SATURATED),
            })
        click.echo(json.dumps(out[0] if len(out) == 1 else out, indent=2))
        return

    policy = f"rounding={rounding}" + (f" R={r_val}" if rounding.mode.stochastic else "")
    policy += f" tininess={tininess.value}"
    if isinstance(fn.dst, FloatFormat):
        policy += f" overflow={env.overflow_for(fn.dst).value}"
    if fn.op == "lmul":
        policy = f"{fn.lmul_policy}" + (f" rounding={rounding}" if fn.lmul_policy.variant is LMulVariant.REAL else "")
    click.echo(f"{fn.name}  {policy}")
    for ops, res, exact in results:
        names = ["a", "b", "c"] if len(ops) > 1 else ["x"]
        for name, o in zip(names, ops):
            line = f"  {name:<7}{_code(fn.src, o.code)}  {_val(fn.src, o.code):<14} [{_bits(fn.src, o.code)}]"
            if o.conversion is not None:
                line += f"  from {o.text} (flags {flag_names(o.conversion.flags)})"
            click.echo(line)
        if bare:
            continue
        if exact is not None:
            click.echo(f"  {'exact':<7}{value_text(exact)}")
        click.echo(f"  {'result':<7}{_code(fn.dst, res.code)}  {_val(fn.dst, res.code):<14} "
                   f"[{_bits(fn.dst, res.code)}]")
        extra = " (+saturated)" if res.flags & Flags.SATURATED else ""
        click.echo(f"  {'flags':<7}{flag_names(res.flags)} (0x{int(res.flags) & 0x1F:02x}){extra}")


def _is_format(name: str) -> bool:
    from .vectors.function import integer_source

    if integer_source(name) is not None:
        return True
    try:
        get_format(name)
        return True
    except FormatError:
        return False


def _code(fmt: Format, code: int) -> str:
    return f"0x{code:0{(fmt.width + 3) // 4}x}"


def _val(fmt: Format, code: int) -> str:
    from .vectors.line import describe_value

    return describe_value(fmt, code)


__all__ = ["formats_cmd", "eval_cmd", "env_options", "build_env", "build_lmul_policy", "value_text"]
