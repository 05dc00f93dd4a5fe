// Two-stage pipelined E4M3 multiplier (latency 2): the operand register has an asynchronous
// reset, the result register a synchronous one. Test design for fpverify's Verilog reader
// (SystemVerilog: logic, always_ff, always_comb).
module fp8_mul_pipe (
    input  logic       clk,
    input  logic       arst,
    input  logic       srst,
    input  logic [7:0] a,
    input  logic [7:0] b,
    output logic [7:0] result,
    output logic [4:0] flags
);
    logic [7:0] a_q, b_q;
    logic [7:0] res_d;
    logic [4:0] flags_d;

    always_ff @(posedge clk or posedge arst) begin
        if (arst) begin
            a_q <= 8'h00;
            b_q <= 8'h00;
        end else begin
            a_q <= a;
            b_q <= b;
        end
    end

    fp8_mul #(.EW(4), .MW(3), .BIAS(7)) u_mul (.a(a_q), .b(b_q), .result(res_d), .flags(flags_d));

    always_ff @(posedge clk) begin
        if (srst) begin
            result <= '0;
            flags <= '0;
        end else begin
            result <= res_d;
            flags <= flags_d;
        end
    end
endmodule
