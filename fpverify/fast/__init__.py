"""Fast bit-exact numpy engine: conversions, golden lookup tables and block formats.

Submodules import lazily so ``from fpverify.fast.tables import binary_table`` stays cheap.
"""
