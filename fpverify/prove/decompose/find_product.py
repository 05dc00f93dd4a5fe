"""Find a foreign multiplier's significand product in its netlist (no `map` in the spec).

The candidate is a ``*`` cell whose two operands are, bit for bit, the operands' significand
fields (the fraction bits of input ports a and b, through wiring, pipeline registers and muxes
whose other side is a constant or an undefined initial value) under a
hidden bit that is a constant 1 or computed from other bits, zero-extended to a 2p-bit product.
Such raw significands equal the reference's normalised ones only for normal operands, which the
lemmas (L1) check under the property's domain: a wrong guess fails a lemma, it proves nothing false.
"""

from __future__ import annotations

from ...formats import FloatFormat
from ...semantics import stages
from ..monolithic import ProofSetupError
from ..types import PortMap
from .isolate import StageBinding


class ProductNotFound(ProofSetupError):
    """No ``*`` cell of the netlist multiplies the operands' significands; the message says why."""


def _fixed(src) -> bool:
    """A constant or an undefined (anyconst) bit: the side of a mux a datapath bit does not come from."""
    return src[0] == "const" or src == ("cell", "anyconst")


def _tracer(netlist):
    inputs = {net: (port, i) for port, v in netlist.inputs.items() for i, net in enumerate(v)}
    driver = {net: (cell, j) for cell in netlist.cells for j, net in enumerate(cell.out)}

    def trace(net: int, depth: int = 0):
        """("const", v) | ("in", port, bit) | ("cell", op): a bit's source through registers."""
        if net in (0, 1):
            return ("const", net)
        if net in inputs:
            return ("in", *inputs[net])
        cell, j = driver.get(net, (None, 0))
        if cell is None:
            return ("cell", "?")
        if cell.op == "ff" and depth < 64:
            return trace(cell.args[0][j], depth + 1)
        if cell.op == "m" and depth < 64:  # a reset mux or an undefined initial value: follow the live side
            x, y = (trace(arg[j], depth + 1) for arg in cell.args[1:3])
            if _fixed(x) and not _fixed(y):
                return y
            if _fixed(y) and not _fixed(x):
                return x
        return ("cell", cell.op)
    return trace


def _significand_of(arg, trace, fmt: FloatFormat, ports: PortMap):
    """(operand port, the p-bit Value) if ``arg`` is a significand field with its hidden bit, else
    (None, why)."""
    p, m = fmt.precision, fmt.precision - 1
    if len(arg) < p:
        return None, f"an operand is {len(arg)} bits, narrower than the {p}-bit significand"
    if any(trace(n) != ("const", 0) for n in arg[p:]):
        return None, f"an operand has non-zero bits above the {p}-bit significand"
    src = [trace(n) for n in arg[:m]]
    port = src[0][1] if src and src[0][0] == "in" else None
    if port not in (ports.a, ports.b) or src != [("in", port, i) for i in range(m)]:
        where = ", ".join(sorted({s[1] if s[0] != "const" else "constants" for s in src}))
        return None, f"an operand's low {m} bits are not the fraction field of input a or b (they come from {where})"
    hidden = trace(arg[m])
    if hidden[0] == "in" or hidden == ("const", 0):
        return None, f"an operand's bit {m} is not a hidden bit (it is {hidden})"
    return (port, tuple(arg[:p])), ""


def find_product(netlist, fmt: FloatFormat, ports: PortMap) -> dict[str, StageBinding]:
    """The stage map of the multiplier's product and operand significands; raises
    `ProductNotFound` naming why each ``*`` cell was rejected."""
    muls = [c for c in netlist.cells if c.op == "*"]
    if not muls:
        raise ProductNotFound("the netlist has no `*` cell")
    p, why = fmt.precision, []
    trace = _tracer(netlist)
    for i, cell in enumerate(muls):
        if len(cell.out) < 2 * p:
            why.append(f"`*` #{i}: {len(cell.out)}-bit output, narrower than the 2p = {2 * p}-bit product")
            continue
        ops = [_significand_of(arg, trace, fmt, ports) for arg in cell.args]
        bad = [w for o, w in ops if o is None]
        if bad:
            why.append(f"`*` #{i}: {bad[0]}")
            continue
        by_port = {port: v for (port, v), _ in ops}
        if set(by_port) != {ports.a, ports.b}:
            why.append(f"`*` #{i}: both operands come from input {next(iter(by_port))}")
            continue
        label = f"automatic: `*` cell #{i} of {netlist.name}"
        return {stages.PRODUCT: StageBinding(f"<* #{i}>", f"{label} (product)", tuple(cell.out[:2 * p])),
                stages.unpack_sig("a"): StageBinding(f"<* #{i} operand a>", f"{label} (operand a)", by_port[ports.a]),
                stages.unpack_sig("b"): StageBinding(f"<* #{i} operand b>", f"{label} (operand b)", by_port[ports.b])}
    raise ProductNotFound("no `*` cell multiplies the operands' significands: " + "; ".join(why))


__all__ = ["ProductNotFound", "find_product"]
