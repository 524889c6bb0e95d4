package io.fulcrum.dataplane.forward;

import io.fulcrum.dataplane.balance.Encapsulation;
import io.fulcrum.dataplane.packet.Checksums;
import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.packet.PacketParser;
import io.fulcrum.dataplane.packet.Udp;

import java.lang.foreign.MemorySegment;

/**
 * Rewrites a parsed frame in place for direct server return: the client's IP packet is kept where it is, its
 * Ethernet header is dropped, and a new Ethernet header plus an outer IP header (and a UDP header for GUE) are written
 * into the headroom in front of it. The backend decapsulates and answers the client directly.
 *
 * <p>IPIP is IPv4-in-IPv4 (protocol 4, RFC 2003) or IPv6-in-IPv6 (next header 41, RFC 2473), with the outer family
 * chosen by the backend's address; the mixed cases use protocol 41 in IPv4 and next header 4 in IPv6. GUE is variant 1
 * (draft-ietf-intarea-gue section 4.1 and Linux {@code fou ... gue}): the inner IP packet right after the UDP header,
 * whose first two bits (01) tell GUE variant 1 apart.
 *
 * <p>One instance per worker: it keeps the last frame length and a counter for IPv4 identifications.
 */
public final class Encapsulator
{
    public static final int OUTER_TTL = 64;

    private final int ipv4Prefix;
    private final int ipv4HostMask;
    private final long ipv6PrefixHi;
    private final long ipv6PrefixLo;
    private final long ipv6HostMaskHi;
    private final long ipv6HostMaskLo;
    private final int guePort;
    private int lastLength;
    private int identification;

    public Encapsulator(final EncapsulationSettings settings)
    {
        final int v4Length = settings.ipv4SourcePrefixLength();
        ipv4HostMask = v4Length == 0 ? -1 : (int)(0xffff_ffffL >>> v4Length);
        ipv4Prefix = settings.ipv4SourcePrefix() & ~ipv4HostMask;
        final int v6Length = settings.ipv6SourcePrefixLength();
        ipv6HostMaskHi = v6Length >= 64 ? 0 : v6Length == 0 ? -1L : -1L >>> v6Length;
        ipv6HostMaskLo = v6Length <= 64 ? -1L : v6Length == 128 ? 0 : -1L >>> (v6Length - 64);
        ipv6PrefixHi = settings.ipv6SourcePrefixHi() & ~ipv6HostMaskHi;
        ipv6PrefixLo = settings.ipv6SourcePrefixLo() & ~ipv6HostMaskLo;
        guePort = settings.gueDestinationPort();
    }

    /**
     * Bytes added in front of the inner IP packet towards a backend at {@code backendHi/backendLo}: the outer IP
     * header, and a UDP header for GUE (the Ethernet header is replaced, not added).
     */
    public static int overhead(final Encapsulation encapsulation, final long backendHi, final long backendLo)
    {
        return overhead(encapsulation, !IpAddresses.isV4(backendHi, backendLo));
    }

    /** Bytes added in front of the inner IP packet when the outer header is IPv6 ({@code outerV6}) or IPv4. */
    public static int overhead(final Encapsulation encapsulation, final boolean outerV6)
    {
        return (outerV6 ? Ipv6.HEADER_LENGTH : Ipv4.MIN_HEADER_LENGTH)
            + (encapsulation == Encapsulation.GUE ? Udp.HEADER_LENGTH : 0);
    }

