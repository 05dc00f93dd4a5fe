// OCP E4M3 (float8_e4m3fn) multiplier, round to nearest even, SoftFloat flag layout
// {NV, DZ, OF, UF, NX}. No infinities; NaN is S.1111.111; overflow gives NaN (OF|NX).
// Test design for fpverify's Verilog reader: always blocks with case statements, a function,
// parameters and a leading-zero counter in its own module.
module fp8_mul #(parameter EW = 4, parameter MW = 3, parameter BIAS = 7) (
    input  [EW+MW:0] a,
    input  [EW+MW:0] b,
    output reg [EW+MW:0] result,
    output reg [4:0] flags
);
    localparam W = EW + MW + 1;
    localparam SW = MW + 1;            // significand with hidden bit
    localparam PW = 2 * SW;            // product width

    // operand class: 0 zero, 1 subnormal, 2 normal, 3 NaN
    function [1:0] classify(input [EW-1:0] e, input [MW-1:0] m);
        begin
            case ({&e & &m, |e, |m})
                3'b100, 3'b101, 3'b110, 3'b111: classify = 2'd3;
                3'b000: classify = 2'd0;
                3'b001: classify = 2'd1;
                default: classify = 2'd2;
            endcase
        end
    endfunction

    wire sa = a[W-1], sb = b[W-1];
    wire [EW-1:0] ea = a[W-2:MW], eb = b[W-2:MW];
    wire [MW-1:0] ma = a[MW-1:0], mb = b[MW-1:0];
    wire [1:0] ca = classify(ea, ma), cb = classify(eb, mb);
    wire sign = sa ^ sb;

    wire [SW-1:0] siga = {|ea, ma}, sigb = {|eb, mb};
    wire [2:0] lza, lzb;
    lzc #(.W(SW), .CW(3)) u_lza (.x(siga), .count(lza));
    lzc #(.W(SW), .CW(3)) u_lzb (.x(sigb), .count(lzb));

    // normalised significands (hidden bit at SW-1) and signed biased exponents
    wire [SW-1:0] na = siga << lza, nb = sigb << lzb;
    wire signed [7:0] xa = (|ea ? $signed({4'b0, ea}) : 8'sd1) - $signed({5'b0, lza});
    wire signed [7:0] xb = (|eb ? $signed({4'b0, eb}) : 8'sd1) - $signed({5'b0, lzb});

    wire [PW-1:0] prod = na * nb;                  // in [1, 4) with 2*MW fraction bits
    wire [PW-1:0] norm = prod[PW-1] ? prod : prod << 1;
    wire signed [7:0] xn = xa + xb - BIAS + prod[PW-1];

    // subnormal results are shifted right by 1 - xn (0 for normal results)
    reg [7:0] sh;
    reg [PW+15:0] wide;
    reg [SW-1:0] kept;
    reg guard, sticky, inc, tiny;
    reg signed [9:0] code;
    always @* begin
        sh = (xn < 1) ? (8'd1 - xn) : 8'd0;
        if (sh > 8'd20) sh = 8'd20;
        wide = {norm, 16'b0} >> sh;
        kept = wide[PW+15 -: SW];
        guard = wide[PW+15-SW];
        sticky = |wide[PW+14-SW:0];
        inc = guard & (sticky | kept[0]);
        code = ((xn < 1) ? 10'sd0 : $signed({2'b0, xn} - 10'sd1)) * 10'sd8 + $signed({6'b0, kept}) + inc;
        // tininess after rounding: below the smallest normal even when rounded with an unbounded exponent
        tiny = (xn < 0) || (xn == 0 && !(&norm[PW-1 -: SW] && norm[PW-1-SW] && (|norm[PW-2-SW:0] || norm[PW-SW])));
    end

    always @* begin
        result = {sign, {(W-1){1'b0}}};
        flags = 5'b0;
        case ({ca == 2'd3 || cb == 2'd3, ca == 2'd0 || cb == 2'd0})
            2'b10, 2'b11: result = {W{1'b1}} & {1'b0, {(W-1){1'b1}}} | {sign, {(W-1){1'b0}}};
            2'b01: result = {sign, {(W-1){1'b0}}};
            default: begin
                if (code >= 10'sd127) begin
                    result = {sign, {(W-1){1'b1}}};
                    flags = 5'b00101;
                end else begin
                    result = {sign, code[W-2:0]};
                    flags = {3'b000, tiny & (guard | sticky), guard | sticky};
                end
            end
        endcase
    end
endmodule
