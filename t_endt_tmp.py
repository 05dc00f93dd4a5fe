import numpy as np, en_dtypes
from fpverify.fast.tables import binary_table
from fpverify.formats import get_format
from fpverify.rounding import Env, parse_rounding
H = en_dtypes.hifloat8
f = get_format("hif8")
A = np.repeat(np.arange(256, dtype=np.uint8), 256); B = np.tile(np.arange(256, dtype=np.uint8), 256)
a, b = A.view(H), B.view(H)
for op, fn in (("mul", np.multiply), ("add", np.add), ("sub", np.subtract), ("div", np.divide)):
    with np.errstate(all="ignore"):
        r = fn(a, b).view(np.uint8)
    for mode in ("rna", "rne"):
        gc, gf = binary_table(op, f, Env(parse_rounding(mode)))
        bad = np.nonzero(r != gc)[0]
        print(op, mode, len(bad), [(hex(A[i]), hex(B[i]), hex(r[i]), hex(gc[i])) for i in bad[:4]])
