"""Design arguments in a neutral form, converted by the constructor's type hints.

Both front ends parse their own syntax into these values: ``fpverify sim 'rtl.fp_mul.FPMultiplier(
fmt=e4m3fn)'`` (Python `ast`, in `fpverify.hdl.design`) and a spec's ``design`` statement (in
`fpverify.dsl.design`). `Converter` then gives every value one meaning, by the parameter's
annotation and name:

* format parameters (annotated with a format class, or named like ``fmt``/``out_fmt``): a format
  name, first among the spec's own ``format`` definitions, then the registry;
* ``rounding`` (by name or a `Rounding` annotation): a `Rounding`, or `PORT` for a rounding-mode
  input (``port``, ``rm``, ``dynamic``);
* any `enum.Enum` annotation: a member by name or value, case-insensitive;
* ``Name(k=v, ...)``: a class (never a function) named by the annotation, found in the design's
  module or in fpverify's public modules, built from converted arguments (``LMulPolicy(variant=A)``);
* literals as they are; ``true``/``false`` are booleans; unannotated names naming a format become
  that format, other names stay strings.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence, Union

from ..errors import InputError
from ..formats import FloatFormat, FormatError, IntFormat, get_format
from ..rounding import Rounding, parse_rounding

__all__ = ["Loc", "Lit", "Sym", "Seq", "Ctor", "Arg", "Converter", "PORT", "FORMAT_PARAMS", "resolve_rounding",
           "backticks", "quotes", "constructor_hints"]

PORT = "port"  # the rounding sentinel: the unit has a 3-bit ``rm`` input
PORT_NAMES = ("port", "rm", "dynamic")
FORMAT_PARAMS = ("fmt", "out_fmt", "in_fmt", "format", "src_fmt", "dst_fmt")
BOOLS = {"true": True, "false": False}
FPVERIFY_MODULES = ("fpverify.formats", "fpverify.rounding", "fpverify.golden")


def quotes(name: str) -> str:
    """Quote a name as the command line does: ``'name'``."""
    return repr(name)


def backticks(name: str) -> str:
    """Quote a name as spec messages do: ```name```."""
    return f"`{name}`"


@dataclass(frozen=True)
class Loc:
    """Where a value was written (for error messages)."""

    file: str | None = None
    line: int | None = None
    col: int | None = None

    def error(self, message: str) -> InputError:
        return InputError(message, self.file, self.line, self.col)


@dataclass(frozen=True)
class Lit:
    """A literal: int, float, str, bool or None."""

    value: Any
    at: Loc


@dataclass(frozen=True)
class Sym:
    """A bare name, possibly dotted: ``e4m3fn``, ``rne``, ``A``, ``true``, ``LMulVariant.REAL``."""

    name: str
    at: Loc


@dataclass(frozen=True)
class Seq:
    """A list or tuple of values."""

    items: tuple
    kind: type  # list or tuple
    at: Loc


@dataclass(frozen=True)
class Ctor:
    """``Name(args..., key=value...)``: a class to build from converted arguments."""

    name: str
    args: tuple
    kwargs: tuple  # ((key, Arg), ...) in written order
    at: Loc


Arg = Union[Lit, Sym, Seq, Ctor]


def resolve_rounding(value: Any) -> Rounding | str:
    """A `Rounding` or `PORT` from a mode name, a `Rounding` or a `Mode` (ValueError if unknown)."""
    if isinstance(value, str) and value.strip().lower() in PORT_NAMES:
        return PORT
    return parse_rounding(value)


def _options(hint: Any) -> tuple:
    """The alternatives of a Union/Optional annotation (itself otherwise)."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        return tuple(o for a in typing.get_args(hint) for o in _options(a))
    return () if hint is None else (hint,)


def _is_class(o: Any, base: type) -> bool:
    return inspect.isclass(o) and issubclass(o, base)


def constructor_hints(cls: type) -> dict[str, Any]:
    """Parameter annotations of ``cls(...)``, evaluated (unresolvable ones are left out)."""
    for target in (cls.__init__, cls):
        try:
            return typing.get_type_hints(target)
        except Exception:
            continue
    out = {}
    module = importlib.import_module(cls.__module__) if cls.__module__ else None
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return out
    for name, p in params.items():
        ann = p.annotation
        if isinstance(ann, str) and module is not None:
            try:
                ann = eval(ann, vars(module))  # an annotation string of the design's own module
            except Exception:
                continue
        if ann is not inspect.Parameter.empty:
            out[name] = ann
    return out


