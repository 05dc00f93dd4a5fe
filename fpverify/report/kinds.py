"""Which command wrote a JSON document, and the page builder for it.

Documents written by fpverify carry ``"kind"`` where the command adds it (fuzz, vectors, error-map);
older outputs are recognised by their keys: prove (``specs``), faults (``mutants``), sim of a spec
(``properties`` with ``samples``), sim of a unit (``per_mode``)."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import InputError
from .model import Page

KINDS = ("prove", "faults", "fuzz", "sim", "sim-spec", "vectors", "error-map")


def kind_of(doc: Any) -> str:
    """The kind of ``doc``; InputError for a document no builder knows."""
    if not isinstance(doc, dict):
        raise InputError(f"a run JSON is an object, not {type(doc).__name__}")
    kind = doc.get("kind")
    if kind is not None:
        if kind not in KINDS:
            raise InputError(f"unknown report kind {kind!r} (known: {', '.join(KINDS)})")
        return kind
    if isinstance(doc.get("specs"), list):
        return "prove"
    if isinstance(doc.get("mutants"), list):
        return "faults"
    if isinstance(doc.get("properties"), list) and "samples" in doc:
        return "sim-spec"
    if isinstance(doc.get("per_mode"), dict):
        return "sim"
    raise InputError("not a run JSON fpverify knows (expected the --json output of prove, faults, fuzz, "
                     "sim or vectors check, or an error map)")


def builder(kind: str) -> Callable[[dict[str, Any]], Page]:
    if kind == "prove":
        from .pages.prove import prove_page
        return prove_page
    if kind == "faults":
        from .pages.faults import faults_page
        return faults_page
    if kind == "fuzz":
        from .pages.fuzz import fuzz_page
        return fuzz_page
    if kind in ("sim", "sim-spec", "vectors"):
        from .pages.mismatches import mismatch_page
        return mismatch_page
    if kind == "error-map":
        from .pages.error_map import error_map_page
        return error_map_page
    raise InputError(f"unknown report kind {kind!r} (known: {', '.join(KINDS)})")


def build_page(doc: Any) -> Page:
    """The page of a run JSON (any kind in `KINDS`)."""
    kind = kind_of(doc)
    try:
        return builder(kind)(doc)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(f"malformed {kind} JSON: {type(e).__name__}: {e}") from None


__all__ = ["KINDS", "kind_of", "builder", "build_page"]
