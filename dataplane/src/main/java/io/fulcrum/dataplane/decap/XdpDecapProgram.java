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

import java.net.InetAddress;

import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.packet.Udp;
import io.fulcrum.dataplane.port.afxdp.BpfAssembler;
import io.fulcrum.dataplane.port.afxdp.LoadedXdpProgram;
import io.fulcrum.dataplane.sys.Bpf;

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
 * <p>Attached through a BPF link ({@link LoadedXdpProgram}): {@link #close()} or the death of the process detaches it.
 * Not thread-safe; address updates are single map writes and may run while traffic flows.
 */
public final class XdpDecapProgram extends LoadedXdpProgram
{
    public static final int MAX_LOCAL_ADDRESSES = 256;

    private static final int ETH_HLEN = Ethernet.HEADER_LENGTH;
    /** The two MAC addresses in front of the EtherType. */
    private static final int ETH_ADDRESSES = Ethernet.ETHER_TYPE;
    private static final int IPV4_HLEN = Ipv4.MIN_HEADER_LENGTH;
    /** Version 4, IHL 5: the only outer IPv4 header Fulcrum sends. */
    private static final int IPV4_VERSION_IHL_5 = 0x45;
    /** MF and the fragment offset as a BPF_H load of frag_off reads them (DF may be set). */
    private static final int IPV4_MF_OFFSET_LOADED =
        loaded16(Ipv4.FLAG_MORE_FRAGMENTS | Ipv4.FRAGMENT_OFFSET_MASK);
    private static final int IPV6_HLEN = Ipv6.HEADER_LENGTH;

    /* stack slots below the frame pointer */
    private static final int STACK_KEY4 = -4;
    private static final int STACK_KEY6 = -16;
    private static final int STACK_MACS = -32;
    private static final int STACK_COUNTER_KEY = -36;

    private final int local4;
    private final int local6;
    private final int counters;
    private final int guePort;

    private XdpDecapProgram(final int[] maps, final int guePort)
    {
        super("fulcrum_decap", decapsulation(maps[0], maps[1], maps[2], guePort), maps);
        this.local4 = maps[0];
        this.local6 = maps[1];
        this.counters = maps[2];
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
        return new XdpDecapProgram(createMaps(
            new MapDefinition(Bpf.BPF_MAP_TYPE_HASH, 4, 4, MAX_LOCAL_ADDRESSES, "local4"),
            new MapDefinition(Bpf.BPF_MAP_TYPE_HASH, 16, 4, MAX_LOCAL_ADDRESSES, "local6"),
            new MapDefinition(Bpf.BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, "decap_stats")), guePort);
    }

    /**
     * Loads the program and attaches it to {@code ifName} in the calling thread's network namespace, in {@code mode}
     * ({@link #MODE_AUTO}, {@link #MODE_SKB} or {@link #MODE_DRIVER}).
     * Nothing is decapsulated until {@link #addLocalAddress} names the interface's own addresses. Throws
     * {@link io.fulcrum.dataplane.sys.NativeException} when the interface does not exist, the driver refuses the mode
     * or another program is attached (EBUSY).
     */
    public static XdpDecapProgram attach(final String ifName, final int mode, final int guePort)
    {
        final XdpDecapProgram loaded = load(guePort);
        loaded.attachTo(ifName, mode);
        return loaded;
    }

    /**
     * The program: see the class comment. Registers: r6 = ctx, r7 = bytes to strip (outer IP header, plus UDP for
     * GUE), r8 = the inner EtherType as it is stored; r2 = data, r3 = data_end, r4 and r5 scratch.
     */
    static BpfAssembler decapsulation(final int local4, final int local6, final int counters, final int guePort)
    {
        final int guePortLoaded = loaded16(guePort);
        final BpfAssembler code = new BpfAssembler()
            .movReg(R6, R1)
            .ldx(BPF_W, R2, R6, Bpf.XDP_MD_DATA)
            .ldx(BPF_W, R3, R6, Bpf.XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, ETH_ADDRESSES)
            .jumpImm(BPF_JEQ, R5, ETH_P_IP_LOADED, "outer4")
            .jumpImm(BPF_JEQ, R5, ETH_P_IPV6_LOADED, "outer6")
            .jump("pass");

        code.label("outer4")
            .movReg(R4, R2).addImm(R4, ETH_HLEN + IPV4_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_B, R5, R2, ETH_HLEN).jumpImm(BPF_JNE, R5, IPV4_VERSION_IHL_5, "pass")
            // a fragment would need reassembly first, which is the kernel's job; it gets it untouched
            .ldx(BPF_H, R5, R2, ETH_HLEN + Ipv4.FLAGS_FRAGMENT_OFFSET).andImm(R5, IPV4_MF_OFFSET_LOADED)
            .jumpImm(BPF_JNE, R5, 0, "pass")
            .movImm(R7, IPV4_HLEN)
            .ldx(BPF_B, R5, R2, ETH_HLEN + Ipv4.PROTOCOL)
            .jumpImm(BPF_JEQ, R5, Ipv4.PROTOCOL_IPIP, "outer4_inner4")
            .jumpImm(BPF_JEQ, R5, Ipv4.PROTOCOL_IPV6, "outer4_inner6")
            .jumpImm(BPF_JNE, R5, Ipv4.PROTOCOL_UDP, "pass");
        gue(code, ETH_HLEN + IPV4_HLEN, guePortLoaded, "outer4_inner4", "outer4_inner6");
        code.label("outer4_inner4").movImm(R8, ETH_P_IP_LOADED).jump("lookup4")
            .label("outer4_inner6").movImm(R8, ETH_P_IPV6_LOADED)
            .label("lookup4")
            .ldx(BPF_W, R5, R2, ETH_HLEN + Ipv4.DESTINATION)
            .stx(BPF_W, R10, STACK_KEY4, R5)
            .loadMapFd(R1, local4).movReg(R2, R10).addImm(R2, STACK_KEY4).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass")
            .jump("decapsulate");

        code.label("outer6")
            .movReg(R4, R2).addImm(R4, ETH_HLEN + IPV6_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .movImm(R7, IPV6_HLEN)
            .ldx(BPF_B, R5, R2, ETH_HLEN + Ipv6.NEXT_HEADER)
            .jumpImm(BPF_JEQ, R5, Ipv4.PROTOCOL_IPIP, "outer6_inner4")
            .jumpImm(BPF_JEQ, R5, Ipv4.PROTOCOL_IPV6, "outer6_inner6")
            .jumpImm(BPF_JNE, R5, Ipv4.PROTOCOL_UDP, "pass");
        gue(code, ETH_HLEN + IPV6_HLEN, guePortLoaded, "outer6_inner4", "outer6_inner6");
        code.label("outer6_inner4").movImm(R8, ETH_P_IP_LOADED).jump("lookup6")
            .label("outer6_inner6").movImm(R8, ETH_P_IPV6_LOADED)
            .label("lookup6")
            .ldx(BPF_DW, R5, R2, ETH_HLEN + Ipv6.DESTINATION)
            .stx(BPF_DW, R10, STACK_KEY6, R5)
            .ldx(BPF_DW, R5, R2, ETH_HLEN + Ipv6.DESTINATION + 8)
            .stx(BPF_DW, R10, STACK_KEY6 + 8, R5)
            .loadMapFd(R1, local6).movReg(R2, R10).addImm(R2, STACK_KEY6).call(BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "pass");

        // The helper call clobbered r1-r5 and bpf_xdp_adjust_head invalidates every packet pointer: keep the MAC
        // addresses on the stack, move the start, then re-read data and data_end and check them again.
        code.label("decapsulate")
            .ldx(BPF_W, R2, R6, Bpf.XDP_MD_DATA)
            .ldx(BPF_W, R3, R6, Bpf.XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_DW, R4, R2, 0).stx(BPF_DW, R10, STACK_MACS, R4)
            .ldx(BPF_W, R4, R2, 8).stx(BPF_W, R10, STACK_MACS + 8, R4)
            .movReg(R1, R6).movReg(R2, R7).call(BPF_FUNC_XDP_ADJUST_HEAD)
            .jumpImm(BPF_JNE, R0, 0, "pass") // refused: the frame is as it was
            .ldx(BPF_W, R2, R6, Bpf.XDP_MD_DATA)
            .ldx(BPF_W, R3, R6, Bpf.XDP_MD_DATA_END)
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
        code.movReg(R4, R2).addImm(R4, udp + Udp.HEADER_LENGTH + 1).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, udp + Udp.DESTINATION_PORT).jumpImm(BPF_JNE, R5, guePortLoaded, "pass")
            .addImm(R7, Udp.HEADER_LENGTH)
            .ldx(BPF_B, R5, R2, udp + Udp.HEADER_LENGTH).rshImm(R5, 4)
            .jumpImm(BPF_JEQ, R5, 4, inner4)
            .jumpImm(BPF_JEQ, R5, 6, inner6)
            .jump("pass");
    }

    /** Decapsulates packets whose outer destination is {@code address} from now on (one of the backend's own). */
    public void addLocalAddress(final InetAddress address)
    {
        put(localMap(address), address.getAddress());
    }

    /** Stops decapsulating packets to {@code address}; returns false when it was not registered. */
    public boolean removeLocalAddress(final InetAddress address)
    {
        return remove(localMap(address), address.getAddress());
    }

    /** Whether {@code address} is in the kernel's map (reads the map, not a copy). */
    public boolean decapsulatesFor(final InetAddress address)
    {
        return contains(localMap(address), address.getAddress());
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
}