    /**
     * Encapsulates the frame {@code parsed} describes (it must have parsed as {@code ParseResult.IP} from
     * {@code memory}) towards the backend {@code backendHi/backendLo}. Returns the new frame offset, with the length in
     * {@link #lastLength()}, or -1 without touching memory when the headroom above {@code slotStart} is too small or
     * the outer IPv4 packet would pass 65535 bytes.
     */
    public long encapsulate(
        final MemorySegment memory,
        final long slotStart,
        final PacketParser parsed,
        final Encapsulation encapsulation,
        final long backendHi,
        final long backendLo,
        final long dstMac,
        final long srcMac,
        final int flowHash)
    {
        final boolean outerV6 = !IpAddresses.isV4(backendHi, backendLo);
        final boolean gue = encapsulation == Encapsulation.GUE;
        final int innerLength = parsed.ipPacketLength();
        final long inner = parsed.frameOffset() + parsed.l3Offset();
        final int vlanTci = parsed.vlanTci();
        final int ethernetLength = Ethernet.headerLength(vlanTci);
        final int overhead = overhead(encapsulation, outerV6);
        final int udpLength = gue ? Udp.HEADER_LENGTH : 0;
        final long frame = inner - overhead - ethernetLength;
        final int outerLength = overhead + innerLength;
        if (frame < slotStart || (!outerV6 && outerLength > Ipv4.MAX_PACKET_LENGTH)
            || (outerV6 && outerLength - Ipv6.HEADER_LENGTH > 0xffff))
        {
            return -1;
        }

        final int innerProtocol = parsed.ipVersion() == 4 ? Ipv4.PROTOCOL_IPIP : Ipv4.PROTOCOL_IPV6;
        final int protocol = gue ? Ipv4.PROTOCOL_UDP : innerProtocol;
        final int trafficClass = parsed.trafficClass();
        final long ip = frame + ethernetLength;
        long udpPseudoSum = 0;
        if (outerV6)
        {
            final long sourceHi = ipv6PrefixHi | (spread(flowHash) & ipv6HostMaskHi);
            final long sourceLo = ipv6PrefixLo | (spread(flowHash) & ipv6HostMaskLo);
            // The flow label also feeds ECMP and RSS hashing (RFC 6438).
            Ipv6.write(memory, ip, trafficClass, flowHash, outerLength - Ipv6.HEADER_LENGTH, protocol, OUTER_TTL,
                sourceHi, sourceLo, backendHi, backendLo);
            if (gue)
            {
                udpPseudoSum = Checksums.ipv6PseudoHeaderSum(sourceHi, sourceLo, backendHi, backendLo,
                    Ipv4.PROTOCOL_UDP, udpLength + innerLength);
            }
        }
        else
        {
            final int source = ipv4Prefix | (flowHash & ipv4HostMask);
            final int destination = IpAddresses.v4(backendLo);
            // DF follows the inner packet (RFC 2003 section 3.1); an atomic datagram may use id 0 (RFC 6864).
            final boolean dontFragment = parsed.dontFragment();
            final int id = dontFragment ? 0 : (identification++ & 0xffff);
            Ipv4.write(memory, ip, trafficClass, outerLength, id, dontFragment ? Ipv4.FLAG_DONT_FRAGMENT : 0,
                OUTER_TTL, protocol, source, destination);
            if (gue)
            {
                udpPseudoSum = Checksums.ipv4PseudoHeaderSum(source, destination, Ipv4.PROTOCOL_UDP,
                    udpLength + innerLength);
            }
        }
        if (gue)
        {
            final long udp = inner - Udp.HEADER_LENGTH;
            // Ephemeral range (RFC 6335 section 6), from the flow hash so the backend's RSS spreads flows.
            final int sourcePort = 0x8000 | ((flowHash ^ flowHash >>> 16) & 0x7fff);
            Udp.write(memory, udp, sourcePort, guePort, udpLength + innerLength);
            int checksum = Checksums.fold(udpPseudoSum + Checksums.sum(memory, udp, udpLength + innerLength));
            if (checksum == 0)
            {
                checksum = 0xffff; // RFC 768: a computed zero is sent as all ones
            }
            NetworkBytes.setU16(memory, udp + Udp.CHECKSUM, checksum);
        }
        // Written last: the new Ethernet header may overlap the old one, whose fields are no longer needed.
        Ethernet.write(memory, frame, dstMac, srcMac, vlanTci, outerV6 ? Ethernet.TYPE_IPV6 : Ethernet.TYPE_IPV4);
        lastLength = ethernetLength + outerLength;
        return frame;
    }

    /** Length of the frame the last successful {@link #encapsulate} produced. */
    public int lastLength()
    {
        return lastLength;
    }

    private static long spread(final int flowHash)
    {
        return flowHash & 0xffff_ffffL;
    }
}
