"""HDL backend: the netlist IR (`ir`), the Amaranth adapter (`netlist.flatten`), the vectorized
numpy evaluator (`evaluate`), Amaranth-simulator cross-check and VCD (`pysim`), Verilog export
(`verilog`), Verilog import through Yosys (`verilog_read.read_verilog`, with `yosys_run` and the
Yosys JSON adapter `yosys_json`), design references (`design`) and RTL-vs-golden comparison (`simcheck`).

Submodules are imported on demand so that `fpverify.hdl.ir` stays cheap to import.
"""
