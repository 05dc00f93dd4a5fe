"""`err`: the one way the checker reports a problem (an `InputError` at an ast position), and
`only_once` for the statements a spec may give at most once."""

from __future__ import annotations

from ...errors import InputError
from .. import ast


def err(msg: str, pos: ast.Pos | None) -> InputError:
    """An `InputError` at ``pos`` (file:line:col), or without a location when ``pos`` is None."""
    if pos is None:
        return InputError(msg)
    return InputError(msg, pos.file, pos.line, pos.col)


def only_once(first, st, what: str):
    """``st`` if no earlier statement of its kind (``first``) was seen; otherwise an error at ``st``
    saying ``what`` and where the first one stands."""
    if first is not None:
        raise err(f"{what} (first at line {first.pos.line})", st.pos)
    return st
