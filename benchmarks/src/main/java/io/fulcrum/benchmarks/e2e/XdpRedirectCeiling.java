package io.fulcrum.benchmarks.e2e;

import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_H;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_JGT;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.BPF_W;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R0;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R1;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R2;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R3;
import static io.fulcrum.dataplane.port.afxdp.BpfAssembler.R4;

import java.lang.foreign.Arena;

import io.fulcrum.dataplane.port.afxdp.BpfAssembler;
import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.Libc;
import io.fulcrum.dataplane.sys.Namespaces;

/**
 * The ceiling: the least work a forwarder on this machine can do per packet. An XDP program on the balancer's veth
 * rewrites the Ethernet addresses (destination the sink, source the balancer) and {@code bpf_redirect}s the frame out
 * of an interface by index, here the same one (one arm, like Fulcrum). No parsing, no lookup, no encapsulation, no
 * copy to user space: whatever Fulcrum adds to this is the price of doing the balancer's job in user space.
 */
final class XdpRedirectCeiling implements AutoCloseable
{
    /** enum bpf_func_id BPF_FUNC_redirect — include/uapi/linux/bpf.h: long bpf_redirect(u32 ifindex, u64 flags) */
    private static final int BPF_FUNC_REDIRECT = 23;
    /* struct xdp_md — include/uapi/linux/bpf.h */
    private static final int XDP_MD_DATA = 0;
    private static final int XDP_MD_DATA_END = 4;
    private static final int ETH_HLEN = 14;

    private final int program;
    private final int link;

    private XdpRedirectCeiling(final int program, final int link)
    {
        this.program = program;
        this.link = link;
    }

    /** Attaches to {@code ifName} in {@code netns}, redirecting out of {@code egressIf} toward {@code destinationMac}. */
    static XdpRedirectCeiling attach(final String netns, final String ifName, final String egressIf,
        final String destinationMac, final String sourceMac)
    {
        int program = -1;
        try
        {
            final int egress = Namespaces.runIn(netns, () -> Libc.ifNameToIndex(egressIf));
            final BpfAssembler code = program(egress, mac(destinationMac), mac(sourceMac));
            try (Arena arena = Arena.ofConfined())
            {
                program = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, code.assemble(arena), "GPL", "fb_redirect",
                    Bpf.BPF_XDP);
            }
            final int loaded = program;
            final int link = Namespaces.runIn(netns,
                () -> Bpf.linkCreateXdp(loaded, Libc.ifNameToIndex(ifName), Bpf.XDP_FLAGS_DRV_MODE));
            return new XdpRedirectCeiling(program, link);
        }
        catch (final Exception e)
        {
            Bpf.close(program);
            throw new IllegalStateException("XDP redirect on " + netns + "/" + ifName + ": " + e.getMessage(), e);
        }
    }

    static BpfAssembler program(final int egressIfIndex, final byte[] destination, final byte[] source)
    {
        return new BpfAssembler()
            .ldx(BPF_W, R2, R1, XDP_MD_DATA)
            .ldx(BPF_W, R3, R1, XDP_MD_DATA_END)
            .movReg(R4, R2).addImm(R4, ETH_HLEN).jumpReg(BPF_JGT, R4, R3, "pass")
            .st(BPF_W, R2, 0, littleEndian(destination, 0, 4))
            .st(BPF_H, R2, 4, littleEndian(destination, 4, 2))
            .st(BPF_W, R2, 6, littleEndian(source, 0, 4))
            .st(BPF_H, R2, 10, littleEndian(source, 4, 2))
            .movImm(R1, egressIfIndex)
            .movImm(R2, 0)
            .call(BPF_FUNC_REDIRECT)
            .exit()
            .label("pass")
            .movImm(R0, Bpf.XDP_PASS)
            .exit();
    }

    /** The immediate whose little-endian store writes {@code bytes[from, from + count)} in order. */
    private static int littleEndian(final byte[] bytes, final int from, final int count)
    {
        int value = 0;
        for (int i = count - 1; i >= 0; i--)
        {
            value = (value << 8) | (bytes[from + i] & 0xff);
        }
        return value;
    }

    static byte[] mac(final String text)
    {
        final String[] parts = text.split(":");
        final byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++)
        {
            mac[i] = (byte)Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    @Override
    public void close()
    {
        Bpf.close(link);
        Bpf.close(program);
    }
}
