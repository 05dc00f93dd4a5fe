// OCP E4M3 (float8_e4m3fn) fused multiply-add y = a*b + c, one rounding, round to nearest even.
// No infinities; NaN in -> NaN out (S.1111.111); overflow gives NaN (the format's default).
// Design style: a Kulisch-style exact fixed-point accumulator. Every E4M3 value is an integer
// multiple of 2^-9, every product of two a multiple of 2^-18, so a*b and c are placed exactly
// in a 38-bit fixed-point word with LSB 2^-18, added as signed integers and rounded once.
module fp8_fma (
    input  [7:0] a,
    input  [7:0] b,
    input  [7:0] c,
    output reg [7:0] result
);
    // integer significand s and effective exponent E: value = s * 2^(E - 10)
    wire [3:0] sa = {|a[6:3], a[2:0]}, sb = {|b[6:3], b[2:0]}, sc = {|c[6:3], c[2:0]};
    wire [3:0] ea = (|a[6:3]) ? a[6:3] : 4'd1;
    wire [3:0] eb = (|b[6:3]) ? b[6:3] : 4'd1;
    wire [3:0] ec = (|c[6:3]) ? c[6:3] : 4'd1;
    wire nan_in = (&a[6:0]) | (&b[6:0]) | (&c[6:0]);
    wire sp = a[7] ^ b[7];            // product sign
    wire sn = c[7];                   // addend sign

    // a*b = sa*sb * 2^(ea+eb-20) = (sa*sb << (ea+eb-2)) * 2^-18
    wire [7:0]  pm   = sa * sb;
    wire [4:0]  esum = ea + eb;
    wire [37:0] pfix = {30'd0, pm} << (esum - 5'd2);
    // c = sc * 2^(ec-10) = (sc << (ec+8)) * 2^-18
    wire [37:0] cfix = {34'd0, sc} << ({1'b0, ec} + 5'd8);

    // signed-magnitude addition
    reg        rs;                    // result sign
    reg [37:0] mag;                   // |a*b + c| in units of 2^-18
    always @* begin
        if (sp == sn) begin
            mag = pfix + cfix; rs = sp;
        end else if (pfix >= cfix) begin
            mag = pfix - cfix; rs = sp;
        end else begin
            mag = cfix - pfix; rs = sn;
        end
    end

    // leading one position
    reg [5:0] p;
    integer i;
    always @* begin
        p = 6'd0;
        for (i = 0; i < 38; i = i + 1)
            if (mag[i]) p = i[5:0];
    end

    // keep 4 significant bits (normal) or the 2^-9 grid (subnormal): shift = max(p - 3, 9)
    wire [5:0]  shift = (p >= 6'd12) ? p - 6'd3 : 6'd9;
    wire [37:0] kept  = mag >> shift;
    wire [37:0] below = mag & ~({38{1'b1}} << shift);        // bits shifted out
    wire [37:0] half  = 38'd1 << (shift - 6'd1);
    wire        guard  = |(below & half);
    wire        sticky = |(below & (half - 38'd1));
    wire        inc    = guard & (sticky | kept[0]);
    // encoding: (biased exponent - 1) << 3 plus the kept significand with its hidden bit;
    // the rounding carry ripples into the exponent by itself
    wire [9:0]  enc = {1'b0, shift - 6'd9, 3'b000} + kept[9:0] + {9'd0, inc};

    always @* begin
        if (nan_in)
            result = 8'h7F;
        else if (mag == 38'd0)
            result = {sp & sn, 7'd0};
        else if (enc >= 10'd127)
            result = 8'h7F;               // overflow -> NaN
        else
            result = {rs, enc[6:0]};
    end
endmodule
