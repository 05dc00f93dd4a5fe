// Leading-zero counter: count = number of zeros above the highest set bit of `x` (W when x == 0).
// Test design for fpverify's Verilog reader: a parameterised module with a generate loop.
module lzc #(parameter W = 4, parameter CW = 3) (
    input  [W-1:0]  x,
    output [CW-1:0] count
);
    // found[i]: some bit at or above position W-1-i is set; count = number of leading positions
    // where nothing was found yet.
    wire [W:0] found;
    wire [CW-1:0] partial [0:W];
    assign found[0] = 1'b0;
    assign partial[0] = {CW{1'b0}};
    genvar i;
    generate
        for (i = 0; i < W; i = i + 1) begin : scan
            assign found[i + 1] = found[i] | x[W - 1 - i];
            assign partial[i + 1] = partial[i] + {{(CW - 1){1'b0}}, ~found[i + 1]};
        end
    endgenerate
    assign count = partial[W];
endmodule
