package io.fulcrum.dataplane.decap;

import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_B;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_DW;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_FUNC_MAP_LOOKUP_ELEM;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_FUNC_XDP_ADJUST_HEAD;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_H;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JEQ;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JGT;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JNE;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_W;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R0;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R1;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R10;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R2;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R3;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R4;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R5;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R6;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R7;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R8;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;

import io.fulcrum.dataplane.port.afxdp.BpfAssembler;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.Libc;

/**
 * The backend's half of direct server return, for kernels without the ipip / ip6tnl / sit / fou link types: an XDP
 * program that strips Fulcrum's encapsulation (see {@link io.fulcrum.dataplane.forward.Encapsulator}) so that the
 * kernel's stack receives the client's packet as if it had arrived plain, addressed to the VIP on the backend's
 * loopback and coming from the client. Katran's {@code decap} program does the same.
 *
 * <p>It decapsulates an untagged Ethernet frame carrying
 * <ul>
 * <li>IPv4 with IHL 5, not a fragment, protocol 4 (IPv4 in IPv4, RFC 2003) or 41 (IPv6 in IPv4, RFC 4213), or UDP to
 * the GUE port whose payload starts with an IPv4 or IPv6 version nibble (GUE variant 1,
 * draft-ietf-intarea-gue section 4.1);</li>
 * <li>IPv6 whose next header is 4 or 41 (RFC 2473) or UDP to the GUE port likewise (no extension headers);</li>
 * </ul>
 * and only when the outer destination is in the hash map {@code local4} or {@code local6}, which
 * {@link #addLocalAddress} fills with the backend's own addresses: transit traffic is never touched. It copies the
 * MAC addresses, calls {@code bpf_xdp_adjust_head(ctx, outer length)}, writes the Ethernet header with the inner
 * EtherType at the new start and returns XDP_PASS. Every other frame gets XDP_PASS untouched.
 *
 * <p>Attached through a BPF link: {@link #close()} or the death of the process detaches it. Not thread-safe; address
 * updates are single map writes and may run while traffic flows.
 */
public final class XdpDecapProgram implements AutoCloseable
{
    public static final int MAX_LOCAL_ADDRESSES = 256;

    /** enum bpf_map_type BPF_MAP_TYPE_PERCPU_ARRAY — include/uapi/linux/bpf.h (not in {@link Bpf} yet). */
    private static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;

    /* struct xdp_md — include/uapi/linux/bpf.h */
    private static final int XDP_MD_DATA = 0;
    private static final int XDP_MD_DATA_END = 4;

    /* EtherTypes as a little-endian load of the network-order field reads them (bytes swapped) */
    private static final int ETH_P_IP_LOADED = 0x0008;
    private static final int ETH_P_IPV6_LOADED = 0xDD86;

    private static final int ETH_HLEN = 14;
    private static final int ETH_ADDRESSES = 12;
    private static final int IPV4_HLEN = 20;
    private static final int IPV4_FRAG_OFF = 6;
    private static final int IPV4_PROTOCOL = 9;
    private static final int IPV4_DADDR = 16;
    /** Version 4, IHL 5: the only outer IPv4 header Fulcrum sends. */
    private static final int IPV4_VERSION_IHL_5 = 0x45;
    /** MF and the fragment offset of a little-endian load of frag_off (DF, 0x40 of the first byte, may be set). */
    private static final int IPV4_MF_OFFSET_LOADED = 0xFF3F;
    private static final int IPV6_HLEN = 40;
    private static final int IPV6_NEXTHDR = 6;
    private static final int IPV6_DADDR = 24;
    private static final int UDP_HLEN = 8;
    private static final int UDP_DEST = 2;
    private static final int IPPROTO_IPIP = 4;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPPROTO_UDP = 17;

    /* stack slots below the frame pointer */
    private static final int STACK_KEY4 = -4;
    private static final int STACK_KEY6 = -16;
    private static final int STACK_MACS = -32;
    private static final int STACK_COUNTER_KEY = -36;

