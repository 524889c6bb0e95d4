package io.fulcrum.dataplane.port.afxdp;

import java.lang.foreign.Arena;

import io.fulcrum.dataplane.sys.Bpf;
import io.fulcrum.dataplane.sys.Libc;

/**
 * An XDP program that passes every frame, attached through a BPF link. It exists for veth: a veth delivers frames
 * that were XDP-redirected into it only when its peer runs an XDP program (the peer's NAPI ring is set up then,
 * drivers/net/veth.c veth_xdp_xmit), so the far end of a veth carrying AF_XDP traffic gets this one.
 */
public final class XdpPassProgram implements AutoCloseable
{
    private int program;
    private int link;

    private XdpPassProgram(final int program, final int link)
    {
        this.program = program;
        this.link = link;
    }

    /** Attaches to {@code ifName} in the calling thread's network namespace; close() detaches. */
    public static XdpPassProgram attach(final String ifName, final int mode)
    {
        final BpfAssembler code = new BpfAssembler().movImm(BpfAssembler.R0, Bpf.XDP_PASS).exit();
        final int program;
        try (Arena arena = Arena.ofConfined())
        {
            program = Bpf.progLoad(Bpf.BPF_PROG_TYPE_XDP, code.assemble(arena), "GPL", "fulcrum_pass", Bpf.BPF_XDP);
        }
        try
        {
            return new XdpPassProgram(program, Bpf.linkCreateXdp(program, Libc.ifNameToIndex(ifName), mode));
        }
        catch (final RuntimeException e)
        {
            Bpf.close(program);
            throw e;
        }
    }

    @Override
    public void close()
    {
        Bpf.close(link);
        Bpf.close(program);
        link = -1;
        program = -1;
    }
}
