"""SMT layer: netlist → z3 translation (`netlist_z3`) and the bit-level symbolic reference (`reference`)."""
