"""Design references: ``rtl.fp_mul.FPMultiplier(fmt=e4m3fn, rounding=rne)``,
``FPMultiplier(e4m3fn, latency=2)`` (a class exported by the ``rtl`` package) or
``path/to/unit.py:MyUnit(width=8)``.

Arguments are parsed with `ast` and never evaluated as code: literals, bare names (taken as
strings), negative numbers, lists/tuples, and calls of *classes* found in the design's module
(e.g. ``policy=LMulPolicy(variant=A)``). Format arguments go through `get_format`, ``rounding``
through `parse_rounding` (``port`` is kept), so typos are reported with the column they are at.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import importlib
import importlib.util
import inspect
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..formats import FormatError, get_format

__all__ = ["Design", "resolve_design", "FORMAT_PARAMS"]

FORMAT_PARAMS = ("fmt", "out_fmt", "in_fmt", "format", "src_fmt", "dst_fmt")
_SOURCE = "<design>"


@dataclass
class Design:
    """A resolved reference: the class, its parsed arguments and one elaborated-ready instance."""

    text: str
    cls: type
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    component: Any = None

    def instantiate(self) -> Any:
        """A fresh instance with the same arguments (e.g. for Amaranth's simulator)."""
        return self.cls(*self.args, **self.kwargs)

    @property
    def name(self) -> str:
        return self.cls.__name__


def _err(msg: str, col: int | None = None) -> InputError:
    return InputError(msg, _SOURCE, 1, None if col is None else col + 1)


def _project_paths() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    return [str(Path.cwd()), str(root)]


def _import_module(name: str, col: int):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        missing = e.name or name
        for p in _project_paths():
            if p not in sys.path:
                sys.path.append(p)
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            raise _err(f"no Python module {missing!r} (while importing {name!r})", col) from None
    except InputError:
        raise
    except Exception as e:  # a broken module: say so, no traceback
        raise _err(f"importing {name!r} failed: {type(e).__name__}: {e}", col) from None


def _import_file(path: str, col: int):
    p = Path(path)
    if not p.is_file():
        raise _err(f"no such design file: {path}", col)
    mod_name = "fpverify_design_" + "_".join(p.resolve().with_suffix("").parts[-3:]).replace("-", "_")
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, p)
    module = importlib.util.module_from_spec(spec)
    folder = str(p.resolve().parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    except Exception as e:
        sys.modules.pop(mod_name, None)
        raise _err(f"loading {path} failed: {type(e).__name__}: {e}", col) from None
    finally:
        if added:
            sys.path.remove(folder)
    return module


def _split(text: str) -> tuple[str, str, int]:
    """(file path or '', expression text, column where the expression starts)."""
    paren = text.find("(")
    head = text if paren < 0 else text[:paren]
    if ":" in head:
        k = head.rindex(":")
        path = text[:k].strip()
        if not path:
            raise _err("empty design file path", 0)
        return path, text[k + 1:], k + 1
    return "", text, 0


def _lookup(module, name: str, col: int):
    obj = getattr(module, name, None)
    if obj is None:
        avail = sorted(k for k, v in vars(module).items() if inspect.isclass(v) and not k.startswith("_")
                       and getattr(v, "__module__", "") == module.__name__)
        hint = f" (classes there: {', '.join(avail)})" if avail else ""
        raise _err(f"{module.__name__} has no {name!r}{hint}", col)
    return obj


def _target(node: ast.expr, path: str, offset: int):
    """Resolve the callee expression to a class."""
    col = offset + node.col_offset
    if path:
        if not isinstance(node, ast.Name):
            raise _err("after 'file.py:' give a class name, e.g. file.py:MyUnit(width=8)", col)
        return _lookup(_import_file(path, 0), node.id, col), col
    parts = []
    n = node
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if not isinstance(n, ast.Name):
        raise _err("expected a design like rtl.fp_mul.FPMultiplier(fmt=e4m3fn)", col)
    parts.append(n.id)
    parts.reverse()
    if len(parts) == 1:
        found = _rtl_classes()
        if parts[0] in found:
            return found[parts[0]], col
        raise _err(f"unknown design {parts[0]!r}; give module.Class or file.py:Class "
                   f"(the rtl package has {', '.join(sorted(found)) or 'no components'})", col)
    module = _import_module(".".join(parts[:-1]), col)
    return _lookup(module, parts[-1], col + len(".".join(parts[:-1])) + 1), col


def _rtl_classes() -> dict[str, type]:
    """Public component classes of the ``rtl`` package and its modules."""
    import pkgutil

    from amaranth.hdl import Elaboratable

    def is_design(v) -> bool:
        return inspect.isclass(v) and issubclass(v, Elaboratable)

    rtl = _import_module("rtl", 0)
    found = {k: v for k, v in vars(rtl).items() if is_design(v) and not k.startswith("_")}
    for info in pkgutil.iter_modules(getattr(rtl, "__path__", [])):
        try:
            mod = importlib.import_module(f"rtl.{info.name}")
        except Exception:
            continue
        for k in getattr(mod, "__all__", []):
            v = getattr(mod, k, None)
            if is_design(v):
                found.setdefault(k, v)
    return found


def _coerce(value: Any, annotation: Any) -> Any:
    """Strings for Enum-typed dataclass fields become the enum member (by value or name)."""
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum) and isinstance(value, str):
        for member in annotation:
            if value == member.value or value.lower() == str(member.value).lower() \
                    or value.upper() == member.name:
                return member
        raise ValueError(f"{value!r} is not one of {', '.join(str(m.value) for m in annotation)}")
    return value


