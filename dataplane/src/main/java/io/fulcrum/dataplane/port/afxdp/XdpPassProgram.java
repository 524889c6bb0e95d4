package io.fulcrum.dataplane.port.afxdp;

import io.fulcrum.dataplane.sys.Bpf;

/**
 * An XDP program that passes every frame, attached through a BPF link. It exists for veth: a veth delivers frames
 * that were XDP-redirected into it only when its peer runs an XDP program (the peer's NAPI ring is set up then,
 * drivers/net/veth.c veth_xdp_xmit), so the far end of a veth carrying AF_XDP traffic gets this one.
 */
public final class XdpPassProgram extends LoadedXdpProgram
{
    private XdpPassProgram()
    {
        super("fulcrum_pass", new BpfAssembler().movImm(BpfAssembler.R0, Bpf.XDP_PASS).exit());
    }

    /** Attaches to {@code ifName} in the calling thread's network namespace; close() detaches. */
    public static XdpPassProgram attach(final String ifName, final int mode)
    {
        final XdpPassProgram program = new XdpPassProgram();
        program.attachTo(ifName, mode);
        return program;
    }
}
