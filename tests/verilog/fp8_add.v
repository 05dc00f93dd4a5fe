// OCP E5M2 (float8_e5m2) adder, round to nearest even, SoftFloat flag layout {NV, DZ, OF, UF, NX}.
// IEEE-style specials: S.11111.00 is infinity, other S.11111.xx are NaN (quiet when the top
// mantissa bit is set); overflow gives infinity (OF|NX). Test design for fpverify's Verilog reader.
module fp8_add (
    input  [7:0] a,
    input  [7:0] b,
    output reg [7:0] result,
    output reg [4:0] flags
);
    // leading zeros of a 6-bit value (6 when zero)
    function [2:0] clz6(input [5:0] v);
        integer k;
        reg done;
        begin
            clz6 = 3'd6;
            done = 1'b0;
            for (k = 5; k >= 0; k = k - 1)
                if (!done && v[k]) begin
                    clz6 = 3'd5 - k;
                    done = 1'b1;
                end
        end
    endfunction

    wire a_big = a[6:0] >= b[6:0];
    wire [7:0] x = a_big ? a : b;                  // larger magnitude
    wire [7:0] y = a_big ? b : a;
    wire [4:0] ex = x[6:2], ey = y[6:2];
    wire x_inf = &ex & ~|x[1:0], y_inf = &ey & ~|y[1:0];
    wire x_nan = &ex & |x[1:0], y_nan = &ey & |y[1:0];
    wire snan = (x_nan & ~x[1]) | (y_nan & ~y[1]);
    wire sub = x[7] ^ y[7];

    wire [5:0] exp_x = (ex == 5'd0) ? 6'd1 : {1'b0, ex};
    wire [5:0] exp_y = (ey == 5'd0) ? 6'd1 : {1'b0, ey};
    wire [5:0] d = exp_x - exp_y;
    wire [2:0] sig_x = {|ex, x[1:0]}, sig_y = {|ey, y[1:0]};

    reg [37:0] shifted;
    reg [6:0] big, small, sum, n;
    reg [2:0] lz, shl;
    reg [5:0] e;
    reg guard, sticky, inc;
    reg [7:0] code;
    always @* begin
        shifted = {sig_y, 3'b000, 32'b0} >> d;
        big = {1'b0, sig_x, 3'b000};
        small = {1'b0, shifted[37:33], shifted[32] | (|shifted[31:0])};
        sum = sub ? big - small : big + small;
        e = exp_x;
        if (sum[6]) begin
            n = {1'b0, sum[6:2], sum[1] | sum[0]};
            e = e + 6'd1;
        end else begin
            lz = clz6(sum[5:0]);
            shl = (lz > e - 6'd1) ? e[2:0] - 3'd1 : lz;
            if (e - 6'd1 < {3'b0, lz}) shl = e[2:0] - 3'd1;
            n = sum << shl;
            e = e - shl;
        end
        guard = n[2];
        sticky = n[1] | n[0];
        inc = guard & (sticky | n[3]);
        code = {e - 6'd1, 2'b00} + {5'b0, n[5:3]} + {7'b0, inc};
    end

    always @* begin
        flags = 5'b0;
        if (x_nan | y_nan) begin
            result = 8'h7e;
            flags[4] = snan;
        end else if (x_inf) begin
            if (y_inf & sub) begin
                result = 8'h7e;
                flags[4] = 1'b1;
            end else
                result = x;
        end else if (sum == 7'd0) begin
            result = {x[7] & y[7], 7'd0};
        end else if (code >= 8'h7c) begin
            result = {x[7], 7'h7c};
            flags = 5'b00101;
        end else begin
            result = {x[7], code[6:0]};
            flags[0] = guard | sticky;
        end
    end
endmodule
