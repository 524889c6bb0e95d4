package io.fulcrum.controlplane.replay;

import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.fulcrum.dataplane.balance.Service;
import io.fulcrum.dataplane.packet.FrameBuilder;
import io.fulcrum.dataplane.port.pcap.PcapWriter;

/**
 * Client traffic for a configuration, as a capture: what an appliance in front of these services would receive in a
 * short while. Per service, many flows of a few packets each (SYN, data, FIN for TCP); and the traffic an appliance
 * must also cope with: fragments, an ICMP error about a flow, a packet too big to encapsulate, ARP, traffic to a
 * VIP port nobody serves, and malformed frames.
 */
public final class DemoTraffic
{
    private static final int FLOWS_PER_SERVICE = 300;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_ACK = 0x10;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_FIN = 0x01;

    private DemoTraffic()
    {
    }

    /** Writes the capture and returns how many frames it holds. */
    public static int write(final List<Service> services, final Path file) throws IOException
    {
        int frames = 0;
        long nanos = 1_700_000_000_000_000_000L;
        try (PcapWriter out = new PcapWriter(file))
        {
            for (final Service service : services)
            {
                final boolean v6 = !(service.vip() instanceof Inet4Address);
                final String vip = service.vip().getHostAddress();
                for (int flow = 0; flow < FLOWS_PER_SERVICE; flow++)
                {
                    final String client = client(v6, flow);
                    final int port = 20_000 + flow;
                    for (final byte[] frame : flowFrames(service, client, vip, port, v6))
                    {
                        out.write(frame, nanos += 100_000);
                        frames++;
                    }
                }
                for (final byte[] frame : oddities(service, vip, v6))
                {
                    out.write(frame, nanos += 100_000);
                    frames++;
                }
            }
        }
        return frames;
    }

    private static String client(final boolean v6, final int flow)
    {
        return v6 ? "2001:db8:c::" + Integer.toHexString(flow + 1) : "198.51.100." + (flow % 250 + 1);
    }

    private static FrameBuilder.Builder packet(final boolean v6, final String source, final String destination)
    {
        return v6 ? FrameBuilder.ipv6(source, destination) : FrameBuilder.ipv4(source, destination);
    }

    private static List<byte[]> flowFrames(final Service service, final String client, final String vip,
        final int port, final boolean v6)
    {
        if (service.protocol() == Service.UDP)
        {
            return List.of(
                packet(v6, client, vip).udp(port, service.port()).payload(32).build(),
                packet(v6, client, vip).udp(port, service.port()).payload(200).build());
        }
        return List.of(
            packet(v6, client, vip).tcp(port, service.port(), TCP_SYN).build(),
            packet(v6, client, vip).tcp(port, service.port(), TCP_ACK | TCP_PSH).payload(120).build(),
            packet(v6, client, vip).tcp(port, service.port(), TCP_ACK | TCP_FIN).build());
    }

    private static List<byte[]> oddities(final Service service, final String vip, final boolean v6)
    {
        final String client = v6 ? "2001:db8:c::f00" : "198.51.100.254";
        final boolean tcp = service.protocol() == Service.TCP;
        final int otherPort = service.port() == 9 ? 10 : 9;
        // A full-size packet (1500 bytes of IP) with DF: too big once encapsulated, so the client gets an ICMP error.
        final byte[] tooBig = withL4(packet(v6, client, vip).dontFragment(true), tcp, 40_000, service.port())
            .payload(1500 - (v6 ? 40 : 20) - (tcp ? 20 : 8)).build();
        // An ICMP error from a router on the way back to a client, quoting a packet the backend sent from the VIP.
        final byte[] quoted = withL4(packet(v6, vip, client), tcp, service.port(), 40_001).payload(0).buildIp();
        final byte[] icmpError = v6
            ? FrameBuilder.ipv6("2001:db8:ffff::1", vip).icmp(2, 0, 1280).payload(quoted).build()
            : FrameBuilder.ipv4("203.0.113.1", vip).icmp(3, 4, 1400).payload(quoted).build();
        final byte[] first = withL4(packet(v6, client, vip).dontFragment(false).fragment(0, true, 77), tcp,
            40_002, service.port()).payload(tcp ? 60 : 64).build(); // 80 or 72 bytes: a multiple of 8
        final byte[] second = packet(v6, client, vip).dontFragment(false).fragment(tcp ? 80 : 72, false, 77)
            .raw(service.protocol()).payload(40).build();
        final byte[] noService = packet(v6, client, vip).udp(40_003, otherPort).payload(8).build();
        final byte[] arp = FrameBuilder.arp("10.0.0.1", "10.0.0.2");
        final byte[] truncated = Arrays.copyOf(packet(v6, client, vip).tcp(40_004, service.port(), TCP_SYN).build(),
            v6 ? 40 : 26);
        return List.of(tooBig, icmpError, first, second, noService, arp, truncated);
    }

    private static FrameBuilder.Builder withL4(final FrameBuilder.Builder packet, final boolean tcp,
        final int sourcePort, final int destinationPort)
    {
        return tcp ? packet.tcp(sourcePort, destinationPort, TCP_ACK) : packet.udp(sourcePort, destinationPort);
    }
}
