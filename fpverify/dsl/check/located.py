"""`err`: the one way the checker reports a problem (an `InputError` at an ast position)."""

from __future__ import annotations

from ...errors import InputError
from .. import ast


def err(msg: str, pos: ast.Pos | None) -> InputError:
    """An `InputError` at ``pos`` (file:line:col), or without a location when ``pos`` is None."""
    if pos is None:
        return InputError(msg)
    return InputError(msg, pos.file, pos.line, pos.col)
