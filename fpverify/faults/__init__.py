"""Fault injection: mutate a netlist, check each mutant against the original and against the
properties, and grade the properties by how many mutants they kill."""