class Converter:
    """Converts neutral `Arg` values for one design (its module's names, the spec's formats)."""

    def __init__(self, namespace: Mapping[str, Any] | None = None, formats: Mapping[str, FloatFormat] | None = None,
                 quote: Callable[[str], str] = quotes) -> None:
        self.namespace = dict(namespace or {})
        self.formats = dict(formats or {})
        self.q = quote

    # ---- calls ----------------------------------------------------------------------------
    def call_args(self, cls: type, args: Sequence[Arg], kwargs: Sequence[tuple[str, Arg]], at: Loc,
                  owner: str | None = None) -> tuple[tuple, dict[str, Any]]:
        """Converted (args, kwargs) for ``cls(...)``; unknown or repeated parameters are errors."""
        owner = owner or cls.__name__
        try:
            sig = inspect.signature(cls)
        except (TypeError, ValueError):
            sig = None
        params = list(sig.parameters.values()) if sig else []
        positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        var_pos = any(p.kind is p.VAR_POSITIONAL for p in params)
        var_kw = any(p.kind is p.VAR_KEYWORD for p in params)
        takes = ", ".join(p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
        hints = constructor_hints(cls)
        out_args = []
        for i, a in enumerate(args):
            if sig is not None and i >= len(positional) and not var_pos:
                raise a.at.error(f"bad parameters for {owner}: too many positional arguments (it takes {takes})")
            name = positional[i] if i < len(positional) else ""
            out_args.append(self.value(a, hints.get(name), name, owner))
        out_kwargs: dict[str, Any] = {}
        for key, a in kwargs:
            if key in out_kwargs or key in positional[:len(args)]:
                raise a.at.error(f"{owner}: parameter {self.q(key)} is given twice")
            if sig is not None and key not in sig.parameters and not var_kw:
                raise a.at.error(f"bad parameters for {owner}: no parameter {self.q(key)} (it takes {takes})")
            out_kwargs[key] = self.value(a, hints.get(key), key, owner)
        if sig is not None:
            try:
                sig.bind(*out_args, **out_kwargs)
            except TypeError as e:
                raise at.error(f"bad parameters for {owner}: {e}") from None
        return tuple(out_args), out_kwargs

    def construct(self, node: Ctor, hint: Any, owner: str) -> Any:
        cls = self.find_class(node.name, hint)
        if cls is None:
            raise node.at.error(f"{owner}: {self.q(node.name)} is not a class of the design's module or of"
                                " fpverify; arguments may only be literals, names and class constructors")
        args, kwargs = self.call_args(cls, node.args, node.kwargs, node.at, node.name)
        try:
            return cls(*args, **kwargs)
        except Exception as e:
            raise node.at.error(f"{node.name}(...): {e}") from None

    def find_class(self, name: str, hint: Any) -> type | None:
        for o in _options(hint):
            if inspect.isclass(o) and o.__name__ == name:
                return o
        found = self.namespace.get(name)
        if found is None:
            for mod in FPVERIFY_MODULES:
                m = importlib.import_module(mod)
                if name in getattr(m, "__all__", ()):
                    found = getattr(m, name)
                    break
        return found if inspect.isclass(found) else None

    # ---- values ---------------------------------------------------------------------------
    def value(self, a: Arg, hint: Any, param: str, owner: str) -> Any:
        """The Python value of argument ``a`` for parameter ``param`` (annotated ``hint``)."""
        opts = _options(hint)
        if isinstance(a, Ctor):
            return self.construct(a, hint, owner)
        if isinstance(a, Seq):
            inner = typing.get_args(hint)[0] if typing.get_origin(hint) in (list, tuple) and typing.get_args(hint) \
                else None
            return a.kind(self.value(x, inner, "", owner) for x in a.items)
        raw = a.value if isinstance(a, Lit) else a.name
        if param == "rounding" or any(_is_class(o, Rounding) for o in opts):
            if isinstance(raw, str):
                try:
                    return resolve_rounding(raw)
                except ValueError as e:
                    raise a.at.error(f"bad rounding {self.q(raw)} for {owner}: {e}") from None
        if param in FORMAT_PARAMS or any(_is_class(o, (FloatFormat, IntFormat)) for o in opts):
            if isinstance(raw, str):
                return self.format(raw, a.at, owner)
        enums = [o for o in opts if _is_class(o, enum.Enum)]
        if enums and isinstance(raw, (str, int)) and not isinstance(raw, bool):
            return self.member(enums[0], raw, a.at, owner, param)
        if isinstance(a, Lit):
            return raw
        return self.name(a, opts, owner)

    def format(self, name: str, at: Loc, owner: str):
        if name in self.formats:
            return self.formats[name]
        try:
            return get_format(name)
        except FormatError as e:
            raise at.error(f"{e} (a format for {owner})") from None

    def member(self, cls: type[enum.Enum], raw: str | int, at: Loc, owner: str, param: str) -> enum.Enum:
        key = str(raw).rsplit(".", 1)[-1].lower() if isinstance(raw, str) else raw
        for m in cls:
            if key in (m.name.lower(), str(m.value).lower()) or (not isinstance(raw, str) and raw == m.value):
                return m
        choices = ", ".join(str(m.value) for m in cls)
        raise at.error(f"unknown {cls.__name__} {self.q(str(raw))} for {owner}({param}=...) (choose {choices})")

    def name(self, a: Sym, opts: tuple, owner: str) -> Any:
        n = a.name
        if n.lower() in BOOLS and (not opts or bool in opts or Any in opts):
            return BOOLS[n.lower()]
        if "." in n:
            head, *rest = n.split(".")
            obj = self.namespace.get(head) or self.find_class(head, None)
            if inspect.isclass(obj) and len(rest) == 1 and hasattr(obj, rest[0]):
                return getattr(obj, rest[0])
            raise a.at.error(f"{owner}: cannot resolve {self.q(n)}")
        if n in self.formats:
            return self.formats[n]
        if not opts or Any in opts:
            try:
                return get_format(n)
            except FormatError:
                pass
        return n
