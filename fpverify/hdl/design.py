"""The one design resolver, used by ``fpverify sim``, ``verilog``, ``faults`` and specs (``prove``).

`resolve(ref, args, kwargs)` takes a `ClassRef` (a module path, or a user's ``.py`` file relative
to a base directory) and already-parsed arguments (`fpverify.hdl.design_args`), converts them by
the constructor's annotations and builds the component. Every failure is an `InputError`: a bad
reference or argument at its location, and anything the user's constructor, module or
elaboration raises at the line of the user's file it came from (the design's location otherwise).

`resolve_design(text)` is the command-line front end: ``rtl.fp_mul.FPMultiplier(fmt=e4m3fn,
rounding=rne)``, ``FPMultiplier(e4m3fn, latency=2)`` (a class exported by the ``rtl`` package) or
``path/to/unit.py:MyUnit(width=8)``, parsed with `ast` and never evaluated as code.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..errors import InputError
from ..formats import FloatFormat
from ..rounding import Rounding
from .design_args import FORMAT_PARAMS, PORT, Arg, Converter, Ctor, Lit, Loc, Seq, Sym, quotes, resolve_rounding

__all__ = ["Design", "ClassRef", "VerilogTop", "resolve", "resolve_design", "resolve_verilog", "FORMAT_PARAMS", "PORT"]

_SOURCE = "<design>"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ClassRef:
    """Which class: ``module`` (dotted) or ``file`` (a .py path, relative to the base directory)."""

    module: str | None
    file: str | None
    name: str
    at: Loc  # the reference (import and construction errors)
    name_at: Loc | None = None  # the class name (an unknown class)


@dataclass
class Design:
    """A resolved design: the class, its converted arguments and one built instance."""

    text: str
    cls: type
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    component: Any = None
    rounding: Rounding | str | None = None  # the resolved `rounding` parameter, `PORT`, or None (none taken)
    at: Loc = field(default_factory=Loc)
    user_file: Path | None = None  # the file whose frames locate the user's errors

    @property
    def name(self) -> str:
        if isinstance(self.component, VerilogTop):
            return self.component.top
        return self.cls.__name__

    def instantiate(self) -> Any:
        """A fresh instance with the same arguments (e.g. for Amaranth's simulator)."""
        if self.cls is VerilogTop:
            raise self.at.error("a Verilog design has no Amaranth instance to simulate")
        try:
            return self.cls(*self.args, **self.kwargs)
        except Exception as e:
            _silence_unused_elaboratable()
            raise self.error(e, f"cannot build {self.name}") from None

    def netlist(self, inputs: Sequence[str] = (), outputs: Sequence[str] = ()):
        """The component's IR netlist (`fpverify.hdl.netlist.flatten`); elaboration errors are input errors.

        A plain Elaboratable (no `wiring` signature) has the ports the caller names: attributes
        ``inputs`` become input ports, those of ``outputs`` that exist output ports."""
        from .netlist import NetlistError, attribute_ports, flatten, has_signature, signal_attributes

        if isinstance(self.component, VerilogTop):  # Yosys errors are input errors already
            return self.component.to_netlist()
        ports = None
        if not has_signature(self.component) and (inputs or outputs):
            attrs = signal_attributes(self.component)
            try:
                ports = attribute_ports(self.component, inputs, [o for o in outputs if o in attrs])
            except NetlistError as e:
                raise self.at.error(str(e)) from None
        try:
            return flatten(self.component, ports)
        except InputError:
            raise
        except Exception as e:
            _silence_unused_elaboratable()
            raise self.error(e, f"cannot elaborate {self.name}") from None

    def error(self, exc: BaseException, what: str) -> InputError:
        """``what: Type: message`` at the deepest line of the user's file in the traceback."""
        return user_error(exc, what, self.at, self.user_file)


def user_error(exc: BaseException, what: str, at: Loc, user_file: Path | None) -> InputError:
    """An `InputError` for an exception raised by the user's code."""
    if isinstance(exc, InputError):
        return exc
    msg = f"{what}: {type(exc).__name__}: {exc}"
    line = None
    if user_file is not None:
        target = os.path.realpath(user_file)
        if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(exc.filename) == target:
            line = exc.lineno
        tb = exc.__traceback__
        while tb is not None:
            if os.path.realpath(tb.tb_frame.f_code.co_filename) == target:
                line = tb.tb_lineno
            tb = tb.tb_next
    if line is None:
        return at.error(msg)
    if at.file not in (None, _SOURCE):
        msg += f" (design at {at.file}:{at.line})"
    return InputError(msg, _shown(user_file), line)


def _shown(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _silence_unused_elaboratable() -> None:
    """A half-built component is garbage, not a user mistake: no UnusedElaboratable warning."""
    try:
        from amaranth.hdl import UnusedElaboratable
    except ImportError:  # pragma: no cover - older Amaranth
        return
    warnings.filterwarnings("ignore", category=UnusedElaboratable)


# ---- loading the class ----------------------------------------------------------------------------

def _user_file_of(module) -> Path | None:
    """The module's file unless it is part of fpverify itself (fpverify/, rtl/)."""
    f = getattr(module, "__file__", None)
    if not f:
        return None
    p = Path(f).resolve()
    if any(p.is_relative_to(PROJECT_ROOT / d) for d in ("fpverify", "rtl")):
        return None
    return p


def _import_module(name: str, at: Loc, q: Callable[[str], str]):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        missing = e.name or name
        if not name.startswith(missing) and missing != name:  # the module itself imports something missing
            raise user_error(e, f"importing {q(name)} failed", at, _module_path(name)) from None
        for p in (str(Path.cwd()), str(PROJECT_ROOT)):
            if p not in sys.path:
                sys.path.append(p)
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            raise at.error(f"cannot import design module {q(name)}: no Python module {q(missing)}") from None
        except Exception as e2:
            raise user_error(e2, f"importing {q(name)} failed", at, _module_path(name)) from None
    except Exception as e:  # a broken module: say where, no traceback
        raise user_error(e, f"importing {q(name)} failed", at, _module_path(name)) from None


def _module_path(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def _import_file(path: Path, at: Loc):
    if not path.is_file():
        raise at.error(f"design file not found: {_shown(path)}")
    mod_name = "fpverify_design_" + "_".join(path.with_suffix("").parts[-3:]).replace("-", "_").replace(".", "_")
    spec = importlib.util.spec_from_file_location(mod_name, path)
    module = importlib.util.module_from_spec(spec)
    folder = str(path.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        sys.modules[mod_name] = module  # dataclasses in the file look their module up
        spec.loader.exec_module(module)
    except Exception as e:
        sys.modules.pop(mod_name, None)
        raise user_error(e, f"cannot import {_shown(path)}", at, path) from None
    finally:
        if added:
            sys.path.remove(folder)
    return module


def load_class(ref: ClassRef, base_dir: Path | None = None, quote: Callable[[str], str] = quotes) -> tuple[type, Any]:
    """(class, its module) for ``ref``."""
    if ref.file is not None:
        path = Path(ref.file)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        module = _import_file(path.resolve(), ref.at)
        where = ref.file
    else:
        module = _import_module(ref.module, ref.at, quote)
        where = ref.module
    cls = getattr(module, ref.name, None)
    at = ref.name_at or ref.at
    if cls is None:
        avail = sorted(k for k, v in vars(module).items() if inspect.isclass(v) and not k.startswith("_")
                       and getattr(v, "__module__", "") == module.__name__)
        hint = f" (classes there: {', '.join(avail)})" if avail else ""
        raise at.error(f"{quote(where)} has no design class {quote(ref.name)}{hint}")
    if not inspect.isclass(cls):
        raise at.error(f"{quote(where + '.' + ref.name)} is not a class")
    return cls, module


# ---- Verilog designs ----------------------------------------------------------------------------

@dataclass
class VerilogTop:
    """A Verilog/SystemVerilog top module, read through Yosys (`fpverify.hdl.verilog_read`).

    It plays the component's part in a `Design`: it has no Amaranth object, only a netlist."""

    files: tuple[Path, ...]
    top: str
    params: dict[str, int | str]
    shown: tuple[str, ...] = ()  # the file names as the user wrote them (used in ``src`` locations)

    def to_netlist(self):
        from .verilog_read import read_verilog

        return read_verilog([str(f) for f in self.files], self.top, self.params)


def verilog_param(value: Arg) -> int | str:
    """A Verilog parameter value: an integer, a bool (0/1) or a string (e.g. ``"8'hA5"``)."""
    if isinstance(value, Lit) and isinstance(value.value, bool):
        return int(value.value)
    if isinstance(value, Lit) and isinstance(value.value, (int, str)):
        return value.value
    if isinstance(value, Sym) and value.name in ("true", "false", "True", "False"):
        return int(value.name.lower() == "true")
    raise value.at.error("a Verilog parameter takes an integer or a string (e.g. \"8'hA5\")")


def resolve_verilog(files: Sequence[str], top: str, params: Sequence[tuple[str, Arg]], *, text: str,
                    at: Loc, base_dir: Path | None = None, build: bool = True) -> Design:
    """A `Design` for a Verilog top module; paths relative to ``base_dir`` (the spec's folder)."""
    paths = []
    for f in files:
        path = Path(f)
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        if not path.is_file():
            raise at.error(f"Verilog file not found: {f} (looked for {path})")
        paths.append(path.resolve())
    converted: dict[str, int | str] = {}
    for name, value in params:
        if name in converted:
            raise at.error(f"Verilog parameter {name} is given twice")
        converted[name] = verilog_param(value)
    unit = VerilogTop(tuple(paths), top, converted, tuple(files))
    return Design(text=text, cls=VerilogTop, kwargs=dict(converted), component=unit if build else None, at=at)


# ---- resolving ----------------------------------------------------------------------------------

def resolve(ref: ClassRef, args: Sequence[Arg] = (), kwargs: Sequence[tuple[str, Arg]] = (), *, text: str,
            base_dir: Path | None = None, formats: Mapping[str, FloatFormat] | None = None,
            quote: Callable[[str], str] = quotes, build: bool = True) -> Design:
    """Load ``ref``'s class, convert the arguments and (with `build`) construct the component."""
    cls, module = load_class(ref, base_dir, quote)
    conv = Converter(vars(module), formats, quote)
    cargs, ckwargs = conv.call_args(cls, args, kwargs, ref.at)
    design = Design(text=text, cls=cls, args=cargs, kwargs=ckwargs, at=ref.at,
                    rounding=_rounding_of(cls, cargs, ckwargs),
                    user_file=_user_file_of(sys.modules.get(cls.__module__, module)))
    if build:
        design.component = design.instantiate()
    return design


def _rounding_of(cls: type, args: tuple, kwargs: dict) -> Rounding | str | None:
    """The design's rounding: the given ``rounding`` argument, else the constructor's default."""
    if "rounding" in kwargs:
        return kwargs["rounding"]
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return None
    if "rounding" not in sig.parameters:
        return None
    bound = sig.bind_partial(*args, **kwargs)
    if "rounding" in bound.arguments:
        return bound.arguments["rounding"]
    default = sig.parameters["rounding"].default
    if default is inspect.Parameter.empty:
        return None
    try:
        return resolve_rounding(default)
    except (ValueError, TypeError, AttributeError):
        return None


# ---- the command-line front end -----------------------------------------------------------------

def _cli_loc(col: int) -> Loc:
    return Loc(_SOURCE, 1, col + 1)


def _split(text: str) -> tuple[str, str, int]:
    """(file path or '', expression text, column where the expression starts)."""
    paren = text.find("(")
    head = text if paren < 0 else text[:paren]
    if ":" in head:
        k = head.rindex(":")
        path = text[:k].strip()
        if not path:
            raise _cli_loc(0).error("empty design file path")
        return path, text[k + 1:], k + 1
    return "", text, 0


def _rtl_classes() -> dict[str, type]:
    """Public component classes of the ``rtl`` package and its modules."""
    import pkgutil

    from amaranth.hdl import Elaboratable

    def is_design(v) -> bool:
        return inspect.isclass(v) and issubclass(v, Elaboratable)

    rtl = _import_module("rtl", _cli_loc(0), quotes)
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


def _class_ref(node: ast.expr, path: str, offset: int) -> ClassRef:
    col = offset + node.col_offset
    if path:
        if not isinstance(node, ast.Name):
            raise _cli_loc(col).error("after 'file.py:' give a class name, e.g. file.py:MyUnit(width=8)")
        return ClassRef(None, path, node.id, _cli_loc(0), _cli_loc(col))
    parts = []
    n = node
    while isinstance(n, ast.Attribute):
        parts.append(n.attr)
        n = n.value
    if not isinstance(n, ast.Name):
        raise _cli_loc(col).error("expected a design like rtl.fp_mul.FPMultiplier(fmt=e4m3fn)")
    parts.append(n.id)
    parts.reverse()
    if len(parts) == 1:
        found = _rtl_classes()
        if parts[0] not in found:
            raise _cli_loc(col).error(f"unknown design {parts[0]!r}; give module.Class or file.py:Class "
                                      f"(the rtl package has {', '.join(sorted(found)) or 'no components'})")
        cls = found[parts[0]]
        return ClassRef(cls.__module__, None, cls.__name__, _cli_loc(col), _cli_loc(col))
    module = ".".join(parts[:-1])
    return ClassRef(module, None, parts[-1], _cli_loc(col), _cli_loc(col + len(module) + 1))


def _cli_arg(node: ast.expr, offset: int) -> Arg:
    at = _cli_loc(offset + getattr(node, "col_offset", 0))
    if isinstance(node, ast.Constant):
        return Lit(node.value, at)
    if isinstance(node, ast.Name):
        return Sym(node.id, at)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
        return Lit(-node.operand.value, at)
    if isinstance(node, (ast.List, ast.Tuple)):
        return Seq(tuple(_cli_arg(e, offset) for e in node.elts), list if isinstance(node, ast.List) else tuple, at)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return Sym(f"{node.value.id}.{node.attr}", at)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return Ctor(node.func.id, tuple(_cli_arg(a, offset) for a in node.args), _cli_kwargs(node, offset), at)
    raise at.error(f"unsupported argument syntax {ast.unparse(node)!r}: use literals, names and class constructors")


def _cli_kwargs(call: ast.Call, offset: int) -> tuple:
    out = []
    for kw in call.keywords:
        if kw.arg is None:
            raise _cli_loc(offset + kw.value.col_offset).error("**kwargs are not supported in design references")
        out.append((kw.arg, _cli_arg(kw.value, offset)))
    return tuple(out)


def resolve_design(text: str, build: bool = True, base_dir: Path | None = None) -> Design:
    """Parse a command-line design reference and (with `build`) construct the component."""
    text = text.strip()
    if not text:
        raise _cli_loc(0).error("empty design reference")
    path, expr_text, offset = _split(text)
    try:
        tree = ast.parse(expr_text.strip(), mode="eval").body
    except SyntaxError as e:
        raise _cli_loc(offset + max((e.offset or 1) - 1, 0)).error(f"cannot parse design reference: {e.msg}") from None
    offset += len(expr_text) - len(expr_text.lstrip())
    call = tree if isinstance(tree, ast.Call) else None
    ref = _class_ref(call.func if call else tree, path, offset)
    args = tuple(_cli_arg(a, offset) for a in call.args) if call else ()
    kwargs = _cli_kwargs(call, offset) if call else ()
    return resolve(ref, args, kwargs, text=text, base_dir=base_dir, build=build)

