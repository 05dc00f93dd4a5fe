"""Error maps: the relative or ULP error of an operation of the golden model (e.g. L-Mul, which
approximates the product) over every pair of codes of an 8-bit (or smaller) format.

    doc = error_map("lmul", "e4m3fn", metric="rel")   # JSON-ready, kind "error-map"

The computed results come from the golden lookup tables (`fpverify.fast.tables`); the exact
result is the real operation on the two decoded operands, as a fraction. Pairs whose operand or
exact result is not finite, or whose computed result is NaN/Inf, have no error (None) and are
counted apart."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Callable

from ..errors import InputError
from ..formats import FloatFormat, get_format
from ..prove.render import code_text

# what each op approximates: the exact real result of two finite operands (None: undefined)
EXACT: dict[str, Callable[[Fraction, Fraction], Fraction | None]] = {
    "mul": lambda a, b: a * b,
    "lmul": lambda a, b: a * b,
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "div": lambda a, b: a / b if b else None,
}
METRICS = ("rel", "ulp")
MAX_WIDTH = 8


def ulp(fmt: FloatFormat, x: Fraction) -> Fraction:
    """The spacing of ``fmt``'s codes at ``|x|`` (the subnormal spacing below the normal range)."""
    m = abs(x)
    e = fmt.emin
    if m:
        e = max(e, m.numerator.bit_length() - m.denominator.bit_length())
        if Fraction(2) ** e > m:  # bit-length estimate is one too high
            e -= 1
        e = max(e, fmt.emin)
    return Fraction(2) ** (e - fmt.man_bits)


def error_of(metric: str, fmt: FloatFormat, exact: Fraction, computed: Fraction) -> float:
    if metric == "ulp":
        return float(abs(computed - exact) / ulp(fmt, exact))
    if exact == 0:
        return 0.0 if computed == 0 else math.inf
    return float(abs(computed - exact) / abs(exact))


def error_map(op: str, fmt_name: str, metric: str = "rel", env=None, policy=None) -> dict[str, Any]:
    """The error of ``op`` over every pair of finite codes of ``fmt_name`` (JSON-ready)."""
    from ..fast.tables import binary_table
    from ..rounding import Env

    if op not in EXACT:
        raise InputError(f"no error map for {op!r} (choose from {', '.join(EXACT)})")
    if metric not in METRICS:
        raise InputError(f"unknown error metric {metric!r} (choose from {', '.join(METRICS)})")
    fmt = get_format(fmt_name)
    if not isinstance(fmt, FloatFormat) or fmt.width > MAX_WIDTH:
        raise InputError(f"error maps cover float formats of at most {MAX_WIDTH} bits, not {fmt.name}")
    env = env or Env()
    try:
        codes_tab, _ = binary_table(op, fmt, env, policy=policy)
    except ValueError as e:
        raise InputError(str(e)) from None
    finite = [c for c in fmt.codes() if valid(fmt, c) and not fmt.is_nan(c) and not fmt.is_inf(c)]
    finite.sort(key=lambda c: (fmt.value(c), 0 if fmt.signed and c & fmt.sign_bit else 1))
    values = {c: fmt.value(c) for c in finite}
    z, exact_f, computed_f = [], [], []
    special = 0
    worst: tuple[float, int, int] | None = None
    exact_fn = EXACT[op]
    for a in finite:
        zr, er, cr = [], [], []
        for b in finite:
            x = exact_fn(values[a], values[b])
            r = int(codes_tab[(a << fmt.width) | b])
            if x is None or fmt.is_nan(r) or fmt.is_inf(r):
                special += 1
                zr.append(None)
                er.append(None if x is None else float(x))
                cr.append(None)
                continue
            y = fmt.value(r)
            err = error_of(metric, fmt, x, y)
            zr.append(err if math.isfinite(err) else None)
            er.append(float(x))
            cr.append(float(y))
            if math.isfinite(err) and (worst is None or err > worst[0]):
                worst = (err, a, b)
        z.append(zr)
        exact_f.append(er)
        computed_f.append(cr)
    errs = [v for row in z for v in row if v is not None]
    doc = {"kind": "error-map", "op": op, "format": fmt.name, "metric": metric, "rounding": str(env.rounding),
           "policy": str(policy) if policy is not None else "", "codes": finite,
           "labels": [code_text(fmt, c) for c in finite], "z": z, "exact": exact_f, "computed": computed_f,
           "pairs": len(finite) ** 2, "special": special, "exact_pairs": sum(1 for v in errs if v == 0),
           "max": max(errs, default=None), "mean": (sum(errs) / len(errs)) if errs else None}
    if worst is not None:
        doc["worst"] = {"error": worst[0], "a": code_text(fmt, worst[1]), "b": code_text(fmt, worst[2])}
    return doc


def valid(fmt: FloatFormat, code: int) -> bool:
    try:
        fmt.check_code(code)
        return True
    except Exception:  # noqa: BLE001 - a storage bit pattern that is no code of the format
        return False


__all__ = ["error_map", "ulp", "error_of", "EXACT", "METRICS"]
