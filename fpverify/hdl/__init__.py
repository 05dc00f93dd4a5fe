"""HDL backend: the netlist IR (`ir`), the Amaranth adapter (`netlist.flatten`), the vectorized
numpy evaluator (`evaluate`), Amaranth-simulator cross-check and VCD (`pysim`), Verilog export
(`verilog`), design references (`design`) and RTL-vs-golden comparison (`simcheck`).

Submodules are imported on demand so that `fpverify.hdl.ir` stays cheap to import.
"""
