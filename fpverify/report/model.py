"""The page model: what a report page shows, as plain data (no HTML, no plotting library).

A `Page` is a title, a few headline facts and `Section`s of blocks: `Table` (always readable
without JavaScript), `Figure` (a plotly figure as a JSON-ready ``{"data": [...], "layout": {...}}``
dict, drawn by the inlined plotly.js), `Text`, `Pre` (monospace text) and `Download` (a file
embedded in the page, e.g. a counterexample's VCD). Builders in `fpverify.report.pages` turn a
command's JSON into a `Page`; `fpverify.report.html` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

STATUS_COLOURS: dict[str, str] = {
    "PROVED": "#2e7d32", "WITNESSED": "#2e7d32", "PASS": "#2e7d32", "KILLED": "#2e7d32", "OK": "#2e7d32",
    "REFUTED": "#c62828", "FAIL": "#c62828", "SURVIVED": "#c62828", "EQGAP": "#6a1b9a", "MISMATCH": "#c62828",
    "UNKNOWN": "#f9a825", "VACUOUS": "#ad1457", "ERROR": "#6a1b9a", "INTERRUPTED": "#757575",
    "SKIPPED": "#9e9e9e", "PENDING": "#9e9e9e", "FAILED": "#f9a825", "SUPERSEDED": "#bdbdbd",
    "REPLACED": "#f9a825",
    "NOCHANGE": "#9e9e9e",
}
NEUTRAL = "#607d8b"


def status_colour(status: str) -> str:
    """The colour a status is drawn in (neutral grey-blue for one not in `STATUS_COLOURS`)."""
    return STATUS_COLOURS.get(status, NEUTRAL)


@dataclass
class Table:
    """Columns and rows of text; ``status_column`` names a column whose cells are coloured by
    status; ``row_marks`` holds one CSS class (or "") per row, e.g. "bad" for a failing stage;
    a ``collapsed`` table is folded under its caption (long listings)."""

    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""
    status_column: str | None = None
    row_marks: list[str] = field(default_factory=list)
    id: str = ""
    collapsed: bool = False  # drawn folded (an HTML <details>, which opens without JavaScript)


@dataclass
class Figure:
    """A plotly figure (``figure = {"data": [...], "layout": {...}}``) with an id and a caption."""

    id: str
    figure: dict[str, Any]
    caption: str = ""
    height: int = 420


@dataclass
class Text:
    text: str
    css: str = ""  # "note", "bad", "good"


@dataclass
class Pre:
    text: str


@dataclass
class Download:
    """A file embedded in the page as a data: link (``data`` is its text)."""

    filename: str
    data: str
    mime: str = "text/plain"
    label: str = ""


Block = Union[Table, Figure, Text, Pre, Download]


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    id: str = ""
    status: str = ""  # a status badge next to the title ("" for none)


@dataclass
class Page:
    title: str
    kind: str  # prove / faults / fuzz / sim / sim-spec / vectors / error-map
    status: str = ""  # the run's overall verdict, drawn as a badge
    facts: list[tuple[str, str]] = field(default_factory=list)  # headline key/value pairs
    sections: list[Section] = field(default_factory=list)

    def figures(self) -> list[Figure]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Figure)]

    def tables(self) -> list[Table]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Table)]

    def section(self, title: str) -> Section:
        """The section named ``title`` (KeyError when there is none)."""
        for s in self.sections:
            if s.title == title:
                return s
        raise KeyError(title)


__all__ = ["Page", "Section", "Table", "Figure", "Text", "Pre", "Download", "Block", "STATUS_COLOURS",
           "status_colour", "NEUTRAL"]
