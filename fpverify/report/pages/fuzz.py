"""`fpverify fuzz --json` → a page: the verdict, the ULP error histogram over every example, and
each (shrunk) mismatch explained."""

from __future__ import annotations

from typing import Any

from .. import figures as F
from ..model import Figure, Page, Pre, Section, Table, Text


def fuzz_page(doc: dict[str, Any], title: str = "") -> Page:
    status = "INTERRUPTED" if doc.get("interrupted") else ("OK" if doc.get("ok") else "MISMATCH")
    page = Page(title or f"fpverify fuzz: {doc['target']}", "fuzz", status)
    page.facts = [("target", doc["target"]), ("semantics", doc["semantics"]), ("examples checked" if doc.get("ok") else "clean examples before the mismatch", f"{doc['examples']:,}"),
                  ("seed", str(doc.get("seed"))), ("seconds", f"{doc.get('seconds', 0):.2f}")]
    err = doc.get("errors")
    if err and err.get("labels"):
        total = max(1, err["examples"])
        rows = [[lab, c, f"{100.0 * c / total:.2f}%"] for lab, c in zip(err["labels"], err["counts"])]
        accuracy = err.get("measure") == "ulp"  # accuracy fuzzing: errors against the exact value
        if accuracy:
            xtitle = "error |y - f(x)| / ulp(f(x)) (ULPs of the output format, exact f(x))"
            top = err.get("max_ulp")
            caption = (f"{err['examples']:,} results; correctly rounded {err['exact']:,}; largest error "
                       f"{'inf (a special result)' if top is None else f'{top:.6g}'} ULP; largest finite error "
                       f"{err.get('max_finite_ulp') or 0:.6g} ULP")
        else:
            xtitle = "distance from golden (ULPs of the destination)"
            caption = (f"{err['examples']:,} examples (fuzz's own seed and -n); exact: {err['exact']:,}, "
                       f"largest distance {err['max_ulp']} ULP")
        blocks = [Figure("fig-fuzz-hist", F.histogram([], err["counts"], labels=err["labels"], xtitle=xtitle),
                         caption, height=360),
                  Table(["ULPs", "examples", "share"], rows, caption="error histogram", id="fuzz-histogram")]
        if accuracy:
            classes = err.get("classes") or {}
            blocks.append(Table(["class", "results", "share"],
                                [[k, v, f"{100.0 * v / total:.2f}%"] for k, v in classes.items()],
                                caption=f"correctly rounded / faithful / worse (bound: {err.get('bound') or 'none'})",
                                id="fuzz-classes"))
            for key, title in (("worst", "largest error"), ("worst_finite", "largest finite error")):
                if err.get(key):
                    blocks.append(Text(title, "note"))
                    blocks.append(Pre("\n".join(err[key]["lines"])))
        if err.get("note"):
            blocks.append(Text(err["note"], "note"))
        page.sections.append(Section("Error histogram", blocks, id="histogram"))
    elif err and err.get("note"):
        page.sections.append(Section("Error histogram", [Text(err["note"], "note")], id="histogram"))
    mism = doc.get("mismatches") or []
    if mism:
        page.sections.append(Section(f"Mismatches ({len(mism)})",
                                     [Pre("\n".join(m["lines"])) for m in mism], id="mismatches", status="MISMATCH"))
    else:
        page.sections.append(Section("Mismatches", [Text(
            "no mismatch" + (" so far (interrupted)" if doc.get("interrupted") else ""), "good")], id="mismatches"))
    if doc.get("replay"):
        page.sections.append(Section("Replay", [Pre(doc["replay"])], id="replay"))
    return page


__all__ = ["fuzz_page"]