    private final int local4;
    private final int local6;
    private final int counters;
    private final int program;
    private final int instructionCount;
    private final int guePort;
    private int link = -1;
    private String interfaceName = "";
    private boolean closed;

    private XdpDecapProgram(final int local4, final int local6, final int counters, final int program,
        final int instructionCount, final int guePort)
    {
        this.local4 = local4;
        this.local6 = local6;
        this.counters = counters;
        this.program = program;
        this.instructionCount = instructionCount;
        this.guePort = guePort;
    }

    /**
     * Creates the maps and loads the program through the verifier, without attaching it. Throws
     * {@link io.fulcrum.dataplane.sys.NativeException} when a bpf(2) call is refused (no privilege, no BPF) and
     * {@link io.fulcrum.dataplane.sys.BpfVerifierException}, with the verifier's log, when the verifier refuses it.
     */
    public static XdpDecapProgram load(final int guePort)
    {
        if (guePort <= 0 || guePort > 65535)
        {
            throw new IllegalArgumentException("GUE port must be 1..65535: " + guePort);
        }
        int local4 = -1;
        int local6 = -1;
        int counters = -1;
        try
        {
            local4 = Bpf.mapCreate(Bpf.BPF_MAP_TYPE_HASH, 4, 4, MAX_LOCAL_ADDRESSES, "local4");
            local6 = Bpf.mapCreate(Bpf.BPF_MAP_TYPE_HASH, 16, 4, MAX_LOCAL_ADDRESSES, "local6");
            counters = Bpf.mapCreate(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, "decap_stats");
            final BpfAssembler code = decapsulation(local4, local6, counters, guePort);
            try (Arena arena = Arena.ofConfined())
            {
                final int program = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, code.assemble(arena), "GPL",
                    "fulcrum_decap", Bpf.BPF_XDP);
                return new XdpDecapProgram(local4, local6, counters, program, code.size(), guePort);
            }
        }
        catch (final RuntimeException e)
        {
            Bpf.close(local4);
            Bpf.close(local6);
            Bpf.close(counters);
            throw e;
        }
    }

    /**
     * Loads the program and attaches it to {@code ifName} in the calling thread's network namespace, in {@code mode}
     * ({@link io.fulcrum.dataplane.port.afxdp.XdpProgram#MODE_AUTO}, {@code MODE_SKB} or {@code MODE_DRIVER}).
     * Nothing is decapsulated until {@link #addLocalAddress} names the interface's own addresses. Throws
     * {@link io.fulcrum.dataplane.sys.NativeException} when the interface does not exist, the driver refuses the mode
     * or another program is attached (EBUSY).
     */
    public static XdpDecapProgram attach(final String ifName, final int mode, final int guePort)
    {
        final XdpDecapProgram loaded = load(guePort);
        try
        {
            loaded.link = Bpf.linkCreateXdp(loaded.program, Libc.ifNameToIndex(ifName), mode);
            loaded.interfaceName = ifName;
            return loaded;
        }
        catch (final RuntimeException e)
        {
            loaded.close();
            throw e;
        }
    }

    /**
     * The program: see the class comment. Registers: r6 = ctx, r7 = bytes to strip (outer IP header, plus UDP for
     * GUE), r8 = the inner EtherType as it is stored; r2 = data, r3 = data_end, r4 and r5 scratch.
     */
    static BpfAssembler decapsulation(final int local4, final int local6, final int counters, final int guePort)
    {
        final int guePortLoaded = Short.reverseBytes((short)guePort) & 0xFFFF;
        final BpfAssembler code = new BpfAssembler()
            .movReg(R6, R1)
            .ldx(BPF_W, R2, R6, XDP_MD_DATA)
            .ldx(BPF_W, R3, R6, XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, ETH_ADDRESSES)
            .jumpImm(BPF_JEQ, R5, ETH_P_IP_LOADED, "outer4")
            .jumpImm(BPF_JEQ, R5, ETH_P_IPV6_LOADED, "outer6")
            .jump("pass");

        code.label("outer4")
            .movReg(R4, R2).addImm(R4, ETH_HLEN + IPV4_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_B, R5, R2, ETH_HLEN).jumpImm(BPF_JNE, R5, IPV4_VERSION_IHL_5, "pass")
            // a fragment would need reassembly first, which is the kernel's job; it gets it untouched
            .ldx(BPF_H, R5, R2, ETH_HLEN + IPV4_FRAG_OFF).andImm(R5, IPV4_MF_OFFSET_LOADED)
            .jumpImm(BPF_JNE, R5, 0, "pass")
            .movImm(R7, IPV4_HLEN)
            .ldx(BPF_B, R5, R2, ETH_HLEN + IPV4_PROTOCOL)
            .jumpImm(BPF_JEQ, R5, IPPROTO_IPIP, "outer4_inner4")
            .jumpImm(BPF_JEQ, R5, IPPROTO_IPV6, "outer4_inner6")
            .jumpImm(BPF_JNE, R5, IPPROTO_UDP, "pass");
        gue(code, ETH_HLEN + IPV4_HLEN, guePortLoaded, "outer4_inner4", "outer4_inner6");
        code.label("outer4_inner4").movImm(R8, ETH_P_IP_LOADED).jump("lookup4")
            .label("outer4_inner6").movImm(R8, ETH_P_IPV6_LOADED)
            .label("lookup4")
            .ldx(BPF_W, R5, R2, ETH_HLEN + IPV4_DADDR)
            .stx(BPF_W, R10, STACK_KEY4, R5)
            .loadMapFd(R1, local4).movReg(R2, R10).addImm(R2, STACK_KEY4).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass")
            .jump("decapsulate");

        code.label("outer6")
            .movReg(R4, R2).addImm(R4, ETH_HLEN + IPV6_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .movImm(R7, IPV6_HLEN)
            .ldx(BPF_B, R5, R2, ETH_HLEN + IPV6_NEXTHDR)
            .jumpImm(BPF_JEQ, R5, IPPROTO_IPIP, "outer6_inner4")
            .jumpImm(BPF_JEQ, R5, IPPROTO_IPV6, "outer6_inner6")
            .jumpImm(BPF_JNE, R5, IPPROTO_UDP, "pass");
        gue(code, ETH_HLEN + IPV6_HLEN, guePortLoaded, "outer6_inner4", "outer6_inner6");
        code.label("outer6_inner4").movImm(R8, ETH_P_IP_LOADED).jump("lookup6")
            .label("outer6_inner6").movImm(R8, ETH_P_IPV6_LOADED)
            .label("lookup6")
            .ldx(BPF_DW, R5, R2, ETH_HLEN + IPV6_DADDR)
            .stx(BPF_DW, R10, STACK_KEY6, R5)
            .ldx(BPF_DW, R5, R2, ETH_HLEN + IPV6_DADDR + 8)
            .stx(BPF_DW, R10, STACK_KEY6 + 8, R5)
            .loadMapFd(R1, local6).movReg(R2, R10).addImm(R2, STACK_KEY6).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass");

        // The helper call clobbered r1-r5 and bpf_xdp_adjust_head invalidates every packet pointer: keep the MAC
        // addresses on the stack, move the start, then re-read data and data_end and check them again.
        code.label("decapsulate")
            .ldx(BPF_W, R2, R6, XDP_MD_DATA)
            .ldx(BPF_W, R3, R6, XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_DW, R4, R2, 0).stx(BPF_DW, R10, STACK_MACS, R4)
            .ldx(BPF_W, R4, R2, 8).stx(BPF_W, R10, STACK_MACS + 8, R4)
            .movReg(R1, R6).movReg(R2, R7).call(BPF_FUNC_XDP_ADJUST_HEAD)
            .jumpImm(BPF_JNE, R0, 0, "pass") // refused: the frame is as it was
            .ldx(BPF_W, R2, R6, XDP_MD_DATA)
            .ldx(BPF_W, R3, R6, XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "drop")
            .ldx(BPF_DW, R4, R10, STACK_MACS).stx(BPF_DW, R2, 0, R4)
            .ldx(BPF_W, R4, R10, STACK_MACS + 8).stx(BPF_W, R2, 8, R4)
            .stx(BPF_H, R2, ETH_ADDRESSES, R8)
            // count it in this CPU's slot of the per-CPU array: no shared cache line
            .st(BPF_W, R10, STACK_COUNTER_KEY, 0)
            .loadMapFd(R1, counters).movReg(R2, R10).addImm(R2, STACK_COUNTER_KEY).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass")
            .ldx(BPF_DW, R1, R0, 0).addImm(R1, 1).stx(BPF_DW, R0, 0, R1)

            .label("pass")
            .movImm(R0, Bpf.XDP_PASS)
            .exit()

            // unreachable unless the kernel shrank the frame below what it held: it is no longer the one that came
            .label("drop")
            .movImm(R0, Bpf.XDP_DROP)
            .exit();
        return code;
    }

    /**
     * UDP at {@code udp} bytes into the frame: GUE when it goes to the GUE port, variant 1 when the payload starts
     * with an IP version nibble (4 or 6, so the GUE version bits are 01). Sets r7 to the outer IP plus UDP length.
     */
    private static void gue(final BpfAssembler code, final int udp, final int guePortLoaded, final String inner4,
        final String inner6)
    {
        code.movReg(R4, R2).addImm(R4, udp + UDP_HLEN + 1).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, udp + UDP_DEST).jumpImm(BPF_JNE, R5, guePortLoaded, "pass")
            .addImm(R7, UDP_HLEN)
            .ldx(BPF_B, R5, R2, udp + UDP_HLEN).rshImm(R5, 4)
            .jumpImm(BPF_JEQ, R5, 4, inner4)
            .jumpImm(BPF_JEQ, R5, 6, inner6)
            .jump("pass");
    }

    /** Decapsulates packets whose outer destination is {@code address} from now on (one of the backend's own). */
    public void addLocalAddress(final InetAddress address)
    {
        try (Arena arena = Arena.ofConfined())
        {
            Bpf.mapUpdateElem(localMap(address), arena.allocateFrom(ValueLayout.JAVA_BYTE, address.getAddress()),
                arena.allocateFrom(ValueLayout.JAVA_INT, 1), Bpf.BPF_ANY);
        }
    }

    /** Stops decapsulating packets to {@code address}; returns false when it was not registered. */
    public boolean removeLocalAddress(final InetAddress address)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return Bpf.mapDeleteElem(localMap(address), arena.allocateFrom(ValueLayout.JAVA_BYTE,
                address.getAddress()));
        }
    }

    /** Whether {@code address} is in the kernel's map (reads the map, not a copy). */
    public boolean decapsulatesFor(final InetAddress address)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return Bpf.mapLookupElem(localMap(address), arena.allocateFrom(ValueLayout.JAVA_BYTE,
                address.getAddress()), arena.allocate(ValueLayout.JAVA_INT));
        }
    }

    /** Packets decapsulated since the program was loaded, summed over the CPUs' counters. */
    public long decapsulated()
    {
        return Bpf.perCpuSum(counters, 0);
    }

    private int localMap(final InetAddress address)
    {
        return address.getAddress().length == 4 ? local4 : local6;
    }

    public int guePort()
    {
        return guePort;
    }

    /** The interface it is attached to, or "" when only loaded. */
    public String interfaceName()
    {
        return interfaceName;
    }

    /** Instructions in the program the verifier accepted. */
    public int instructionCount()
    {
        return instructionCount;
    }

    public boolean attached()
    {
        return link >= 0;
    }

    /** Detaches (closes the link), then frees the program and its maps. Idempotent. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        Bpf.close(link);
        link = -1;
        Bpf.close(program);
        Bpf.close(counters);
        Bpf.close(local6);
        Bpf.close(local4);
    }
}
