"""Elaborate a spec's `design` statement into a component and its IR netlist.

Resolution is done here rather than by `fpverify.hdl.design` because a spec can pass inline
formats and nested parameter calls that only the spec knows: import the
module (``rtl.fp_mul``) or the user's file (path relative to the spec), convert the parameters
(format names -> `FloatFormat`, ``true``/``false``, numbers, strings, ``LMulPolicy(...)``), call
the class. Every failure is an `InputError` at the design statement.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import warnings
from pathlib import Path

from ..errors import InputError
from ..formats import FormatError, get_format
from . import ast
from .check import CheckedSpec, err

CALLABLE_PARAMS = ("LMulPolicy",)


def _param_value(v: ast.PValue, spec: CheckedSpec):
    if v.kind == "number":
        return int(v.value) if v.value.denominator == 1 else float(v.value)
    if v.kind == "string":
        return v.value
    if v.kind == "name":
        name = v.value
        if name in ("true", "false"):
            return name == "true"
        if name in spec.formats:
            return spec.formats[name]
        try:
            return get_format(name)
        except FormatError:
            return name  # rounding modes, overflow policies ... the generator parses strings
    fname, params = v.value
    if fname not in CALLABLE_PARAMS:
        raise err(f"unknown parameter constructor `{fname}` (known: {', '.join(CALLABLE_PARAMS)})", v.pos)
    kw = {p.name: _param_value(p.value, spec) for p in params}
    if fname == "LMulPolicy":
        from ..formats import Overflow
        from ..golden import LMulPolicy, LMulSpecials, LMulVariant

        conv = {"variant": LMulVariant, "specials": LMulSpecials, "overflow": Overflow}
        out = {}
        for p in params:
            if p.name not in conv:
                raise err(f"LMulPolicy has no parameter `{p.name}` (variant, specials, overflow)", p.pos)
            raw = str(kw[p.name]).lower()
            for m in conv[p.name]:
                if raw in (m.value.lower(), m.name.lower()):
                    out[p.name] = m
                    break
            else:
                raise err(f"bad LMulPolicy {p.name} `{raw}` (choose {', '.join(m.value for m in conv[p.name])})",
                          p.value.pos)
        return LMulPolicy(**out)
    raise AssertionError(fname)


def _load_class(d: ast.Design, spec_file: str):
    if d.file is not None:
        path = Path(d.file)
        if not path.is_absolute():
            path = Path(spec_file).resolve().parent / path
        if not path.is_file():
            raise err(f"design file not found: {path}", d.pos)
        mod_name = f"_fpverify_user_{abs(hash(str(path)))}"
        spec_ = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec_)
        try:
            spec_.loader.exec_module(module)
        except Exception as e:  # the user's file failed to import: report, don't crash
            raise err(f"cannot import {path}: {type(e).__name__}: {e}", d.pos) from None
    else:
        try:
            module = importlib.import_module(d.module)
        except ImportError as e:
            raise err(f"cannot import design module `{d.module}`: {e}", d.pos) from None
        except Exception as e:
            raise err(f"importing `{d.module}` failed: {type(e).__name__}: {e}", d.pos) from None
    cls = getattr(module, d.cls, None)
    if cls is None or not callable(cls):
        where = d.file or d.module
        raise err(f"`{where}` has no design class `{d.cls}`", d.pos)
    return cls


def elaborate(spec: CheckedSpec):
    """(component, netlist) of the spec's design."""
    d = spec.design
    cls = _load_class(d, spec.file)
    kwargs = {}
    for p in d.params:
        if p.name in kwargs:
            raise err(f"design parameter `{p.name}` is given twice", p.pos)
        kwargs[p.name] = _param_value(p.value, spec)
    try:
        inspect.signature(cls).bind(**kwargs)
    except TypeError as e:
        raise err(f"bad parameters for {d.cls}: {e}", d.pos) from None
    except ValueError:  # no signature to check: the call below reports it
        pass
    try:
        component = cls(**kwargs)
    except (TypeError, ValueError, FormatError, KeyError, NotImplementedError) as e:
        _silence_unused_elaboratable()  # the half-built object is garbage, not a user mistake
        raise err(f"{d.cls}: {e}", d.pos) from None
    from ..hdl.netlist import flatten

    try:
        netlist = flatten(component)
    except InputError:
        raise
    except Exception as e:
        raise err(f"cannot elaborate {d.cls}: {type(e).__name__}: {e}", d.pos) from None
    return component, netlist


def _silence_unused_elaboratable() -> None:
    try:
        from amaranth.hdl import UnusedElaboratable
    except ImportError:  # pragma: no cover - older Amaranth
        return
    warnings.filterwarnings("ignore", category=UnusedElaboratable)


_CACHE: dict[tuple, tuple] = {}


def elaborate_cached(spec: CheckedSpec):
    key = (str(Path(spec.file).resolve()) if Path(spec.file).exists() else spec.file, spec.design.text,
           tuple(sorted((k, repr(v)) for k, v in spec.formats.items())))
    if key not in _CACHE:
        _CACHE[key] = elaborate(spec)
    return _CACHE[key]
