"""One self-contained HTML page per run: a command's JSON → a `Page` (pure data, `model`) → HTML
(`html.render_html`, plotly.js inlined, tables readable without JavaScript).

    from fpverify.report import write_report
    write_report(json.load(open("run.json")), "report.html")

Figures need the `report` extra (plotly); see docs/report.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from .html import render_html
from .kinds import KINDS, build_page, kind_of
from .model import Page


def load_json(path: str | Path) -> Any:
    """A run JSON from ``path``; InputError when it cannot be read or parsed."""
    try:
        text = Path(path).read_text()
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputError("not a text file", str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(f"not valid JSON: {e.msg}", str(path), e.lineno, e.colno) from None


def write_page(page: Page, path: str | Path) -> int:
    """Write ``page`` as HTML to ``path``; returns the size in bytes."""
    text = render_html(page)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"cannot write {path}: {e.strerror or e}") from None
    return len(text.encode())


def write_report(doc: Any, path: str | Path) -> int:
    """Render a run JSON document (any kind in `KINDS`) to ``path``; returns the size in bytes."""
    return write_page(build_page(doc), path)


__all__ = ["write_report", "write_page", "load_json", "build_page", "kind_of", "render_html", "Page", "KINDS"]
