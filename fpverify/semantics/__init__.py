"""What is computed, as data and small pure functions, shared by every back end.

The golden model, the symbolic reference, the fast numpy engine and the RTL generators each
implement the datapaths independently (that independence is what makes their cross-checks
mean something), but they read the *policy* from here: the round-away decision per mode, the
overflow rule, special-value codes, the ``rm`` port encoding and flag layout, the stage-name
vocabulary and the one operation registry (`fpverify.semantics.ops`).

Import the submodules directly (``from fpverify.semantics.ops import OPS``); this package
re-exports nothing so that importing one table never drags in a back end.
"""
