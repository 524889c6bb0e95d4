package io.fulcrum.benchmarks.e2e;

import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_B;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_DW;
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

import java.lang.foreign.Arena;

import io.fulcrum.dataplane.port.afxdp.BpfAssembler;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;

/**
 * The backend, reduced to what a packet-rate benchmark needs: an XDP program on the generator's veth that counts every
 * IPv4 frame carrying IPIP (protocol 4: Fulcrum's encapsulation) or UDP (protocol 17: the kernel's DNAT and the XDP
 * redirect pass the client's datagram on) in a per-CPU counter, and drops it. Everything else (ARP, ICMP) passes to
 * the stack. Counting in XDP costs a few tens of nanoseconds, far below any scenario's per-packet cost, and sees
 * each frame exactly once. Being an XDP program, it also gives fbgen0 the NAPI ring that a veth needs to deliver frames
 * XDP-redirected into its peer (drivers/net/veth.c veth_xdp_xmit).
 */
final class SinkCounter implements AutoCloseable
{
    /** enum bpf_map_type BPF_MAP_TYPE_PERCPU_ARRAY — include/uapi/linux/bpf.h */
    private static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    /* struct xdp_md — include/uapi/linux/bpf.h */
    private static final int XDP_MD_DATA = 0;
    private static final int XDP_MD_DATA_END = 4;
    /** ETH_P_IP as a little-endian load of the network-order EtherType reads it. */
    private static final int ETH_P_IP_LOADED = 0x0008;
    private static final int IPV4_PROTOCOL_OFFSET = 14 + 9;
    private static final int IPPROTO_IPIP = 4;
    private static final int IPPROTO_UDP = 17;

    private final int map;
    private final int program;
    private final int link;

    private SinkCounter(final int map, final int program, final int link)
    {
        this.map = map;
        this.program = program;
        this.link = link;
    }

    /** Loads the program and attaches it (native veth XDP) to {@code ifName} in namespace {@code netns}. */
    static SinkCounter attach(final String netns, final String ifName)
    {
        final int map = Bpf.mapCreate(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, "fb_sink");
        int program = -1;
        try
        {
            final BpfAssembler code = program(map);
            try (Arena arena = Arena.ofConfined())
            {
                program = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, code.assemble(arena), "GPL", "fb_sink", Bpf.BPF_XDP);
            }
            final int loaded = program;
            final int link = Namespaces.runIn(netns,
                () -> Bpf.linkCreateXdp(loaded, Libc.ifNameToIndex(ifName), Bpf.XDP_FLAGS_DRV_MODE));
            return new SinkCounter(map, program, link);
        }
        catch (final Exception e)
        {
            Bpf.close(program);
            Bpf.close(map);
            throw new IllegalStateException("sink counter on " + netns + "/" + ifName + ": " + e.getMessage(), e);
        }
    }

    static BpfAssembler program(final int map)
    {
        return new BpfAssembler()
            .ldx(BPF_W, R2, R1, XDP_MD_DATA)
            .ldx(BPF_W, R3, R1, XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, IPV4_PROTOCOL_OFFSET + 1).jumpReg(BPF_JGT, R4, R3, "pass")
            .ldx(BPF_H, R5, R2, 12).jumpImm(BPF_JNE, R5, ETH_P_IP_LOADED, "pass")
            .ldx(BPF_B, R5, R2, IPV4_PROTOCOL_OFFSET)
            .jumpImm(BPF_JEQ, R5, IPPROTO_IPIP, "count")
            .jumpImm(BPF_JNE, R5, IPPROTO_UDP, "pass")
            .label("count")
            .st(BPF_W, R10, -4, 0)
            .loadMapFd(R1, map).movReg(R2, R10).addImm(R2, -4).call(BpfAssembler.BPF_FUNC_MAP_LOOKUP_ELEM)
            .jumpImm(BPF_JEQ, R0, 0, "drop")
            // a per-CPU slot has one writer at a time (XDP runs with preemption off): no atomic add needed
            .ldx(BPF_DW, R1, R0, 0).addImm(R1, 1).stx(BPF_DW, R0, 0, R1)
            .label("drop")
            .movImm(R0, Bpf.XDP_DROP)
            .exit()
            .label("pass")
            .movImm(R0, Bpf.XDP_PASS)
            .exit();
    }

    /** Frames counted since the program was loaded, summed over the CPUs. */
    long count()
    {
        return Bpf.perCpuSum(map, 0);
    }

    /** Detaches (closes the link) and frees the program and its map. */
    @Override
    public void close()
    {
        Bpf.close(link);
        Bpf.close(program);
        Bpf.close(map);
    }
}