class _ArgParser:
    def __init__(self, module, offset: int):
        self.module = module
        self.offset = offset

    def col(self, node: ast.AST) -> int:
        return self.offset + getattr(node, "col_offset", 0)

    def value(self, node: ast.expr, key: str | None = None) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
                and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
            return -node.operand.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self.value(e) for e in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Attribute):  # Enum.MEMBER, module.CONST in the design's module
            return self.attribute(node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            cls = getattr(self.module, node.func.id, None) if self.module is not None else None
            if not inspect.isclass(cls):
                raise _err(f"{node.func.id!r} is not a class of the design's module; arguments may"
                           " only be literals, names and class constructors", self.col(node))
            args = [self.value(a) for a in node.args]
            kwargs = {kw.arg: self.value(kw.value, kw.arg) for kw in node.keywords if kw.arg}
            hints = {}
            if dataclasses.is_dataclass(cls):
                try:
                    hints = typing.get_type_hints(cls)
                except Exception:
                    hints = {}
            try:
                kwargs = {k: _coerce(v, hints.get(k)) for k, v in kwargs.items()}
                return cls(*args, **kwargs)
            except Exception as e:
                raise _err(f"{node.func.id}(...): {e}", self.col(node)) from None
        raise _err(f"unsupported argument syntax {ast.unparse(node)!r}: use literals and names",
                   self.col(node))

    def attribute(self, node: ast.Attribute) -> Any:
        base = node.value
        if isinstance(base, ast.Name) and self.module is not None:
            obj = getattr(self.module, base.id, None)
            if inspect.isclass(obj) and hasattr(obj, node.attr):
                return getattr(obj, node.attr)
        raise _err(f"cannot resolve {ast.unparse(node)!r}", self.col(node))


def _convert_param(key: str, value: Any, col: int) -> Any:
    if key in FORMAT_PARAMS and isinstance(value, str):
        try:
            return get_format(value)
        except FormatError as e:
            raise _err(str(e), col) from None
    if key == "rounding" and isinstance(value, str) and value != "port":
        from ..rounding import parse_rounding

        try:
            return parse_rounding(value)
        except Exception as e:
            raise _err(f"bad rounding {value!r}: {e}", col) from None
    return value


def resolve_design(text: str, build: bool = True) -> Design:
    """Parse a design reference and (with `build`) construct the component."""
    text = text.strip()
    if not text:
        raise _err("empty design reference", 0)
    path, expr_text, offset = _split(text)
    try:
        tree = ast.parse(expr_text.strip(), mode="eval").body
    except SyntaxError as e:
        raise _err(f"cannot parse design reference: {e.msg}", offset + max((e.offset or 1) - 1, 0)) from None
    offset += len(expr_text) - len(expr_text.lstrip())
    call = tree if isinstance(tree, ast.Call) else None
    callee = call.func if call else tree
    cls, col = _target(callee, path, offset)
    if not inspect.isclass(cls):
        raise _err(f"{ast.unparse(callee)} is not a class", col)
    module = sys.modules.get(cls.__module__)
    parser = _ArgParser(module, offset)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if call:
        sig = None
        try:
            sig = inspect.signature(cls)
        except (TypeError, ValueError):
            pass
        names = list(sig.parameters) if sig else []
        for i, a in enumerate(call.args):
            key = names[i] if i < len(names) else ""
            args.append(_convert_param(key, parser.value(a, key), parser.col(a)))
        for kw in call.keywords:
            if kw.arg is None:
                raise _err("**kwargs are not supported in design references", parser.col(kw.value))
            if sig is not None and kw.arg not in sig.parameters and not any(
                    p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
                raise _err(f"{cls.__name__} has no parameter {kw.arg!r} (it takes "
                           f"{', '.join(n for n in names if n != 'self')})", parser.col(kw.value))
            kwargs[kw.arg] = _convert_param(kw.arg, parser.value(kw.value, kw.arg), parser.col(kw.value))
    design = Design(text=text, cls=cls, args=tuple(args), kwargs=kwargs)
    if build:
        try:
            design.component = design.instantiate()
        except InputError:
            raise
        except Exception as e:
            raise _err(f"cannot build {cls.__name__}: {type(e).__name__}: {e}", col) from None
    return design
