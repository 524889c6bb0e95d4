package io.fulcrum.controlplane.health;

import io.fulcrum.dataplane.forward.Encapsulator;
import io.fulcrum.dataplane.packet.Checksums;
import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.ParseResult;
import io.fulcrum.dataplane.packet.Tcp;
import io.fulcrum.dataplane.packet.Udp;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * The packets of a check through a tunnel. The inner packet is what a client would send (from this appliance's
 * address to the VIP); the data plane's own {@link Encapsulator} puts the outer headers in front of it, so the backend
 * sees exactly what it sees of client traffic. The result starts at the outer IP header, for a raw socket that sends
 * it as it is (IPPROTO_RAW). Replies come back plain and are read with the data plane's {@link PacketParser}.
 *
 * <p>Not the forwarding path: it allocates per packet, a few packets per check.
 */
final class TunnelPackets
{
    /** Room for the outer Ethernet, IPv6 and UDP headers the encapsulator writes in front of the inner packet. */
    private static final int HEADROOM = 128;
    /** A window a small client would offer; only the handshake uses it. */
    private static final int WINDOW = 64240;
    private static final int TTL = 64;
    private static final long NO_MAC = 0;

    private TunnelPackets()
    {
    }

    /** A TCP segment without options or payload from {@code source} to the VIP, encapsulated towards {@code backend}. */
    static byte[] tcp(final Tunnel tunnel, final InetAddress backend, final InetAddress source, final int sourcePort,
        final int port, final int sequence, final int acknowledgement, final int flags)
    {
        final Inner inner = new Inner(source, tunnel.vip(), Ipv4.PROTOCOL_TCP, Tcp.MIN_HEADER_LENGTH);
        Tcp.write(inner.memory, inner.l4, sourcePort, port, sequence, acknowledgement, flags, WINDOW);
        return inner.encapsulate(tunnel, backend, Tcp.CHECKSUM, sourcePort ^ port);
    }

    /** A UDP datagram from {@code source} to the VIP, encapsulated towards {@code backend}. */
    static byte[] udp(final Tunnel tunnel, final InetAddress backend, final InetAddress source, final int sourcePort,
        final int port, final byte[] payload)
    {
        final Inner inner = new Inner(source, tunnel.vip(), Ipv4.PROTOCOL_UDP, Udp.HEADER_LENGTH + payload.length);
        Udp.write(inner.memory, inner.l4, sourcePort, port, Udp.HEADER_LENGTH + payload.length);
        MemorySegment.copy(MemorySegment.ofArray(payload), 0, inner.memory, inner.l4 + Udp.HEADER_LENGTH, payload.length);
        return inner.encapsulate(tunnel, backend, Udp.CHECKSUM, sourcePort ^ port);
    }

    /**
     * A captured IP packet (from its IP header: an AF_PACKET datagram socket's view) read as a reply, or null when it
     * is no unfragmented TCP or UDP packet.
     */
    static Reply read(final PacketParser parser, final byte[] packet, final int length)
    {
        final MemorySegment frame = MemorySegment.ofArray(new byte[Ethernet.HEADER_LENGTH + length]);
        final int version = length > 0 ? (packet[0] & 0xff) >>> 4 : 0;
        Ethernet.write(frame, 0, NO_MAC, NO_MAC, -1, version == 6 ? Ethernet.TYPE_IPV6 : Ethernet.TYPE_IPV4);
        MemorySegment.copy(MemorySegment.ofArray(packet), 0, frame, Ethernet.HEADER_LENGTH, length);
        if (parser.parse(frame, 0, Ethernet.HEADER_LENGTH + length) != ParseResult.IP || parser.isFragment()
            || (parser.protocol() != Ipv4.PROTOCOL_TCP && parser.protocol() != Ipv4.PROTOCOL_UDP))
        {
            return null;
        }
        final long l4 = parser.l4Offset();
        final boolean tcp = parser.protocol() == Ipv4.PROTOCOL_TCP;
        final long payload = l4 + (tcp ? Tcp.headerLength(frame, l4) : Udp.HEADER_LENGTH);
        final long end = parser.l3Offset() + parser.ipPacketLength();
        final byte[] data = payload < end ?
            Arrays.copyOfRange(packet, (int)payload - Ethernet.HEADER_LENGTH, (int)end - Ethernet.HEADER_LENGTH) :
            new byte[0];
        return new Reply(parser.protocol(), IpAddresses.toInetAddress(parser.srcHi(), parser.srcLo()), parser.srcPort(),
            IpAddresses.toInetAddress(parser.dstHi(), parser.dstLo()), parser.dstPort(), parser.tcpFlags(),
            tcp ? Tcp.sequence(frame, l4) : 0, tcp ? Tcp.acknowledgement(frame, l4) : 0, data);
    }

