package io.fulcrum.dataplane.forward;

import io.fulcrum.dataplane.packet.Checksums;
import io.fulcrum.dataplane.packet.Ethernet;
import io.fulcrum.dataplane.packet.Icmp;
import io.fulcrum.dataplane.packet.IpAddresses;
import io.fulcrum.dataplane.packet.Ipv4;
import io.fulcrum.dataplane.packet.Ipv6;
import io.fulcrum.dataplane.packet.NetworkBytes;
import io.fulcrum.dataplane.packet.PacketParser;

import java.lang.foreign.MemorySegment;

/**
 * ICMP errors the balancer itself sends back to a client, written in place over the frame that caused them.
 * Today that is one: a packet too big to forward once encapsulated, so that path MTU discovery shrinks the client's
 * packets (RFC 1191, RFC 8201). One instance per worker.
 *
 * <p>The caller decides whether to answer at all: never for ICMP errors, non-first fragments, or group addresses.
 */
public final class IcmpReplies
{
    public static final int REPLY_TTL = 64;
    /** Linux sends ICMPv4 errors with precedence "internetwork control" (IPTOS_PREC_INTERNETCONTROL). */
    public static final int IPV4_ERROR_TOS = 0xc0;

    private int lastLength;

    /**
     * Rewrites the frame {@code parsed} describes into "fragmentation needed" (ICMPv4 type 3 code 4, next-hop MTU
     * {@code mtu}) quoting the IP header and 8 bytes, or "packet too big" (ICMPv6 type 2, MTU {@code mtu}) quoting as
     * much as fits in 1280 bytes (RFC 4443 section 2.4 (c)), from the original destination to the original source.
     * The quoted bytes stay in place when the headroom allows, else move (memmove) to just after the new headers.
     * Returns the new frame offset, with the length in {@link #lastLength()}, or -1 if the reply does not fit the slot.
     *
     * @param ourMac source address used when the frame was sent to a group address rather than to us
     */
    public long packetTooBig(
        final MemorySegment memory,
        final long slotStart,
        final int slotSize,
        final PacketParser parsed,
        final int mtu,
        final long ourMac)
    {
        final long oldFrame = parsed.frameOffset();
        final long original = oldFrame + parsed.l3Offset();
        final boolean v6 = parsed.ipVersion() == 6;
        final int vlanTci = parsed.vlanTci();
        final int ethernetLength = Ethernet.headerLength(vlanTci);
        final int ipLength = v6 ? Ipv6.HEADER_LENGTH : Ipv4.MIN_HEADER_LENGTH;
        final int headersLength = ethernetLength + ipLength + Icmp.HEADER_LENGTH;
        final int quoteLength = v6
            ? Math.min(parsed.ipPacketLength(), Ipv6.MIN_MTU - Ipv6.HEADER_LENGTH - Icmp.HEADER_LENGTH)
            : Math.min(parsed.ipPacketLength(), parsed.ipHeaderLength() + 8);

        long frame = original - (ipLength + Icmp.HEADER_LENGTH) - ethernetLength;
        if (frame < slotStart)
        {
            frame = slotStart;
        }
        if (frame + headersLength + quoteLength > slotStart + slotSize)
        {
            return -1;
        }
        final long oldDestinationMac = Ethernet.destination(memory, oldFrame);
        final long oldSourceMac = Ethernet.source(memory, oldFrame);
        final long quote = frame + headersLength;
        if (quote != original)
        {
            MemorySegment.copy(memory, original, memory, quote, quoteLength);
        }

        final long ip = frame + ethernetLength;
        final long icmp = ip + ipLength;
        final int icmpLength = Icmp.HEADER_LENGTH + quoteLength;
        if (v6)
        {
            Ipv6.write(memory, ip, 0, 0, icmpLength, Ipv4.PROTOCOL_ICMPV6, REPLY_TTL,
                parsed.dstHi(), parsed.dstLo(), parsed.srcHi(), parsed.srcLo());
            NetworkBytes.setU32(memory, icmp + Icmp.TYPE, Icmp.V6_PACKET_TOO_BIG << 24);
            NetworkBytes.setU32(memory, icmp + Icmp.REST, mtu);
            final long pseudo = Checksums.ipv6PseudoHeaderSum(parsed.dstHi(), parsed.dstLo(),
                parsed.srcHi(), parsed.srcLo(), Ipv4.PROTOCOL_ICMPV6, icmpLength);
            NetworkBytes.setU16(memory, icmp + Icmp.CHECKSUM, Checksums.fold(pseudo + Checksums.sum(memory, icmp, icmpLength)));
        }
        else
        {
            Ipv4.write(memory, ip, IPV4_ERROR_TOS, ipLength + icmpLength, 0, Ipv4.FLAG_DONT_FRAGMENT, REPLY_TTL,
                Ipv4.PROTOCOL_ICMP, IpAddresses.v4(parsed.dstLo()), IpAddresses.v4(parsed.srcLo()));
            NetworkBytes.setU32(memory, icmp + Icmp.TYPE,
                Icmp.V4_DESTINATION_UNREACHABLE << 24 | Icmp.V4_CODE_FRAGMENTATION_NEEDED << 16);
            NetworkBytes.setU32(memory, icmp + Icmp.REST, mtu & 0xffff); // unused (16 bits), next-hop MTU (16 bits)
            NetworkBytes.setU16(memory, icmp + Icmp.CHECKSUM, Checksums.fold(Checksums.sum(memory, icmp, icmpLength)));
        }
        final long sourceMac = Ethernet.isGroup(oldDestinationMac) ? ourMac : oldDestinationMac;
        Ethernet.write(memory, frame, oldSourceMac, sourceMac, vlanTci, v6 ? Ethernet.TYPE_IPV6 : Ethernet.TYPE_IPV4);
        lastLength = headersLength + quoteLength;
        return frame;
    }

    public int lastLength()
    {
        return lastLength;
    }
}
