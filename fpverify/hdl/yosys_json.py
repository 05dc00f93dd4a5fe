"""Yosys JSON (``write_json`` after the passes of `fpverify.hdl.verilog_read`) → fpverify IR.

The ONLY module that knows Yosys's JSON netlist format and its cell library. Every cell is mapped
with the semantics of Yosys's ``simlib.v``: operands are extended to the operation width by the
cell's signedness (signed only when A_SIGNED and B_SIGNED are both set; shift amounts are unsigned
except for ``$shift``/``$shiftx`` with B_SIGNED), results are truncated or zero-extended to Y_WIDTH.

Undefined values never become a silent 0: constant ``x``/``z`` bits become a fresh ``anyconst``
cell per run of bits, so do undriven wires (one value per wire bit, shared by its readers), a
register without an initial value (its first-cycle value), division by zero, ``$shiftx`` bits
outside the operand, a ``$pmux`` with several selects set and a ROM read outside its words.

Flip-flops: ``$dff $dffe $adff $adffe $sdff $sdffe $sdffce`` become the IR's ``ff`` with the
enable and the synchronous reset as ``m`` cells in front of its data, an asynchronous reset as its
``arst`` argument (the IR resets to ``init``, so ``init`` is the reset value; a different or
undefined power-on value is shown in the first cycle through a one-bit "started" register).
Memories (``$mem_v2``) are read as ROMs: constant contents, no write ports, asynchronous reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..errors import InputError
from . import ir

__all__ = ["netlist_from_json", "module_names", "SUPPORTED_CELLS"]

Token = int | str  # a Yosys bit: signal bit id, or "0" "1" "x" "z"

_WIRING = {"$pos", "$buf", "$concat", "$slice"}
_DROPPED = {"$scopeinfo", "$print"}
_REGISTERS = {"$dff", "$dffe", "$adff", "$adffe", "$sdff", "$sdffe", "$sdffce"}
_OUTPUT_PORTS = {"Y", "Q", "RD_DATA"}
_BINARY = {"$add": "+", "$sub": "-", "$mul": "*", "$and": "&", "$or": "|", "$xor": "^", "$xnor": "^"}
_COMPARE = {"$eq": "==", "$ne": "!=", "$eqx": "==", "$nex": "!=", "$lt": "<", "$le": "<=", "$gt": ">",
            "$ge": ">="}
_REDUCE = {"$reduce_and": "r&", "$reduce_or": "r|", "$reduce_bool": "r|", "$reduce_xor": "r^",
           "$reduce_xnor": "r^"}
_REJECTED = {
    "$dlatch": "a latch (a combinational always block that does not assign the signal on every path)",
    "$adlatch": "a latch with asynchronous reset",
    "$sr": "a set/reset latch",
    "$dffsr": "a flip-flop with per-bit asynchronous set and reset",
    "$dffsre": "a flip-flop with per-bit asynchronous set and reset",
    "$aldff": "a flip-flop with asynchronous load of a non-constant value",
    "$aldffe": "a flip-flop with asynchronous load of a non-constant value",
    "$ff": "a flip-flop on the global (formal) clock",
    "$tribuf": "a tri-state buffer",
    "$pow": "the ** operator on a non-constant operand",
    "$live": "a liveness property",
    "$fair": "a fairness property",
    "$allconst": "$allconst",
    "$allseq": "$allseq",
}
SUPPORTED_CELLS = tuple(sorted(
    _WIRING | _REGISTERS | set(_BINARY) | set(_COMPARE) | set(_REDUCE)
    | {"$not", "$neg", "$logic_not", "$logic_and", "$logic_or", "$shl", "$sshl", "$shr", "$sshr", "$shift",
       "$shiftx", "$mux", "$pmux", "$bmux", "$demux", "$bwmux", "$bweqx", "$lut", "$div", "$mod",
       "$divfloor", "$modfloor", "$mem_v2", "$anyconst", "$anyseq", "$initstate", "$check", "$assert",
       "$assume", "$cover"}))


# ---- JSON values ---------------------------------------------------------------------------------

def _bits_lsb_first(p: Any) -> str:
    """A constant parameter as a string of 0/1/x/z characters, LSB first."""
    if isinstance(p, int):
        return format(p & 0xFFFFFFFF, "032b")[::-1]
    if isinstance(p, str) and p and set(p) <= set("01xz"):
        return p[::-1]
    raise ValueError(f"not a constant: {p!r}")


def _int(p: Any) -> int:
    bits = _bits_lsb_first(p)
    if set(bits) - set("01"):
        raise ValueError(f"undefined bits in {p!r}")
    return int(bits[::-1] or "0", 2)


def _flag(params: Mapping[str, Any], name: str) -> bool:
    return name in params and _int(params[name]) != 0


_SRC_RE = re.compile(r"^(.*?):(\d+)(?:\.\d+)?(?:-\d+(?:\.\d+)?)?$")


def module_names(doc: Mapping[str, Any]) -> list[str]:
    return list(doc.get("modules", {}))


# ---- the reader --------------------------------------------------------------------------------

@dataclass
class _Unit:
    name: str
    cell: dict
    kind: str  # "comb" or "reg"
    ins: list[Token] = field(default_factory=list)
    outs: list[Token] = field(default_factory=list)


class _Reader:
    def __init__(self, module: Mapping[str, Any], name: str, src_files: Mapping[str, str]):
        self.mod = module
        self.nl = ir.Netlist(name=name)
        self.src_files = dict(src_files)
        self.next_net = 2
        self.net_of: dict[int, int] = {}  # Yosys bit -> IR net (may be CONST0/CONST1)
        self.alias: dict[int, Token] = {}  # Yosys bit -> the bit it is wired to
        self.alias_src: dict[int, str] = {}
        self.driver: dict[int, int] = {}  # Yosys bit -> unit index
        self.units: list[_Unit] = []
        self.undriven: dict[int, int] = {}
        self.started: dict[tuple[str, str], int] = {}
        self.cur_src = ""
        self._init: dict[int, str] | None = None  # Yosys bit -> power-on value, from `init` attributes

    # -- errors and locations --
    def src(self, attrs: Mapping[str, Any] | None) -> str:
        """``file:line`` of a Yosys ``src`` attribute (the first location, file as the user named it)."""
        raw = str((attrs or {}).get("src", "") or "")
        if not raw:
            return ""
        m = _SRC_RE.match(raw.split("|")[0])
        if not m:
            return raw.split("|")[0]
        return f"{self.src_files.get(m.group(1), m.group(1))}:{m.group(2)}"

    def error(self, message: str, src: str = "") -> InputError:
        if src and ":" in src:
            f, _, line = src.rpartition(":")
            if line.isdigit():
                return InputError(message, f, int(line))
        return InputError(message)

    # -- nets and cells --
    def fresh(self, width: int) -> ir.Value:
        v = tuple(range(self.next_net, self.next_net + width))
        self.next_net += width
        return v

    def emit(self, op: str, args: tuple[ir.Value, ...], width: int, params: tuple = (), out: ir.Value | None = None
             ) -> ir.Value:
        out = self.fresh(width) if out is None else out
        self.nl.cells.append(ir.Cell(op, out, tuple(args), tuple(params), self.cur_src))
        return out

    def anyconst(self, width: int, kind: str = "anyconst") -> ir.Value:
        return self.emit("anyconst", (), width, (("kind", kind),)) if width else ()

    def resolve(self, tok: Token) -> Token:
        seen = set()
        while isinstance(tok, int) and tok in self.alias:
            if tok in seen:
                return "x"  # a loop of pure wires drives nothing
            seen.add(tok)
            tok = self.alias[tok]
        return tok

    def value(self, bits: list[Token]) -> ir.Value:
        """IR value of Yosys bits; x/z constants get a fresh anyconst per run, undriven bits one
        shared anyconst each."""
        out: list[int | None] = []
        kinds: list[str] = []  # "" resolved, "x" fresh, "u" undriven
        for b in bits:
            t = self.resolve(b)
            if t == "0" or t == "1":
                out.append(ir.CONST1 if t == "1" else ir.CONST0)
                kinds.append("")
            elif isinstance(t, str):
                out.append(None)
                kinds.append("x")
            elif t in self.net_of:
                out.append(self.net_of[t])
                kinds.append("")
            elif t in self.undriven:
                out.append(self.undriven[t])
                kinds.append("")
            elif t in self.driver:
                raise AssertionError(f"Yosys bit {t} read before its driver was mapped")
            else:
                out.append(None)
                kinds.append("u")
        i = 0
        while i < len(out):
            if out[i] is not None:
                i += 1
                continue
            j = i
            while j < len(out) and out[j] is None and kinds[j] == kinds[i]:
                j += 1
            nets = self.anyconst(j - i)
            for k in range(i, j):
                out[k] = nets[k - i]
                if kinds[k] == "u":
                    self.undriven[self.resolve(bits[k])] = nets[k - i]
            i = j
        return tuple(out)  # type: ignore[arg-type]

    def const(self, value: int, width: int) -> ir.Value:
        return tuple(ir.CONST1 if (value >> i) & 1 else ir.CONST0 for i in range(width))

    def const_bits(self, bits: str) -> ir.Value:
        """An LSB-first 0/1/x/z string as a value (x/z bits from one anyconst)."""
        return self.value(list(bits))

    def bind(self, bits: list[Token], value: ir.Value) -> None:
        for b, n in zip(bits, value):
            if isinstance(b, int):
                self.net_of[b] = n

    # -- structure --
    def read(self) -> ir.Netlist:
        self.read_ports()
        self.collect_cells()
        order = self.comb_order()
        regs = [u for u in self.units if u.kind == "reg"]
        for u in regs:
            self.cur_src = self.src(u.cell.get("attributes"))
            self.register_state(u)
        for i in order:
            u = self.units[i]
            self.cur_src = self.src(u.cell.get("attributes"))
            self.comb(u)
        for u in regs:
            self.cur_src = self.src(u.cell.get("attributes"))
            self.register_next(u)
        self.cur_src = ""
        self.read_outputs_and_signals()
        self.renumber()
        return self.nl

    def read_ports(self) -> None:
        for pname, port in self.mod.get("ports", {}).items():
            direction = port.get("direction")
            if direction == "inout":
                raise self.error(f"port {pname!r} is inout; fpverify reads inputs and outputs only")
            if direction == "input":
                bits = port["bits"]
                v = self.fresh(len(bits))
                self.nl.inputs[pname] = v
                for b, n in zip(bits, v):
                    if not isinstance(b, int):
                        raise self.error(f"input port {pname!r} has a constant bit")
                    self.net_of[b] = n
            self.nl.signed[pname] = bool(port.get("signed", 0))

    def collect_cells(self) -> None:
        for cname, cell in self.mod.get("cells", {}).items():
            t = cell.get("type", "")
            src = self.src(cell.get("attributes"))
            conns = cell.get("connections", {})
            if t in _DROPPED:
                continue
            if t in _WIRING:
                self.wire(cname, cell)
                continue
            if t in _REJECTED:
                outs = [b for port in ("Q", "Y") for b in conns.get(port, [])]
                target = f" on signal {self.register_name(outs)}" if outs else ""
                raise self.error(f"unsupported: {_REJECTED[t]}{target} (Yosys cell {t})", src)
            if not t.startswith("$"):
                raise self.error(f"module {t!r} (instance {self.display(cname)}) has no definition"
                                 " (a blackbox or missing file?)", src)
            if t not in SUPPORTED_CELLS:
                raise self.error(f"unsupported Yosys cell {t} ({self.display(cname)})", src)
            kind = "reg" if t in _REGISTERS else "comb"
            outs = [b for p in _OUTPUT_PORTS if p in conns for b in conns[p]]
            ins = [b for p, bits in conns.items() if p not in _OUTPUT_PORTS for b in bits]
            if t == "$mem_v2":
                self.check_rom(cname, cell, src)
            unit = _Unit(cname, cell, kind, ins, outs)
            idx = len(self.units)
            self.units.append(unit)
            for b in outs:
                if not isinstance(b, int):
                    continue
                if b in self.driver or b in self.alias or b in self.net_of:
                    raise self.error(f"a signal bit is driven twice (by {self.display(cname)} and another"
                                     " driver)", src)
                self.driver[b] = idx

    def display(self, cname: str) -> str:
        return cname.lstrip("\\") if not cname.startswith("$") else "an internal cell"

    def wire(self, cname: str, cell: dict) -> None:
        t = cell["type"]
        p = cell.get("parameters", {})
        c = cell["connections"]
        y = c["Y"]
        if t == "$pos":
            a = c["A"]
            signed = _flag(p, "A_SIGNED")
            src_bits = [a[i] if i < len(a) else (a[-1] if signed and a else "0") for i in range(len(y))]
        elif t == "$buf":
            src_bits = list(c["A"])
        elif t == "$concat":
            src_bits = list(c["A"]) + list(c["B"])
        else:  # $slice
            off = _int(p["OFFSET"])
            src_bits = list(c["A"])[off:off + len(y)]
        for b, s in zip(y, src_bits):
            if isinstance(b, int):
                if b in self.alias or b in self.net_of:
                    raise self.error(f"a signal bit is driven twice (at {self.display(cname)})",
                                     self.src(cell.get("attributes")))
                self.alias[b] = s

    def check_rom(self, cname: str, cell: dict, src: str) -> None:
        p = cell["parameters"]
        name = str(p.get("MEMID", cname)).lstrip("\\")
        if _int(p.get("WR_PORTS", 0)):
            raise self.error(f"memory {name!r} is written ({_int(p['WR_PORTS'])} write port(s)); fpverify"
                             " reads memories only as ROMs (contents from `initial`/$readmem, never written)", src)
        if set(_bits_lsb_first(p.get("RD_CLK_ENABLE", "0"))) - {"0"}:
            raise self.error(f"memory {name!r} has a clocked read port; fpverify reads ROMs asynchronously"
                             " (write the read register as a separate always block)", src)
        if set(_bits_lsb_first(p.get("RD_WIDE_CONTINUATION", "0"))) - {"0"}:
            raise self.error(f"memory {name!r} has a wide read port, which fpverify does not map", src)

    def comb_order(self) -> list[int]:
        """Kahn order of the combinational units (register outputs are state)."""
        deps: list[set[int]] = []
        users: list[list[int]] = [[] for _ in self.units]
        for i, u in enumerate(self.units):
            d: set[int] = set()
            if u.kind == "comb":
                for b in u.ins:
                    t = self.resolve(b)
                    j = self.driver.get(t) if isinstance(t, int) else None
                    if j is not None and self.units[j].kind == "comb":
                        d.add(j)
            deps.append(d)
            for j in d:
                users[j].append(i)
        pending = [len(d) for d in deps]
        ready = [i for i, u in enumerate(self.units) if u.kind == "comb" and pending[i] == 0]
        order: list[int] = []
        while ready:
            i = ready.pop()
            order.append(i)
            for k in users[i]:
                pending[k] -= 1
                if pending[k] == 0:
                    ready.append(k)
        comb = [i for i, u in enumerate(self.units) if u.kind == "comb"]
        if len(order) != len(comb):
            stuck = {i for i in comb if pending[i] > 0}
            raise self.loop_error(stuck, deps)
        return order

    def loop_error(self, stuck: set[int], deps: list[set[int]]) -> InputError:
        i = min(stuck)
        path: list[int] = []
        seen: dict[int, int] = {}
        while i not in seen:
            seen[i] = len(path)
            path.append(i)
            i = min(j for j in deps[i] if j in stuck)
        loop = path[seen[i]:]
        where = []
        for k in loop[:6]:
            u = self.units[k]
            where.append(f"{u.cell['type']} at {self.src(u.cell.get('attributes')) or '?'}")
        names = sorted({n for n, w in self.mod.get("netnames", {}).items()
                        if not n.startswith("$") and any(b in w["bits"] for k in loop for b in self.units[k].outs)})
        first = self.src(self.units[loop[0]].cell.get("attributes"))
        return self.error("combinational loop through " + ", ".join(where)
                          + (f" (signals {', '.join(names[:6])})" if names else ""), first)

    # -- combinational cells --
    def comb(self, u: _Unit) -> None:
        cell = u.cell
        t = cell["type"]
        p = cell.get("parameters", {})
        c = cell["connections"]
        handler = _HANDLERS.get(t)
        if handler is None:
            raise self.error(f"unsupported Yosys cell {t}", self.cur_src)
        handler(self, t, p, c)

    def ext(self, v: ir.Value, width: int, signed: bool) -> ir.Value:
        if len(v) >= width:
            return v[:width]
        fill = v[-1] if signed and v else ir.CONST0
        return v + (fill,) * (width - len(v))

    def out(self, c: Mapping[str, Any], value: ir.Value, port: str = "Y") -> None:
        bits = c[port]
        self.bind(bits, self.ext(value, len(bits), False))

    def not1(self, v: ir.Value) -> ir.Value:
        return self.emit("~", (v,), 1)

    # -- registers --
    def register_state(self, u: _Unit) -> None:
        """Allocate a register's state nets; bind Q (through a first-cycle mux when the power-on
        value differs from the IR ff's init)."""
        cell = u.cell
        p = cell.get("parameters", {})
        c = cell["connections"]
        q = c["Q"]
        width = len(q)
        clk = self.resolve(c["CLK"][0])
        if not (isinstance(clk, int) and clk in self.net_of and self.is_input_bit(clk)):
            raise self.error(f"the clock of register {self.register_name(q)} is not a top-level input"
                             " (gated or derived clocks are not supported)", self.cur_src)
        power_on = "".join(self.init_bit(b) for b in q)
        if cell["type"] in ("$adff", "$adffe"):
            reset_bits = _bits_lsb_first(p["ARST_VALUE"])
            if set(reset_bits) - set("01"):
                raise self.error(f"register {self.register_name(q)}: asynchronous reset value has x bits",
                                 self.cur_src)
            init = int(reset_bits[::-1] or "0", 2)
        else:
            init = int(power_on.replace("x", "0")[::-1] or "0", 2)
        state = self.fresh(width)
        cell["_fpv"] = {"state": state, "init": init, "clk": clk}
        if power_on == format(init, f"0{width}b")[::-1] or width == 0:
            self.bind(q, state)
            return
        started = self.started_flag(clk, p)
        first = self.const_bits(power_on)
        self.bind(q, self.emit("m", ((started,), state, first), width))

    def is_input_bit(self, bit: int) -> bool:
        return any(bit in port["bits"] for port in self.mod.get("ports", {}).values()
                   if port.get("direction") == "input")

    def init_bit(self, bit: Token) -> str:
        if self._init is None:
            self._init = {}
            for w in self.mod.get("netnames", {}).values():
                init = w.get("attributes", {}).get("init")
                if init is None:
                    continue
                try:
                    chars = _bits_lsb_first(init)
                except ValueError:
                    continue
                for b, ch in zip(w["bits"], chars):
                    if isinstance(b, int):
                        self._init[b] = "x" if ch == "z" else ch
        return self._init.get(bit, "x") if isinstance(bit, int) else "x"

    def register_name(self, q: list[Token]) -> str:
        for name, w in self.mod.get("netnames", {}).items():
            if not name.startswith("$") and any(b in w["bits"] for b in q):
                return repr(name)
        return "(unnamed)"

    def domain(self, clk: int) -> str:
        for pname, port in self.mod.get("ports", {}).items():
            if port.get("bits") == [clk]:
                return "sync" if pname == "clk" else (pname[:-4] if pname.endswith("_clk") else pname)
        return f"net{clk}"

    def ff_params(self, clk: int, p: Mapping[str, Any], init: int) -> tuple:
        edge = "pos" if _int(p.get("CLK_POLARITY", 1)) else "neg"
        return (("init", init), ("domain", self.domain(clk)), ("clk_edge", edge))

    def started_flag(self, clk: int, p: Mapping[str, Any]) -> int:
        """A one-bit register that is 0 in the first cycle and 1 afterwards (one per clock/edge)."""
        key = (self.domain(clk), "pos" if _int(p.get("CLK_POLARITY", 1)) else "neg")
        if key not in self.started:
            out = self.fresh(1)
            saved, self.cur_src = self.cur_src, ""
            self.emit("ff", ((ir.CONST1,),), 1, self.ff_params(clk, p, 0), out=out)
            self.cur_src = saved
            self.started[key] = out[0]
        return self.started[key]

    def active(self, c: Mapping[str, Any], p: Mapping[str, Any], port: str, pol: str) -> ir.Value:
        v = self.value(c[port])
        return v if _int(p.get(pol, 1)) else self.not1(v)

    def register_next(self, u: _Unit) -> None:
        cell = u.cell
        t = cell["type"]
        p = cell.get("parameters", {})
        c = cell["connections"]
        info = cell.pop("_fpv")
        state, init, clk = info["state"], info["init"], info["clk"]
        width = len(state)
        if width == 0:
            return
        d = self.value(c["D"])
        q = self.value(c["Q"])
        if t in ("$sdff", "$sdffe", "$sdffce"):
            srst = self.active(c, p, "SRST", "SRST_POLARITY")
            rv = self.const_bits(_bits_lsb_first(p["SRST_VALUE"]))
        if t == "$sdff":
            data = self.emit("m", (srst, rv, d), width)
        elif t == "$sdffe":
            en = self.active(c, p, "EN", "EN_POLARITY")
            data = self.emit("m", (srst, rv, self.emit("m", (en, d, q), width)), width)
        elif t == "$sdffce":
            en = self.active(c, p, "EN", "EN_POLARITY")
            data = self.emit("m", (en, self.emit("m", (srst, rv, d), width), q), width)
        elif t in ("$dffe", "$adffe"):
            en = self.active(c, p, "EN", "EN_POLARITY")
            data = self.emit("m", (en, d, q), width)
        else:
            data = d
        args: tuple[ir.Value, ...] = (data,)
        if t in ("$adff", "$adffe"):
            args = (data, self.active(c, p, "ARST", "ARST_POLARITY"))
        self.emit("ff", args, width, self.ff_params(clk, p, init), out=state)

    # -- ports, names, numbering --
    def read_outputs_and_signals(self) -> None:
        for pname, port in self.mod.get("ports", {}).items():
            if port.get("direction") == "output":
                self.nl.outputs[pname] = self.value(port["bits"])
        for pname in list(self.nl.inputs) + list(self.nl.outputs):
            self.nl.signals[pname] = self.nl.inputs.get(pname, self.nl.outputs.get(pname, ()))
        for name, w in self.mod.get("netnames", {}).items():
            if w.get("hide_name") or name.startswith("$") or name in self.nl.signals:
                continue
            self.nl.signals[name] = self.value(w["bits"])
            self.nl.signed[name] = bool(w.get("signed", 0))

    def renumber(self) -> None:
        """Net ids: inputs first, then each cell's outputs in cell order (as the Amaranth adapter)."""
        new: dict[int, int] = {ir.CONST0: ir.CONST0, ir.CONST1: ir.CONST1}
        nxt = 2
        for v in self.nl.inputs.values():
            for n in v:
                new[n] = nxt
                nxt += 1
        for cell in self.nl.cells:
            for n in cell.out:
                new[n] = nxt
                nxt += 1

        def rv(v: ir.Value) -> ir.Value:
            return tuple(new[n] for n in v)

        self.nl.inputs = {k: rv(v) for k, v in self.nl.inputs.items()}
        self.nl.cells = [ir.Cell(c.op, rv(c.out), tuple(rv(a) for a in c.args), c.params, c.src)
                         for c in self.nl.cells]
        self.nl.outputs = {k: rv(v) for k, v in self.nl.outputs.items()}
        self.nl.signals = {k: rv(v) for k, v in self.nl.signals.items()}