    /**
     * A TCP or UDP packet that came back.
     *
     * @param flags           TCP flags; 0 for UDP
     * @param sequence        TCP sequence number, a 32-bit pattern
     * @param acknowledgement TCP acknowledgement number
     * @param payload         UDP payload (TCP: what follows the header)
     */
    record Reply(int protocol, InetAddress source, int sourcePort, InetAddress destination, int destinationPort,
        int flags, int sequence, int acknowledgement, byte[] payload)
    {
    }

    /** An inner packet being built in a frame with headroom, its upper-layer header still to be written. */
    private static final class Inner
    {
        final MemorySegment memory;
        final long ip = HEADROOM + Ethernet.HEADER_LENGTH;
        final long l4;
        final int protocol;
        final int l4Length;
        final int ipLength;
        final long pseudoSum;

        Inner(final InetAddress source, final InetAddress destination, final int protocol, final int l4Length)
        {
            final boolean v4 = destination instanceof Inet4Address;
            if (v4 != source instanceof Inet4Address)
            {
                throw new IllegalArgumentException("the source " + source + " is not of the VIP's family");
            }
            this.protocol = protocol;
            this.l4Length = l4Length;
            this.ipLength = (v4 ? Ipv4.MIN_HEADER_LENGTH : Ipv6.HEADER_LENGTH) + l4Length;
            this.memory = MemorySegment.ofArray(new byte[(int)ip + ipLength]);
            this.l4 = ip + ipLength - l4Length;
            Ethernet.write(memory, HEADROOM, NO_MAC, NO_MAC, -1, v4 ? Ethernet.TYPE_IPV4 : Ethernet.TYPE_IPV6);
            final long sourceHi = IpAddresses.hi(source);
            final long sourceLo = IpAddresses.lo(source);
            final long destinationHi = IpAddresses.hi(destination);
            final long destinationLo = IpAddresses.lo(destination);
            if (v4)
            {
                // DF set, identification 0: an atomic datagram (RFC 6864), as clients' stacks send SYNs.
                Ipv4.write(memory, ip, 0, ipLength, 0, Ipv4.FLAG_DONT_FRAGMENT, TTL, protocol,
                    IpAddresses.v4(sourceLo), IpAddresses.v4(destinationLo));
                pseudoSum = Checksums.ipv4PseudoHeaderSum(IpAddresses.v4(sourceLo), IpAddresses.v4(destinationLo),
                    protocol, l4Length);
            }
            else
            {
                Ipv6.write(memory, ip, 0, 0, l4Length, protocol, TTL, sourceHi, sourceLo, destinationHi, destinationLo);
                pseudoSum = Checksums.ipv6PseudoHeaderSum(sourceHi, sourceLo, destinationHi, destinationLo, protocol,
                    l4Length);
            }
        }

        /** Fills the upper layer's checksum, encapsulates and returns the packet from the outer IP header on. */
        byte[] encapsulate(final Tunnel tunnel, final InetAddress backend, final int checksumField, final int flowHash)
        {
            int checksum = Checksums.fold(pseudoSum + Checksums.sum(memory, l4, l4Length));
            if (checksum == 0 && protocol == Ipv4.PROTOCOL_UDP)
            {
                checksum = 0xffff; // RFC 768: a computed zero is sent as all ones
            }
            NetworkBytes.setU16(memory, l4 + checksumField, checksum);
            final PacketParser parser = new PacketParser();
            if (parser.parse(memory, HEADROOM, Ethernet.HEADER_LENGTH + ipLength) != ParseResult.IP)
            {
                throw new IllegalStateException("the inner packet does not parse"); // a bug here, not the network's
            }
            final Encapsulator encapsulator = new Encapsulator(tunnel.outer());
            final long frame = encapsulator.encapsulate(memory, 0, parser, tunnel.encapsulation(),
                IpAddresses.hi(backend), IpAddresses.lo(backend), NO_MAC, NO_MAC, flowHash);
            if (frame < 0)
            {
                throw new IllegalStateException("no room for the outer headers");
            }
            final long outer = frame + Ethernet.HEADER_LENGTH;
            return memory.asSlice(outer, encapsulator.lastLength() - Ethernet.HEADER_LENGTH)
                .toArray(ValueLayout.JAVA_BYTE);
        }
    }
}
