"""The property-spec DSL: parse (`parser`), check (`check`), compile to proof obligations
(`compile`) and run (`run`). See docs/dsl.md."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from . import ast
from .check import CheckedSpec, Equivalence, FaultSettings, Port, Property, check_spec
from .parser import parse_file, parse_text


def load_spec(path: str | Path) -> CheckedSpec:
    """Parse and check a spec file without elaborating its design (fast; no solver)."""
    try:
        return check_spec(parse_file(path))
    except RecursionError:
        raise InputError("the spec is nested too deeply", str(path)) from None


def load_spec_text(text: str, file: str = "<spec>") -> CheckedSpec:
    try:
        return check_spec(parse_text(text, file))
    except RecursionError:
        raise InputError("the spec is nested too deeply", file) from None


__all__ = ["ast", "CheckedSpec", "Equivalence", "FaultSettings", "Port", "Property", "check_spec",
           "load_spec", "load_spec_text", "parse_file", "parse_text"]
