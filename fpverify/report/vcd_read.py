"""Read a VCD (as `fpverify prove --vcd` and `fpverify sim --vcd` write them) into per-signal value
lists over the dump's time steps, for the counterexample waveform of a report.

    wave = read_vcd(Path("cex.vcd").read_text())
    wave.steps                     # sorted times at which some signal changes
    wave.values("round_sticky")    # one int (or None for x/z) per step, held between changes
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from ..errors import InputError


@dataclass
class Waveform:
    steps: list[int] = field(default_factory=list)
    widths: dict[str, int] = field(default_factory=dict)  # scoped name -> bits
    changes: dict[str, list[tuple[int, int | None]]] = field(default_factory=dict)  # scoped name -> (time, value)

    def find(self, leaf: str) -> str | None:
        """The scoped name of signal ``leaf`` (a dotted path matches its tail); the shallowest scope
        wins: a netlist name without a dot is the top's own signal, not a submodule's namesake."""
        hits = [n for n in self.widths if n == leaf or n.endswith("." + leaf)]
        return min(hits, key=lambda n: (n.count("."), n)) if hits else None

    def values(self, name: str) -> list[int | None]:
        """The value of ``name`` (scoped, or a leaf `find` resolves) at every step, held between changes."""
        full = name if name in self.changes else self.find(name)
        if full is None:
            raise KeyError(name)
        out, cur, k = [], None, 0
        ch = self.changes[full]
        for t in self.steps:
            while k < len(ch) and ch[k][0] <= t:
                cur = ch[k][1]
                k += 1
            out.append(cur)
        return out


def read_vcd(text: str) -> Waveform:
    """Parse VCD text; InputError when it is not a VCD."""
    from vcd.reader import TokenKind, tokenize

    wave = Waveform()
    ids: dict[str, list[str]] = {}
    scope: list[str] = []
    t = 0
    times: set[int] = set()
    try:
        for tok in tokenize(io.BytesIO(text.encode())):
            kind = tok.kind
            if kind is TokenKind.SCOPE:
                scope.append(tok.data.ident)
            elif kind is TokenKind.UPSCOPE:
                scope.pop()
            elif kind is TokenKind.VAR:
                name = ".".join([*scope, tok.data.reference])
                wave.widths[name] = int(tok.data.size or 1)
                wave.changes[name] = []
                ids.setdefault(tok.data.id_code, []).append(name)
            elif kind is TokenKind.CHANGE_TIME:  # a stamp with no change (the dump's end) is no step
                t = int(tok.data)
            elif kind in (TokenKind.CHANGE_SCALAR, TokenKind.CHANGE_VECTOR):
                value = tok.data.value
                try:
                    v = int(value, 2) if isinstance(value, str) else int(value)
                except ValueError:  # x / z bits
                    v = None
                times.add(t)
                for name in ids.get(tok.data.id_code, ()):
                    wave.changes[name].append((t, v))
    except Exception as e:  # noqa: BLE001 - pyvcd raises its own error types on malformed input
        raise InputError(f"not a readable VCD: {type(e).__name__}: {e}") from None
    wave.steps = sorted(times)
    return wave


__all__ = ["Waveform", "read_vcd"]
