// Five-stage pipelined IEEE multiplier in the style of open-source FPU cores (test design for
// decomposition on designs that are not fpverify's own): no exception flags, subnormal inputs
// read as zero and subnormal results flushed to (signed) zero, round to nearest even, overflow to
// infinity, one canonical quiet NaN. Parameterised by the field widths (f16: EW=5 MW=10; f32:
// EW=8 MW=23). Stages: 1 operand registers and unpack, 2 significand product (u_mul.p) and
// exponent sum, 3 normalise, 4 round, 5 pack. Synchronous active-high reset.
module sig_mul #(parameter SW = 11) (
    input clk,
    input [SW-1:0] x,
    input [SW-1:0] z,
    output reg [2*SW-1:0] p
);
    always @(posedge clk) p <= x * z;
endmodule

module fp_mul_5stage #(parameter EW = 5, parameter MW = 10) (
    input clk,
    input rst,
    input [EW+MW:0] a,
    input [EW+MW:0] b,
    output reg [EW+MW:0] y
);
    localparam W = EW + MW + 1;
    localparam SW = MW + 1;
    localparam PW = 2 * SW;
    localparam XW = EW + 3;                      // signed exponent arithmetic
    localparam BIAS = (1 << (EW - 1)) - 1;
    localparam EMAX = (1 << EW) - 1;

    // ---- stage 1: operand registers, unpack (subnormals read as zero)
    reg [W-1:0] a1, b1;
    always @(posedge clk) begin
        if (rst) begin a1 <= 0; b1 <= 0; end
        else begin a1 <= a; b1 <= b; end
    end
    wire [EW-1:0] ea = a1[W-2:MW], eb = b1[W-2:MW];
    wire [MW-1:0] fa = a1[MW-1:0], fb = b1[MW-1:0];
    wire a_zero = ea == 0, b_zero = eb == 0;
    wire a_inf = &ea && fa == 0, b_inf = &eb && fb == 0;
    wire a_nan = &ea && fa != 0, b_nan = &eb && fb != 0;
    wire [SW-1:0] siga = {1'b1, fa}, sigb = {1'b1, fb};

    // ---- stage 2: significand product, exponent sum, special cases
    wire [PW-1:0] prod;
    sig_mul #(.SW(SW)) u_mul (.clk(clk), .x(siga), .z(sigb), .p(prod));
    reg s2, nan2, inf2, zero2;
    reg signed [XW-1:0] e2;
    always @(posedge clk) begin
        if (rst) begin s2 <= 0; nan2 <= 0; inf2 <= 0; zero2 <= 0; e2 <= 0; end
        else begin
            s2 <= a1[W-1] ^ b1[W-1];
            nan2 <= a_nan | b_nan | (a_inf & b_zero) | (b_inf & a_zero);
            inf2 <= a_inf | b_inf;
            zero2 <= a_zero | b_zero;
            e2 <= $signed({3'b0, ea}) + $signed({3'b0, eb}) - BIAS;
        end
    end

    // ---- stage 3: normalise the product to [1, 2): hidden bit at PW-2
    reg s3, nan3, inf3, zero3;
    reg signed [XW-1:0] e3;
    reg [PW-2:0] n3;
    always @(posedge clk) begin
        if (rst) begin s3 <= 0; nan3 <= 0; inf3 <= 0; zero3 <= 0; e3 <= 0; n3 <= 0; end
        else begin
            s3 <= s2; nan3 <= nan2; inf3 <= inf2; zero3 <= zero2;
            e3 <= e2 + prod[PW-1];
            n3 <= prod[PW-1] ? prod[PW-1:1] | prod[0] : prod[PW-2:0];
        end
    end

    // ---- stage 4: round to nearest even on the normalised significand
    wire [MW:0] keep = n3[PW-2 -: SW];
    wire guard = n3[PW-2-SW];
    wire sticky = |n3[PW-3-SW:0];
    wire up = guard & (sticky | keep[0]);
    wire [MW+1:0] rounded = {1'b0, keep} + up;
    reg s4, nan4, inf4, zero4;
    reg signed [XW-1:0] e4;
    reg [MW-1:0] m4;
    always @(posedge clk) begin
        if (rst) begin s4 <= 0; nan4 <= 0; inf4 <= 0; zero4 <= 0; e4 <= 0; m4 <= 0; end
        else begin
            s4 <= s3; nan4 <= nan3; inf4 <= inf3; zero4 <= zero3;
            e4 <= e3 + rounded[MW+1];
            m4 <= rounded[MW+1] ? rounded[MW:1] : rounded[MW-1:0];
        end
    end

    // ---- stage 5: pack (overflow to infinity, subnormal results flushed to zero)
    always @(posedge clk) begin
        if (rst) y <= 0;
        else if (nan4) y <= {1'b0, {EW{1'b1}}, 1'b1, {(MW-1){1'b0}}};
        else if (inf4 || e4 >= EMAX) y <= {s4, {EW{1'b1}}, {MW{1'b0}}};
        else if (zero4 || e4 <= 0) y <= {s4, {(W-1){1'b0}}};
        else y <= {s4, e4[EW-1:0], m4};
    end
endmodule
