"""Constant folding of numeric expressions (`const_value`) and the natural-number test."""

from __future__ import annotations

from fractions import Fraction

from .. import ast
from .located import err
from .vocabulary import MAX_EXPONENT


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


def is_nat(v: Fraction | None) -> bool:
    """A non-negative integer constant (usable next to bits)."""
    return v is not None and v.denominator == 1 and v >= 0
