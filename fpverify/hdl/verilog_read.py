"""Read Verilog / SystemVerilog into an IR netlist through Yosys.

``read_verilog(["fmul.v", "lzc.v"], "fmul", {"W": 8})`` stages the sources (and the files they
`` `include ``) into a temporary directory, runs Yosys (`fpverify.hdl.yosys_run`) with `PASSES`,
and maps its JSON netlist with `fpverify.hdl.yosys_json`. Files ending in ``.sv`` are read as
SystemVerilog. The JSON is cached under ``$FPVERIFY_CACHE/verilog`` keyed by the file contents,
the top module, the parameters, the pass list and the Yosys version.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping, TextIO

from ..errors import InputError
from . import ir
from .yosys_json import netlist_from_json
from .yosys_run import YosysFailure, YosysTool, find_yosys, run_script

__all__ = ["read_verilog", "yosys_json", "flat_verilog", "PASSES", "cache_path"]

# After read_verilog/hierarchy. `proc` turns processes into muxes and flip-flops; `flatten` inlines
# the hierarchy (names become "inst.sig"); `memory_collect` merges memory ports into one $mem_v2;
# `opt` without flip-flop enable/reset merging keeps registers as $dff/$adff next to the source's
# own muxes, and -keepdc keeps Verilog's x semantics (no optimisation that picks a value for x).
PASSES = ("proc", "flatten", "opt_clean", "memory_collect", "opt -nodffe -nosdff -keepdc", "opt_clean")
_SCRIPT_VERSION = "1"  # bump when the staging or the pass list changes meaning

_INCLUDE_RE = re.compile(r'^\s*`include\s+"([^"]+)"', re.M)
_MODULE_RE = re.compile(r"^\s*(?:macro)?module\s+(?:automatic\s+|static\s+)?([A-Za-z_][\w$]*)", re.M)
_NUMBER_RE = re.compile(r"^\s*-?\s*(\d+)?\s*'\s*[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ_?]+\s*$")
_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]")

# Yosys messages for constructs its reader rejects, reworded to name the construct.
_KNOWN_REJECTIONS = (
    (re.compile(r"Can't resolve task name `\\?break'"),
     "SystemVerilog `break` is not supported by Yosys's reader; leave the loop with a flag variable instead"),
    (re.compile(r"Can't resolve task name `\\?continue'"),
     "SystemVerilog `continue` is not supported by Yosys's reader; guard the rest of the loop body instead"),
)


def cache_path() -> Path:
    """Directory of the cached Yosys JSON netlists (``$FPVERIFY_CACHE/verilog``)."""
    from ..fast.tables import cache_dir

    return cache_dir() / "verilog"


def _param_text(name: str, value: Any) -> str:
    if not re.fullmatch(r"[A-Za-z_][\w$]*", name):
        raise InputError(f"bad parameter name {name!r}")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        if value >= 0:
            return str(value)
        width = max(32, value.bit_length() + 1)  # Yosys does not decode "-3": a signed two's-complement literal
        return f"{width}'sh{value & ((1 << width) - 1):x}"
    if isinstance(value, str):
        if _NUMBER_RE.match(value) or re.fullmatch(r"\s*\d+\s*", value):
            return value.replace(" ", "")
        if '"' in value or "\\" in value or ";" in value or "\n" in value:
            raise InputError(f"parameter {name}: string value {value!r} has a quote, backslash, ';' or newline")
        return f'"{value}"'
    raise InputError(f"parameter {name}: value {value!r} is not an integer, a Verilog number or a string")


class _Staged:
    """Sources copied into a directory under safe names; `display` maps them back."""

    def __init__(self, files: Iterable[str | os.PathLike]):
        self.sources: list[tuple[str, bytes, str]] = []  # (staged name, contents, user name)
        self.display: dict[str, str] = {}
        self.given: list[str] = []  # staged names of the files listed, in order
        used: set[str] = set()
        for f in files:
            path = Path(f)
            if not path.is_file():
                raise InputError(f"no such Verilog file: {f}")
            base = _SAFE_RE.sub("_", path.name) or "source.v"
            staged = base
            k = 1
            while staged in used:
                staged = f"d{k}/{base}"
                k += 1
            used.add(staged)
            self.given.append(staged)
            data = path.read_bytes()
            self.sources.append((staged, data, str(f)))
            self.display[staged] = str(f)
            self._includes(path, staged, data, used)

    def _includes(self, path: Path, staged: str, data: bytes, used: set[str]) -> None:
        """Copy `` `include``d files found next to the including file (recursively)."""
        text = data.decode("utf-8", errors="replace")
        for inc in _INCLUDE_RE.findall(text):
            src = path.parent / inc
            target = str(Path(staged).parent / inc) if Path(staged).parent != Path(".") else inc
            if not src.is_file() or target in used or ".." in Path(inc).parts or Path(inc).is_absolute():
                continue
            used.add(target)
            inc_data = src.read_bytes()
            self.sources.append((target, inc_data, str(src)))
            self.display[target] = str(src)
            self._includes(src, target, inc_data, used)

    def write(self, directory: Path) -> None:
        for staged, data, _ in self.sources:
            dest = directory / staged
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)

    def modules(self) -> list[str]:
        names: list[str] = []
        for _, data, _ in self.sources:
            for m in _MODULE_RE.findall(data.decode("utf-8", errors="replace")):
                if m not in names:
                    names.append(m)
        return names


def _commands(staged: _Staged, top: str, params: Mapping[str, Any], passes: Iterable[str],
              write: str = "write_json netlist.json", all_sv: bool = False) -> list[str]:
    """The Yosys script; ``all_sv`` reads ``.v`` files as SystemVerilog too."""
    cmds = []
    for name in staged.given:
        sv = " -sv" if all_sv or name.lower().endswith((".sv", ".svh")) else ""
        cmds.append(f'read_verilog -defer{sv} "{name}"')
    chparams = "".join(f" -chparam {k} {_param_text(k, v)}" for k, v in params.items())
    cmds.append(f"hierarchy -check -top {top}{chparams}")
    cmds.extend(passes)
    cmds.append(write)
    return cmds


def _key(tool: YosysTool, staged: _Staged, commands: list[str]) -> str:
    h = hashlib.sha256()
    for part in (_SCRIPT_VERSION, tool.version, "\n".join(commands)):
        h.update(part.encode())
        h.update(b"\0")
    for name, data, _ in staged.sources:
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()[:32]


def _explain(e: YosysFailure, staged: _Staged, top: str, params: Mapping[str, Any]) -> InputError:
    """Yosys's error as an InputError naming the user's file, the construct or the parameter."""
    msg = e.message
    file = staged.display.get(e.file, e.file) if e.file else None
    m = re.search(r"Can't find object for defparam `\\?([^`']+)`", msg)
    if m:
        known = ", ".join(sorted(params)) or "none"
        return InputError(f"module {top!r} has no parameter {m.group(1)!r} (parameters given: {known})")
    m = re.search(r"Module `\\?([^`']+)' not found", msg)
    if m and m.group(1) == top:
        found = ", ".join(staged.modules()) or "none"
        return InputError(f"no module {top!r} in {', '.join(d for d in staged.display.values())}"
                          f" (modules found: {found})")
    m = re.search(r"Module `\\?([^`']+)' referenced in module `\\?([^`']+)' in cell `\\?([^`']+)' is not part", msg)
    if m:
        return InputError(f"module {m.group(1)!r} (instance {m.group(3)!r} in {m.group(2)!r}) is not defined in"
                          f" {', '.join(staged.display[g] for g in staged.given)}")
    for pattern, text in _KNOWN_REJECTIONS:
        if pattern.search(msg):
            return InputError(text, file, e.line)
    hint = _construct_hint(staged, e.file, e.line) if "syntax error" in msg else ""
    return InputError(f"Yosys: {msg}{hint}", file, e.line)


# SystemVerilog keywords that Yosys's reader rejects with a bare syntax error.
_UNSUPPORTED_SV = ("foreach", "return", "do", "class", "string", "randomize", "virtual", "fork", "program")


def _construct_hint(staged: _Staged, file: str | None, line: int | None) -> str:
    """Name an unsupported SystemVerilog keyword on the line of a syntax error."""
    if not file or not line:
        return ""
    for name, data, _ in staged.sources:
        if name == file:
            lines = data.decode("utf-8", errors="replace").splitlines()
            text = re.sub(r"//.*", "", lines[line - 1]) if 0 < line <= len(lines) else ""
            words = [w for w in _UNSUPPORTED_SV if re.search(rf"\b{w}\b", text)]
            if words:
                return f" (Yosys's SystemVerilog reader does not support `{words[0]}`)"
    return ""


def yosys_json(files: Iterable[str | os.PathLike], top: str, params: Mapping[str, Any] | None = None, *,
               cache: bool = True, tool: YosysTool | None = None, passes: Iterable[str] | None = None,
               progress: TextIO | None = sys.stderr) -> tuple[dict, dict[str, str]]:
    """Yosys's JSON netlist of `top` and the map from its ``src`` file names to the user's.

    `passes` replaces `PASSES` (for experiments and tests); the result is cached either way.
    """
    files = list(files)
    if not files:
        raise InputError("no Verilog files given")
    if not re.fullmatch(r"[A-Za-z_][\w$]*", top or ""):
        raise InputError(f"bad top module name {top!r}")
    params = dict(params or {})
    staged = _Staged(files)
    commands = _commands(staged, top, params, PASSES if passes is None else passes)
    tool = tool or find_yosys()
    key = _key(tool, staged, commands)
    path = cache_path() / f"{top}-{key}.json"
    if cache and path.is_file():
        try:
            return json.loads(path.read_text()), staged.display
        except (OSError, ValueError):
            pass
    with tempfile.TemporaryDirectory(prefix="fpverify-yosys-") as tmp:
        staged.write(Path(tmp))
        _run(staged, top, params, commands, tmp, tool, progress,
             lambda: _commands(staged, top, params, PASSES if passes is None else passes, all_sv=True))
        text = (Path(tmp) / "netlist.json").read_text()
    doc = json.loads(text)
    if cache:
        _atomic_write(path, text)
    return doc, staged.display


def _run(staged: _Staged, top: str, params: Mapping[str, Any], commands: list[str], tmp: str, tool: YosysTool,
         progress: TextIO | None, as_sv) -> None:
    """Run the script; a syntax error in a ``.v`` file is retried with every file read as
    SystemVerilog (much RTL named ``.v`` uses ``always_comb``, ``logic``, ``parameter int``...).
    The error reported is the first one when the retry fails too."""
    try:
        run_script(commands, tmp, tool, progress=progress)
        return
    except YosysFailure as e:
        first = e
    retry = as_sv()
    if "syntax error" not in first.message or retry == commands:
        raise _explain(first, staged, top, params) from None
    try:
        run_script(retry, tmp, tool, progress=progress)
    except YosysFailure:
        raise _explain(first, staged, top, params) from None


def _atomic_write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache directory only costs the next run a Yosys call


def _top_module(doc: Mapping[str, Any], top: str) -> str:
    """The JSON name of the top module (parameterised tops may be renamed by Yosys)."""
    modules = doc.get("modules", {})
    if top in modules:
        return top
    for name, mod in modules.items():
        if str(mod.get("attributes", {}).get("top", "0")).strip("0") != "":
            return name
    return top


def read_verilog(files: Iterable[str | os.PathLike], top: str, params: Mapping[str, Any] | None = None, *,
                 name: str | None = None, cache: bool = True, progress: TextIO | None = sys.stderr
                 ) -> ir.Netlist:
    """The IR netlist of Verilog/SystemVerilog module `top` (parameters overridden by `params`).

    Raises `fpverify.errors.InputError` for a missing file or module, an unknown parameter, a
    Verilog error (Yosys's message with file:line) and any construct fpverify cannot represent.
    """
    doc, display = yosys_json(files, top, params, cache=cache, progress=progress)
    return netlist_from_json(doc, _top_module(doc, top), src_files=display, name=name or top)


def flat_verilog(files: Iterable[str | os.PathLike], top: str, params: Mapping[str, Any] | None = None, *,
                 emit_src: bool = True, progress: TextIO | None = sys.stderr) -> str:
    """``top`` as one flattened Verilog module after the reader's `PASSES`: the circuit fpverify
    proves (parameters applied, hierarchy inlined, processes as muxes and flip-flops); with
    ``emit_src`` Yosys's ``src`` attributes name the user's files."""
    files = list(files)
    if not files:
        raise InputError("no Verilog files given")
    staged = _Staged(files)
    commands = _commands(staged, top, dict(params or {}), PASSES,
                         write=f"write_verilog {'' if emit_src else '-noattr '}flat.v")
    with tempfile.TemporaryDirectory(prefix="fpverify-yosys-") as tmp:
        staged.write(Path(tmp))
        _run(staged, top, dict(params or {}), commands, tmp, find_yosys(), progress,
             lambda: _commands(staged, top, dict(params or {}), PASSES, write=commands[-1], all_sv=True))
        text = (Path(tmp) / "flat.v").read_text()
    if emit_src:  # the staged names back to the user's
        for staged_name, shown in staged.display.items():
            text = text.replace(f'src = "{staged_name}:', f'src = "{shown}:')
    return text