# ---- per-cell mappings ---------------------------------------------------------------------------

Handler = Callable[[_Reader, str, Mapping[str, Any], Mapping[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}


def _handles(*types: str):
    def deco(fn: Handler) -> Handler:
        for t in types:
            _HANDLERS[t] = fn
        return fn
    return deco


def _signed(p: Mapping[str, Any]) -> bool:
    return _flag(p, "A_SIGNED") and _flag(p, "B_SIGNED")


@_handles("$not", "$neg")
def _unary(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if w:
        a = r.ext(r.value(c["A"]), w, _flag(p, "A_SIGNED"))
        r.out(c, r.emit("~" if t == "$not" else "neg", (a,), w))


@_handles(*_REDUCE)
def _reduce(r: _Reader, t, p, c) -> None:
    a = r.value(c["A"])
    y = r.emit(_REDUCE[t], (a,), 1)
    if t == "$reduce_xnor":
        y = r.not1(y)
    r.out(c, y)


@_handles("$logic_not", "$logic_and", "$logic_or")
def _logic(r: _Reader, t, p, c) -> None:
    a = r.emit("b", (r.value(c["A"]),), 1)
    if t == "$logic_not":
        r.out(c, r.not1(a))
        return
    b = r.emit("b", (r.value(c["B"]),), 1)
    r.out(c, r.emit("&" if t == "$logic_and" else "|", (a, b), 1))


@_handles(*_BINARY)
def _binary(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if not w:
        return
    s = _signed(p)
    a = r.ext(r.value(c["A"]), w, s)
    b = r.ext(r.value(c["B"]), w, s)
    y = r.emit(_BINARY[t], (a, b), w)
    if t == "$xnor":
        y = r.emit("~", (y,), w)
    r.out(c, y)


@_handles(*_COMPARE)
def _compare(r: _Reader, t, p, c) -> None:
    s = _signed(p)
    a, b = r.value(c["A"]), r.value(c["B"])
    w = max(len(a), len(b), 1)
    a, b = r.ext(a, w, s), r.ext(b, w, s)
    op = _COMPARE[t]
    if op not in ("==", "!="):
        op = ("s" if s else "u") + op
    r.out(c, r.emit(op, (a, b), 1))


@_handles("$shl", "$sshl")
def _shl(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if w:
        a = r.ext(r.value(c["A"]), w, _flag(p, "A_SIGNED"))
        r.out(c, r.emit("<<", (a, r.value(c["B"])), w))


@_handles("$shr", "$sshr")
def _shr(r: _Reader, t, p, c) -> None:
    w_y = len(c["Y"])
    if not w_y:
        return
    sa = _flag(p, "A_SIGNED")
    a = r.value(c["A"])
    w = max(len(a), w_y)
    a = r.ext(a, w, sa)
    op = "s>>" if (t == "$sshr" and sa) else "u>>"
    r.out(c, r.emit(op, (a, r.value(c["B"])), w)[:w_y])


@_handles("$shift")
def _shift(r: _Reader, t, p, c) -> None:
    w_y = len(c["Y"])
    if not w_y:
        return
    a = r.value(c["A"])
    w = max(len(a), w_y)
    a = r.ext(a, w, _flag(p, "A_SIGNED"))
    b = r.value(c["B"])
    right = r.emit("u>>", (a, b), w)
    if _flag(p, "B_SIGNED") and b:
        left = r.emit("<<", (a, r.emit("neg", (b,), len(b))), w)
        right = r.emit("m", ((b[-1],), left, right), w)
    r.out(c, right[:w_y])


@_handles("$shiftx")
def _shiftx(r: _Reader, t, p, c) -> None:
    """Y = A[B +: Y_WIDTH]; bits outside A are x. Read from the padded value X_lo ++ A ++ X_hi at
    an offset clamped into it, so that every out-of-range bit comes from an anyconst."""
    w = len(c["Y"])
    if not w:
        return
    a = r.value(c["A"])
    b = r.value(c["B"])
    signed_b = _flag(p, "B_SIGNED") and bool(b)
    n = len(a)
    bmax = (1 << (len(b) - 1)) - 1 if signed_b else (1 << len(b)) - 1
    if not signed_b and bmax + w <= n:  # never out of range
        r.out(c, r.emit("part", (a, b), w, (("value_signed", False), ("width", w), ("stride", 1))))
        return
    lo = w if signed_b else 0
    k = max(len(b), (n + 2 * w).bit_length()) + 1
    off = r.ext(b, k, signed_b)
    if lo:
        off = r.emit("+", (off, r.const(lo, k)), k)
        neg = r.emit("s<", (off, r.const(0, k)), 1)
        off = r.emit("m", (neg, r.const(0, k), off), k)
    top = lo + n
    if bmax + lo > top:
        over = r.emit("s>" if signed_b else "u>", (off, r.const(top, k)), 1)
        off = r.emit("m", (over, r.const(top, k), off), k)
    pad = r.anyconst(lo + w)
    padded = pad[:lo] + a + pad[lo:]
    r.out(c, r.emit("part", (padded, off), w, (("value_signed", False), ("width", w), ("stride", 1))))


@_handles("$mux")
def _mux(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if w:
        r.out(c, r.emit("m", (r.value(c["S"]), r.value(c["B"]), r.value(c["A"])), w))


@_handles("$bwmux")
def _bwmux(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if w:
        a, b, s = r.value(c["A"]), r.value(c["B"]), r.value(c["S"])
        keep = r.emit("&", (a, r.emit("~", (s,), w)), w)
        r.out(c, r.emit("|", (keep, r.emit("&", (b, s), w)), w))


@_handles("$bweqx")
def _bweqx(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if w:
        r.out(c, r.emit("~", (r.emit("^", (r.value(c["A"]), r.value(c["B"])), w),), w))


@_handles("$pmux")
def _pmux(r: _Reader, t, p, c) -> None:
    """Y = B[i] for the one select bit i that is set, A when none is; x when several are."""
    w = len(c["Y"])
    if not w:
        return
    a, b, s = r.value(c["A"]), r.value(c["B"]), r.value(c["S"])
    args: list[ir.Value] = [a]
    for i in range(len(s)):
        args += [(s[i],), b[i * w:(i + 1) * w]]
    y = r.emit("assign", tuple(args), w, (("starts", (0,) * len(s)),)) if s else a
    if len(s) > 1:
        rest = r.emit("&", (s, r.emit("-", (s, r.const(1, len(s))), len(s))), len(s))
        several = r.emit("b", (rest,), 1)
        y = r.emit("m", (several, r.anyconst(w), y), w)
    r.out(c, y)


@_handles("$bmux")
def _bmux(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    if w:
        part = (("value_signed", False), ("width", w), ("stride", w))
        r.out(c, r.emit("part", (r.value(c["A"]), r.value(c["S"])), w, part))


@_handles("$demux")
def _demux(r: _Reader, t, p, c) -> None:
    wy = len(c["Y"])
    a, s = r.value(c["A"]), r.value(c["S"])
    w = len(a)
    if not wy or not w:
        r.out(c, ())
        return
    k = len(s) + w.bit_length()
    amt = r.emit("*", (r.ext(s, k, False), r.const(w, k)), k)
    r.out(c, r.emit("<<", (r.ext(a, wy, False), amt), wy))


@_handles("$lut")
def _lut(r: _Reader, t, p, c) -> None:
    table = r.const_bits(_bits_lsb_first(p["LUT"]))
    r.out(c, r.emit("part", (table, r.value(c["A"])), 1, (("value_signed", False), ("width", 1), ("stride", 1))))


@_handles("$div", "$mod", "$divfloor", "$modfloor")
def _divide(r: _Reader, t, p, c) -> None:
    """Truncating ($div/$mod) or flooring division at width max(A, B, Y); x for a zero divisor."""
    wy = len(c["Y"])
    if not wy:
        return
    s = _signed(p)
    a, b = r.value(c["A"]), r.value(c["B"])
    w = max(len(a), len(b), wy)
    a, b = r.ext(a, w, s), r.ext(b, w, s)
    is_div = t in ("$div", "$divfloor")
    if not s:
        y = r.emit("u//" if is_div else "u%", (a, b), w)
    elif t in ("$divfloor", "$modfloor"):
        y = r.emit("s//" if is_div else "s%", (a, b), w)
    else:  # truncation toward zero: divide the magnitudes, then fix the sign
        sa, sb = (a[-1],), (b[-1],)
        ua = r.emit("m", (sa, r.emit("neg", (a,), w), a), w)
        ub = r.emit("m", (sb, r.emit("neg", (b,), w), b), w)
        mag = r.emit("u//" if is_div else "u%", (ua, ub), w)
        flip = r.emit("^", (sa, sb), 1) if is_div else sa
        y = r.emit("m", (flip, r.emit("neg", (mag,), w), mag), w)
    zero = r.emit("==", (b, r.const(0, w)), 1)
    r.out(c, r.emit("m", (zero, r.anyconst(wy), y[:wy]), wy))


@_handles("$anyconst", "$anyseq")
def _any(r: _Reader, t, p, c) -> None:
    w = len(c["Y"])
    r.out(c, r.anyconst(w, t[1:]))


@_handles("$initstate")
def _initstate(r: _Reader, t, p, c) -> None:
    r.out(c, r.emit("initial", (), 1))


@_handles("$check", "$assert", "$assume", "$cover")
def _property(r: _Reader, t, p, c) -> None:
    kind = str(p.get("FLAVOR", t[1:])).strip()
    if kind not in ("assert", "assume", "cover"):
        raise r.error(f"unsupported property kind {kind!r}", r.cur_src)
    clocked = t == "$check" and _flag(p, "TRG_ENABLE") and bool(c.get("TRG"))
    test = r.value(c["A"])
    en = r.value(c["EN"])
    r.nl.cells.append(ir.Cell("property", (), (test, en), (("kind", kind), ("clocked", clocked)), r.cur_src))


@_handles("$mem_v2")
def _rom(r: _Reader, t, p, c) -> None:
    """Asynchronous reads of a constant memory: ``part`` of the contents (x words: anyconst);
    addresses outside [OFFSET, OFFSET + SIZE) read x."""
    width, size, abits = _int(p["WIDTH"]), _int(p["SIZE"]), _int(p["ABITS"])
    offset = _int(p.get("OFFSET", 0))
    init_bits = _bits_lsb_first(p.get("INIT", "x")) if "INIT" in p else ""
    init_bits = (init_bits + "x" * (size * width))[:size * width]
    contents = r.const_bits(init_bits)
    ports = _int(p["RD_PORTS"])
    data_bits, addr_bits = c["RD_DATA"], c["RD_ADDR"]
    for i in range(ports):
        addr = r.value(addr_bits[i * abits:(i + 1) * abits])
        k = max(abits, offset.bit_length(), size.bit_length()) + 1
        word = r.ext(addr, k, False)
        if offset:
            word = r.emit("-", (word, r.const(offset, k)), k)
        data = r.emit("part", (contents, word), width, (("value_signed", False), ("width", width), ("stride", width)))
        if offset or size < (1 << abits):  # `word` wraps below OFFSET, so u< catches both ends
            inside = r.emit("u<", (word, r.const(size, k)), 1)
            data = r.emit("m", (inside, data, r.anyconst(width)), width)
        r.bind(data_bits[i * width:(i + 1) * width], data)


# ---- entry point ---------------------------------------------------------------------------------

def netlist_from_json(doc: Mapping[str, Any], top: str, *, src_files: Mapping[str, str] | None = None,
                      name: str | None = None) -> ir.Netlist:
    """The IR netlist of module `top` of a flattened Yosys JSON document.

    `src_files` maps the file names in Yosys ``src`` attributes to the names to report (cells'
    ``src`` become ``file:line``). Raises `InputError` for anything fpverify cannot represent.
    """
    modules = doc.get("modules", {})
    if top not in modules:
        raise InputError(f"no module {top!r} in the Yosys netlist (modules: {', '.join(modules) or 'none'})")
    return _Reader(modules[top], name or top, src_files or {}).read()
