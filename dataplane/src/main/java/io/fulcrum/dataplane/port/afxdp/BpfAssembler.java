package io.fulcrum.dataplane.port.afxdp;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny assembler for eBPF instructions (include/uapi/linux/bpf.h, Documentation/bpf/standardization/
 * instruction-set.rst): each instruction is 8 bytes {u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm}, and a
 * 64-bit immediate load takes two. Jumps go to named labels, resolved when the program is {@link #assemble}d.
 */
public final class BpfAssembler
{
    public static final int R0 = 0;
    public static final int R1 = 1;
    public static final int R2 = 2;
    public static final int R3 = 3;
    public static final int R4 = 4;
    public static final int R5 = 5;
    public static final int R6 = 6;
    public static final int R7 = 7;
    public static final int R8 = 8;
    public static final int R9 = 9;
    /** The read-only frame pointer: the stack is the 512 bytes below it. */
    public static final int R10 = 10;

    /* instruction classes */
    private static final int BPF_LD = 0x00;
    private static final int BPF_LDX = 0x01;
    private static final int BPF_ST = 0x02;
    private static final int BPF_STX = 0x03;
    private static final int BPF_JMP = 0x05;
    private static final int BPF_ALU64 = 0x07;
    /* sizes */
    public static final int BPF_W = 0x00;
    public static final int BPF_H = 0x08;
    public static final int BPF_B = 0x10;
    public static final int BPF_DW = 0x18;
    /* modes */
    private static final int BPF_IMM = 0x00;
    private static final int BPF_MEM = 0x60;
    /* sources */
    private static final int BPF_K = 0x00;
    private static final int BPF_X = 0x08;
    /* ALU operations */
    private static final int BPF_ADD = 0x00;
    private static final int BPF_AND = 0x50;
    private static final int BPF_LSH = 0x60;
    private static final int BPF_RSH = 0x70;
    private static final int BPF_MOV = 0xb0;
    /* jump operations */
    public static final int BPF_JA = 0x00;
    public static final int BPF_JEQ = 0x10;
    public static final int BPF_JGT = 0x20;
    public static final int BPF_JGE = 0x30;
    public static final int BPF_JNE = 0x50;
    public static final int BPF_JLT = 0xa0;
    private static final int BPF_CALL = 0x80;
    private static final int BPF_EXIT = 0x90;
    /** src_reg of a 64-bit immediate load whose imm is a map fd. */
    private static final int BPF_PSEUDO_MAP_FD = 1;

    /* helper function ids — enum bpf_func_id */
    public static final int BPF_FUNC_MAP_LOOKUP_ELEM = 1;
    public static final int BPF_FUNC_XDP_ADJUST_HEAD = 44;
    public static final int BPF_FUNC_REDIRECT_MAP = 51;

    private final List<long[]> instructions = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<Integer, String> jumps = new HashMap<>();

    /** dst = imm (64-bit move of a sign-extended 32-bit immediate). */
    public BpfAssembler movImm(final int dst, final int imm)
    {
        return emit(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
    }

    /** dst = src */
    public BpfAssembler movReg(final int dst, final int src)
    {
        return emit(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
    }

    /** dst += imm */
    public BpfAssembler addImm(final int dst, final int imm)
    {
        return emit(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
    }

    /** dst += src */
    public BpfAssembler addReg(final int dst, final int src)
    {
        return emit(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0);
    }

    /** dst &= imm (the immediate is sign-extended to 64 bits) */
    public BpfAssembler andImm(final int dst, final int imm)
    {
        return emit(BPF_ALU64 | BPF_AND | BPF_K, dst, 0, 0, imm);
    }

    /** dst <<= imm */
    public BpfAssembler lshImm(final int dst, final int imm)
    {
        return emit(BPF_ALU64 | BPF_LSH | BPF_K, dst, 0, 0, imm);
    }

    /** dst >>= imm (logical) */
    public BpfAssembler rshImm(final int dst, final int imm)
    {
        return emit(BPF_ALU64 | BPF_RSH | BPF_K, dst, 0, 0, imm);
    }

    /** dst = *(size *)(src + off) */
    public BpfAssembler ldx(final int size, final int dst, final int src, final int off)
    {
        return emit(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
    }

    /** *(size *)(dst + off) = src */
    public BpfAssembler stx(final int size, final int dst, final int off, final int src)
    {
        return emit(BPF_STX | BPF_MEM | size, dst, src, off, 0);
    }

    /** *(size *)(dst + off) = imm */
    public BpfAssembler st(final int size, final int dst, final int off, final int imm)
    {
        return emit(BPF_ST | BPF_MEM | size, dst, 0, off, imm);
    }

    /** dst = the map whose fd is given (a 64-bit immediate load the kernel rewrites to the map's address). */
    public BpfAssembler loadMapFd(final int dst, final int mapFd)
    {
        emit(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, mapFd);
        return emit(0, 0, 0, 0, 0);
    }

    /** if (dst OP imm) goto label — OP one of BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JGE, BPF_JLT (unsigned). */
    public BpfAssembler jumpImm(final int op, final int dst, final int imm, final String label)
    {
        jumps.put(instructions.size(), label);
        return emit(BPF_JMP | op | BPF_K, dst, 0, 0, imm);
    }

    /** if (dst OP src) goto label */
    public BpfAssembler jumpReg(final int op, final int dst, final int src, final String label)
    {
        jumps.put(instructions.size(), label);
        return emit(BPF_JMP | op | BPF_X, dst, src, 0, 0);
    }

    /** goto label */
    public BpfAssembler jump(final String label)
    {
        jumps.put(instructions.size(), label);
        return emit(BPF_JMP | BPF_JA, 0, 0, 0, 0);
    }

    /** r0 = helper(r1, ..., r5) */
    public BpfAssembler call(final int helper)
    {
        return emit(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
    }

    public BpfAssembler exit()
    {
        return emit(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }

    /** Marks the next instruction as the target {@code name}. */
    public BpfAssembler label(final String name)
    {
        if (labels.putIfAbsent(name, instructions.size()) != null)
        {
            throw new IllegalArgumentException("label defined twice: " + name);
        }
        return this;
    }

    public int size()
    {
        return instructions.size();
    }

    /** The program as the kernel reads it, allocated in {@code arena}. */
    public MemorySegment assemble(final Arena arena)
    {
        final MemorySegment code = arena.allocate(8L * instructions.size(), 8);
        for (int i = 0; i < instructions.size(); i++)
        {
            final long[] insn = instructions.get(i);
            int off = (int)insn[3];
            final String target = jumps.get(i);
            if (target != null)
            {
                final Integer at = labels.get(target);
                if (at == null)
                {
                    throw new IllegalStateException("undefined label: " + target);
                }
                off = at - i - 1; // relative to the next instruction
            }
            final long base = 8L * i;
            code.set(ValueLayout.JAVA_BYTE, base, (byte)insn[0]);
            code.set(ValueLayout.JAVA_BYTE, base + 1, (byte)((insn[2] << 4) | insn[1]));
            code.set(ValueLayout.JAVA_SHORT, base + 2, (short)off);
            code.set(ValueLayout.JAVA_INT, base + 4, (int)insn[4]);
        }
        return code;
    }

    private BpfAssembler emit(final int code, final int dst, final int src, final int off, final int imm)
    {
        instructions.add(new long[] {code, dst, src, off, imm});
        return this;
    }
}
