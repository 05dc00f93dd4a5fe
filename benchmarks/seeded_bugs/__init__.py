"""Seeded-bug corpus (issue #15): realistic RTL bugs as Amaranth source changes to the `rtl`
generators, each expected REFUTED, replayed (golden model, netlist evaluator, Amaranth's simulator)
and localised to a named stage. `corpus.ENTRIES` is the table; `run.run_entry` checks one bug."""
