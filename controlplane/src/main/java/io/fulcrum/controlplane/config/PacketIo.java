package io.fulcrum.controlplane.config;

/** How the data plane exchanges frames with the kernel ({@code dataplane.packet-io}). */
public enum PacketIo
{
    /** AF_XDP when the interface and kernel support it, else AF_PACKET. */
    AUTO("auto"),
    /** AF_XDP sockets (kernel Documentation/networking/af_xdp.rst): zero-copy where the driver allows. */
    AF_XDP("af_xdp"),
    /** AF_PACKET with TPACKET_V3 rings: works on any interface, copies every frame. */
    AF_PACKET("af_packet");

    private final String yamlName;

    PacketIo(final String yamlName)
    {
        this.yamlName = yamlName;
    }

    public String yamlName()
    {
        return yamlName;
    }
}
