"""Semantic checks: names, formats, types and widths. Produces a `CheckedSpec` or raises ONE
`InputError` at the file:line:col of the first problem.

Checking runs twice: once on the text alone (`check_spec(sf)`), and again once the design is
elaborated (`check_spec(sf, netlist=nl)`), which adds port existence, widths and internal signals.

Modules: `spec` (the statement pass, `check_spec`), `scope` (names), `formats` (inline format
definitions), `expr_types` (expression types), `equivalence` (``y == mul(a, b, rne)``),
`splits`, `faults`, `binding` (to the netlist), `decompose` (what a decomposition strategy can
prove), `walker` (expression walks), `constants`, `vocabulary` (GOLDEN_OPS and other fixed names),
`results` (the checked types), `located` (`err`). Proof strategy files are loaded by
`fpverify.dsl.proof_strategy`.
"""

from .constants import const_value
from .decompose import DECOMPOSE_OPS, decompose_assumptions, decompose_fixed
from .located import err
from .results import CheckedSpec, Equivalence, FaultSettings, Port, Property
from .spec import check_spec
from .vocabulary import CLASS_PREDICATES, FUNCTIONS, GOLDEN_OPS, SOLVERS, SPLIT_KINDS
from .walker import children, walk

__all__ = ["CheckedSpec", "Equivalence", "FaultSettings", "Port", "Property", "check_spec", "const_value",
           "decompose_fixed", "decompose_assumptions", "DECOMPOSE_OPS", "err", "walk", "children", "GOLDEN_OPS", "CLASS_PREDICATES",
           "FUNCTIONS", "SOLVERS", "SPLIT_KINDS"]
