"""`faults { mutants 20; operators inv, const0; ... }`: the settings of `fpverify faults`."""

from __future__ import annotations

from .. import ast
from .located import err
from .results import FaultSettings
from .vocabulary import FALLBACK_OPERATORS, FAULT_KEYS


def fault_settings(st: ast.Faults) -> FaultSettings:
    try:
        from ...faults.mutate import ALL_OPERATORS as operators
    except Exception:  # the faults package is optional at this point
        operators = FALLBACK_OPERATORS
    try:
        from ...faults.semantic import semantic_kinds  # type: ignore[attr-defined]
        semantic = tuple(semantic_kinds())
    except Exception:
        semantic = None
    vals: dict[str, object] = {}
    for it in st.items:
        if it.key not in FAULT_KEYS:
            raise err(f"unknown faults setting `{it.key}` (allowed: {', '.join(FAULT_KEYS)})", it.pos)
        if it.key in vals:
            raise err(f"faults setting `{it.key}` is given twice", it.pos)
        kind = FAULT_KEYS[it.key]
        if kind in ("int", "number"):
            if len(it.values) != 1 or it.values[0].kind != "number":
                raise err(f"`{it.key}` takes one number", it.pos)
            v = it.values[0].value
            if kind == "int" and v.denominator != 1:
                raise err(f"`{it.key}` must be an integer, not {it.values[0].text}", it.values[0].pos)
            lo = 0 if it.key == "seed" else 1
            if not lo <= v <= 10**9:
                raise err(f"`{it.key}` {it.values[0].text} is out of range ({lo}..10^9)", it.values[0].pos)
            vals[it.key] = int(v) if kind == "int" else float(v)
        else:
            names = []
            for v in it.values:
                if v.kind != "name":
                    raise err(f"`{it.key}` takes names, not {v.text}", v.pos)
                known = operators if it.key == "operators" else semantic
                if known is not None and v.value not in known:
                    raise err(f"unknown {it.key[:-1] if it.key.endswith('s') else it.key} `{v.value}` "
                              f"(choose {', '.join(known)})", v.pos)
                if v.value in names:
                    raise err(f"`{v.value}` is listed twice", v.pos)
                names.append(v.value)
            vals[it.key] = tuple(names)
    return FaultSettings(vals.get("mutants"), vals.get("seed"), vals.get("timeout"), vals.get("jobs"),
                         vals.get("operators", ()), vals.get("semantic", ()), st.pos)
